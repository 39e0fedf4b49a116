"""Several categories per work: Work.category (one code) becomes Work.categories (a set of
codes on the work's row, like warning_set). Every work keeps the category it had; going
back keeps the first of a work's categories in vocabulary order (Gen for none)."""

import uuid

from django.db import migrations

import archive.fields

# The vocabulary as it was when this migration was written.
CATEGORIES = ["f/f", "f/m", "gen", "m/m", "multi", "other"]


def to_sets(apps, schema_editor):
    Work = apps.get_model("archive", "Work")
    # One statement per category, whatever the number of works.
    for category in CATEGORIES:
        Work.objects.filter(category=category).update(categories=[category])
    _renew_listing_generation(apps)


def to_one(apps, schema_editor):
    Work = apps.get_model("archive", "Work")
    # The last update a work meets wins, so the first category in the vocabulary is kept.
    for category in reversed(CATEGORIES):
        Work.objects.filter(categories__has_any=[category]).update(category=category)
    _renew_listing_generation(apps)


def _renew_listing_generation(apps):
    # Category facets cached under the old token were counted from the old column.
    ListingGeneration = apps.get_model("archive", "ListingGeneration")
    ListingGeneration.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0019_work_backdated"),
    ]

    operations = [
        migrations.AddField(
            model_name="work",
            name="categories",
            field=archive.fields.SetField(blank=True, default=list, of="text"),
        ),
        migrations.RunPython(to_sets, to_one),
        migrations.RemoveConstraint(
            model_name="work",
            name="work_category_in_vocabulary",
        ),
        migrations.RemoveField(
            model_name="work",
            name="category",
        ),
    ]
