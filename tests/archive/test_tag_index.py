"""Work.families and Work.warning_set: every function that writes a work's tags, warnings or
its tags' synonyms keeps them exact (archive.writing.derived), and `recompute_derived`
repairs what raw loads leave."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from archive.importing import seeds
from archive.importing.importer import import_text_file
from archive.models import Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import TagKind
from archive.writing import posting
from archive.writing import tags as wrangling
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

A = TagKind.ADDITIONAL


def families(work):
    return Work.objects.values_list("families", flat=True).get(pk=work.pk)


def warning_set(work):
    return Work.objects.values_list("warning_set", flat=True).get(pk=work.pk)


def recounted(work):
    """The work's families and warnings counted from its rows, as a listing would join them."""
    links = TaggedWork.objects.filter(content_object=work).select_related("tag")
    return (
        sorted({link.tag.canonical_id or link.tag_id for link in links}),
        sorted(set(WorkWarning.objects.filter(work=work).values_list("warning", flat=True))),
    )


def exact(work):
    return (families(work), warning_set(work)) == recounted(work)


def tag(name, kind=A, **fields):
    return Tag.objects.create(name=name, kind=kind, **fields)


def test_no_trigger_is_left_after_all_migrations():
    # Migration 0014 drops those of 0007 and 0012: a table SQLite rebuilds keeps no trigger
    # that could break, and no rule of the archive hides in a migration's SQL.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert cursor.fetchall() == []


def test_a_new_work_without_tags_has_no_families():
    work = make_work(warnings=["graphic-violence"])
    assert families(work) == []
    assert warning_set(work) == ["graphic-violence"]


def test_posting_and_editing_rewrite_the_families_and_warnings(creator):
    work = posting.create_work(
        creator=creator,
        title="Tides",
        rating="teen",
        warnings=["non-con", "graphic-violence"],
        fandoms=["Harbour Tales"],
        additional_tags=["Angst", "Fluff"],
    )
    harbour, angst, fluff = (Tag.objects.get(name=n) for n in ["Harbour Tales", "Angst", "Fluff"])
    assert families(work) == sorted([harbour.pk, angst.pk, fluff.pk])
    assert warning_set(work) == ["graphic-violence", "non-con"]

    posting.update_work(work=work, additional_tags=["Fluff"], warnings=["no-warnings"])
    assert families(work) == sorted([harbour.pk, fluff.pk])
    assert warning_set(work) == ["no-warnings"]

    posting.update_work(work=work, fandoms=[], additional_tags=[])
    assert families(work) == []


def test_a_synonym_counts_as_its_canonical_tag():
    canonical = tag("Hurt/Comfort")
    tag("h/c", canonical=canonical)
    work = make_work(tags=[("h/c", A)])
    assert families(work) == [canonical.pk]
    both = make_work(tags=[("h/c", A), ("Hurt/Comfort", A)])
    assert families(both) == [canonical.pk]  # one family, however many of its tags


def test_wrangling_a_tag_rewrites_the_families_of_its_works():
    canonical = tag("Hurt/Comfort")
    work = make_work(tags=[("hurt comfort", A)])
    stray = Tag.objects.get(name="hurt comfort")
    wrangling.make_synonym(tag=stray, canonical=canonical)
    assert families(work) == [canonical.pk]


def test_merging_moves_works_to_the_target_family():
    source, target = tag("Slow Burn"), tag("Slow burn romance")
    synonym = tag("slowburn", canonical=source)
    both = make_work(tags=[("Slow Burn", A), ("Slow burn romance", A)])
    only_source = make_work(tags=[("Slow Burn", A)])
    only_synonym = make_work(tags=[("slowburn", A)])
    wrangling.merge_tags(source=source, target=target)
    for work in [both, only_source, only_synonym]:
        assert families(work) == [target.pk]
    synonym.refresh_from_db()
    assert synonym.canonical == target


def test_importing_a_work_gives_it_exact_families(tmp_path):
    text = tmp_path / "work.txt"
    text.write_text("It was a quiet harbour at night.\n")
    (tmp_path / "work.toml").write_text(
        'title = "Lanterns"\nrating = "teen"\nwarnings = ["no-warnings"]\n'
        'fandoms = ["Harbour Tales"]\nadditional_tags = ["Angst"]\n'
    )
    work = import_text_file(text)
    assert len(families(work)) == 2
    assert exact(work)


def test_the_seed_works_load_with_exact_families(db):
    call_command("load_seed_works", verbosity=0)
    works = list(Work.objects.all())
    assert len(works) == len(seeds.seed_paths())
    assert all(families(work) for work in works)
    assert all(exact(work) for work in works)


# Staff in the admin


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_reader("boss", is_staff=True, is_superuser=True))
    return client


def admin_url(model, view, pk):
    return reverse(f"admin:archive_{model._meta.model_name}_{view}", args=[pk])


def test_clearing_a_canonical_in_the_admin_gives_the_tag_its_own_family(staff_client):
    canonical = tag("Hurt/Comfort")
    stray = tag("h/c", canonical=canonical)
    work = make_work(tags=[("h/c", A)])
    form = {"name": stray.name, "slug": stray.slug, "kind": stray.kind, "canonical": ""}
    assert staff_client.post(admin_url(Tag, "change", stray.pk), form).status_code == 302
    assert families(work) == [stray.pk]


def test_deleting_a_canonical_tag_in_the_admin_gives_its_synonyms_their_own(staff_client):
    canonical = tag("Fluff")
    synonym = tag("fluffy", canonical=canonical)
    tagged_canonical = make_work(tags=[("Fluff", A)])
    tagged_synonym = make_work(tags=[("fluffy", A)])
    url = admin_url(Tag, "delete", canonical.pk)
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert families(tagged_canonical) == []
    assert families(tagged_synonym) == [synonym.pk]


def test_editing_a_works_tags_and_warnings_in_the_admin(staff_client):
    work = make_work(warnings=["no-warnings"], tags=[("Angst", A)])
    angst, fluff = Tag.objects.get(name="Angst"), tag("Fluff")
    chapters = list(work.chapters.all())
    form = {
        "title": work.title,
        "creator_name": work.creator_name,
        "summary": work.summary,
        "rating": work.rating,
        "categories": work.categories,
        "language": work.language,
        "published": work.published.isoformat(),
        "updated": work.updated.isoformat(),
        "is_posted": "on",
        "warnings-TOTAL_FORMS": "1",
        "warnings-INITIAL_FORMS": "1",
        "warnings-0-id": work.warnings.get().pk,
        "warnings-0-work": work.pk,
        "warnings-0-warning": "major-character-death",
        "tagged-TOTAL_FORMS": "2",
        "tagged-INITIAL_FORMS": "1",
        "tagged-0-id": TaggedWork.objects.get(content_object=work).pk,
        "tagged-0-content_object": work.pk,
        "tagged-0-tag": angst.pk,
        "tagged-1-content_object": work.pk,
        "tagged-1-tag": fluff.pk,
        "chapters-TOTAL_FORMS": str(len(chapters)),
        "chapters-INITIAL_FORMS": str(len(chapters)),
    }
    for n, chapter in enumerate(chapters):
        form |= {
            f"chapters-{n}-{field}": getattr(chapter, field)
            for field in ["id", "position", "title", "body"]
        }
        form |= {f"chapters-{n}-work": work.pk, f"chapters-{n}-published": "2026-01-01"}
    response = staff_client.post(admin_url(Work, "change", work.pk), form)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert families(work) == sorted([angst.pk, fluff.pk])
    assert warning_set(work) == ["major-character-death"]


# Raw loads and the recompute_derived command


def recompute(*options):
    out = io.StringIO()
    call_command("recompute_derived", *options, stdout=out, stderr=io.StringIO(), verbosity=1)
    return out.getvalue()


def test_recompute_derived_repairs_what_raw_writes_left(db):
    works = [make_work(warnings=["no-warnings"]) for _ in range(3)]
    angst = tag("Angst")
    TaggedWork.objects.bulk_create(TaggedWork(tag=angst, content_object=work) for work in works)
    WorkWarning.objects.filter(work=works[0]).update(warning="non-con")
    Work.objects.filter(pk=works[1].pk).update(families=[12345], warning_set=["made-up"])
    assert not any(exact(work) for work in works)

    assert "3 of 3 works would change." in recompute("--dry-run")
    assert not any(exact(work) for work in works)  # a dry run writes nothing

    assert "3 of 3 works changed." in recompute("--batch-size", "2")
    assert [families(work) for work in works] == [[angst.pk]] * 3
    assert warning_set(works[0]) == ["non-con"]
    assert warning_set(works[1]) == ["no-warnings"]
    assert "0 of 3 works changed." in recompute()


def test_families_survive_a_dumpdata_loaddata_round_trip(tmp_path):
    canonical = tag("Hurt/Comfort")
    tag("h/c", canonical=canonical)
    work = make_work(tags=[("h/c", A), ("Angst", A)])
    before = families(work)
    dump = tmp_path / "archive.json"
    call_command("dumpdata", "archive", "accounts", output=str(dump), verbosity=0)
    Work.objects.all().delete()
    Tag.objects.all().delete()
    call_command("loaddata", str(dump), stdout=io.StringIO())
    assert families(Work.objects.get(pk=work.pk)) == before
    assert "0 of 1 works would change." in recompute("--dry-run")


def test_deleting_a_tagged_work_works():
    work = make_work(tags=[("Angst", A)])
    posting.delete_work(work=work)
    assert not Work.objects.exists()
