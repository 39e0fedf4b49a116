"""Filtering the works index against a small corpus checked by hand."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import ConsentChoice, ExcludedTag
from archive.models import Tag, Work
from archive.vocabulary import TagKind
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")
F, R, A = TagKind.FANDOM, TagKind.RELATIONSHIP, TagKind.ADDITIONAL


@pytest.fixture
def corpus(db):
    """Five works whose ratings, warnings, tags and numbers are known exactly."""
    comfort = Tag.objects.create(name="Hurt/Comfort", kind=A)
    Tag.objects.create(name="h/c", kind=A, canonical=comfort)
    works = {
        "w1": make_work(
            rating="general", categories=["gen"], complete=True, tags=[("Naruto", F), ("Fluff", A)]
        ),
        "w2": make_work(
            rating="teen",
            warnings=["graphic-violence"],
            categories=["m/m"],
            tags=[("Naruto", F), ("Hatake Kakashi/Umino Iruka", R), ("Angst", A)],
        ),
        "w3": make_work(
            rating="explicit",
            warnings=["graphic-violence", "non-con"],
            categories=["m/m"],
            complete=True,
            language="ja",
            tags=[("Naruto", F), ("Hatake Kakashi/Umino Iruka", R), ("Angst", A), ("h/c", A)],
        ),
        "w4": make_work(
            rating="mature",
            warnings=["major-character-death"],
            categories=["f/f"],
            complete=True,
            tags=[("Bleach", F), ("Angst", A)],
        ),
        "w5": make_work(
            rating="not-rated",
            warnings=["choose-not-to-warn"],
            categories=["other"],
            tags=[("Bleach", F), ("Fluff", A)],
        ),
    }
    for number, work in enumerate(works.values(), start=1):
        Work.objects.filter(pk=work.pk).update(
            word_count=1000 * number,
            updated=datetime.date(2026, number, 10),
            kudos_count=10 - number,
        )
    return works


def titles(response, corpus):
    names = {work.pk: name for name, work in corpus.items()}
    page = response.context["page"]
    assert page.paginator.num_pages == 1  # the corpus fits on one page
    return {names[work.pk] for work in page.object_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"w1", "w2", "w3", "w4", "w5"}),
        ({"rating": ["teen", "explicit"]}, {"w2", "w3"}),
        ({"exclude_rating": ["explicit", "not-rated"]}, {"w1", "w2", "w4"}),
        ({"warning": ["graphic-violence", "non-con"]}, {"w3"}),
        ({"warning": ["graphic-violence"]}, {"w2", "w3"}),
        ({"exclude_warning": ["graphic-violence"]}, {"w1", "w4", "w5"}),
        ({"category": ["m/m", "f/f"]}, {"w2", "w3", "w4"}),
        ({"exclude_category": ["m/m"]}, {"w1", "w4", "w5"}),
        ({"tag": ["Naruto", "Angst"]}, {"w2", "w3"}),
        ({"tag": ["naruto, angst"]}, {"w2", "w3"}),
        ({"tag": ["Angst"], "exclude_tag": ["Naruto"]}, {"w4"}),
        ({"exclude_tag": ["Angst"]}, {"w1", "w5"}),
        ({"tag": ["Hurt/Comfort"]}, {"w3"}),
        ({"exclude_tag": ["Hurt/Comfort"]}, {"w1", "w2", "w4", "w5"}),
        ({"complete": "yes"}, {"w1", "w3", "w4"}),
        ({"complete": "no"}, {"w2", "w5"}),
        ({"words_from": "2000", "words_to": "4000"}, {"w2", "w3", "w4"}),
        ({"updated_from": "2026-02-01", "updated_to": "2026-03-31"}, {"w2", "w3"}),
        ({"language": "ja"}, {"w3"}),
        ({"rating": ["explicit"], "exclude_warning": ["non-con"]}, set()),
    ],
)
def test_filters_match_hand_checked_results(client, corpus, query, expected):
    response = client.get(INDEX, query)
    assert response.status_code == 200
    assert titles(response, corpus) == expected
    assert response.context["page"].paginator.count == len(expected)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("updated", ["w5", "w4", "w3", "w2", "w1"]),
        ("words", ["w5", "w4", "w3", "w2", "w1"]),
        ("kudos", ["w1", "w2", "w3", "w4", "w5"]),
        ("title", ["w1", "w2", "w3", "w4", "w5"]),
    ],
)
def test_sorting(client, corpus, sort, order):
    for number, work in enumerate(corpus.values(), start=1):
        Work.objects.filter(pk=work.pk).update(title=f"Title {number}")
    response = client.get(INDEX, {"sort": sort})
    names = {work.pk: name for name, work in corpus.items()}
    assert [names[work.pk] for work in response.context["page"].object_list] == order


def test_creator_sort_uses_the_name_blurbs_show(client, db):
    zed = make_work(creator=make_reader("zed"))
    abe = make_work(creator=make_reader("abe"))
    mid = make_work()  # imported: "Imported Author"
    nobody = make_work()
    Work.objects.filter(pk=nobody.pk).update(creator_name="")  # shown as "Anonymous"
    listed = list(client.get(INDEX, {"sort": "creator"}).context["page"].object_list)
    assert listed == [abe, nobody, mid, zed]


def test_ties_are_broken_by_newest_id(client, corpus):
    Work.objects.update(hits=7, public_bookmark_count=0)
    for sort in ["hits", "bookmarks"]:
        listed = list(client.get(INDEX, {"sort": sort}).context["page"].object_list)
        assert [work.pk for work in listed] == sorted((w.pk for w in listed), reverse=True)


def test_facets_count_the_whole_result(client, corpus):
    response = client.get(INDEX, {"tag": ["Naruto"]})
    facets = response.context["facets"]
    assert {f["value"]: f["count"] for f in facets.ratings} == {
        "general": 1,
        "teen": 1,
        "explicit": 1,
    }
    assert {f["value"]: f["count"] for f in facets.warnings} == {
        "no-warnings": 1,
        "graphic-violence": 2,
        "non-con": 1,
    }
    tags = {t["name"]: t["count"] for facet in facets.tags for t in facet["tags"]}
    # Naruto is already included, so it is listed above the results rather than offered;
    # "h/c" is counted under its canonical tag, which is what including either returns.
    assert tags == {
        "Hatake Kakashi/Umino Iruka": 2,
        "Angst": 2,
        "Fluff": 1,
        "Hurt/Comfort": 1,
    }
    assert sum(f["count"] for f in facets.ratings) == response.context["page"].paginator.count


def test_facets_offer_more_past_the_top_ten(client, db):
    for number in range(12):
        make_work(tags=[("Naruto", F), (f"Extra {number:02}", A)])
    response = client.get(INDEX, {"tag": "Naruto"})
    additional = next(f for f in response.context["facets"].tags if f["kind"] == A)
    assert len(additional["tags"]) == 10
    assert additional["has_more"]
    response = client.get(INDEX, {"tag": "Naruto", "more": A})
    additional = next(f for f in response.context["facets"].tags if f["kind"] == A)
    assert len(additional["tags"]) == 12
    assert not additional["has_more"]


def test_the_longer_list_says_when_it_is_cut_short(client, db, monkeypatch):
    from archive.listing import facets

    monkeypatch.setattr(facets, "FACET_MORE_LIMIT", 11)
    for number in range(12):
        make_work(tags=[("Naruto", F), (f"Extra {number:02}", A)])
    response = client.get(INDEX, {"tag": "Naruto", "more": A})
    additional = next(f for f in response.context["facets"].tags if f["kind"] == A)
    assert len(additional["tags"]) == 11
    assert additional["has_more"]
    assert "The 11 most used are shown" in response.content.decode()


def test_every_tag_kind_has_include_and_exclude_boxes_even_unfiltered(client, corpus):
    content = client.get(INDEX).content.decode()
    for kind in TagKind.values:
        assert f'id="include-{kind}"' in content
        assert f'id="exclude-{kind}"' in content
        assert f'data-autocomplete="/tags/autocomplete/?kind={kind}"' in content


def test_the_plain_index_skips_facets(client, corpus):
    assert client.get(INDEX).context["facets"] is None


@pytest.fixture
def excluder(corpus):
    """A reader who hides Explicit works and never wants to see "Angst"."""
    reader = make_reader("excluder")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice="hide")
    ExcludedTag.objects.create(reader=reader, tag=Tag.objects.get(name="Angst"))
    return reader


def test_exclusions_apply_to_lists_counts_and_facets(client_for, corpus, excluder):
    client = client_for(excluder)
    response = client.get(INDEX, {"tag": ["Naruto"]})
    assert titles(response, corpus) == {"w1"}
    assert response.context["page"].paginator.count == 1
    facets = response.context["facets"]
    assert [f["value"] for f in facets.ratings] == ["general"]
    tag_names = {t["name"] for facet in facets.tags for t in facet["tags"]}
    assert "Angst" not in tag_names
    assert "Hatake Kakashi/Umino Iruka" not in tag_names
    assert response.context["hidden_count"] == 2
    assert "2 hidden by your preferences" in response.content.decode()


def test_hidden_works_can_be_shown_for_one_search(client_for, corpus, excluder):
    client = client_for(excluder)
    shown = client.get(INDEX, {"tag": ["Naruto"], "show_hidden": "1"})
    assert titles(shown, corpus) == {"w1", "w2", "w3"}
    assert "including works you usually hide" in shown.content.decode()
    # The next search hides them again.
    assert titles(client.get(INDEX, {"tag": ["Naruto"]}), corpus) == {"w1"}


def test_excluding_a_canonical_tag_hides_its_synonyms(client_for, corpus):
    reader = make_reader("no-comfort")
    ExcludedTag.objects.create(reader=reader, tag=Tag.objects.get(name="Hurt/Comfort"))
    assert "w3" not in titles(client_for(reader).get(INDEX), corpus)


def test_exclusions_never_leak_into_search(client_for, corpus, excluder):
    client = client_for(excluder)
    response = client.get(reverse("archive:search"), {"q": "Summary"})
    assert titles(response, corpus) == {"w1", "w5"}


@pytest.mark.parametrize(
    "query",
    [
        {"words_from": "-5"},
        {"words_from": "lots"},
        {"words_to": "9" * 40},
        {"words_from": "5000", "words_to": "10"},
        {"updated_from": "2026-13-45"},
        {"updated_from": "2026-05-01", "updated_to": "2026-01-01"},
        {"rating": "ultra"},
        {"sort": "random()"},
        {"complete": "maybe"},
        {"tag": ["x" * 101]},
        {"tag": [f"t{n}" for n in range(25)]},
        {"q": "q" * 500},
        {"language": "l" * 50},
        {"more": "everything"},
    ],
)
def test_bad_parameters_get_a_clear_message_never_a_500(client, corpus, query):
    response = client.get(INDEX, query)
    assert response.status_code == 400
    content = response.content.decode()
    assert "could not be used, and was left out" in content
    # The rest of the filter still applies: the listing is still there.
    assert response.context["page"].paginator.count == 5


@pytest.mark.parametrize("page", ["0", "-3", "999999999999999999999999", "abc", "2"])
def test_any_page_number_answers(client, corpus, page):
    response = client.get(INDEX, {"page": page})
    assert response.status_code == 200


def test_repeated_single_parameters_take_the_last(client, corpus):
    response = client.get(INDEX + "?complete=yes&complete=no")
    assert titles(response, corpus) == {"w2", "w5"}


def test_counts_equal_what_can_be_paged_through(client, corpus, settings):
    settings.WORKS_PER_PAGE = 2
    seen = []
    first = client.get(INDEX, {"exclude_rating": "general"})
    for number in first.context["page"].paginator.page_range:
        page = client.get(INDEX, {"exclude_rating": "general", "page": number}).context["page"]
        seen.extend(page.object_list)
    assert len(seen) == len(set(seen)) == first.context["page"].paginator.count == 4


def test_filtered_index_query_count(client, corpus, django_assert_num_queries):
    query = {
        "tag": ["Naruto", "Angst"],
        "exclude_tag": ["Fluff", "Bleach"],
        "exclude_rating": ["explicit"],
        "exclude_warning": ["non-con"],
    }
    # the chosen tags, the listing generation, the count with every facet (archive.listing.facets),
    # works, their tags
    with django_assert_num_queries(5):
        response = client.get(INDEX, query)
    assert titles(response, corpus) == {"w2"}


def test_reader_filtered_index_query_count(client_for, corpus, excluder, django_assert_num_queries):
    client = client_for(excluder)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), included
    # tag, the listing generation, the count with every facet, hidden count, works, their tags
    with django_assert_num_queries(8):
        client.get(INDEX, {"tag": "Naruto"})


def test_exclusions_reach_bookmark_and_history_lists(client_for, corpus, excluder):
    from archive.reading import bookmarks
    from archive.reading import history as reading_history

    other = make_reader("sharer")
    for work in corpus.values():
        bookmarks.save_bookmark(reader=other, work=work)
        reading_history.record_visit(reader=excluder, work=work, chapter=work.chapters.first())
    client = client_for(excluder)
    listed = client.get(reverse("archive:reader_bookmarks", args=["sharer"])).content.decode()
    history = client.get(reverse("archive:history")).content.decode()
    for name in ["w2", "w3", "w4"]:  # explicit, or tagged Angst
        assert corpus[name].title not in listed
        assert corpus[name].title not in history
    assert corpus["w1"].title in listed
    assert corpus["w1"].title in history


def test_a_readers_index_counts_shown_and_hidden_works_in_one_query(
    client_for, corpus, excluder, django_assert_num_queries
):
    client = client_for(excluder)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the
    # listing generation, one count of shown and hidden works, works, their tags
    with django_assert_num_queries(6):
        response = client.get(INDEX)
    assert titles(response, corpus) == {"w1", "w5"}
    assert response.context["hidden_count"] == 3  # Explicit, or tagged Angst


def test_a_readers_search_ranks_and_counts_hidden_matches_in_one_query(
    client_for, corpus, excluder, django_assert_num_queries
):
    client = client_for(excluder)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the
    # listing generation, the ranked matches with what is hidden, the page's works, their
    # tags, the first matching chapter of each, the matching series
    with django_assert_num_queries(8):
        response = client.get(reverse("archive:search"), {"q": "Summary"})
    assert titles(response, corpus) == {"w1", "w5"}
    assert response.context["hidden_count"] == 3


def test_an_unknown_tag_offers_the_closest_tags_with_links_that_apply_them(client, corpus):
    response = client.get(INDEX, {"tag": ["Naruto", "Angts"], "rating": "teen", "page": "2"})
    [message] = response.context["filter"].messages
    assert [name for name, _ in message.suggestions][0] == "Angst"
    content = response.content.decode()
    assert "There is no tag called “Angts”. Did you mean: <a href=" in content
    link = dict(message.suggestions)["Angst"]
    assert "page=" not in link
    followed = client.get(INDEX + link.replace("&amp;", "&"))
    assert followed.context["filter"].messages == []
    assert titles(followed, corpus) == {"w2"}  # teen, Naruto and Angst


def test_the_closest_tags_come_from_a_word_of_the_name(client, corpus):
    response = client.get(INDEX, {"exclude_tag": "Hurt and Comfort"})
    [message] = response.context["filter"].messages
    assert [name for name, _ in message.suggestions] == ["Hurt/Comfort"]
    link = message.suggestions[0][1]
    assert "exclude_tag=Hurt%2FComfort" in link
    assert message.text == "There is no tag called “Hurt and Comfort”. Did you mean: Hurt/Comfort?"


def test_no_close_tag_leaves_the_plain_message(client, corpus):
    response = client.get(INDEX, {"tag": "Zzyzx"})
    assert "There is no tag called “Zzyzx”.</p>" in response.content.decode()


def test_suggestions_never_reveal_a_drafts_tags(client, corpus):
    make_work(is_posted=False, tags=[("Secret Project", A)])
    response = client.get(INDEX, {"tag": "Secret Projekt"})
    [message] = response.context["filter"].messages
    assert message.suggestions == []


def test_suggestions_escape_what_the_reader_typed(client, corpus):
    content = client.get(INDEX, {"tag": "<b>Angst"}).content.decode()
    assert "<b>Angst" not in content and "&lt;b&gt;Angst" in content
