"""A reader who prefers it opens works as the entire work, behind the same consent gate."""

import pytest
from django.urls import reverse

from accounts.models import Reader
from archive.vocabulary import ConsentItem, UngatedItem
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("accounts:preferences")


@pytest.fixture
def whole_reader(db):
    return make_reader("whole", open_entire_work=True)


def entire(work):
    return reverse("archive:work_entire", args=[work.pk])


def test_links_to_a_work_land_on_the_entire_work(
    client_for, whole_reader, django_assert_num_queries
):
    work = make_work(chapters=3)
    client = client_for(whole_reader)
    # Session, reader (with their standing choices), work (the gate reads its warnings with
    # it): nothing of the chapters before the redirect.
    with django_assert_num_queries(3):
        response = client.get(work.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == entire(work)
    page = client.get(response["Location"]).content.decode()
    assert all(body_marker(work.pk, n) in page for n in (1, 2, 3))


def test_other_readers_still_open_the_first_chapter(client_for, reader_show):
    work = make_work(chapters=3)
    response = client_for(reader_show).get(work.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert body_marker(work.pk, 1) in page and body_marker(work.pk, 2) not in page


def test_the_gate_stays_in_front(client_for, whole_reader):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=2)
    client = client_for(whole_reader)
    for url in (work.get_absolute_url(), entire(work)):
        gate = client.get(url)
        assert gate.status_code == 200  # the interstitial, not a redirect past it
        assert body_marker(work.pk, 1) not in gate.content.decode()

    agreed = client.post(
        reverse("archive:consent", args=[work.pk]),
        {"items": work.consent_items(), "next": work.get_absolute_url()},
    )
    landed = client.get(agreed["Location"], follow=True)
    assert landed.redirect_chain[-1][0] == entire(work)
    assert body_marker(work.pk, 2) in landed.content.decode()


def test_the_preferences_page_saves_both_choices(client_for, reader_ask):
    client = client_for(reader_ask)
    choices = dict.fromkeys(ConsentItem.values, "ask") | dict.fromkeys(UngatedItem.values, "show")
    page = client.get(PREFERENCES).content.decode()
    assert 'name="open_entire_work"' in page and 'name="email_on_kudos"' in page

    client.post(PREFERENCES, choices | {"open_entire_work": "on", "email_on_kudos": "on"})
    saved = Reader.objects.get(pk=reader_ask.pk)
    assert (saved.open_entire_work, saved.email_on_kudos) == (True, True)
    assert "checked" in client.get(PREFERENCES).content.decode()

    client.post(PREFERENCES, choices)  # both boxes unticked
    saved.refresh_from_db()
    assert (saved.open_entire_work, saved.email_on_kudos) == (False, False)
