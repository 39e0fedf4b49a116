"""Hits: one per reader, or per guest address, per work per day (UTC), as AO3 counts them.

With REDIS_URL a hit is counted in Redis and never written by the request that reads the
work: `flush()`, a job every minute (archive/tasks.py), adds the counts gathered since to
`Work.hits` in one batch, so a popular work's row is written once a minute instead of once a
view, and no reader waits on its lock. Without Redis (the one-machine archive) a new hit is
added to the row at once, and the day's visitors are remembered in the process's cache.
"""

import datetime
import logging
import time
import uuid

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Value, When

from archive.models import Work
from archive.reading.kudos import guest_key
from archive.stats import days
from config.cache import RedisAway, circuit_for
from config.clients import client_address

PREFIX = "archive:hits:"
PENDING = PREFIX + "pending"
# A day's visitors are kept a little longer than the day, whatever the clock says.
SEEN_SECONDS = 26 * 3600
# A batch taken by a flush that never finished (its worker was killed) is taken up again by a
# later flush after this long.
ABANDONED_SECONDS = 300
BATCH_SIZE = 500

logger = logging.getLogger(__name__)

# Remembers the visitor for the work today and, if they are new, counts the hit: one round
# trip, atomic, so two app servers never count the same visitor twice.
_COUNT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
"""


def count_hit(request, work):
    """Count the request's visit to the work, unless it is its creator's or a repeat today."""
    if work.is_owned_by(request.user):
        return False
    visitor = _visitor(request)
    day = today()
    if settings.REDIS_URL:
        seen = f"{PREFIX}seen:{day}:{work.pk}"
        try:
            # Through the cache's circuit: while Redis is away, no request waits for it.
            counted = circuit_for(settings.REDIS_URL).call(
                _redis().eval, _COUNT, 2, seen, PENDING, visitor, f"{work.pk}:{day}", SEEN_SECONDS
            )
        except RedisAway:
            return False  # the outage is logged once, by the circuit
        except redis.RedisError as error:
            # A hit is not worth a failed page: the reader reads on, uncounted.
            logger.warning("hit not counted: %s", type(error).__name__)
            return False
        return bool(counted)
    if not cache.add(f"{PREFIX}seen:{day}:{work.pk}:{visitor}", 1, SEEN_SECONDS):
        return False
    # No savepoint: inside a request's transaction the two writes are one with it.
    with transaction.atomic(savepoint=False):
        Work.objects.filter(pk=work.pk).update(hits=F("hits") + 1)
        days.add(work.pk, day=day, hits=1)
    return True


def today():
    """The day hits are counted in: UTC, as on AO3."""
    return days.today()


def flush():
    """Add the hits counted in Redis to the works' rows; returns how many hits were added.

    Safe to run in several workers at once: each takes the pending counts under a new name
    (an atomic RENAME), so a count is taken by one flush only, and a batch is deleted only
    once the transaction that added it has committed.
    """
    if not settings.REDIS_URL:
        return 0
    client = _redis()
    added = 0
    for batch in _abandoned_batches(client):
        added += _apply(client, batch)
    batch = f"{PREFIX}batch:{int(time.time())}:{uuid.uuid4().hex}"
    try:
        client.rename(PENDING, batch)
    except redis.ResponseError:  # nothing pending
        return added
    return added + _apply(client, batch)


def pending():
    """Hits counted but not yet flushed, by work id (for tests and the bench)."""
    if not settings.REDIS_URL:
        return {}
    counts = {}
    for (work_id, _), number in _by_work_and_day(_redis().hgetall(PENDING)).items():
        counts[work_id] = counts.get(work_id, 0) + number
    return counts


def _apply(client, batch):
    by_day = _by_work_and_day(client.hgetall(batch))
    counts = {}
    for (work_id, _), number in by_day.items():
        counts[work_id] = counts.get(work_id, 0) + number
    ids = sorted(counts)
    # In id order, so that two flushes that meet lock the rows in the same order.
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            added = Case(*(When(pk=pk, then=Value(counts[pk])) for pk in chunk), default=0)
            Work.objects.filter(pk__in=chunk).update(hits=F("hits") + added)
        days.add_many("hits", by_day)
    client.delete(batch)
    return sum(counts.values())


def _by_work_and_day(fields):
    """{(work id, day): hits} from a batch's fields, "<work id>:<day>". A bare work id (from a
    version that did not keep the day) counts on today."""
    counts = {}
    for field, number in fields.items():
        work_id, _, day = field.partition(":")
        key = (int(work_id), datetime.date.fromisoformat(day) if day else today())
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def _abandoned_batches(client):
    """Batches left by a flush that died, each taken over under a new name (atomically, so
    two flushes never both apply one)."""
    cutoff = time.time() - ABANDONED_SECONDS
    for name in client.scan_iter(match=f"{PREFIX}batch:*"):
        if int(name.split(":")[3]) > cutoff:
            continue
        taken = f"{PREFIX}batch:{int(time.time())}:{uuid.uuid4().hex}"
        try:
            client.rename(name, taken)
        except redis.ResponseError:  # another flush took it first
            continue
        yield taken


def _visitor(request):
    if request.user.is_authenticated:
        return f"reader:{request.user.pk}"
    return f"guest:{guest_key(client_address(request))[:32]}"


_clients = {}


def _redis():
    url = settings.REDIS_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, decode_responses=True
        )
    return _clients[url]
