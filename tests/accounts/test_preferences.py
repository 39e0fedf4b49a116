"""Standing consent choices: show, ask, hide for each rating and warning."""

import re

import pytest
from django.urls import reverse

from accounts.models import ConsentChoice
from archive.vocabulary import ConsentItem
from tests.factories import body_marker, make_work

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("accounts:preferences")


def all_choices(choice, **overrides):
    return {item: overrides.get(item, choice) for item in ConsentItem.values}


def test_guests_are_sent_to_log_in(client):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_form_starts_at_ask_each_time(client_for, reader_ask):
    response = client_for(reader_ask).get(PREFERENCES)
    content = response.content.decode()
    assert len(re.findall(r'value="ask"[^>]* checked', content)) == len(ConsentItem.values)
    assert "Graphic Depictions Of Violence" in content


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
