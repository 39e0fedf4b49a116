"""The works filter: a GET form that narrows, sorts and counts a set of works.

Every listing that filters (the works index, tag pages, search) goes through `WorkFilter`,
so what a reader includes, excludes and hides is applied the same way everywhere, and the
counts and facets are taken over exactly the works the reader can page through.
"""

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Lower

from archive import search
from archive.models import Tag, TaggedWork, WorkWarning
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind

MAX_TAGS = 20
MAX_WORDS = 100_000_000
FACET_LIMIT = 10
FACET_MORE_LIMIT = 100

SORTS = {
    "updated": ("Date updated", ["-updated", "-id"]),
    "posted": ("Date posted", ["-published", "-id"]),
    "title": ("Title", [Lower("title"), "id"]),
    "creator": ("Creator", [Lower("creator_name"), "id"]),
    "words": ("Word count", ["-word_count", "-id"]),
    "kudos": ("Kudos", ["-kudos_count", "-id"]),
    "hits": ("Hits", ["-hits", "-id"]),
    "bookmarks": ("Bookmarks", ["-public_bookmark_count", "-id"]),
}
RELEVANCE = "relevance"


class TagNamesField(forms.Field):
    """Tag names from repeated parameters, each of which may hold a comma-separated list."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget = _TagNamesInput()

    def to_python(self, value):
        names = []
        for raw in value or []:
            names.extend(part.strip() for part in str(raw).split(","))
        names = list(dict.fromkeys(name for name in names if name))
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
    )
    words_from = forms.IntegerField(
        min_value=0, max_value=MAX_WORDS, required=False, label="Words from"
    )
    words_to = forms.IntegerField(min_value=0, max_value=MAX_WORDS, required=False, label="to")
    updated_from = forms.DateField(
        required=False, label="Updated from", widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_to = forms.DateField(
        required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.CharField(max_length=20, required=False)
    q = forms.CharField(max_length=200, required=False, label="Search within results")
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        required=False,
        label="Sort by",
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

    def valid_data(self):
        """The fields that passed validation; a bad field is reported and left out, so one
        mistake never empties or breaks the whole listing."""
        self.is_valid()
        left_out = set(self.errors) | self.dropped
        return {name: value for name, value in self.cleaned_data.items() if name not in left_out}


class WorkFilter:
    """Applies a filter form's valid data to a base set of works for one request."""

    def __init__(self, data, *, base, exclusions, relevance=False):
        self.form = WorkFilterForm(data, relevance=relevance)
        self.relevance = relevance
        self.unknown_include = False
        self.data = self.form.valid_data()
        self.base = base
        self.exclusions = exclusions
        self.messages = []
        self.include_tags = self._find_tags(self.data.get("tag", []), "include")
        self.exclude_tags = self._find_tags(self.data.get("exclude_tag", []), "exclude")

    def _find_tags(self, names, purpose):
        if not names:
            return []
        wanted = Q()
        for name in names:
            wanted |= Q(name__iexact=name)
        found = list(Tag.objects.filter(wanted))
        known = {tag.name.lower() for tag in found}
        for name in names:
            if name.lower() not in known:
                self.messages.append(f"There is no tag called “{name}”.")
                if purpose == "include":
                    self.unknown_include = True
        return found

    @property
    def showing_hidden(self):
        return bool(self.data.get("show_hidden")) and bool(self.exclusions)

    @property
    def is_filtered(self):
        """True when the reader narrowed the list: then the facets are worth their cost."""
        ignore = {"sort", "show_hidden", "more"}
        return any(value for name, value in self.data.items() if name not in ignore)

    def works(self):
        """The filtered works, with the reader's exclusions unless shown for this search."""
        works = self.filtered()
        if not self.showing_hidden:
            works = works.excluding(self.exclusions)
        return works

    def filtered(self):
        works = self.base
        if self.unknown_include:
            return works.none()
        data = self.data
        if data.get("rating"):
            works = works.filter(rating__in=data["rating"])
        if data.get("exclude_rating"):
            works = works.exclude(rating__in=data["exclude_rating"])
        for warning in data.get("warning", []):
            works = works.filter(pk__in=_works_warned(warning))
        if data.get("exclude_warning"):
            works = works.exclude(warnings__warning__in=data["exclude_warning"])
        if data.get("category"):
            works = works.filter(category__in=data["category"])
        if data.get("exclude_category"):
            works = works.exclude(category__in=data["exclude_category"])
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
            works = works.filter(language__iexact=data["language"])
        if data.get("q"):
            works = search.matching(works, data["q"])
        return works

    def sorted(self, works):
        query = self.data.get("q")
        sort = self.data.get("sort") or (RELEVANCE if self.relevance and query else "updated")
        if sort == RELEVANCE and query:
            return search.by_relevance(works, query)
        return works.order_by(*SORTS.get(sort, SORTS["updated"])[1])

    def hidden_count(self, shown_count):
        """How many works the reader's exclusions keep out of this result (one count query)."""
        if not self.exclusions or self.showing_hidden:
            return 0
        return self.filtered().count() - shown_count

    def facets(self, works):
        """Counts over the whole result for ratings, warnings, categories and each tag kind."""
        more = self.data.get("more")
        values = {
            "rating": _counted(works.order_by().values("rating").annotate(n=Count("pk"))),
            "category": _counted(works.order_by().values("category").annotate(n=Count("pk"))),
            "warning": _counted(
                WorkWarning.objects.filter(work__in=works.order_by().values("pk"))
                .values("warning")
                .annotate(n=Count("pk"))
            ),
        }
        facets = {
            "ratings": _vocabulary_facet(Rating, values["rating"]),
            "warnings": _vocabulary_facet(ArchiveWarning, values["warning"]),
            "categories": _vocabulary_facet(Category, values["category"]),
            "tags": _tag_facets(works, more),
        }
        return facets


def _works_warned(warning):
    return WorkWarning.objects.filter(warning=warning).values("work")


def _counted(rows):
    return {row[next(key for key in row if key != "n")]: row["n"] for row in rows}


def _vocabulary_facet(vocabulary, counts):
    return [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in vocabulary.choices
        if counts.get(value)
    ]


def _tag_facets(works, more):
    """The most used tags of each kind in the result, ranked within their kind in one query."""
    counts = (
        TaggedWork.objects.filter(content_object__in=works.order_by().values("pk"))
        .values("tag_id")
        .annotate(n=Count("pk"))
    )
    try:
        inner, params = counts.query.sql_with_params()
    except EmptyResultSet:
        return []
    # Ranking inside each kind needs a window over the counts; Django cannot put a window
    # over an aggregate of the same query, so the counts become a subquery here.
    sql = f"""
        SELECT name, kind, n, position FROM (
            SELECT t.name, t.kind, c.n,
                ROW_NUMBER() OVER (PARTITION BY t.kind ORDER BY c.n DESC, t.name) AS position
            FROM ({inner}) c JOIN {Tag._meta.db_table} t ON t.id = c.tag_id
        ) ranked
        WHERE position <= %s
        ORDER BY kind, position
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, FACET_MORE_LIMIT if more else FACET_LIMIT + 1])
        rows = cursor.fetchall()
    facets = {
        kind: {"kind": kind, "label": label, "tags": [], "has_more": False}
        for kind, label in TagKind.choices
    }
    for name, kind, count, position in rows:
        facet = facets[kind]
        if position > (FACET_MORE_LIMIT if kind == more else FACET_LIMIT):
            facet["has_more"] = True
        else:
            facet["tags"].append({"name": name, "count": count})
    return [facet for facet in facets.values() if facet["tags"]]
