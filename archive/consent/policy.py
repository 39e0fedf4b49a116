"""The consent policy: what a work needs agreement to, what a request or a feed token has
agreed to, and what is still missing.

Consent is only ever recorded by `record_consent`, called from a CSRF-protected POST;
nothing read from a URL or a cookie the client can write counts as agreement.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.db.models import OuterRef, Q, Subquery

from accounts.models import ConsentChoice
from archive.vocabulary import ConsentItem, StandingChoice, items_of, ratings_and_warnings
from config.aggregates import Joined

# In the server-side session: {work pk: [items]} and items agreed for the whole session.
SESSION_WORK_CONSENTS = "consent_by_work"
SESSION_STANDING_CONSENTS = "consent_for_session"


def needs(work):
    """What a reader must agree to before seeing this work's text, in vocabulary order: its
    rating and each of its archive warnings that are consent items."""
    named = set(items_of(work.rating, work.warning_values))
    return [item for item in ConsentItem.values if item in named]


def can_skip_gate(user, work):
    """Creators see their own works, and staff every work, without being asked."""
    return user.is_authenticated and (user.is_staff or work.creator_id == user.pk)


def standing_choices(request):
    """The reader's saved choice per item, read with the session's reader (their
    session_facts) or else once per request; guests have none."""
    reader = request.user
    if not reader.is_authenticated:
        return {}
    if reader.standing_choices is None:
        facts = reader.session_facts
        if facts is not None:
            reader.standing_choices = facts.standing_choices
        else:
            reader.standing_choices = dict(reader.consent_choices.values_list("item", "choice"))
    return reader.standing_choices


def standing_choices_of_outer_reader():
    """The saved choices of the reader of the outer query, as one text (read back with
    config.aggregates.pairs_of), for config.auth to read with the reader."""
    choices = ConsentChoice.objects.filter(reader=OuterRef("pk")).order_by().values("reader")
    return Subquery(choices.annotate(pairs=Joined.pairs("item", "choice")).values("pairs"))


def agreed_in_advance(choices):
    """The items a reader's standing choices ({item: choice}) agree to for every work."""
    return frozenset(item for item, choice in choices.items() if choice == StandingChoice.SHOW)


@dataclass(frozen=True)
class Readable:
    """What a request or a feed token has agreed to: the works it may read now without meeting
    the gate. Search lets chapter text decide a match only for these works, so it never
    tells what a gated text holds (see archive.listing.search)."""

    agreed: frozenset = frozenset()  # items agreed for every work
    by_work: tuple = ()  # (work pk, items agreed for that work alone), by pk
    creator: int | None = None  # the reader whose own works need no agreement
    everything: bool = False  # staff read every work without agreement

    def missing(self, work):
        """The items `work` needs that this agreement does not cover, in vocabulary order."""
        if self.everything or (self.creator is not None and work.creator_id == self.creator):
            return []
        agreed = self.agreed.union(dict(self.by_work).get(work.pk, ()))
        return [item for item in needs(work) if item not in agreed]

    def condition(self):
        """The works as a condition on their rating and warnings (None: every work)."""
        if self.everything:
            return None
        parts = [_covered_by(self.agreed)]
        works_by_items = defaultdict(list)
        for work_id, items in self.by_work:
            works_by_items[self.agreed | set(items)].append(work_id)
        # A work agreed to keeps its place only while it needs nothing more.
        for items, work_ids in works_by_items.items():
            parts.append(Q(pk__in=work_ids) & _covered_by(items))
        if self.creator is not None:
            parts.append(Q(creator_id=self.creator))
        return reduce(operator.or_, parts)

    def key(self):
        """What the reader may read, as part of a cache key."""
        if self.everything:
            return ("everything",)
        return (tuple(sorted(self.agreed)), self.by_work, self.creator)


def _covered_by(agreed):
    """Works all of whose `needs` lie in `agreed`, as a condition."""
    unagreed = [item for item in ConsentItem.values if item not in agreed]
    ratings, warnings = ratings_and_warnings(unagreed)
    # Never an empty Q(), which an OR of conditions would drop: with every rating agreed to,
    # NOT IN () is every work.
    covered = ~Q(rating__in=ratings)
    return covered & ~Q(warning_set__has_any=warnings) if warnings else covered


# What a request that agreed to nothing may read (the public catalog, a guest's first visit).
NOTHING_AGREED = Readable()


def readable(request):
    """What this request has agreed to: its standing and session agreements, the works it
    agreed to one by one, and for creators their own works (staff: every work)."""
    user = request.user
    if user.is_authenticated and user.is_staff:
        return Readable(everything=True)
    agreed = agreed_in_advance(standing_choices(request))
    agreed |= frozenset(request.session.get(SESSION_STANDING_CONSENTS, ()))
    by_work = []
    for work_id, items in request.session.get(SESSION_WORK_CONSENTS, {}).items():
        extra = frozenset(items) - agreed
        if extra and str(work_id).isdigit():
            by_work.append((int(work_id), tuple(sorted(extra))))
    creator = user.pk if user.is_authenticated else None
    return Readable(agreed, tuple(sorted(by_work)), creator)


def token_readable(choices):
    """What a feed or catalog token has agreed to: its reader's standing "show" choices
    alone. No session stands behind a token, and even a staff member's or a creator's
    token reads only what those choices cover."""
    return Readable(agreed=agreed_in_advance(choices))


def missing_items(request, work):
    """The items this work needs that the request has not agreed to, in vocabulary order."""
    # Asked first, so that a creator or staff member costs no read of their choices.
    if can_skip_gate(request.user, work):
        return []
    return readable(request).missing(work)


def record_consent(request, work, items, *, for_session=False):
    """Remember agreement to `items` for this work (and, if asked, for the whole session).

    Only items the work needs right now are kept, so a form cannot smuggle in
    agreement to something the reader was never shown.
    """
    items = sorted(set(items) & set(needs(work)))
    if not items:
        return items
    by_work = dict(request.session.get(SESSION_WORK_CONSENTS, {}))
    by_work[str(work.pk)] = sorted(set(by_work.get(str(work.pk), ())) | set(items))
    request.session[SESSION_WORK_CONSENTS] = by_work
    if for_session:
        standing = set(request.session.get(SESSION_STANDING_CONSENTS, ())) | set(items)
        request.session[SESSION_STANDING_CONSENTS] = sorted(standing)
    return items


def item_labels(items):
    return [ConsentItem(item).label for item in items]
