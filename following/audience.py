"""Who hears of an update: the subscribers of its subject, less those it would show what they
chose never to see. One query for any number of subscribers."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.models import ConsentChoice, ExcludedTag, Mute
from archive.models import Tag
from archive.vocabulary import StandingChoice
from following.models import Subscription, Target, UpdateKind

FOLLOWED_THROUGH = {
    UpdateKind.CHAPTER: Target.WORK,
    UpdateKind.WORK: Target.CREATOR,
    UpdateKind.PART: Target.SERIES,
}


def subscriptions_for(update):
    """The subscriptions an update answers: the work's, its creator's or the series'."""
    target = FOLLOWED_THROUGH[update.kind]
    if target == Target.WORK:
        subject = {"work_id": update.work_id}
    elif target == Target.CREATOR:
        subject = {"creator_id": update.work.creator_id}
    else:
        subject = {"series_id": update.series_id}
    return Subscription.objects.filter(kind=target, **subject)


def hiding_readers(work):
    """Readers whose standing choices, excluded tags or mutes keep `work` out of their lists,
    as archive.listing.exclusions does for pages: they are never told of it."""
    items = [f"rating:{work.rating}", *(f"warning:{warning}" for warning in work.warning_set)]
    families = list(work.families)
    hiding = Q(
        pk__in=ConsentChoice.objects.filter(item__in=items, choice=StandingChoice.HIDE).values(
            "reader_id"
        )
    )
    if families:
        excluded = Tag.objects.filter(Q(pk__in=families) | Q(canonical_id__in=families))
        hiding |= Q(pk__in=ExcludedTag.objects.filter(tag__in=excluded).values("reader_id"))
    if work.creator_id:
        hiding |= Q(pk__in=Mute.objects.filter(muted_id=work.creator_id).values("reader_id"))
    return hiding


def audience(update):
    """Readers still to be alerted of `update`: subscribed, active, not its creator, not
    hiding the work, and without an alert for it yet."""
    work = update.work
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=subscriptions_for(update).values("reader_id"))
        .exclude(pk=work.creator_id)
        .exclude(hiding_readers(work))
        .exclude(alerts__update=update)
    )
