"""Fan-out and email: what the jobs in following.tasks do, kept apart so tests can call it.

Each step can be cut off at any moment (a worker killed, a mail server gone) and run again,
by the job's retry or by the resume job, and does only what is still undone: alerts are
unique per update and reader and written a batch per transaction, and an email is claimed
with a lease before it is sent and marked sent as soon as it has gone out."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import AlertEmail as ReaderAlertEmail
from archive.models import Work
from following import emails, inbox
from following.audience import audience, subscriptions_for
from following.models import Alert, AlertEmail, Update
from jobs.queue import claimable, resume_cutoff

logger = logging.getLogger(__name__)

# Emails claimed at once and sent over one connection to the mail server.
EMAIL_BATCH = 100
# The daily digest goes out at this hour, UTC (following.tasks).
DIGEST_HOUR = 6
# The resume job gives up on an email this old, so that an address the mail server refuses
# is not tried forever; the alert stays in the reader's inbox.
RESUME_EMAILS_WITHIN = timedelta(days=2)

EMAIL_FOR = {
    ReaderAlertEmail.EACH: AlertEmail.EACH,
    ReaderAlertEmail.DAILY: AlertEmail.DAILY,
    ReaderAlertEmail.OFF: AlertEmail.NONE,
}


def fan_out(update_id):
    """Give every subscriber still without one an alert and an inbox notice; returns how
    many were made. An update whose work is gone, unposted or hidden alerts nobody."""
    update = Update.objects.select_related("work", "chapter", "series").filter(pk=update_id).first()
    if update is None or not update.work.is_posted or update.work.hidden_by_staff:
        return 0
    made = 0
    while batch := _next_batch(update):
        made += len(batch)
    Update.objects.filter(pk=update.pk, delivered_at=None).update(delivered_at=timezone.now())
    return made


@transaction.atomic
def _next_batch(update):
    # Alerts are written a batch per transaction: a crash loses at most one batch's work,
    # which the retry redoes, and no transaction holds locks for long. The batch writes the
    # update's row first, taking its row lock (PostgreSQL) or the write lock (SQLite) before
    # it reads who is left: two fan-outs of one update (a resumed one beside a late original)
    # take turns, each batch seeing the other's alerts, instead of colliding on them.
    if not Update.objects.filter(pk=update.pk, delivered_at=None).update(delivered_at=None):
        return []  # another fan-out finished it meanwhile
    readers = list(
        audience(update).values_list("pk", "alert_email", "email")[: settings.ALERT_BATCH_SIZE]
    )
    if not readers:
        return []
    subscription_of = dict(
        subscriptions_for(update)
        .filter(reader_id__in=[pk for pk, _choice, _address in readers])
        .values_list("reader_id", "pk")
    )
    alerts = Alert.objects.bulk_create(
        Alert(
            update=update,
            reader_id=pk,
            subscription_id=subscription_of.get(pk),
            email=EMAIL_FOR[choice] if address else AlertEmail.NONE,
        )
        for pk, choice, address in readers
    )
    inbox.notify_update(update, [pk for pk, _choice, _address in readers])
    return alerts


def send_update_emails(update_id):
    """Send each alert of the update that is to be emailed on its own; returns how many."""
    update = (
        Update.objects.select_related("work__creator", "chapter", "series")
        .filter(pk=update_id)
        .first()
    )
    if update is None:
        return 0
    description = emails.describe(update)
    pending = Alert.objects.filter(update=update, email=AlertEmail.EACH, emailed_at=None)
    sent = 0
    while ids := _claim_batch(pending):
        alerts = Alert.objects.filter(pk__in=ids).select_related("reader", "subscription")
        sent += _send_all(
            [([alert.pk], emails.update_email(alert, description)) for alert in alerts]
        )
    return sent


def send_daily_digests(*, written_after=None, written_before=None):
    """Send each reader who chose the daily digest one email with every alert not yet sent;
    returns how many were sent. With `written_after` or `written_before`, only to readers
    with such an alert written in that time (a digest the resume job finds still owed)."""
    owed = Alert.objects.filter(email=AlertEmail.DAILY, emailed_at=None).filter(
        claimable("email_claimed_at")
    )
    due = owed
    if written_after:
        due = due.filter(created_at__gte=written_after)
    if written_before:
        due = due.filter(created_at__lt=written_before)
    reader_ids = set(due.values_list("reader_id", flat=True))
    sent, error = 0, None
    for reader in get_user_model().objects.filter(pk__in=reader_ids).order_by("pk"):
        alerts = list(
            owed.filter(reader=reader)
            .select_related("update__work__creator", "update__chapter", "update__series")
            .order_by("created_at", "id")
        )
        ids = [alert.pk for alert in alerts]
        if not alerts or not _claim(ids):
            continue
        # One reader's failure (an address the server refuses) does not hold back the others.
        try:
            sent += _send_all([(ids, emails.digest_email(reader, alerts))])
        except Exception as failure:
            error = error or failure
    if error:
        raise error
    return sent


def undelivered_updates():
    """Updates whose fan-out never finished although its job should have run by now (the
    job was lost with a worker, or never enqueued), oldest first."""
    return list(
        Update.objects.filter(
            delivered_at=None,
            created_at__lt=resume_cutoff(),
            work__in=Work.objects.posted(),
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


def send_owed_emails():
    """Send the alert emails and daily digests whose job was lost, or that a dead worker had
    claimed and its lease has expired; returns how many were sent. A failure is logged and
    left for the next run, which tries again."""
    since = timezone.now() - RESUME_EMAILS_WITHIN
    owed = Alert.objects.filter(
        email=AlertEmail.EACH,
        emailed_at=None,
        created_at__gte=since,
        created_at__lt=resume_cutoff(),
    ).filter(claimable("email_claimed_at"))
    sent = 0
    for update_id in sorted(set(owed.values_list("update_id", flat=True))):
        try:
            sent += send_update_emails(update_id)
        except Exception as error:
            logger.warning("alert emails of update %s not sent: %r", update_id, error)
    try:
        sent += send_daily_digests(
            written_after=since, written_before=min(last_digest_time(), resume_cutoff())
        )
    except Exception as error:
        logger.warning("owed daily digests not all sent: %r", error)
    return sent


def last_digest_time():
    """When the daily digest job last ran (or should have)."""
    now = datetime.now(UTC)
    today = now.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return today if now >= today else today - timedelta(days=1)


def _claim_batch(pending):
    """Claim up to EMAIL_BATCH of the pending alerts for this worker; [] when none are left."""
    pending = pending.filter(claimable("email_claimed_at"))
    while True:
        with transaction.atomic():
            # PostgreSQL lets a second worker skip the rows this one holds; SQLite takes
            # one writer at a time, so a claim that finds rows taken starts again.
            ids = list(
                pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                    :EMAIL_BATCH
                ]
            )
            if not ids:
                return []
            if pending.filter(pk__in=ids).update(email_claimed_at=timezone.now()) == len(ids):
                return ids
            transaction.set_rollback(True)


def _claim(ids):
    """Claim these alerts for this worker; False if another worker holds any of them."""
    with transaction.atomic():
        claimed = (
            Alert.objects.filter(pk__in=ids, emailed_at=None)
            .filter(claimable("email_claimed_at"))
            .update(email_claimed_at=timezone.now())
        )
        if claimed != len(ids):
            transaction.set_rollback(True)
            return False
    return True


def _send_all(messages):
    """Send (alert ids, message) pairs over one connection, marking each message's alerts
    sent as soon as it has gone out, so that a worker killed mid-batch sends none of them
    again. A message that fails is given back and the others still go; then the first
    failure is raised, and the job's retry sends what was given back."""
    error = None
    try:
        with mail.get_connection() as connection:
            for ids, message in messages:
                message.connection = connection
                try:
                    message.send()
                except Exception as failure:
                    error = error or failure
                    continue
                Alert.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
    finally:
        # Whatever did not go out (a failure, or the connection lost) is claimable at once.
        claimed = [pk for ids, _message in messages for pk in ids]
        Alert.objects.filter(pk__in=claimed, emailed_at=None).update(email_claimed_at=None)
    if error:
        raise error
    return len(messages)
