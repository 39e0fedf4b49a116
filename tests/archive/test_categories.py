"""Several categories per work, as AO3 allows: chosen with checkboxes, shown on blurbs and
work pages, filtered and counted exactly, imported as one or a list, and carried over from
the single category works had before."""

import datetime

import pytest
from django.urls import reverse

from archive.importing.importer import ImportRejected, import_text_file
from archive.models import Work
from archive.writing import posting
from tests.archive.test_importer import write_story
from tests.archive.test_posting_views import NEW_WORK, work_data
from tests.factories import make_work
from tests.migrating import migrate_forward, stepped_back

pytestmark = pytest.mark.django_db
INDEX = reverse("archive:work_list")
STORY = "Title: Two Lanterns\n\nThe first chapter.\n"


@pytest.fixture
def works(db):
    return {
        "both": make_work(title="Both Ways", categories=["f/f", "m/m"]),
        "gen": make_work(title="Just Gen", categories=["gen"]),
        "none": make_work(title="No Category", categories=[]),
        "mm": make_work(title="Only Boys", categories=["m/m"]),
    }


def listed(client, **query):
    response = client.get(INDEX, {**query, "sort": "title"})
    return {work.title for work in response.context["page"].object_list}, response


def test_a_filter_on_categories_lists_works_with_any_of_them(client, works):
    found, _ = listed(client, category=["f/f"])
    assert found == {"Both Ways"}
    found, _ = listed(client, category=["m/m", "gen"])
    assert found == {"Both Ways", "Just Gen", "Only Boys"}
    found, _ = listed(client, exclude_category=["f/f"])
    assert found == {"Just Gen", "No Category", "Only Boys"}


def test_facets_count_a_work_under_each_of_its_categories(client, works):
    _, response = listed(client, tag=[], category=["m/m", "f/f", "gen"])
    facets = response.context["facets"]
    assert {f["value"]: f["count"] for f in facets.categories} == {"f/f": 1, "m/m": 2, "gen": 1}
    assert facets.total == 3


def test_blurbs_and_the_work_page_show_every_category(client, works):
    page = client.get(INDEX).content.decode()
    assert page.count('class="badge category"') == 4
    work_page = client.get(works["both"].get_absolute_url()).content.decode()
    assert "F/F" in work_page and "M/M" in work_page


def test_the_form_takes_several_categories_or_none(client_for, creator):
    client = client_for(creator)
    assert 'type="checkbox" name="categories"' in client.get(NEW_WORK).content.decode()
    client.post(NEW_WORK, work_data(categories=["m/m", "f/m"]))
    work = Work.objects.get()
    assert work.categories == ["f/m", "m/m"] and work.category_labels == ["F/M", "M/M"]
    posting.update_work(work=work, categories=[])
    assert Work.objects.get().categories == []
    response = client.post(NEW_WORK, work_data(title="Odd", categories=["romance"]))
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ('category = "f/f"\n', ["f/f"]),
        ('category = ["gen", "multi"]\n', ["gen", "multi"]),
        ('categories = ["m/m", "f/m"]\n', ["f/m", "m/m"]),
    ],
)
def test_the_importer_takes_one_category_or_a_list(tmp_path, metadata, expected):
    toml = f'rating = "general"\nwarnings = ["no-warnings"]\n{metadata}'
    work = import_text_file(write_story(tmp_path, STORY, toml))
    assert work.categories == expected


def test_the_importer_refuses_an_unknown_category_in_a_list(tmp_path):
    toml = 'rating = "general"\nwarnings = ["no-warnings"]\ncategory = ["gen", "romance"]\n'
    with pytest.raises(ImportRejected, match="unknown category 'romance'"):
        import_text_file(write_story(tmp_path, STORY, toml))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_works_category():
    with stepped_back("archive", "0019_work_backdated") as old:
        Work = old.get_model("archive", "Work")
        day = datetime.date(2026, 1, 1)
        for category in ["f/f", "gen", "m/m", "other"]:
            Work.objects.create(
                title=category, rating="general", category=category, published=day, updated=day
            )
        Work = migrate_forward().get_model("archive", "Work")
        assert dict(Work.objects.values_list("title", "categories")) == {
            "f/f": ["f/f"],
            "gen": ["gen"],
            "m/m": ["m/m"],
            "other": ["other"],
        }
