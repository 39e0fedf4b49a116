"""The figures the statistics pages show: a creator's works, or one work, with their totals,
their daily series over a period and the period before it, in a few queries whatever the
period or the number of works. The series read a row a day (the creator's days, or the
work's), never the days of every work; the creator's table of works sums its works' days of
the period in the database.

Hits, kudos, comments and bookmarks come from the work's own counters; subscriptions from
the app that keeps them (following hands its counting function over with `count_totals_with`,
since the archive imports nothing above it). Bookmarks are public bookmarks only, as AO3
counts them: a private bookmark is its reader's alone. Comments are the shown comments only.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Sum

from archive.models import CreatorDay, Work, WorkDay
from archive.stats import days as work_days

PERIODS = {30: "Last 30 days", 90: "Last 90 days", 365: "Last 365 days"}
DEFAULT_PERIOD = 30
# (measure, label, the work's counter); "words" is a level, the others are added up by day.
MEASURES = [
    ("hits", "Hits", "hits"),
    ("kudos", "Kudos", "kudos_count"),
    ("comments", "Comments", "comment_count"),
    ("public_bookmarks", "Bookmarks", "public_bookmark_count"),
    ("subscriptions", "Subscriptions", None),
    ("words", "Words", "word_count"),
]
LABELS = {measure: label for measure, label, _ in MEASURES}
DAILY = [measure for measure, _, _ in MEASURES if measure != "words"]

_count_totals = []


def count_totals_with(counter):
    """Have `counter(works)` ({work id: number} for a queryset of works, one query) give the
    totals of a measure the archive does not keep, e.g. {"subscriptions": ...}."""
    if counter not in _count_totals:
        _count_totals.append(counter)


@dataclass
class Series:
    """One measure over a period: a value per day (what it gained, or for words what it
    was), its total now, and what it gained in the period and in the one before."""

    measure: str
    days: list
    values: list
    total: int
    this_period: int
    previous_period: int

    @property
    def label(self):
        return LABELS[self.measure]

    @property
    def change(self):
        """This period against the previous, as a percentage; None when that was nothing."""
        if not self.previous_period:
            return None
        return round(100 * (self.this_period - self.previous_period) / abs(self.previous_period))

    def rows(self):
        return list(zip(self.days, self.values, strict=True))


@dataclass
class WorkRow:
    """A work in the creator's table: its totals and what each gained in the period."""

    work: dict
    totals: dict
    gained: dict = field(default_factory=dict)

    @property
    def cells(self):
        """(total, gained in the period) of each measure, in the table's order."""
        return [(self.totals[measure], self.gained.get(measure)) for measure in LABELS]


@dataclass
class Figures:
    period: int
    start: datetime.date
    end: datetime.date
    series: dict  # {measure: Series}
    works: list  # [WorkRow], for the creator's page


def period_days(period, *, end=None):
    """(first day, last day) of the period ending today, and the first of the one before."""
    end = end or work_days.today()
    start = end - datetime.timedelta(days=period - 1)
    return start - datetime.timedelta(days=period), start, end


def for_creator(creator, period):
    """Every posted work of `creator` and their figures over the last `period` days."""
    works = Work.objects.filter(creator=creator, is_posted=True)
    rows = list(
        works.order_by("-published", "-id").values(
            "id", "title", "published", *[counter for _, _, counter in MEASURES if counter]
        )
    )
    before, start, end = period_days(period)
    totals = _totals(works, rows)
    days = CreatorDay.objects.filter(creator=creator, day__gte=before, day__lte=end)
    by_day = {figures.pop("day"): figures for figures in days.values("day", *DAILY, "words")}
    series = _series(by_day, totals, start, period)
    series["words"] = _words_from_changes(by_day, rows, series["hits"].days, before)

    # What each work gained in the period: its days of the period, one range of the unique
    # (work, day) index per work. This read grows with works × days (BENCHMARKS.md).
    sums = {measure: Sum(measure) for measure in DAILY}
    gained = {
        row.pop("work"): row
        for row in WorkDay.objects.filter(work__in=works, day__gte=start, day__lte=end)
        .values("work")
        .annotate(**sums)
        .order_by()
    }
    work_rows = []
    for row in rows:
        found = gained.get(row["id"], {})
        work_rows.append(
            WorkRow(
                work=row,
                totals=totals[row["id"]],
                gained={measure: found.get(measure) or 0 for measure in DAILY},
            )
        )
    return Figures(period, start, end, series, work_rows)


def for_work(work, period):
    """One work's figures over the last `period` days."""
    row = {"id": work.pk, "title": work.title, "published": work.published}
    row.update({counter: getattr(work, counter) for _, _, counter in MEASURES if counter})
    works = Work.objects.filter(pk=work.pk)
    before, start, end = period_days(period)
    days = WorkDay.objects.filter(work=work, day__gte=before, day__lte=end)
    by_day = {figures.pop("day"): figures for figures in days.values("day", *DAILY)}
    series = _series(by_day, _totals(works, [row]), start, period)
    series["words"] = _words(works, [row], series["hits"].days, before)
    return Figures(period, start, end, series, [])


def _totals(works, rows):
    """{work id: {measure: total now}}: the works' counters, and the measures other apps
    count."""
    totals = {row["id"]: {m: row[counter] for m, _, counter in MEASURES if counter} for row in rows}
    for counter in _count_totals:
        for measure, numbers in counter(works).items():
            for work_id, number in numbers.items():
                totals.setdefault(work_id, {})[measure] = number
    for work_totals in totals.values():
        work_totals.setdefault("subscriptions", 0)
    return totals


def _series(by_day, totals, start, period):
    """The daily measures over the period from the rows of each day ({day: {measure: n}})
    of the period and the one before."""
    all_days = [start + datetime.timedelta(days=n) for n in range(period)]
    series = {}
    for measure in DAILY:
        values = [by_day.get(day, {}).get(measure) or 0 for day in all_days]
        previous = sum((row[measure] or 0) for day, row in by_day.items() if day < start)
        series[measure] = Series(
            measure,
            all_days,
            values,
            total=sum(work_totals[measure] for work_totals in totals.values()),
            this_period=sum(values),
            previous_period=previous,
        )
    return series


def _words_from_changes(by_day, rows, all_days, before):
    """The creator's word count on each day, from the changes their days hold: the count
    now, less what it gained after each day. Counted back from now, so the last day is
    always the works' count as it is."""
    start = all_days[0]
    total = sum(row["word_count"] for row in rows)
    values, level = [], total
    for day in reversed(all_days):
        values.append(level)
        level -= by_day.get(day, {}).get("words") or 0
    values.reverse()
    previous = sum(row["words"] for day, row in by_day.items() if day < start)
    return Series(
        "words",
        all_days,
        values,
        total=total,
        this_period=total - level,
        previous_period=previous,
    )


def _words(works, rows, all_days, before):
    """The works' word count, all together, on each day. A work counts what was recorded on
    the last day its count changed up to that day, and nothing before its first record
    (posting makes one; the migration that made the days recorded every older work as it
    was then). A work with no record at all counts as it is now, throughout."""
    start = all_days[0]
    recorded = {}
    for work_id, day, words in (
        WorkDay.objects.filter(work__in=works, words__isnull=False, day__lte=all_days[-1])
        .order_by("work_id", "day")
        .values_list("work_id", "day", "words")
    ):
        recorded.setdefault(work_id, []).append((day, words))
    index = {day: n for n, day in enumerate(all_days)}
    steps = [0] * len(all_days)
    opening = at_before = 0  # the count on the day before the period, and before the last
    for row in rows:
        changes = recorded.get(row["id"])
        if not changes:
            opening += row["word_count"]
            at_before += row["word_count"]
            continue
        opening += _level(changes, start)
        at_before += _level(changes, before)
        for n, (day, words) in enumerate(changes):
            if day >= start:
                steps[index[day]] += words - (changes[n - 1][1] if n else 0)
    values, level = [], opening
    for step in steps:
        level += step
        values.append(level)
    return Series(
        "words",
        all_days,
        values,
        total=sum(row["word_count"] for row in rows),
        this_period=level - opening,
        previous_period=opening - at_before,
    )


def _level(changes, day):
    """The count recorded last before `day`, or 0."""
    return next((words for on, words in reversed(changes) if on < day), 0)
