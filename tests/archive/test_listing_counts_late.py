"""Listing counts stay warm while works change (archive.listing.cache): after a change the
figures from before it are served, said to be late, while a job counts the listing again, at
most once per listing every few seconds; figures older than LATE_SECONDS are never served.
The counts' clock stands still until a test moves it; jobs run where they are enqueued."""

import pickle

import pytest
from django.urls import reverse

from accounts.models import ExcludedTag
from archive import tasks
from archive.listing import cache as counts_cache
from archive.models import Tag
from archive.vocabulary import TagKind
from tests.factories import make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")
LATE_NOTE = "counted a few seconds ago"


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(counts_cache, "clock", clock.time)
    return clock


@pytest.fixture
def recounts(monkeypatch):
    """The cache keys of the listings the job counted again, one per recount."""
    done = []
    recount = counts_cache.recount

    def counting(key, *args):
        done.append(key)
        recount(key, *args)

    monkeypatch.setattr(counts_cache, "recount", counting)
    return done


def shown(response):
    assert response.status_code == 200
    return response.context["page"].paginator.count


def late(response):
    return response.context["page"].paginator.late


def test_a_change_serves_the_figures_from_before_said_late_then_the_new_ones(
    client, clock, recounts
):
    make_work(title="First")
    make_work(title="Second")
    assert shown(client.get(INDEX)) == 2
    make_work(title="Just posted")
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (2, True)
    content = response.content.decode()
    assert LATE_NOTE in content
    assert "Just posted" in content  # the page of works is never late, nor cut by the count
    assert len(recounts) == 1
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (3, False)
    assert LATE_NOTE not in response.content.decode()


def test_figures_older_than_the_bound_are_counted_in_the_request(client, clock, recounts):
    make_work()
    assert shown(client.get(INDEX)) == 1
    clock.advance(counts_cache.LATE_SECONDS + 1)
    make_work()
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (2, False)
    assert recounts == []


def test_figures_found_exact_are_served_late_after_the_next_change(client, clock, recounts):
    make_work()
    assert shown(client.get(INDEX)) == 1
    clock.advance(counts_cache.LATE_SECONDS + 1)
    assert shown(client.get(INDEX)) == 1  # still exact: the bound counts from now
    make_work()
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (1, True)
    assert len(recounts) == 1


def test_a_listing_is_counted_again_at_most_once_every_few_seconds(client, clock, recounts):
    make_work()
    assert shown(client.get(INDEX)) == 1
    make_work()
    assert shown(client.get(INDEX)) == 1  # late; the job counts 2
    make_work()
    for _ in range(2):
        response = client.get(INDEX)
        assert (shown(response), late(response)) == (2, True)  # what the job counted
    assert len(recounts) == 1
    clock.advance(counts_cache.RECOUNT_SECONDS)
    assert shown(client.get(INDEX)) == 2
    assert len(recounts) == 2
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (3, False)


def test_the_recount_job_travels_pickled_and_counts_the_tag_page(
    client_for, reader_hide, clock, monkeypatch
):
    """A tag page's counts and facets for a reader whose exclusions hide works, counted again
    by a job whose arguments went through pickle, as they do to a worker."""
    unwanted = Tag.objects.create(name="Unwanted", kind=TagKind.ADDITIONAL)
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    make_work(tags=[("Harbour", TagKind.FANDOM)])
    make_work(tags=[("Harbour", TagKind.FANDOM), ("Unwanted", TagKind.ADDITIONAL)])
    tag_page = reverse("archive:tag_detail", args=[Tag.objects.get(name="Harbour").slug])
    client = client_for(reader_hide)
    response = client.get(tag_page)
    assert (shown(response), response.context["hidden_count"]) == (1, 1)
    queued, job = [], tasks.recount_listing
    monkeypatch.setattr(tasks, "recount_listing", lambda *args: queued.append(args))
    make_work(tags=[("Harbour", TagKind.FANDOM), ("Extra", TagKind.ADDITIONAL)])
    response = client.get(tag_page)
    assert (shown(response), late(response)) == (1, True)
    assert len(queued) == 2  # the facets (which give the count) and the hidden count
    for args in queued:
        job.call_local(*pickle.loads(pickle.dumps(args)))
    response = client.get(tag_page)
    assert (shown(response), response.context["hidden_count"], late(response)) == (2, 1, False)
    assert "Extra" in str(response.context["facets"])


def test_counts_are_served_late_when_the_queue_is_away(client, clock, monkeypatch):
    make_work()
    assert shown(client.get(INDEX)) == 1

    def away(*args):
        raise ConnectionError

    monkeypatch.setattr(tasks, "recount_listing", away)
    make_work()
    response = client.get(INDEX)
    assert (shown(response), late(response)) == (1, True)
    clock.advance(counts_cache.LATE_SECONDS + 1)
    assert shown(client.get(INDEX)) == 2  # past the bound the request counts


# Searches: the ranking kept for a state of the archive is served late in the same way.

SEARCH = reverse("archive:search")


def listed(response):
    return {work.title for work in response.context["page"].object_list}


def test_a_search_ranked_late_travels_pickled_and_ranks_again(
    client_for, reader_hide, clock, monkeypatch
):
    unwanted = Tag.objects.create(name="Unwanted", kind=TagKind.ADDITIONAL)
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    make_work(title="Quince One")
    make_work(title="Quince Two", tags=[("Unwanted", TagKind.ADDITIONAL)])
    client = client_for(reader_hide)
    response = client.get(SEARCH, {"q": "quince"})
    assert (shown(response), response.context["hidden_count"]) == (1, 1)
    queued, job = [], tasks.recount_listing
    monkeypatch.setattr(tasks, "recount_listing", lambda *args: queued.append(args))
    make_work(title="Quince Three")
    response = client.get(SEARCH, {"q": "quince"})
    assert (shown(response), late(response), listed(response)) == (1, True, {"Quince One"})
    assert len(queued) == 1
    job.call_local(*pickle.loads(pickle.dumps(queued[0])))
    response = client.get(SEARCH, {"q": "quince"})
    assert (shown(response), response.context["hidden_count"], late(response)) == (2, 1, False)
    assert listed(response) == {"Quince One", "Quince Three"}


def test_a_late_ranking_lists_only_works_that_still_belong_in_it(
    client_for, reader_hide, staff, clock, monkeypatch
):
    from archive.writing import posting

    unwanted = Tag.objects.create(name="Unwanted", kind=TagKind.ADDITIONAL)
    ExcludedTag.objects.create(reader=reader_hide, tag=unwanted)
    kept, removed, retagged = (make_work(title=f"Quince {n}") for n in ["Kept", "Hidden", "Tagged"])
    client = client_for(reader_hide)
    assert shown(client.get(SEARCH, {"q": "quince"})) == 3
    monkeypatch.setattr(tasks, "recount_listing", lambda *args: None)  # the job never comes
    posting.hide_work(work=removed, by=staff, reason="Spam")
    posting.update_work(work=retagged, additional_tags=["Unwanted"])
    response = client.get(SEARCH, {"q": "quince"})
    assert late(response)
    assert listed(response) == {kept.title}  # hidden by staff, or now by the reader's choice
