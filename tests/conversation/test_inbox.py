"""The inbox: notices of comments and replies, read and unread, the header's count, replying
from it, and the API other apps write with."""

from html import unescape

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts import relations
from conversation import inbox
from conversation.models import Comment, InboxItem, InboxKind
from tests.conversation.conftest import comment, settings_for
from tests.factories import make_reader

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
    inbox.notify(reader=author, kind=InboxKind.UPDATE, work=work)
    client = client_for(author)
    # session, reader (with the header's unread count), counting the items, the page of
    # items (with works and their creators, chapters, series, comments, their authors,
    # parents and roots), their works' warnings, the mutes. The creator skips the gate, so
    # no standing choices.
    with django_assert_num_queries(6):
        response = client.get(INBOX)
    assert response.content.decode().count('<li class="inbox-item') == 7
