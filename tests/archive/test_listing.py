"""The one listing entry point: a page of works, the shown and hidden counts and the facets,
counted the same way whichever listing asks."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from accounts.models import ExcludedTag, FeedToken
from archive.consent import tokens as feed_tokens
from archive.listing import listing
from archive.models import Series, Tag, Work
from archive.vocabulary import TagKind
from archive.writing.series import add_work_to_series
from config.auth import ReaderBackend
from tests.factories import make_work

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LISTING_VIEWS = [
    "archive/views/listing.py",
    "archive/views/creators.py",
    "archive/views/series.py",
    "archive/views/opds.py",
]


@pytest.fixture
def request_for(rf):
    """A request by this reader (a guest for None), read as the site reads a signed-in one."""

    def make(reader=None):
        request = rf.get("/")
        request.user = ReaderBackend().get_user(reader.pk) if reader else AnonymousUser()
        request.session = {}
        return request

    return make


@pytest.fixture
def shelf(db):
    """Three general works and two explicit ones (which reader_hide hides), oldest first."""
    general = [make_work(title=f"General {n}") for n in range(3)]
    explicit = [make_work(title=f"Explicit {n}", rating="explicit") for n in range(2)]
    return {"general": general, "explicit": explicit}


def test_a_plain_listing_counts_shown_and_hidden_works_in_one_query(
    request_for, reader_hide, shelf, django_assert_num_queries
):
    request = request_for(reader_hide)
    # the shown and hidden works (one count), the page of works, their tags: the standing
    # choices, excluded tags and mutes come with the reader (config.auth)
    with django_assert_num_queries(3):
        found = listing(request, works=Work.objects.all(), per_page=2)
        works = list(found.page.object_list)
    assert (found.shown, found.hidden) == (3, 2)
    assert found.page.paginator.num_pages == 2
    assert set(works) <= set(shelf["general"]) and len(works) == 2
    assert found.facets is None and found.filter is None


def test_showing_hidden_works_lists_them_and_counts_none_hidden(request_for, reader_hide, shelf):
    found = listing(request_for(reader_hide), works=Work.objects.all(), show_hidden=True)
    assert (found.shown, found.hidden) == (5, 0)
    assert len(found.page.object_list) == 5


def test_rows_naming_a_work_are_listed_and_counted_by_their_work(request_for, reader_hide, creator):
    series = Series.objects.create(creator=creator, title="Tides")
    for rating in ["general", "explicit", "general"]:
        work = make_work(creator=creator, rating=rating)
        add_work_to_series(series=series, work=work)
    parts = series.parts.select_related("work").order_by("position")
    found = listing(request_for(reader_hide), works=parts, paged=False)
    assert [part.position for part in found.page.object_list] == [1, 3]
    assert (found.shown, found.hidden) == (2, 1)
    assert found.page.paginator.num_pages == 1


def test_a_filtered_listing_counts_once_until_the_works_change(
    request_for, reader_hide, shelf, django_assert_num_queries
):
    request = request_for(reader_hide)
    filters = QueryDict("complete=no")
    first = listing(request, works=Work.objects.all(), filters=filters, cache_as="test")
    assert (first.shown, first.hidden) == (3, 2)
    assert first.facets.total == first.shown
    # the listing generation, the page of works, their tags: the counts and
    # facets come from the cache (the reader's exclusions were read once for the request)
    with django_assert_num_queries(3):
        again = listing(request, works=Work.objects.all(), filters=filters, cache_as="test")
        list(again.page.object_list)
    assert (again.shown, again.hidden, again.facets) == (first.shown, first.hidden, first.facets)
    make_work(title="Newer")
    # The figures from before the change, said to be late, while they are counted again
    late = listing(request, works=Work.objects.all(), filters=filters, cache_as="test")
    assert (late.shown, late.late) == (3, True)
    assert listing(request, works=Work.objects.all(), filters=filters, cache_as="test").shown == 4


def test_facets_give_the_count_when_nothing_hides(request_for, shelf, django_assert_num_queries):
    # the facets (whose total is the count), the page of works, their tags
    with django_assert_num_queries(3):
        found = listing(
            request_for(None), works=Work.objects.all(), filters=QueryDict("rating=general")
        )
        list(found.page.object_list)
    assert (found.shown, found.hidden, found.facets.total) == (3, 0, 3)


def test_a_search_lists_matches_and_counts_those_hidden(request_for, reader_hide, shelf):
    found = listing(request_for(reader_hide), works=Work.objects.all(), query="General")
    assert set(found.page.object_list) == set(shelf["general"])
    assert (found.shown, found.hidden) == (3, 0)
    found = listing(request_for(reader_hide), works=Work.objects.all(), query="Explicit")
    assert (found.shown, found.hidden, list(found.page.object_list)) == (0, 2, [])


def test_a_ranked_page_past_the_end_is_the_last_page(request_for, shelf):
    found = listing(request_for(None), works=Work.objects.all(), query="Work", per_page=2, page=9)
    assert found.page.number == 3 and found.shown == 5
    assert len(found.page.object_list) == 1


def test_a_catalog_reads_one_more_work_instead_of_counting(shelf, django_assert_num_queries):
    make_work(title="Draft", is_posted=False)
    # the works (one more than the page), their tags
    with django_assert_num_queries(2):
        first = listing(None, works=Work.objects.all(), per_page=4, counted=False)
    assert first.page.has_next() and len(first.page.object_list) == 4
    last = listing(None, works=Work.objects.all(), per_page=4, page=2, counted=False)
    assert not last.page.has_next() and len(last.page.object_list) == 1
    assert first.shown is None and first.hidden is None


def test_a_token_readers_catalog_leaves_out_what_they_exclude(reader_hide, shelf):
    unwanted = Tag.objects.create(name="Unwanted", kind=TagKind.ADDITIONAL)
    tagged = make_work(title="Tagged", tags=[("Unwanted", TagKind.ADDITIONAL)])
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    FeedToken.objects.create(reader=reader_hide, key="k" * 43)
    reader = feed_tokens.reader_for_token("k" * 43)
    found = listing(reader, works=Work.objects.all(), counted=False)
    assert set(found.page.object_list) == set(shelf["general"])
    assert tagged in listing(None, works=Work.objects.all(), counted=False).page.object_list


def test_a_catalog_search_naming_no_word_finds_nothing_without_asking(
    shelf, django_assert_num_queries
):
    with django_assert_num_queries(0):
        found = listing(None, works=Work.objects.all(), query="-General", counted=False)
    assert found.page.object_list == [] and not found.page.has_next()


@pytest.mark.parametrize("module", LISTING_VIEWS)
def test_listing_views_use_the_entry_point_and_nothing_else_of_the_package(module):
    tree = ast.parse((ROOT / module).read_text())
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("archive.listing")
        for alias in node.names
    }
    assert imported == {("archive.listing", "listing")}
