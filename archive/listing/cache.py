"""Counts and facets of listings, counted once for each state of the archive's works.

Counting a listing (its total, the works a reader's exclusions hide, its facets) reads every
work it covers, which at 100,000 works costs more than showing the page. The answer only
changes when the works do, so it is cached under the token of `ListingGeneration`, which the
functions that write works, tags and chapters renew in the same transaction as any change
that can alter a count (archive.writing.derived.renew_listing_generation). A cached count
therefore always belongs to the data it was counted from: counts stay exact, and each
listing pays for counting once per change instead of once per request. The page of works
itself is never cached: its order (kudos, hits) changes without renewing the token.

The token is read from the database the counts are read from (the replica when the request
reads from it), so a lagging replica's counts are cached under the replica's token.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Exists, OuterRef

from archive.models import ListingGeneration, Work

# Counts outlive a quiet archive for a day at most, so unused entries leave the cache.
TIMEOUT = 24 * 60 * 60
_MISSING = object()


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


class Remembered:
    """The counts of one listing (named by `parts`) for the archive as it is now, reading the
    token from database `using` at most once."""

    def __init__(self, *parts, using):
        self.parts = parts
        self.using = using
        self._token = _MISSING

    @property
    def token(self):
        if self._token is _MISSING:
            self._token = (
                ListingGeneration.objects.using(self.using).values_list("token", flat=True).first()
            )
        return self._token

    def __call__(self, what, compute):
        """compute(), or what it returned for this listing since the works last changed."""
        if self.token is None:  # the row is missing (after a flush) until the next change
            return compute()
        key = _key((self.token, self.parts, what))
        found = cache.get(key, _MISSING)
        if found is _MISSING:
            found = compute()
            cache.set(key, found, TIMEOUT)
        return found


def not_remembered(what, compute):
    """For listings counted on every request (catalogs and feeds counting nothing shared)."""
    return compute()


def _key(parts):
    return "listing:" + hashlib.sha256(repr(parts).encode()).hexdigest()
