"""Blocking and muting from a person's page, the list with undo, and a muted creator's works
leaving every list of the reader's, with counts that match."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import relations
from accounts.models import Block, ConsentChoice, FeedToken, Mute
from archive.models import Series
from archive.reading.bookmarks import save_bookmark
from archive.vocabulary import TagKind
from archive.writing.series import add_work_to_series
from tests.factories import make_reader, make_work
from tests.test_site import assert_valid_html

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
    # the person, session, reader (with the inbox count, standing choices, excluded tags and mutes),
    # blocked people, the works shown and hidden (one count), the series (with whether they
    # are hidden), the subscription; every work is muted, so no page of works is read
    with django_assert_num_queries(7):
        response = client.get(page_of(loud))
    assert response.context["hidden_count"] == 2


def test_a_muted_creators_series_leave_search(client_for, listener, muted_world):
    page = client_for(listener).get(reverse("archive:search"), {"q": "Loud"}).content.decode()
    assert "Loud Series" not in page and "Loud Work" not in page
    relations.unmute(reader=listener, muted=muted_world["theirs"].creator)
    page = client_for(listener).get(reverse("archive:search"), {"q": "Loud"}).content.decode()
    assert "Loud Series" in page and "Loud Work" in page


# ---------- Blocking and muting by name, from the people page ----------------------------

PEOPLE = reverse("accounts:people")


def by_name(client, action, name):
    return client.post(PEOPLE, {"action": action, f"{action}-username": name})


@pytest.mark.parametrize("action, model", [("block", Block), ("mute", Mute)])
def test_block_and_mute_by_name_from_the_people_page(client_for, listener, loud, action, model):
    client = client_for(listener)
    page = client.get(PEOPLE).content.decode()
    assert f"{action.capitalize()} a reader by user name" in page
    response = by_name(client, action, "loud")
    assert response.status_code == 302 and response["Location"] == PEOPLE
    assert model.objects.count() == 1
    page = client.get(PEOPLE).content.decode()
    assert f"You {action} loud" in page and f'value="un{action}"' in page
    # Again is harmless, and says so; a name typed in another case finds the reader too.
    response = by_name(client, action, " LOUD ")
    assert response.status_code == 302 and model.objects.count() == 1
    assert f"You already {action} loud." in client.get(PEOPLE).content.decode()


@pytest.mark.parametrize("action", ["block", "mute"])
@pytest.mark.parametrize(
    "name, error",
    [
        ("nobody-at-all", "There is no reader called “nobody-at-all”."),
        ("listener", "You cannot {action} yourself."),
        ("", "This field is required."),
        ("gone", "There is no reader called “gone”."),
    ],
)
def test_blocking_or_muting_by_a_bad_name_says_why_and_changes_nothing(
    client_for, listener, loud, action, name, error
):
    make_reader("gone", is_active=False)
    response = by_name(client_for(listener), action, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert error.format(action=action) in page
    # The error is on the form it belongs to, and what was typed is kept.
    assert page.count(f'id="id_{action}-username_error"') == 1
    assert f'aria-describedby="id_{action}-username_error"' in page
    assert_valid_html(response, PEOPLE)
    assert not Block.objects.exists() and not Mute.objects.exists()


def test_staff_can_be_blocked_and_muted_like_anyone(client_for, listener, staff):
    client = client_for(listener)
    assert by_name(client, "block", staff.username).status_code == 302
    assert by_name(client, "mute", staff.username).status_code == 302
    assert (
        Block.objects.filter(blocked=staff).exists() and Mute.objects.filter(muted=staff).exists()
    )


def test_a_bad_action_on_the_people_page_changes_nothing(client_for, listener, loud):
    signed_in = client_for(listener)
    assert (
        signed_in.post(PEOPLE, {"action": "silence", "silence-username": "loud"}).status_code == 400
    )
    assert signed_in.post(PEOPLE, {"block-username": "loud"}).status_code == 400
    guest = Client().post(PEOPLE, {"action": "block", "block-username": "loud"})
    assert guest.status_code == 302 and reverse("accounts:login") in guest["Location"]
    assert not Block.objects.exists() and not Mute.objects.exists()


def test_the_people_page_with_an_error_query_count(
    client_for, listener, loud, django_assert_num_queries
):
    client = client_for(listener)
    # session, reader (with the header's inbox count), the name asked for (exactly, then in
    # any case), blocks with readers, mutes with readers
    with django_assert_num_queries(6):
        by_name(client, "block", "nobody-at-all")


# ---------- A muted person's series and bookmarks -----------------------------------------


@pytest.fixture
def bookmarked(listener, loud, muted_world):
    """loud and calm each bookmark kept work; calm bookmarks loud's work and a hidden one."""
    calm = muted_world["kept"].creator
    explicit = make_work(title="Explicit Work", creator=calm, rating="explicit")
    ConsentChoice.objects.filter(reader=listener, item="rating:explicit").update(choice="hide")
    save_bookmark(reader=loud, work=muted_world["kept"], notes="Loud notes.")
    save_bookmark(reader=calm, work=muted_world["kept"], notes="Calm notes.")
    save_bookmark(reader=calm, work=muted_world["theirs"], notes="On loud's work.")
    save_bookmark(reader=calm, work=explicit, notes="On the explicit one.")
    save_bookmark(reader=loud, work=explicit, private=True, notes="Private.")
    return {**muted_world, "calm": calm}


def test_a_muted_persons_series_leave_their_page_and_are_counted(
    client_for, listener, loud, muted_world
):
    second = Series.objects.create(creator=loud, title="Second Loud Series")
    add_work_to_series(series=second, work=make_work(creator=loud))
    response = client_for(listener).get(page_of(loud))
    assert_valid_html(response, page_of(loud))
    page = response.content.decode()
    assert "Loud Series" not in page
    assert response.context["series_list"] == [] and response.context["series_hidden"] == 2
    assert "2 series hidden by your preferences: you mute loud." in page
    # Unmuted, they are back, and nothing is said to be hidden.
    relations.unmute(reader=listener, muted=loud)
    response = client_for(listener).get(page_of(loud))
    assert "Second Loud Series" in response.content.decode()
    assert len(response.context["series_list"]) == 2 and response.context["series_hidden"] == 0


def test_a_muted_persons_series_page_says_why_it_looks_empty(client_for, listener, muted_world):
    response = client_for(listener).get(muted_world["series"].get_absolute_url())
    page = response.content.decode()
    assert "You mute loud: this series and its works are left out of your lists." in page
    assert "1 hidden by your preferences" in " ".join(page.split())


def test_a_muted_persons_bookmarks_leave_a_works_bookmarks_and_are_counted(
    client_for, listener, bookmarked
):
    url = reverse("archive:work_bookmarks", args=[bookmarked["kept"].pk])
    response = client_for(listener).get(url)
    assert_valid_html(response, url)
    page = " ".join(response.content.decode().split())
    assert "Calm notes." in page and "Loud notes." not in page
    assert response.context["page"].paginator.count == 1 and response.context["hidden_count"] == 1
    assert "1 bookmark · 1 hidden because you mute the reader who made it." in page
    # A guest mutes nobody.
    guest = client_for(None).get(url)
    assert "Loud notes." in guest.content.decode() and guest.context["hidden_count"] == 0


def test_a_muted_persons_work_keeps_its_own_bookmarks_page(client_for, listener, bookmarked):
    # Opened on purpose: the work's bookmarks by others are its page's subject.
    url = reverse("archive:work_bookmarks", args=[bookmarked["theirs"].pk])
    response = client_for(listener).get(url)
    assert "On loud&#x27;s work." in response.content.decode()
    assert response.context["hidden_count"] == 0


def test_a_muted_persons_bookmark_page_hides_them_all_and_says_why(
    client_for, listener, loud, bookmarked
):
    url = reverse("archive:reader_bookmarks", args=["loud"])
    response = client_for(listener).get(url)
    assert_valid_html(response, url)
    page = " ".join(response.content.decode().split())
    assert "Loud notes." not in page and "Private." not in page
    assert "You mute loud: their bookmarks are left out of your lists." in page
    assert response.context["page"].paginator.count == 0
    # Their public bookmarks only: the private one is neither shown nor counted.
    assert response.context["hidden_count"] == 1
    assert "0 bookmarks · 1 hidden by your preferences." in page


def test_another_readers_bookmarks_of_hidden_works_are_counted(client_for, listener, bookmarked):
    response = client_for(listener).get(reverse("archive:reader_bookmarks", args=["calm"]))
    page = " ".join(response.content.decode().split())
    assert "Calm notes." in page
    assert "On loud&#x27;s work." not in page and "On the explicit one." not in page
    assert response.context["page"].paginator.count == 1 and response.context["hidden_count"] == 2
    assert "1 bookmark · 2 hidden by your preferences." in page


def test_bookmark_pages_for_a_reader_query_count(
    client_for, listener, bookmarked, django_assert_num_queries
):
    client = client_for(listener)
    kept = reverse("archive:work_bookmarks", args=[bookmarked["kept"].pk])
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work,
    # tags, bookmarks shown and hidden (one count), the page of bookmarks with readers,
    # their tags
    with django_assert_num_queries(7):
        client.get(kept)
    calm = reverse("archive:reader_bookmarks", args=["calm"])
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the
    # owner, bookmarks shown and hidden (one count), the page of bookmarks with works and
    # creators, bookmark tags, work tags, work warnings
    with django_assert_num_queries(8):
        client.get(calm)
