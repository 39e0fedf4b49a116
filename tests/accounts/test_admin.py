"""Staff manage readers' accounts in the admin without seeing their private choices."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ConsentChoice
from archive.account import ORPHAN_NAME
from archive.reading.kudos import give_kudos
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db


def test_staff_do_not_see_a_readers_consent_or_display_choices(client_for):
    admin = make_reader("administrator", is_staff=True, is_superuser=True)
    reader = make_reader("private-reader", theme="dark")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice="show")
    response = client_for(admin).get(reverse("admin:accounts_reader_change", args=[reader.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "private-reader" in content
    assert "rating:explicit" not in content
    assert 'name="theme"' not in content
    assert 'name="consent_choices-TOTAL_FORMS"' not in content


def reader_admin(admin, view, reader):
    return reverse(f"admin:accounts_reader_{view}", args=[reader.pk])


def titles_found(query):
    response = Client().get(reverse("archive:search"), {"q": query})
    return {work.title for work in response.context["page"].object_list}


def test_a_creator_renamed_in_the_admin_is_found_by_the_new_name_only(client_for):
    admin = make_reader("administrator", is_staff=True, is_superuser=True)
    creator = make_reader("oldquill")
    make_work(title="The Candle", creator=creator)
    form = {"username": "newquill", "date_joined_0": "2026-01-01", "date_joined_1": "10:00"}

    response = client_for(admin).post(reader_admin(admin, "change", creator), form)

    assert response.status_code == 302
    assert titles_found("newquill") == {"The Candle"}
    assert titles_found("oldquill") == set()


def test_deleting_a_reader_in_the_admin_is_deleting_their_account(client_for):
    admin = make_reader("administrator", is_staff=True, is_superuser=True)
    creator, fan = make_reader("oldquill"), make_reader("fan")
    work = make_work(title="The Candle", creator=creator)
    give_kudos(work=work, reader=fan)

    response = client_for(admin).post(reader_admin(admin, "delete", fan), {"post": "yes"})
    client_for(admin).post(reader_admin(admin, "delete", creator), {"post": "yes"})

    assert response.status_code == 302
    work.refresh_from_db()
    assert (work.creator, work.creator_name, work.kudos_count) == (None, ORPHAN_NAME, 0)
    assert titles_found("oldquill") == set()
