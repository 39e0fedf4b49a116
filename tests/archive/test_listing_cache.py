"""Listing counts are cached under the archive's listing generation: every function that
changes what a count can see renews the generation in its transaction
(archive.writing.derived), and `recompute_derived` does after raw SQL or loads. The first
request after a change serves the figures from before it, said to be late, and has them
counted again (tests/archive/test_listing_counts_late.py); here jobs run where they are
enqueued, so the next request has the exact figures."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import account
from accounts.models import ExcludedTag
from archive.models import Chapter, ListingGeneration, Tag, Work
from archive.reading import bookmarks, kudos
from archive.vocabulary import TagKind
from archive.writing import posting
from archive.writing import tags as wrangling
from conversation import comments
from tests.factories import make_reader, make_work

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


def counts_after_a_change(client, url=INDEX):
    """(shown, hidden) once the listing is counted again: the first request after a change
    is late and asks for the recount, which runs at once in tests."""
    assert client.get(url).context["page"].paginator.late
    return counts(client, url)


@pytest.fixture
def archive(reader_hide):
    """Three general works, one tagged "Unwanted" (which the reader excludes) and one
    "Wanted", and a draft; the reader also hides every rating and warning that asks for
    consent."""
    unwanted = Tag.objects.create(name="Unwanted", kind=A)
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    return {
        "draft": make_work(title="Draft", is_posted=False),
        "plain": make_work(title="Plain"),
        "wanted": make_work(title="Wanted", tags=[("Wanted", A)]),
        "unwanted": make_work(title="Unwanted", tags=[("Unwanted", A)]),
        "tag": Tag.objects.get(name="Wanted"),
        "excluded": unwanted,
    }


def _add_warning(works):
    posting.update_work(work=works["plain"], warnings=["no-warnings", "graphic-violence"])


CHANGES = {
    "rating edited": lambda works: posting.update_work(work=works["plain"], rating="explicit"),
    "warning added": _add_warning,
    "excluded tag added": lambda works: posting.update_work(
        work=works["plain"], additional_tags=["Unwanted"]
    ),
    "tag made a synonym of an excluded one": lambda works: wrangling.make_synonym(
        tag=works["tag"], canonical=works["excluded"]
    ),
    "hidden by staff": lambda works: posting.hide_work(work=works["plain"], by=None),
    "deleted": lambda works: posting.delete_work(work=works["plain"]),
    "posted": lambda works: make_work(title="New"),
    "draft posted": lambda works: posting.post_work(work=works["draft"]),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_cached_counts_follow_every_change(client_for, reader_hide, archive, change):
    client = client_for(reader_hide)
    before = counts(client)
    assert before == (2, 1)
    assert counts(client) == before  # now cached
    change(archive)
    assert counts(client) == before  # late, and counted again
    after = counts(client)
    assert after != before
    cache.clear()
    assert counts(client) == after  # what counting afresh says


def test_counters_leave_the_generation_alone(client_for, reader_ask, archive, creator):
    work = archive["plain"]
    before = token()
    client_for(None).get(reverse("archive:work_detail", args=[work.pk]))  # a hit
    kudos.give_kudos(work=work, reader=reader_ask)
    bookmarks.save_bookmark(reader=reader_ask, work=work, notes="Again.")
    comments.post_comment(work=work, body="<p>Lovely.</p>", author=reader_ask)
    counters = ["hits", "kudos_count", "public_bookmark_count", "comment_count"]
    assert list(Work.objects.values_list(*counters).get(pk=work.pk)) == [1, 1, 1, 1]
    assert token() == before


def test_chapters_edits_wrangling_and_orphaning_renew_the_generation(archive, creator):
    work = archive["plain"]
    first, second = work.chapters.order_by("position")
    make_work(title="Theirs", creator=creator)
    changes = {
        "chapter text": lambda: posting.update_chapter(chapter=first, body="<p>Other.</p>"),
        "chapter added": lambda: posting.add_chapter(work=work, body="<p>More words.</p>"),
        "chapter moved": lambda: posting.move_chapter(chapter=first, direction="down"),
        "chapter deleted": lambda: posting.delete_chapter(chapter=second),
        "title": lambda: posting.update_work(work=work, title="Renamed"),
        "hidden": lambda: posting.hide_work(work=work, by=None),
        "unhidden": lambda: posting.unhide_work(work=work),
        "tags merged": lambda: wrangling.merge_tags(
            source=archive["tag"], target=archive["excluded"]
        ),
        "creator's account deleted": lambda: account.delete_account(reader=creator),
    }
    for name, change in changes.items():
        before = token()
        change()
        assert token() != before, name


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_reader("boss", is_staff=True, is_superuser=True))
    return client


def test_staff_changes_in_the_admin_renew_the_generation(staff_client, archive, creator):
    def admin_url(model, view, *args):
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)

    make_work(title="Theirs", creator=creator)  # deleting them orphans it
    tag = archive["tag"]
    tag_form = {"name": "Renamed", "slug": tag.slug, "kind": tag.kind, "canonical": ""}
    reader_form = {"username": "renamed", "date_joined_0": "2026-01-01", "date_joined_1": "10:00"}
    changes = [
        lambda: staff_client.post(admin_url(Tag, "change", tag.pk), tag_form),
        lambda: staff_client.post(
            admin_url(Tag, "add"), {**tag_form, "name": "New", "slug": "new"}
        ),
        lambda: staff_client.post(admin_url(Tag, "delete", tag.pk), {"post": "yes"}),
        lambda: staff_client.post(admin_url(type(creator), "change", creator.pk), reader_form),
        lambda: staff_client.post(admin_url(Work, "delete", archive["plain"].pk), {"post": "yes"}),
        lambda: staff_client.post(admin_url(type(creator), "delete", creator.pk), {"post": "yes"}),
    ]
    for number, change in enumerate(changes):
        before = token()
        assert change().status_code == 302, number
        assert token() != before, number


def test_a_rolled_back_change_never_hands_its_generation_on(archive):
    before = token()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_work(title="Never posted")
        assert token() != before
        raise RuntimeError
    assert token() == before


def test_counts_follow_raw_sql_once_recomputed(client_for, reader_hide, archive):
    client = client_for(reader_hide)
    assert counts(client) == (2, 1)
    with connection.cursor() as cursor:
        table = Work._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET rating = 'explicit' WHERE id = %s", [archive["plain"].pk]
        )
    assert counts(client) == (2, 1)  # SQL goes around the archive's functions
    call_command("recompute_derived", "--dry-run", verbosity=0, stdout=io.StringIO())
    assert counts(client) == (2, 1)
    call_command("recompute_derived", verbosity=0, stdout=io.StringIO())
    assert counts_after_a_change(client) == (1, 2)


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


def test_tag_page_facets_follow_a_tag_rename(client, staff_client, archive):
    make_work(title="Both", tags=[("Wanted", A), ("Extra", A)])
    url = reverse("archive:tag_detail", args=[archive["tag"].slug])
    assert "Extra" in client.get(url).content.decode()
    extra = Tag.objects.get(name="Extra")
    form = {"name": "Renamed extra", "slug": extra.slug, "kind": extra.kind, "canonical": ""}
    staff_client.post(reverse("admin:archive_tag_change", args=[extra.pk]), form)
    assert client.get(url).context["page"].paginator.late
    assert "Renamed extra" in client.get(url).content.decode()


def test_search_counts_follow_an_edited_chapter(client, archive):
    url = reverse("archive:search") + "?q=zeppelin"
    assert counts(client, url) == (0, 0)
    chapter = Chapter.objects.filter(work=archive["plain"]).first()
    posting.update_chapter(chapter=chapter, body="<p>A zeppelin rose.</p>")
    assert counts_after_a_change(client, url) == (1, 0)


def test_without_the_generation_row_listings_count_every_time(client_for, reader_hide, archive):
    ListingGeneration.objects.all().delete()
    client = client_for(reader_hide)
    assert counts(client) == (2, 1)
    posting.update_work(work=archive["plain"], rating="explicit")
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
    # session, reader (with the inbox count, standing choices, excluded tags and mutes),
    # generation, works: no count, and no tags or warnings, the blurbs being cached too
    # (archive.blurbs)
    with django_assert_num_queries(4):
        client.get(INDEX)
    # the same and the tag, its synonyms: no facets, no hidden count
    with django_assert_num_queries(6):
        client.get(tag_page)
    # the same as the index (the page's ids kept with the counts: nothing ranked), the
    # first matching chapter of each work for the snippets, and the matching series (its
    # works bring their tags, which key its blurbs)
    with django_assert_num_queries(6):
        client.get(search_page)
    with django_assert_num_queries(4):
        client.get(INDEX + "?rating=general")


def test_the_generation_is_one_row():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        ListingGeneration.objects.create(pk=2, token="x")


def test_dates_used_by_filters_follow_a_new_chapter(client, archive, monkeypatch):
    url = INDEX + "?updated_from=2026-06-01"
    assert counts(client, url) == (0, 0)
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 6, 2))
    posting.add_chapter(work=archive["plain"], body="<p>Later words.</p>")
    assert counts_after_a_change(client, url) == (1, 0)
