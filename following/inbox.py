"""Alerts in the reader's inbox (the conversation app's), written with the alerts themselves."""

from conversation import inbox
from conversation.models import InboxItem, InboxKind


def notify_update(update, reader_ids):
    """Put a notice of `update` in each reader's inbox, in the caller's transaction."""
    return inbox.notify_many(readers=reader_ids, kind=InboxKind.UPDATE, **_subject(update))


def items_of(update):
    """The inbox notices of `update`."""
    return InboxItem.objects.filter(kind=InboxKind.UPDATE, **_subject(update))


def _subject(update):
    return {"work": update.work, "chapter": update.chapter, "series": update.series}
