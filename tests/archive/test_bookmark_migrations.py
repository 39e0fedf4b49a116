"""Migrations 0015 and 0016 on the bookmarks already made: 0015 names each bookmark's work on
the bookmark, 0016 merges bookmark tags differing only in case. On SQLite and PostgreSQL."""

import datetime

import pytest

from tests.migrating import migrate_forward, stepped_back

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def migrated_back():
    """The apps as they were before 0015."""
    with stepped_back("archive", "0014_drop_derived_data_triggers") as apps:
        yield apps


def test_bookmarks_are_named_and_case_duplicates_merged(migrated_back):
    old = migrated_back
    reader = old.get_model("accounts", "Reader").objects.create(username="keeper")
    creator = old.get_model("accounts", "Reader").objects.create(username="maker")
    Work = old.get_model("archive", "Work")
    day = datetime.date(2026, 1, 1)
    works = [
        Work.objects.create(
            title="By Maker", creator=creator, rating="general", published=day, updated=day
        ),
        Work.objects.create(
            title="Imported", creator_name="Someone", rating="general", published=day, updated=day
        ),
    ]
    Bookmark = old.get_model("archive", "Bookmark")
    both, other = (Bookmark.objects.create(reader=reader, work=work) for work in works)
    BookmarkTag = old.get_model("archive", "BookmarkTag")
    tags = [
        BookmarkTag.objects.create(name=name, slug=name.lower() + str(n))
        for n, name in enumerate(["Fluff", "fluff", "FLUFF", "Angst"])
    ]
    TaggedBookmark = old.get_model("archive", "TaggedBookmark")
    links = [(both, tags[0]), (both, tags[1]), (both, tags[2]), (other, tags[2]), (other, tags[3])]
    for bookmark, tag in links:
        TaggedBookmark.objects.create(content_object=bookmark, tag=tag)

    new = migrate_forward()

    Bookmark = new.get_model("archive", "Bookmark")
    named = {b.pk: (b.work_title, b.work_creator) for b in Bookmark.objects.all()}
    assert named == {both.pk: ("By Maker", "maker"), other.pk: ("Imported", "Someone")}
    BookmarkTag = new.get_model("archive", "BookmarkTag")
    assert list(BookmarkTag.objects.order_by("pk").values_list("name", "slug")) == [
        ("Fluff", "fluff0"),  # the oldest spelling, and its slug, stay
        ("Angst", "angst3"),
    ]
    TaggedBookmark = new.get_model("archive", "TaggedBookmark")
    tagged = sorted(TaggedBookmark.objects.values_list("content_object_id", "tag__name"))
    assert tagged == [(both.pk, "Fluff"), (other.pk, "Angst"), (other.pk, "Fluff")]
