"""The account page for private feed and catalog addresses: make, regenerate, revoke."""

import pytest
from django.urls import reverse

from accounts.models import FeedToken
from accounts.views.feeds import issue_feed_token
from tests.factories import make_reader, make_work
from tests.test_site import assert_valid_html, count_h1

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:feeds")
NEW = reverse("accounts:new_feed_token")
REVOKE = reverse("accounts:revoke_feed_token")


def private_feed(key):
    return reverse("archive:private_feed_works", args=[key])


def test_guests_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(NEW).status_code == 302
    assert FeedToken.objects.count() == 0


def test_account_page_links_to_the_feeds_page(client_for, reader_ask):
    account = client_for(reader_ask).get(reverse("accounts:account"))
    assert f'href="{PAGE}"' in account.content.decode()


def test_a_reader_without_a_token_is_offered_one(client_for, reader_ask):
    content = client_for(reader_ask).get(PAGE).content.decode()
    assert "Make my private addresses" in content
    assert "http://testserver/feeds/works.atom" in content  # the public feed is always shown


def test_making_showing_regenerating_and_revoking_the_token(client_for, reader_ask):
    client = client_for(reader_ask)
    make_work()
    response = client.post(NEW, follow=True)
    token = FeedToken.objects.get(reader=reader_ask)
    assert len(token.key) >= 40
    content = response.content.decode()
    assert f"http://testserver{private_feed(token.key)}" in content
    assert f"http://testserver{reverse('archive:opds_private_root', args=[token.key])}" in content
    assert f"http://testserver/feeds/{token.key}/tags/&lt;tag&gt;.atom" in content
    assert client.get(private_feed(token.key)).status_code == 200

    client.post(NEW)
    new = FeedToken.objects.get(reader=reader_ask)
    assert new.key != token.key
    assert client.get(private_feed(token.key)).status_code == 404
    assert client.get(private_feed(new.key)).status_code == 200

    response = client.post(REVOKE, follow=True)
    assert "Make my private addresses" in response.content.decode()
    assert not FeedToken.objects.filter(reader=reader_ask).exists()
    assert client.get(private_feed(new.key)).status_code == 404


def test_the_page_with_the_secret_addresses_is_never_cached(client_for, reader_ask):
    client = client_for(reader_ask)
    client.post(NEW)

    response = client.get(PAGE)

    assert FeedToken.objects.get(reader=reader_ask).key in response.content.decode()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control


def test_changes_need_a_post(client_for, reader_ask):
    client = client_for(reader_ask)
    assert client.get(NEW).status_code == 405
    assert client.get(REVOKE).status_code == 405


def test_revoking_without_a_token_is_harmless(client_for, reader_ask):
    response = client_for(reader_ask).post(REVOKE)
    assert response.status_code == 302


def test_a_reader_only_ever_touches_their_own_token(client_for, reader_ask):
    other = make_reader("other")
    theirs = issue_feed_token(reader=other)
    client = client_for(reader_ask)
    client.post(NEW)
    client.post(REVOKE)
    assert FeedToken.objects.get(reader=other).key == theirs.key
    assert theirs.key not in client.get(PAGE).content.decode()


def test_issue_feed_token_replaces_the_key():
    reader = make_reader("someone")
    first = issue_feed_token(reader=reader)
    second = issue_feed_token(reader=reader)
    assert first.key != second.key
    assert list(FeedToken.objects.values_list("key", flat=True)) == [second.key]


def test_feeds_page_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    issue_feed_token(reader=reader_ask)
    # session, reader, their token
    with django_assert_num_queries(3):
        client.get(PAGE)


def test_page_with_addresses_is_valid_with_one_h1(client_for, reader_ask):
    issue_feed_token(reader=reader_ask)
    response = client_for(reader_ask).get(PAGE)
    assert count_h1(response) == 1
    assert_valid_html(response, PAGE)
