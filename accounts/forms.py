from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.http import QueryDict

from accounts.models import Reader
from archive.models import Tag
from archive.vocabulary import ConsentItem, StandingChoice


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = Reader
        fields = ["username", "email"]


class ConsentPreferencesForm(forms.Form):
    """One show / ask / hide choice per rating and warning that needs consent."""

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for item in ConsentItem:
            self.fields[item.value] = forms.ChoiceField(
                label=item.label,
                choices=StandingChoice.choices,
                initial=current.get(item.value, StandingChoice.ASK),
                widget=forms.RadioSelect,
            )

    def rating_fields(self):
        return [self[name] for name in self.fields if name.startswith("rating:")]

    def warning_fields(self):
        return [self[name] for name in self.fields if name.startswith("warning:")]


class ExcludeTagForm(forms.Form):
    name = forms.CharField(max_length=100, label="Tag to exclude")

    def clean(self):
        data = super().clean()
        name = data.get("name", "").strip()
        tag = Tag.objects.filter(name__iexact=name).first() if name else None
        if name and tag is None:
            self.add_error("name", f"There is no tag called “{name}”.")
        data["tag"] = tag
        return data


class SaveFilterForm(forms.Form):
    """A filter is kept as the works page it was made on plus its query string."""

    name = forms.CharField(max_length=100)
    path = forms.CharField(max_length=200)
    query = forms.CharField(max_length=1800, required=False)

    def clean_path(self):
        path = self.cleaned_data["path"]
        if not path.startswith("/") or path.startswith("//"):
            raise forms.ValidationError("Filters can only be saved for this archive's pages.")
        return path

    def clean(self):
        data = super().clean()
        if "path" in data:
            query = QueryDict(data.get("query", ""), mutable=True)
            query.pop("page", None)
            query.pop("csrfmiddlewaretoken", None)
            encoded = query.urlencode()
            data["query"] = data["path"] + ("?" + encoded if encoded else "")
            del data["path"]
        return data
