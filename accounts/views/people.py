"""Whom a reader blocks and mutes: the buttons on a person's page, and the list with undo
and a form to block or mute someone by name."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import relations
from accounts.forms import PersonByNameForm
from accounts.views.exclusions import safe_next

# What each button says it did; the other person is never told.
DONE = {
    "block": "You block {name}: they can no longer comment on your works, reply to you or "
    "leave kudos on your works.",
    "unblock": "You no longer block {name}.",
    "mute": "You mute {name}: their works, series and bookmarks are left out of your lists "
    "and their comments are folded away.",
    "unmute": "You no longer mute {name}.",
}
ALREADY = {"block": "You already block {name}.", "mute": "You already mute {name}."}
CHANGES = {
    "block": lambda reader, other: relations.block(blocker=reader, blocked=other),
    "unblock": lambda reader, other: relations.unblock(blocker=reader, blocked=other),
    "mute": lambda reader, other: relations.mute(reader=reader, muted=other),
    "unmute": lambda reader, other: relations.unmute(reader=reader, muted=other),
}


class RelationForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in CHANGES])


# The changes the people page makes by name, each with its form's prefix.
BY_NAME = ("block", "mute")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def people(request):
    """The readers this reader blocks and mutes, each with undo, and the forms that block or
    mute someone by name."""
    chosen = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and chosen not in BY_NAME:
        return _refused(request, "That request could not be understood. Nothing was changed.")
    forms_by_name = {
        action: PersonByNameForm(
            request.POST if action == chosen else None,
            reader=request.user,
            verb=action,
            prefix=action,
        )
        for action in BY_NAME
    }
    if chosen is not None:
        form = forms_by_name[chosen]
        if form.is_valid():
            changed = CHANGES[chosen](request.user, form.person)
            said = DONE[chosen] if changed else ALREADY[chosen]
            messages.success(request, said.format(name=form.person.username))
            return redirect("accounts:people")
    context = {
        "blocked": [block.blocked for block in request.user.blocks.select_related("blocked")],
        "muted": [mute.muted for mute in request.user.mutes.select_related("muted")],
        "block_form": forms_by_name["block"],
        "mute_form": forms_by_name["mute"],
    }
    return render(request, "accounts/people.html", context, status=400 if chosen else 200)


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
