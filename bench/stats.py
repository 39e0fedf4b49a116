"""What the creator's statistics page costs for a prolific creator: 500 works, each with a
year of daily figures, for BENCHMARKS.md. Makes its own creator and deletes it after."""

import datetime
import random

from archive.models import CreatorDay, Work, WorkDay
from archive.stats import days
from archive.vocabulary import Rating

PREFIX = "bench-stats-"
BATCH_SIZE = 5000


def make_works(creator, count, *, year_days, seed=1, progress=None):
    """`count` posted works of `creator`, each with a figure on every one of `year_days` days
    up to today and a word count that changed a few times, and the creator's days, their
    sums, as archive.stats.days keeps them."""
    rng = random.Random(seed)
    today = days.today()
    first = today - datetime.timedelta(days=year_days - 1)
    works = Work.objects.bulk_create(
        Work(
            title=f"Bench work {n}",
            creator=creator,
            rating=Rating.GENERAL,
            published=first,
            updated=today,
            word_count=rng.randint(1_000, 50_000),
            hits=rng.randint(100, 10_000),
            kudos_count=rng.randint(0, 500),
            comment_count=rng.randint(0, 100),
            public_bookmark_count=rng.randint(0, 100),
        )
        for n in range(count)
    )
    rows, creator_days = [], {}
    for work in works:
        changes = set(rng.sample(range(year_days), 4))
        words = 0
        for n in range(year_days):
            added = rng.randint(500, 5_000) if n in changes else 0
            words += added
            row = WorkDay(
                work=work,
                day=first + datetime.timedelta(days=n),
                hits=rng.randint(0, 40),
                kudos=rng.randint(0, 3),
                comments=rng.randint(0, 1),
                public_bookmarks=rng.randint(0, 1),
                subscriptions=rng.randint(0, 1),
                words=words if n in changes else None,
            )
            rows.append(row)
            sums = creator_days.setdefault(row.day, CreatorDay(creator=creator, day=row.day))
            for measure in days.MEASURES:
                setattr(sums, measure, getattr(sums, measure) + getattr(row, measure))
            sums.words += added
            if len(rows) == BATCH_SIZE:
                WorkDay.objects.bulk_create(rows)
                if progress is not None:
                    progress.update(len(rows))
                rows = []
    WorkDay.objects.bulk_create(rows)
    if progress is not None:
        progress.update(len(rows))
    CreatorDay.objects.bulk_create(creator_days.values())
    return works
