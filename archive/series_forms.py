"""The forms creators make series and arrange their parts with."""

from django import forms

from archive import posting
from archive.models import Series, Work
from archive.posting_forms import HTML_HELP
from archive.series import MAX_PARTS


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
