"""A reader's lasting exclusions: what never appears in their lists, counts, facets or feeds."""

from dataclasses import dataclass

from archive import consent


@dataclass(frozen=True)
class Exclusions:
    items: frozenset = frozenset()  # consent items the reader chose to hide
    tags: tuple = ()  # Tag objects the reader never wants to see

    def __bool__(self):
        return bool(self.items or self.tags)


NONE = Exclusions()


def for_request(request):
    """The reader's exclusions, read once per request (guests have none)."""
    if not hasattr(request, "_exclusions"):
        tags = ()
        if request.user.is_authenticated:
            tags = tuple(
                excluded.tag for excluded in request.user.excluded_tags.select_related("tag")
            )
        request._exclusions = Exclusions(frozenset(consent.hidden_items(request)), tags)
    return request._exclusions


def for_reader(reader, *, choices=None):
    """A reader's exclusions without a request, for the feeds and catalog their token opens.

    `choices` is their {item: standing choice} when the caller has already read it.
    """
    if choices is None:
        choices = dict(reader.consent_choices.values_list("item", "choice"))
    hidden = frozenset(item for item, choice in choices.items() if choice == "hide")
    tags = tuple(excluded.tag for excluded in reader.excluded_tags.select_related("tag"))
    return Exclusions(hidden, tags)
