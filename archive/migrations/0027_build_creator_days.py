"""Build every creator's days from their works' days, as archive.stats.days would have kept
them: the sums of each day's figures over the works they have now, and the changes in the
word count of their posted works (a work counts from its first recorded count, as the
statistics pages counted it before)."""

from django.db import migrations
from django.db.models import Sum

MEASURES = ("hits", "kudos", "comments", "public_bookmarks", "subscriptions")
BATCH_SIZE = 2000


def build_creator_days(apps, schema_editor):
    WorkDay = apps.get_model("archive", "WorkDay")
    CreatorDay = apps.get_model("archive", "CreatorDay")
    owned = WorkDay.objects.filter(work__creator__isnull=False)
    summed = (
        owned.values("work__creator", "day")
        .annotate(**{f"sum_{measure}": Sum(measure) for measure in MEASURES})
        .order_by()
    )
    batch = []
    for row in summed.iterator(chunk_size=BATCH_SIZE):
        figures = {measure: row[f"sum_{measure}"] or 0 for measure in MEASURES}
        batch.append(CreatorDay(creator_id=row["work__creator"], day=row["day"], **figures))
        if len(batch) == BATCH_SIZE:
            CreatorDay.objects.bulk_create(batch)
            batch = []
    CreatorDay.objects.bulk_create(batch)

    changes, last = {}, {}
    counts = (
        owned.filter(work__is_posted=True, words__isnull=False)
        .order_by("work", "day")
        .values_list("work", "work__creator", "day", "words")
    )
    for work_id, creator_id, day, words in counts.iterator(chunk_size=BATCH_SIZE):
        key = (creator_id, day)
        changes[key] = changes.get(key, 0) + words - last.get(work_id, 0)
        last[work_id] = words
    CreatorDay.objects.bulk_create(
        [
            CreatorDay(creator_id=creator_id, day=day, words=words)
            for (creator_id, day), words in changes.items()
            if words
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["creator", "day"],
        update_fields=["words"],
    )


class Migration(migrations.Migration):
    dependencies = [("archive", "0026_creator_days")]

    operations = [migrations.RunPython(build_creator_days, migrations.RunPython.noop)]
