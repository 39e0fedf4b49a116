"""A reader's lasting exclusions: what never appears in their lists, counts, facets or feeds."""

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Q

from accounts import relations
from archive.consent import policy as consent
from archive.models import families_of


@dataclass(frozen=True)
class Exclusions:
    items: frozenset = frozenset()  # consent items the reader chose to hide
    tags: tuple = ()  # Tag objects the reader never wants to see
    creators: frozenset = frozenset()  # ids of the people the reader mutes

    def __bool__(self):
        return bool(self.items or self.tags or self.creators)

    def key(self):
        """What the exclusions hide, as part of a cache key: the same for readers who hide
        the same works."""
        return (
            tuple(sorted(self.items)),
            tuple(families_of(self.tags)),
            tuple(sorted(self.creators)),
        )

    def condition(self):
        """What hides a work: a rating or warning hidden, a tag excluded, or a muted creator
        (None: nothing). One condition, so that one count can split the works shown from
        those hidden."""
        ratings = [item.split(":", 1)[1] for item in self.items if item.startswith("rating:")]
        warnings = [item.split(":", 1)[1] for item in self.items if item.startswith("warning:")]
        parts = []
        if ratings:
            parts.append(Q(rating__in=ratings))
        if warnings:
            parts.append(Q(warning_set__has_any=warnings))
        if self.tags:
            parts.append(Q(families__has_any=families_of(self.tags)))
        if self.creators:
            parts.append(Q(creator_id__in=self.creators))
        return reduce(operator.or_, parts) if parts else None


NONE = Exclusions()


def for_request(request):
    """The reader's exclusions, read once per request (guests have none)."""
    if not hasattr(request, "_exclusions"):
        tags, muted = (), frozenset()
        if request.user.is_authenticated:
            tags = tuple(
                excluded.tag for excluded in request.user.excluded_tags.select_related("tag")
            )
            muted = relations.muted_ids(request.user)
        hidden = frozenset(consent.hidden_items(request))
        request._exclusions = Exclusions(hidden, tags, muted)
    return request._exclusions


def for_reader(reader, *, choices=None):
    """A reader's exclusions without a request, for the feeds and catalog their token opens.

    `choices` is their {item: standing choice} when the caller has already read it.
    """
    if choices is None:
        choices = dict(reader.consent_choices.values_list("item", "choice"))
    hidden = frozenset(item for item, choice in choices.items() if choice == "hide")
    tags = tuple(excluded.tag for excluded in reader.excluded_tags.select_related("tag"))
    return Exclusions(hidden, tags, relations.muted_ids(reader))
