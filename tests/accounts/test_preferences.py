"""Standing consent choices: show, ask, hide for each rating and warning."""

import re

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import ConsentChoice, FeedToken
from archive.reading import bookmarks
from archive.reading import history as reading_history
from archive.vocabulary import ConsentItem, TagKind, UngatedItem
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("accounts:preferences")


def all_choices(choice, ungated="show", **overrides):
    """A whole form: `choice` for what needs agreement, `ungated` for the rest."""
    data = dict.fromkeys(ConsentItem.values, choice)
    data |= dict.fromkeys(UngatedItem.values, ungated)
    return data | overrides


def test_guests_are_sent_to_log_in(client):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_form_starts_at_ask_each_time(client_for, reader_ask):
    response = client_for(reader_ask).get(PREFERENCES)
    content = response.content.decode()
    assert len(re.findall(r'value="ask"[^>]* checked', content)) == len(ConsentItem.values)
    assert "Graphic Depictions Of Violence" in content


def test_what_needs_no_agreement_starts_shown_and_offers_only_show_or_hide(client_for, reader_ask):
    form = client_for(reader_ask).get(PREFERENCES).context["form"]
    for item in UngatedItem.values:
        assert form[item].value() == "show"
        assert [value for value, _label in form.fields[item].choices] == ["show", "hide"]


def test_every_rating_and_warning_has_a_choice_in_vocabulary_order(client_for, reader_ask):
    form = client_for(reader_ask).get(PREFERENCES).context["form"]
    assert [field.name for field in form.rating_fields()] == [
        "rating:general",
        "rating:teen",
        "rating:mature",
        "rating:explicit",
        "rating:not-rated",
    ]
    assert [field.name for field in form.warning_fields()] == [
        "warning:choose-not-to-warn",
        "warning:graphic-violence",
        "warning:major-character-death",
        "warning:no-warnings",
        "warning:non-con",
        "warning:underage",
    ]


def test_saving_choices_changes_what_the_reader_meets(client_for, reader_ask):
    client = client_for(reader_ask)
    violent = make_work(rating="teen", warnings=["graphic-violence"])
    explicit = make_work(rating="explicit", warnings=["no-warnings"])
    data = all_choices("ask", **{"warning:graphic-violence": "show", "rating:explicit": "hide"})
    response = client.post(PREFERENCES, data)
    assert response.status_code == 302

    assert body_marker(violent.pk, 1) in client.get(violent.get_absolute_url()).content.decode()
    listed = client.get(reverse("archive:work_list")).context["page"].object_list
    assert violent in listed
    assert explicit not in listed
    assert set(ConsentChoice.objects.values_list("item", "choice")) == {
        ("warning:graphic-violence", "show"),
        ("rating:explicit", "hide"),
    }


def test_going_back_to_ask_removes_the_choice(client_for, reader_show):
    client_for(reader_show).post(PREFERENCES, all_choices("ask"))
    assert not ConsentChoice.objects.filter(reader=reader_show).exists()


def test_hiding_what_needs_no_agreement_is_kept_and_showing_it_again_removes_it(
    client_for, reader_ask
):
    client = client_for(reader_ask)
    client.post(PREFERENCES, all_choices("ask", ungated="hide"))
    assert set(ConsentChoice.objects.values_list("item", "choice")) == {
        (item, "hide") for item in UngatedItem.values
    }
    form = client.get(PREFERENCES).context["form"]
    assert form["rating:general"].value() == "hide"

    client.post(PREFERENCES, all_choices("ask"))
    assert not ConsentChoice.objects.exists()


def test_ask_is_no_choice_for_what_needs_no_agreement(client_for, reader_ask):
    response = client_for(reader_ask).post(PREFERENCES, all_choices("ask", ungated="ask"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ConsentChoice.objects.exists()


def test_the_database_keeps_only_hide_for_what_needs_no_agreement(reader_ask):
    with pytest.raises(IntegrityError):
        ConsentChoice.objects.create(reader=reader_ask, item="rating:general", choice="show")


def test_bad_values_are_a_form_error_and_change_nothing(client_for, reader_show):
    before = set(ConsentChoice.objects.values_list("item", "choice"))
    response = client_for(reader_show).post(
        PREFERENCES, all_choices("show", **{"rating:mature": "always"})
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert set(ConsentChoice.objects.values_list("item", "choice")) == before


def test_one_reader_cannot_change_anothers_choices(client_for, reader_ask, reader_show):
    client_for(reader_ask).post(PREFERENCES, {**all_choices("hide"), "reader": reader_show.pk})
    assert set(
        ConsentChoice.objects.filter(reader=reader_show).values_list("choice", flat=True)
    ) == {"show"}


def test_preferences_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    # session, reader, standing choices
    with django_assert_num_queries(3):
        client.get(PREFERENCES)


# Hiding what needs no agreement, everywhere hiding applies


@pytest.fixture
def mild_works():
    """One work each that a reader hiding the ungated items must or must not meet in lists."""
    fandom = [("Lantern Tales", TagKind.FANDOM)]
    return {
        "general": make_work(title="Lantern General", tags=fandom),
        "teen": make_work(
            title="Lantern Teen", rating="teen", warnings=["graphic-violence"], tags=fandom
        ),
        "unwarned": make_work(title="Lantern Unwarned", rating="mature", tags=fandom),
        "kept": make_work(
            title="Lantern Kept", rating="explicit", warnings=["graphic-violence"], tags=fandom
        ),
    }


@pytest.fixture
def mild_hider(client_for, mild_works):
    """A reader who hid General, Teen and No Archive Warnings Apply through the form, and
    has every test work in their bookmarks, marked for later and history."""
    reader = make_reader("mildhider")
    client_for(reader).post(PREFERENCES, all_choices("ask", ungated="hide"))
    for work in mild_works.values():
        bookmarks.save_bookmark(reader=reader, work=work)
        bookmarks.mark_for_later(reader=reader, work=work)
        chapter = work.chapters.get(position=1)
        reading_history.record_visit(reader=reader, work=work, chapter=chapter)
    return reader


HIDING_LISTS = [
    reverse("archive:work_list"),
    reverse("archive:tag_detail", args=["lantern-tales"]),
    reverse("archive:search") + "?q=lantern",
    reverse("archive:my_bookmarks"),
    reverse("archive:reader_bookmarks", args=["mildhider"]),
    reverse("archive:marked_for_later"),
    reverse("archive:history"),
]


@pytest.mark.parametrize("url", HIDING_LISTS)
def test_hidden_ungated_items_leave_every_list(client_for, mild_hider, mild_works, url):
    response = client_for(mild_hider).get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Lantern Kept" in content
    for name in ("general", "teen", "unwarned"):
        assert mild_works[name].title not in content, name


@pytest.mark.parametrize("url", HIDING_LISTS[:3])
def test_other_readers_still_see_the_mild_works(client_for, mild_works, url):
    content = client_for(None).get(url).content.decode()
    assert all(work.title in content for work in mild_works.values())


@pytest.mark.parametrize("name", ["archive:private_feed_works", "archive:opds_private_latest"])
def test_hidden_ungated_items_leave_private_feeds_and_catalogs(
    client, mild_hider, mild_works, name
):
    token = FeedToken.objects.create(reader=mild_hider, key="m" * 43)

    response = client.get(reverse(name, args=[token.key]))

    assert response.status_code == 200
    assert b"Lantern Kept" in response.content
    for name in ("general", "teen", "unwarned"):
        assert mild_works[name].title.encode() not in response.content, name


def test_a_hidden_mild_work_opens_on_a_direct_visit(client_for, mild_hider, mild_works):
    # "Hide" keeps works out of lists; nothing is asked of a work that needs no agreement.
    work = mild_works["general"]
    content = client_for(mild_hider).get(work.get_absolute_url()).content.decode()
    assert body_marker(work.pk, 1) in content
