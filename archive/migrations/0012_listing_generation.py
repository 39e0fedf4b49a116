"""ListingGeneration: one row whose token database triggers renew with every change that can
alter what a listing counts, so counts cached under the token are never stale.

The triggers watch the work's listed columns (not its hits, kudos, bookmark or comment
counters, which change on every read or kudos and never change a count), its tags (names,
kinds and synonyms: facets show them), chapter text and search documents (search counts),
and usernames (the creator a search matches). A work's tag links and warnings are covered
through its `families` and `warning_set` columns, which their own triggers (migration 0007)
rewrite. PostgreSQL renews the token once per statement; SQLite once per changed row.

The token is written as an upsert, so the row comes back after `flush` with the next change;
while it is missing nothing is cached. On SQLite, a later migration that rebuilds one of
these tables drops its triggers and must create them again; tests/archive/test_tag_index.py
fails until it does.
"""

from django.db import migrations, models

# A work's columns that listings filter, sort by, count or search on.
WATCHED = [
    "title",
    "creator_id",
    "creator_name",
    "summary",
    "notes",
    "end_notes",
    "rating",
    "category",
    "language",
    "complete",
    "chapter_count",
    "word_count",
    "published",
    "updated",
    "is_posted",
    "hidden_by_staff",
    "families",
    "warning_set",
]


def _row(alias):
    return "(" + ", ".join(f"{alias}.{column}" for column in WATCHED) + ")"


# PostgreSQL ---------------------------------------------------------------------------------

POSTGRES_CREATE = f"""
CREATE FUNCTION archive_renew_listing_generation() RETURNS void LANGUAGE sql AS $$
    INSERT INTO archive_listinggeneration (id, token)
    VALUES (1, replace(gen_random_uuid()::text, '-', ''))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
$$;

CREATE FUNCTION archive_listings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_renew_listing_generation();
    RETURN NULL;
END $$;

CREATE FUNCTION archive_listed_works_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_works o JOIN new_works n ON n.id = o.id
        WHERE {_row("o")} IS DISTINCT FROM {_row("n")}
    ) THEN
        PERFORM archive_renew_listing_generation();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_listings_works_added_or_removed
AFTER INSERT OR DELETE OR TRUNCATE ON archive_work
FOR EACH STATEMENT EXECUTE FUNCTION archive_listings_changed();

CREATE TRIGGER archive_listings_works_changed AFTER UPDATE ON archive_work
REFERENCING OLD TABLE AS old_works NEW TABLE AS new_works
FOR EACH STATEMENT EXECUTE FUNCTION archive_listed_works_changed();

CREATE TRIGGER archive_listings_tags_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_tag
FOR EACH STATEMENT EXECUTE FUNCTION archive_listings_changed();

CREATE TRIGGER archive_listings_chapters_added_or_removed
AFTER INSERT OR DELETE OR TRUNCATE ON archive_chapter
FOR EACH STATEMENT EXECUTE FUNCTION archive_listings_changed();

CREATE TRIGGER archive_listings_chapter_text_changed AFTER UPDATE OF body ON archive_chapter
FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body)
EXECUTE FUNCTION archive_listings_changed();

CREATE TRIGGER archive_listings_search_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_searchdocument
FOR EACH STATEMENT EXECUTE FUNCTION archive_listings_changed();

CREATE TRIGGER archive_listings_username_changed AFTER UPDATE OF username ON accounts_reader
FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username)
EXECUTE FUNCTION archive_listings_changed();

SELECT archive_renew_listing_generation();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS archive_listings_username_changed ON accounts_reader;
DROP TRIGGER IF EXISTS archive_listings_search_changed ON archive_searchdocument;
DROP TRIGGER IF EXISTS archive_listings_chapter_text_changed ON archive_chapter;
DROP TRIGGER IF EXISTS archive_listings_chapters_added_or_removed ON archive_chapter;
DROP TRIGGER IF EXISTS archive_listings_tags_changed ON archive_tag;
DROP TRIGGER IF EXISTS archive_listings_works_changed ON archive_work;
DROP TRIGGER IF EXISTS archive_listings_works_added_or_removed ON archive_work;
DROP FUNCTION IF EXISTS archive_listed_works_changed();
DROP FUNCTION IF EXISTS archive_listings_changed();
DROP FUNCTION IF EXISTS archive_renew_listing_generation();
"""

# SQLite -------------------------------------------------------------------------------------

SQLITE_RENEW = (
    "INSERT OR REPLACE INTO archive_listinggeneration (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)


def _sqlite_trigger(name, event, table, when=""):
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} {when} BEGIN {SQLITE_RENEW}; END"


def _changed(columns):
    return "WHEN " + " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)


SQLITE_TRIGGERS = {
    "archive_listings_work_added": ("INSERT", "archive_work", ""),
    "archive_listings_work_removed": ("DELETE", "archive_work", ""),
    "archive_listings_work_changed": ("UPDATE", "archive_work", _changed(WATCHED)),
    "archive_listings_tag_added": ("INSERT", "archive_tag", ""),
    "archive_listings_tag_removed": ("DELETE", "archive_tag", ""),
    "archive_listings_tag_changed": ("UPDATE", "archive_tag", ""),
    "archive_listings_chapter_added": ("INSERT", "archive_chapter", ""),
    "archive_listings_chapter_removed": ("DELETE", "archive_chapter", ""),
    "archive_listings_chapter_text_changed": (
        "UPDATE OF body",
        "archive_chapter",
        _changed(["body"]),
    ),
    "archive_listings_username_changed": (
        "UPDATE OF username",
        "accounts_reader",
        _changed(["username"]),
    ),
}

SQLITE_CREATE = [
    *(_sqlite_trigger(name, *spec) for name, spec in SQLITE_TRIGGERS.items()),
    SQLITE_RENEW,
]

SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _run(schema_editor, postgres, sqlite):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(postgres)  # no parameters: PostgreSQL takes the whole script
        else:
            for statement in sqlite:
                cursor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRES_CREATE, SQLITE_CREATE)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, POSTGRES_DROP, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_block_mute_and_email_choices"),
        ("archive", "0011_series"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListingGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("pk", 1)), name="listing_generation_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
