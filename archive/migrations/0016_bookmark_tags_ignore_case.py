"""Bookmark tags differing only in case are one tag: duplicates already made are merged
into the oldest spelling (its slug, and so its links, stay), then a unique index on the
lowered name keeps it so."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count, Min
from django.db.models.functions import Lower


def merge_duplicates(apps, schema_editor):
    BookmarkTag = apps.get_model("archive", "BookmarkTag")
    TaggedBookmark = apps.get_model("archive", "TaggedBookmark")
    tags = BookmarkTag.objects.annotate(folded=Lower("name"))
    duplicated = (
        tags.values("folded")
        .annotate(n=Count("pk"), kept=Min("pk"))
        .filter(n__gt=1)
        .values("folded", "kept")
    )
    for group in list(duplicated):
        others = list(tags.filter(folded=group["folded"]).exclude(pk=group["kept"]).order_by("pk"))
        for other in others:
            links = TaggedBookmark.objects.filter(tag=other)
            # A bookmark already tagged with the kept spelling loses only the duplicate.
            kept = TaggedBookmark.objects.filter(tag_id=group["kept"]).values("content_object_id")
            links.filter(content_object_id__in=kept).delete()
            links.update(tag_id=group["kept"])
        BookmarkTag.objects.filter(pk__in=[other.pk for other in others]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0015_bookmarks_outlive_works"),
    ]

    # PostgreSQL refuses to index a table with deferred checks pending from the merge in
    # the same transaction: the merge commits first.
    atomic = False

    operations = [
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop, atomic=True),
        migrations.AddConstraint(
            model_name="bookmarktag",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                name="bookmark_tag_name_ignoring_case",
            ),
        ),
    ]
