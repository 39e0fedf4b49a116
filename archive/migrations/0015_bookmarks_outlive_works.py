"""A bookmark outlives its work: the work may be gone (None), and the bookmark keeps the
work's title and creator's name, filled in here for the bookmarks already made."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

import archive.models


def name_the_works(apps, schema_editor):
    Bookmark = apps.get_model("archive", "Bookmark")
    Work = apps.get_model("archive", "Work")
    work = Work.objects.filter(pk=OuterRef("work_id"))
    creator = Coalesce("creator__username", NullIf("creator_name", Value("")), Value("Anonymous"))
    Bookmark.objects.filter(work__isnull=False).update(
        work_title=Subquery(work.values("title")),
        work_creator=Subquery(work.values(name=creator)),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_drop_derived_data_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookmark",
            name="work_creator",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="bookmark",
            name="work_title",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="bookmark",
            name="work",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=archive.models.keep_bookmarks,
                related_name="bookmarks",
                to="archive.work",
            ),
        ),
        migrations.RunPython(name_the_works, migrations.RunPython.noop),
    ]
