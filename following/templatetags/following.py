from django import template
from django.urls import reverse

from following.models import Target
from following.subscriptions import is_subscribed, kind_of

register = template.Library()

NOUNS = {Target.WORK: "new chapters", Target.CREATOR: "new works", Target.SERIES: "new parts"}


def subscribe_url(target):
    kind = kind_of(target)
    if kind == Target.CREATOR:
        return reverse("following:subscribe_creator", args=[target.username])
    return reverse(f"following:subscribe_{kind}", args=[target.pk])


def name_of(target):
    return getattr(target, "title", None) or target.username


@register.inclusion_tag("following/includes/subscribe_button.html", takes_context=True)
def subscribe_button(context, target, subscribed=None):
    """Subscribe or unsubscribe; `subscribed` saves the query when the caller knows."""
    request = context["request"]
    if subscribed is None:
        subscribed = is_subscribed(request.user, target)
    return {
        # Nobody follows their own work, series or self; one who did may still unfollow.
        "shown": subscribed or not _is_own(request.user, target),
        "user": request.user,
        "url": subscribe_url(target),
        "subscribed": subscribed,
        "name": name_of(target),
        "what": NOUNS[kind_of(target)],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


def _is_own(user, target):
    if kind_of(target) == Target.CREATOR:
        return user.pk == target.pk
    return target.is_owned_by(user)
