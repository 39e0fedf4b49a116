"""WorkTagIndex: each work's tag families in one row, kept by database triggers.

The triggers are the only writers. They fire on every way the data can change (posting,
the admin, tag wrangling, imports, loaddata, raw SQL), so filters and facets can trust the
row as they trust an index. PostgreSQL recomputes once per statement from transition tables,
so bulk inserts stay fast; SQLite, which has only row triggers, once per row.
"""

import django.db.models.deletion
from django.db import migrations, models

import archive.fields

# PostgreSQL ---------------------------------------------------------------------------------

POSTGRES_CREATE = """
CREATE FUNCTION archive_refresh_tag_families(work_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE archive_worktagindex i SET families = coalesce((
        SELECT array_agg(DISTINCT coalesce(t.canonical_id, t.id)
                         ORDER BY coalesce(t.canonical_id, t.id))
        FROM archive_taggedwork tw JOIN archive_tag t ON t.id = tw.tag_id
        WHERE tw.content_object_id = i.work_id
    ), '{}')
    WHERE i.work_id = ANY(work_ids)
$$;

CREATE FUNCTION archive_work_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO archive_worktagindex (work_id, families)
    SELECT id, '{}' FROM added_works
    ON CONFLICT (work_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_work_tag_index AFTER INSERT ON archive_work
REFERENCING NEW TABLE AS added_works
FOR EACH STATEMENT EXECUTE FUNCTION archive_work_added();

-- Only the transition tables a trigger declares exist, so each branch reads its own.
CREATE FUNCTION archive_tag_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM archive_refresh_tag_families(
            ARRAY(SELECT DISTINCT content_object_id FROM new_links));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM archive_refresh_tag_families(
            ARRAY(SELECT DISTINCT content_object_id FROM old_links));
    ELSE
        PERFORM archive_refresh_tag_families(ARRAY(
            SELECT content_object_id FROM new_links
            UNION SELECT content_object_id FROM old_links));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_tag_links_added AFTER INSERT ON archive_taggedwork
REFERENCING NEW TABLE AS new_links
FOR EACH STATEMENT EXECUTE FUNCTION archive_tag_links_changed();

CREATE TRIGGER archive_tag_links_removed AFTER DELETE ON archive_taggedwork
REFERENCING OLD TABLE AS old_links
FOR EACH STATEMENT EXECUTE FUNCTION archive_tag_links_changed();

CREATE TRIGGER archive_tag_links_moved AFTER UPDATE ON archive_taggedwork
REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
FOR EACH STATEMENT EXECUTE FUNCTION archive_tag_links_changed();

CREATE FUNCTION archive_tags_rewrangled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_refresh_tag_families(ARRAY(
        SELECT DISTINCT tw.content_object_id
        FROM new_tags n
        JOIN old_tags o ON o.id = n.id
        JOIN archive_taggedwork tw ON tw.tag_id = n.id
        WHERE n.canonical_id IS DISTINCT FROM o.canonical_id));
    RETURN NULL;
END $$;

CREATE TRIGGER archive_tags_rewrangled AFTER UPDATE ON archive_tag
REFERENCING OLD TABLE AS old_tags NEW TABLE AS new_tags
FOR EACH STATEMENT EXECUTE FUNCTION archive_tags_rewrangled();

-- Which works carry a family: the include and exclude filters and tag pages.
CREATE INDEX archive_worktagindex_families_gin ON archive_worktagindex USING gin (families);

INSERT INTO archive_worktagindex (work_id, families) SELECT id, '{}' FROM archive_work;
SELECT archive_refresh_tag_families(ARRAY(SELECT id FROM archive_work));
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS archive_tags_rewrangled ON archive_tag;
DROP TRIGGER IF EXISTS archive_tag_links_moved ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_tag_links_removed ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_tag_links_added ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_work_tag_index ON archive_work;
DROP FUNCTION IF EXISTS archive_tags_rewrangled();
DROP FUNCTION IF EXISTS archive_tag_links_changed();
DROP FUNCTION IF EXISTS archive_work_added();
DROP FUNCTION IF EXISTS archive_refresh_tag_families(bigint[]);
"""

# SQLite -------------------------------------------------------------------------------------


def _sqlite_families(work_id):
    return f"""(
        SELECT json_group_array(family) FROM (
            SELECT DISTINCT coalesce(t.canonical_id, t.id) AS family
            FROM archive_taggedwork tw JOIN archive_tag t ON t.id = tw.tag_id
            WHERE tw.content_object_id = {work_id}
            ORDER BY family))"""


def _sqlite_refresh(work_id):
    return (
        f"UPDATE archive_worktagindex SET families = {_sqlite_families(work_id)} "
        f"WHERE work_id = {work_id};"
    )


SQLITE_CREATE = [
    """CREATE TRIGGER archive_work_tag_index AFTER INSERT ON archive_work BEGIN
        INSERT OR IGNORE INTO archive_worktagindex (work_id, families) VALUES (NEW.id, '[]');
    END""",
    f"""CREATE TRIGGER archive_tag_links_added AFTER INSERT ON archive_taggedwork BEGIN
        {_sqlite_refresh("NEW.content_object_id")}
    END""",
    f"""CREATE TRIGGER archive_tag_links_removed AFTER DELETE ON archive_taggedwork BEGIN
        {_sqlite_refresh("OLD.content_object_id")}
    END""",
    f"""CREATE TRIGGER archive_tag_links_moved AFTER UPDATE ON archive_taggedwork BEGIN
        {_sqlite_refresh("OLD.content_object_id")}
        {_sqlite_refresh("NEW.content_object_id")}
    END""",
    f"""CREATE TRIGGER archive_tags_rewrangled AFTER UPDATE OF canonical_id ON archive_tag
    WHEN OLD.canonical_id IS NOT NEW.canonical_id BEGIN
        UPDATE archive_worktagindex
        SET families = {_sqlite_families("archive_worktagindex.work_id")}
        WHERE work_id IN (SELECT content_object_id FROM archive_taggedwork WHERE tag_id = NEW.id);
    END""",
    "INSERT INTO archive_worktagindex (work_id, families) SELECT id, '[]' FROM archive_work",
    f"UPDATE archive_worktagindex SET families = "
    f"{_sqlite_families('archive_worktagindex.work_id')}",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in [
        "archive_tags_rewrangled",
        "archive_tag_links_moved",
        "archive_tag_links_removed",
        "archive_tag_links_added",
        "archive_work_tag_index",
    ]
]


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
    dependencies = [("archive", "0006_work_hidden_by_staff")]

    operations = [
        migrations.CreateModel(
            name="WorkTagIndex",
            fields=[
                (
                    "work",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="tag_index",
                        serialize=False,
                        to="archive.work",
                    ),
                ),
                ("families", archive.fields.TagIdsField(default=list, editable=False)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
