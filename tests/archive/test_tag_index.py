"""Work.families and Work.warning_set: the database keeps them right whatever changes a work's
tags or warnings."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from archive.models import Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import TagKind
from archive.writing import tags as wrangling
from tests.factories import make_work

pytestmark = pytest.mark.django_db

A = TagKind.ADDITIONAL


def families(work):
    return Work.objects.values_list("families", flat=True).get(pk=work.pk)


def tag(name, kind=A, **fields):
    return Tag.objects.create(name=name, kind=kind, **fields)


TRIGGERS = {
    "archive_work_families",
    "archive_tag_links_added",
    "archive_tag_links_removed",
    "archive_tag_links_moved",
    "archive_tags_rewrangled",
    "archive_work_warning_set",
    "archive_warnings_added",
    "archive_warnings_removed",
    "archive_warnings_changed",
}


def test_every_families_trigger_exists_after_all_migrations():
    # On SQLite, a migration that rebuilds archive_work, archive_taggedwork or archive_tag
    # (most field changes do) drops their triggers; such a migration must create them again.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        found = {name for (name,) in cursor.fetchall()}
    assert found >= TRIGGERS


def test_a_new_work_has_no_families():
    work = make_work()
    assert families(work) == []


def test_adding_and_removing_tags_rewrites_the_families():
    work = make_work()
    angst, fluff = tag("Angst"), tag("Fluff")
    work.tags.add(angst, fluff)
    assert families(work) == sorted([angst.pk, fluff.pk])
    work.tags.remove(angst)
    assert families(work) == [fluff.pk]
    work.tags.set([angst])
    assert families(work) == [angst.pk]
    work.tags.clear()
    assert families(work) == []


def test_a_synonym_counts_as_its_canonical_tag():
    canonical = tag("Hurt/Comfort")
    synonym = tag("h/c", canonical=canonical)
    work = make_work()
    work.tags.add(synonym)
    assert families(work) == [canonical.pk]
    work.tags.add(canonical)
    assert families(work) == [canonical.pk]  # one family, however many of its tags


def test_wrangling_a_tag_rewrites_the_families_of_its_works():
    canonical, stray = tag("Hurt/Comfort"), tag("hurt comfort")
    work = make_work()
    work.tags.add(stray)
    wrangling.make_synonym(tag=stray, canonical=canonical)
    assert families(work) == [canonical.pk]
    stray.refresh_from_db()
    stray.canonical = None
    stray.save()
    assert families(work) == [stray.pk]


def test_merging_moves_works_to_the_target_family():
    source, target = tag("Slow Burn"), tag("Slow burn romance")
    both, only_source = make_work(), make_work()
    both.tags.add(source, target)
    only_source.tags.add(source)
    wrangling.merge_tags(source=source, target=target)
    assert families(both) == [target.pk]
    assert families(only_source) == [target.pk]
    assert not TaggedWork.objects.filter(tag=source).exists()


def test_deleting_a_canonical_tag_gives_its_synonyms_families_of_their_own():
    canonical = tag("Fluff")
    synonym = tag("fluffy", canonical=canonical)
    tagged_canonical, tagged_synonym = make_work(), make_work()
    tagged_canonical.tags.add(canonical)
    tagged_synonym.tags.add(synonym)
    canonical.delete()
    assert families(tagged_canonical) == []
    assert families(tagged_synonym) == [synonym.pk]


def test_bulk_tag_links_are_indexed_too():
    works = [make_work() for _ in range(3)]
    angst = tag("Angst")
    TaggedWork.objects.bulk_create(TaggedWork(tag=angst, content_object=work) for work in works)
    assert [families(work) for work in works] == [[angst.pk]] * 3


def test_a_saved_work_keeps_the_families_its_links_give():
    work = make_work(tags=[("Angst", A)])
    angst = Tag.objects.get(name="Angst")
    work.families = [12345]  # stale, or made up: the database puts back the truth
    work.save()
    assert families(work) == [angst.pk]
    Work.objects.filter(pk=work.pk).update(families=[1, 2, 3])
    assert families(work) == [angst.pk]


def test_deleting_a_tagged_work_works():
    work = make_work(tags=[("Angst", A)])
    work.delete()
    assert not Work.objects.exists()


def test_families_survive_a_dumpdata_loaddata_round_trip(tmp_path):
    canonical = tag("Hurt/Comfort")
    work = make_work()
    work.tags.add(tag("h/c", canonical=canonical), tag("Angst"))
    before = families(work)
    dump = tmp_path / "archive.json"
    call_command("dumpdata", "archive", "accounts", output=str(dump), verbosity=0)
    Work.objects.all().delete()
    Tag.objects.all().delete()
    call_command("loaddata", str(dump), stdout=io.StringIO())
    assert families(Work.objects.get(pk=work.pk)) == before


def warning_set(work):
    return Work.objects.values_list("warning_set", flat=True).get(pk=work.pk)


def test_a_works_warnings_are_kept_on_its_row():
    work = make_work(warnings=["non-con", "graphic-violence"])
    assert warning_set(work) == ["graphic-violence", "non-con"]
    WorkWarning.objects.filter(work=work, warning="non-con").delete()
    assert warning_set(work) == ["graphic-violence"]
    WorkWarning.objects.filter(work=work).update(warning="major-character-death")
    assert warning_set(work) == ["major-character-death"]
    work.warning_set = ["no-warnings"]  # whatever is written, the rows decide
    work.save()
    assert warning_set(work) == ["major-character-death"]
