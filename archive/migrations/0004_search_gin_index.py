"""The GIN index behind full-text search, on PostgreSQL only: SQLite has no GIN indexes
and searches the text columns instead, so the index is not part of the model state."""

from django.db import migrations

INDEX = "archive_searchdocument_document_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON archive_searchdocument USING gin (document)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_searchdocument_work_work_posted_published_idx_and_more")]

    operations = [migrations.RunPython(create_index, drop_index)]
