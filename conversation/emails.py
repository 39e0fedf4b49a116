"""The email of a comment notice: who wrote, on which work and chapter, and a link. Never
the comment's text nor the work's, which a reader may not have agreed to see."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from conversation.models import COMMENT_KINDS, CommentStatus, InboxItem, InboxKind

SUBJECTS = {
    InboxKind.COMMENT_ON_WORK: "New comment on “{work}”",
    InboxKind.REPLY: "New reply to your comment on “{work}”",
}


def send_notice(item_id):
    """Email one comment notice, if its reader wants email and it was not sent yet; True if
    sent. The notice is claimed first and given back if sending fails, so the job's retry
    sends it and a second worker never does."""
    item = (
        InboxItem.objects.select_related("reader", "work", "chapter", "comment__author")
        .filter(pk=item_id, kind__in=COMMENT_KINDS, emailed_at__isnull=True)
        .first()
    )
    if item is None or not _wanted(item):
        return False
    if not InboxItem.objects.filter(pk=item.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return False
    try:
        notice_email(item).send()
    except Exception:
        InboxItem.objects.filter(pk=item.pk).update(emailed_at=None)
        raise
    return True


def notice_email(item):
    comment = item.comment
    context = {
        "item": item,
        "work": item.work,
        "chapter": item.chapter,
        "name": comment.name,
        "held": comment.status == CommentStatus.HELD,
        "url": _absolute(comment.get_absolute_url()),
        "settings_url": _absolute(reverse("conversation:notification_settings")),
    }
    return EmailMessage(
        subject=SUBJECTS[item.kind].format(work=item.work.title),
        body=render_to_string("conversation/email/notice.txt", context),
        to=[item.reader.email],
    )


def _wanted(item):
    reader = item.reader
    shown_or_held = item.comment.status in (CommentStatus.SHOWN, CommentStatus.HELD)
    return reader.email_on_comments and bool(reader.email) and reader.is_active and shown_or_held


def _absolute(path):
    return f"{settings.SITE_URL}{path}"
