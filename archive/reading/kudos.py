"""Kudos: one per reader, or per guest, per work, counted on the work as they are left."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Window
from django.utils.crypto import salted_hmac

from accounts import relations
from archive.models import Kudos, Work
from archive.stats import days
from archive.writing import news

ALREADY_LEFT = "You have already left kudos on this work."
OWN_WORK = "You can't leave kudos on your own work."
BLOCKED = "You can't leave kudos on this work. Its creator has blocked you."
THANKS = "Thank you for leaving kudos!"
# The work page names at most this many readers and counts the rest.
GIVERS_SHOWN = 50
# A giver who renames their account keeps their old name in a work's list this long at most.
GIVERS_SECONDS = 5 * 60


class KudosRefused(Exception):
    """The reader may not leave kudos on this work (it is their own, or its creator blocks
    them)."""


def guest_key(address):
    """A keyed hash of a guest's address: tells guests apart without keeping any address."""
    return salted_hmac("archive.kudos.guest", address, algorithm="sha256").hexdigest()


def give_kudos(*, work, reader=None, guest_key=""):
    """Leave kudos from a reader, or from a guest when `reader` is None.

    Returns False, changing nothing, when this reader or guest had already left kudos.
    """
    if reader is not None and work.is_owned_by(reader):
        raise KudosRefused(OWN_WORK)
    if reader is not None and relations.is_blocked(blocker=work.creator_id, blocked=reader):
        raise KudosRefused(BLOCKED)
    if reader is None and not guest_key:
        raise ValueError("A guest's kudos needs a guest key.")
    try:
        # A savepoint, so that losing the race to a simultaneous request rolls back only
        # this attempt; the unique constraints decide who won.
        with transaction.atomic():
            Kudos.objects.create(work=work, reader=reader, guest_key="" if reader else guest_key)
            Work.objects.filter(pk=work.pk).update(kudos_count=F("kudos_count") + 1)
            days.add(work.pk, kudos=1)
            news.kudos_left(work=work, reader=reader)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Givers:
    names: list
    more_readers: int = 0
    guests: int = 0

    @property
    def sentence(self):
        """ "alice, bob and 3 guests left kudos on this work.", or "" when nobody has."""
        parts = list(self.names)
        if self.more_readers:
            parts.append(_plural(self.more_readers, "more reader", "more readers"))
        if self.guests:
            parts.append(_plural(self.guests, "guest", "guests"))
        if not parts:
            return ""
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"{listed} left kudos on this work."


def blocked_by_creator(reader):
    """Whether the work's creator blocks `reader`, as a condition on the work as
    OuterRef("pk"), for the query that reads the reader's marks on the work page."""
    return relations.blocks(blocker=OuterRef("creator_id"), blocked=reader)


def givers(work, *, limit=GIVERS_SHOWN):
    """Who left kudos, newest first: no query at all for a work without kudos, and one per
    kudos count of the work (which every kudos left or taken away changes) for the first
    page that shows them; the pages after it read them from the cache."""
    if not work.kudos_count:
        return Givers([])
    key = f"kudos-givers:{work.pk}:{work.kudos_count}:{limit}"
    found = cache.get(key)
    if found is None:
        found = _givers(work, limit)
        cache.set(key, found, GIVERS_SECONDS)
    return found


def _givers(work, limit):
    # The window counts every reader's kudos in the same query that fetches the first names.
    rows = list(
        Kudos.objects.filter(work=work, reader__isnull=False)
        .annotate(readers=Window(Count("pk")))
        .order_by("-created_at", "-pk")
        .values_list("reader__username", "readers")[:limit]
    )
    readers = rows[0][1] if rows else 0
    return Givers(
        names=[name for name, _ in rows],
        more_readers=readers - len(rows),
        guests=max(work.kudos_count - readers, 0),
    )


def _plural(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"
