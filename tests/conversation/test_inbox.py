"""The inbox: notices of comments and replies, read and unread, the header's count, replying
from it, and the API other apps write with."""

from html import unescape

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts import relations
from conversation import inbox
from conversation.models import Comment, CommentStatus, InboxItem, InboxKind
from tests.conversation.conftest import comment, settings_for
from tests.factories import make_reader, make_work

INBOX = reverse("conversation:inbox")


def kinds(reader):
    return sorted(InboxItem.objects.filter(reader=reader).values_list("kind", flat=True))


def test_the_creator_hears_of_comments_and_a_commenter_of_replies(work, author, alice, bob):
    first = comment(work, alice)
    comment(work, bob, parent=first)
    comment(work, author, parent=first)  # the creator answers alice
    assert kinds(author) == [InboxKind.COMMENT_ON_WORK, InboxKind.COMMENT_ON_WORK]
    assert kinds(alice) == [InboxKind.REPLY, InboxKind.REPLY]
    assert kinds(bob) == []


def test_a_reply_to_the_creators_comment_is_one_notice(work, author, alice):
    theirs = comment(work, author)
    comment(work, alice, parent=theirs)
    assert kinds(author) == [InboxKind.REPLY]


def test_nobody_hears_of_what_a_muted_reader_writes(work, author, alice, bob):
    relations.mute(reader=author, muted=bob)
    comment(work, bob)
    assert kinds(author) == []


def test_a_held_comment_reaches_the_creator_and_its_reply_notice_waits_for_approval(
    work, author, alice, bob
):
    from conversation import comments

    first = comment(work, alice)
    settings_for(work, moderated=True)
    held = comment(work, bob, parent=first)
    assert InboxItem.objects.filter(reader=author, comment=held).exists()
    assert not InboxItem.objects.filter(reader=alice, comment=held).exists()
    comments.approve_comment(comment=held, by=author)
    assert InboxItem.objects.filter(reader=alice, comment=held, kind=InboxKind.REPLY).exists()


def test_a_comment_notice_is_at_most_once_per_reader(work, author, alice):
    posted = comment(work, alice)
    again = inbox.notify(reader=author, kind=InboxKind.COMMENT_ON_WORK, work=work, comment=posted)
    assert again is None
    assert InboxItem.objects.filter(reader=author).count() == 1


def test_the_database_refuses_a_comment_kind_without_its_comment(work, author):
    with pytest.raises(IntegrityError):
        InboxItem.objects.create(reader=author, kind=InboxKind.REPLY, work=work)


def test_notify_many_writes_one_notice_per_reader_for_other_apps(work, alice, bob):
    chapter = work.chapters.last()
    made = inbox.notify_many(
        readers=[alice, bob.pk], kind=InboxKind.UPDATE, work=work, chapter=chapter
    )
    assert len(made) == 2
    assert inbox.unread_count(alice) == inbox.unread_count(bob) == 1
    with pytest.raises(ValueError):
        inbox.notify_many(readers=[alice], kind=InboxKind.REPLY, work=work)


def test_each_kind_has_its_template_and_others_a_plain_one(work, alice):
    from django.template.loader import render_to_string

    item = inbox.notify(reader=alice, kind=InboxKind.UPDATE, work=work)
    assert item.template_names == [
        "conversation/inbox_items/update.html",
        "conversation/inbox_items/item.html",
    ]
    plain = unescape(render_to_string(item.template_names[1:], {"item": item}))
    assert f'Update to something you follow: <a href="{work.get_absolute_url()}">' in plain


def test_the_header_counts_unread_notices(client_for, work, author, alice):
    comment(work, alice)
    comment(work, alice, "Two")
    page = client_for(author).get(reverse("archive:work_list")).content.decode()
    assert '<span class="inbox-count">2</span>' in page
    assert "inbox-count" not in client_for(None).get(reverse("archive:work_list")).content.decode()


def test_guests_pay_no_query_for_the_inbox_and_readers_one(
    client_for, django_assert_num_queries, alice
):
    from django.template import Context, Template
    from django.test import RequestFactory

    from conversation.context_processors import inbox_unread

    request = RequestFactory().get("/")
    request.user = alice
    context = inbox_unread(request)
    with django_assert_num_queries(1):  # the unread count, once however often it is shown
        Template("{{ inbox_unread }}{{ inbox_unread }}").render(Context(context))
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert inbox_unread(request) == {}


def test_read_unread_delete_and_mark_all_read(client_for, work, author, alice, bob):
    one, two = comment(work, alice), comment(work, bob)
    items = {item.comment_id: item for item in InboxItem.objects.filter(reader=author)}
    client = client_for(author)
    update = reverse("conversation:update_inbox")

    client.post(update, {"action": "read", "items": [items[one.pk].pk]})
    assert inbox.unread_count(author) == 1
    client.post(update, {"action": "unread", "items": [items[one.pk].pk]})
    assert inbox.unread_count(author) == 2
    client.post(update, {"action": "read_all"})
    assert inbox.unread_count(author) == 0
    client.post(update, {"action": "delete", "items": [items[two.pk].pk]})
    assert list(InboxItem.objects.filter(reader=author)) == [items[one.pk]]
    assert Comment.objects.filter(pk=two.pk).exists()  # the comment itself stays


def test_nobody_touches_another_readers_inbox(client_for, work, author, alice):
    comment(work, alice)
    item = InboxItem.objects.get(reader=author)
    client = client_for(alice)
    client.post(reverse("conversation:update_inbox"), {"action": "delete", "items": [item.pk]})
    client.post(reverse("conversation:update_inbox"), {"action": "read_all"})
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"action": "explode"},
        {"action": "delete"},
        {"action": "delete", "items": ["x"]},
        {"action": "delete", "items": [str(2**70)]},
        {},
    ],
)
def test_bad_inbox_actions_change_nothing(client_for, work, author, alice, data):
    comment(work, alice)
    response = client_for(author).post(reverse("conversation:update_inbox"), data, follow=True)
    assert response.status_code == 200
    assert InboxItem.objects.filter(reader=author, read_at__isnull=True).count() == 1


def test_the_creator_replies_from_the_inbox(client_for, work, author, alice):
    theirs = comment(work, alice, "Is there more?")
    client = client_for(author)
    page = client.get(INBOX).content.decode()
    assert "Is there more?" in page
    reply_url = reverse("conversation:reply", args=[work.pk, theirs.pk])
    assert f'action="{reply_url}"' in page
    response = client.post(reply_url, {"body": "Soon!", "next": INBOX})
    assert response.url == INBOX
    reply = Comment.objects.get(parent=theirs)
    assert (reply.author, reply.body) == (author, "Soon!")
    assert InboxItem.objects.filter(reader=alice, comment=reply, kind=InboxKind.REPLY).exists()


def test_the_inbox_queries_are_pinned(client_for, django_assert_num_queries, author, work):
    readers = [make_reader(f"r{n}") for n in range(6)]
    for reader in readers:
        first = comment(work, reader)
        comment(work, author, parent=first)
    settings_for(work, moderated=True)  # read with the items, for the held replies' notice
    comment(work, readers[0], "Held.")
    inbox.notify(reader=author, kind=InboxKind.UPDATE, work=work)
    client = client_for(author)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes),
    # counting the items, the page of items (with works and their creators, chapters, series,
    # comments, their authors, parents and roots), their works' warnings, the blockers (the
    # one query for blocks and mutes).
    with django_assert_num_queries(6):
        response = client.get(INBOX)
    assert response.content.decode().count('<li class="inbox-item') == 8
    assert "Approve all held comments" in response.content.decode()


def item_html(page, item):
    """The one inbox item's part of the page."""
    start = page.index(f'id="inbox-item-{item.pk}"')
    return page[start : page.index("</li>", start)]


def test_the_inbox_quotes_each_comment_whole_and_sanitised(client_for, work, author, alice):
    body = '<p>The <strong>pacing</strong>!</p><p><a href="/x" title="t">Here</a></p>'
    theirs = comment(work, alice, body)
    page = client_for(author).get(INBOX).content.decode()
    quoted = item_html(page, InboxItem.objects.get(comment=theirs))
    assert '<blockquote class="quoted-comment"' in quoted
    assert "<p>The <strong>pacing</strong>!</p>" in quoted
    assert 'href="/x"' in quoted
    sly = comment(work, alice, '<p><a href="javascript:alert(1)">Click</a></p>')
    page = client_for(author).get(INBOX).content.decode()
    quoted = item_html(page, InboxItem.objects.get(comment=sly))
    assert "Click" in quoted
    assert "javascript:" not in quoted


def test_the_creator_approves_a_held_comment_from_the_inbox(client_for, work, author, alice, bob):
    first = comment(work, author)
    settings_for(work, moderated=True)
    held = comment(work, alice, "Waiting.", parent=first)
    approve = reverse("conversation:approve_comment", args=[work.pk, held.pk])
    page = client_for(author).get(INBOX).content.decode()
    assert f'action="{approve}"' in item_html(page, InboxItem.objects.get(comment=held))
    assert "Waiting for the creator's approval." in page

    assert client_for(bob).post(approve).status_code == 404  # held: bob cannot know of it
    response = client_for(author).post(approve, {"next": INBOX})
    assert response.url == INBOX
    held.refresh_from_db()
    assert held.status == CommentStatus.SHOWN
    assert f'action="{approve}"' not in client_for(author).get(INBOX).content.decode()


def test_approve_all_in_the_inbox_shows_the_held_comments_it_tells_of(
    client_for, work, author, alice, bob
):
    settings_for(work, moderated=True)
    told = [comment(work, alice, "One."), comment(work, alice, "Two.")]
    relations.mute(reader=author, muted=bob)
    unheard = comment(work, bob, "Muted, so not in the inbox.")
    other = make_work(creator=alice, chapters=1)
    settings_for(other, moderated=True)
    not_theirs = comment(other, bob, "On alice's work.")
    url = reverse("conversation:approve_held_in_inbox")
    assert client_for(bob).get(url).status_code == 405
    client_for(bob).post(url)  # bob's inbox tells of nothing held on his works
    assert Comment.objects.filter(status=CommentStatus.HELD).count() == 4

    response = client_for(author).post(url, {"next": INBOX}, follow=True)
    assert "2 comments approved and shown." in unescape(response.content.decode())
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in told] == [CommentStatus.SHOWN] * 2
    assert statuses[unheard.pk] == statuses[not_theirs.pk] == CommentStatus.HELD
    work.refresh_from_db()
    assert work.comment_count == 2
    assert "Approve all held comments" not in client_for(author).get(INBOX).content.decode()


def test_the_creator_marks_spam_from_the_inbox_and_its_notices_go(
    client_for, work, author, alice, bob
):
    first = comment(work, alice)
    spam = comment(work, bob, "Cheap pills.", parent=first)
    url = reverse("conversation:mark_spam", args=[work.pk, spam.pk])
    assert f'action="{url}"' in client_for(author).get(INBOX).content.decode()
    assert f'action="{url}"' not in client_for(alice).get(INBOX).content.decode()
    client_for(author).post(url, {"next": INBOX})
    assert not InboxItem.objects.filter(comment=spam).exists()
    assert "Cheap pills." not in client_for(alice).get(INBOX).content.decode()


def test_a_reply_from_the_inbox_says_when_it_will_wait(client_for, work, author, alice, bob):
    first = comment(work, alice)
    comment(work, bob, "An answer.", parent=first)
    settings_for(work, moderated=True)
    notice = "Comments on this work are moderated: yours will appear once the creator approves it."
    assert notice in unescape(client_for(alice).get(INBOX).content.decode())
    comment(work, alice, "Mine.")  # held: the creator hears of it, and replies unheld
    assert notice not in unescape(client_for(author).get(INBOX).content.decode())
