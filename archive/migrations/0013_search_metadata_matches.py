"""Search that never tells what a gated text holds: matching on what a blurb shows.

Chapter text and notes may decide a match only for works the reader may read without the
consent gate (archive.search.matching); every other work matches on `metadata` alone (title,
creator, tags, summary). `archive_search_metadata_matches` is `archive_search_matches`
(migration 0008) over that vector, with a GIN index of its own so both sets are found
through an index. Notes used to weigh with the summary, inside `metadata`; they are read
past the gate, so the documents are rebuilt with notes beside the story.
SQLite has neither and matches the blurb's columns with LIKE.
"""

from django.db import migrations

INDEX = "archive_searchdocument_metadata_gin"

POSTGRES_CREATE = f"""
CREATE INDEX IF NOT EXISTS {INDEX} ON archive_searchdocument USING gin (metadata);

CREATE FUNCTION archive_search_metadata_matches(query tsquery)
RETURNS TABLE (work_id bigint, rank real)
LANGUAGE sql STABLE ROWS 20000 SET enable_seqscan = off AS $$
    SELECT d.work_id, coalesce(ts_rank(d.metadata, query), 0)
    FROM archive_searchdocument d WHERE d.metadata @@ query
$$;
"""

REBUILD_DOCUMENTS = """
INSERT INTO archive_searchdocument (work_id, document, metadata)
SELECT id, document, ts_filter(document, '{a,b,c}') FROM (
SELECT w.id,
    setweight(to_tsvector('english', w.title || ' ' || w.creator_name || ' '
        || coalesce(r.username, '')), 'A')
    || setweight(to_tsvector('english', coalesce(t.names, '')), 'B')
    || setweight(to_tsvector('english', w.summary), 'C')
    || setweight(to_tsvector('english', w.notes || ' ' || w.end_notes || ' '
        || coalesce(c.text, '')), 'D') AS document
FROM archive_work w
LEFT JOIN accounts_reader r ON r.id = w.creator_id
LEFT JOIN LATERAL (
    SELECT string_agg(tg.name || ' ' || coalesce(cg.name, ''), ' ') AS names
    FROM archive_taggedwork tw
    JOIN archive_tag tg ON tg.id = tw.tag_id
    LEFT JOIN archive_tag cg ON cg.id = tg.canonical_id
    WHERE tw.content_object_id = w.id
) t ON true
LEFT JOIN LATERAL (
    SELECT left(string_agg(ch.body, ' ' ORDER BY ch.position), 500000) AS text
    FROM archive_chapter ch WHERE ch.work_id = w.id
) c ON true
) made
ON CONFLICT (work_id)
DO UPDATE SET document = EXCLUDED.document, metadata = EXCLUDED.metadata
"""

POSTGRES_DROP = f"""
DROP FUNCTION IF EXISTS archive_search_metadata_matches(tsquery);
DROP INDEX IF EXISTS {INDEX};
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(POSTGRES_CREATE)
        # archive.search.update_search_documents as it stands at this migration. A copy,
        # not an import: a migration must keep working after the models and that function
        # change, against the tables as they are at this point of the history.
        cursor.execute(REBUILD_DOCUMENTS)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("archive", "0012_listing_generation")]

    operations = [migrations.RunPython(create_function, drop_function)]
