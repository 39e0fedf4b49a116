"""Fast full-text search on PostgreSQL: a small ranking vector, and a matching function that
always uses the GIN index.

PostgreSQL's planner does not charge for reading a TOASTed tsvector, so for a common word
it estimates that scanning every search document is cheaper than the GIN index, then spends
hundreds of milliseconds decompressing them all. `archive_search_matches` runs the match
with sequential scans off (a function's SET clause applies to that function alone), and
ranking reads `metadata` (title, creator, tags, summary: weights A to C), never the text.
SQLite has neither and searches the text columns.
"""

import django.contrib.postgres.search
from django.db import migrations

POSTGRES_CREATE = """
UPDATE archive_searchdocument SET metadata = ts_filter(document, '{a,b,c}');

CREATE FUNCTION archive_search_matches(query tsquery) RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 5000 SET enable_seqscan = off AS $$
    SELECT work_id FROM archive_searchdocument WHERE document @@ query
$$;
"""

POSTGRES_DROP = "DROP FUNCTION IF EXISTS archive_search_matches(tsquery)"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("archive", "0007_work_tag_index")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="metadata",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.RunPython(create_function, drop_function),
    ]
