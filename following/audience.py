"""Who hears of an update: the subscribers of its subject, less those it would show what they
chose never to see. One query for any number of subscribers."""

from django.contrib.auth import get_user_model

from archive.listing import exclusions
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


def audience(update):
    """Readers still to be alerted of `update`: subscribed, active, not its creator, not
    hiding the work, and without an alert for it yet."""
    work = update.work
    readers = (
        get_user_model()
        .objects.filter(is_active=True, pk__in=subscriptions_for(update).values("reader_id"))
        .exclude(pk=work.creator_id)
    )
    # The same rule that keeps the work out of their lists (archive.listing.exclusions).
    hiding = exclusions.readers_hiding(work)
    if hiding is not None:
        readers = readers.exclude(hiding)
    return readers.exclude(alerts__update=update)
