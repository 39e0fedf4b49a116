"""Search puts the best matches first: a title above a tag above a summary above the text,
and more kudos first among equals; also past the matches a search keeps ranked
(search.KEPT), and for readers whose exclusions hide some matches. SQLite does not rank:
there the same works are found and counted, newest first."""

import pytest
from django.db import connection
from django.urls import reverse

from archive.listing import search
from archive.models import Chapter, Work
from archive.vocabulary import ArchiveWarning, Rating, TagKind
from tests.factories import make_work

pytestmark = pytest.mark.django_db

SEARCH = reverse("archive:search")


def with_text(work, text):
    Chapter.objects.filter(work=work, position=1).update(body=f"<p>{text}</p>")
    search.update_search_documents([work.pk])
    return work


def with_summary(work, summary):
    Work.objects.filter(pk=work.pk).update(summary=f"<p>{summary}</p>")
    search.update_search_documents([work.pk])
    return work


@pytest.fixture
def corpus(db):
    """One work per place a word can be found in, with kudos rising as the place weighs less,
    so that only relevance can put them in order."""
    return {
        "title": make_work(title="The Quince Tree", kudos_count=1),
        # Needs consent, but its title is on its blurb: it matches for everyone.
        "gated title": make_work(title="Quince Season", rating=Rating.EXPLICIT),
        "tag": make_work(tags=[("Quince Jam", TagKind.ADDITIONAL)], kudos_count=5),
        "summary": with_summary(make_work(kudos_count=10), "A quince ripened on the sill."),
        # Its text decides a match only for a reader who agreed to what it needs.
        "gated text": with_text(
            make_work(
                rating=Rating.EXPLICIT,
                warnings=[ArchiveWarning.GRAPHIC_VIOLENCE],
                kudos_count=30,
            ),
            "Someone peeled a quince in the dark.",
        ),
        "text": with_text(make_work(kudos_count=20), "She peeled a quince by the window."),
        "elsewhere": with_text(make_work(title="Pears", kudos_count=99), "No fruit at all."),
    }


# Who searches, and which works they find, best first.
FOUND = {
    "guest": ["title", "gated title", "tag", "summary", "text"],
    "reader_show": ["title", "gated title", "tag", "summary", "gated text", "text"],
    # Hides every rating that needs consent: the gated title is hidden and counted, and the
    # gated text, which this reader never agreed to, matches nothing and counts nothing.
    "reader_hide": ["title", "tag", "summary", "text"],
}
HIDDEN = {"guest": 0, "reader_show": 0, "reader_hide": 1}


def expected(corpus, names):
    """The works `names` in the order the database lists them: by relevance on PostgreSQL,
    newest first (here: last made first) on SQLite."""
    works = [corpus[name] for name in names]
    if connection.vendor == "postgresql":
        return [work.pk for work in works]
    return sorted((work.pk for work in works), reverse=True)


def paged_through(client, query):
    """Every work the search lists, page after page, checking each page's counts."""
    listed, number, counts = [], 1, set()
    while True:
        response = client.get(SEARCH, {"q": query, "page": number})
        assert response.status_code == 200
        page = response.context["page"]
        listed += [work.pk for work in page.object_list]
        counts.add((page.paginator.count, response.context["hidden_count"]))
        if not page.has_next():
            break
        number += 1
    assert len(counts) == 1, counts  # every page says the same
    shown, hidden = counts.pop()
    assert shown == len(listed)
    return listed, hidden


@pytest.mark.parametrize("kept", [search.KEPT, 1, 2])
@pytest.mark.parametrize("persona", ["guest", "reader_show", "reader_hide"])
def test_better_places_rank_first_for_every_reader(
    client_for, request, corpus, settings, monkeypatch, persona, kept
):
    # Two works a page: with one or two kept, the later pages are ranked on each request.
    settings.WORKS_PER_PAGE = 2
    monkeypatch.setattr(search, "KEPT", kept)
    client = client_for(None if persona == "guest" else request.getfixturevalue(persona))
    first = paged_through(client, "quince")
    assert first == (expected(corpus, FOUND[persona]), HIDDEN[persona])
    # Read again, from the ranking kept for this state of the archive.
    assert paged_through(client, "quince") == first


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ripened", ["summary"]),
        ('"peeled a quince"', ["text"]),
        ("quince tree", ["title"]),
        ("fruit", ["elsewhere"]),
    ],
)
def test_known_queries_find_the_known_works(client, corpus, query, names):
    assert paged_through(client, query) == (expected(corpus, names), 0)


def test_an_excluded_word_leaves_its_matches_out_and_the_rest_in_order(client, corpus):
    # Ranked by the words asked for, so the title still comes before the text that has
    # more kudos (migration 0023); SQLite lists them newest first.
    listed, hidden = paged_through(client, "quince -jam")
    names = ["title", "gated title", "summary", "text"]
    if connection.vendor == "postgresql":
        assert (listed, hidden) == (expected(corpus, names), 0)
    else:
        assert sorted(listed) == sorted(expected(corpus, names)) and hidden == 0


def test_a_title_outranks_many_mentions_in_a_summary(client, db):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL ranks; SQLite lists matches by date updated")
    mentions = with_summary(make_work(kudos_count=50), "Quince, quince and more quince.")
    titled = make_work(title="Quince")
    assert paged_through(client, "quince") == ([titled.pk, mentions.pk], 0)


def test_the_pages_kept_are_ranked_once_per_state_of_the_archive(
    client, corpus, settings, monkeypatch
):
    settings.WORKS_PER_PAGE = 2
    monkeypatch.setattr(search, "KEPT", 4)
    before, _ = paged_through(client, "quince")
    # New works change the archive: the next search is served from the ranking made before,
    # said to be late, without the new work, and has the job rank again (it runs at once in
    # tests); then the search finds it.
    newest = make_work(title="Quince Again", kudos_count=1000)
    late = client.get(SEARCH, {"q": "quince"})
    assert late.context["page"].paginator.late
    assert newest not in late.context["page"].object_list
    after, _ = paged_through(client, "quince")
    assert newest.pk in after and set(after) - set(before) == {newest.pk}
    if connection.vendor == "postgresql":
        assert after[0] == newest.pk  # a title match, and the most kudos of those
