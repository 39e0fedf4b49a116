"""A creator is not offered, and cannot make, a subscription to or a mark for later on their
own work, nor told of "new chapters" they posted themselves."""

import pytest
from django.urls import reverse

from archive.models import MarkedForLater
from archive.writing import posting
from following.models import Subscription, Target
from tests.factories import make_work

pytestmark = pytest.mark.django_db

SUBSCRIBE = "following:subscribe_work"


@pytest.fixture
def work(creator):
    return make_work(creator=creator, chapters=2)


def controls(page, work):
    return {
        "subscribe": f'action="{reverse(SUBSCRIBE, args=[work.pk])}"' in page,
        "mark": f'action="{reverse("archive:mark_for_later", args=[work.pk])}"' in page,
    }


def test_the_creator_sees_no_subscribe_nor_mark_on_their_work(
    client_for, creator, reader_ask, work, django_assert_num_queries
):
    chapter_two = reverse("archive:chapter_detail", args=[work.pk, 2])
    client = client_for(creator)
    # As the reading pages' pins (tests/archive/test_reading.py): session, reader, work,
    # tags (drawing the header), chapter index with the chapter's text (one query since
    # issue 21), the reading (read; savepoint, the first reading, release), series, the
    # reader's marks on the work. Hiding the controls costs none.
    with django_assert_num_queries(11):
        own = client.get(chapter_two).content.decode()
    assert controls(own, work) == {"subscribe": False, "mark": False}
    assert "Bookmark" in own  # a creator may still keep a bookmark of their own work

    other = client_for(reader_ask).get(chapter_two).content.decode()
    assert controls(other, work) == {"subscribe": True, "mark": True}


def test_the_creator_cannot_subscribe_to_or_mark_their_work(client_for, creator, work):
    client = client_for(creator)
    subscribed = client.post(reverse(SUBSCRIBE, args=[work.pk]), {"action": "subscribe"})
    assert subscribed.status_code == 400
    assert "cannot subscribe to your own work" in subscribed.content.decode()

    marked = client.post(reverse("archive:mark_for_later", args=[work.pk]), {"action": "mark"})
    assert marked.status_code == 403
    assert "cannot mark your own work" in marked.content.decode()
    assert not Subscription.objects.exists()
    assert not MarkedForLater.objects.exists()


def test_a_creator_who_followed_their_work_before_may_still_unfollow_it(client_for, creator, work):
    Subscription.objects.create(reader=creator, kind=Target.WORK, work=work)
    client = client_for(creator)
    page = client.get(reverse("following:subscriptions")).content.decode()
    assert "Unsubscribe" in page
    client.post(reverse(SUBSCRIBE, args=[work.pk]), {"action": "unsubscribe"})
    assert not Subscription.objects.exists()


def test_the_creator_is_not_told_of_new_chapters_they_posted(client_for, creator, reader_ask, work):
    for reader in (creator, reader_ask):
        client_for(reader).get(work.get_absolute_url())  # a first reading of two chapters
    posting.add_chapter(work=work, body="<p>Three.</p>")

    own = client_for(creator).get(work.get_absolute_url()).content.decode()
    assert "since you last read" not in own
    other = client_for(reader_ask).get(work.get_absolute_url()).content.decode()
    assert "1 new chapter since you last read" in other
