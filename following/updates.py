"""Recording what subscribers hear of. The archive announces what is new inside the
transaction that posts it (archive.writing.news, which this module listens to, see
following.apps); the fan-out runs in a worker once that transaction has committed, so the
request that posts only enqueues."""

from django.db import IntegrityError, transaction

from following.models import Update, UpdateKind
from jobs.queue import enqueue_after_commit


def chapter_posted(*, chapter):
    """A chapter was added to a posted work: its subscribers hear of it."""
    _record(kind=UpdateKind.CHAPTER, work=chapter.work, chapter=chapter)


def work_posted(*, work):
    """A work was posted: its creator's subscribers hear of it, and each of its series'."""
    _record(kind=UpdateKind.WORK, work=work)
    for part in work.series_parts.select_related("series"):
        _record(kind=UpdateKind.PART, work=work, series=part.series)


def part_added(*, series, work):
    """A posted work joined a series: the series' subscribers hear of it."""
    if work.is_posted and not work.hidden_by_staff:
        _record(kind=UpdateKind.PART, work=work, series=series)


def _record(**subject):
    # The constraints keep one update per event: a second post of the same chapter, or the
    # same work added to a series again, finds the update there already and alerts nobody.
    try:
        with transaction.atomic():
            update, created = Update.objects.get_or_create(**subject)
    except IntegrityError:
        return
    if created:
        from following.tasks import deliver

        # The update is the fan-out's outbox record: if the queue cannot be reached, the
        # chapter is posted all the same and the resume job delivers it.
        enqueue_after_commit(deliver, update.pk)
