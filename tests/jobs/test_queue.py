"""The job system: requests only enqueue, failing jobs retry with growing delays, and a job
that fails on its last try is kept for staff."""

import datetime

import pytest
from django.urls import reverse
from huey import signals
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY

from archive.models import Chapter
from following import delivery
from following.models import Alert, Update
from following.subscriptions import subscribe
from following.tasks import deliver, send_daily_digests
from jobs.models import FailedJob
from jobs.queue import HAND_BACK_DELAY, RETRIES
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db(transaction=True)


def now():
    """The clock huey schedules by: UTC, without a zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@pytest.fixture
def enqueued(monkeypatch):
    """Jobs sent to the queue, held there instead of run (as with a worker that is busy)."""
    held = []
    monkeypatch.setattr(HUEY, "enqueue", held.append)
    return held


@pytest.fixture
def schedule():
    HUEY.flush()
    yield
    HUEY.flush()


def test_posting_a_chapter_only_enqueues_the_fan_out(client_for, creator, enqueued):
    work = make_work(creator=creator, chapters=1)
    for n in range(20):
        subscribe(reader=make_reader(f"sub{n}"), target=work)
    client = client_for(creator)
    fields = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": "Two."}
    response = client.post(reverse("archive:new_chapter", args=[work.pk]), fields)
    assert response.status_code == 302
    assert Chapter.objects.filter(work=work).count() == 2
    assert [task.name for task in enqueued] == ["deliver"]
    assert Update.objects.count() == 1
    assert not Alert.objects.exists()  # nothing delivered inside the request

    HUEY.execute(enqueued.pop())  # the worker picks the job up
    assert Alert.objects.count() == 20


def test_a_failing_job_retries_with_growing_delays_then_is_kept_for_staff(
    creator, monkeypatch, schedule, client_for
):
    work = make_work(creator=creator, chapters=1)
    update = Update.objects.create(kind="chapter", work=work, chapter=work.chapters.get())

    def database_away(update_id):
        raise ConnectionError("database went away")

    monkeypatch.setattr(delivery, "fan_out", database_away)
    deliver(update.pk)  # the first try, at once
    delays = []
    for _ in range(RETRIES):
        (retry,) = HUEY.scheduled()
        delays.append(round((retry.eta - now()).total_seconds()))
        HUEY.storage.flush_schedule()
        retry.eta = None  # its time has come
        HUEY.execute(retry)
    assert delays == [10, 20, 40, 80, 160]
    assert HUEY.scheduled() == []

    failed = FailedJob.objects.get()
    assert failed.task == "deliver"
    assert failed.error == "ConnectionError"
    assert failed.attempts == RETRIES + 1
    assert str(update.pk) in failed.arguments
    admin = make_reader("jobwatcher", is_staff=True, is_superuser=True)
    page = client_for(admin).get(reverse("admin:jobs_failedjob_changelist"))
    assert page.status_code == 200 and "deliver" in page.content.decode()


def test_a_job_that_succeeds_on_retry_is_not_kept(creator, monkeypatch, schedule):
    work = make_work(creator=creator, chapters=1)
    subscribe(reader=make_reader("patient"), target=work)
    update = Update.objects.create(kind="chapter", work=work, chapter=work.chapters.get())
    real, tries = delivery.fan_out, []

    def flaky(update_id):
        tries.append(update_id)
        if len(tries) == 1:
            raise ConnectionError("once")
        return real(update_id)

    monkeypatch.setattr(delivery, "fan_out", flaky)
    deliver(update.pk)
    (retry,) = HUEY.scheduled()
    assert round((retry.eta - now()).total_seconds()) == 10
    retry.eta = None
    HUEY.execute(retry)
    assert Alert.objects.count() == 1
    assert not FailedJob.objects.exists()


def test_a_job_interrupted_by_a_stopping_worker_is_handed_back(enqueued, schedule):
    task = deliver.s(7)
    HUEY._emit(signals.SIGNAL_INTERRUPTED, task)
    # Into the schedule, not onto the queue, where the stopping worker's own threads might
    # take it back on their way out; due again a moment later, for the next worker.
    assert enqueued == []
    assert [held.id for held in HUEY.scheduled()] == [task.id]
    assert not HUEY.read_schedule(now())
    due = HUEY.read_schedule(now() + datetime.timedelta(seconds=HAND_BACK_DELAY + 1))
    assert [held.id for held in due] == [task.id]
    # A periodic job is not: its next run comes anyway.
    HUEY._emit(signals.SIGNAL_INTERRUPTED, send_daily_digests.s())
    assert not HUEY.scheduled()


def test_the_worker_stops_gracefully_on_sigterm_and_hands_back_after_a_while(settings):
    config = ConsumerConfig(**settings.HUEY["consumer"])
    config.validate()
    assert config.graceful_signal == "TERM"
    assert config.shutdown_timeout == settings.JOBS_SHUTDOWN_SECONDS
