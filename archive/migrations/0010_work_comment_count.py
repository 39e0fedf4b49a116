"""Adds Work.comment_count. SQLite cannot add a NOT NULL column with a default in place, so
Django rebuilds archive_work, which the triggers of migration 0007 stand in the way of: they
are dropped first and made again after, as any later migration that rebuilds archive_work,
archive_taggedwork, archive_tag or archive_workwarning on SQLite must do."""

import importlib

from django.db import migrations, models

triggers = importlib.import_module("archive.migrations.0007_work_families_and_warnings")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    return run


drop_sqlite_triggers = _on_sqlite(triggers.SQLITE_DROP)
create_sqlite_triggers = _on_sqlite(triggers.SQLITE_CREATE)


class Migration(migrations.Migration):
    dependencies = [("archive", "0009_listing_indexes")]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name="work",
            name="comment_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
