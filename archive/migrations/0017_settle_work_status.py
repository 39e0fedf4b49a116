"""Works saved before Work.settle_status kept their status as it was typed: "2/2" could be a
work in progress. Settle them all as posting now does (Work.settle_status): with a number of
chapters expected, a work is complete once it has that many."""

import uuid

from django.db import migrations
from django.db.models import F


def settle(apps, schema_editor):
    Work = apps.get_model("archive", "Work")
    expecting = Work.objects.filter(expected_chapters__isnull=False)
    done = expecting.filter(chapter_count__gte=F("expected_chapters"), complete=False)
    going = expecting.filter(chapter_count__lt=F("expected_chapters"), complete=True)
    if done.update(complete=True) + going.update(complete=False):
        # The complete filter's cached counts belong to the old statuses.
        ListingGeneration = apps.get_model("archive", "ListingGeneration")
        ListingGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0016_bookmark_tags_ignore_case"),
    ]

    operations = [
        migrations.RunPython(settle, migrations.RunPython.noop),
    ]
