"""A blocked reader is told up front, where the comment form, the reply links and the kudos
button would be, and the server refuses them all the same if they post anyway."""

from html import unescape

import pytest
from django.urls import reverse

from accounts import relations
from archive.models import Kudos, Work
from archive.reading import kudos
from conversation.comments import BLOCKED_ON_WORK, BLOCKED_REPLY
from conversation.models import Comment
from tests.conversation.conftest import comment
from tests.factories import make_reader
from tests.test_site import assert_valid_html

JSON = {"HTTP_ACCEPT": "application/json"}
KUDOS_BLOCKED = "You can't leave kudos on this work. Its creator has blocked you."


def text(response):
    return unescape(response.content.decode())


def chapter_url(work, position=1):
    return reverse("conversation:chapter_comments", args=[work.pk, position])


def reply_url(c):
    return reverse("conversation:reply", args=[c.work_id, c.pk])


def kudos_url(work):
    return reverse("archive:kudos", args=[work.pk])


@pytest.fixture
def blocked_by_author(work, author, alice, bob):
    """Bob is blocked by the work's author; alice and the author have commented."""
    alices = comment(work, alice, "From alice.")
    authors = comment(work, author, "From the author.", parent=alices)
    relations.block(blocker=author, blocked=bob)
    return {"alices": alices, "authors": authors}


def test_a_reader_blocked_by_the_creator_sees_no_form_and_no_reply_link(
    client_for, work, bob, blocked_by_author
):
    page = text(client_for(bob).get(chapter_url(work)))
    assert BLOCKED_ON_WORK in page
    assert "comment-form" not in page and 'name="body"' not in page
    assert "reply/" not in page
    # Both comments are still there to read.
    assert "From alice." in page and "From the author." in page


def test_the_reply_page_says_so_in_place_of_the_form(client_for, work, bob, blocked_by_author):
    response = client_for(bob).get(reply_url(blocked_by_author["alices"]))
    assert response.status_code == 200
    page = text(response)
    assert BLOCKED_ON_WORK in page and 'name="body"' not in page


def test_a_reader_blocked_since_commenting_is_told_before_editing(client_for, work, author, bob):
    bobs = comment(work, bob, "Before the block.")
    relations.block(blocker=author, blocked=bob)
    client = client_for(bob)
    assert f"{bobs.pk}/edit/" not in text(client.get(chapter_url(work)))
    response = client.get(reverse("conversation:edit_comment", args=[work.pk, bobs.pk]))
    assert response.status_code == 403
    assert BLOCKED_ON_WORK in text(response) and 'name="body"' not in text(response)
    # Unblocked, the link and the form are back.
    relations.unblock(blocker=author, blocked=bob)
    assert f"{bobs.pk}/edit/" in text(client.get(chapter_url(work)))


def test_a_blocked_readers_posts_are_refused_with_the_reason(
    client_for, work, bob, blocked_by_author
):
    client = client_for(bob)
    before = Comment.objects.count()
    for url, data in [
        (chapter_url(work), {"body": "New."}),
        (reply_url(blocked_by_author["alices"]), {"body": "Reply."}),
        (reply_url(blocked_by_author["authors"]), {"body": "Reply."}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert BLOCKED_ON_WORK in text(response), url
    assert Comment.objects.count() == before


def test_others_still_see_the_form_and_the_reply_links(client_for, work, alice, blocked_by_author):
    page = text(client_for(alice).get(chapter_url(work)))
    assert BLOCKED_ON_WORK not in page and 'name="body"' in page
    assert page.count("reply/") == 2


def test_a_reader_blocked_by_a_commenter_cannot_reply_to_them_alone(client_for, work, alice, bob):
    alices = comment(work, alice, "From alice.")
    others = comment(work, make_reader("carol"), "From carol.")
    relations.block(blocker=alice, blocked=bob)
    client = client_for(bob)

    response = client.get(chapter_url(work))
    assert_valid_html(response, chapter_url(work))
    page = text(response)
    # The work's form stays (its creator does not block bob); only alice's reply link goes.
    assert 'name="body"' in page
    assert "You can't reply to alice: they have blocked you." in page
    assert f'{alices.pk}/reply/"' not in page and f'{others.pk}/reply/"' in page

    reply_page = text(client.get(reply_url(alices)))
    assert BLOCKED_REPLY in reply_page and 'name="body"' not in reply_page
    response = client.post(reply_url(alices), {"body": "Hey."})
    assert response.status_code == 403 and BLOCKED_REPLY in text(response)
    assert client.post(reply_url(others), {"body": "Hey."}).status_code == 302


def test_the_threads_page_reads_blocks_and_mutes_in_one_query(
    client_for, django_assert_num_queries, work, bob, blocked_by_author
):
    client = client_for(bob)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), work,
    # the chapter, the comment settings, the blockers (the one query for blocks and mutes),
    # counting the threads, the page's threads, their comments (with authors and chapters)
    with django_assert_num_queries(9):
        client.get(chapter_url(work))


# ---------- Kudos ---------------------------------------------------------------------------


def test_a_blocked_reader_sees_no_kudos_button_but_the_reason(client_for, work, bob, author):
    relations.block(blocker=author, blocked=bob)
    response = client_for(bob).get(work.get_absolute_url())
    assert_valid_html(response, work.get_absolute_url())
    page = text(response)
    assert KUDOS_BLOCKED in page
    assert kudos_url(work) not in page and "Leave kudos" not in page


def test_others_keep_the_kudos_button(client_for, work, alice, bob, author):
    relations.block(blocker=author, blocked=bob)
    page = text(client_for(alice).get(work.get_absolute_url()))
    assert KUDOS_BLOCKED not in page and "Leave kudos" in page


def test_a_blocked_readers_kudos_are_refused_with_a_403(client_for, work, bob, author):
    relations.block(blocker=author, blocked=bob)
    client = client_for(bob)
    response = client.post(kudos_url(work))
    assert response.status_code == 403
    assert KUDOS_BLOCKED in text(response)
    assert_valid_html(response, kudos_url(work))
    answer = client.post(kudos_url(work), **JSON)
    assert answer.status_code == 403
    assert answer.json() == {"created": False, "message": KUDOS_BLOCKED}
    assert not Kudos.objects.exists()
    assert Work.objects.get(pk=work.pk).kudos_count == 0
    with pytest.raises(kudos.KudosRefused):
        kudos.give_kudos(work=work, reader=bob)

    relations.unblock(blocker=author, blocked=bob)
    assert client.post(kudos_url(work)).status_code == 302
    assert Kudos.objects.filter(reader=bob).exists()


def test_a_block_the_other_way_does_not_stop_kudos(client_for, work, bob, author):
    # The creator blocked by a reader still receives that reader's kudos if they leave them.
    relations.block(blocker=bob, blocked=author)
    assert client_for(bob).post(kudos_url(work)).status_code == 302


def test_kudos_on_a_work_with_a_creator_query_count(
    client_for, work, alice, django_assert_num_queries
):
    client = client_for(alice)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the rate
    # limit's count (start the minute's, purge expired ones), work, tags, whether its creator
    # blocks the reader, savepoint, insert kudos, count update, the day's kudos (the work's,
    # its creator's), release savepoint; and the creator's first kudos notice of the day
    # (tests/conversation/test_kudos_notices.py): mutes, the day's notice, savepoint, insert,
    # release, the day's count and names, the notice written
    with django_assert_num_queries(21):
        client.post(kudos_url(work))


def test_the_inbox_says_so_in_place_of_the_reply_form(client_for, work, alice, bob):
    bobs = comment(work, bob, "From bob.")
    comment(work, alice, "From alice.", parent=bobs)  # bob's inbox tells him of it
    inbox = reverse("conversation:inbox")
    assert 'name="body"' in text(client_for(bob).get(inbox))

    relations.block(blocker=alice, blocked=bob)
    page = text(client_for(bob).get(inbox))

    assert BLOCKED_REPLY in page and 'name="body"' not in page
