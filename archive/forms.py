import operator
from functools import reduce

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import slugify
from taggit.forms import TagField

from archive.models import Bookmark, Tag
from archive.vocabulary import ArchiveWarning, ConsentItem, Rating, TagKind


class ConsentForm(forms.Form):
    """The interstitial's "Show me this work" form."""

    items = forms.MultipleChoiceField(choices=ConsentItem.choices, widget=forms.MultipleHiddenInput)
    remember = forms.BooleanField(
        required=False,
        label="Don't ask me again about these during this visit",
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class BookmarkForm(forms.ModelForm):
    """A reader's bookmark of a work: plain-text notes, their own tags, two flags."""

    MAX_TAGS = 20
    MAX_TAG_LENGTH = 100

    tags = TagField(
        required=False,
        label="Your tags",
        help_text="Separate tags with commas: up to 20 tags, each up to 100 characters.",
    )

    class Meta:
        model = Bookmark
        fields = ["notes", "tags", "private", "recommend"]
        labels = {
            "notes": "Notes",
            "private": "Private (only you will ever see it)",
            "recommend": "Recommend this work",
        }
        help_texts = {"notes": "Plain text, up to 5000 characters."}
        widgets = {"notes": forms.Textarea(attrs={"rows": 6})}

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > self.MAX_TAGS:
            raise forms.ValidationError(f"Use at most {self.MAX_TAGS} tags; you gave {len(tags)}.")
        too_long = [tag for tag in tags if len(tag) > self.MAX_TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"Each tag can be at most {self.MAX_TAG_LENGTH} characters; "
                f"“{too_long[0][:30]}…” has {len(too_long[0])}."
            )
        return tags


class BookmarkFilterForm(forms.Form):
    """My bookmarks: which of my tags to show, and in what order."""

    SORTS = {
        "bookmarked": ["-created_at", "-pk"],
        "updated": ["-work__updated", "-pk"],
        "title": ["work__title", "pk"],
    }

    tag = forms.ChoiceField(label="Tagged", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("bookmarked", "Date bookmarked"),
            ("updated", "Date the work was updated"),
            ("title", "Title"),
        ],
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag")] + [
            (tag.slug, f"{tag.name} ({tag.uses})") for tag in tags
        ]

    def ordering(self):
        return self.SORTS[self.cleaned_data.get("sort") or "bookmarked"]


class ImportForm(forms.Form):
    """Upload a file to make a draft work. The rating and warnings start as strict as the
    vocabulary allows: the archive never guesses that a file is milder than that."""

    MAX_TAGS = 20

    file = forms.FileField(
        label="File",
        widget=forms.FileInput(attrs={"accept": ".txt,.html,.htm,.epub"}),
    )
    rating = forms.ChoiceField(
        choices=Rating.choices, initial=Rating.NOT_RATED, widget=forms.RadioSelect
    )
    warnings = forms.MultipleChoiceField(
        label="Archive warnings",
        choices=ArchiveWarning.choices,
        initial=[ArchiveWarning.CHOSE_NOT_TO_WARN],
        widget=forms.CheckboxSelectMultiple,
    )
    # Commas only separate names: fandoms have spaces ("Lantern Tales"), unlike taggit's
    # parsing, which splits a comma-less list at the spaces.
    fandoms = forms.CharField(
        required=False,
        max_length=2000,
        label="Fandoms",
        help_text="Separate fandoms with commas; you can add other tags when you edit the draft.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
        self.fields[
            "file"
        ].help_text = f"A .txt (UTF-8), .html or .epub file, up to {megabytes:g} MB."

    def clean_warnings(self):
        warnings = self.cleaned_data["warnings"]
        if ArchiveWarning.NO_WARNINGS in warnings and len(warnings) > 1:
            raise forms.ValidationError(
                "“No Archive Warnings Apply” cannot be chosen with another warning."
            )
        return warnings

    def clean_fandoms(self):
        """The names as typed, or as an existing tag spells them whatever the case."""
        names = [name.strip() for name in self.cleaned_data["fandoms"].split(",")]
        names = [name for name in names if name]
        if len(names) > self.MAX_TAGS:
            raise forms.ValidationError(f"Give at most {self.MAX_TAGS} fandoms.")
        for name in names:
            if len(name) > 100:
                raise forms.ValidationError(f"“{name[:30]}…” is longer than 100 characters.")
            if not slugify(name, allow_unicode=True):
                raise forms.ValidationError(f"“{name}” needs at least one letter or digit.")
        if not names:
            return []
        existing = {
            tag.name.lower(): tag
            for tag in Tag.objects.filter(
                reduce(operator.or_, (Q(name__iexact=name) for name in names))
            )
        }
        spelled = {}
        for name in names:
            tag = existing.get(name.lower())
            if tag is not None and tag.kind != TagKind.FANDOM:
                raise forms.ValidationError(
                    f"“{tag.name}” is already a {tag.get_kind_display()} tag, not a fandom."
                )
            spelled.setdefault(name.lower(), tag.name if tag else name)
        return list(spelled.values())

    def metadata(self):
        """What the importer needs besides the file."""
        data = self.cleaned_data
        return {"rating": data["rating"], "warnings": data["warnings"], "fandoms": data["fandoms"]}
