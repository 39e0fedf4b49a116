"""No alert is lost with a worker: a fan-out cut off mid-way, a job never enqueued, or an
email claimed by a worker that died is taken up by the resume job, and each subscriber gets
one alert and the emails they chose, never twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from accounts.models import AlertEmail
from archive.writing import posting
from following import delivery, inbox
from following.models import Alert, Update
from following.models import AlertEmail as Sent
from following.tasks import deliver, resume_deliveries
from tests.factories import make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(creator):
    return make_work(creator=creator, chapters=1)


@pytest.fixture
def followers(work, subscribe_many):
    """Readers of each email choice, following the work."""
    return {
        choice: subscribe_many(count, work=work, prefix=choice, alert_email=choice)
        for choice, count in [(AlertEmail.EACH, 60), (AlertEmail.DAILY, 30), (AlertEmail.OFF, 20)]
    }


def post_chapter_losing_its_job(work, captured):
    """Post a chapter whose fan-out job never runs (the worker holding it died)."""
    with captured(execute=False):
        posting.add_chapter(work=work, body="<p>More words.</p>")
    return Update.objects.get(chapter__position=2)


def age(queryset, *, field="created_at", seconds):
    """Move a timestamp into the past, as a clock that has run on would leave it."""
    queryset.update(**{field: F(field) - timedelta(seconds=seconds)})


def lease_seconds(settings):
    return settings.JOBS_LEASE_SECONDS


def recipients():
    return Counter(address for message in mail.outbox for address in message.to)


def test_a_fan_out_cut_off_after_one_batch_is_finished_by_the_resume_job(
    work, followers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ALERT_BATCH_SIZE = 25
    update = post_chapter_losing_its_job(work, django_capture_on_commit_callbacks)
    real_notify, batches = inbox.notify_update, []

    def killed_in_second_batch(update, reader_ids):
        batches.append(reader_ids)
        if len(batches) == 2:
            raise KeyboardInterrupt  # what a worker's thread meets when it is stopped
        return real_notify(update, reader_ids)

    monkeypatch.setattr(inbox, "notify_update", killed_in_second_batch)
    with pytest.raises(KeyboardInterrupt):
        deliver.call_local(update.pk)
    monkeypatch.setattr(inbox, "notify_update", real_notify)
    assert Alert.objects.count() == 25  # the first batch only, and no email
    assert mail.outbox == []

    resume_deliveries.call_local()  # too soon: the job may still be on its way
    assert Alert.objects.count() == 25

    age(Update.objects.all(), seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    resume_deliveries.call_local()
    resume_deliveries.call_local()  # and again: nothing twice
    assert Alert.objects.count() == 110
    assert set(Alert.objects.values_list("reader_id", flat=True)) == {
        reader.pk for readers in followers.values() for reader in readers
    }
    assert inbox.items_of(update).count() == 110
    assert Update.objects.get().delivered_at is not None
    each = {reader.email for reader in followers[AlertEmail.EACH]}
    assert recipients() == Counter(each)

    assert delivery.send_daily_digests() == 30
    daily = {reader.email for reader in followers[AlertEmail.DAILY]}
    assert recipients() == Counter(each | daily)


def test_an_email_claimed_by_a_dead_worker_is_sent_once_its_lease_expires(
    work, followers, settings, django_capture_on_commit_callbacks
):
    update = post_chapter_losing_its_job(work, django_capture_on_commit_callbacks)
    delivery.fan_out(update.pk)
    pending = Alert.objects.filter(email=Sent.EACH).order_by("pk")
    dead, busy = list(pending[:10]), list(pending[10:15])
    now = timezone.now()
    # A worker killed after claiming ten emails, and one alive, sending five.
    Alert.objects.filter(pk__in=[a.pk for a in dead]).update(
        email_claimed_at=now - timedelta(seconds=lease_seconds(settings) + 1)
    )
    Alert.objects.filter(pk__in=[a.pk for a in busy]).update(email_claimed_at=now)
    age(Alert.objects.all(), seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)

    resume_deliveries.call_local()
    busy_addresses = {alert.reader.email for alert in busy}
    assert len(mail.outbox) == 55
    assert not busy_addresses & set(recipients())  # a live claim is not taken
    assert {alert.reader.email for alert in dead} <= set(recipients())

    # The busy worker dies too; once its lease expires, its five go out, once.
    age(Alert.objects.filter(pk__in=[a.pk for a in busy]), field="email_claimed_at", seconds=601)
    resume_deliveries.call_local()
    resume_deliveries.call_local()
    assert recipients() == Counter({reader.email for reader in followers[AlertEmail.EACH]})
    assert not pending.filter(emailed_at=None).exists()


def test_a_digest_claimed_by_a_dead_worker_is_sent_once_by_the_resume_job(
    work, followers, settings, django_capture_on_commit_callbacks
):
    update = post_chapter_losing_its_job(work, django_capture_on_commit_callbacks)
    delivery.fan_out(update.pk)
    daily = Alert.objects.filter(email=Sent.DAILY).order_by("pk")
    # Written before this morning's digest, which a worker claimed and then died sending:
    # twenty claims expired, ten still held by a worker that is alive.
    daily.update(created_at=delivery.last_digest_time() - timedelta(minutes=5))
    expired = timezone.now() - timedelta(seconds=lease_seconds(settings) + 1)
    held = list(daily.values_list("pk", flat=True)[:10])
    daily.update(email_claimed_at=expired)
    Alert.objects.filter(pk__in=held).update(email_claimed_at=timezone.now())

    resume_deliveries.call_local()
    # The digests owed; the fresh alerts' own emails are left to their job a while longer.
    assert len(mail.outbox) == 20
    assert all(m.subject == "1 update in your subscriptions" for m in mail.outbox)
    assert Alert.objects.filter(pk__in=held, emailed_at=None).count() == 10

    age(Alert.objects.filter(pk__in=held), field="email_claimed_at", seconds=601)
    resume_deliveries.call_local()
    assert delivery.send_daily_digests() == 0  # the next morning's run finds nothing owed
    assert recipients() == Counter(reader.email for reader in followers[AlertEmail.DAILY])


def test_digests_not_yet_due_are_left_for_the_morning(
    work, followers, settings, django_capture_on_commit_callbacks
):
    update = post_chapter_losing_its_job(work, django_capture_on_commit_callbacks)
    delivery.fan_out(update.pk)
    Alert.objects.filter(email=Sent.DAILY).update(
        created_at=delivery.last_digest_time() + timedelta(seconds=1)
    )
    age(Alert.objects.filter(email=Sent.EACH), seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    resume_deliveries.call_local()
    assert not any(address.startswith("daily") for address in recipients())


def test_a_failed_email_does_not_hold_back_the_others(work, followers, monkeypatch):
    update = Update.objects.create(kind="chapter", work=work, chapter=work.chapters.get())
    delivery.fan_out(update.pk)
    real_send = mail.EmailMessage.send

    def refuse_one(message, *args, **kwargs):
        if message.to == ["each0@example.com"]:
            raise ConnectionError("recipient refused")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", refuse_one)
    with pytest.raises(ConnectionError):
        delivery.send_update_emails(update.pk)
    assert len(mail.outbox) == 59
    refused = Alert.objects.get(reader__email="each0@example.com")
    assert refused.emailed_at is None and refused.email_claimed_at is None  # given back


def test_a_chapter_posted_while_the_queue_is_away_is_delivered_by_the_resume_job(
    work, followers, creator, client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    def queue_away(task):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(HUEY, "enqueue", queue_away)
    fields = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": "Two."}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(creator).post(reverse("archive:new_chapter", args=[work.pk]), fields)
    assert response.status_code == 302
    assert work.chapters.count() == 2
    assert not Alert.objects.exists()

    monkeypatch.undo()
    age(Update.objects.all(), seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    resume_deliveries.call_local()
    assert Alert.objects.count() == 110
    assert len(mail.outbox) == 60


def test_an_update_of_a_hidden_work_waits_without_alerting(
    work, followers, settings, django_capture_on_commit_callbacks
):
    post_chapter_losing_its_job(work, django_capture_on_commit_callbacks)
    age(Update.objects.all(), seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    work.__class__.objects.filter(pk=work.pk).update(is_posted=False)
    assert delivery.undelivered_updates() == []
    resume_deliveries.call_local()
    assert not Alert.objects.exists()
