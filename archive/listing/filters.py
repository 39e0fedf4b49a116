"""The works filter: a GET form that narrows and sorts a set of works.

Every listing that filters (the works index, tag pages, search) goes through `WorkFilter`,
so what a reader includes, excludes and hides is applied the same way everywhere, and the
counts and facets are taken over exactly the works the reader can page through.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, cached_property

from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import QueryDict
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from archive import languages
from archive.listing import search
from archive.models import Tag, families_of
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind

MAX_TAGS = 20
MAX_WORDS = 100_000_000

# The name a blurb shows: the creator's account, else the imported creator name, else
# "Anonymous" (see Work.creator_display).
CREATOR_NAME = Lower(
    Coalesce("creator__username", NullIf("creator_name", Value("")), Value("Anonymous"))
)

SORTS = {
    "updated": ("Date updated", ["-updated", "-id"]),
    "posted": ("Date posted", ["-published", "-id"]),
    "title": ("Title", [Lower("title"), "id"]),
    "creator": ("Creator", [CREATOR_NAME, "id"]),
    "words": ("Word count", ["-word_count", "-id"]),
    "kudos": ("Kudos", ["-kudos_count", "-id"]),
    "hits": ("Hits", ["-hits", "-id"]),
    "bookmarks": ("Bookmarks", ["-public_bookmark_count", "-id"]),
}
RELEVANCE = "relevance"


SUGGESTIONS = 3
CLOSE_ENOUGH = 0.6  # difflib's similarity: "Angts" is 0.8 from "Angst"


@dataclass(frozen=True)
class UnknownTag:
    """A tag name the filter did not find, and the closest tags: (name, link) pairs."""

    name: str
    suggestions: list

    @property
    def text(self):
        text = f"There is no tag called “{self.name}”."
        if self.suggestions:
            text += " Did you mean: " + ", ".join(name for name, _ in self.suggestions) + "?"
        return text

    def __str__(self):
        """The message as HTML, its suggestions linked: templates print it as it is."""
        if not self.suggestions:
            return escape(self.text)
        links = format_html_join(", ", '<a href="{}">{}</a>', ((u, n) for n, u in self.suggestions))
        return format_html("There is no tag called “{}”. Did you mean: {}?", self.name, links)

    __html__ = __str__


def closest_tags(name, *, among):
    """Up to three tag names close to `name` (a typo, another spelling, a word of it), from
    the tags of the works `among` only, so that drafts' tags stay private."""
    words = [word for word in re.split(r"\W+", name) if len(word) >= 3]
    near = Q(name__icontains=name) | Q(name__istartswith=name[:3])
    for word in words:
        near |= Q(name__icontains=word)
    names = list(
        Tag.objects.filter(near)
        # Tags on those works, and canonical tags whose synonyms are.
        .filter(
            Q(tagged_works__content_object__in=among.values("pk"))
            | Q(synonyms__tagged_works__content_object__in=among.values("pk"))
        )
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:200]
    )
    wanted = name.lower()
    scored = []
    for candidate in names:
        lowered = candidate.lower()
        contains = wanted in lowered or lowered in wanted
        similarity = SequenceMatcher(None, wanted, lowered).ratio()
        if contains or similarity >= CLOSE_ENOUGH:
            scored.append((not contains, -similarity, candidate))
    return [candidate for *_, candidate in sorted(scored)[:SUGGESTIONS]]


class TagNamesField(forms.Field):
    """Tag names from repeated parameters, each of which may hold a comma-separated list."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget = _TagNamesInput()

    def to_python(self, value):
        names = _names_in(value or [])
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(f"Choose at most {MAX_TAGS} tags.")
        if any(len(name) > 100 for name in names):
            raise forms.ValidationError("Tag names are at most 100 characters long.")
        return names


class _TagNamesInput(forms.TextInput):
    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])

    def format_value(self, value):
        # The text box is for adding tags; the ones already chosen are listed beside it.
        return ""


class _LanguageField(forms.ChoiceField):
    """A language by its code; links written by hand may spell it "EN"."""

    def to_python(self, value):
        return super().to_python(value).strip().lower()


# The filter form is on every listing. Django's widgets draw each input and each <option>
# through the form renderer's templates (two includes an option, some 230 a request with the
# 89 languages), which was nearly half of a cached listing's CPU; these widgets write the
# same HTML in Python, and the checkbox tables are drawn from `choice_rows`.


def _attributes(attrs):
    """Attributes as Django's widgets/attrs.html writes them: True bare, False left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class _Drawn:
    """An <input> written as widgets/input.html writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
        return mark_safe(
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(name)}"'
            f"{shown}{_attributes(widget['attrs'])}>"
        )


class _TextInput(_Drawn, forms.TextInput):
    pass


class _NumberInput(_Drawn, forms.NumberInput):
    pass


class _DateInput(_Drawn, forms.DateInput):
    pass


@cache
def _options(choices):
    """Each of flat `choices` as (value, its <option>, its <option> selected), made once."""
    drawn = []
    for value, label in choices:
        shown, label = conditional_escape(str(value)), conditional_escape(label)
        drawn.append(
            (
                str(value),
                f'\n  <option value="{shown}">{label}</option>\n',
                f'\n  <option value="{shown}" selected>{label}</option>\n',
            )
        )
    return tuple(drawn)


class _Select(forms.Select):
    """A <select> of flat choices written as widgets/select.html writes it, its options made
    once per set of choices and only the chosen one marked."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = []
        for option_value, option, selected in _options(tuple(self.choices)):
            if chosen and option_value in chosen:
                options.append(selected)
                chosen = None  # as Django's: only the first match of a single select
            else:
                options.append(option)
        attributes = _attributes(self.build_attrs(self.attrs, attrs))
        return mark_safe(
            f'<select name="{conditional_escape(name)}"{attributes}>{"".join(options)}\n</select>'
        )


def _choices(vocabulary):
    return forms.MultipleChoiceField(
        choices=vocabulary.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class WorkFilterForm(forms.Form):
    rating = _choices(Rating)
    exclude_rating = _choices(Rating)
    warning = _choices(ArchiveWarning)
    exclude_warning = _choices(ArchiveWarning)
    category = _choices(Category)
    exclude_category = _choices(Category)
    tag = TagNamesField(label="Other tags to include")
    exclude_tag = TagNamesField(label="Other tags to exclude")
    complete = forms.ChoiceField(
        choices=[("", "All works"), ("yes", "Complete works only"), ("no", "Works in progress")],
        required=False,
        widget=_Select,
    )
    # The ranges sit in fieldsets ("Word count", "Last updated") that name what they bound.
    words_from = forms.IntegerField(
        min_value=0, max_value=MAX_WORDS, required=False, label="From", widget=_NumberInput
    )
    words_to = forms.IntegerField(
        min_value=0, max_value=MAX_WORDS, required=False, label="To", widget=_NumberInput
    )
    updated_from = forms.DateField(
        required=False, label="From", widget=_DateInput(attrs={"type": "date"})
    )
    updated_to = forms.DateField(
        required=False, label="To", widget=_DateInput(attrs={"type": "date"})
    )
    language = _LanguageField(
        choices=[("", "Any language"), *languages.CHOICES], required=False, widget=_Select
    )
    q = forms.CharField(
        max_length=200, required=False, label="Search within results", widget=_TextInput
    )
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        required=False,
        label="Sort by",
        widget=_Select,
    )
    show_hidden = forms.BooleanField(required=False, widget=forms.HiddenInput)
    more = forms.ChoiceField(choices=TagKind.choices, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, relevance=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.dropped = set()
        if relevance:
            self.fields["sort"].choices = [(RELEVANCE, "Best match"), *self.fields["sort"].choices]

    def clean(self):
        data = super().clean()
        for low, high, what in [
            ("words_from", "words_to", "word count"),
            ("updated_from", "updated_to", "date"),
        ]:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, f"The {what} range ends before it starts.")
                # Half a reversed range would still filter: drop the whole range.
                self.dropped.add(low)
        return data

    def choice_rows(self, name, counts):
        """(value, label, works, included, excluded) for each choice of the checkbox field
        `name` ("rating") and its twin exclude_`name`, as the query string checked them;
        `counts` are the facet's {"value", "count"} (None: no counts shown)."""
        included = {str(value) for value in self[name].value() or ()}
        excluded = {str(value) for value in self[f"exclude_{name}"].value() or ()}
        works = {facet["value"]: facet["count"] for facet in counts or ()}
        return [
            (value, label, works.get(value), value in included, value in excluded)
            for value, label in self.fields[name].choices
        ]

    def valid_data(self):
        """The fields that passed validation; a bad field is reported and left out, so one
        mistake never empties or breaks the whole listing."""
        self.is_valid()
        left_out = set(self.errors) | self.dropped
        return {name: value for name, value in self.cleaned_data.items() if name not in left_out}


class WorkFilter:
    """Applies a filter form's valid data to a base set of works for one request.

    `readable` (archive.consent.policy.Readable) is what the reader may read without the
    gate: a search matches chapter text only there.
    """

    def __init__(self, data, *, base, exclusions, readable, relevance=False):
        self.form = WorkFilterForm(data, relevance=relevance)
        self.raw = data  # as the request gave it, for links that change one tag
        self.relevance = relevance
        self.unknown_include = False
        self.data = self.form.valid_data()
        self.base = base
        self.exclusions = exclusions
        self.readable = readable
        self.messages = []
        include = self.data.get("tag", [])
        exclude = self.data.get("exclude_tag", [])
        found = _tags_named([*include, *exclude])
        self.include_tags = self._chosen(include, found, purpose="include")
        self.exclude_tags = self._chosen(exclude, found, purpose="exclude")

    def _chosen(self, names, found, *, purpose):
        """The tags these names chose; a name no tag has is reported (and, to include,
        leaves nothing to list)."""
        chosen = []
        param = "tag" if purpose == "include" else "exclude_tag"
        for name in names:
            tag = found.get(name.lower())
            if tag is None:
                self.messages.append(self._unknown(name, param))
                self.unknown_include = self.unknown_include or purpose == "include"
            elif tag not in chosen:
                chosen.append(tag)
        return chosen

    def _unknown(self, name, param):
        """The message for a name no tag has, offering the closest tags of the works this
        reader can find, each linked to the same filter with that tag instead."""
        query = QueryDict(mutable=True)
        query.update(self.raw)
        query.pop("page", None)
        given = _names_in(query.getlist(param))
        offered = []
        for tag_name in closest_tags(name, among=self.base):
            query.setlist(param, [tag_name if n.lower() == name.lower() else n for n in given])
            offered.append((tag_name, "?" + query.urlencode()))
        return UnknownTag(name, offered)

    @property
    def showing_hidden(self):
        return bool(self.data.get("show_hidden")) and bool(self.exclusions)

    @property
    def is_filtered(self):
        """True when the reader narrowed the list: then the facets are worth their cost."""
        ignore = {"sort", "show_hidden", "more"}
        return any(value for name, value in self.data.items() if name not in ignore)

    @cached_property
    def hiding(self):
        """What hides a work from this reader's list: None when nothing does, or when the
        reader shows the hidden works for this search."""
        return None if self.showing_hidden else self.exclusions.condition()

    def works(self, *, search_text=True):
        """The filtered works, with the reader's exclusions unless shown for this search."""
        works = self.filtered(search_text=search_text)
        return works if self.hiding is None else works.exclude(self.hiding)

    def filtered(self, *, search_text=True):
        works = self.base
        if self.unknown_include:
            return works.none()
        data = self.data
        if data.get("rating"):
            works = works.filter(rating__in=data["rating"])
        if data.get("exclude_rating"):
            works = works.exclude(rating__in=data["exclude_rating"])
        if data.get("warning"):
            works = works.filter(warning_set__has_all=data["warning"])
        if data.get("exclude_warning"):
            works = works.exclude(warning_set__has_any=data["exclude_warning"])
        if data.get("category"):
            works = works.filter(categories__has_any=data["category"])
        if data.get("exclude_category"):
            works = works.exclude(categories__has_any=data["exclude_category"])
        works = works.tagged_with_all(self.include_tags).without_tags(self.exclude_tags)
        if data.get("complete") == "yes":
            works = works.filter(complete=True)
        elif data.get("complete") == "no":
            works = works.filter(complete=False)
        if data.get("words_from") is not None:
            works = works.filter(word_count__gte=data["words_from"])
        if data.get("words_to") is not None:
            works = works.filter(word_count__lte=data["words_to"])
        if data.get("updated_from"):
            works = works.filter(updated__gte=data["updated_from"])
        if data.get("updated_to"):
            works = works.filter(updated__lte=data["updated_to"])
        if data.get("language"):
            # A language covers its regional variants: English finds "en-gb" too.
            code = data["language"]
            works = works.filter(Q(language__iexact=code) | Q(language__istartswith=f"{code}-"))
        if search_text and data.get("q"):
            works = search.matching(works, data["q"], readable=self.readable)
        return works

    @property
    def ranked(self):
        """True when the list is in order of relevance to the search."""
        query = self.data.get("q")
        sort = self.data.get("sort") or (RELEVANCE if self.relevance and query else "updated")
        return sort == RELEVANCE and bool(query)

    def ordered(self):
        """The works() in the chosen order, with what their blurbs show (unless ranked)."""
        sort = SORTS.get(self.data.get("sort"), SORTS["updated"])[1]
        return self.works().order_by(*sort).with_blurb()

    def key(self):
        """What this filter lists, as part of a cache key: the same for the same works."""
        # What a search matches depends on what the reader agreed to; other lists do not.
        agreed = self.readable.key() if self.data.get("q") else None
        return (self.relevance, sorted(self.data.items()), self.exclusions.key(), agreed)

    def chosen_families(self, also=()):
        """The families of the tags chosen (and of `also`): facets do not offer them again."""
        return families_of([*self.include_tags, *self.exclude_tags, *also])

    def tag_sections(self, counted):
        """One section per tag kind: its facet (when counted) and its include/exclude boxes."""
        by_kind = {facet["kind"]: facet for facet in counted.tags} if counted else {}
        return [
            {"kind": kind, "label": label, "facet": by_kind.get(kind)}
            for kind, label in TagKind.choices
        ]


def _names_in(values):
    """The tag names in repeated parameters, each of which may hold a comma-separated list."""
    names = (part.strip() for value in values for part in str(value).split(","))
    return list(dict.fromkeys(name for name in names if name))


def _tags_named(names):
    """Tags by lower-cased name, found in one query whatever their case in the request."""
    if not names:
        return {}
    wanted = Q()
    for name in names:
        wanted |= Q(name__iexact=name)
    return {tag.name.lower(): tag for tag in Tag.objects.filter(wanted)}
