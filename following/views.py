"""Subscribing, the subscriptions page, what is new in them, and unsubscribing from a link."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import AlertEmail
from archive.consent.gates import get_work_for_reader, metadata_only
from archive.listing import exclusions
from archive.models import Series, Work
from config.paths import same_site_path
from following.models import Alert, Subscription
from following.subscriptions import (
    SubscriptionRefused,
    subscribe,
    subscription_for_token,
    unsubscribe,
    unsubscribe_all,
)

# What's new lists this many of the latest updates.
WHATS_NEW_LIMIT = 50


class SubscribeForm(forms.Form):
    action = forms.ChoiceField(choices=[("subscribe", "Subscribe"), ("unsubscribe", "Unsubscribe")])
    next = forms.CharField(required=False, max_length=2000)


class AlertEmailForm(forms.Form):
    alert_email = forms.ChoiceField(
        choices=AlertEmail.choices, widget=forms.RadioSelect, label="Email me about updates"
    )


@require_POST
@login_required
@metadata_only
def subscribe_work(request, work_id):
    return _toggle(request, get_work_for_reader(request, work_id))


@require_POST
@login_required
def subscribe_creator(request, username):
    creator = get_object_or_404(get_user_model(), username=username, is_active=True)
    return _toggle(request, creator)


def _toggle(request, target):
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That request could not be understood. Nothing was changed.")
        return render(request, "following/refused.html", status=400)
    name = _name_of(target)
    if form.cleaned_data["action"] == "subscribe":
        try:
            subscribe(reader=request.user, target=target)
        except SubscriptionRefused as refusal:
            messages.error(request, str(refusal))
            return render(request, "following/refused.html", status=400)
        messages.success(request, f"You are subscribed to {name}.")
    else:
        unsubscribe(reader=request.user, target=target)
        messages.success(request, f"You are no longer subscribed to {name}.")
    return redirect(_back(form.cleaned_data["next"], target))


def _name_of(target):
    return f"“{target.title}”" if hasattr(target, "title") else target.username


def _back(next_url, target):
    if path := same_site_path(next_url):
        return path
    if hasattr(target, "get_absolute_url"):
        return target.get_absolute_url()
    return "following:subscriptions"


@require_POST
@login_required
def subscribe_series(request, series_id):
    series = get_object_or_404(Series.objects.visible_to(request.user), pk=series_id)
    return _toggle(request, series)


@login_required
def subscriptions(request):
    """Everything the reader follows, with unsubscribe, and how updates reach them."""
    form = AlertEmailForm(request.POST or None, initial={"alert_email": request.user.alert_email})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "following/subscriptions.html", _page(request, form), status=400)
        request.user.alert_email = form.cleaned_data["alert_email"]
        request.user.save(update_fields=["alert_email"])
        messages.success(request, "Your email choice for updates is saved.")
        return redirect("following:subscriptions")
    return render(request, "following/subscriptions.html", _page(request, form))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_all_subscriptions(request):
    """Ask first; every subscription goes only on the confirming POST."""
    if request.method == "POST":
        deleted = unsubscribe_all(reader=request.user)
        noun = "subscription" if deleted == 1 else "subscriptions"
        messages.success(request, f"{deleted} {noun} deleted: you follow nothing now.")
        return redirect("following:subscriptions")
    count = Subscription.objects.filter(reader=request.user).count()
    return render(request, "following/delete_all.html", {"count": count})


def _page(request, form):
    followed = Subscription.objects.filter(reader=request.user).select_related(
        "work", "creator", "series"
    )
    return {
        "subscriptions": followed.defer("work__summary", "work__notes", "work__end_notes"),
        "form": form,
    }


@login_required
def whats_new(request):
    """The latest updates in the reader's subscriptions, those since their last look marked
    new; looking marks them seen. Works they hide now are left out, as on every list."""
    works = Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))
    alerts = (
        Alert.objects.filter(reader=request.user, update__work__in=works)
        .select_related("update__work__creator", "update__chapter")
        .defer("update__chapter__body")
    )[:WHATS_NEW_LIMIT]
    seen_at = request.user.updates_seen_at
    request.user.updates_seen_at = timezone.now()
    request.user.save(update_fields=["updates_seen_at"])
    return render(request, "following/whats_new.html", {"alerts": alerts, "seen_at": seen_at})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_link(request, token):
    """The link in every alert email. The signed token is the only credential: no login,
    and no CSRF token, since mail clients' one-click unsubscribe POSTs it as it is. A GET
    only asks, so a link scanner opening it unsubscribes nobody."""
    subscription = subscription_for_token(token)
    if subscription is None:
        return render(request, "following/unsubscribe_unknown.html", status=404)
    if request.method == "POST":
        subscription.delete()
        return render(request, "following/unsubscribed.html", {"subscription": subscription})
    return render(request, "following/unsubscribe.html", {"subscription": subscription})
