"""Staff's queue of reported comments: hide or dismiss, and the count stays true."""

import pytest
from django.urls import reverse

from archive.models import Work
from conversation import comments
from conversation.models import CommentReport, CommentStatus
from tests.conversation.conftest import comment


def test_staff_hide_reported_comments_from_the_queue(client_for, work, alice, bob, staff):
    staff.is_superuser = True
    staff.save()
    theirs = comment(work, alice, "Spam.")
    comments.report_comment(comment=theirs, reporter=bob, reason="spam")
    client = client_for(staff)
    changelist = reverse("admin:conversation_commentreport_changelist")
    page = client.get(changelist).content.decode()
    assert "Spam." in page
    report = CommentReport.objects.get()
    client.post(changelist, {"action": "hide_reported", "_selected_action": [report.pk]})
    theirs.refresh_from_db()
    report.refresh_from_db()
    assert theirs.status == CommentStatus.HIDDEN
    assert (report.status, report.handled_by) == ("hidden", staff)
    assert Work.objects.get(pk=work.pk).comment_count == 0


def test_staff_dismiss_a_report_and_the_comment_stays(client_for, work, alice, bob, staff):
    staff.is_superuser = True
    staff.save()
    theirs = comment(work, alice, "Fine.")
    comments.report_comment(comment=theirs, reporter=bob, reason="other")
    report = CommentReport.objects.get()
    changelist = reverse("admin:conversation_commentreport_changelist")
    client_for(staff).post(changelist, {"action": "dismiss", "_selected_action": [report.pk]})
    report.refresh_from_db()
    theirs.refresh_from_db()
    assert report.status == "dismissed"
    assert theirs.status == CommentStatus.SHOWN


def test_comments_are_hidden_never_deleted_in_the_admin(client_for, work, alice, staff):
    staff.is_superuser = True
    staff.save()
    theirs = comment(work, alice)
    client = client_for(staff)
    changelist = reverse("admin:conversation_comment_changelist")
    assert client.get(changelist).status_code == 200
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "hide_comments", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == CommentStatus.HIDDEN


def test_staff_find_what_creators_marked_as_spam_in_the_admin(
    client_for, work, author, alice, staff
):
    staff.is_superuser = True
    staff.save()
    spam = comment(work, alice, "Cheap pills.")
    comments.mark_spam(comment=spam, by=author)
    changelist = reverse("admin:conversation_comment_changelist")
    page = client_for(staff).get(changelist, {"status__exact": "spam"}).content.decode()
    assert "Cheap pills." in page
    assert "Marked as spam by the creator" in page
    assert "Cheap pills." not in client_for(alice).get(spam.get_absolute_url()).content.decode()


def test_staff_show_again_what_was_marked_as_spam_by_mistake(
    client_for, work, author, alice, staff
):
    staff.is_superuser = True
    staff.save()
    spam, fine = comment(work, alice, "Not spam."), comment(work, alice, "Shown.")
    comments.mark_spam(comment=spam, by=author)
    changelist = reverse("admin:conversation_comment_changelist")
    selected = [spam.pk, fine.pk]
    client_for(staff).post(changelist, {"action": "restore_spam", "_selected_action": selected})
    spam.refresh_from_db()
    assert (spam.status, spam.hidden_at) == (CommentStatus.SHOWN, None)
    assert Work.objects.get(pk=work.pk).comment_count == 2
    with pytest.raises(comments.CommentRefused):
        comments.restore_spam(comment=spam, by=author)
