"""The forms creators post and edit works, chapters and series with."""

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import format_lazy

from archive.models import Series, Work
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind
from archive.writing import posting
from archive.writing.posting import TAG_FIELDS
from archive.writing.series import MAX_PARTS
from archive.writing.words import count_words

MAX_TAGS = 75
HTML_HELP = (
    "Plain text is fine: leave a blank line between paragraphs. You may also use "
    "<p>, <br>, <em>, <strong>, <h3>–<h6>, <ul>, <ol>, <li>, <blockquote>, <hr> and "
    "<a href>; anything else is removed when you save."
)
TAG_HELP = "Separate tags with commas. A name the archive does not know yet becomes a new tag."


# The posting pages say HTML_HELP once, under this id, and every text box points to it.
FORMATTING_HELP_ID = "formatting-help"


def _text(label, max_length, *, rows=3, help_text="", required=False, editor=False):
    # Notes and summaries start small and grow as they fill (archive.css); the chapter text
    # gets the rich-text editor (js/editor.js), which keeps this box filled in for the form.
    attrs = {"rows": rows}
    if editor:
        attrs["data-editor"] = ""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs=attrs),
    )


def _formatting_help_once(form_class):
    """Point every text box of the form to the formatting help, after its own help if any."""
    for name, field in form_class.base_fields.items():
        if isinstance(field.widget, forms.Textarea):
            own = f"id_{name}_helptext " if field.help_text else ""
            field.widget.attrs["aria-describedby"] = own + FORMATTING_HELP_ID
    return form_class


def _tag_field(label, kind):
    # Suggestions only of the field's kind: a character offered under Fandoms would be
    # refused when the form is saved.
    autocomplete = {
        "autocomplete": "off",
        "data-autocomplete": format_lazy(
            "{}?{}", reverse_lazy("archive:tag_autocomplete"), urlencode({"kind": kind})
        ),
    }
    return forms.CharField(
        label=label,
        required=False,
        max_length=10_000,
        help_text=TAG_HELP,
        widget=forms.TextInput(attrs=autocomplete),
    )


@_formatting_help_once
class WorkForm(forms.Form):
    """A work's metadata: what a reader sees before the story, and the consent gate uses."""

    title = forms.CharField(max_length=255)
    summary = _text("Summary", 1250)
    rating = forms.ChoiceField(choices=Rating.choices, widget=forms.RadioSelect)
    warnings = forms.MultipleChoiceField(
        label="Archive warnings",
        choices=ArchiveWarning.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose every warning that applies, or “No Archive Warnings Apply”.",
    )
    categories = forms.MultipleChoiceField(
        label="Categories",
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fandoms = _tag_field("Fandoms", TagKind.FANDOM)
    relationships = _tag_field("Relationships", TagKind.RELATIONSHIP)
    characters = _tag_field("Characters", TagKind.CHARACTER)
    additional_tags = _tag_field("Additional tags", TagKind.ADDITIONAL)
    language = forms.CharField(
        max_length=20,
        initial="en",
        help_text="A language code, such as en, fr or pt-BR.",
        validators=[
            RegexValidator(
                r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                "Use a language code, such as en, fr or pt-BR.",
            )
        ],
    )
    notes = _text("Notes", 5000)
    end_notes = _text("End notes", 5000)
    complete = forms.BooleanField(
        required=False,
        label="This work is complete",
        help_text="A work with all its expected chapters posted is complete.",
    )
    expected_chapters = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=32767,
        label="Expected number of chapters",
        help_text="Leave empty when you do not know yet.",
    )
    published = forms.DateField(
        required=False,
        label="Published on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=(
            "Leave empty to date the work the day it is posted. An earlier date backdates "
            "it, say for a work first posted elsewhere; not a day still to come."
        ),
    )
    series = forms.ModelChoiceField(
        queryset=Series.objects.none(),
        required=False,
        label="Add to one of your series",
        empty_label="None",
        help_text="The work becomes the series' last part.",
    )
    new_series = forms.CharField(
        required=False,
        max_length=255,
        label="Or start a new series titled",
        help_text="The work becomes its first part.",
    )

    formatting_help = HTML_HELP
    formatting_help_id = FORMATTING_HELP_ID

    def __init__(self, *args, work=None, creator=None, **kwargs):
        self.work = work
        if work is not None:
            kwargs.setdefault("initial", _initial(work))
        super().__init__(*args, **kwargs)
        for name in TAG_FIELDS:
            self.fields[name].widget.attrs["list"] = f"{name}-suggestions"
        # The series of the work's creator (an edit by staff offers the creator's, not
        # theirs), leaving out those the work is in already; none for a work without one.
        owner_id = work.creator_id if work is not None else getattr(creator, "pk", None)
        if owner_id is None:
            del self.fields["series"], self.fields["new_series"]
        else:
            owned = Series.objects.filter(creator_id=owner_id).order_by("title", "id")
            if work is not None:
                owned = owned.exclude(parts__work=work)
            self.fields["series"].queryset = owned
            self.fields["series"].error_messages["invalid_choice"] = "Choose one of your series."

    def clean_published(self):
        published = self.cleaned_data["published"]
        if published is not None and published > timezone.localdate():
            raise forms.ValidationError("Choose today or a day before: not a day still to come.")
        return published

    def clean_warnings(self):
        warnings = self.cleaned_data["warnings"]
        if ArchiveWarning.NO_WARNINGS in warnings and len(warnings) > 1:
            raise forms.ValidationError(
                "“No Archive Warnings Apply” cannot be chosen together with other warnings."
            )
        return warnings

    def clean_expected_chapters(self):
        expected = self.cleaned_data["expected_chapters"]
        chapters = self.work.chapter_count if self.work else 0
        if expected is not None and expected < chapters:
            raise forms.ValidationError(
                f"The work already has {chapters} chapters, so expect at least {chapters}."
            )
        return expected

    def clean(self):
        data = super().clean()
        # A complete work has all its chapters: "complete, 2 of 5" cannot be shown as either.
        # A new work is complete with its first chapter, which comes next.
        chapters = max(self.work.chapter_count if self.work else 0, 1)
        expected = data.get("expected_chapters")
        if data.get("complete") and expected is not None and expected != chapters:
            self.add_error(
                "expected_chapters",
                f"A complete work has all its chapters: expect {chapters}, or leave this empty.",
            )
        if data.get("series") and data.get("new_series", "").strip():
            self.add_error("new_series", "Choose one of your series or name a new one, not both.")
        names = {field: data[field] for field in TAG_FIELDS if field in data}
        if sum(len(tags) for tags in names.values()) > MAX_TAGS:
            raise forms.ValidationError(f"A work can have at most {MAX_TAGS} tags in all.")
        for field, problems in posting.tag_problems(names).items():
            for problem in problems:
                self.add_error(field, problem)
        return data

    def tag_fields(self):
        return [self[name] for name in TAG_FIELDS]

    def _clean_tag_names(self, field):
        names = posting.unique_names(self.cleaned_data[field].split(","))
        problems = list(filter(None, map(posting.tag_name_problem, names)))
        if problems:
            raise forms.ValidationError(problems)
        return names

    def clean_fandoms(self):
        return self._clean_tag_names("fandoms")

    def clean_relationships(self):
        return self._clean_tag_names("relationships")

    def clean_characters(self):
        return self._clean_tag_names("characters")

    def clean_additional_tags(self):
        return self._clean_tag_names("additional_tags")


def _initial(work):
    initial = {name: getattr(work, name) for name in posting.WORK_FIELDS}
    initial["published"] = work.published if work.is_posted or work.backdated else None
    initial["warnings"] = work.warning_values
    for field, kind in TAG_FIELDS.items():
        initial[field] = ", ".join(tag.name for tag in work.tags_of_kind(kind))
    return initial


class When(models.TextChoices):
    """When a chapter of a posted work is posted."""

    NOW = "now", "Post it now"
    DRAFT = "draft", "Save it as a draft, to post later"
    SCHEDULED = "scheduled", "Post it at the date and time below"


@_formatting_help_once
class ChapterForm(forms.Form):
    """One chapter: its title, summary, notes and the story itself; for a new chapter of a
    posted work or a draft chapter, when it is posted."""

    title = forms.CharField(max_length=255, required=False, help_text="Optional.")
    summary = _text("Summary", 1250)
    notes = _text("Notes", 5000, help_text="Shown before the chapter.")
    body = _text("Chapter text", 500_000, rows=20, required=True, editor=True)
    end_notes = _text("End notes", 5000, help_text="Shown after the chapter.")
    when = forms.ChoiceField(
        label="Posting",
        # Left out, a new chapter is posted at once and a draft stays as it is.
        required=False,
        choices=When.choices,
        initial=When.NOW,
        widget=forms.RadioSelect,
        help_text="Subscribers hear of the chapter when it is posted, not when it is saved.",
    )
    post_at = forms.DateTimeField(
        label="Post at (UTC)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The archive's time, UTC. The chapter is posted within that minute.",
    )

    formatting_help = HTML_HELP
    formatting_help_id = FORMATTING_HELP_ID

    def __init__(self, *args, chapter=None, work=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if chapter is not None and chapter.pk:
            initial.update({name: getattr(chapter, name) for name in self.text_fields()})
            if not chapter.is_posted:
                initial["when"] = When.SCHEDULED if chapter.post_at else When.DRAFT
                initial["post_at"] = chapter.post_at
        super().__init__(*args, **kwargs)
        # Only a chapter not posted yet has a choice: a new one of a posted work, or a
        # draft. A new chapter of a draft work is posted with the work.
        if chapter is not None and chapter.pk:
            offered = not chapter.is_posted
        else:
            offered = work is not None and work.is_posted
        if not offered:
            del self.fields["when"], self.fields["post_at"]

    @staticmethod
    def text_fields():
        return ["title", *posting.CHAPTER_TEXT_FIELDS]

    def clean(self):
        data = super().clean()
        when, post_at = data.get("when"), data.get("post_at")
        if when == When.SCHEDULED:
            if post_at is None:
                if "post_at" not in self.errors:
                    self.add_error("post_at", "Choose the date and time to post the chapter at.")
            elif post_at <= timezone.now():
                self.add_error("post_at", "Choose a time still to come, or post it now.")
        return data

    def chapter(self):
        """The chapter's text, by field name, as the posting functions take it."""
        return {name: self.cleaned_data[name] for name in self.text_fields()}

    def posting(self):
        """How to post it: {"draft": …, "post_at": …}, or {} when there is no choice to make
        or none was made."""
        when = self.cleaned_data.get("when")
        if not when:
            return {}
        post_at = self.cleaned_data["post_at"] if when == When.SCHEDULED else None
        return {"draft": when != When.NOW, "post_at": post_at}

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not count_words(posting.prepare_html(body)):
            raise forms.ValidationError(
                "The chapter has no text left once what the archive does not allow is removed."
            )
        return body


class SeriesForm(forms.ModelForm):
    summary = forms.CharField(
        required=False, max_length=1250, help_text=HTML_HELP, widget=forms.Textarea({"rows": 4})
    )
    notes = forms.CharField(
        required=False, max_length=5000, help_text=HTML_HELP, widget=forms.Textarea({"rows": 4})
    )

    class Meta:
        model = Series
        fields = ["title", "summary", "notes", "complete"]
        labels = {"complete": "This series is complete"}

    def clean_summary(self):
        return posting.prepare_html(self.cleaned_data["summary"])

    def clean_notes(self):
        return posting.prepare_html(self.cleaned_data["notes"])


class AddPartForm(forms.Form):
    """One of the creator's own works, and where it goes (empty: after the last part)."""

    work = forms.ModelChoiceField(queryset=Work.objects.none(), label="Work to add")
    position = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PARTS,
        label="Position",
        help_text="1 is the first part. Leave empty to add it after the last part.",
    )

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the creator's works, so a form cannot even name another reader's work. A
        # work in the series already is accepted here and refused by add_work_to_series,
        # which says where it is; the menu offers only the others.
        field = self.fields["work"]
        field.queryset = Work.objects.filter(
            creator_id=series.creator_id, hidden_by_staff=False
        ).order_by("title", "id")
        field.error_messages["invalid_choice"] = "Choose one of your own works."
        in_series = set(series.parts.values_list("work_id", flat=True))
        field.widget.choices = [("", "Choose a work")] + [
            (work.pk, work.title) for work in field.queryset if work.pk not in in_series
        ]

    @property
    def has_choices(self):
        return len(self.fields["work"].widget.choices) > 1


class MovePartForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=MAX_PARTS, label="Move to position")
