"""The functions that write comments: threads, deletion, moderation, and a count on the work
that always equals its shown comments."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import relations
from archive.models import Work
from archive.writing import posting
from conversation import comments
from conversation.comments import CommentRefused
from conversation.models import (
    Comment,
    CommentStatus,
    InboxItem,
    InboxKind,
    WhoMayComment,
    WorkCommentSettings,
)
from tests.conversation.conftest import comment, settings_for
from tests.factories import make_work


def shown_count(work):
    """What Work.comment_count must always be."""
    return Comment.objects.filter(work=work).shown().count()


def assert_count_exact(work):
    stored = Work.objects.values_list("comment_count", flat=True).get(pk=work.pk)
    assert stored == shown_count(work)
    return stored


def test_the_count_stays_exact_across_create_delete_hide_and_approve(
    work, author, alice, bob, staff
):
    first = comment(work, alice)
    reply = comment(work, bob, parent=first)
    assert assert_count_exact(work) == 2

    settings_for(work, moderated=True)
    held = comment(work, bob, "Held.")
    assert held.status == CommentStatus.HELD
    assert assert_count_exact(work) == 2
    comments.approve_comment(comment=held, by=author)
    assert assert_count_exact(work) == 3
    comments.approve_comment(comment=held, by=author)  # twice changes nothing
    assert assert_count_exact(work) == 3

    comments.hide_comment(comment=reply, by=staff)
    assert assert_count_exact(work) == 2
    comments.hide_comment(comment=reply, by=staff)
    assert assert_count_exact(work) == 2

    comments.delete_comment(comment=first, by=alice)  # has a reply: stays as a placeholder
    assert assert_count_exact(work) == 1
    comments.delete_comment(comment=first, by=alice)
    comments.delete_comment(comment=held, by=author)  # the creator deletes any comment
    assert assert_count_exact(work) == 0

    held_again = comment(work, bob, "Held again.")
    comments.delete_comment(comment=held_again, by=bob)
    assert assert_count_exact(work) == 0


def test_a_chapters_deletion_keeps_its_comments_on_the_work_and_the_count(work, author, alice):
    on_two = comment(work, alice, chapter=work.chapters.get(position=2))
    posting.delete_chapter(chapter=work.chapters.get(position=2))
    on_two.refresh_from_db()
    assert on_two.chapter is None
    assert assert_count_exact(work) == 1


def test_a_reply_joins_its_thread_on_the_parents_chapter(work, alice, bob):
    first = comment(work, alice)
    reply = comment(work, bob, parent=first)
    deeper = comment(work, alice, parent=reply)
    assert (reply.root, deeper.root) == (first, first)
    assert deeper.chapter == first.chapter


def test_deleting_a_comment_with_replies_keeps_the_thread(work, alice, bob):
    first = comment(work, alice, "<p>Original words.</p>")
    reply = comment(work, bob, parent=first)
    comments.delete_comment(comment=first, by=alice)
    first.refresh_from_db()
    assert (first.status, first.body) == (CommentStatus.DELETED, "")
    assert Comment.objects.get(pk=reply.pk).parent_id == first.pk


def test_deleting_the_last_reply_takes_deleted_placeholders_with_it(work, alice, bob):
    first = comment(work, alice)
    reply = comment(work, bob, parent=first)
    comments.delete_comment(comment=first, by=alice)
    comments.delete_comment(comment=reply, by=bob)
    assert not Comment.objects.filter(work=work).exists()


def test_another_reader_can_neither_edit_nor_delete_my_comment(work, alice, bob, staff):
    mine = comment(work, alice, "Mine.")
    for person in (bob, staff):
        with pytest.raises(CommentRefused, match="Only the comment's author"):
            comments.edit_comment(comment=mine, editor=person, body="Theirs.")
        with pytest.raises(CommentRefused, match="Only the comment's author"):
            comments.delete_comment(comment=mine, by=person)
    mine.refresh_from_db()
    assert (mine.body, mine.status) == ("Mine.", CommentStatus.SHOWN)


def test_editing_sanitises_and_marks_the_comment_edited(work, alice):
    mine = comment(work, alice, "First.")
    comments.edit_comment(comment=mine, editor=alice, body="Same.")
    mine.refresh_from_db()
    assert mine.edited_at is not None
    assert mine.body == "Same."
    unchanged_at = mine.edited_at
    comments.edit_comment(comment=mine, editor=alice, body="Same.")
    mine.refresh_from_db()
    assert mine.edited_at == unchanged_at


def test_comment_text_is_the_sanitised_subset_of_chapter_notes(work, alice):
    posted = comment(work, alice, '<p>Hi <em>there</em> <a href="javascript:x()">link</a>')
    assert posted.body == (
        '<p>Hi <em>there</em> <a rel="nofollow noopener noreferrer ugc">link</a></p>'
    )
    assert comment(work, alice, "I <3 this & that").body == "I &lt;3 this &amp; that"


@pytest.mark.parametrize(
    ("markup", "problem"),
    [
        ("<script>bad()</script>", "Comments cannot use <script>."),
        ('<p onclick="x()">Hi</p>', "Comments cannot use the onclick attribute on <p>."),
        ("<p>Hi</p></div>", "Comments cannot use <div>."),
        ("<p>Hi</em></p>", "There is a </em> with no <em> before it."),
        ("<p> </p>", "Your comment is empty."),
    ],
)
def test_markup_outside_the_subset_is_refused_with_the_reason(work, alice, markup, problem):
    with pytest.raises(CommentRefused) as refused:
        comment(work, alice, markup)
    assert (str(refused.value), refused.value.status) == (problem, 400)
    assert not Comment.objects.exists()


def test_the_creators_settings_decide_who_may_comment(work, author, alice):
    settings_for(work, who_may_comment=WhoMayComment.OFF)
    with pytest.raises(CommentRefused, match="Comments are off"):
        comment(work, alice)
    comment(work, author, "The creator still may.")
    settings_for(work, who_may_comment=WhoMayComment.READERS)
    with pytest.raises(CommentRefused, match="signed-in readers"):
        comment(work, None, guest_name="Visitor", guest_email="v@example.com")
    settings_for(work, who_may_comment=WhoMayComment.EVERYONE)
    guest = comment(work, None, guest_name="Visitor", guest_email="v@example.com")
    assert (guest.name, guest.by_guest) == ("Visitor", True)


def test_a_moderated_works_comments_wait_but_not_its_creators(work, author, alice):
    settings_for(work, moderated=True)
    assert comment(work, alice).status == CommentStatus.HELD
    assert comment(work, author).status == CommentStatus.SHOWN
    with pytest.raises(CommentRefused):
        comments.approve_comment(comment=comment(work, alice), by=alice)


def test_an_approved_comment_edited_on_a_moderated_work_waits_again(work, author, alice):
    settings_for(work, moderated=True)
    approved = comments.approve_comment(comment=comment(work, alice, "Kind."), by=author)
    assert assert_count_exact(work) == 1

    comments.edit_comment(comment=approved, editor=alice, body="Kind.")  # unchanged: stays
    assert Comment.objects.get(pk=approved.pk).status == CommentStatus.SHOWN
    edited = comments.edit_comment(comment=approved, editor=alice, body="Something else.")
    assert edited.status == CommentStatus.HELD
    assert Comment.objects.get(pk=approved.pk).status == CommentStatus.HELD
    assert assert_count_exact(work) == 0

    comments.approve_comment(comment=edited, by=author)
    assert assert_count_exact(work) == 1


def test_the_creators_own_edits_and_unmoderated_edits_stay_shown(work, author, alice):
    mine = comment(work, author, "Mine.")
    theirs = comment(work, alice, "Theirs.")
    settings_for(work, moderated=True)
    assert comments.edit_comment(comment=mine, editor=author, body="Still mine.").is_shown
    settings_for(work, moderated=False)
    assert comments.edit_comment(comment=theirs, editor=alice, body="Still theirs.").is_shown


def test_replies_need_a_shown_comment_of_the_same_work_in_an_open_thread(
    work, one_shot, author, alice, bob
):
    first = comment(work, alice)
    with pytest.raises(CommentRefused, match="another work") as refused:
        comments.post_comment(work=one_shot, author=bob, body="Hi", parent=first)
    assert refused.value.status == 400

    reply = comment(work, bob, parent=first)
    comments.freeze_thread(comment=reply, by=author)  # freezes the whole thread
    with pytest.raises(CommentRefused, match="frozen"):
        comment(work, bob, parent=reply)
    with pytest.raises(CommentRefused, match="frozen"):
        comments.edit_comment(comment=reply, editor=bob, body="Changed.")
    with pytest.raises(CommentRefused):
        comments.freeze_thread(comment=first, by=alice, frozen=False)
    comments.freeze_thread(comment=first, by=author, frozen=False)
    comment(work, bob, parent=reply)

    comments.delete_comment(comment=first, by=alice)
    with pytest.raises(CommentRefused, match="shown") as refused:
        comment(work, bob, parent=first)
    assert refused.value.status == 400


def test_a_blocked_reader_cannot_comment_on_the_blockers_works_or_answer_them(
    work, one_shot, author, alice, bob
):
    theirs = comment(work, bob, "Bob's own words.")
    alices = comment(work, alice)
    relations.block(blocker=author, blocked=bob)
    relations.block(blocker=alice, blocked=bob)
    before = Comment.objects.count()

    with pytest.raises(CommentRefused, match="can't comment on this work"):
        comment(work, bob)
    with pytest.raises(CommentRefused, match="can't comment on this work"):
        comment(one_shot, bob)
    with pytest.raises(CommentRefused, match="can't comment on this work"):
        comments.edit_comment(comment=theirs, editor=bob, body="Changed.")
    assert Comment.objects.count() == before

    relations.unblock(blocker=author, blocked=bob)
    bob = type(bob).objects.get(pk=bob.pk)
    with pytest.raises(CommentRefused, match="can't reply to this comment"):
        comment(work, bob, parent=alices)
    comment(work, bob, "On the work is fine again.")
    comments.delete_comment(comment=theirs, by=bob)  # one's own comments can still go


def test_a_report_is_once_per_reader_and_per_guest(work, alice, bob):
    theirs = comment(work, alice)
    assert comments.report_comment(comment=theirs, reporter=bob, reason="spam")
    assert not comments.report_comment(comment=theirs, reporter=bob, reason="other")
    assert comments.report_comment(comment=theirs, guest_key="k1", reason="spam")
    assert not comments.report_comment(comment=theirs, guest_key="k1", reason="spam")
    assert theirs.reports.count() == 2


def test_staff_hiding_closes_open_reports(work, alice, bob, staff):
    theirs = comment(work, alice)
    comments.report_comment(comment=theirs, reporter=bob, reason="harassment")
    with pytest.raises(CommentRefused):
        comments.hide_comment(comment=theirs, by=bob)
    comments.hide_comment(comment=theirs, by=staff)
    report = theirs.reports.get()
    assert (report.status, report.handled_by) == ("hidden", staff)


# ---------- Guests by default, drafts, spam, approving at once -------------------------


def test_a_work_without_settings_takes_guests_and_a_creator_may_refuse_them(work, author):
    assert not WorkCommentSettings.objects.filter(work=work).exists()
    assert WorkCommentSettings.of(work).who_may_comment == WhoMayComment.EVERYONE
    guest = comment(work, None, guest_name="Visitor", guest_email="v@example.com")
    assert (guest.by_guest, guest.status) == (True, CommentStatus.SHOWN)
    settings_for(work, who_may_comment=WhoMayComment.READERS)
    with pytest.raises(CommentRefused, match="signed-in readers"):
        comment(work, None, guest_name="Visitor", guest_email="v@example.com")


def test_nobody_comments_on_a_draft_not_even_its_creator(author, alice):
    draft = make_work(creator=author, chapters=1, is_posted=False)
    for person in (author, alice):
        with pytest.raises(CommentRefused, match="draft") as refused:
            comments.post_comment(work=draft, author=person, body="Early.")
        assert refused.value.status == 403
    assert not Comment.objects.filter(work=draft).exists()


def test_the_creator_marks_spam_and_it_leaves_the_work_but_not_the_database(
    work, author, alice, bob, staff
):
    spam = comment(work, bob, "Buy now.")
    kept = comment(work, alice)
    assert assert_count_exact(work) == 2
    comments.mark_spam(comment=spam, by=author)
    spam.refresh_from_db()
    assert (spam.status, spam.body, spam.hidden_by) == (CommentStatus.SPAM, "Buy now.", author)
    assert spam.hidden_at is not None
    assert assert_count_exact(work) == 1
    assert not InboxItem.objects.filter(comment=spam).exists()
    for person in (author, alice, bob, AnonymousUser()):
        assert list(Comment.objects.on(work).shown_to(person, work=work)) == [kept]
    assert spam in Comment.objects.on(work).shown_to(staff, work=work)


def test_held_spam_leaves_the_count_alone(work, author, bob):
    settings_for(work, moderated=True)
    held = comment(work, bob, "Buy now.")
    comments.mark_spam(comment=held, by=author)
    assert assert_count_exact(work) == 0
    comments.approve_comment(comment=held, by=author)  # no longer held: nothing to approve
    held.refresh_from_db()
    assert held.status == CommentStatus.SPAM


def test_answered_spam_stays_a_placeholder_for_its_replies(work, author, alice, bob):
    spam = comment(work, bob, "Buy now.")
    reply = comment(work, alice, "Who is this?", parent=spam)
    comments.mark_spam(comment=spam, by=author)
    assert set(Comment.objects.on(work).shown_to(alice, work=work)) == {spam, reply}
    comments.delete_comment(comment=reply, by=alice)
    assert list(Comment.objects.on(work).shown_to(alice, work=work)) == []
    assert Comment.objects.filter(pk=spam.pk, status=CommentStatus.SPAM).exists()


def test_only_the_creator_marks_spam_and_never_their_own_and_spam_stays_whole(
    work, author, alice, bob, staff
):
    theirs, mine = comment(work, alice), comment(work, author)
    for person in (bob, alice, staff):
        with pytest.raises(CommentRefused, match="Only the work's creator"):
            comments.mark_spam(comment=theirs, by=person)
    with pytest.raises(CommentRefused, match="not mark it as spam"):
        comments.mark_spam(comment=mine, by=author)
    comments.mark_spam(comment=theirs, by=author)
    for person in (alice, author):  # its author cannot wipe it, nor the creator
        with pytest.raises(CommentRefused, match="marked as spam"):
            comments.delete_comment(comment=theirs, by=person)
    with pytest.raises(CommentRefused):
        comments.edit_comment(comment=theirs, editor=alice, body="Innocent.")
    with pytest.raises(CommentRefused, match="marked as spam"):
        comments.mark_spam(comment=theirs, by=author)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.body) == (CommentStatus.SPAM, "A comment.")


def test_approve_held_shows_the_creators_held_comments_and_tells_the_answered(
    work, author, alice, bob
):
    other = make_work(creator=bob, chapters=1)
    settings_for(work, moderated=True)
    settings_for(other, moderated=True)
    first = comments.approve_comment(comment=comment(work, alice), by=author)
    held = [comment(work, bob, "One.", parent=first), comment(work, bob, "Two.")]
    not_theirs = comment(other, alice)
    everything = Comment.objects.all()
    assert comments.approve_held(by=alice, comments=everything) == 0  # none on her works
    assert comments.approve_held(by=author, comments=everything) == 2
    assert all(
        c.status == CommentStatus.SHOWN for c in Comment.objects.filter(pk__in=[h.pk for h in held])
    )
    assert Comment.objects.get(pk=not_theirs.pk).status == CommentStatus.HELD
    assert assert_count_exact(work) == 3
    assert InboxItem.objects.filter(reader=alice, comment=held[0], kind=InboxKind.REPLY).exists()
    assert comments.approve_held(by=author, comments=everything) == 0
