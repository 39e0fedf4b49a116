"""Deleting every subscription at once, from the subscriptions page, after a confirmation."""

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Series
from following.models import Subscription
from following.subscriptions import subscribe
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

DELETE_ALL = reverse("following:delete_all_subscriptions")


@pytest.fixture
def following_three(reader_ask, creator):
    work = make_work(creator=creator)
    series = Series.objects.create(title="Cycle", creator=creator)
    for target in (work, creator, series):
        subscribe(reader=reader_ask, target=target)
    return reader_ask


def test_the_page_offers_it_and_asks_first(client_for, following_three, django_assert_num_queries):
    client = client_for(following_three)
    assert f'href="{DELETE_ALL}"' in client.get(reverse("following:subscriptions")).content.decode()
    # Session, reader (with the header's unread inbox count), the count of subscriptions.
    with django_assert_num_queries(3):
        confirm = client.get(DELETE_ALL)
    page = confirm.content.decode()
    assert "Delete all 3 subscriptions" in page and 'name="csrfmiddlewaretoken"' in page
    assert Subscription.objects.count() == 3  # asking deleted nothing


def test_confirming_deletes_only_the_readers_own(client_for, following_three, creator):
    other = make_reader("other")
    subscribe(reader=other, target=creator)
    response = client_for(following_three).post(DELETE_ALL)
    assert response.status_code == 302
    assert response["Location"] == reverse("following:subscriptions")
    assert list(Subscription.objects.values_list("reader", flat=True)) == [other.pk]
    page = client_for(following_three).get(response["Location"]).content.decode()
    assert "3 subscriptions deleted" in page
    assert f'href="{DELETE_ALL}"' not in page  # nothing left to delete


def test_it_needs_a_csrf_token_and_a_login(following_three):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(following_three)
    assert checked.post(DELETE_ALL).status_code == 403
    assert Client().post(DELETE_ALL).status_code == 302  # to the login page
    assert Subscription.objects.count() == 3


def test_with_nothing_followed_there_is_nothing_to_confirm(client_for, reader_ask):
    page = client_for(reader_ask).get(DELETE_ALL).content.decode()
    assert "nothing to delete" in page and "<form" not in page.split("<main")[-1]
