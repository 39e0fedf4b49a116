"""Fan-out and email: what the jobs in following.tasks do, kept apart so tests can call it."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import AlertEmail as ReaderAlertEmail
from following import emails, inbox
from following.audience import audience, subscriptions_for
from following.models import Alert, AlertEmail, Update

# Alerts written per transaction: a crash loses at most one batch's work, which the retry
# redoes, and no transaction holds locks for long.
BATCH = 500
# Emails claimed at once and sent over one connection to the mail server.
EMAIL_BATCH = 100

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
    readers = list(audience(update).values_list("pk", "alert_email", "email")[:BATCH])
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
        alerts = pending.model.objects.filter(pk__in=ids).select_related("reader", "subscription")
        sent += _send_all([(alert.pk, emails.update_email(alert, description)) for alert in alerts])
    return sent


def send_daily_digests():
    """Send each reader who chose the daily digest one email with everything not yet sent."""
    readers = get_user_model().objects.filter(
        alerts__email=AlertEmail.DAILY, alerts__emailed_at=None
    )
    sent = 0
    for reader in readers.distinct():
        alerts = list(
            Alert.objects.filter(reader=reader, email=AlertEmail.DAILY, emailed_at=None)
            .select_related("update__work__creator", "update__chapter", "update__series")
            .order_by("created_at", "id")
        )
        ids = [alert.pk for alert in alerts]
        if alerts and _claim(ids):
            _send_or_release(ids, emails.digest_email(reader, alerts))
            sent += 1
    return sent


def _claim_batch(pending):
    """Claim up to EMAIL_BATCH of the pending alerts for this worker; [] when none are left."""
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
            if pending.filter(pk__in=ids).update(emailed_at=timezone.now()) == len(ids):
                return ids
            transaction.set_rollback(True)


def _send_all(messages):
    """Send (alert id, message) pairs over one connection; on a failure the alerts not yet
    sent are given back, so the job's retry sends them and only them."""
    with mail.get_connection() as connection:
        for done, (_pk, message) in enumerate(messages):
            message.connection = connection
            try:
                message.send()
            except Exception:
                Alert.objects.filter(pk__in=[pk for pk, _ in messages[done:]]).update(
                    emailed_at=None
                )
                raise
    return len(messages)


def _claim(ids):
    """Mark alerts as being emailed; False if another worker has claimed any of them."""
    with transaction.atomic():
        claimed = Alert.objects.filter(pk__in=ids, emailed_at=None).update(
            emailed_at=timezone.now()
        )
        if claimed != len(ids):
            transaction.set_rollback(True)
            return False
    return True


def _send_or_release(ids, message):
    # A failed send gives the alerts back, so the job's retry sends them; one that went
    # out stays claimed, so no retry or second worker sends it again.
    try:
        message.send()
    except Exception:
        Alert.objects.filter(pk__in=ids).update(emailed_at=None)
        raise
