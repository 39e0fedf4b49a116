"""Blocking and muting from a person's page, the list with undo, and a muted creator's works
leaving every list of the reader's, with counts that match."""

import pytest
from django.urls import reverse

from accounts import relations
from accounts.models import Block, FeedToken, Mute
from archive.models import Series
from archive.vocabulary import TagKind
from archive.writing.series import add_work_to_series
from tests.factories import make_reader, make_work

FANDOM = [("Harbour Lights", TagKind.FANDOM)]


@pytest.fixture
def loud(db):
    return make_reader("loud")


@pytest.fixture
def listener(db):
    return make_reader("listener", choice="show")


def relation_url(person):
    return reverse("accounts:relation", args=[person.username])


def page_of(person):
    return reverse("archive:creator_detail", args=[person.username])


def test_mute_and_block_from_a_persons_page_and_undo_them(client_for, listener, loud):
    client = client_for(listener)
    page = client.get(page_of(loud)).content.decode()
    assert 'value="mute"' in page and 'value="block"' in page
    response = client.post(relation_url(loud), {"action": "mute", "next": page_of(loud)})
    assert response.status_code == 302 and response["Location"] == page_of(loud)
    response = client.post(relation_url(loud), {"action": "block"}, follow=True)
    assert "You block loud" in response.content.decode()
    assert Mute.objects.filter(reader=listener, muted=loud).exists()
    assert Block.objects.filter(blocker=listener, blocked=loud).exists()
    page = client.get(page_of(loud)).content.decode()
    assert "You mute loud" in page and 'value="unmute"' in page and 'value="unblock"' in page
    # Twice is the same as once.
    assert client.post(relation_url(loud), {"action": "mute"}).status_code == 302
    assert Mute.objects.filter(reader=listener).count() == 1
    client.post(relation_url(loud), {"action": "unmute"})
    client.post(relation_url(loud), {"action": "unblock"})
    assert not Mute.objects.exists() and not Block.objects.exists()


def test_the_people_page_lists_blocks_and_mutes_with_undo(
    client_for, listener, loud, django_assert_num_queries
):
    quiet = make_reader("quiet")
    relations.block(blocker=listener, blocked=loud)
    relations.mute(reader=listener, muted=quiet)
    client = client_for(listener)
    url = reverse("accounts:people")
    # session, reader (with the header's inbox count), blocks with readers, mutes with readers
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    assert page.count('value="unblock"') == 1 and page.count('value="unmute"') == 1
    assert "loud" in page and "quiet" in page
    response = client.post(relation_url(quiet), {"action": "unmute", "next": url})
    assert response["Location"] == url
    assert "You mute nobody." in client.get(url).content.decode()
    preferences = client.get(reverse("accounts:preferences")).content.decode()
    assert reverse("accounts:people") in preferences


def test_bad_requests_change_nothing(client_for, client, listener, loud):
    guest = client.post(relation_url(loud), {"action": "mute"})
    assert guest.status_code == 302 and reverse("accounts:login") in guest["Location"]
    signed_in = client_for(listener)
    assert signed_in.post(relation_url(listener), {"action": "mute"}).status_code == 400
    assert signed_in.post(relation_url(listener), {"action": "block"}).status_code == 400
    assert signed_in.post(relation_url(loud), {"action": "silence"}).status_code == 400
    assert signed_in.post(relation_url(loud), {}).status_code == 400
    nobody = reverse("accounts:relation", args=["nobody-at-all"])
    assert signed_in.post(nobody, {"action": "mute"}).status_code == 404
    assert signed_in.get(relation_url(loud)).status_code == 405
    # Somewhere else is not where a mute goes back to.
    response = signed_in.post(relation_url(loud), {"action": "mute", "next": "https://evil.test/"})
    assert response["Location"] == page_of(loud)
    relations.unmute(reader=listener, muted=loud)
    assert not Mute.objects.exists() and not Block.objects.exists()


@pytest.fixture
def muted_world(listener, loud):
    """The listener mutes loud; each has one work in the same fandom, and loud a series."""
    theirs = make_work(title="Loud Work", creator=loud, tags=FANDOM)
    kept = make_work(title="Kept Work", creator=make_reader("calm"), tags=FANDOM)
    series = Series.objects.create(creator=loud, title="Loud Series", summary="Loud and long.")
    add_work_to_series(series=series, work=theirs)
    relations.mute(reader=listener, muted=loud)
    return {"theirs": theirs, "kept": kept, "series": series}


LISTINGS = [
    reverse("archive:work_list"),
    reverse("archive:work_list") + "?rating=general",
    reverse("archive:search") + "?q=Work",
    reverse("archive:tag_detail", args=["harbour-lights"]),
]


@pytest.mark.parametrize("url", LISTINGS)
def test_a_muted_creators_works_leave_every_list_with_exact_counts(
    client_for, listener, muted_world, url
):
    response = client_for(listener).get(url)
    page = response.content.decode()
    assert "Kept Work" in page
    assert "Loud Work" not in page and "Loud Series" not in page
    assert response.context["hidden_count"] == 1
    assert response.context["page"].paginator.count == 1


def test_a_muted_creators_page_shows_none_of_their_works_and_says_why(
    client_for, listener, loud, muted_world
):
    response = client_for(listener).get(page_of(loud))
    page = response.content.decode()
    assert "Loud Work" not in page and "You mute loud" in page
    assert response.context["hidden_count"] == 1
    assert response.context["page"].paginator.count == 0
    series = client_for(listener).get(muted_world["series"].get_absolute_url())
    assert series.context["listed"].hidden_count == 1
    assert "Loud Work" not in series.content.decode().split("</h1>", 1)[1]


def test_a_muted_creators_works_leave_the_readers_feeds_and_catalog(client, listener, muted_world):
    token = FeedToken.objects.create(reader=listener, key="m" * 43)
    urls = [
        reverse("archive:private_feed_works", args=[token.key]),
        reverse("archive:private_feed_tag", args=[token.key, "harbour-lights"]),
        reverse("archive:opds_private_latest", args=[token.key]),
        reverse("archive:opds_private_tag", args=[token.key, "harbour-lights"]),
        reverse("archive:opds_private_series_list", args=[token.key]),
    ]
    for url in urls:
        content = client.get(url).content.decode()
        assert "Loud Work" not in content and "Loud Series" not in content, url
    assert "Kept Work" in client.get(urls[0]).content.decode()


def test_unmuting_brings_the_works_back(client_for, listener, loud, muted_world):
    client = client_for(listener)
    client.post(relation_url(loud), {"action": "unmute"})
    assert "Loud Work" in client.get(reverse("archive:work_list")).content.decode()


def test_a_persons_page_for_a_reader_query_count(
    client_for, listener, loud, muted_world, django_assert_num_queries
):
    make_work(creator=loud, title="Second Loud Work")
    client = client_for(listener)
    # the person, session, reader (with the inbox count), excluded tags, muted people,
    # standing choices, the works shown and hidden (one count), blocked people, the series,
    # the subscription; every work is muted, so no page of works is read
    with django_assert_num_queries(10):
        response = client.get(page_of(loud))
    assert response.context["hidden_count"] == 2


def test_a_muted_creators_series_leave_search(client_for, listener, muted_world):
    page = client_for(listener).get(reverse("archive:search"), {"q": "Loud"}).content.decode()
    assert "Loud Series" not in page and "Loud Work" not in page
    relations.unmute(reader=listener, muted=muted_world["theirs"].creator)
    page = client_for(listener).get(reverse("archive:search"), {"q": "Loud"}).content.decode()
    assert "Loud Series" in page and "Loud Work" in page
