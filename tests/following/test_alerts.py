"""Posting to a followed work alerts each subscriber exactly once, in the inbox and by
email, never those who hide the work, and never twice after a crash and a retry."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from accounts.models import AlertEmail, ConsentChoice, ExcludedTag, Mute
from archive.models import Tag
from archive.vocabulary import StandingChoice
from archive.writing import posting
from following import delivery, inbox, updates
from following.models import Alert, Subscription, Target, Update
from following.tasks import deliver, send_update_emails
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(creator):
    return make_work(
        creator=creator,
        warnings=("graphic-violence",),
        tags=[("Lighthouse Keepers", "fandom")],
        chapters=1,
    )


def post_chapter(work, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return posting.add_chapter(work=work, body="<p>The second chapter's words.</p>")


def hide_from(readers, work):
    """Each of three readers hides the work a different way."""
    warning_hider, tag_excluder, muter = readers
    ConsentChoice.objects.create(
        reader=warning_hider, item="warning:graphic-violence", choice=StandingChoice.HIDE
    )
    ExcludedTag.objects.create(reader=tag_excluder, tag=Tag.objects.get(name="Lighthouse Keepers"))
    Mute.objects.create(reader=muter, muted=work.creator)


def test_a_chapter_for_1000_subscribers_alerts_each_once(
    work, subscribe_many, django_capture_on_commit_callbacks
):
    readers = subscribe_many(1000, work=work)
    hide_from(readers[:3], work)
    chapter = post_chapter(work, django_capture_on_commit_callbacks)

    told = set(Alert.objects.values_list("reader_id", flat=True))
    assert len(told) == Alert.objects.count() == 997
    notices = inbox.items_of(Update.objects.get(chapter=chapter))
    assert set(notices.values_list("reader_id", flat=True)) == told
    assert notices.count() == 997
    assert not told & {reader.pk for reader in readers[:3]}
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 997
    assert "follower0@example.com" not in recipients


def test_emails_carry_metadata_and_an_unsubscribe_link_never_text(
    work, subscribe_many, django_capture_on_commit_callbacks
):
    subscribe_many(1, work=work)
    chapter = post_chapter(work, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert work.title in message.subject
    assert "Graphic Depictions Of Violence" in message.body
    assert "Lighthouse Keepers" in message.body
    assert chapter.get_absolute_url() in message.body
    assert "second chapter's words" not in message.body
    assert body_marker(work.pk, 1) not in message.body
    assert "/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_readers_choose_daily_digests_or_no_email(
    work, subscribe_many, django_capture_on_commit_callbacks
):
    subscribe_many(3, work=work, prefix="daily", alert_email=AlertEmail.DAILY)
    subscribe_many(2, work=work, prefix="quiet", alert_email=AlertEmail.OFF)
    post_chapter(work, django_capture_on_commit_callbacks)
    post_chapter(work, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Alert.objects.count() == 10

    assert delivery.send_daily_digests() == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"daily{n}@example.com" for n in range(3)
    ]
    assert all("2 updates" in message.subject for message in mail.outbox)
    assert delivery.send_daily_digests() == 0
    assert len(mail.outbox) == 3


class FlakyMailServer(EmailBackend):
    """The locmem backend, failing once after `allowed` messages, as a mail server that
    goes away mid-run (and a worker that crashes with it) would."""

    allowed = None

    def send_messages(self, messages):
        if FlakyMailServer.allowed is not None:
            if FlakyMailServer.allowed <= 0:
                FlakyMailServer.allowed = None
                raise ConnectionError("mail server went away")
            FlakyMailServer.allowed -= len(messages)
        return super().send_messages(messages)


def test_a_crash_mid_fan_out_and_mid_email_sends_nothing_twice(
    work, subscribe_many, settings, monkeypatch, django_capture_on_commit_callbacks
):
    subscribe_many(1000, work=work)
    settings.EMAIL_BACKEND = "tests.following.test_alerts.FlakyMailServer"
    FlakyMailServer.allowed = 400
    real_notify = inbox.notify_update
    batches = []

    def crash_on_second_batch(update, reader_ids):
        batches.append(len(reader_ids))
        if len(batches) == 2:
            raise RuntimeError("worker killed")
        return real_notify(update, reader_ids)

    monkeypatch.setattr(inbox, "notify_update", crash_on_second_batch)
    with django_capture_on_commit_callbacks(execute=False):
        posting.add_chapter(work=work, body="<p>The second chapter's words.</p>")
    update = Update.objects.get()
    with pytest.raises(RuntimeError):
        deliver.call_local(update.pk)  # the worker's first try
    # The first batch was committed whole; the second rolled back with its alerts.
    assert Alert.objects.count() == settings.ALERT_BATCH_SIZE

    monkeypatch.setattr(inbox, "notify_update", real_notify)
    # The retry finishes the fan-out, then the 401st email fails: the rest of its batch
    # still goes out, and the failure stops the job with that one email given back.
    delivery.fan_out(update.pk)
    with pytest.raises(ConnectionError):
        send_update_emails.call_local(update.pk)
    assert len(mail.outbox) == 499
    assert Alert.objects.filter(emailed_at=None, email_claimed_at=None).count() == 501
    send_update_emails.call_local(update.pk)  # its retry sends the rest
    deliver.call_local(update.pk)  # and the whole job once more changes nothing

    assert Alert.objects.count() == 1000
    assert inbox.items_of(update).count() == 1000
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 1000


def test_posting_the_same_chapter_twice_records_one_update(
    work, subscribe_many, django_capture_on_commit_callbacks
):
    subscribe_many(5, work=work)
    chapter = post_chapter(work, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        updates.chapter_posted(chapter=chapter)
    assert Update.objects.count() == 1
    assert Alert.objects.count() == len(mail.outbox) == 5


def test_a_new_work_alerts_its_creators_subscribers(
    creator, subscribe_many, django_capture_on_commit_callbacks
):
    subscribe_many(4, creator=creator)
    draft = make_work(creator=creator, is_posted=False)
    with django_capture_on_commit_callbacks(execute=True):
        posting.post_work(work=draft)
    assert Alert.objects.filter(update__kind="work", update__work=draft).count() == 4
    assert all(f'"{draft.title}"' in message.subject for message in mail.outbox)


def test_drafts_and_hidden_works_alert_nobody(
    creator, staff, subscribe_many, django_capture_on_commit_callbacks
):
    draft = make_work(creator=creator, is_posted=False)
    subscribe_many(2, work=draft)
    with django_capture_on_commit_callbacks(execute=True):
        posting.add_chapter(work=draft, body="<p>More.</p>")
    assert Update.objects.count() == 0

    posted = make_work(creator=creator)
    subscribe_many(2, work=posted, prefix="other")
    with django_capture_on_commit_callbacks(execute=True):
        update = Update.objects.create(
            kind="chapter", work=posted, chapter=posted.chapters.get(position=1)
        )
    posting.hide_work(work=posted, by=staff)
    assert delivery.fan_out(update.pk) == 0


def test_the_creator_is_never_alerted_of_their_own_work(
    work, creator, django_capture_on_commit_callbacks
):
    # One made before creators were refused their own works, as the row it left.
    Subscription.objects.create(reader=creator, kind=Target.WORK, work=work)
    post_chapter(work, django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 0


def test_a_reader_without_an_email_address_gets_the_inbox_only(
    work, django_capture_on_commit_callbacks
):
    from following.subscriptions import subscribe

    reader = make_reader("noaddress")
    reader.email = ""
    reader.save()
    subscribe(reader=reader, target=work)
    post_chapter(work, django_capture_on_commit_callbacks)
    assert Alert.objects.get().email == "none"
    assert mail.outbox == []


def test_a_draft_in_a_series_tells_the_series_subscribers_when_it_is_posted(
    creator, subscribe_many, django_capture_on_commit_callbacks
):
    from archive.models import Series
    from archive.writing.series import add_work_to_series
    from following.models import Subscription, Target

    series = Series.objects.create(creator=creator, title="The Keepers")
    followers = subscribe_many(3, creator=creator)
    Subscription.objects.filter(reader__in=followers[:2]).update(
        kind=Target.SERIES, creator=None, series=series
    )
    draft = make_work(creator=creator, is_posted=False)
    add_work_to_series(series=series, work=draft)
    with django_capture_on_commit_callbacks(execute=True):
        posting.post_work(work=draft)
    assert Alert.objects.filter(update__kind="part", update__series=series).count() == 2
    assert Alert.objects.filter(update__kind="work").count() == 1


def test_a_posted_work_joining_a_series_tells_its_subscribers_once(
    creator, django_capture_on_commit_callbacks
):
    from archive.models import Series
    from archive.writing.series import add_work_to_series, remove_work_from_series
    from following.subscriptions import subscribe

    series = Series.objects.create(creator=creator, title="The Keepers")
    subscribe(reader=make_reader("seriesfan"), target=series)
    work = make_work(creator=creator)
    for _ in range(2):  # added, taken out and added again: one alert
        with django_capture_on_commit_callbacks(execute=True):
            add_work_to_series(series=series, work=work)
        remove_work_from_series(series=series, work=work)
    (alert,) = Alert.objects.all()
    assert alert.update.series == series
    assert 'New part of the series "The Keepers"' in mail.outbox[0].subject
