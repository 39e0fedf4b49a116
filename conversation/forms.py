from django import forms

from conversation.comments import MAX_LENGTH, CommentRefused, clean_body
from conversation.models import ReportReason, WorkCommentSettings

BODY_HELP = (
    "Plain text, or simple HTML: paragraphs, emphasis, lists, quotes and links. "
    f"At most {MAX_LENGTH:,} characters."
)
HONEYPOT = "This field must stay empty: leave it blank to post your comment."
# The largest id a database column holds; anything bigger names nothing.
MAX_ID = 2**63 - 1


class IdsField(forms.Field):
    """Ids sent as repeated values (?items=3&items=5): a list of whole numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if not all(isinstance(v, str) and v.isascii() and v.isdigit() for v in values):
            raise forms.ValidationError("Choose notices from the list.")
        ids = [int(v) for v in values]
        if any(pk > MAX_ID for pk in ids):
            raise forms.ValidationError("Choose notices from the list.")
        return ids


class CommentForm(forms.Form):
    """A comment or a reply; a guest's form adds their name, their email and a honeypot."""

    body = forms.CharField(
        label="Comment",
        max_length=MAX_LENGTH,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, guest=False, **kwargs):
        super().__init__(*args, **kwargs)
        if guest:
            self.fields["guest_name"] = forms.CharField(label="Your name", max_length=100)
            self.fields["guest_email"] = forms.EmailField(
                label="Your email address",
                max_length=254,
                help_text="Only staff see it; it is never shown.",
            )
            # People leave this empty because they never see it; bots fill every field.
            self.fields["website"] = forms.CharField(
                label="Leave this empty",
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            )

    def clean_body(self):
        try:
            return clean_body(self.cleaned_data["body"])
        except CommentRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError(HONEYPOT)
        return ""


class CommentSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkCommentSettings
        fields = ["who_may_comment", "moderated"]
        labels = {"who_may_comment": "Who may comment", "moderated": "Moderate comments"}
        widgets = {"who_may_comment": forms.RadioSelect}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?", choices=ReportReason.choices
    )
    details = forms.CharField(
        label="Anything staff should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NotificationSettingsForm(forms.Form):
    email_on_comments = forms.BooleanField(
        label="Email me when someone comments on my works or replies to my comments",
        required=False,
    )


class InboxActionForm(forms.Form):
    """Read, unread or delete the chosen notices, or mark every notice read."""

    ACTIONS = [
        ("read", "Mark read"),
        ("unread", "Mark unread"),
        ("delete", "Delete"),
        ("read_all", "Mark all read"),
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    items = IdsField(required=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") not in (None, "read_all") and not data.get("items"):
            raise forms.ValidationError("Choose at least one notice first.")
        return data
