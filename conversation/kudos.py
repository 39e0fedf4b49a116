"""Kudos notices: a creator hears of the kudos left on a work in one inbox notice a day,
rewritten as more come ("alice, bob and 3 guests left kudos on …"), and, if they chose it,
in one email about the days that have ended, sent by the job worker.

The archive announces kudos through archive.writing.news; `kudos_left` is what listens. The
email is owed by the notices themselves (no job is its only record): it is claimed with a
lease, given back if sending fails and marked sent as soon as it has gone out, so a retry
or a second worker never sends it again and a worker that dies holding it only delays it.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import relations
from accounts.account import Part
from archive.models import Kudos
from conversation.models import InboxItem, InboxKind
from jobs.queue import claimable

# A notice names this many readers and counts the rest.
NAMES_SHOWN = 5
# The email job gives up on notices of days older than this (an address the mail server
# refuses is not tried forever; the notices stay in the inbox).
EMAIL_WITHIN = timedelta(days=2)


def kudos_left(*, work, reader):
    """Count kudos just left on `work` in its creator's notice of the day, in the
    transaction that wrote them; the notice comes back to the top of the inbox, unread."""
    if work.creator_id is None:
        return
    # As with comments, a creator never hears of what a reader they mute does.
    muted = relations.muted_ids(work.creator_id)
    if reader is not None and reader.pk in muted:
        return
    day = timezone.localdate()
    notice = _notice_of_the_day(work.creator_id, work, day)
    kudos, givers = _givers(work, day, leaving_out=muted)
    InboxItem.objects.filter(pk=notice.pk).update(
        kudos=kudos, givers=givers, created_at=timezone.now(), read_at=None
    )


def _notice_of_the_day(creator_id, work, day):
    """The creator's kudos notice of `work` for `day`, made if need be, its row locked so
    that simultaneous kudos count in turn and none is left out of the sentence."""
    notices = InboxItem.objects.select_for_update().filter(
        reader_id=creator_id, kind=InboxKind.KUDOS, work=work, day=day
    )
    notice = notices.first()
    if notice is not None:
        return notice
    try:
        # A savepoint: losing the race to a simultaneous first kudos keeps the caller's
        # transaction (and its kudos) usable; the unique constraint decides who made it.
        with transaction.atomic():
            return InboxItem.objects.create(
                reader_id=creator_id, kind=InboxKind.KUDOS, work=work, day=day
            )
    except IntegrityError:
        return notices.get()


def forget_giver(*, reader):
    """A reader deleting their account: the notices that name them no longer do, nor count
    their kudos (which go with them), and one left with no kudos goes too. A reader counted
    among "N more readers" is counted until the next kudos on that day rewrites the notice."""
    # Found by name, not by their kudos: the archive's part of the deletion may have
    # deleted those already. A name within another ("bob" in "bobby") only recounts that.
    named = (
        InboxItem.objects.select_for_update(of=("self",))
        .select_related("work")
        .filter(kind=InboxKind.KUDOS, givers__contains=reader.username)
    )
    for notice in named:
        leaving_out = relations.muted_ids(notice.reader_id) | {reader.pk}
        kudos, givers = _givers(notice.work, notice.day, leaving_out=leaving_out)
        if kudos:
            InboxItem.objects.filter(pk=notice.pk).update(kudos=kudos, givers=givers)
        else:
            notice.delete()


PART = Part(sections={}, before_deletion=forget_giver)


def _givers(work, day, *, leaving_out=frozenset()):
    """How many kudos `work` had on `day`, and who left them, oldest first, leaving out
    the kudos of the readers whose ids are in `leaving_out`."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    of_the_day = Kudos.objects.filter(
        work=work, created_at__gte=start, created_at__lt=start + timedelta(days=1)
    )
    if leaving_out:
        of_the_day = of_the_day.exclude(reader_id__in=leaving_out)
    totals = of_the_day.aggregate(kudos=Count("pk"), readers=Count("reader"))
    names = list(
        of_the_day.filter(reader__isnull=False)
        .order_by("created_at", "pk")
        .values_list("reader__username", flat=True)[:NAMES_SHOWN]
    )
    parts = list(names)
    if more := totals["readers"] - len(names):
        parts.append(_plural(more, "more reader", "more readers"))
    if guests := totals["kudos"] - totals["readers"]:
        parts.append(_plural(guests, "guest", "guests"))
    listed = " and ".join(filter(None, [", ".join(parts[:-1]), *parts[-1:]]))
    return totals["kudos"], listed


def _plural(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"


def _owed():
    """Kudos notices of ended days (their counts are final) whose email is unsent."""
    today = timezone.localdate()
    return InboxItem.objects.filter(
        kind=InboxKind.KUDOS,
        emailed_at__isnull=True,
        day__lt=today,
        day__gte=today - EMAIL_WITHIN,
    )


def owed_emails():
    """Ids of the readers owed a kudos email: they want it, and a notice of theirs is
    unsent and unclaimed (or its claim expired with a dead worker)."""
    return list(
        _owed()
        .filter(reader__email_on_kudos=True, reader__is_active=True)
        .exclude(reader__email="")
        .filter(claimable("email_claimed_at"))
        .order_by("reader_id")
        .values_list("reader_id", flat=True)
        .distinct()
    )


def send_email(reader_id):
    """Email the reader every kudos notice owed to them, in one email; True if sent.
    The notices are claimed first, given back if sending fails (the job's retry or the next
    run sends them) and marked sent once the email has gone out."""
    reader = get_user_model().objects.filter(pk=reader_id).first()
    if reader is None or not (reader.email_on_kudos and reader.email and reader.is_active):
        return False
    owed = _owed().filter(reader=reader)
    claim = timezone.now()
    if not owed.filter(claimable("email_claimed_at")).update(email_claimed_at=claim):
        return False
    notices = list(
        owed.filter(email_claimed_at=claim).select_related("work").order_by("day", "work__title")
    )
    unsent = InboxItem.objects.filter(pk__in=[notice.pk for notice in notices], emailed_at=None)
    try:
        kudos_email(reader, notices).send()
    except Exception:
        unsent.update(email_claimed_at=None)
        raise
    unsent.update(emailed_at=timezone.now())
    return True


def kudos_email(reader, notices):
    context = {
        "reader": reader,
        "notices": [
            (notice, f"{settings.SITE_URL}{notice.work.get_absolute_url()}") for notice in notices
        ],
        "settings_url": f"{settings.SITE_URL}{reverse('accounts:preferences')}",
    }
    titles = {notice.work.title for notice in notices}
    subject = f"Kudos on “{titles.pop()}”" if len(titles) == 1 else "Kudos on your works"
    return EmailMessage(
        subject=subject,
        body=render_to_string("conversation/email/kudos.txt", context),
        to=[reader.email],
    )
