"""A work's days: what each of its counters gained on each day (UTC), and its word count on
the days it changed (archive.models.WorkDay); and its creator's days, the same summed over
all their works (archive.models.CreatorDay), so that the creator's page reads a row a day.

The functions that change a work's counters call these in the same transaction, so a day's
figures commit or roll back with the totals. Apps above the archive (comments, subscriptions)
call them too; the archive never asks them.

Safe across processes on SQLite and PostgreSQL alike: a change is one statement per table, an
INSERT that adds to the day's row when it is there already (ON CONFLICT ... DO UPDATE SET hits
= hits + excluded.hits), so two processes counting on the same day both add, whichever made
the row. On PostgreSQL the second waits on the unique index for the first to commit and then
adds; on SQLite writers take turns. The creator's row is written from the work's row in the
database (INSERT ... SELECT creator_id FROM the work), so it is never read first. A batch (the
hits flush) makes the missing rows with INSERT ... ON CONFLICT DO NOTHING, then adds with one
UPDATE per chunk.

A creator's days describe what happened to their works on those days: a work deleted, or given
to someone else, takes nothing back from the days before, and from then on its days count for
its new creator (none when orphaned). Their word count is a level, so its days hold changes:
what chapters added or cut while the work was posted, its words the day it was posted or came
to them, less its words the day it was deleted or left them.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Case, F, Value, When

from archive.models import CreatorDay, Work, WorkDay

MEASURES = ("hits", "kudos", "comments", "public_bookmarks", "subscriptions")
BATCH_SIZE = 500
CREATOR_TABLE = CreatorDay._meta.db_table


def today():
    """The day counts fall on: UTC, as hits are counted."""
    return datetime.datetime.now(datetime.UTC).date()


def add(work_id, *, day=None, **changes):
    """Add `changes` ({measure: number}, e.g. kudos=1) to the work's figures of `day` (today),
    and to its creator's."""
    changes = {measure: number for measure, number in changes.items() if number}
    if unknown := set(changes) - set(MEASURES):
        raise ValueError(f"Not a measure of a work's day: {', '.join(sorted(unknown))}")
    if not changes:
        return
    day = day or today()
    days_table, works_table = WorkDay._meta.db_table, Work._meta.db_table
    columns, values = ", ".join(changes), ", %s" * len(changes)
    # No savepoint: inside the caller's transaction the two writes are one with it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {days_table} (work_id, day, {columns}) VALUES (%s, %s{values}) "
            f"ON CONFLICT (work_id, day) DO UPDATE SET {_adding(days_table, changes)}",
            [work_id, day, *changes.values()],
        )
        # (SQLite needs the WHERE to read the ON CONFLICT as the upsert's.)
        cursor.execute(
            f"INSERT INTO {CREATOR_TABLE} (creator_id, day, {columns}) "
            f"SELECT creator_id, %s{values} FROM {works_table} "
            f"WHERE id = %s AND creator_id IS NOT NULL "
            f"ON CONFLICT (creator_id, day) DO UPDATE SET {_adding(CREATOR_TABLE, changes)}",
            [day, *changes.values(), work_id],
        )


def add_many(measure, counts, *, day=None):
    """Add counts of one measure to many works' days, and their creators': {(work_id, day):
    number}, or {work_id: number} for `day` (today). For a batch of hits, or what a reader
    leaving takes away; works since deleted are skipped."""
    by_day = {}
    for key, number in counts.items():
        work_id, on = key if isinstance(key, tuple) else (key, day or today())
        if number:
            by_day.setdefault(on, {})[work_id] = number
    for on, numbers in sorted(by_day.items()):
        ids = sorted(numbers)
        by_creator = {}
        for start in range(0, len(ids), BATCH_SIZE):
            works = Work.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
            creators = dict(works.values_list("pk", "creator_id"))
            chunk = sorted(creators)
            WorkDay.objects.bulk_create(
                [WorkDay(work_id=pk, day=on) for pk in chunk], ignore_conflicts=True
            )
            added = Case(*(When(work_id=pk, then=Value(numbers[pk])) for pk in chunk), default=0)
            rows = WorkDay.objects.filter(day=on, work_id__in=chunk)
            rows.update(**{measure: F(measure) + added})
            for pk, creator_id in creators.items():
                if creator_id is not None:
                    by_creator[creator_id] = by_creator.get(creator_id, 0) + numbers[pk]
        creator_ids = sorted(by_creator)
        for start in range(0, len(creator_ids), BATCH_SIZE):
            chunk = creator_ids[start : start + BATCH_SIZE]
            CreatorDay.objects.bulk_create(
                [CreatorDay(creator_id=pk, day=on) for pk in chunk], ignore_conflicts=True
            )
            added = Case(
                *(When(creator_id=pk, then=Value(by_creator[pk])) for pk in chunk), default=0
            )
            rows = CreatorDay.objects.filter(day=on, creator_id__in=chunk)
            rows.update(**{measure: F(measure) + added})


def set_words(work, *, was, day=None):
    """Record the work's word count, which changed today (or on `day`) from `was`; while the
    work is posted, its creator's count changes by as much."""
    day = day or today()
    WorkDay.objects.bulk_create(
        [WorkDay(work_id=work.pk, day=day, words=work.word_count)],
        update_conflicts=True,
        unique_fields=["work", "day"],
        update_fields=["words"],
    )
    if work.is_posted:
        _add_to_creator(work.creator_id, day, words=work.word_count - was)


def count_posted_words(work, *, sign=1):
    """Add the posted work's words to its creator's count today: when it is posted or comes
    to them; with sign=-1, take them away: when it is deleted or leaves them."""
    if work.is_posted:
        _add_to_creator(work.creator_id, today(), words=sign * work.word_count)


def _add_to_creator(creator_id, day, **changes):
    changes = {measure: number for measure, number in changes.items() if number}
    if creator_id is None or not changes:
        return
    columns = ", ".join(changes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CREATOR_TABLE} (creator_id, day, {columns}) "
            f"VALUES (%s, %s{', %s' * len(changes)}) "
            f"ON CONFLICT (creator_id, day) DO UPDATE SET {_adding(CREATOR_TABLE, changes)}",
            [creator_id, day, *changes.values()],
        )


def _adding(table, changes):
    return ", ".join(f"{measure} = {table}.{measure} + excluded.{measure}" for measure in changes)
