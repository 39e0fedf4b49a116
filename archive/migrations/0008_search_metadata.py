"""Fast full-text search on PostgreSQL: a small ranking vector, and a matching function that
always uses the GIN index.

PostgreSQL's planner does not charge for reading a TOASTed tsvector, so for a common word
it estimates that scanning every search document is cheaper than the GIN index, then spends
hundreds of milliseconds decompressing them all. `archive_search_matches` runs the match
with sequential scans off (a function's SET clause applies to that function alone), and
ranking reads `metadata` (title, creator, tags, summary: weights A to C), never the text.
The planner cannot see how many rows a function returns; ROWS 20000 (a common word in a
large archive) makes it join the matches by hashing, which costs a rare word a few
milliseconds and saves a common one hundreds. SQLite has neither and searches the text.
"""

import django.contrib.postgres.search
from django.db import migrations

POSTGRES_CREATE = """
UPDATE archive_searchdocument SET metadata = ts_filter(document, '{a,b,c}');

CREATE FUNCTION archive_search_matches(query tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, query), 0)
    FROM archive_searchdocument d WHERE d.document @@ query
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
    dependencies = [("archive", "0007_work_families_and_warnings")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="metadata",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.RunPython(create_function, drop_function),
    ]
