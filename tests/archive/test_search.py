"""Full-text search: PostgreSQL's ranked search, SQLite's fallback, one interface."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from archive.listing import search
from archive.models import Chapter
from archive.vocabulary import TagKind
from tests.factories import make_work

pytestmark = pytest.mark.django_db
SEARCH = reverse("archive:search")


def found(client, query, **extra):
    response = client.get(SEARCH, {"q": query, **extra})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.num_pages == 1  # these corpora fit on one page
    return response, set(page.object_list)


def with_text(work, text):
    Chapter.objects.filter(work=work, position=1).update(body=f"<p>{text}</p>")
    search.update_search_documents([work.pk])
    return work


@pytest.fixture
def works(db):
    return {
        "title": make_work(title="Lanterns over the harbour"),
        "tag": make_work(tags=[("Lighthouse Keepers", TagKind.ADDITIONAL)]),
        "text": with_text(make_work(), "The cartographer unrolled the chart slowly."),
        "gated": with_text(
            make_work(rating="explicit", warnings=["graphic-violence"]),
            "A cartographer bled quietly in the snow.",
        ),
    }


def test_search_finds_titles_tags_and_chapter_text(client, works):
    assert found(client, "lanterns")[1] == {works["title"]}
    assert found(client, "lighthouse")[1] == {works["tag"]}
    # The gated work's text decides nothing until the reader agrees to it
    # (tests/archive/test_search_consent.py).
    assert found(client, "cartographer")[1] == {works["text"]}


def test_excluded_words_are_left_out(client, works):
    assert found(client, "cartographer -snow")[1] == {works["text"]}


def test_snippets_quote_text_only_from_works_the_reader_agreed_to(client, works):
    response, _ = found(client, "cartographer")
    content = response.content.decode()
    assert "<mark>cartographer</mark> unrolled" in content
    assert "bled quietly" not in content


def test_after_consent_the_snippet_may_quote_the_text(client, works):
    gated = works["gated"]
    client.post(reverse("archive:consent", args=[gated.pk]), {"items": gated.consent_items()})
    response, _ = found(client, "cartographer")
    assert "bled quietly" in response.content.decode()


def test_a_snippet_quotes_the_first_matching_chapter_around_its_first_match(client, db):
    filler = "".join(f"<p>Plain words number {n} go on.</p>" for n in range(600))
    work = make_work(chapters=3)
    Chapter.objects.filter(work=work, position=1).update(body=filler)
    Chapter.objects.filter(work=work, position=2).update(
        body=f'{filler}<p><a href="/heron">Not</a> a <em>grey</em> heron stood.</p>{filler}'
    )
    Chapter.objects.filter(work=work, position=3).update(body="<p>A heron again.</p>")
    search.update_search_documents([work.pk])
    passage = search.snippets([work], "heron", readable={work.pk})[work.pk]
    # the match inside the link's address is not text; the passage runs on both sides
    assert passage.startswith("… ") and passage.endswith(" …")
    assert "Not a grey <mark>heron</mark> stood. Plain words number 0" in passage


def test_a_word_found_only_in_markup_gives_no_snippet(client, db):
    work = make_work()
    long_text = "".join(f"<p>Plain words number {n} go on.</p>" for n in range(600))
    Chapter.objects.filter(work=work).update(body=f'<p><a href="/ibis">x</a></p>{long_text}')
    assert search.snippets([work], "ibis", readable={work.pk}) == {}


def test_search_combines_with_filters(client, works):
    _, results = found(client, "cartographer", exclude_rating="explicit")
    assert results == {works["text"]}


def test_the_search_page_without_a_query_shows_only_the_form(client, works):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert "work-list" not in response.content.decode()


@pytest.mark.parametrize("query", ["'", '"unclosed', "a & b | !c", "-", "))", "ñandú", "x" * 199])
def test_odd_queries_never_fail(client, works, query):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200


def test_search_query_count(client, works, django_assert_num_queries):
    # the listing generation, the count with every facet (archive.listing.facets), works, their
    # tags (to draw their blurbs), the first matching chapter of each, the matching series
    with django_assert_num_queries(6):
        client.get(SEARCH, {"q": "cartographer"})
    # the same page again: its ranking, counts and blurbs are kept (no count, no tags)
    with django_assert_num_queries(4):
        client.get(SEARCH, {"q": "cartographer"})


def test_a_synonym_tagged_work_is_found_by_its_canonical_name(client, db):
    from archive.models import Tag

    canonical = Tag.objects.create(name="Zebrafish Research", kind=TagKind.ADDITIONAL)
    Tag.objects.create(name="fish lab", kind=TagKind.ADDITIONAL, canonical=canonical)
    work = make_work(tags=[("fish lab", TagKind.ADDITIONAL)])
    assert found(client, "zebrafish")[1] == {work}


def test_matches_in_the_title_rank_above_matches_in_the_text(client, db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL ranks; SQLite lists matches by date updated")
    popular = with_text(make_work(title="Harbour Nights", kudos_count=50), "A heron waited.")
    titled = make_work(title="The Heron")
    quiet = with_text(make_work(title="Low Tide"), "The heron left.")
    response, _ = found(client, "heron")
    # The title match first; text-only matches after it, the most kudos first.
    assert list(response.context["page"].object_list) == [titled, popular, quiet]


def test_an_overlong_query_is_refused_with_a_message(client, works):
    response = client.get(SEARCH, {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_search_results_link_to_their_facets_on_the_works_index(client, works):
    response, _ = found(client, "cartographer", sort="kudos", page="1")
    assert response.context["facets"] is None
    link = reverse("archive:work_list") + "?q=cartographer"
    assert f'href="{link}"' in response.content.decode()
    counted = client.get(link)
    assert counted.context["facets"].total == 1  # the gated work's text does not count


def test_search_results_page_through_every_match_once(client, db, settings):
    settings.WORKS_PER_PAGE = 4
    made = {with_text(make_work(), "The ferryman sang.").pk for _ in range(10)}
    seen = []
    for number in [1, 2, 3]:
        response = client.get(SEARCH, {"q": "ferryman", "page": number})
        assert response.context["page"].paginator.count == 10
        seen += [work.pk for work in response.context["page"].object_list]
    assert len(seen) == 10 and set(seen) == made
    past_the_end = client.get(SEARCH, {"q": "ferryman", "page": 99}).context["page"]
    assert past_the_end.number == 3
    assert [work.pk for work in past_the_end.object_list] == seen[8:]


@pytest.mark.parametrize("page", ["9" * 30, "-3", "0", "two", "1e9"])
def test_absurd_page_numbers_show_a_real_page(client, works, page):
    response = client.get(SEARCH, {"q": "cartographer", "page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1


@pytest.mark.parametrize("kept", [search.KEPT, 3])
@pytest.mark.parametrize("hidden", [1, 10])
def test_a_readers_pages_of_counted_matches_are_the_pages_counting_gives(
    client_for, reader_hide, settings, monkeypatch, hidden, kept
):
    # Pages past the matches kept rank the best matches and ask only those whether they are
    # hidden; ten hidden works above every shown one crowd out the first candidates.
    settings.WORKS_PER_PAGE = 2
    monkeypatch.setattr(search, "KEPT", kept)
    for n in range(hidden):
        make_work(title=f"Zeppelin {n}", rating="explicit")
    for n in range(20):
        with_text(make_work(title=f"Airship {n}"), "A zeppelin rose over the town.")
    client = client_for(reader_hide)

    def pages():
        listed = []
        for number in [1, 2, 10]:
            response = client.get(SEARCH, {"q": "zeppelin", "page": number})
            assert response.status_code == 200
            assert response.context["hidden_count"] == hidden
            listed.append([work.pk for work in response.context["page"].object_list])
        return listed

    counting = []
    for number in [1, 2, 10]:
        cache.clear()  # each page ranked and counted by its own statement
        response = client.get(SEARCH, {"q": "zeppelin", "page": number})
        counting.append([work.pk for work in response.context["page"].object_list])
    cache.clear()
    client.get(SEARCH, {"q": "zeppelin"})  # ranked and counted once for every page after
    assert pages() == counting
    assert len({pk for page in counting for pk in page}) == 6


def test_pages_of_a_ranked_search_rank_nothing_again(
    client, db, settings, django_assert_num_queries
):
    settings.WORKS_PER_PAGE = 2
    for _ in range(5):
        with_text(make_work(), "The ferryman sang.")
    client.get(SEARCH, {"q": "ferryman"})
    # the listing generation, works (with the generation keying their blurbs), the tags of
    # those whose blurbs are not drawn yet (all but page 1's), snippets' chapters, the
    # matching series: no ranking, no count
    for page, queries in [(1, 4), (2, 5), (3, 5)]:
        with django_assert_num_queries(queries):
            response = client.get(SEARCH, {"q": "ferryman", "page": page})
        assert response.context["page"].paginator.count == 5
