"""What posting costs with and without subscribers, and how long the fan-out takes, for
BENCHMARKS.md. The posting request only enqueues, so its time must not grow with
subscribers; the fan-out runs in the worker and grows with them."""

import statistics
import time
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from accounts.models import Reader
from archive.writing import posting
from bench.pages import percentile
from following import delivery
from following.models import Alert, Subscription, Target, Update

PREFIX = "bench-alerts-"
CHAPTER = {"title": "", "summary": "", "notes": "", "end_notes": "", "body": "A new chapter."}


def make_work(creator, title):
    work = posting.create_work(
        creator=creator, title=title, rating="general", warnings=["no-warnings"]
    )
    posting.add_chapter(work=work, body="<p>The first chapter.</p>")
    return posting.post_work(work=work)


def make_subscribers(work, count, *, progress=None):
    """`count` readers subscribed to `work`, made in batches of a thousand."""
    password = make_password(None)
    for start in range(0, count, 1000):
        size = min(1000, count - start)
        readers = Reader.objects.bulk_create(
            Reader(
                username=f"{PREFIX}reader-{start + n}",
                email=f"{PREFIX}reader-{start + n}@example.com",
                password=password,
            )
            for n in range(size)
        )
        if readers[0].pk is None:  # a database that returns no ids from bulk inserts
            readers = Reader.objects.filter(username__startswith=f"{PREFIX}reader-")[start:]
        Subscription.objects.bulk_create(
            Subscription(reader=reader, kind=Target.WORK, work=work) for reader in readers
        )
        if progress:
            progress.update(size)


@contextmanager
def queue_in_memory():
    """Jobs are enqueued as in production (serialised, stored) but in memory, so the bench
    leaves nothing for a running worker to pick up."""
    storage, immediate = HUEY.storage, HUEY.immediate
    HUEY.immediate = False
    HUEY.storage = MemoryStorage(HUEY.name)
    try:
        yield HUEY.storage
    finally:
        HUEY.storage, HUEY.immediate = storage, immediate


def time_requests(send, count):
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = send()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"the bench request answered {response.status_code}")
    return {"p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95)}


def post_chapters(client, work, count):
    url = reverse("archive:new_chapter", args=[work.pk])
    return time_requests(lambda: client.post(url, CHAPTER), count)


def time_fan_out(work):
    """Deliver the latest update of `work` as the worker would: alerts, inbox notices and one
    email each (to the in-memory mail backend)."""
    update = Update.objects.filter(work=work).latest("pk")
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        CaptureQueriesContext(connection) as queries,
    ):
        mail.outbox = []
        started = time.perf_counter()
        alerts = delivery.fan_out(update.pk)
        fanned = time.perf_counter()
        emails = delivery.send_update_emails(update.pk)
        finished = time.perf_counter()
    return {
        "alerts": alerts,
        "emails": emails,
        "fan_out_s": fanned - started,
        "email_s": finished - fanned,
        "queries": len(queries.captured_queries),
    }


def clean_up():
    Alert.objects.filter(reader__username__startswith=PREFIX).delete()
    Reader.objects.filter(username__startswith=PREFIX).delete()
