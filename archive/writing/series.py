"""Series: a creator's works read in order, and the rules their parts keep.

Every function that changes a series' parts locks the series' row first, so two changes at
once take turns, and leaves the positions 1, 2, 3… without gaps or repeats.
"""

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from archive.listing import exclusions as reader_exclusions
from archive.models import Series, SeriesPart, Work
from archive.writing import news

# Far more than any series needs; it keeps the renumbering statements small.
MAX_PARTS = 500


class SeriesRefused(ValueError):
    """The change would break a rule of series; the message says which, for the creator."""


@transaction.atomic
def add_work_to_series(*, series, work, position=None):
    """Make `work` a part of `series`, at `position` (1 is first) or after the last part.

    Only the series' creator's own works may join it, and each work at most once.
    """
    series = _locked(series)
    if work.creator_id is None or work.creator_id != series.creator_id:
        raise SeriesRefused("Only works of the series' own creator can be parts of it.")
    parts = _parts(series)
    already = next((part for part in parts if part.work_id == work.pk), None)
    if already is not None:
        raise SeriesRefused(f"“{work.title}” is already part {already.position} of this series.")
    if len(parts) >= MAX_PARTS:
        raise SeriesRefused(f"A series has at most {MAX_PARTS} parts.")
    position = _checked_position(position, last=len(parts) + 1)
    part = SeriesPart.objects.create(series=series, work=work, position=len(parts) + 1)
    order = [p.pk for p in parts]
    order.insert(position - 1, part.pk)
    _renumber(series, order, {**_positions(parts), part.pk: part.position})
    part.position = position
    _touch(series)
    news.part_added(series=series, work=work)
    return part


@transaction.atomic
def remove_work_from_series(*, series, work):
    """Take `work` out of `series`; the parts after it move up one place."""
    series = _locked(series)
    parts = _parts(series)
    part = _part_of(parts, work)
    SeriesPart.objects.filter(pk=part.pk).delete()
    remaining = [p for p in parts if p.pk != part.pk]
    _renumber(series, [p.pk for p in remaining], _positions(remaining))
    _touch(series)


@transaction.atomic
def move_work_in_series(*, series, work, position):
    """Move `work` to `position` in `series`; the parts in between make room."""
    series = _locked(series)
    parts = _parts(series)
    part = _part_of(parts, work)
    position = _checked_position(position, last=len(parts))
    order = [p.pk for p in parts if p.pk != part.pk]
    order.insert(position - 1, part.pk)
    _renumber(series, order, _positions(parts))
    _touch(series)
    part.position = position
    return part


def _locked(series):
    return Series.objects.select_for_update().get(pk=series.pk)


def _parts(series):
    return list(series.parts.order_by("position").only("pk", "work_id", "position"))


def _positions(parts):
    return {part.pk: part.position for part in parts}


def _part_of(parts, work):
    part = next((part for part in parts if part.work_id == work.pk), None)
    if part is None:
        raise SeriesRefused(f"“{work.title}” is not part of this series.")
    return part


def _checked_position(position, *, last):
    if position is None:
        return last
    if not isinstance(position, int) or not 1 <= position <= last:
        raise SeriesRefused(f"Choose a position from 1 to {last}.")
    return position


def _renumber(series, order, current):
    """Number the parts 1, 2, 3… in `order` (their ids; `current` is {id: position}).
    Every part first steps past the highest position, so no two share a position at any
    moment, in whatever order the database changes the rows (a unique constraint is
    checked row by row)."""
    wanted = {pk: index for index, pk in enumerate(order, start=1)}
    if all(current[pk] == position for pk, position in wanted.items()):
        return
    highest = max(current.values())
    rows = SeriesPart.objects.filter(series=series)
    rows.update(position=F("position") + highest)
    rows.update(position=Case(*(When(pk=pk, then=Value(n)) for pk, n in wanted.items())))


def _touch(series):
    series.updated_at = timezone.now()
    series.save(update_fields=["updated_at"])


def neighbours(work, *, user, exclusions=reader_exclusions.NONE):
    """Each series `work` is in, as its SeriesPart with the series and the previous and
    next parts this reader may list (`previous_id`, `previous_title`, `next_id`,
    `next_title`, None at either end). One query, however many series and parts."""
    listed = Work.objects.visible_to(user).excluding(exclusions)
    around = SeriesPart.objects.filter(series=OuterRef("series"), work__in=listed.values("pk"))
    before = around.filter(position__lt=OuterRef("position")).order_by("-position")
    after = around.filter(position__gt=OuterRef("position")).order_by("position")
    return list(
        work.series_parts.select_related("series")
        .annotate(
            previous_id=Subquery(before.values("work_id")[:1]),
            previous_title=Subquery(before.values("work__title")[:1]),
            next_id=Subquery(after.values("work_id")[:1]),
            next_title=Subquery(after.values("work__title")[:1]),
        )
        .order_by("series__title", "series_id")
    )


def matching(query_terms, *, works, limit=10):
    """Series whose title or summary holds every term, with a work among `works` (the
    reader's listed works), most recently updated first."""
    if not query_terms:
        return []
    found = Series.objects.with_a_work_among(works.values("pk"))
    for term in query_terms:
        found = found.filter(Q(title__icontains=term) | Q(summary__icontains=term))
    return list(found.select_related("creator").order_by("-updated_at", "-id")[:limit])


def by_creator(person, *, request):
    """The person's series this reader may see, most recently updated first, and how many
    of them the reader's exclusions hide (a muted person's), read in one query."""
    listed = (
        Series.objects.filter(creator=person)
        .visible_to(request.user)
        .select_related("creator")
        .order_by("-updated_at", "-id")
    )
    hiding = reader_exclusions.for_request(request).series_condition()
    if hiding is None:
        return list(listed), 0
    rows = list(listed.annotate(hidden=ExpressionWrapper(hiding, output_field=BooleanField())))
    shown = [series for series in rows if not series.hidden]
    return shown, len(rows) - len(shown)


def parts_to_list(series):
    """The series' parts in order, each with what its work's blurb shows."""
    return (
        series.parts.select_related("work__creator")
        .prefetch_related("work__tags", "work__warnings")
        .order_by("position")
    )
