"""The reader's inbox: notices of comments on their works, replies to their comments and
(from the following app) updates to what they follow.

Other apps write with `notify` (one notice) or `notify_many` (the same notice for many
readers, in one statement); each kind is rendered by conversation/inbox_items/<kind>.html.
"""

from django.db import IntegrityError, transaction
from django.db.models import F, Func, OuterRef, Subquery
from django.utils import timezone

from conversation.models import COMMENT_KINDS, InboxItem
from jobs.queue import enqueue_after_commit


def notify(*, reader, kind, work=None, chapter=None, comment=None, series=None):
    """Put one notice in the reader's inbox (a reader or their id). A reader hears of a
    comment at most once: the second notice of it changes nothing and returns None."""
    try:
        # A savepoint, so that a notice already there leaves the caller's transaction usable.
        with transaction.atomic():
            return InboxItem.objects.create(
                reader_id=_id(reader),
                kind=kind,
                work=work,
                chapter=chapter,
                comment=comment,
                series=series,
            )
    except IntegrityError:
        if (
            comment is not None
            and InboxItem.objects.filter(reader_id=_id(reader), comment=comment).exists()
        ):
            return None
        raise


def notify_many(*, readers, kind, work=None, chapter=None, series=None):
    """The same notice (not of a comment) in many inboxes at once, in the caller's
    transaction; `readers` are readers or ids. Returns the items made."""
    if kind in COMMENT_KINDS:
        raise ValueError("A comment's notices are written one by one, with notify().")
    return InboxItem.objects.bulk_create(
        InboxItem(reader_id=_id(reader), kind=kind, work=work, chapter=chapter, series=series)
        for reader in readers
    )


def unread_count(reader):
    """Unread notices of the reader's inbox: one count on the unread index."""
    return InboxItem.objects.filter(reader=reader).unread().count()


def unread_count_of_outer_reader():
    """unread_count() as a subquery of a query of readers, to annotate them with."""
    unread = InboxItem.objects.filter(reader=OuterRef("pk")).unread().order_by()
    # COUNT as a plain function, not an aggregate: no GROUP BY, so always one row (0 or more).
    return Subquery(unread.annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def mark_read(*, reader, item_ids=None):
    """Mark these notices (or, with no ids, every notice) read; returns how many changed."""
    return _items(reader, item_ids).unread().update(read_at=timezone.now())


def mark_unread(*, reader, item_ids):
    return _items(reader, item_ids).filter(read_at__isnull=False).update(read_at=None)


def delete(*, reader, item_ids):
    deleted, _ = _items(reader, item_ids).delete()
    return deleted


def email_after_commit(item):
    """Email the notice from a job once the transaction that wrote it commits (the job
    decides whether the reader wants it). If the queue cannot be reached, the comment is
    posted all the same and the resume job emails the notice."""
    from conversation import tasks

    enqueue_after_commit(tasks.email_notice, item.pk)


def _items(reader, item_ids):
    items = InboxItem.objects.filter(reader=reader)
    return items if item_ids is None else items.filter(pk__in=item_ids)


def _id(reader):
    return reader if isinstance(reader, int) else reader.pk
