"""A reader's lasting exclusions: what never appears in their lists, counts, facets, feeds
or alerts.

One rule, read in both directions from the one table `HIDINGS`: the works a reader hides
(`Exclusions.condition`, for pages and feeds) and the readers a work is hidden from
(`readers_hiding`, for alerts). The same table says what else a way of hiding takes out of
the reader's lists: a muted person's series and bookmarks (`series_condition`,
`bookmark_condition`), which `shown_and_hidden` splits from the rest with their count.
"""

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts import relations
from accounts.models import ConsentChoice, ExcludedTag, Mute
from archive.consent import policy
from archive.vocabulary import StandingChoice, rating_item, ratings_and_warnings, warning_item
from config.aggregates import Joined


@dataclass(frozen=True)
class Exclusions:
    items: frozenset = frozenset()  # ratings and warnings (as items) the reader chose to hide
    # The families of the tags the reader never wants to see: the ids of their canonical tags
    # (archive.models.families_of), for an excluded tag hides its canonical tag and synonyms.
    families: frozenset = frozenset()
    creators: frozenset = frozenset()  # ids of the people the reader mutes

    def __bool__(self):
        return bool(self.items or self.families or self.creators)

    @property
    def ratings(self):
        return ratings_and_warnings(self.items)[0]

    @property
    def warnings(self):
        return ratings_and_warnings(self.items)[1]

    def key(self):
        """What the exclusions hide, as part of a cache key: the same for readers who hide
        the same works."""
        return tuple(tuple(sorted(values)) for values in (self.items, self.families, self.creators))

    def condition(self, *, through=""):
        """What hides a work: a rating or warning hidden, a tag excluded, or a muted creator
        (None: nothing). One condition, so that one count can split the works shown from
        those hidden. `through` reads the work through a relation ("work__" on bookmarks)."""
        parts = [hiding.works(self, through=through) for hiding in HIDINGS]
        return _any(parts)

    def series_condition(self):
        """What hides a series: a muted person made it (None: nothing)."""
        return _any(hiding.others(self, "series") for hiding in HIDINGS)

    def bookmark_condition(self, *, of_hidden_works=True):
        """What hides a bookmark: a muted person made it, or (unless a page about one work
        lists that work's bookmarks, `of_hidden_works=False`) its work is hidden."""
        parts = [hiding.others(self, "bookmarks") for hiding in HIDINGS]
        if of_hidden_works:
            parts.append(self.condition(through="work__"))
        return _any(parts)


@dataclass(frozen=True)
class Hiding:
    """One way a reader hides works: a work is hidden when one of the values the reader
    hides this way is the work's `field` (or, for a set field, one of its members), and so
    are the series and bookmarks whose `beyond_works` field holds one of those values."""

    hidden: str  # the Exclusions attribute listing the values the reader hides this way
    field: str  # the Work field holding the work's value(s)
    is_set: bool  # the field holds a set of values rather than one
    hiders: Callable  # values -> the rows (with reader_id) of readers hiding any of them
    # What else this way hides besides works: {"series" or "bookmarks": their field holding
    # the one value}.
    beyond_works: dict = dataclasses.field(default_factory=dict)

    def works(self, exclusions, *, through=""):
        """The works a reader with these exclusions hides this way (None: none)."""
        values = sorted(getattr(exclusions, self.hidden))
        if not values:
            return None
        lookup = "has_any" if self.is_set else "in"
        return Q(**{f"{through}{self.field}__{lookup}": values})

    def others(self, exclusions, kind):
        """The series or bookmarks (`kind`) a reader with these exclusions hides this way,
        besides those of the works hidden (None: none)."""
        values = sorted(getattr(exclusions, self.hidden))
        if kind not in self.beyond_works or not values:
            return None
        return Q(**{f"{self.beyond_works[kind]}__in": values})

    def readers(self, work):
        """The readers who hide `work` this way, as a condition on readers (None: none)."""
        values = getattr(work, self.field)
        if not self.is_set:
            values = [] if values is None else [values]
        if not values:
            return None
        return Q(pk__in=self.hiders(sorted(values)).values("reader_id"))


def _hiding_ratings(ratings):
    items = [rating_item(rating) for rating in ratings]
    return ConsentChoice.objects.filter(item__in=items, choice=StandingChoice.HIDE)


def _hiding_warnings(warnings):
    items = [warning_item(warning) for warning in warnings]
    return ConsentChoice.objects.filter(item__in=items, choice=StandingChoice.HIDE)


def _family():
    """An excluded tag's family: its canonical tag, or itself, as archive.models.families_of
    reckons it."""
    return Coalesce("tag__canonical_id", "tag_id")


def _excluding_families(families):
    """Excluded tags whose family is among `families`."""
    return ExcludedTag.objects.alias(family=_family()).filter(family__in=families)


def _muting(creator_ids):
    return Mute.objects.filter(muted_id__in=creator_ids)


HIDINGS = (
    # A standing choice of "hide" for the work's rating or for one of its warnings.
    Hiding("ratings", "rating", is_set=False, hiders=_hiding_ratings),
    Hiding("warnings", "warning_set", is_set=True, hiders=_hiding_warnings),
    # An excluded tag hides its whole family: the canonical tag and every synonym.
    Hiding("families", "families", is_set=True, hiders=_excluding_families),
    # A muted creator; a muted person's series and bookmarks go with their works.
    Hiding(
        "creators",
        "creator_id",
        is_set=False,
        hiders=_muting,
        beyond_works={"series": "creator_id", "bookmarks": "reader_id"},
    ),
)


NONE = Exclusions()


def readers_hiding(work):
    """The readers whose exclusions keep `work` out of their lists, as a condition on
    readers (None: nobody): those to leave out of its alerts."""
    return _any(hiding.readers(work) for hiding in HIDINGS)


def shown_and_hidden(rows, condition):
    """`rows` without those `condition` hides, how many that leaves and how many it hides,
    counted in one query; with no condition nothing is counted here (None, 0)."""
    if condition is None:
        return rows, None, 0
    counted = rows.aggregate(everything=Count("pk"), hidden=Count("pk", filter=condition))
    return rows.exclude(condition), counted["everything"] - counted["hidden"], counted["hidden"]


def _any(conditions):
    """The conditions joined with "or", leaving out the Nones (None: no condition at all)."""
    parts = [part for part in conditions if part is not None]
    return reduce(operator.or_, parts) if parts else None


def for_request(request):
    """The reader's exclusions, read once per request (guests have none)."""
    reader = request.user
    if not reader.is_authenticated:
        return NONE
    if reader.exclusions is None:
        reader.exclusions = for_reader(reader, choices=policy.standing_choices(request))
    return reader.exclusions


def for_reader(reader, *, choices=None):
    """A reader's exclusions without a request, for the feeds and catalog their token opens.

    `choices` is their {item: standing choice} when the caller has already read it.
    """
    if choices is None:
        choices = dict(reader.consent_choices.values_list("item", "choice"))
    hidden = frozenset(item for item, choice in choices.items() if choice == StandingChoice.HIDE)
    return Exclusions(hidden, _excluded_families(reader), relations.muted_ids(reader))


def _excluded_families(reader):
    """The families of the reader's excluded tags: read with the session's reader (their
    session_facts), else one query."""
    facts = reader.session_facts
    if facts is not None:
        return facts.excluded_families
    return frozenset(reader.excluded_tags.values_list(_family(), flat=True))


def excluded_families_of_outer_reader():
    """The families of the excluded tags of the reader of the outer query, as one text (read
    back with config.aggregates.ids_of), for config.auth to read with the reader."""
    excluded = ExcludedTag.objects.filter(reader=OuterRef("pk")).order_by().values("reader")
    return Subquery(excluded.annotate(ids=Joined(_family())).values("ids"))
