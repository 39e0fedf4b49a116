"""The consent gate: every rating × warning, for every kind of reader."""

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from archive.consent import policy as consent
from archive.vocabulary import ArchiveWarning, Rating
from tests.factories import body_marker, make_reader, make_work

INTERSTITIAL = "Show me this work"
NEEDS_CONSENT_RATINGS = {Rating.MATURE, Rating.EXPLICIT, Rating.NOT_RATED}
COMBINATIONS = list(itertools.product(Rating.values, ArchiveWarning.values))


def needs_consent(rating, warning):
    return rating in NEEDS_CONSENT_RATINGS or warning != ArchiveWarning.NO_WARNINGS


def text_pages(work):
    """Every page that shows this work's text."""
    return [
        reverse("archive:work_detail", args=[work.pk]),
        reverse("archive:chapter_detail", args=[work.pk, 2]),
        reverse("archive:work_entire", args=[work.pk]),
    ]


def assert_gated(response, work):
    assert response.status_code == 200
    content = response.content.decode()
    assert INTERSTITIAL in content
    assert body_marker(work.pk, 1) not in content
    assert body_marker(work.pk, 2) not in content
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def assert_readable(response, work):
    assert response.status_code == 200
    content = response.content.decode()
    assert INTERSTITIAL not in content
    assert body_marker(work.pk, 1) in content or body_marker(work.pk, 2) in content


@pytest.fixture
def matrix(db):
    return {
        (rating, warning): make_work(rating=rating, warnings=[warning])
        for rating, warning in COMBINATIONS
    }


@pytest.mark.parametrize("persona", ["guest", "reader_ask", "reader_hide"])
def test_every_combination_is_gated_exactly_when_it_needs_consent(
    request, client_for, matrix, persona
):
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    client = client_for(reader)
    for (rating, warning), work in matrix.items():
        for url in text_pages(work):
            response = client.get(url)
            if needs_consent(rating, warning):
                assert_gated(response, work)
            else:
                assert_readable(response, work)


@pytest.mark.parametrize("persona", ["reader_show", "creator", "staff"])
def test_readers_who_agreed_in_advance_and_owners_are_never_asked(request, client_for, db, persona):
    reader = request.getfixturevalue(persona)
    for rating, warning in COMBINATIONS:
        owner = reader if persona == "creator" else None
        work = make_work(rating=rating, warnings=[warning], creator=owner)
        for url in text_pages(work):
            assert_readable(client_for(reader).get(url), work)


def test_hidden_items_leave_the_index_but_ask_on_direct_visit(client_for, reader_hide, matrix):
    response = client_for(reader_hide).get(reverse("archive:work_list") + "?page=1")
    listed = {work.pk for work in response.context["page"].paginator.object_list}
    for (rating, warning), work in matrix.items():
        assert (work.pk in listed) == (not needs_consent(rating, warning)), (rating, warning)


def test_the_interstitial_names_exactly_the_items_the_work_needs(client, db):
    work = make_work(rating="explicit", warnings=["graphic-violence", "major-character-death"])
    response = client.get(work.get_absolute_url())
    items = [item for item, _ in response.context["missing"]]
    assert items == [
        "rating:explicit",
        "warning:graphic-violence",
        "warning:major-character-death",
    ]
    assert "Explicit rating" in response.content.decode()


def consent_to(client, work, items=None, **extra):
    items = items if items is not None else work.consent_items()
    data = {"items": items, "next": work.get_absolute_url(), **extra}
    return client.post(reverse("archive:consent", args=[work.pk]), data)


def test_consenting_shows_the_work_and_returns_to_the_page(client, db):
    work = make_work(rating="mature", warnings=["graphic-violence"])
    chapter_two = reverse("archive:chapter_detail", args=[work.pk, 2])
    response = consent_to(client, work, next=chapter_two)
    assert response.status_code == 302
    assert response["Location"] == chapter_two
    for url in text_pages(work):
        assert_readable(client.get(url), work)


def test_consent_covers_one_work_unless_remembered_for_the_session(client, db):
    first = make_work(rating="explicit", warnings=["non-con"])
    second = make_work(rating="explicit", warnings=["non-con"])
    consent_to(client, first)
    assert_gated(client.get(second.get_absolute_url()), second)

    consent_to(client, second, remember="on")
    third = make_work(rating="explicit", warnings=["non-con"])
    assert_readable(client.get(third.get_absolute_url()), third)


def test_remembered_items_do_not_cover_other_items(client, db):
    mature = make_work(rating="mature", warnings=["no-warnings"])
    consent_to(client, mature, remember="on")
    violent = make_work(rating="mature", warnings=["graphic-violence"])
    response = client.get(violent.get_absolute_url())
    assert_gated(response, violent)
    assert [item for item, _ in response.context["missing"]] == ["warning:graphic-violence"]


def test_partial_consent_keeps_the_gate_closed(client, db):
    work = make_work(rating="explicit", warnings=["underage"])
    consent_to(client, work, items=["rating:explicit"])
    assert_gated(client.get(work.get_absolute_url()), work)


def test_consent_to_items_the_work_does_not_need_grants_nothing(client, db):
    work = make_work(rating="teen", warnings=["major-character-death"])
    consent_to(client, work, items=["rating:explicit"], remember="on")
    assert_gated(client.get(work.get_absolute_url()), work)


def test_a_get_parameter_never_grants_consent(client, db):
    work = make_work(rating="explicit", warnings=["graphic-violence"])
    url = reverse("archive:consent", args=[work.pk])
    assert client.get(url, {"items": work.consent_items()}).status_code == 405
    assert_gated(client.get(work.get_absolute_url(), {"consent": "1", "view_adult": "true"}), work)


def test_a_forged_cookie_never_grants_consent(client, db):
    work = make_work(rating="explicit", warnings=["graphic-violence"])
    client.cookies["view_adult"] = "true"
    client.cookies[consent.SESSION_WORK_CONSENTS] = f'{{"{work.pk}": {work.consent_items()}}}'
    client.cookies["sessionid"] = "forged-session-key"
    assert_gated(client.get(work.get_absolute_url()), work)


def test_a_prefetch_of_the_interstitial_grants_nothing(client, db):
    work = make_work(rating="mature", warnings=["no-warnings"])
    client.get(work.get_absolute_url(), headers={"Sec-Purpose": "prefetch"})
    assert_gated(client.get(work.get_absolute_url()), work)


def test_consent_requires_a_csrf_token(db):
    work = make_work(rating="explicit", warnings=["non-con"])
    client = Client(enforce_csrf_checks=True)
    assert consent_to(client, work).status_code == 403
    assert_gated(client.get(work.get_absolute_url()), work)


def test_consent_never_redirects_off_the_work(client, db):
    work = make_work(rating="mature", warnings=["no-warnings"])
    for target in ["https://evil.example/", "//evil.example/x", "/works/", "/admin/"]:
        response = consent_to(client, work, next=target)
        assert response["Location"] == work.get_absolute_url()


def test_malformed_consent_is_a_clear_400_and_saves_nothing(client, db):
    work = make_work(rating="mature", warnings=["no-warnings"])
    response = consent_to(client, work, items=["rating:nonsense"])
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()
    assert_gated(client.get(work.get_absolute_url()), work)


def test_consent_to_an_unknown_work_is_404(client, db):
    response = client.post(reverse("archive:consent", args=[999999]), {"items": ["x"]})
    assert response.status_code == 404


def test_signed_in_ask_reader_consents_per_work(client_for, reader_ask):
    client = client_for(reader_ask)
    work = make_work(rating="explicit", warnings=["graphic-violence"])
    assert_gated(client.get(work.get_absolute_url()), work)
    consent_to(client, work)
    assert_readable(client.get(work.get_absolute_url()), work)


def test_mixed_standing_choices_ask_only_for_the_rest(client_for, db):
    from accounts.models import ConsentChoice

    reader = make_reader("mixed")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice="show")
    work = make_work(rating="explicit", warnings=["major-character-death"])
    response = client_for(reader).get(work.get_absolute_url())
    assert [item for item, _ in response.context["missing"]] == ["warning:major-character-death"]


def test_another_readers_work_is_gated_for_its_non_creator(client_for, creator, reader_ask):
    work = make_work(rating="explicit", warnings=["non-con"], creator=creator)
    assert_readable(client_for(creator).get(work.get_absolute_url()), work)
    client_for(None).logout()
    assert_gated(client_for(reader_ask).get(work.get_absolute_url()), work)


def test_works_needing_consent_stay_noindex_after_consent(client, db):
    work = make_work(rating="mature", warnings=["no-warnings"])
    consent_to(client, work)
    response = client.get(work.get_absolute_url())
    assert_readable(response, work)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_works_needing_no_consent_may_be_indexed(client, db):
    work = make_work(rating="general", warnings=["no-warnings"])
    response = client.get(work.get_absolute_url())
    assert "X-Robots-Tag" not in response
    assert 'name="robots"' not in response.content.decode()
    assert "private" in response["Cache-Control"]
