"""Email notices of comments and replies: sent by a job after the comment commits, to readers
who want them, with who and where but never the comment's or the work's text."""

import pytest
from django.core import mail
from django.urls import reverse

from conversation import comments, emails
from conversation.models import InboxItem
from tests.conversation.conftest import comment


def post(captured, work, author, text="<p>Secret words of the comment.</p>", **fields):
    with captured(execute=True):
        return comment(work, author, text, **fields)


def test_the_creator_is_emailed_after_the_comment_commits(
    django_capture_on_commit_callbacks, work, author, alice
):
    with django_capture_on_commit_callbacks() as callbacks:
        posted = comment(work, alice, "<p>Secret words of the comment.</p>")
        assert mail.outbox == []  # never in the request's transaction
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [author.email]
    assert message.subject == "New comment on “Tidewater”"
    assert "alice commented on your work “Tidewater” (Chapter 1: Part 1)" in message.body
    assert f"http://127.0.0.1:8000{posted.get_absolute_url()}" in message.body
    assert reverse("conversation:notification_settings") in message.body
    assert "Secret words" not in message.body
    assert "storytext" not in message.body


def test_a_reply_is_emailed_to_the_comments_author(
    django_capture_on_commit_callbacks, work, alice, bob
):
    first = post(django_capture_on_commit_callbacks, work, alice)
    mail.outbox.clear()
    post(django_capture_on_commit_callbacks, work, bob, parent=first)
    subjects = sorted((message.to[0], message.subject) for message in mail.outbox)
    assert subjects == [
        ("alice@example.com", "New reply to your comment on “Tidewater”"),
        ("author@example.com", "New comment on “Tidewater”"),
    ]


def test_readers_who_opted_out_get_no_email_but_the_inbox(
    django_capture_on_commit_callbacks, client_for, work, author, alice
):
    client_for(author).post(reverse("conversation:notification_settings"), {})
    author.refresh_from_db()
    assert author.email_on_comments is False
    post(django_capture_on_commit_callbacks, work, alice)
    assert mail.outbox == []
    assert InboxItem.objects.filter(reader=author).count() == 1


def test_a_notice_is_emailed_once_whatever_retries_do(
    django_capture_on_commit_callbacks, work, author, alice
):
    post(django_capture_on_commit_callbacks, work, alice)
    item = InboxItem.objects.get(reader=author)
    assert emails.send_notice(item.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_notice_back_for_the_retry(
    django_capture_on_commit_callbacks, monkeypatch, work, author, alice
):
    with django_capture_on_commit_callbacks():
        comment(work, alice)
    item = InboxItem.objects.get(reader=author)

    def refuse(self, *args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionError):
        emails.send_notice(item.pk)
    item.refresh_from_db()
    assert item.emailed_at is None
    monkeypatch.undo()
    assert emails.send_notice(item.pk) is True
    assert len(mail.outbox) == 1


def test_a_comment_deleted_before_the_job_runs_is_not_emailed(
    django_capture_on_commit_callbacks, work, author, alice, bob
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = comment(work, alice)
        comment(work, bob, parent=first)
        comments.delete_comment(comment=first, by=alice)  # a placeholder now
    for callback in callbacks:
        callback()
    # Bob's reply reaches the creator and alice; alice's deleted comment is not sent.
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == [
        ("alice@example.com", "New reply to your comment on “Tidewater”"),
        ("author@example.com", "New comment on “Tidewater”"),
    ]
