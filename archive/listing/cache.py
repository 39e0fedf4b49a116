"""Counts and facets of listings, counted once for each state of the archive's works, and
served warm while the works change.

Counting a listing (its total, the works a reader's exclusions hide, its facets) reads every
work it covers, which at 100,000 works costs more than showing the page. The answer only
changes when the works do, so it is cached with the token of `ListingGeneration`, which the
functions that write works, tags and chapters renew in the same transaction as any change
that can alter a count (archive.writing.derived.renew_listing_generation). Figures cached
with the current token are exact.

On a live archive works change every few seconds, and counting every listing again after
each change would leave the counts always cold. So figures counted under an older token are
still served, marked late (the page says they were counted a few seconds ago), if they were
last known exact (counted, or found under the current token) at most LATE_SECONDS ago; the
request that serves them asks the job worker to count the listing again
(archive.tasks.recount_listing), at most once per listing every RECOUNT_SECONDS across every
process. Older figures are never served: the request counts. The page of works itself is
never cached, so a work just posted is listed at once; only the number beside it may lag.
Its order (kudos, hits) changes without renewing the token.

The token is read from the database the counts are read from (the replica when the request
reads from it), so a lagging replica's counts are cached under the replica's token.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet

from archive.models import ListingGeneration, Work

# Counts outlive a quiet archive for a day at most, so unused entries leave the cache.
TIMEOUT = 24 * 60 * 60
# The oldest figures served after the works changed: "a few seconds ago" stays true.
LATE_SECONDS = 10
# A listing found late is recounted at most once in this long, whatever serves it: a worker
# recounts the biggest listing at 100,000 works in well under this.
RECOUNT_SECONDS = 2
_MISSING = object()
logger = logging.getLogger(__name__)

# Where the time is read; tests move it instead of sleeping.
clock = time.time


def _listed_drafts(creator):
    # The drafts WorkQuerySet.posted_or_drafts_of lists for their creator alone.
    return Work.objects.filter(creator=creator, is_posted=False, hidden_by_staff=False)


def drafts_of_outer_reader():
    """Whether the reader of the outer query has drafts that only they list (for
    config.auth, which reads it with the reader into their session_facts)."""
    return Exists(_listed_drafts(OuterRef("pk")))


def visibility(user):
    """Which works this reader's listings start from (see WorkQuerySet.visible_to), as a part
    of a cache key: all works for staff; the posted works for guests and for readers without
    drafts of their own, who all share them; else the posted works and this reader's drafts."""
    if not user.is_authenticated:
        return "posted"
    if user.is_staff:
        return "all"
    facts = user.session_facts  # None for a reader not read by the sign-in backend
    has_drafts = facts.has_drafts if facts is not None else _listed_drafts(user).exists()
    return f"drafts-of-{user.pk}" if has_drafts else "posted"


@dataclass(frozen=True)
class Counted:
    """What was counted for one listing, under which token, and when (by `clock`) it was last
    known to be exact."""

    token: str
    at: float
    value: object


class Remembered:
    """The counts of one listing (named by `parts`) for the archive as it is now, or as it was
    a few seconds ago (then `late` is true), reading the token from database `using` at most
    once."""

    def __init__(self, *parts, using):
        self.parts = parts
        self.using = using
        self.late = False
        self._token = _MISSING

    @property
    def token(self):
        if self._token is _MISSING:
            self._token = _token(self.using)
        return self._token

    def __call__(self, what, compute, *args, late=True, **kwargs):
        """compute(*args, **kwargs) as counted since the works last changed; with `late`,
        figures counted up to LATE_SECONDS ago are served while a job counts again. Then
        `compute` must be a module's function, its arguments picklable or querysets."""
        if self.token is None:  # the row is missing (after a flush) until the next change
            return compute(*args, **kwargs)
        key = _key((self.parts, what))
        found = cache.get(key)
        now = clock()
        if isinstance(found, Counted):
            if found.token == self.token:
                if now - found.at > RECOUNT_SECONDS:
                    # Still exact now: after the next change they may be served late again.
                    cache.set(key, Counted(self.token, now, found.value), TIMEOUT)
                return found.value
            if late and now - found.at <= LATE_SECONDS:
                self.late = True
                lock = _key((self.parts, what, now // RECOUNT_SECONDS))
                if cache.add(lock, True, RECOUNT_SECONDS * 2):
                    _ask_for_recount(key, self.using, compute, args, kwargs)
                return found.value
        value = compute(*args, **kwargs)
        cache.set(key, Counted(self.token, now, value), TIMEOUT)
        return value


class _NotRemembered:
    """For listings counted on every request (catalogs and feeds counting nothing shared)."""

    late = False

    def __call__(self, what, compute, *args, late=True, **kwargs):
        return compute(*args, **kwargs)


not_remembered = _NotRemembered()


def recount(key, using, compute, args, kwargs):
    """Count a listing again and cache it under the token read first: the figures are at
    least as new as that token, so a change committed meanwhile only makes them look late."""
    token = _token(using)
    if token is None:
        return
    counted_at = clock()
    args = [_restored(arg, using) for arg in args]
    value = compute(*args, **{name: _restored(arg, using) for name, arg in kwargs.items()})
    cache.set(key, Counted(token, counted_at, value), TIMEOUT)


def _ask_for_recount(key, using, compute, args, kwargs):
    from archive.tasks import recount_listing

    args = [_portable(arg) for arg in args]
    kwargs = {name: _portable(arg) for name, arg in kwargs.items()}
    # Now, not once a transaction commits: a request that only reads has nothing to wait for.
    try:
        recount_listing(key, using, compute, args, kwargs)
    except Exception as error:
        # The queue is away: the figures are served until LATE_SECONDS, then counted here.
        logger.warning("listing recount not enqueued (%s)", type(error).__name__)


@dataclass(frozen=True)
class _Query:
    """A queryset as a job carries it: its query, which pickles without being run."""

    model: type
    query: object


def _portable(value):
    return _Query(value.model, value.query) if isinstance(value, QuerySet) else value


def _restored(value, using):
    if not isinstance(value, _Query):
        return value
    restored = value.model._default_manager.using(using).all()
    restored.query = value.query
    return restored


def _token(using):
    return ListingGeneration.objects.using(using).values_list("token", flat=True).first()


def _key(parts):
    return "listing:" + hashlib.sha256(repr(parts).encode()).hexdigest()
