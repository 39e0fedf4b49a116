"""The forms readers bookmark works and sort their bookmarks with."""

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from taggit.forms import TagField

from archive.models import Bookmark


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

    # A deleted work has no date and is named by the title its bookmarks kept.
    SORTS = {
        "bookmarked": ["-created_at", "-pk"],
        "updated": [F("work__updated").desc(nulls_last=True), "-pk"],
        "title": [Coalesce("work__title", "work_title"), "pk"],
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
