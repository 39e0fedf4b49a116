"""The comment pages: the gate, who may post and how, refusals, threads and their queries."""

import re
from html import unescape

import pytest
from django.urls import reverse

from accounts import relations
from archive.vocabulary import StandingChoice
from conversation import comments
from conversation.comments import MAX_LENGTH
from conversation.models import Comment, CommentStatus, WhoMayComment
from tests.conversation.conftest import comment, settings_for
from tests.factories import make_reader, make_work


def text(response):
    """The page as a person reads it (apostrophes and ampersands unescaped)."""
    return unescape(response.content.decode())


def chapter_url(work, position=1):
    return reverse("conversation:chapter_comments", args=[work.pk, position])


def comment_url(name, c):
    return reverse(f"conversation:{name}", args=[c.work_id, c.pk])


# ---------- The consent gate ----------------------------------------------------------


def test_a_gated_chapters_comments_need_consent(client_for, gated, alice, reader_ask):
    comment(gated, alice, "<p>Words about the night.</p>")
    client = client_for(reader_ask)
    response = client.get(chapter_url(gated))
    assert "Before you read" in text(response)
    assert "Words about the night" not in text(response)

    client.post(reverse("archive:consent", args=[gated.pk]), {"items": gated.consent_items()})
    assert "Words about the night" in text(client.get(chapter_url(gated)))


def test_posting_without_consent_saves_nothing(client_for, gated, reader_ask):
    client = client_for(reader_ask)
    response = client.post(chapter_url(gated), {"body": "Hello"})
    assert "Before you read" in text(response)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "name", ["comment", "reply", "edit_comment", "delete_comment", "report_comment"]
)
def test_every_page_that_shows_a_comment_is_gated(client_for, gated, alice, reader_ask, name):
    posted = comment(gated, alice, "<p>Words about the night.</p>")
    response = client_for(reader_ask).get(comment_url(name, posted))
    assert "Words about the night" not in text(response)
    assert "Before you read" in text(response)


def test_the_inbox_hides_a_reply_on_a_gated_work_until_consent(client_for, gated, alice, bob):
    first = comment(gated, alice)
    comment(gated, bob, "<p>Words about the night.</p>", parent=first)
    client = client_for(alice)
    page = text(client.get(reverse("conversation:inbox")))
    assert "Words about the night" not in page
    assert "agree to its rating or warnings first" in page
    client.post(reverse("archive:consent", args=[gated.pk]), {"items": gated.consent_items()})
    assert "Words about the night" in text(client.get(reverse("conversation:inbox")))


# ---------- Posting -------------------------------------------------------------------


def test_a_reader_comments_on_a_chapter_and_lands_on_it(client_for, work, alice):
    client = client_for(alice)
    response = client.post(chapter_url(work), {"body": "Lovely."}, follow=True)
    posted = Comment.objects.get()
    assert (posted.author, posted.chapter.position, posted.body) == (alice, 1, "Lovely.")
    assert response.redirect_chain[-1][0].endswith(f"#comment-{posted.pk}")
    assert "Your comment was posted." in text(response)


def test_a_one_chapter_work_is_commented_on_as_a_whole(client_for, one_shot, alice):
    client = client_for(alice)
    assert client.get(chapter_url(one_shot)).url == reverse(
        "conversation:work_comments", args=[one_shot.pk]
    )
    client.post(reverse("conversation:work_comments", args=[one_shot.pk]), {"body": "Yes."})
    assert Comment.objects.get().chapter is None


def test_a_several_chapter_work_takes_comments_on_its_chapters_only(client_for, work, alice):
    response = client_for(alice).post(
        reverse("conversation:work_comments", args=[work.pk]), {"body": "Whole?"}
    )
    assert response.status_code == 400
    assert "comment on one of them" in text(response)
    assert not Comment.objects.exists()


def test_a_guest_comments_with_a_name_and_an_email_by_default(client_for, work, author):
    client = client_for(None)
    form = {"body": "Hi", "guest_name": "Wren", "guest_email": "wren@example.com"}
    response = client.post(chapter_url(work), {**form, "guest_email": "nope"})
    assert response.status_code == 400
    client.post(chapter_url(work), form)
    posted = Comment.objects.get()
    assert (posted.author, posted.name, posted.guest_email) == (None, "Wren", "wren@example.com")
    assert posted.is_shown
    assert "wren@example.com" not in text(client.get(chapter_url(work)))


def test_a_creator_may_keep_guests_out(client_for, work, author):
    settings_for(work, who_may_comment=WhoMayComment.READERS)
    client = client_for(None)
    page = text(client.get(chapter_url(work)))
    assert "Only signed-in readers may comment" in page
    assert 'name="guest_email"' not in page
    form = {"body": "Hi", "guest_name": "Wren", "guest_email": "wren@example.com"}
    assert client.post(chapter_url(work), form).status_code == 403
    assert not Comment.objects.exists()


def test_the_comment_settings_form_offers_guests_by_default(client_for, work, author):
    page = text(client_for(author).get(reverse("conversation:comment_settings", args=[work.pk])))
    everyone = re.search(r'<input type="radio"[^>]*value="everyone"[^>]*>', page).group()
    assert "checked" in everyone


def test_the_honeypot_turns_a_bot_away(client_for, work):
    settings_for(work, who_may_comment=WhoMayComment.EVERYONE)
    form = {"body": "Buy", "guest_name": "Bot", "guest_email": "b@example.com", "website": "x"}
    response = client_for(None).post(chapter_url(work), form)
    assert response.status_code == 400
    assert "must stay empty" in text(response)
    assert not Comment.objects.exists()


def test_comments_off_refuses_with_a_clear_403(client_for, work, alice):
    settings_for(work, who_may_comment=WhoMayComment.OFF)
    client = client_for(alice)
    assert "Comments are off" in text(client.get(chapter_url(work)))
    response = client.post(chapter_url(work), {"body": "Hi"})
    assert response.status_code == 403
    assert "Comments are off for this work." in text(response)


def test_moderated_comments_wait_for_the_creator_who_approves_them(
    client_for, work, author, alice, bob
):
    settings_for(work, moderated=True)
    response = client_for(alice).post(chapter_url(work), {"body": "Waiting."}, follow=True)
    assert "once the work's creator approves it" in text(response)
    held = Comment.objects.get()
    assert "Waiting." in text(response)  # its author sees it, marked
    assert "Waiting." not in text(client_for(bob).get(chapter_url(work)))

    client = client_for(author)
    assert "Approve" in text(client.get(chapter_url(work)))
    client.post(comment_url("approve_comment", held))
    held.refresh_from_db()
    assert held.status == CommentStatus.SHOWN
    assert "Waiting." in text(client_for(bob).get(chapter_url(work)))


def test_an_approved_comment_rewritten_on_a_moderated_work_is_not_public_until_approved(
    client_for, work, author, alice, bob
):
    settings_for(work, moderated=True)
    approved = comments.approve_comment(comment=comment(work, alice, "Kind."), by=author)
    response = client_for(alice).post(
        comment_url("edit_comment", approved), {"body": "Rewritten."}, follow=True
    )
    assert "It waits for the creator's approval." in text(response)
    assert "Rewritten." not in text(client_for(bob).get(chapter_url(work)))
    assert "Kind." not in text(client_for(bob).get(chapter_url(work)))
    client_for(author).post(comment_url("approve_comment", approved))
    assert "Rewritten." in text(client_for(bob).get(chapter_url(work)))


MODERATED = "Comments on this work are moderated: yours will appear once the creator approves it."


def test_a_moderated_work_tells_commenters_before_they_write(client_for, work, author, alice):
    first = comment(work, author)
    settings_for(work, moderated=True)
    for person in (alice, None):
        client = client_for(person)
        page = text(client.get(chapter_url(work)))
        assert page.index(MODERATED) < page.index('<form method="post" action="/works/')
        assert MODERATED in text(client.get(comment_url("reply", first)))
    # The creator's own comments are never held, so they are not told.
    assert MODERATED not in text(client_for(author).get(chapter_url(work)))
    settings_for(work, moderated=False)
    assert MODERATED not in text(client_for(alice).get(chapter_url(work)))


def test_a_draft_has_no_comment_form_and_refuses_a_post(client_for, author):
    draft = make_work(creator=author, chapters=1, is_posted=False)
    url = reverse("conversation:work_comments", args=[draft.pk])
    client = client_for(author)
    page = text(client.get(url))
    assert "This work is a draft: comments open once it is posted." in page
    assert 'name="body"' not in page
    response = client.post(url, {"body": "Note to self."})
    assert response.status_code == 403
    assert "This work is a draft" in text(response)
    assert not Comment.objects.exists()


# ---------- Editing and deleting ------------------------------------------------------


def test_i_edit_my_comment_and_it_says_edited(client_for, work, alice):
    mine = comment(work, alice, "Frist.")
    client = client_for(alice)
    assert client.get(comment_url("edit_comment", mine)).status_code == 200
    response = client.post(comment_url("edit_comment", mine), {"body": "First."}, follow=True)
    assert "First." in text(response)
    assert "(edited)" in text(response)


def test_another_reader_can_never_edit_or_delete_my_comment(client_for, work, alice, bob):
    mine = comment(work, alice, "Mine.")
    client = client_for(bob)
    assert client.get(comment_url("edit_comment", mine)).status_code == 403
    response = client.post(comment_url("edit_comment", mine), {"body": "Theirs."})
    assert response.status_code == 403
    assert client.get(comment_url("delete_comment", mine)).status_code == 403
    response = client.post(comment_url("delete_comment", mine))
    assert response.status_code == 403
    assert "Only the comment's author can do that." in text(response)
    assert client_for(None).get(comment_url("delete_comment", mine)).status_code == 403
    assert client_for(None).post(comment_url("delete_comment", mine)).status_code == 403
    mine.refresh_from_db()
    assert (mine.body, mine.status) == ("Mine.", CommentStatus.SHOWN)


def test_deleting_asks_first_with_the_comment_quoted(client_for, work, alice):
    mine = comment(work, alice, "<p>Second <em>thoughts</em>.</p>")
    client = client_for(alice)
    page = text(client.get(chapter_url(work)))
    delete_url = comment_url("delete_comment", mine)
    assert f'<a href="{delete_url}">Delete' in page  # a link, no form: asking needs no script
    response = client.get(delete_url)
    assert response.status_code == 200
    assert "<h1>Delete this comment?</h1>" in text(response)
    assert '<blockquote class="quoted-comment"' in text(response)
    assert "<p>Second <em>thoughts</em>.</p>" in text(response)
    assert 'name="csrfmiddlewaretoken"' in text(response)
    assert Comment.objects.filter(pk=mine.pk).exists()  # asking deleted nothing

    response = client.post(delete_url, follow=True)
    assert "The comment was deleted." in text(response)
    assert not Comment.objects.filter(pk=mine.pk).exists()
    assert client.get(delete_url).status_code == 404


def test_a_deleted_comment_with_replies_says_so(client_for, work, alice, bob):
    first = comment(work, alice, "Gone soon.")
    comment(work, bob, "Still here.", parent=first)
    client = client_for(alice)
    client.post(comment_url("delete_comment", first))
    page = text(client.get(chapter_url(work)))
    assert "This comment was deleted." in page
    assert "Gone soon." not in page
    assert "Still here." in page


def test_the_creator_deletes_and_freezes_on_their_work(client_for, work, author, alice, bob):
    first = comment(work, alice)
    reply = comment(work, bob, "Rude.", parent=first)
    client = client_for(author)
    client.post(comment_url("delete_comment", reply))
    assert not Comment.objects.filter(pk=reply.pk).exists()
    client.post(comment_url("freeze_thread", first))
    response = client_for(bob).post(comment_url("reply", first), {"body": "Again."})
    assert response.status_code == 403
    assert "frozen" in text(response)
    assert client_for(bob).post(comment_url("freeze_thread", first)).status_code == 403


def test_staff_hide_any_comment(client_for, work, alice, bob, staff):
    theirs = comment(work, alice, "Spam spam.")
    assert client_for(bob).post(comment_url("hide_comment", theirs)).status_code == 403
    client_for(staff).post(comment_url("hide_comment", theirs))
    page = text(client_for(bob).get(chapter_url(work)))
    assert "This comment was hidden by staff." in page
    assert "Spam spam." not in page


def test_the_creator_approves_every_held_comment_of_the_work_at_once(
    client_for, work, author, alice, bob
):
    settings_for(work, moderated=True)
    held = [comment(work, alice, "One."), comment(work, bob, "Two.", chapter=work.chapters.last())]
    url = reverse("conversation:approve_held_comments", args=[work.pk])
    client = client_for(author)
    page = text(client.get(chapter_url(work)))
    assert "2 comments on this work wait for your approval." in page
    assert f'action="{url}"' in page
    assert f'action="{url}"' not in text(client_for(alice).get(chapter_url(work)))

    assert client_for(alice).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 403
    assert client_for(author).get(url).status_code == 405
    assert Comment.objects.filter(status=CommentStatus.HELD).count() == 2

    response = client_for(author).post(url, {"next": chapter_url(work)}, follow=True)
    assert "2 comments approved and shown." in text(response)
    assert "on this work wait for your approval" not in text(response)
    assert all(
        c.status == CommentStatus.SHOWN for c in Comment.objects.filter(pk__in=[h.pk for h in held])
    )
    work.refresh_from_db()
    assert work.comment_count == 2


def test_the_creator_marks_a_comment_as_spam_and_it_leaves_the_work(
    client_for, work, author, alice, bob, staff
):
    spam = comment(work, bob, "Cheap pills.")
    comment(work, alice, "Lovely.")
    url = comment_url("mark_spam", spam)
    assert f'action="{url}"' in text(client_for(author).get(chapter_url(work)))
    assert f'action="{url}"' not in text(client_for(alice).get(chapter_url(work)))
    assert client_for(alice).post(url).status_code == 403
    assert client_for(bob).post(url).status_code == 403

    response = client_for(author).post(url, follow=True)
    assert "marked as spam" in text(response)
    for person in (author, alice, bob, None):
        page = text(client_for(person).get(chapter_url(work)))
        assert "Cheap pills." not in page
        assert "Lovely." in page
        assert "1 thread" in page
    assert client_for(bob).get(spam.get_absolute_url()).status_code == 404
    work.refresh_from_db()
    assert work.comment_count == 1
    assert "Cheap pills." in text(client_for(staff).get(chapter_url(work)))


# ---------- Blocks and mutes ----------------------------------------------------------


def test_a_blocked_reader_cannot_comment_by_any_route(client_for, work, author, alice, bob):
    alices = comment(work, alice)
    authors = comment(work, author, parent=alices)
    bobs = comment(work, bob, "Before the block.")
    relations.block(blocker=author, blocked=bob)
    client = client_for(bob)
    before = list(Comment.objects.values_list("pk", "body"))

    # The page says so in place of the form (tests/conversation/test_blocked_up_front.py);
    # posting anyway is refused, clearly.
    assert "Leave a comment" in text(client.get(chapter_url(work)))
    attempts = [
        (chapter_url(work), {"body": "New."}),
        (comment_url("reply", alices), {"body": "Reply."}),
        (comment_url("reply", authors), {"body": "Reply from the inbox.", "next": "/inbox/"}),
        (comment_url("edit_comment", bobs), {"body": "Edited."}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "You can't comment on this work." in text(response)
    assert list(Comment.objects.values_list("pk", "body")) == before


def test_a_reader_blocked_by_a_commenter_cannot_reply_to_them(client_for, work, alice, bob):
    alices = comment(work, alice)
    relations.block(blocker=alice, blocked=bob)
    response = client_for(bob).post(comment_url("reply", alices), {"body": "Hey."})
    assert response.status_code == 403
    assert "You can't reply to this comment." in text(response)


def test_a_muted_readers_comments_are_folded_away(client_for, work, alice, bob):
    comment(work, bob, "Loud words.")
    relations.mute(reader=alice, muted=bob)
    page = text(client_for(alice).get(chapter_url(work)))
    assert '<details class="comment-muted"><summary>Comment by a muted reader</summary>' in page
    assert "comment-muted" not in text(client_for(None).get(chapter_url(work)))


# ---------- Hostile input -------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"body": "x" * (MAX_LENGTH + 1)},
        {"body": ""},
        {"body": "<script>alert(1)</script>"},
        {"body": "<p>Invalid</p></div>"},
        {"body": '<p onclick="steal()">Hi</p>'},
        {"body": "<iframe src=//evil.example></iframe>"},
    ],
)
def test_bad_bodies_are_a_400_that_saves_nothing(client_for, work, alice, data):
    response = client_for(alice).post(chapter_url(work), data)
    assert response.status_code == 400
    assert "Your comment is not posted yet" in text(response)
    assert not Comment.objects.exists()


def test_a_huge_request_is_refused(client_for, work, alice):
    response = client_for(alice).post(chapter_url(work), {"body": "x" * 3_000_000})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_unknown_and_foreign_comments_are_404s(client_for, work, one_shot, alice, bob):
    theirs = comment(one_shot, alice)
    client = client_for(bob)
    url = reverse("conversation:reply", args=[work.pk, theirs.pk])  # another work's comment
    assert client.post(url, {"body": "Hi"}).status_code == 404
    url = reverse("conversation:reply", args=[work.pk, 10**9])
    assert client.post(url, {"body": "Hi"}).status_code == 404
    url = reverse("conversation:reply", args=[work.pk, 2**70])
    assert client.post(url, {"body": "Hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_a_held_comment_is_not_found_by_others(client_for, work, alice, bob):
    settings_for(work, moderated=True)
    held = comment(work, alice)
    assert client_for(bob).post(comment_url("reply", held), {"body": "Hi"}).status_code == 404
    response = client_for(alice).post(comment_url("reply", held), {"body": "Hi"})
    assert response.status_code == 400
    assert Comment.objects.count() == 1


def test_comments_are_rate_limited(client_for, work, alice):
    client = client_for(alice)
    statuses = [client.post(chapter_url(work), {"body": f"{n}"}).status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert Comment.objects.count() == 10


def test_guests_are_rate_limited_by_address(client_for, work):
    settings_for(work, who_may_comment=WhoMayComment.EVERYONE)
    client = client_for(None)
    form = {"guest_name": "Wren", "guest_email": "w@example.com"}
    statuses = [
        client.post(chapter_url(work), {**form, "body": f"{n}"}).status_code for n in range(11)
    ]
    assert statuses[-1] == 429
    assert Comment.objects.count() == 10


# ---------- Reporting -----------------------------------------------------------------


def test_a_reader_reports_a_comment_once(client_for, work, alice, bob):
    theirs = comment(work, alice)
    client = client_for(bob)
    assert client.get(comment_url("report_comment", theirs)).status_code == 200
    response = client.post(comment_url("report_comment", theirs), {"reason": "spam"}, follow=True)
    assert "staff will look at this comment" in text(response)
    response = client.post(comment_url("report_comment", theirs), {"reason": "spam"}, follow=True)
    assert "already reported" in text(response)
    assert theirs.reports.count() == 1
    response = client.post(comment_url("report_comment", theirs), {"reason": "nonsense"})
    assert response.status_code == 400


# ---------- Threads and their queries -------------------------------------------------


def thread_of(work, size, people):
    """One thread of `size` comments, each replying to the one before, by turns."""
    parent = comment(work, people[0], "Comment 0")
    for n in range(1, size):
        parent = comment(work, people[n % len(people)], f"Comment {n}", parent=parent)


def test_threads_show_replies_under_what_they_answer_newest_thread_last(
    client_for, work, alice, bob
):
    first = comment(work, alice, "Thread one")
    second = comment(work, bob, "Thread two")
    comment(work, bob, "Answer to one", parent=first)
    page = text(client_for(None).get(chapter_url(work)))
    assert page.index("Thread one") < page.index("Answer to one") < page.index("Thread two")
    assert f'id="comment-{second.pk}"' in page
    assert "indent-1" in page


@pytest.mark.parametrize("size", [2, 200])
def test_a_thread_renders_in_the_same_queries_for_2_or_200_comments(
    client_for, django_assert_num_queries, work, alice, bob, size
):
    thread_of(work, size, [alice, bob])
    reader = make_reader("watcher", choice=StandingChoice.SHOW)
    relations.mute(reader=reader, muted=bob)
    client = client_for(reader)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work,
    # the chapter, the comment settings, the blockers, counting the threads, the page's
    # threads, their comments (with authors and chapters).
    with django_assert_num_queries(9):
        response = client.get(chapter_url(work))
    assert text(response).count('class="comment ') == size


def test_a_guests_comments_page_queries_are_pinned(
    client_for, django_assert_num_queries, work, alice, bob
):
    thread_of(work, 5, [alice, bob])
    client = client_for(None)
    # work (its warnings come with it), the chapter, the comment settings, counting the
    # threads, the page's threads, their comments (no session yet, no mutes, no inbox).
    with django_assert_num_queries(6):
        client.get(chapter_url(work))


def test_the_creators_comments_page_queries_are_pinned(
    client_for, django_assert_num_queries, work, author, alice, bob
):
    thread_of(work, 5, [alice, bob])
    settings_for(work, moderated=True)
    comment(work, alice, "Held one.")
    comment(work, bob, "Held two.")
    client = client_for(author)
    # session, reader (with the header's unread count), work, the chapter, the comment
    # settings, the held comments to approve, counting the threads,
    # the page's threads, their comments, the muted. The creator skips the gate.
    with django_assert_num_queries(10):
        response = client.get(chapter_url(work))
    assert "2 comments on this work wait for your approval." in text(response)


def test_a_comments_address_opens_its_threads_page(client_for, work, alice):
    from conversation.threads import THREADS_PER_PAGE

    for n in range(THREADS_PER_PAGE):
        comment(work, alice, f"Thread {n}")
    last = comment(work, alice, "On page two")
    response = client_for(None).get(last.get_absolute_url())
    assert response.url == f"{chapter_url(work)}?page=2#comment-{last.pk}"
    assert "On page two" in text(client_for(None).get(response.url))


def test_the_comment_count_shows_on_blurbs_and_work_pages(client_for, work, alice):
    comment(work, alice)
    comments.post_comment(work=work, author=alice, body="Two", chapter=work.chapters.last())
    listing = text(client_for(None).get(reverse("archive:work_list")))
    link = reverse("conversation:work_comments", args=[work.pk])
    assert f'<dt>Comments</dt><dd><a href="{link}">2</a></dd>' in listing
    page = text(client_for(None).get(work.get_absolute_url()))
    assert "Comments on Chapter 1: Part 1" in page
    assert f'<a href="{link}">2</a>' in page
