"""Listing counts are cached under the archive's listing generation, and stay exact: every
change that can alter a count renews the generation in the database, whatever makes it."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExcludedTag
from archive.listing import search
from archive.models import Chapter, ListingGeneration, Tag, Work, WorkWarning
from archive.vocabulary import TagKind
from archive.writing import tags as wrangling
from tests.factories import make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")
A = TagKind.ADDITIONAL


def token():
    return ListingGeneration.objects.values_list("token", flat=True).first()


def counts(client, url=INDEX):
    """(shown, hidden) as the listing told the reader."""
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count, response.context["hidden_count"]


@pytest.fixture
def archive(reader_hide):
    """Three general works, one tagged "Unwanted" (which the reader excludes) and one
    "Wanted"; the reader also hides every rating and warning that asks for consent."""
    unwanted = Tag.objects.create(name="Unwanted", kind=A)
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    return {
        "plain": make_work(title="Plain"),
        "wanted": make_work(title="Wanted", tags=[("Wanted", A)]),
        "unwanted": make_work(title="Unwanted", tags=[("Unwanted", A)]),
        "tag": Tag.objects.get(name="Wanted"),
        "excluded": unwanted,
    }


def _save_rating(works):
    work = works["plain"]
    work.rating = "explicit"
    work.save()


def _raw_rating(works):
    table = Work._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET rating = 'explicit' WHERE id = %s", [works["plain"].pk])


CHANGES = {
    "rating by save": _save_rating,
    "rating by update": lambda works: Work.objects.filter(pk=works["plain"].pk).update(
        rating="mature"
    ),
    "rating by raw SQL": _raw_rating,
    "warning added": lambda works: WorkWarning.objects.create(
        work=works["plain"], warning="graphic-violence"
    ),
    "excluded tag added": lambda works: works["plain"].tags.add(works["excluded"]),
    "tag made a synonym of an excluded one": lambda works: wrangling.make_synonym(
        tag=works["tag"], canonical=works["excluded"]
    ),
    "hidden by staff": lambda works: Work.objects.filter(pk=works["plain"].pk).update(
        hidden_by_staff=True, hidden_at=timezone.now()
    ),
    "made a draft": lambda works: Work.objects.filter(pk=works["plain"].pk).update(is_posted=False),
    "deleted": lambda works: works["plain"].delete(),
    "posted": lambda works: make_work(title="New"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_cached_counts_follow_every_change(client_for, reader_hide, archive, change):
    client = client_for(reader_hide)
    before = counts(client)
    assert before == (2, 1)
    assert counts(client) == before  # now cached
    change(archive)
    after = counts(client)
    assert after != before
    cache.clear()
    assert counts(client) == after  # what counting afresh says


def test_counters_leave_the_generation_alone(archive):
    before = token()
    works = Work.objects.filter(pk=archive["plain"].pk)
    works.update(hits=F("hits") + 5)
    works.update(kudos_count=F("kudos_count") + 1, public_bookmark_count=3, comment_count=2)
    Work.objects.filter(pk__in=[w.pk for w in Work.objects.all()]).update(families=F("families"))
    assert token() == before


def test_chapter_text_tags_and_usernames_renew_the_generation(archive, creator):
    chapter = Chapter.objects.filter(work=archive["plain"]).first()
    changes = [
        lambda: Chapter.objects.filter(pk=chapter.pk).update(body="<p>Other words.</p>"),
        lambda: Tag.objects.filter(pk=archive["tag"].pk).update(name="Renamed"),
        lambda: Tag.objects.create(name="Brand new", kind=A),
        lambda: type(creator).objects.filter(pk=creator.pk).update(username="renamed"),
    ]
    for change in changes:
        before = token()
        change()
        assert token() != before


def test_a_rolled_back_change_never_hands_its_generation_on(archive):
    before = token()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_work(title="Never posted")
        assert token() != before
        raise RuntimeError
    assert token() == before


def test_each_reader_counts_their_own_drafts_and_guests_do_not(client_for, creator):
    make_work(title="Posted")
    make_work(title="Draft", creator=creator, is_posted=False)
    guest = client_for(None)
    assert counts(guest) == (1, 0)
    assert counts(client_for(creator)) == (2, 0)
    assert counts(client_for(None)) == (1, 0)


def test_readers_with_other_exclusions_get_their_own_counts(client_for, reader_hide, archive):
    assert counts(client_for(reader_hide)) == (2, 1)
    assert counts(client_for(None)) == (3, 0)
    ExcludedTag.objects.filter(reader=reader_hide).delete()
    assert counts(client_for(reader_hide)) == (3, 0)


def test_muting_a_creator_changes_the_counts_at_once(client_for, reader_hide, creator):
    make_work(title="Theirs", creator=creator)
    client = client_for(reader_hide)
    assert counts(client) == (1, 0)
    client.post(reverse("accounts:relation", args=[creator.username]), {"action": "mute"})
    assert counts(client) == (0, 1)


def test_tag_page_facets_follow_a_tag_rename(client, archive):
    make_work(title="Both", tags=[("Wanted", A), ("Extra", A)])
    url = reverse("archive:tag_detail", args=[archive["tag"].slug])
    assert "Extra" in client.get(url).content.decode()
    Tag.objects.filter(name="Extra").update(name="Renamed extra")
    assert "Renamed extra" in client.get(url).content.decode()


def test_search_counts_follow_an_edited_chapter(client, archive):
    url = reverse("archive:search") + "?q=zeppelin"
    assert counts(client, url) == (0, 0)
    chapter = Chapter.objects.filter(work=archive["plain"]).first()
    chapter.body = "<p>A zeppelin rose.</p>"
    chapter.save()
    search.update_search_documents([archive["plain"].pk])
    assert counts(client, url) == (1, 0)


def test_without_the_generation_row_listings_count_every_time(client_for, reader_hide, archive):
    ListingGeneration.objects.all().delete()
    client = client_for(reader_hide)
    assert counts(client) == (2, 1)
    Work.objects.filter(pk=archive["plain"].pk).update(rating="explicit")
    assert counts(client) == (1, 2)
    assert token() is not None  # the change wrote the row again


def test_counted_listings_query_less_once_cached(
    client_for, reader_hide, archive, django_assert_num_queries
):
    client = client_for(reader_hide)
    tag_page = reverse("archive:tag_detail", args=[archive["tag"].slug])
    search_page = reverse("archive:search") + "?q=summary"
    for url in [INDEX, tag_page, search_page, INDEX + "?rating=general"]:
        client.get(url)
    # session, reader, standing choices, excluded tags, muted people, generation, works,
    # tags, warnings: no count
    with django_assert_num_queries(9):
        client.get(INDEX)
    # the same and the tag, its synonyms: no facets, no hidden count
    with django_assert_num_queries(11):
        client.get(tag_page)
    # the same as the index, the page's ids (ranked, uncounted), the chapters that give the
    # snippets, and the matching series
    with django_assert_num_queries(12):
        client.get(search_page)
    with django_assert_num_queries(9):
        client.get(INDEX + "?rating=general")


def test_the_generation_is_one_row():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        ListingGeneration.objects.create(pk=2, token="x")


def test_dates_used_by_filters_renew_the_generation(archive):
    before = token()
    Work.objects.filter(pk=archive["plain"].pk).update(updated=datetime.date(2026, 6, 1))
    assert token() != before


def test_every_listing_trigger_exists_after_all_migrations():
    # On SQLite, a migration that rebuilds one of the watched tables drops its triggers.
    from importlib import import_module

    migration = import_module("archive.migrations.0012_listing_generation")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = set(re.findall(r"CREATE TRIGGER (\w+)", migration.POSTGRES_CREATE))
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = set(migration.SQLITE_TRIGGERS)
        found = {name for (name,) in cursor.fetchall()}
    assert expected and found >= expected
