from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render

from accounts.forms import ConsentPreferencesForm, ReaderPreferencesForm
from accounts.preferences import consent_choices, save_consent_choices
from config.paths import same_site_path


@login_required
def preferences(request):
    form = ConsentPreferencesForm(request.POST or None, current=consent_choices(request.user))
    reading_form = ReaderPreferencesForm(request.POST or None, reader=request.user)
    if form.is_valid() and reading_form.is_valid():
        with transaction.atomic():
            save_consent_choices(reader=request.user, choices=form.cleaned_data)
            reading_form.save()
        messages.success(request, "Your choices are saved.")
        # Only a path: redirect() would take anything else for the name of a view.
        return redirect(same_site_path(request.POST.get("next")) or "accounts:preferences")
    groups = [("Ratings", form.rating_fields()), ("Archive warnings", form.warning_fields())]
    context = {"form": form, "form_groups": groups, "reading_form": reading_form}
    return render(request, "accounts/preferences.html", context)
