"""The forms creators upload files to import with: one file, or several at once."""

import operator
from functools import reduce

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import slugify

from archive.importing import kept
from archive.models import Tag
from archive.vocabulary import ArchiveWarning, Rating, TagKind


class WorkChoicesForm(forms.Form):
    """What a creator chooses for every file they import: the rating starts as strict as
    the vocabulary allows, and no warning is chosen for them: they choose what applies."""

    MAX_TAGS = 20

    rating = forms.ChoiceField(
        choices=Rating.choices, initial=Rating.NOT_RATED, widget=forms.RadioSelect
    )
    warnings = forms.MultipleChoiceField(
        label="Archive warnings",
        choices=ArchiveWarning.choices,
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


class ImportForm(WorkChoicesForm):
    """Upload a file to make a draft work.

    A form refused for another field keeps the file it was sent with (archive.importing.kept):
    the hidden `kept` field names it, and the form is sent again without choosing it again."""

    file = forms.FileField(
        label="File",
        required=False,  # when a kept file stands in for it; clean() asks for one otherwise
        widget=forms.FileInput(attrs={"accept": ".txt,.html,.htm,.epub", "required": True}),
    )
    kept = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    field_order = ["file", "kept", "rating", "warnings", "fandoms"]

    def __init__(self, *args, reader=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader = reader
        # The kept file's name, shown by the form, and the token sent back for it.
        self.kept_name = self.kept_token = ""
        megabytes = _megabytes(settings.IMPORT_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"A .txt (UTF-8), .html or .epub file, up to {megabytes:g} MB."

    def clean(self):
        data = super().clean()
        token = data.get("kept")
        if data.get("file") is None and "file" not in self.errors:
            upload = kept.take(reader=self.reader, token=token) if token else None
            if upload is not None:
                data["file"] = upload
                self._kept(upload.name, token)
            elif token:
                self.add_error("file", "The file sent before is no longer kept: choose it again.")
            else:
                self.add_error("file", self.fields["file"].error_messages["required"])
        return data

    def keep_file(self):
        """After a refusal for other fields, keep the file sent for the next sending."""
        upload = self.cleaned_data.get("file")
        if self.kept_token or upload is None or "file" in self.errors:
            return
        token = kept.keep(reader=self.reader, upload=upload)
        if token:
            self._kept(upload.name, token)

    def forget_file(self):
        """The kept file was imported or refused: it is not offered again."""
        if self.kept_token:
            kept.forget(reader=self.reader, token=self.kept_token)
            self.kept_name = self.kept_token = ""
            self.fields["file"].widget.attrs["required"] = True

    def _kept(self, name, token):
        self.kept_name, self.kept_token = name, token
        self.fields["file"].widget.attrs.pop("required", None)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [clean_one(file, initial) for file in files]


class BatchImportForm(WorkChoicesForm):
    """Upload several files at once; each becomes a draft work with the same choices."""

    files = MultipleFileField(
        label="Files",
        widget=MultipleFileInput(attrs={"accept": ".txt,.html,.htm,.epub", "multiple": True}),
    )
    field_order = ["files", "rating", "warnings", "fandoms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        count = settings.IMPORT_BATCH_MAX_FILES
        total = _megabytes(settings.IMPORT_BATCH_MAX_BYTES)
        each = _megabytes(settings.IMPORT_MAX_BYTES)
        self.fields["files"].help_text = (
            f".txt (UTF-8), .html or .epub files: up to {count} files and {total:g} MB in "
            f"all, each up to {each:g} MB."
        )

    def clean_files(self):
        files = [file for file in self.cleaned_data["files"] if file]
        if not files:
            raise forms.ValidationError(self.fields["files"].error_messages["required"])
        if len(files) > settings.IMPORT_BATCH_MAX_FILES:
            raise forms.ValidationError(
                f"Choose at most {settings.IMPORT_BATCH_MAX_FILES} files at once."
            )
        if sum(file.size for file in files) > settings.IMPORT_BATCH_MAX_BYTES:
            raise forms.ValidationError(
                f"The files come to more than {_megabytes(settings.IMPORT_BATCH_MAX_BYTES):g} MB:"
                " send fewer at once."
            )
        return files


def _megabytes(size):
    return size / 1024 / 1024
