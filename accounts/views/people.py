"""Whom a reader blocks and mutes: the buttons on a person's page, and the list with undo."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import relations
from accounts.views.exclusions import safe_next

# What each button says it did; the other person is never told.
DONE = {
    "block": "You block {name}: they can no longer comment on your works or reply to you.",
    "unblock": "You no longer block {name}.",
    "mute": "You mute {name}: their works are left out of your lists and their comments "
    "are folded away.",
    "unmute": "You no longer mute {name}.",
}
CHANGES = {
    "block": lambda reader, other: relations.block(blocker=reader, blocked=other),
    "unblock": lambda reader, other: relations.unblock(blocker=reader, blocked=other),
    "mute": lambda reader, other: relations.mute(reader=reader, muted=other),
    "unmute": lambda reader, other: relations.unmute(reader=reader, muted=other),
}


class RelationForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in CHANGES])


@login_required
def people(request):
    """The readers this reader blocks and mutes, each with undo."""
    context = {
        "blocked": [block.blocked for block in request.user.blocks.select_related("blocked")],
        "muted": [mute.muted for mute in request.user.mutes.select_related("muted")],
    }
    return render(request, "accounts/people.html", context)


@require_POST
@login_required
def relation(request, username):
    other = get_object_or_404(get_user_model(), username=username, is_active=True)
    form = RelationForm(request.POST)
    if not form.is_valid():
        return _refused(request, "That request could not be understood. Nothing was changed.")
    action = form.cleaned_data["action"]
    try:
        CHANGES[action](request.user, other)
    except relations.SelfRelationError as refusal:
        return _refused(request, str(refusal))
    messages.success(request, DONE[action].format(name=other.username))
    return redirect(safe_next(request, reverse("archive:creator_detail", args=[username])))


def _refused(request, message):
    messages.error(request, message)
    return render(request, "accounts/people_refused.html", status=400)
