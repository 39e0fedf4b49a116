"""Record every work's word count on its last update, so that the word count series of the
statistics pages start from what the works were, not from nothing."""

from django.db import migrations


def record_word_counts(apps, schema_editor):
    Work = apps.get_model("archive", "Work")
    WorkDay = apps.get_model("archive", "WorkDay")
    works = Work.objects.values_list("pk", "updated", "word_count").order_by("pk")
    batch = []
    for pk, updated, words in works.iterator(chunk_size=2000):
        batch.append(WorkDay(work_id=pk, day=updated, words=words))
        if len(batch) == 2000:
            WorkDay.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    WorkDay.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("archive", "0024_work_days")]

    operations = [migrations.RunPython(record_word_counts, migrations.RunPython.noop)]
