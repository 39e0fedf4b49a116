"""Who a reader blocks and mutes: the questions other apps ask, and the four changes.

A block keeps the blocked reader from commenting on the blocker's works, replying to the
blocker's comments or leaving kudos on the blocker's works; they are told so where the form
or button would be. A mute takes the muted person's works, series and bookmarks out of every
list of the reader's and folds their comments away. Either way the other person is not
told.

Every function takes readers or their ids, and guests (who block and mute no one) too.
The changes are idempotent and safe when two requests race: the unique constraints
decide, and a lost race counts as "already so".
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery, Value

from accounts.models import Block, Mute
from config.aggregates import Joined


class SelfRelationError(ValueError):
    """A reader tried to block or mute themselves."""


def is_blocked(*, blocker, blocked) -> bool:
    """Whether `blocker` blocks `blocked` (one query; False when either is a guest)."""
    blocker_id, blocked_id = _id(blocker), _id(blocked)
    if blocker_id is None or blocked_id is None or blocker_id == blocked_id:
        return False
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


def blocks(*, blocker, blocked):
    """Whether `blocker` blocks `blocked`, as an expression for a query that reads it with
    other things (either may be an OuterRef); False for a guest."""
    blocked_id = blocked if hasattr(blocked, "resolve_expression") else _id(blocked)
    if blocked_id is None:
        return Value(False)
    return Exists(Block.objects.filter(blocker=blocker, blocked=blocked_id))


def blocker_ids(reader) -> frozenset[int]:
    """The ids of everyone who blocks this reader: whose works and comments they may not
    answer. One query, kept on the reader object for the rest of the request."""
    return _cached(reader, "blockers")


def muted_ids(reader) -> frozenset[int]:
    """The ids of everyone this reader mutes. Read with the session's reader (their
    session_facts), else one query, kept on the reader object for the rest of the request
    (listings and comment threads share it)."""
    return _cached(reader, "muted")


def muted_of_outer_reader():
    """The ids of everyone the reader of the outer query mutes, as one text (read back with
    config.aggregates.ids_of), for config.auth to read with the reader."""
    mutes = Mute.objects.filter(reader=OuterRef("pk")).order_by().values("reader")
    return Subquery(mutes.annotate(ids=Joined("muted_id")).values("ids"))


def blocked_ids(reader) -> frozenset[int]:
    """The ids of everyone this reader blocks."""
    return _cached(reader, "blocked")


def read_ahead(reader, *kinds):
    """Read the ids of several kinds ("blockers", "muted", "blocked") in one query, for a
    page that asks for each of them; kept on the reader object as each function keeps its
    own. Nothing for a guest, or an id."""
    if _id(reader) is None or isinstance(reader, int):
        return
    missing = [kind for kind in kinds if kind not in _known(reader)]
    if len(missing) < 2:
        return  # one query either way, asked when needed
    found = {kind: set() for kind in missing}
    rows = [
        _rows(kind, reader.pk).annotate(kind=Value(kind)).values_list("kind", _KINDS[kind][1])
        for kind in missing
    ]
    for kind, person_id in rows[0].union(*rows[1:], all=True):
        found[kind].add(person_id)
    reader.relation_ids.update({kind: frozenset(ids) for kind, ids in found.items()})


def block(*, blocker, blocked) -> bool:
    """Block `blocked`; True if this made the block, False if it already existed."""
    created = _make(Block, blocker=blocker, blocked=blocked)
    _forget(blocker, "blocked")
    _forget(blocked, "blockers")
    return created


def unblock(*, blocker, blocked) -> bool:
    """Lift a block; True if there was one."""
    deleted, _ = Block.objects.filter(blocker_id=_id(blocker), blocked_id=_id(blocked)).delete()
    _forget(blocker, "blocked")
    _forget(blocked, "blockers")
    return bool(deleted)


def mute(*, reader, muted) -> bool:
    """Mute `muted` for `reader`; True if this made the mute, False if it already existed."""
    created = _make(Mute, reader=reader, muted=muted)
    _forget(reader, "muted")
    return created


def unmute(*, reader, muted) -> bool:
    """Lift a mute; True if there was one."""
    deleted, _ = Mute.objects.filter(reader_id=_id(reader), muted_id=_id(muted)).delete()
    _forget(reader, "muted")
    return bool(deleted)


def _make(model, **people):
    (owner_field, owner), (other_field, other) = people.items()
    owner_id, other_id = _id(owner), _id(other)
    if owner_id is None or other_id is None:
        raise ValueError("Only signed-in readers block or mute, and only readers.")
    if owner_id == other_id:
        raise SelfRelationError("You cannot block or mute yourself.")
    fields = {f"{owner_field}_id": owner_id, f"{other_field}_id": other_id}
    try:
        # The savepoint keeps a caller's transaction usable when a racing request won.
        with transaction.atomic():
            _, created = model.objects.get_or_create(**fields)
    except IntegrityError:
        if model.objects.filter(**fields).exists():
            return False
        raise  # not the race: the other reader was deleted meanwhile, or worse
    return created


# Each kind of ids a reader has: the rows holding them, and the column naming the other person.
_KINDS = {
    "blockers": (lambda pk: Block.objects.filter(blocked_id=pk), "blocker_id"),
    "muted": (lambda pk: Mute.objects.filter(reader_id=pk), "muted_id"),
    "blocked": (lambda pk: Block.objects.filter(blocker_id=pk), "blocked_id"),
}


def _rows(kind, pk):
    return _KINDS[kind][0](pk).order_by()


def _cached(reader, kind):
    """The ids of one kind, kept in the reader object's `relation_ids` (Reader)."""
    pk = _id(reader)
    if pk is None:
        return frozenset()
    column = _KINDS[kind][1]
    if isinstance(reader, int):
        return frozenset(_rows(kind, pk).values_list(column, flat=True))
    known = _known(reader)
    if kind not in known:
        known[kind] = frozenset(_rows(kind, pk).values_list(column, flat=True))
    return known[kind]


def _known(reader):
    """The reader object's `relation_ids`, starting from the mutes the sign-in backend read
    with the session's reader: a change forgets them there, so they are asked again."""
    if reader.relation_ids is None:
        facts = reader.session_facts
        reader.relation_ids = {} if facts is None else {"muted": facts.muted_ids}
    return reader.relation_ids


def _forget(reader, kind):
    if _id(reader) is not None and not isinstance(reader, int):
        _known(reader).pop(kind, None)


def _id(person):
    """A reader's id from a reader, an id, or None for a guest."""
    if person is None or isinstance(person, int):
        return person
    if not getattr(person, "is_authenticated", False):
        return None
    return person.pk
