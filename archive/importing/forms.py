"""The form creators upload a file to import with."""

import operator
from functools import reduce

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import slugify

from archive.models import Tag
from archive.vocabulary import ArchiveWarning, Rating, TagKind


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
