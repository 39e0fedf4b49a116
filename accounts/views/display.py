from django.contrib import messages
from django.shortcuts import redirect, render

from accounts import display


def display_settings(request):
    """Text size, font, spacing, line length and colours, for readers and guests alike."""
    current = display.for_request(request)
    form = display.DisplaySettingsForm(request.POST or None, current=current)
    if "reset" in request.POST:
        return _save(request, display.DEFAULTS, "Display settings are back to the defaults.")
    if form.is_valid():
        return _save(request, form.settings(), "Your display settings are saved.")
    return render(request, "accounts/display.html", {"form": form})


def _save(request, settings, message):
    response = redirect("accounts:display")
    if request.user.is_authenticated:
        display.save_for_reader(reader=request.user, settings=settings)
    else:
        display.save_in_cookie(response, settings)
    messages.success(request, message)
    return response
