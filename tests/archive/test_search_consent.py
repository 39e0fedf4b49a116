"""Search is no oracle over gated text: notes and chapter text decide a match only for works
the reader may read without the consent gate; every other work matches on its blurb."""

import itertools

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ConsentChoice, FeedToken
from archive.consent import policy as consent
from archive.listing import search
from archive.models import Chapter, Tag, Work
from archive.vocabulary import ArchiveWarning, ConsentItem, Rating, StandingChoice, TagKind
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

SEARCH = reverse("archive:search")
INDEX = reverse("archive:work_list")
OPDS_SEARCH = reverse("archive:opds_search")
TAG = ("Brass Orrery", TagKind.ADDITIONAL)
# Made-up words: one only in the gated work's chapter text, one only in its notes, one in
# the chapter text of a work that needs no agreement.
GATED_TEXT = "quillwort"
GATED_NOTES = "marrowfat"
OPEN_TEXT = "bellflower"


def with_text(work, text):
    Chapter.objects.filter(work=work, position=1).update(body=f"<p>{text}</p>")
    search.update_search_documents([work.pk])
    return work


@pytest.fixture
def gated(db):
    """An Explicit work warned for violence; its title, summary and tag are on its blurb."""
    work = make_work(
        title="Tidewater Ledger",
        rating=Rating.EXPLICIT,
        warnings=[ArchiveWarning.GRAPHIC_VIOLENCE],
        tags=[TAG],
        notes=f"<p>{GATED_NOTES}</p>",
    )
    Work.objects.filter(pk=work.pk).update(summary="<p>A sextant on the table.</p>")
    return with_text(work, f"The {GATED_TEXT} grew by the wall.")


@pytest.fixture
def ungated(db):
    work = make_work(title="Morning", tags=[TAG])
    return with_text(work, f"A {GATED_TEXT} and a {OPEN_TEXT} by the gate.")


@pytest.fixture(params=["guest", "asker"])
def client_asked(request, client_for):
    """A guest, or a signed-in reader who asks each time: neither has agreed to anything."""
    if request.param == "guest":
        return client_for(None)
    return client_for(request.getfixturevalue("reader_ask"))


def on_the_web(client, query):
    """The works listed for `query` on the search page, the works index and the tag page,
    checking that each page's count (and facet total) says as many."""
    tag = Tag.objects.get(name=TAG[0])
    found = {}
    for name, url in [("search", SEARCH), ("index", INDEX), ("tag", tag.get_absolute_url())]:
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        page = response.context["page"]
        listed = {work.pk for work in page.object_list}
        assert page.paginator.count == len(listed), name
        if response.context["facets"] is not None:
            assert response.context["facets"].total == len(listed), name
        found[name] = listed
    return found


def in_catalog(client, query, url=OPDS_SEARCH):
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return {int(entry.id.rsplit(":", 1)[1]) for entry in feedparser.parse(response.content).entries}


def everywhere(client, query):
    return {**on_the_web(client, query), "opds": in_catalog(client, query)}


def listed_as(works):
    return {"search": works, "index": works, "tag": works}


def agree(client, work, **extra):
    response = client.post(
        reverse("archive:consent", args=[work.pk]), {"items": work.consent_items(), **extra}
    )
    assert response.status_code == 302


def test_gated_text_and_notes_match_nothing_anywhere(client_asked, gated, ungated):
    assert everywhere(client_asked, GATED_TEXT) == {**listed_as({ungated.pk}), "opds": {ungated.pk}}
    assert everywhere(client_asked, GATED_NOTES) == {**listed_as(set()), "opds": set()}
    assert everywhere(client_asked, f'"the {GATED_TEXT} grew"') == {
        **listed_as(set()),
        "opds": set(),
    }


@pytest.mark.parametrize("query", ["tidewater", "sextant", "orrery", "imported author"])
def test_a_gated_works_blurb_still_matches(client_asked, gated, ungated, query):
    found = everywhere(client_asked, query)
    assert all(gated.pk in works for works in found.values()), found


def test_an_excluded_word_in_gated_text_does_not_drop_the_work(client_asked, gated, ungated):
    # Whether the work stays listed must not tell whether its text holds the word.
    query = f"tidewater -{GATED_TEXT}"
    assert everywhere(client_asked, query) == {**listed_as({gated.pk}), "opds": {gated.pk}}
    agree(client_asked, gated)
    assert on_the_web(client_asked, query) == listed_as(set())


def test_after_agreeing_the_text_matches(client_asked, gated, ungated):
    agree(client_asked, gated)
    assert on_the_web(client_asked, GATED_TEXT) == listed_as({gated.pk, ungated.pk})
    assert on_the_web(client_asked, GATED_NOTES) == listed_as({gated.pk})
    # The public catalog serves apps that cannot agree to anything.
    assert in_catalog(client_asked, GATED_TEXT) == {ungated.pk}


def test_agreeing_for_the_visit_opens_the_text_of_works_needing_the_same(client_asked, gated):
    alike = with_text(
        make_work(rating=Rating.EXPLICIT, warnings=[ArchiveWarning.GRAPHIC_VIOLENCE], tags=[TAG]),
        f"A {GATED_TEXT} too.",
    )
    agree(client_asked, gated)
    assert on_the_web(client_asked, GATED_TEXT) == listed_as({gated.pk})
    agree(client_asked, gated, remember="on")
    assert on_the_web(client_asked, GATED_TEXT) == listed_as({gated.pk, alike.pk})


def test_standing_choices_open_the_text_of_the_works_they_cover(client_for, gated, ungated):
    reader = make_reader("partly")
    for item in gated.consent_items():
        ConsentChoice.objects.create(reader=reader, item=item, choice=StandingChoice.SHOW)
    uncovered = with_text(
        make_work(rating=Rating.EXPLICIT, warnings=[ArchiveWarning.NON_CON], tags=[TAG]),
        f"A {GATED_TEXT} again.",
    )
    client = client_for(reader)
    assert on_the_web(client, GATED_TEXT) == listed_as({gated.pk, ungated.pk})
    token = FeedToken.objects.create(reader=reader, key="s" * 43)
    private = reverse("archive:opds_private_search", args=[token.key])
    assert in_catalog(client, GATED_TEXT, private) == {gated.pk, ungated.pk}
    assert uncovered.pk not in in_catalog(client, GATED_TEXT, private)


@pytest.mark.parametrize("persona", [None, "reader_ask", "reader_show", "reader_hide"])
def test_ungated_works_match_by_text_for_everyone(client_for, request, gated, ungated, persona):
    client = client_for(persona and request.getfixturevalue(persona))
    assert everywhere(client, OPEN_TEXT) == {**listed_as({ungated.pk}), "opds": {ungated.pk}}


def test_creators_and_staff_match_the_text_they_read_without_the_gate(client_for, staff):
    owner = make_reader("owner")
    own = with_text(
        make_work(creator=owner, rating=Rating.MATURE, tags=[TAG]), f"The {GATED_TEXT}."
    )
    for reader in [owner, staff]:
        assert on_the_web(client_for(reader), GATED_TEXT) == listed_as({own.pk})


def test_a_count_cached_for_a_consenting_reader_is_not_served_to_others(
    client, gated, ungated, reader_ask, reader_show
):
    agree(client, gated)
    assert on_the_web(client, GATED_TEXT) == listed_as({gated.pk, ungated.pk})
    assert on_the_web(Client(), GATED_TEXT) == listed_as({ungated.pk})
    # Two readers without drafts of their own share every other cached count.
    assert on_the_web(_as(reader_show), GATED_TEXT) == listed_as({gated.pk, ungated.pk})
    assert on_the_web(_as(reader_ask), GATED_TEXT) == listed_as({ungated.pk})


def _as(reader):
    client = Client()
    client.force_login(reader)
    return client


def test_what_search_may_read_is_what_the_gate_lets_through(db):
    works = [
        make_work(rating=rating, warnings=[warning], chapters=1)
        for rating, warning in itertools.product(Rating.values, ArchiveWarning.values)
    ]
    works.append(make_work(warnings=[ArchiveWarning.NO_WARNINGS, ArchiveWarning.UNDERAGE]))
    agreements = [set(), set(ConsentItem.values)] + [{item} for item in ConsentItem.values]
    agreements.append({ConsentItem.EXPLICIT, ConsentItem.GRAPHIC_VIOLENCE})
    for agreed in agreements:
        readable = consent.Readable(agreed=frozenset(agreed))
        expected = {w.pk for w in works if set(w.consent_items()) <= agreed}
        found = set(Work.objects.filter(readable.condition()).values_list("pk", flat=True))
        assert found == expected, agreed
    # A work agreed to alone, for exactly what it needs.
    work = works[-1]
    readable = consent.Readable(by_work=((work.pk, tuple(work.consent_items())),))
    opened = set(Work.objects.filter(readable.condition()).values_list("pk", flat=True))
    assert opened == {w.pk for w in works if not w.consent_items()} | {work.pk}
