"""Subscribing and unsubscribing, and the signed links that unsubscribe without a login."""

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef

from archive.stats import days
from following.models import Subscription, Target

SALT = "following.unsubscribe"


class SubscriptionRefused(Exception):
    pass


def subscribe(*, reader, target):
    """Follow a work, a creator or a series; returns (subscription, created). Idempotent."""
    kind = kind_of(target)
    if kind == Target.CREATOR and target.pk == reader.pk:
        raise SubscriptionRefused("You cannot subscribe to yourself.")
    if kind != Target.CREATOR and target.is_owned_by(reader):
        raise SubscriptionRefused(f"You cannot subscribe to your own {kind}.")
    try:
        with transaction.atomic():
            subscription, created = Subscription.objects.get_or_create(
                reader=reader, kind=kind, **{kind: target}
            )
            if created and kind == Target.WORK:
                days.add(target.pk, subscriptions=1)
            return subscription, created
    except IntegrityError:
        # A simultaneous request subscribed first.
        return Subscription.objects.get(reader=reader, kind=kind, **{kind: target}), False


def unsubscribe(*, reader, target):
    """Stop following; returns whether there was a subscription. Idempotent."""
    kind = kind_of(target)
    with transaction.atomic():
        subscriptions = Subscription.objects.filter(reader=reader, kind=kind, **{kind: target})
        deleted, _ = subscriptions.delete()
        if deleted and kind == Target.WORK:
            days.add(target.pk, subscriptions=-1)
    return bool(deleted)


def unsubscribe_all(*, reader):
    """Stop following everything; returns how many subscriptions there were."""
    with transaction.atomic():
        subscriptions = Subscription.objects.select_for_update().filter(reader=reader)
        works = subscriptions.filter(kind=Target.WORK).values_list("work_id", flat=True)
        lost = dict.fromkeys(works, -1)  # one subscription per reader and work
        deleted, _ = subscriptions.delete()
        days.add_many("subscriptions", lost)
    return deleted


def is_subscribed(reader, target):
    if not reader.is_authenticated:
        return False
    kind = kind_of(target)
    return Subscription.objects.filter(reader=reader, kind=kind, **{kind: target}).exists()


def totals(works):
    """How many readers follow each of `works` (a queryset), for the statistics pages."""
    counted = (
        Subscription.objects.filter(kind=Target.WORK, work__in=works)
        .values("work")
        .annotate(readers=Count("pk"))
        .order_by()
    )
    return {"subscriptions": {row["work"]: row["readers"] for row in counted}}


def follows_outer_work(reader):
    """Whether `reader` follows the work of the outer query, as a condition to annotate it."""
    return Exists(Subscription.objects.filter(reader=reader, kind=Target.WORK, work=OuterRef("pk")))


def kind_of(target):
    """What a subscription to `target` (a work, a series or a person) is called."""
    return {"work": Target.WORK, "series": Target.SERIES}.get(
        target._meta.model_name, Target.CREATOR
    )


def unsubscribe_token(subscription):
    """A link's secret naming one subscription of one reader; it never expires, as mail
    clients' unsubscribe links must keep working."""
    return signing.dumps([subscription.pk, subscription.reader_id], salt=SALT, compress=True)


def subscription_for_token(token):
    """The subscription a token names, or None when it is forged or already gone."""
    try:
        pk, reader_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Subscription.objects.select_related("work", "creator", "series", "reader")
        .filter(pk=pk, reader_id=reader_id)
        .first()
    )
