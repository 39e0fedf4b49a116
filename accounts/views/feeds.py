"""A reader's private feed and catalog address: see it, make a new one, or turn it off."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import FeedToken


def issue_feed_token(*, reader):
    """Give the reader a new secret key; their old private URLs stop working at once."""
    with transaction.atomic():
        FeedToken.objects.filter(reader=reader).delete()
        return FeedToken.objects.create(reader=reader, key=secrets.token_urlsafe(32))


# The page shows the secret addresses: no cache, shared or the browser's, may keep it.
@never_cache
@login_required
def feeds(request):
    token = FeedToken.objects.filter(reader=request.user).first()
    context = {"token": token, "public": _public_urls(request)}
    if token:
        context["private"] = _private_urls(request, token.key)
    return render(request, "accounts/feeds.html", context)


@login_required
@require_POST
def new_feed_token(request):
    try:
        issue_feed_token(reader=request.user)
    except IntegrityError:
        # Two requests at once: one of them made the key, which is what the reader wanted.
        messages.error(request, "Your private address was just changed; here it is.")
    else:
        messages.success(request, "Your new private addresses are below; old ones no longer work.")
    return redirect("accounts:feeds")


@login_required
@require_POST
def revoke_feed_token(request):
    FeedToken.objects.filter(reader=request.user).delete()
    messages.success(request, "Your private feeds and catalog are turned off.")
    return redirect("accounts:feeds")


def _public_urls(request):
    return {
        "works": request.build_absolute_uri(reverse("archive:feed_works")),
        "catalog": request.build_absolute_uri(reverse("archive:opds_root")),
    }


def _private_urls(request, key):
    tag_feed = request.build_absolute_uri(reverse("archive:private_feed_tag", args=[key, "TAG"]))
    return {
        "works": request.build_absolute_uri(reverse("archive:private_feed_works", args=[key])),
        "tag": tag_feed.replace("/TAG.atom", "/<tag>.atom"),
        "catalog": request.build_absolute_uri(reverse("archive:opds_private_root", args=[key])),
    }
