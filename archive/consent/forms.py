"""The interstitial's form: what a reader agrees to see."""

from django import forms

from archive.vocabulary import ConsentItem


class ConsentForm(forms.Form):
    """The interstitial's "Show me this work" form."""

    items = forms.MultipleChoiceField(choices=ConsentItem.choices, widget=forms.MultipleHiddenInput)
    remember = forms.BooleanField(
        required=False,
        label="Don't ask me again about these during this visit",
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
