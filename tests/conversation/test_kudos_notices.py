"""Kudos reach the creator: one inbox notice per work per day, rewritten as more come, and,
for a creator who asked, one email about the days that ended, sent once by the job worker."""

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from archive.reading.kudos import give_kudos, guest_key
from conversation import kudos as kudos_notices
from conversation.models import InboxItem, InboxKind
from conversation.tasks import email_kudos_notices
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

INBOX = reverse("conversation:inbox")


class Clock:
    """The time Django reads (timezone.now, and the dates made from it), moved by hand."""

    def __init__(self, start):
        self.current = start

    def __call__(self):
        return self.current

    def next_day(self):
        self.current += timedelta(days=1)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def wants_email(author):
    author.email_on_kudos = True
    author.save(update_fields=["email_on_kudos"])
    return author


def notices(reader):
    return list(InboxItem.objects.filter(reader=reader, kind=InboxKind.KUDOS).order_by("day"))


def three_kudos(work, alice, bob):
    give_kudos(work=work, reader=alice)
    give_kudos(work=work, reader=bob)
    give_kudos(work=work, guest_key=guest_key("203.0.113.9"))


def test_three_kudos_make_one_notice_that_says_three(
    clock, client_for, django_assert_num_queries, work, author, alice, bob
):
    three_kudos(work, alice, bob)
    [notice] = notices(author)
    assert (notice.kudos, notice.givers) == (3, "alice, bob and 1 guest")
    assert notice.day == clock().date()

    client = client_for(author)
    # Session, reader (with the header's unread count), the page's count, the items with
    # their works and creators, the works' warnings: a kudos notice reads nothing more.
    with django_assert_num_queries(5):
        page = client.get(INBOX).content.decode()
    assert "<strong>alice, bob and 1 guest</strong> left kudos on your work" in page
    assert f'href="{work.get_absolute_url()}">Tidewater</a>' in page and "(3 kudos on" in page


def test_the_notice_comes_back_unread_as_more_kudos_come(clock, work, author, alice, bob):
    give_kudos(work=work, reader=alice)
    InboxItem.objects.update(read_at=timezone.now())
    clock.current += timedelta(hours=1)
    give_kudos(work=work, reader=bob)
    [notice] = notices(author)
    assert (notice.kudos, notice.givers, notice.read_at) == (2, "alice and bob", None)
    assert notice.created_at == clock()  # at the top of the inbox again


def test_each_work_and_each_day_has_its_own_notice(clock, work, one_shot, author, alice, bob):
    give_kudos(work=work, reader=alice)
    give_kudos(work=one_shot, reader=alice)
    clock.next_day()
    give_kudos(work=work, reader=bob)
    assert [(n.work, n.day.day, n.givers) for n in notices(author)] == [
        (work, 1, "alice"),
        (one_shot, 1, "alice"),
        (work, 2, "bob"),
    ]


def test_many_readers_are_named_up_to_a_few_and_counted(clock, work, author):
    for n in range(kudos_notices.NAMES_SHOWN + 2):
        give_kudos(work=work, reader=make_reader(f"fan{n}"))
    [notice] = notices(author)
    assert notice.givers == "fan0, fan1, fan2, fan3, fan4 and 2 more readers"
    assert notice.kudos == 7


def test_kudos_refused_or_repeated_change_no_notice(clock, work, author, alice):
    give_kudos(work=work, reader=alice)
    assert give_kudos(work=work, reader=alice) is False
    assert [(n.kudos, n.givers) for n in notices(author)] == [(1, "alice")]


def test_a_work_without_a_creator_account_tells_nobody(clock, alice):
    give_kudos(work=make_work(chapters=1), reader=alice)
    assert not InboxItem.objects.exists()


def test_the_email_goes_once_the_day_is_over_and_only_once(
    clock, wants_email, work, one_shot, alice, bob
):
    three_kudos(work, alice, bob)
    give_kudos(work=one_shot, reader=alice)
    email_kudos_notices.call_local()
    assert mail.outbox == []  # the day is not over: more kudos may come

    clock.next_day()
    email_kudos_notices.call_local()
    email_kudos_notices.call_local()  # the job runs again: nothing more is sent
    [email] = mail.outbox
    assert email.to == [wants_email.email] and email.subject == "Kudos on your works"
    assert "alice, bob and 1 guest left kudos on your work “Tidewater” (3 kudos)" in email.body
    assert "alice left kudos on your work “Lantern” (1 kudos)" in email.body
    assert all(notice.emailed_at for notice in notices(wants_email))


def test_no_email_for_a_creator_who_did_not_ask(clock, author, work, alice):
    assert author.email_on_kudos is False  # the default
    give_kudos(work=work, reader=alice)
    clock.next_day()
    email_kudos_notices.call_local()
    assert mail.outbox == []
    assert notices(author)[0].emailed_at is None


def test_a_failed_send_is_given_back_and_sent_by_the_next_run(
    clock, monkeypatch, wants_email, work, alice
):
    give_kudos(work=work, reader=alice)
    clock.next_day()

    def refused(self, messages):
        raise ConnectionRefusedError("the mail server is away")

    monkeypatch.setattr(EmailBackend, "send_messages", refused)
    email_kudos_notices.call_local()  # logged, not raised
    assert notices(wants_email)[0].email_claimed_at is None

    monkeypatch.undo()
    monkeypatch.setattr(timezone, "now", clock)
    email_kudos_notices.call_local()
    assert len(mail.outbox) == 1


def test_a_notice_claimed_by_a_dead_worker_is_sent_once_its_lease_expires(
    clock, settings, wants_email, work, alice
):
    give_kudos(work=work, reader=alice)
    clock.next_day()
    InboxItem.objects.update(email_claimed_at=clock())  # a worker claimed it, then died
    email_kudos_notices.call_local()
    assert mail.outbox == []  # it may still be sending

    clock.current += timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    email_kudos_notices.call_local()
    email_kudos_notices.call_local()
    assert len(mail.outbox) == 1


def test_notices_of_long_ago_are_not_emailed(clock, wants_email, work, alice):
    give_kudos(work=work, reader=alice)
    clock.current += kudos_notices.EMAIL_WITHIN + timedelta(days=1)
    email_kudos_notices.call_local()
    assert mail.outbox == []


def test_the_preference_is_on_the_preferences_page(client_for, author):
    client = client_for(author)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert 'name="email_on_kudos"' in page and "Email me about kudos on my works" in page


def test_a_reader_who_deletes_their_account_leaves_the_notice(clock, work, author, alice, bob):
    from accounts.account import delete_account

    three_kudos(work, alice, bob)
    delete_account(reader=alice)
    assert [(n.kudos, n.givers) for n in notices(author)] == [(2, "bob and 1 guest")]
    delete_account(reader=bob)
    assert [(n.kudos, n.givers) for n in notices(author)] == [(1, "1 guest")]


def test_a_notice_left_with_no_kudos_goes(clock, work, author, alice):
    from accounts.account import delete_account

    give_kudos(work=work, reader=alice)
    delete_account(reader=alice)
    assert notices(author) == []


def test_a_muted_reader_is_neither_named_nor_counted(clock, work, author, alice, bob):
    from accounts import relations

    relations.mute(reader=author, muted=alice)
    give_kudos(work=work, reader=alice)
    assert notices(author) == []  # kudos from a muted reader alone bring no notice
    give_kudos(work=work, reader=bob)
    assert [(n.kudos, n.givers) for n in notices(author)] == [(1, "bob")]


def test_the_kudos_request_pays_a_few_queries_for_the_notice(
    clock, client_for, django_assert_num_queries, work, author, alice, bob
):
    give_kudos(work=work, reader=bob)  # today's notice is there already
    client = client_for(alice)
    # As tests/archive/test_kudos.py pins it (session, reader with their standing choices, the
    # rate limit's count and purge, work, tags, whether its creator blocks the reader,
    # savepoint, insert kudos, count update, the day's kudos (the work's, its creator's),
    # release), and for the notice: the creator's mutes, today's notice locked, the day's
    # count and names, the notice rewritten.
    with django_assert_num_queries(18):
        client.post(reverse("archive:kudos", args=[work.pk]))
    assert [(n.kudos, n.givers) for n in notices(author)] == [(2, "bob and alice")]
