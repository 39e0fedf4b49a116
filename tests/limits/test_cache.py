"""The database-backed cache django-ratelimit counts in: django's cache contract for counts,
expiry, the purge of old windows, and the primary database whatever the read router says."""

import datetime

import pytest
from django.core.cache import caches
from django.utils import timezone

from config.db_router import route_reads
from limits.cache import PURGE_BATCH
from limits.models import RateCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts():
    return caches["limits"]


def _expired(key, count=7):
    """A count whose window ended a minute ago, stored as the cache stores it."""
    made_key = caches["limits"].make_key(key)
    past = timezone.now() - datetime.timedelta(minutes=1)
    return RateCount.objects.create(key=made_key, count=count, expires_at=past)


def test_add_starts_a_count_only_once_and_incr_adds_to_it(counts):
    assert counts.add("window", 1, 60) is True
    assert counts.add("window", 1, 60) is False
    assert counts.incr("window") == 2
    assert counts.incr("window", 3) == 5
    assert counts.get("window") == 5
    assert RateCount.objects.get().count == 5


def test_a_missing_count_reads_as_the_default_and_cannot_be_incremented(counts):
    assert counts.get("nothing", 0) == 0
    with pytest.raises(ValueError):
        counts.incr("nothing")


def test_an_expired_count_is_gone_and_a_new_window_takes_its_row(counts):
    _expired("old")
    assert counts.get("old") is None
    with pytest.raises(ValueError):
        counts.incr("old")

    assert counts.add("old", 1, 60) is True
    assert counts.get("old") == 1


def test_set_touch_delete_and_clear(counts):
    counts.set("kept", 4, 60)
    assert counts.get("kept") == 4
    assert counts.touch("kept", 120) is True
    assert counts.delete("kept") is True
    assert counts.get("kept") is None
    counts.set("other", 1, 60)
    counts.clear()
    assert not RateCount.objects.exists()


def test_counts_always_expire(counts):
    with pytest.raises(ValueError):
        counts.add("forever", 1, None)


def test_each_new_window_purges_a_batch_of_expired_rows_and_nothing_live(counts):
    counts.add("live", 1, 60)
    for number in range(PURGE_BATCH + 50):
        _expired(f"old-{number}")

    counts.add("new", 1, 60)

    assert RateCount.objects.filter(expires_at__lte=timezone.now()).count() == 50
    assert counts.get("live") == 1
    assert counts.get("new") == 1


def test_counts_are_kept_on_the_primary_while_a_request_reads_from_the_replica(counts, settings):
    """There is no replica here: a count read through the router would fail to connect."""
    settings.DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    with route_reads(replica=True) as route:
        counts.add("routed", 1, 60)
        assert counts.incr("routed") == 2
        assert counts.get("routed") == 2
        # Counting is no write of the reader's: their pages still read from the replica.
        assert not route.wrote
