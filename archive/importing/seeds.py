"""The five seed works: imported from their texts, shipped as a fixture."""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from archive.importing.importer import import_text_file
from archive.models import Chapter, Tag, TaggedWork, Work, WorkWarning

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seeds"
FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "seed_works.json"

# Models in the fixture, in load order, and which fields point at which of them.
FIXTURE_MODELS = [Tag, Work, WorkWarning, Chapter, TaggedWork]
FOREIGN_KEYS = {
    "archive.tag": {"canonical": "archive.tag"},
    "archive.workwarning": {"work": "archive.work"},
    "archive.chapter": {"work": "archive.work"},
    "archive.taggedwork": {"content_object": "archive.work", "tag": "archive.tag"},
}


def seed_paths():
    return sorted(SEED_DIR.glob("*.txt"))


def import_seeds():
    return [import_text_file(path) for path in seed_paths()]


class _Rollback(Exception):
    pass


DERIVED_FIELDS = {"archive.work": ("families", "warning_set")}


def build_fixture():
    """Import the seed texts in a transaction that is rolled back, and return them as
    fixture JSON with primary keys numbered from 1, so the result does not depend on
    which database made it or what it held."""
    records = []
    try:
        with transaction.atomic():
            works = import_seeds()
            for model in FIXTURE_MODELS:
                objects = _seed_objects(model, works)
                records.extend(serializers.serialize("python", objects))
            for record in records:
                # load_seed_works computes these from the rows the fixture loads
                # (recompute_derived); they hold ids of the database that built the fixture.
                for field in DERIVED_FIELDS.get(record["model"], ()):
                    record["fields"].pop(field, None)
            raise _Rollback
    except _Rollback:
        pass
    _renumber(records)
    return json.dumps(records, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"


def _seed_objects(model, works):
    if model is Work:
        queryset = Work.objects.filter(pk__in=[work.pk for work in works])
    elif model is Tag:
        # By name, not primary key: the seeds may reuse tags the database already had.
        return (
            Tag.objects.filter(tagged_works__content_object__in=works).distinct().order_by("name")
        )
    elif model is TaggedWork:
        queryset = TaggedWork.objects.filter(content_object__in=works)
    else:
        queryset = model.objects.filter(work__in=works)
    return queryset.order_by("pk")


def _renumber(records):
    new_pks = {}
    for record in records:
        numbering = new_pks.setdefault(record["model"], {})
        numbering[record["pk"]] = len(numbering) + 1
        record["pk"] = numbering[record["pk"]]
    for record in records:
        for field, target in FOREIGN_KEYS.get(record["model"], {}).items():
            old = record["fields"][field]
            record["fields"][field] = None if old is None else new_pks[target][old]
