"""Subscribing from a work or a creator, the subscriptions page, what's new, and the signed
unsubscribe link."""

import pytest
from django.test import Client
from django.urls import reverse

from archive.writing import posting
from following.models import Alert, Subscription
from following.subscriptions import subscribe, unsubscribe_token
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(creator):
    return make_work(creator=creator, chapters=1)


def toggle(client, url, action, **extra):
    return client.post(url, {"action": action, **extra})


def test_a_reader_subscribes_and_unsubscribes_from_the_work_page(client_for, reader_show, work):
    client = client_for(reader_show)
    url = reverse("following:subscribe_work", args=[work.pk])
    page = client.get(work.get_absolute_url()).content.decode()
    assert f'action="{url}"' in page and "Subscribe" in page

    assert toggle(client, url, "subscribe").status_code == 302
    assert toggle(client, url, "subscribe").status_code == 302  # twice is still once
    assert Subscription.objects.filter(reader=reader_show, work=work).count() == 1
    assert "Unsubscribe" in client.get(work.get_absolute_url()).content.decode()

    toggle(client, url, "unsubscribe")
    assert not Subscription.objects.exists()


def test_subscribing_to_a_creator_and_not_to_oneself(client_for, reader_ask, creator):
    client = client_for(reader_ask)
    toggle(client, reverse("following:subscribe_creator", args=[creator.username]), "subscribe")
    assert Subscription.objects.get().creator == creator

    own = toggle(
        client_for(creator),
        reverse("following:subscribe_creator", args=[creator.username]),
        "subscribe",
    )
    assert own.status_code == 400
    assert "cannot subscribe to yourself" in own.content.decode()
    assert Subscription.objects.count() == 1


def test_bad_subscription_requests_change_nothing(client_for, reader_ask, creator):
    client = client_for(reader_ask)
    draft = make_work(creator=creator, is_posted=False)
    assert (
        toggle(
            client, reverse("following:subscribe_work", args=[draft.pk]), "subscribe"
        ).status_code
        == 404
    )
    assert (
        toggle(client, reverse("following:subscribe_work", args=[999999]), "subscribe").status_code
        == 404
    )
    assert (
        toggle(
            client, reverse("following:subscribe_creator", args=["nobody"]), "subscribe"
        ).status_code
        == 404
    )
    posted = make_work(creator=creator)
    url = reverse("following:subscribe_work", args=[posted.pk])
    assert toggle(client, url, "follow-harder").status_code == 400
    assert client.get(url).status_code == 405
    assert not Subscription.objects.exists()


def test_guests_are_asked_to_log_in(client, work):
    response = toggle(client, reverse("following:subscribe_work", args=[work.pk]), "subscribe")
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_unsafe_next_address_goes_back_to_the_work(client_for, reader_ask, work):
    client = client_for(reader_ask)
    url = reverse("following:subscribe_work", args=[work.pk])
    response = toggle(client, url, "subscribe", next="https://elsewhere.example/")
    assert response["Location"] == work.get_absolute_url()


def test_the_subscriptions_page_lists_and_sets_the_email_choice(
    client_for, reader_ask, creator, work, django_assert_num_queries
):
    subscribe(reader=reader_ask, target=work)
    subscribe(reader=reader_ask, target=creator)
    client = client_for(reader_ask)
    # Session, reader (with the header's unread inbox count), the subscriptions with their
    # works, creators and series (one join).
    with django_assert_num_queries(3):
        page = client.get(reverse("following:subscriptions")).content.decode()
    assert work.title in page and creator.username in page

    response = client.post(reverse("following:subscriptions"), {"alert_email": "daily"})
    assert response.status_code == 302
    reader_ask.refresh_from_db()
    assert reader_ask.alert_email == "daily"
    assert (
        client.post(reverse("following:subscriptions"), {"alert_email": "hourly"}).status_code
        == 400
    )
    reader_ask.refresh_from_db()
    assert reader_ask.alert_email == "daily"


def test_whats_new_lists_updates_and_marks_them_seen(
    client_for, reader_ask, work, django_capture_on_commit_callbacks, django_assert_num_queries
):
    subscribe(reader=reader_ask, target=work)
    with django_capture_on_commit_callbacks(execute=True):
        posting.add_chapter(work=work, body="<p>Two.</p>", title="The second")
        posting.add_chapter(work=work, body="<p>Three.</p>", title="The third")
    client = client_for(reader_ask)
    url = reverse("following:whats_new")
    # Session, reader (with the inbox count, standing choices, excluded tags and mutes), the
    # update of when they last looked, the alerts with their works and chapters (one join).
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    assert "The second" in page and "The third" in page
    assert page.count('class="badge"') == 2
    assert 'class="badge"' not in client.get(url).content.decode()


def test_whats_new_leaves_out_works_the_reader_hides_now(
    client_for, reader_hide, creator, django_capture_on_commit_callbacks
):
    gated = make_work(creator=creator, rating="explicit", chapters=1)
    subscribe(reader=reader_hide, target=gated)
    with django_capture_on_commit_callbacks(execute=True):
        posting.add_chapter(work=gated, body="<p>Two.</p>")
    assert not Alert.objects.exists()  # hidden when posted: never told
    page = client_for(reader_hide).get(reverse("following:whats_new")).content.decode()
    assert gated.title not in page


def test_the_unsubscribe_link_asks_on_get_and_unsubscribes_on_post_without_login(work):
    reader = make_reader("mailreader")
    subscription, _ = subscribe(reader=reader, target=work)
    url = reverse("following:unsubscribe", args=[unsubscribe_token(subscription)])
    client = Client(enforce_csrf_checks=True)  # a mail client's one-click POST has no token

    asked = client.get(url)
    assert asked.status_code == 200 and work.title in asked.content.decode()
    assert Subscription.objects.exists()

    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert not Subscription.objects.exists()
    assert client.post(url).status_code == 404  # already gone: said so, nothing changes


def test_a_forged_or_altered_unsubscribe_link_is_refused(work):
    reader, other = make_reader("mailreader"), make_reader("other")
    subscription, _ = subscribe(reader=reader, target=work)
    kept, _ = subscribe(reader=other, target=work)
    token = unsubscribe_token(subscription)
    for bad in [token[:-2] + "xx", "nonsense", token.replace(":", "")]:
        assert Client().post(reverse("following:unsubscribe", args=[bad])).status_code == 404
    assert Subscription.objects.count() == 2


def test_the_work_page_says_how_many_chapters_are_new_since_the_last_visit(
    client_for, reader_show, work
):
    client = client_for(reader_show)
    client.get(work.get_absolute_url())
    posting.add_chapter(work=work, body="<p>Two.</p>")
    posting.add_chapter(work=work, body="<p>Three.</p>")
    page = client.get(work.get_absolute_url()).content.decode()
    assert "2 new chapters since you last read" in page
    assert reverse("archive:chapter_detail", args=[work.pk, 2]) in page
    assert "new chapters since" not in client.get(work.get_absolute_url()).content.decode()


def test_subscribe_buttons_on_creator_and_series_pages(client_for, reader_ask, creator):
    from archive.models import Series
    from archive.writing.series import add_work_to_series

    series = Series.objects.create(creator=creator, title="The Keepers")
    add_work_to_series(series=series, work=make_work(creator=creator))
    client = client_for(reader_ask)
    for page, url in [
        (
            reverse("archive:creator_detail", args=[creator.username]),
            reverse("following:subscribe_creator", args=[creator.username]),
        ),
        (series.get_absolute_url(), reverse("following:subscribe_series", args=[series.pk])),
    ]:
        assert f'action="{url}"' in client.get(page).content.decode()
        assert toggle(client, url, "subscribe").status_code == 302
    assert Subscription.objects.filter(reader=reader_ask).count() == 2
    own = client_for(creator).get(reverse("archive:creator_detail", args=[creator.username]))
    assert reverse("following:subscribe_creator", args=[creator.username]) not in (
        own.content.decode()
    )
