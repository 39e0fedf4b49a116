"""Rank search matches by the words a reader asked for, not by the whole query.

`archive_search_matches` and `archive_search_metadata_matches` (migrations 0008 and 0013)
ranked each match by the query that found it. With an excluded word ("quince -jam") that
query holds a negation, and `ts_rank` gives every match the same rank, so kudos alone
decided the order. Each function now takes the query that matches and, apart, the query
that ranks (archive.listing.search builds it from the words that are not excluded).
SQLite has neither and lists matches newest first.
"""

from django.db import migrations

POSTGRES_CREATE = """
DROP FUNCTION IF EXISTS archive_search_matches(tsquery);
DROP FUNCTION IF EXISTS archive_search_metadata_matches(tsquery);

CREATE FUNCTION archive_search_matches(query tsquery, ranking tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, ranking), 0)
    FROM archive_searchdocument d WHERE d.document @@ query
$$;

CREATE FUNCTION archive_search_metadata_matches(query tsquery, ranking tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, ranking), 0)
    FROM archive_searchdocument d WHERE d.metadata @@ query
$$;
"""

# The functions as migrations 0008 and 0013 made them.
POSTGRES_DROP = """
DROP FUNCTION IF EXISTS archive_search_matches(tsquery, tsquery);
DROP FUNCTION IF EXISTS archive_search_metadata_matches(tsquery, tsquery);

CREATE FUNCTION archive_search_matches(query tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, query), 0)
    FROM archive_searchdocument d WHERE d.document @@ query
$$;

CREATE FUNCTION archive_search_metadata_matches(query tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, query), 0)
    FROM archive_searchdocument d WHERE d.metadata @@ query
$$;
"""


def run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("archive", "0022_import_batches")]
    operations = [migrations.RunPython(run(POSTGRES_CREATE), run(POSTGRES_DROP))]
