"""Drop the triggers of migrations 0007 and 0012: the functions that write a work's tags,
warnings and listed columns now compute its families and warning set and renew the listing
generation themselves (archive.writing.derived), and `manage.py recompute_derived` repairs
what a raw load leaves behind.

The triggers broke ordinary migrations: SQLite changes most columns by copying the table
into a new one, which the triggers on the other tables could not survive. The GIN index on
`families` stays (filters use it), as do the search functions of 0008 and 0013.
Migrating back to 0013 creates the triggers again, and they compute every work's values.
"""

from importlib import import_module

from django.db import migrations

families = import_module("archive.migrations.0007_work_families_and_warnings")
generation = import_module("archive.migrations.0012_listing_generation")


def _without_the_index(script):
    # 0007's PostgreSQL scripts also create and drop the GIN index, which stays.
    return "\n".join(line for line in script.splitlines() if " INDEX " not in line)


POSTGRES_DROP = generation.POSTGRES_DROP + _without_the_index(families.POSTGRES_DROP)
POSTGRES_CREATE = _without_the_index(families.POSTGRES_CREATE) + generation.POSTGRES_CREATE
SQLITE_DROP = [*generation.SQLITE_DROP, *families.SQLITE_DROP]
SQLITE_CREATE = [*families.SQLITE_CREATE, *generation.SQLITE_CREATE]


def drop_triggers(apps, schema_editor):
    families._run(schema_editor, POSTGRES_DROP, SQLITE_DROP)


def create_triggers(apps, schema_editor):
    families._run(schema_editor, POSTGRES_CREATE, SQLITE_CREATE)


class Migration(migrations.Migration):
    dependencies = [("archive", "0013_search_metadata_matches")]

    operations = [migrations.RunPython(drop_triggers, create_triggers)]
