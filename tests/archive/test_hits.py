"""Hits: one per reader or guest address per work per day, never the creator's; with Redis
counted off the write path and added to the works in batches by the flush job."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Work
from archive.reading import hits
from archive.tasks import flush_hits
from tests.factories import make_reader, make_work

# A Redis database number of these tests' own; only the hits' keys are ever deleted in it.
REDIS_URL = "redis://127.0.0.1:6379/12"


def visit(client, work, address="192.0.2.1"):
    response = client.get(work.get_absolute_url(), REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def hits_of(work):
    return Work.objects.get(pk=work.pk).hits


@pytest.fixture
def redis_hits(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is unreachable at {REDIS_URL}: {error}")

    def clean():
        for key in client.scan_iter(match=hits.PREFIX + "*"):
            client.delete(key)

    clean()
    settings.REDIS_URL = REDIS_URL
    yield client
    clean()


@pytest.mark.django_db
def test_a_guest_counts_once_a_day_per_address(client, monkeypatch):
    work = make_work()
    visit(client, work)
    visit(client, work)
    client.get(reverse("archive:work_entire", args=[work.pk]), REMOTE_ADDR="192.0.2.1")
    assert hits_of(work) == 1
    visit(client, work, address="192.0.2.2")
    assert hits_of(work) == 2
    monkeypatch.setattr(hits, "today", lambda: datetime.date(2099, 1, 1))
    visit(client, work)
    assert hits_of(work) == 3


@pytest.mark.django_db
def test_a_reader_counts_once_a_day_whatever_their_address(client):
    work = make_work()
    client.force_login(make_reader("visitor"))
    visit(client, work, address="192.0.2.1")
    visit(client, work, address="198.51.100.7")
    assert hits_of(work) == 1


@pytest.mark.django_db
def test_the_creator_adds_no_hit(client, creator):
    work = make_work(creator=creator)
    client.force_login(creator)
    visit(client, work)
    assert hits_of(work) == 0


@pytest.mark.django_db
def test_with_redis_a_work_page_never_writes_the_work(client, redis_hits):
    work = make_work()
    with CaptureQueriesContext(connection) as queries:
        visit(client, work)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    visit(client, work)  # the same guest again
    visit(client, work, address="192.0.2.9")
    assert hits_of(work) == 0
    assert hits.pending() == {work.pk: 2}

    flush_hits()  # the periodic job
    assert hits_of(work) == 2
    assert hits.pending() == {}
    flush_hits()  # nothing new: nothing added
    assert hits_of(work) == 2


@pytest.mark.django_db
def test_a_flush_adds_many_works_in_one_batch(client, redis_hits):
    works = [make_work() for _ in range(3)]
    for number, work in enumerate(works):
        for visitor in range(number + 1):
            visit(client, work, address=f"192.0.2.{visitor + 10}")
    assert hits.flush() == 6
    assert [hits_of(work) for work in works] == [1, 2, 3]


@pytest.mark.django_db
def test_a_batch_left_by_a_dead_flush_is_added_once(redis_hits):
    work = make_work()
    abandoned = f"{hits.PREFIX}batch:1000:dead"
    redis_hits.hset(abandoned, work.pk, 5)
    assert hits.flush() == 5
    assert hits.flush() == 0
    assert hits_of(work) == 5
    assert not redis_hits.exists(abandoned)


@pytest.mark.django_db
def test_a_batch_another_flush_is_working_on_is_left_to_it(redis_hits):
    work = make_work()
    running = f"{hits.PREFIX}batch:{int(time.time())}:busy"
    redis_hits.hset(running, work.pk, 5)
    assert hits.flush() == 0
    assert hits_of(work) == 0


@pytest.mark.django_db
def test_a_work_page_is_read_while_redis_is_away(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    work = make_work()
    visit(client, work)
    assert hits_of(work) == 0
