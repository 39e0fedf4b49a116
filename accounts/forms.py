from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.http import QueryDict

from accounts.models import ExcludedTag, Reader, SavedFilter
from archive.vocabulary import (
    RATING_ITEMS,
    STANDING_ITEMS,
    WARNING_ITEMS,
    ConsentItem,
    StandingChoice,
    UngatedItem,
)
from config.paths import same_site_path


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = Reader
        fields = ["username", "email"]


class ConsentPreferencesForm(forms.Form):
    """A standing choice per rating and warning: show / ask / hide for those that need
    agreement, show / hide for those that do not (nothing ever asks about them)."""

    UNGATED_CHOICES = [
        (StandingChoice.SHOW, "Show"),
        (StandingChoice.HIDE, StandingChoice.HIDE.label),
    ]

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(STANDING_ITEMS)
        # Ratings from General to Not Rated, then warnings, as DESIGN.md lists them.
        for item in [*RATING_ITEMS, *WARNING_ITEMS]:
            gated = item in ConsentItem.values
            default = StandingChoice.ASK if gated else StandingChoice.SHOW
            self.fields[item] = forms.ChoiceField(
                label=labels[item],
                choices=StandingChoice.choices if gated else self.UNGATED_CHOICES,
                initial=current.get(item, default),
                widget=forms.RadioSelect,
            )

    def clean(self):
        data = super().clean()
        # "Show" is the default for what needs no agreement; like "ask" for the rest, the
        # default is kept as no choice at all.
        for item in UngatedItem.values:
            if data.get(item) == StandingChoice.SHOW:
                data[item] = StandingChoice.ASK
        return data

    def rating_fields(self):
        return [self[item] for item in RATING_ITEMS]

    def warning_fields(self):
        return [self[item] for item in WARNING_ITEMS]


class ReaderPreferencesForm(forms.Form):
    """How works open and whether kudos reach the reader's email, saved with their choices."""

    FIELDS = ["open_entire_work", "email_on_kudos"]

    open_entire_work = forms.BooleanField(
        required=False,
        label="Open works as the entire work",
        help_text="Links to a work show all its chapters on one page.",
    )
    email_on_kudos = forms.BooleanField(
        required=False,
        label="Email me about kudos on my works",
        help_text="At most one email a day, saying who left kudos on which work.",
    )

    def __init__(self, *args, reader, **kwargs):
        self.reader = reader
        initial = {name: getattr(reader, name) for name in self.FIELDS}
        super().__init__(*args, initial=initial, **kwargs)

    def save(self):
        for name in self.FIELDS:
            setattr(self.reader, name, self.cleaned_data[name])
        self.reader.save(update_fields=self.FIELDS)


class ExcludeTagForm(forms.Form):
    name = forms.CharField(max_length=100, label="Tag to exclude")

    def clean(self):
        data = super().clean()
        name = data.get("name", "").strip()
        tag = _tags().filter(name__iexact=name).first() if name else None
        if name and tag is None:
            self.add_error("name", f"There is no tag called “{name}”.")
        data["tag"] = tag
        return data


def _tags():
    # The archive's tags, reached through the relation an exclusion keeps to them: accounts
    # sits below the archive and does not import its models.
    return ExcludedTag._meta.get_field("tag").related_model.objects


class SaveFilterForm(forms.Form):
    """A filter is kept as the works page it was made on plus its query string."""

    name = forms.CharField(max_length=100)
    path = forms.CharField(max_length=200)
    query = forms.CharField(max_length=1800, required=False)

    def clean_path(self):
        path = same_site_path(self.cleaned_data["path"])
        if path is None:
            raise forms.ValidationError("Filters can only be saved for this archive's pages.")
        return path

    def clean(self):
        data = super().clean()
        if "path" in data:
            query = QueryDict(data.get("query", ""), mutable=True)
            # A saved filter is a search to come back to: not a page of it, and never a
            # standing way past the reader's own exclusions.
            for transient in ["page", "csrfmiddlewaretoken", "show_hidden"]:
                query.pop(transient, None)
            encoded = query.urlencode()
            data["query"] = data["path"] + ("?" + encoded if encoded else "")
            del data["path"]
            # Encoding can lengthen what was typed (é becomes %C3%A9), so the limit is checked
            # on what will be stored.
            limit = SavedFilter._meta.get_field("query").max_length
            if len(data["query"]) > limit:
                raise forms.ValidationError("This filter is too long to save; remove some of it.")
        return data


class PersonByNameForm(forms.Form):
    """A reader named by their user name, to block or mute from the people page."""

    username = forms.CharField(max_length=150, label="User name")

    def __init__(self, *args, reader, verb, **kwargs):
        super().__init__(*args, **kwargs)
        self.reader, self.verb, self.person = reader, verb, None
        self.fields["username"].label = f"{verb.capitalize()} a reader by user name"

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        # User names are told apart by case, but a reader typing one rarely minds it: the
        # exact name first, then the only one that differs from it just by case.
        active = Reader.objects.filter(is_active=True)
        person = active.filter(username=name).first()
        if person is None:
            alike = list(active.filter(username__iexact=name)[:2])
            person = alike[0] if len(alike) == 1 else None
        if person is None:
            raise forms.ValidationError(f"There is no reader called “{name}”.")
        if person.pk == self.reader.pk:
            raise forms.ValidationError(f"You cannot {self.verb} yourself.")
        self.person = person
        return person.username
