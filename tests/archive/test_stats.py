"""Statistics: the days a work's counters keep (through the archive's own functions), the
creator's and the work's statistics pages, their charts, tables and CSV."""

import csv
import datetime
import io
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from django.contrib import admin
from django.db import OperationalError, connection, connections, transaction
from django.test import RequestFactory
from django.urls import reverse

from accounts.account import delete_account
from accounts.models import Reader
from archive.models import Bookmark, CreatorDay, Work, WorkDay
from archive.reading import bookmarks, hits, kudos
from archive.stats import days, figures
from archive.writing import posting
from conversation import comments
from following import subscriptions
from tests.factories import make_reader, make_work

TODAY = datetime.date(2026, 3, 31)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The days fall on a fixed today, moved with `today.move(days)`."""

    class Clock:
        day = TODAY

        def move(self, number):
            self.day += datetime.timedelta(days=number)

    clock = Clock()
    monkeypatch.setattr(days, "today", lambda: clock.day)
    return clock


def day_of(work, day=TODAY):
    return WorkDay.objects.filter(work=work, day=day).values(*days.MEASURES, "words").first()


def creator_day(creator, day=TODAY):
    rows = CreatorDay.objects.filter(creator=creator, day=day)
    return rows.values(*days.MEASURES, "words").first()


def visit(client, work, address):
    assert client.get(work.get_absolute_url(), REMOTE_ADDR=address).status_code == 200


@pytest.fixture
def received(db, client, creator):
    """A creator's work that was read, liked, discussed, bookmarked and followed today."""
    work = make_work(creator=creator, title="Received")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        visit(client, work, address)
    alice, bob = make_reader("alice"), make_reader("bob")
    kudos.give_kudos(work=work, reader=alice)
    kudos.give_kudos(work=work, guest_key=kudos.guest_key("192.0.2.1"))
    comments.post_comment(work=work, author=bob, body="Lovely.")
    bookmarks.save_bookmark(reader=alice, work=work)
    bookmarks.save_bookmark(reader=bob, work=work, private=True)
    subscriptions.subscribe(reader=bob, target=work)
    return work


# The days, kept by the functions that change the totals


def test_each_counter_adds_to_its_day(received):
    assert day_of(received) == {
        "hits": 3,
        "kudos": 2,
        "comments": 1,
        "public_bookmarks": 1,  # the private one counts nowhere, as on AO3
        "subscriptions": 1,
        "words": None,
    }


def test_losses_count_on_the_day_they_happen(received, today):
    today.move(1)
    carol = make_reader("carol")
    shown = comments.post_comment(work=received, author=carol, body="Hm.")
    comments.delete_comment(comment=shown, by=carol)
    alices = Bookmark.objects.get(work=received, reader__username="alice")
    bookmarks.edit_bookmark(bookmark=alices, private=True)
    subscriptions.unsubscribe(reader=Reader.objects.get(username="bob"), target=received)
    assert day_of(received, today.day) == {
        "hits": 0,
        "kudos": 0,
        "comments": 0,  # one posted, one deleted
        "public_bookmarks": -1,
        "subscriptions": -1,
        "words": None,
    }
    assert day_of(received)["public_bookmarks"] == 1  # the day before stays as it was


def test_unsubscribing_from_everything_counts_each_work(received, today):
    bob = Reader.objects.get(username="bob")
    other = make_work(creator=received.creator)
    subscriptions.subscribe(reader=bob, target=other)
    subscriptions.subscribe(reader=bob, target=received.creator)  # a creator: no work's day
    today.move(1)
    subscriptions.unsubscribe_all(reader=bob)
    assert day_of(received, today.day)["subscriptions"] == -1
    assert day_of(other, today.day)["subscriptions"] == -1


def test_a_creators_day_sums_their_works_days(received, creator):
    other = make_work(creator=creator)
    kudos.give_kudos(work=other, reader=make_reader("carol"))
    nobodys = make_work()  # imported, with no creator account: it counts for nobody
    kudos.give_kudos(work=nobodys, reader=make_reader("dave"))
    assert creator_day(creator) == {
        "hits": 3,
        "kudos": 3,
        "comments": 1,
        "public_bookmarks": 1,
        "subscriptions": 1,
        "words": 0,
    }
    assert CreatorDay.objects.count() == 1


def test_a_leaving_reader_takes_their_kudos_bookmarks_and_subscriptions_that_day(
    received, creator, today
):
    today.move(1)
    delete_account(reader=Reader.objects.get(username="alice"))  # kudos, a public bookmark
    delete_account(reader=Reader.objects.get(username="bob"))  # a subscription, a private one
    losses = {"kudos": -1, "public_bookmarks": -1, "subscriptions": -1}
    assert day_of(received, today.day) == {"hits": 0, "comments": 0, **losses, "words": None}
    assert creator_day(creator, today.day) == {"hits": 0, "comments": 0, **losses, "words": 0}
    assert creator_day(creator)["kudos"] == 2  # the day they were given stays as it was


def test_a_deleted_or_orphaned_works_days_stay_with_its_creator(received, creator, today):
    today.move(1)
    days.add(received.pk, hits=5)
    posting.delete_work(work=received)
    series = figures.for_creator(creator, 30).series
    assert series["hits"].values[-2:] == [3, 5]
    orphaned = make_work(creator=make_reader("leaving"))
    days.add(orphaned.pk, hits=1)
    delete_account(reader=orphaned.creator)  # their days go with their account
    days.add(orphaned.pk, hits=1)  # and the orphaned work's count for nobody
    assert set(CreatorDay.objects.values_list("creator", flat=True)) == {creator.pk}


def test_a_creators_word_count_follows_their_posted_works(creator, today):
    work = posting.create_work(
        creator=creator, title="Growing", rating="general", warnings=["no-warnings"]
    )
    posting.add_chapter(work=work, body="<p>one two three</p>")
    assert creator_day(creator) is None  # a draft's words are not counted yet
    today.move(1)
    posting.post_work(work=work)
    today.move(1)
    posting.add_chapter(work=work, body="<p>four five</p>")
    assert figures.for_creator(creator, 30).series["words"].values[-4:] == [0, 0, 3, 5]
    today.move(1)
    posting.delete_work(work=work)
    words = figures.for_creator(creator, 30).series["words"]
    assert words.values[-5:] == [0, 0, 3, 5, 0]
    assert (words.total, words.this_period) == (0, 0)


def test_a_work_given_to_another_creator_takes_its_words_and_later_days(creator, today):
    work = make_work(creator=creator, hits=1)
    days.add(work.pk, hits=1)
    today.move(1)
    work.creator = newcomer = make_reader("newcomer")
    request = RequestFactory().post("/")
    admin.site._registry[Work].save_model(request, work, None, True)
    days.add(work.pk, hits=1)
    assert creator_day(creator, today.day) == {
        **dict.fromkeys(days.MEASURES, 0),
        "words": -work.word_count,
    }
    assert creator_day(creator)["hits"] == 1
    assert creator_day(newcomer, today.day)["hits"] == 1
    assert creator_day(newcomer, today.day)["words"] == work.word_count


def test_the_word_count_is_recorded_on_the_days_it_changes(creator, today):
    work = posting.create_work(
        creator=creator, title="Growing", rating="general", warnings=["no-warnings"]
    )
    posting.add_chapter(work=work, body="<p>one two three</p>")
    assert day_of(work)["words"] == 3
    today.move(2)
    posting.add_chapter(work=work, body="<p>four five</p>")
    assert day_of(work, today.day)["words"] == 5
    series = figures.for_work(work, 30).series["words"]
    assert series.values[-3:] == [3, 3, 5]
    assert series.values[0] == 0  # before it was written


def test_a_hit_is_counted_on_its_day(client, creator, today):
    work = make_work(creator=creator)
    visit(client, work, "192.0.2.1")
    today.move(1)
    visit(client, work, "192.0.2.1")  # a new day: the same guest counts again
    assert [day_of(work)["hits"], day_of(work, today.day)["hits"]] == [1, 1]


@pytest.fixture
def redis_hits(settings):
    import redis

    url = "redis://127.0.0.1:6379/14"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is unreachable at {url}: {error}")

    def clean():
        for key in client.scan_iter(match=hits.PREFIX + "*"):
            client.delete(key)

    clean()
    settings.REDIS_URL = url
    yield client
    clean()


def test_the_hits_flush_adds_each_hit_to_the_day_it_was_counted(client, redis_hits, creator, today):
    work, other = make_work(creator=creator), make_work(creator=creator)
    nobodys = make_work()
    visit(client, work, "192.0.2.1")
    today.move(1)  # the flush comes after midnight
    for one in (work, other, nobodys):
        visit(client, one, "192.0.2.2")
    visit(client, work, "192.0.2.3")
    redis_hits.hset(hits.PENDING, work.pk + 1000, 4)  # a work deleted meanwhile
    assert hits.flush() == 9
    assert [day_of(work)["hits"], day_of(work, today.day)["hits"]] == [1, 2]
    assert WorkDay.objects.count() == 4  # none for the deleted work
    assert [creator_day(creator)["hits"], creator_day(creator, today.day)["hits"]] == [1, 3]
    assert CreatorDay.objects.count() == 2


def post_through_sqlite_locks(write):
    """Run `write` in a transaction, again while SQLite answers that it is locked (the test
    database is in memory, shared between threads, where a writer does not wait)."""
    for _ in range(500):
        try:
            with transaction.atomic():
                write()
            return
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
        time.sleep(0.005)
    raise AssertionError("SQLite stayed locked")


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_to_one_day_lose_nothing():
    work = make_work(creator=make_reader("writer"))
    start = threading.Barrier(2)
    errors = []

    def writer(measure):
        try:
            start.wait()
            for _ in range(25):
                post_through_sqlite_locks(lambda: days.add(work.pk, hits=1, **{measure: 1}))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=[m]) for m in ("kudos", "comments")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert day_of(work) == {
        "hits": 50,
        "kudos": 25,
        "comments": 25,
        "public_bookmarks": 0,
        "subscriptions": 0,
        "words": None,
    }
    assert creator_day(work.creator) == {**day_of(work), "words": 0}


# The creator's page


def stats_url(**query):
    return reverse("archive:my_stats") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


def test_the_creator_sees_totals_and_what_the_period_added(client_for, creator, received):
    older = make_work(creator=creator, title="Older", hits=40)
    days.add(older.pk, day=TODAY - datetime.timedelta(days=40), hits=10)
    response = client_for(creator).get(stats_url(period=30))
    assert response.status_code == 200
    found = response.context["figures"]
    hits_series = found.series["hits"]
    assert (hits_series.total, hits_series.this_period, hits_series.previous_period) == (43, 3, 10)
    assert found.series["public_bookmarks"].total == 1
    assert found.series["subscriptions"].total == 1
    assert found.series["words"].total == 20
    assert [row.work["title"] for row in response.context["works"]] == ["Older", "Received"]
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "Last 30 days" in page and "-70%" in page  # hits: 3 against 10
    assert 'role="img"' in page


def test_a_draft_and_other_creators_works_are_left_out(client_for, creator, received):
    make_work(creator=creator, title="Unfinished draft", is_posted=False)
    make_work(creator=make_reader("someone"), title="Not mine")
    page = client_for(creator).get(stats_url()).content.decode()
    assert "Received" in page
    assert "Unfinished draft" not in page and "Not mine" not in page


def test_the_works_table_sorts_by_each_column_both_ways(client_for, creator, received):
    make_work(creator=creator, title="alpha", hits=10)
    make_work(creator=creator, title="Zulu", hits=1)
    client = client_for(creator)

    def titles(sort):
        return [row.work["title"] for row in client.get(stats_url(sort=sort)).context["works"]]

    assert titles("-hits") == ["alpha", "Received", "Zulu"]
    assert titles("hits") == ["Zulu", "Received", "alpha"]
    assert titles("title") == ["alpha", "Received", "Zulu"]
    assert titles("-kudos") == ["Received", "Zulu", "alpha"]  # ties: the newest first
    page = client.get(stats_url(sort="-hits")).content.decode()
    assert 'aria-sort="descending"' in page
    assert "sort=hits" in page  # the current column's link turns the order round


def test_bad_choices_are_a_400_with_a_message_and_the_usual_page(client_for, creator, received):
    response = client_for(creator).get(stats_url(period=7, sort="secret", measure="x"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "not ones this page offers" in page
    assert response.context["period"] == 30


def test_guests_are_sent_to_log_in(client):
    response = client.get(reverse("archive:my_stats"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_account_menu_and_my_works_link_to_the_statistics(client_for, creator, received):
    page = client_for(creator).get(reverse("archive:my_works")).content.decode()
    assert page.count(reverse("archive:my_stats")) == 2  # the menu and the page
    assert reverse("archive:work_stats", args=[received.pk]) in page


def test_creator_page_query_count(client_for, creator, received, django_assert_num_queries):
    for number in range(5):
        make_work(creator=creator, title=f"More {number}")
    client = client_for(creator)
    # session, reader (with the inbox count), the creator's works, their subscribers, the
    # creator's days over both periods (a row a day), the works' days of the period summed
    # by work
    with django_assert_num_queries(6):
        response = client.get(stats_url(period=365, measure="words"))
    assert len(response.context["works"]) == 6


# A work's page


def work_stats_url(work, **query):
    url = reverse("archive:work_stats", args=[work.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_creator_sees_a_works_figures_and_who_left_kudos(client_for, creator, received):
    response = client_for(creator).get(work_stats_url(received, measure="kudos"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "alice and 1 guest left kudos on this work." in page
    assert response.context["series"].values[-1] == 2
    assert "Kudos per day, last 30 days" in page


@pytest.mark.parametrize("who", ["guest", "reader"])
def test_anyone_else_meets_a_404(client_for, received, who):
    reader = make_reader("stranger") if who == "reader" else None
    client = client_for(reader)
    assert client.get(work_stats_url(received)).status_code == 404
    csv_url = reverse("archive:work_stats_csv", args=[received.pk])
    assert client.get(csv_url).status_code == 404


def test_staff_may_look(client_for, staff, received):
    assert client_for(staff).get(work_stats_url(received)).status_code == 200


def test_work_page_query_count(client_for, creator, received, django_assert_num_queries):
    client = client_for(creator)
    # session, reader (with the inbox count), the work, its subscribers, its days summed by
    # day over both periods, its word counts recorded, the kudos givers
    with django_assert_num_queries(7):
        client.get(work_stats_url(received, period=90))


# Charts and CSV


def test_the_chart_is_valid_svg_with_a_title_and_a_description(client_for, creator, received):
    for measure in figures.LABELS:
        response = client_for(creator).get(work_stats_url(received, measure=measure))
        svg = str(response.context["chart"])
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.get("viewBox") == "0 0 640 240"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_the_chart_says_what_it_shows(client_for, creator, received):
    response = client_for(creator).get(work_stats_url(received))
    assert response.context["description"] == (
        "Hits per day from 2 Mar 2026 to 31 Mar 2026: 3 in all, most on 31 Mar 2026 (3)."
    )


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_works_table_downloads_as_csv(client_for, creator, received):
    make_work(creator=creator, title="=SUM(A1)", hits=5)
    url = reverse("archive:my_stats_works_csv") + "?period=90&sort=-hits"
    rows = read_csv(client_for(creator).get(url))
    assert rows[0][:4] == ["Title", "Published", "Hits", "Hits in the last 90 days"]
    assert rows[1][0] == "'=SUM(A1)"  # a title is never a formula
    assert rows[2][:6] == ["Received", "2026-01-01", "3", "3", "2", "2"]


def test_the_days_download_as_csv(client_for, creator, received):
    rows = read_csv(client_for(creator).get(reverse("archive:my_stats_days_csv")))
    assert rows[0] == ["Day", "Hits", "Kudos", "Comments", "Bookmarks", "Subscriptions", "Words"]
    assert len(rows) == 1 + 30
    assert rows[-1] == ["2026-03-31", "3", "2", "1", "1", "1", "10"]
    url = reverse("archive:work_stats_csv", args=[received.pk]) + "?period=365"
    rows = read_csv(client_for(creator).get(url))
    assert len(rows) == 1 + 365 and rows[-1][0] == "2026-03-31"
