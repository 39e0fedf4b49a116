"""A routine change to a model migrates with the migration Django writes for it, on SQLite
(which copies the table into a new one) and on PostgreSQL, and every listing count, facet,
family and warning set is as exact afterwards as before."""

import dataclasses
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from archive.models import Tag, TaggedWork, Work
from archive.vocabulary import TagKind
from archive.writing import tags as wrangling
from tests.factories import make_work
from tests.live_servers import live_database

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Edits to models.py as they come, one per model listings are derived from: (model, field,
# what changes). SQLite remakes the table for each.
CHANGES = [
    ("Work", "language", {"max_length": 35}),
    ("Tag", "name", {"max_length": 150}),
    ("TaggedWork", "tag", {"db_index": False}),
    ("WorkWarning", "warning", {"max_length": 40}),
]

MIGRATE = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from tests.archive.test_schema_changes import CHANGES, apply_as_makemigrations_would, listings

setup_test_environment()
steps = [apply_as_makemigrations_would(*change) for change in CHANGES]
print(json.dumps({"steps": steps, "listings": listings(Client())}))
"""


def apply_as_makemigrations_would(model_name, field_name, changes):
    """Change a field of an archive model, and apply the migration `makemigrations` writes for
    it: the autodetector's, from the migrations so far to the models as they are now."""
    from django.apps import apps
    from django.core.cache import cache
    from django.db import connection
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ProjectState

    field = apps.get_model("archive", model_name)._meta.get_field(field_name)
    for name, value in changes.items():
        setattr(field, name, value)
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state()
    for done in _applied:  # this process's earlier changes, which no file records
        state = done.mutate_state(state)
    written = MigrationAutodetector(
        state, ProjectState.from_apps(apps), NonInteractiveMigrationQuestioner()
    ).changes(graph=executor.loader.graph)
    (migration,) = written["archive"]
    executor.apply_migration(state, migration)
    _applied.append(migration)
    cache.clear()  # counts cached before the change must not stand in for counting
    return {"operations": [op.describe() for op in migration.operations], "works": derived()}


_applied = []


def listings(client):
    """What a guest's listings say (totals and facets: the index, tag pages, the index with
    a tag, without a tag and with a warning) and each work's families and warnings, as JSON."""
    index = reverse("archive:work_list")
    pages = {
        "index": index,
        "with a fandom": f"{index}?{urlencode({'tag': 'Harbour Tales'})}",
        "without a family": f"{index}?{urlencode({'exclude_tag': 'angsty'})}",
        "with a warning": f"{index}?warning=graphic-violence",
    }
    for tag in Tag.objects.filter(name__in=["Angst", "angsty", "h/c"]):
        pages[f"page of {tag.name}"] = tag.get_absolute_url()
    said = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        facets = response.context["facets"]
        said[name] = {
            "total": response.context["page"].paginator.count,
            "facets": dataclasses.asdict(facets) if facets else None,
        }
    return json.loads(json.dumps(said | {"works": derived()}))


def derived():
    """Each work's families and warning set, by id."""
    works = Work.objects.order_by("pk").values_list("pk", "families", "warning_set")
    return {str(pk): [families, warnings] for pk, families, warnings in works}


def recounted_tag_page(tag):
    """The works a tag's page lists, counted from the tag links themselves."""
    family = Tag.objects.family_of([tag])
    tagged = TaggedWork.objects.filter(tag__in=family).values("content_object")
    return Work.objects.posted().filter(pk__in=tagged).count()


def test_routine_field_changes_migrate_and_keep_every_count(client, tmp_path, django_db_blocker):
    a, f = TagKind.ADDITIONAL, TagKind.FANDOM
    make_work(tags=[("Harbour Tales", f), ("Angst", a)], warnings=["graphic-violence"])
    make_work(tags=[("Harbour Tales", f), ("angsty", a)], warnings=["non-con", "graphic-violence"])
    make_work(tags=[("Hill Tales", f), ("Fluff", a)], rating="mature")
    make_work(tags=[("Hill Tales", f), ("h/c", a)], is_posted=False)
    wrangling.make_synonym(
        tag=Tag.objects.get(name="angsty"), canonical=Tag.objects.get(name="Angst")
    )
    before = listings(client)
    for tag in Tag.objects.filter(name__in=["Angst", "angsty", "h/c"]):
        assert before[f"page of {tag.name}"]["total"] == recounted_tag_page(tag), tag.name
    assert before["page of angsty"]["total"] == before["page of Angst"]["total"] == 2
    totals = [before[page]["total"] for page in ["index", "with a fandom", "without a family"]]
    assert totals == [3, 2, 1]
    warnings = before["with a warning"]["facets"]["warnings"]
    assert {facet["value"]: facet["count"] for facet in warnings} == {
        "graphic-violence": 2,
        "non-con": 1,
    }

    database = live_database("fieldchanges", tmp_path, django_db_blocker)
    try:
        after = database.run(MIGRATE)
    finally:
        database.drop()

    for step, (model, field, _) in zip(after["steps"], CHANGES, strict=True):
        assert step["operations"] == [f"Alter field {field} on {model.lower()}"], step
        assert step["works"] == before["works"], model
    assert after["listings"] == before
