"""The email of a comment notice: who wrote, on which work and chapter, and a link. Never
the comment's text nor the work's, which a reader may not have agreed to see."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from conversation.models import COMMENT_KINDS, CommentStatus, InboxItem, InboxKind
from jobs.queue import claimable, resume_cutoff

# The resume job gives up on a notice this old, so that an address the mail server refuses
# is not tried forever; the notice stays in the reader's inbox.
RESUME_WITHIN = timedelta(days=2)

SUBJECTS = {
    InboxKind.COMMENT_ON_WORK: "New comment on “{work}”",
    InboxKind.REPLY: "New reply to your comment on “{work}”",
}


def send_notice(item_id):
    """Email one comment notice, if its reader wants email and it was not sent yet; True if
    sent. The notice is claimed with a lease first and given back if sending fails, so the
    job's retry sends it and a second worker never does; it is marked sent as soon as it has
    gone out. A claim whose worker died expires, and the resume job sends the notice then."""
    item = (
        InboxItem.objects.select_related("reader", "work", "chapter", "comment__author")
        .filter(pk=item_id, kind__in=COMMENT_KINDS, emailed_at__isnull=True)
        .first()
    )
    if item is None or not _wanted(item):
        return False
    unsent = InboxItem.objects.filter(pk=item.pk, emailed_at__isnull=True)
    if not unsent.filter(claimable("email_claimed_at")).update(email_claimed_at=timezone.now()):
        return False
    try:
        notice_email(item).send()
    except Exception:
        unsent.update(email_claimed_at=None)
        raise
    unsent.update(emailed_at=timezone.now())
    return True


def owed_notices():
    """Ids of comment notices whose email is owed and whose job was lost (or whose claim
    expired with a dead worker): wanted, unsent, unclaimed, neither fresh nor older than
    RESUME_WITHIN."""
    reader = {
        "reader__email_on_comments": True,
        "reader__is_active": True,
        "comment__status__in": [CommentStatus.SHOWN, CommentStatus.HELD],
    }
    return list(
        InboxItem.objects.filter(
            kind__in=COMMENT_KINDS,
            emailed_at__isnull=True,
            created_at__gte=timezone.now() - RESUME_WITHIN,
            created_at__lt=resume_cutoff(),
            **reader,
        )
        .exclude(reader__email="")
        .filter(claimable("email_claimed_at"))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


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
