"""A comment notice's email survives its job: lost with a killed worker, never enqueued
(the queue away), or claimed by a worker that died, it is sent by the resume job, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from conversation.models import InboxItem
from conversation.tasks import resume_notice_emails
from tests.conversation.conftest import comment

pytestmark = pytest.mark.django_db


def past_grace(settings):
    InboxItem.objects.update(
        created_at=F("created_at") - timedelta(seconds=settings.JOBS_RESUME_AFTER_SECONDS + 1)
    )


def test_a_notice_whose_job_was_lost_is_emailed_once_by_the_resume_job(
    django_capture_on_commit_callbacks, settings, work, author, alice
):
    with django_capture_on_commit_callbacks(execute=False):  # the job never runs
        comment(work, alice)
    resume_notice_emails.call_local()
    assert mail.outbox == []  # too soon: its job may still be on its way

    past_grace(settings)
    resume_notice_emails.call_local()
    resume_notice_emails.call_local()
    assert [message.to for message in mail.outbox] == [[author.email]]


def test_a_comment_posted_while_the_queue_is_away_is_posted_and_emailed_later(
    django_capture_on_commit_callbacks, monkeypatch, settings, work, author, alice
):
    def queue_away(task):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(HUEY, "enqueue", queue_away)
    with django_capture_on_commit_callbacks(execute=True):
        posted = comment(work, alice)
    assert posted.pk and mail.outbox == []

    monkeypatch.undo()
    past_grace(settings)
    resume_notice_emails.call_local()
    assert [message.to for message in mail.outbox] == [[author.email]]


def test_a_notice_claimed_by_a_dead_worker_is_sent_once_its_lease_expires(
    django_capture_on_commit_callbacks, settings, work, author, alice
):
    with django_capture_on_commit_callbacks(execute=False):
        comment(work, alice)
    past_grace(settings)
    item = InboxItem.objects.get(reader=author)
    item.email_claimed_at = timezone.now()  # claimed by a worker still sending it
    item.save()
    resume_notice_emails.call_local()
    assert mail.outbox == []

    item.email_claimed_at -= timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    item.save()  # that worker died
    resume_notice_emails.call_local()
    resume_notice_emails.call_local()
    assert [message.to for message in mail.outbox] == [[author.email]]
    item.refresh_from_db()
    assert item.emailed_at is not None


def test_the_resume_job_emails_no_reader_who_opted_out(
    django_capture_on_commit_callbacks, settings, work, author, alice
):
    author.email_on_comments = False
    author.save()
    with django_capture_on_commit_callbacks(execute=False):
        comment(work, alice)
    past_grace(settings)
    resume_notice_emails.call_local()
    assert mail.outbox == []
