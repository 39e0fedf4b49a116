"""Work.families and Work.warning_set: each work's tag families and archive warnings on its
own row, computed by database triggers.

One trigger on the work computes the families from its tag links whenever a work is added
or its `families` column is written, so a value Django saves (stale, or made up) is always
replaced. Triggers on the tag links and on tags (when one becomes or stops being a synonym)
touch the works they affect, which runs that computation. Every way the data can change
(posting, the admin, wrangling, imports, loaddata, raw SQL) therefore keeps the families
right, and filters and facets can trust them as they trust an index. The warnings are kept
the same way from the WorkWarning rows, which stay the record the consent gate reads.
PostgreSQL touches the works once per statement, from transition tables, so bulk inserts
stay fast.

On SQLite, a later migration that rebuilds archive_work, archive_taggedwork, archive_tag or
archive_workwarning (most field changes do) drops their triggers and must create them again;
tests/archive/test_tag_index.py fails until it does.
"""

from django.db import migrations

import archive.fields

# PostgreSQL ---------------------------------------------------------------------------------

POSTGRES_CREATE = """
CREATE FUNCTION archive_work_families() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.families := coalesce((
        SELECT array_agg(DISTINCT coalesce(t.canonical_id, t.id)
                         ORDER BY coalesce(t.canonical_id, t.id))
        FROM archive_taggedwork tw JOIN archive_tag t ON t.id = tw.tag_id
        WHERE tw.content_object_id = NEW.id
    ), '{}');
    RETURN NEW;
END $$;

CREATE TRIGGER archive_work_families BEFORE INSERT OR UPDATE OF families ON archive_work
FOR EACH ROW EXECUTE FUNCTION archive_work_families();

-- Only the transition tables a trigger declares exist, so each branch reads its own.
CREATE FUNCTION archive_tag_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE archive_work SET families = families
        WHERE id IN (SELECT content_object_id FROM new_links);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE archive_work SET families = families
        WHERE id IN (SELECT content_object_id FROM old_links);
    ELSE
        UPDATE archive_work SET families = families
        WHERE id IN (SELECT content_object_id FROM new_links
                     UNION SELECT content_object_id FROM old_links);
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
    UPDATE archive_work SET families = families
    WHERE id IN (
        SELECT tw.content_object_id
        FROM new_tags n
        JOIN old_tags o ON o.id = n.id
        JOIN archive_taggedwork tw ON tw.tag_id = n.id
        WHERE n.canonical_id IS DISTINCT FROM o.canonical_id);
    RETURN NULL;
END $$;

CREATE TRIGGER archive_tags_rewrangled AFTER UPDATE ON archive_tag
REFERENCING OLD TABLE AS old_tags NEW TABLE AS new_tags
FOR EACH STATEMENT EXECUTE FUNCTION archive_tags_rewrangled();

CREATE FUNCTION archive_work_warning_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.warning_set := coalesce((
        SELECT array_agg(DISTINCT ww.warning ORDER BY ww.warning)
        FROM archive_workwarning ww WHERE ww.work_id = NEW.id
    ), '{}');
    RETURN NEW;
END $$;

CREATE TRIGGER archive_work_warning_set BEFORE INSERT OR UPDATE OF warning_set ON archive_work
FOR EACH ROW EXECUTE FUNCTION archive_work_warning_set();

CREATE FUNCTION archive_warnings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE archive_work SET warning_set = warning_set
        WHERE id IN (SELECT work_id FROM new_warnings);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE archive_work SET warning_set = warning_set
        WHERE id IN (SELECT work_id FROM old_warnings);
    ELSE
        UPDATE archive_work SET warning_set = warning_set
        WHERE id IN (SELECT work_id FROM new_warnings UNION SELECT work_id FROM old_warnings);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_warnings_added AFTER INSERT ON archive_workwarning
REFERENCING NEW TABLE AS new_warnings
FOR EACH STATEMENT EXECUTE FUNCTION archive_warnings_changed();

CREATE TRIGGER archive_warnings_removed AFTER DELETE ON archive_workwarning
REFERENCING OLD TABLE AS old_warnings
FOR EACH STATEMENT EXECUTE FUNCTION archive_warnings_changed();

CREATE TRIGGER archive_warnings_changed AFTER UPDATE ON archive_workwarning
REFERENCING OLD TABLE AS old_warnings NEW TABLE AS new_warnings
FOR EACH STATEMENT EXECUTE FUNCTION archive_warnings_changed();

-- Which works carry a family: the include and exclude filters and tag pages.
CREATE INDEX archive_work_families_gin ON archive_work USING gin (families);

UPDATE archive_work SET families = families, warning_set = warning_set;
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS archive_warnings_changed ON archive_workwarning;
DROP TRIGGER IF EXISTS archive_warnings_removed ON archive_workwarning;
DROP TRIGGER IF EXISTS archive_warnings_added ON archive_workwarning;
DROP TRIGGER IF EXISTS archive_work_warning_set ON archive_work;
DROP FUNCTION IF EXISTS archive_warnings_changed();
DROP FUNCTION IF EXISTS archive_work_warning_set();
DROP TRIGGER IF EXISTS archive_tags_rewrangled ON archive_tag;
DROP TRIGGER IF EXISTS archive_tag_links_moved ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_tag_links_removed ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_tag_links_added ON archive_taggedwork;
DROP TRIGGER IF EXISTS archive_work_families ON archive_work;
DROP FUNCTION IF EXISTS archive_tags_rewrangled();
DROP FUNCTION IF EXISTS archive_tag_links_changed();
DROP FUNCTION IF EXISTS archive_work_families();
DROP INDEX IF EXISTS archive_work_families_gin;
"""

# SQLite -------------------------------------------------------------------------------------
# SQLite's triggers cannot change the row being written, so the work's own trigger runs
# after the write and computes the families again; a trigger does not fire itself.

SQLITE_FAMILIES = """(
    SELECT json_group_array(family) FROM (
        SELECT DISTINCT coalesce(t.canonical_id, t.id) AS family
        FROM archive_taggedwork tw JOIN archive_tag t ON t.id = tw.tag_id
        WHERE tw.content_object_id = NEW.id
        ORDER BY family))"""

SQLITE_WARNINGS = """(
    SELECT json_group_array(warning) FROM (
        SELECT DISTINCT warning FROM archive_workwarning WHERE work_id = NEW.id
        ORDER BY warning))"""

SQLITE_CREATE = [
    f"""CREATE TRIGGER archive_work_warning_set_added AFTER INSERT ON archive_work BEGIN
        UPDATE archive_work SET warning_set = {SQLITE_WARNINGS} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER archive_work_warning_set AFTER UPDATE OF warning_set ON archive_work
    BEGIN
        UPDATE archive_work SET warning_set = {SQLITE_WARNINGS} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER archive_warnings_added AFTER INSERT ON archive_workwarning BEGIN
        UPDATE archive_work SET warning_set = warning_set WHERE id = NEW.work_id;
    END""",
    """CREATE TRIGGER archive_warnings_removed AFTER DELETE ON archive_workwarning BEGIN
        UPDATE archive_work SET warning_set = warning_set WHERE id = OLD.work_id;
    END""",
    """CREATE TRIGGER archive_warnings_changed AFTER UPDATE ON archive_workwarning BEGIN
        UPDATE archive_work SET warning_set = warning_set
        WHERE id IN (OLD.work_id, NEW.work_id);
    END""",
    f"""CREATE TRIGGER archive_work_families_added AFTER INSERT ON archive_work BEGIN
        UPDATE archive_work SET families = {SQLITE_FAMILIES} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER archive_work_families AFTER UPDATE OF families ON archive_work BEGIN
        UPDATE archive_work SET families = {SQLITE_FAMILIES} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER archive_tag_links_added AFTER INSERT ON archive_taggedwork BEGIN
        UPDATE archive_work SET families = families WHERE id = NEW.content_object_id;
    END""",
    """CREATE TRIGGER archive_tag_links_removed AFTER DELETE ON archive_taggedwork BEGIN
        UPDATE archive_work SET families = families WHERE id = OLD.content_object_id;
    END""",
    """CREATE TRIGGER archive_tag_links_moved AFTER UPDATE ON archive_taggedwork BEGIN
        UPDATE archive_work SET families = families
        WHERE id IN (OLD.content_object_id, NEW.content_object_id);
    END""",
    """CREATE TRIGGER archive_tags_rewrangled AFTER UPDATE OF canonical_id ON archive_tag
    WHEN OLD.canonical_id IS NOT NEW.canonical_id BEGIN
        UPDATE archive_work SET families = families
        WHERE id IN (SELECT content_object_id FROM archive_taggedwork WHERE tag_id = NEW.id);
    END""",
    "UPDATE archive_work SET families = families, warning_set = warning_set",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in [
        "archive_tags_rewrangled",
        "archive_tag_links_moved",
        "archive_tag_links_removed",
        "archive_tag_links_added",
        "archive_work_families",
        "archive_work_families_added",
        "archive_warnings_changed",
        "archive_warnings_removed",
        "archive_warnings_added",
        "archive_work_warning_set",
        "archive_work_warning_set_added",
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
        migrations.AddField(
            model_name="work",
            name="families",
            field=archive.fields.SetField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="work",
            name="warning_set",
            field=archive.fields.SetField(default=list, editable=False, of="text"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
