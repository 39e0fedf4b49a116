"""Kudos: one per reader or guest per work, counted on the work, behind the consent gate."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import Reader
from archive.models import Kudos, Work
from archive.reading import kudos
from tests.factories import make_work

pytestmark = pytest.mark.django_db


def quick_reader(username):
    """A reader who never logs in with a password (force_login needs none): no slow hashing."""
    return Reader.objects.create_user(username)


JSON = {"HTTP_ACCEPT": "application/json"}


def kudos_url(work):
    return reverse("archive:kudos", args=[work.pk])


def kudos_count(work):
    return Work.objects.get(pk=work.pk).kudos_count


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_a_reader_leaves_kudos_once_and_is_thanked(client_for, reader_ask):
    work = make_work()
    response = client_for(reader_ask).post(kudos_url(work), follow=True)
    assert response.redirect_chain[-1][0] == work.get_absolute_url()
    assert kudos.THANKS in messages_of(response)
    assert Kudos.objects.get(work=work).reader == reader_ask
    assert kudos_count(work) == 1


def test_a_second_kudos_is_a_friendly_message_and_no_second_row(client_for, reader_ask):
    work = make_work()
    client = client_for(reader_ask)
    client.post(kudos_url(work))
    response = client.post(kudos_url(work), follow=True)
    assert response.status_code == 200
    assert "You have already left kudos on this work." in messages_of(response)
    assert Kudos.objects.filter(work=work).count() == 1
    assert kudos_count(work) == 1


def test_kudos_go_back_to_the_chapter_the_reader_was_on(client_for, reader_ask):
    work = make_work(chapters=3)
    chapter = reverse("archive:chapter_detail", args=[work.pk, 2])
    response = client_for(reader_ask).post(kudos_url(work), {"next": chapter})
    assert response.url == chapter
    elsewhere = client_for(reader_ask).post(kudos_url(work), {"next": "https://evil.example/"})
    assert elsewhere.url == work.get_absolute_url()


def test_guests_are_told_apart_by_a_hash_of_their_address_never_the_address(client):
    work = make_work()
    client.post(kudos_url(work), REMOTE_ADDR="203.0.113.7")
    client.post(kudos_url(work), REMOTE_ADDR="203.0.113.7")
    client.post(kudos_url(work), REMOTE_ADDR="198.51.100.9")
    keys = list(Kudos.objects.filter(work=work).values_list("guest_key", flat=True))
    assert sorted(keys) == sorted([kudos.guest_key("203.0.113.7"), kudos.guest_key("198.51.100.9")])
    assert all(len(key) == 64 and "203.0.113" not in key for key in keys)
    assert kudos_count(work) == 2


def test_the_guest_key_depends_on_the_secret_key(settings):
    before = kudos.guest_key("203.0.113.7")
    settings.SECRET_KEY = "another-secret-entirely-for-this-test"
    assert kudos.guest_key("203.0.113.7") != before


def test_a_creator_cannot_leave_kudos_on_their_own_work(client_for, creator):
    work = make_work(creator=creator)
    response = client_for(creator).post(kudos_url(work), follow=True)
    assert "You can't leave kudos on your own work." in messages_of(response)
    assert not Kudos.objects.exists()
    assert kudos_count(work) == 0
    with pytest.raises(kudos.KudosRefused):
        kudos.give_kudos(work=work, reader=creator)


def test_kudos_on_a_gated_work_need_the_gate_passed(client):
    work = make_work(rating="explicit", warnings=["non-con"])
    response = client.post(kudos_url(work), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    content = response.content.decode()
    assert "Agree to what this work needs before leaving kudos on it." in content
    assert "Show me this work" in content
    assert response.context["form"]["next"].value() == work.get_absolute_url()
    assert not Kudos.objects.exists()

    json_answer = client.post(kudos_url(work), **JSON)
    assert json_answer.status_code == 403
    assert json_answer.json()["created"] is False
    assert not Kudos.objects.exists()

    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    client.post(kudos_url(work), REMOTE_ADDR="203.0.113.7")
    assert kudos_count(work) == 1


def test_a_reader_who_shows_everything_leaves_kudos_on_a_gated_work(client_for, reader_show):
    work = make_work(rating="explicit", warnings=["non-con"])
    assert client_for(reader_show).post(kudos_url(work)).status_code == 302
    assert kudos_count(work) == 1


def test_a_reader_who_hides_a_rating_cannot_leave_kudos_on_such_a_work(client_for, reader_hide):
    work = make_work(rating="explicit")
    assert client_for(reader_hide).post(kudos_url(work)).status_code == 403
    assert kudos_count(work) == 0


def test_the_script_gets_json_with_the_new_count_and_givers(client_for, reader_ask):
    work = make_work()
    client_for(None).post(kudos_url(work), REMOTE_ADDR="203.0.113.7")
    answer = client_for(reader_ask).post(kudos_url(work), **JSON)
    assert answer.status_code == 200
    assert answer.json() == {
        "created": True,
        "message": kudos.THANKS,
        "kudos_count": 2,
        "givers": "asker and 1 guest left kudos on this work.",
    }
    again = client_for(reader_ask).post(kudos_url(work), **JSON).json()
    assert again["created"] is False
    assert again["message"] == kudos.ALREADY_LEFT
    assert again["kudos_count"] == 2


def test_kudos_answer_posts_only_and_unknown_or_draft_works_are_404(client_for, reader_ask):
    work = make_work()
    draft = make_work(is_posted=False, creator=quick_reader("drafter"))
    client = client_for(reader_ask)
    assert client.get(kudos_url(work)).status_code == 405
    assert client.post(reverse("archive:kudos", args=[999999])).status_code == 404
    assert client.post(kudos_url(draft)).status_code == 404
    assert not Kudos.objects.exists()


def test_kudos_need_the_csrf_token(reader_ask):
    work = make_work()
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader_ask)
    assert client.post(kudos_url(work)).status_code == 403
    assert not Kudos.objects.exists()


@pytest.mark.parametrize(
    ("names", "more", "guests", "sentence"),
    [
        ([], 0, 0, ""),
        (["alice"], 0, 0, "alice left kudos on this work."),
        (["alice", "bob"], 0, 3, "alice, bob and 3 guests left kudos on this work."),
        ([], 0, 1, "1 guest left kudos on this work."),
        (["alice"], 12, 1, "alice, 12 more readers and 1 guest left kudos on this work."),
    ],
)
def test_the_givers_sentence(names, more, guests, sentence):
    assert kudos.Givers(names, more, guests).sentence == sentence


def test_givers_name_the_newest_readers_first_and_count_the_rest(client_for):
    work = make_work()
    readers = [quick_reader(f"fan{n}") for n in range(4)]
    for reader in readers:
        kudos.give_kudos(work=work, reader=reader)
    kudos.give_kudos(work=work, guest_key=kudos.guest_key("203.0.113.7"))
    work.refresh_from_db()
    givers = kudos.givers(work, limit=2)
    assert givers == kudos.Givers(["fan3", "fan2"], more_readers=2, guests=1)


def test_givers_are_read_once_for_each_kudos_count(django_assert_num_queries):
    work = make_work()
    kudos.give_kudos(work=work, reader=quick_reader("alice"))
    work.refresh_from_db()
    with django_assert_num_queries(1):  # the names, with the count of every reader's kudos
        assert kudos.givers(work).names == ["alice"]
    with django_assert_num_queries(0):  # the next page's, from the cache
        assert kudos.givers(work).names == ["alice"]
    kudos.give_kudos(work=work, reader=quick_reader("bob"))
    work.refresh_from_db()
    with django_assert_num_queries(1):  # a new count, so read again
        assert kudos.givers(work).names == ["bob", "alice"]


def test_the_work_page_shows_the_count_and_the_givers(client_for, reader_ask, creator):
    work = make_work(creator=creator)
    kudos.give_kudos(work=work, reader=quick_reader("alice"))
    kudos.give_kudos(work=work, reader=quick_reader("bob"))
    for address in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]:
        kudos.give_kudos(work=work, guest_key=kudos.guest_key(address))
    content = client_for(None).get(work.get_absolute_url()).content.decode()
    assert "bob, alice and 3 guests left kudos on this work." in content
    assert "<dt>Kudos</dt><dd data-kudos-count>5</dd>" in content
    assert 'action="' + kudos_url(work) + '"' in content

    client_for(reader_ask).post(kudos_url(work))
    content = client_for(reader_ask).get(work.get_absolute_url()).content.decode()
    assert "You left kudos on this work." in content
    assert 'action="' + kudos_url(work) + '"' not in content

    own = client_for(creator).get(work.get_absolute_url()).content.decode()
    assert 'action="' + kudos_url(work) + '"' not in own
    assert "asker, bob, alice and 3 guests left kudos on this work." in own


def test_work_listings_show_kudos_counts(client):
    work = make_work()
    kudos.give_kudos(work=work, guest_key=kudos.guest_key("203.0.113.7"))
    content = client.get(reverse("archive:work_list")).content.decode()
    assert "<dt>Kudos</dt><dd data-kudos-count>1</dd>" in content


def test_guest_work_page_with_kudos_query_count(client, django_assert_num_queries):
    work = make_work(chapters=3)
    kudos.give_kudos(work=work, reader=quick_reader("alice"))
    # work, tags (drawing the header), hit count update, the day's hits (the work's, its creator's),
    # chapter index with the first chapter's text, whether it is in a series, kudos givers
    with django_assert_num_queries(8):
        client.get(work.get_absolute_url())


def test_kudos_query_count(client_for, reader_ask, django_assert_num_queries):
    work = make_work()
    client = client_for(reader_ask)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the rate
    # limit's count (start the minute's, purge expired ones), work, tags, savepoint, insert
    # kudos, count update, the day's kudos (the work's, its creator's), release savepoint
    with django_assert_num_queries(12):
        client.post(kudos_url(work))


def post_through_sqlite_locks(client, url):
    """Post, retrying while SQLite's shared-cache test database says a table is locked.

    The in-memory test database shares one cache between connections, and SQLite answers
    "database table is locked" at once there instead of waiting as it does on a file; the
    retry is the harness standing in for that wait. A lock inside the view comes back as the
    archive's 503 page (config.middleware), one outside it as the error itself. Other errors,
    and anything on PostgreSQL, are never retried.
    """
    for _ in range(200):
        try:
            response = client.post(url)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
        else:
            if response.status_code != 503 or connection.vendor != "sqlite":
                return response
        time.sleep(0.01)
    raise AssertionError("SQLite stayed locked")


@pytest.mark.django_db(transaction=True)
def test_simultaneous_kudos_from_one_reader_make_exactly_one(reader_ask, settings):
    # Every retry through SQLite's locks counts against the kudos rate limit; this test is
    # about the constraint, and the limit has tests of its own.
    settings.RATELIMIT_ENABLE = False
    work = make_work()
    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(reader_ask)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses, errors = [], []

    def leave_kudos(client):
        try:
            start.wait()
            statuses.append(post_through_sqlite_locks(client, kudos_url(work)).status_code)
        except Exception as error:  # a 500 re-raised by the test client
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=leave_kudos, args=[client]) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == [302] * len(clients)
    assert Kudos.objects.filter(work=work).count() == 1
    assert kudos_count(work) == 1
