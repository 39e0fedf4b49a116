"""Mark for later: a toggle on the work page and a list of the works marked."""

import pytest
from django.urls import reverse

from accounts.models import Reader
from archive.models import MarkedForLater, Work
from archive.reading import bookmarks
from tests.factories import make_work

pytestmark = pytest.mark.django_db

LATER = reverse("archive:marked_for_later")


def later_url(work):
    return reverse("archive:mark_for_later", args=[work.pk])


def remove_url(mark):
    return reverse("archive:remove_mark", args=[mark.pk])


def marked_titles(reader):
    return sorted(
        MarkedForLater.objects.filter(reader=reader).values_list("work__title", flat=True)
    )


def test_a_reader_marks_a_work_for_later_from_its_page_and_comes_back(client_for, reader_ask):
    work = make_work(title="Someday", chapters=3)
    client = client_for(reader_ask)
    chapter = reverse("archive:chapter_detail", args=[work.pk, 2])
    assert ">Mark for later</button>" in client.get(chapter).content.decode()
    response = client.post(later_url(work), {"action": "mark", "next": chapter}, follow=True)
    assert response.redirect_chain[-1][0] == chapter
    content = response.content.decode()
    assert "“Someday” is marked for later." in content
    assert ">Unmark for later</button>" in content
    assert marked_titles(reader_ask) == ["Someday"]


def test_marking_twice_keeps_one_mark_and_unmarking_removes_it(client_for, reader_ask):
    work = make_work(title="Twice")
    client = client_for(reader_ask)
    client.post(later_url(work), {"action": "mark"})
    client.post(later_url(work), {"action": "mark"})
    assert marked_titles(reader_ask) == ["Twice"]
    response = client.post(later_url(work), {"action": "unmark"})
    assert response.url == work.get_absolute_url()
    assert marked_titles(reader_ask) == []
    client.post(later_url(work), {"action": "unmark"})
    assert marked_titles(reader_ask) == []


def test_a_malformed_action_is_a_bad_request_and_changes_nothing(client_for, reader_ask):
    work = make_work()
    bookmarks.mark_for_later(reader=reader_ask, work=work)
    client = client_for(reader_ask)
    assert client.post(later_url(work), {"action": "toggle"}).status_code == 400
    assert client.post(later_url(work)).status_code == 400
    assert MarkedForLater.objects.filter(reader=reader_ask).count() == 1


def test_guests_posts_and_unknown_works(client_for, reader_ask, creator):
    work = make_work()
    draft = make_work(creator=creator, is_posted=False)
    guest = client_for(None)
    assert guest.post(later_url(work), {"action": "mark"}).status_code == 302
    assert guest.get(LATER).status_code == 302
    assert "Mark for later" not in guest.get(work.get_absolute_url()).content.decode()
    reader = client_for(reader_ask)
    assert reader.get(later_url(work)).status_code == 405
    assert reader.post(later_url(draft), {"action": "mark"}).status_code == 404
    missing = reverse("archive:mark_for_later", args=[999999])
    assert reader.post(missing, {"action": "mark"}).status_code == 404
    assert not MarkedForLater.objects.exists()


def test_the_list_shows_my_marked_works_newest_first_with_an_unmark_button(client_for, reader_ask):
    first, second = make_work(title="First"), make_work(title="Second")
    other = Reader.objects.create_user("other")
    bookmarks.mark_for_later(reader=reader_ask, work=first)
    bookmarks.mark_for_later(reader=reader_ask, work=second)
    bookmarks.mark_for_later(reader=other, work=make_work(title="Theirs"))
    client = client_for(reader_ask)
    response = client.get(LATER)
    assert [marked.work.title for marked in response.context["page"]] == ["Second", "First"]
    content = response.content.decode()
    assert "Theirs" not in content
    mark = MarkedForLater.objects.get(reader=reader_ask, work=first)
    assert f'action="{remove_url(mark)}"' in content
    back = client.post(remove_url(mark), {"next": LATER + "?page=1"})
    assert back.url == LATER + "?page=1"
    assert marked_titles(reader_ask) == ["Second"]


def test_the_list_counts_works_the_reader_hides_and_keeps_drafts_without_them(
    client_for, reader_hide, creator
):
    shown = make_work(title="Gentle")
    hidden = make_work(title="Harsh", rating="explicit")
    draft = make_work(title="Pulled", creator=creator)
    for work in (shown, hidden, draft):
        bookmarks.mark_for_later(reader=reader_hide, work=work)
    Work.objects.filter(pk=draft.pk).update(is_posted=False)
    client = client_for(reader_hide)
    content = client.get(LATER).content.decode()
    assert "Gentle" in content
    assert "Harsh" not in content
    assert "2 works" in content and "1 hidden by your preferences" in content
    # The draft stays, saying so, without a word of its blurb.
    assert "Pulled" not in content
    assert "This work is no longer available to you" in content
    assert 'href="?show_hidden=1">Show them</a>' in content
    shown_all = client.get(LATER, {"show_hidden": "1"}).content.decode()
    assert "Harsh" in shown_all and "3 works" in shown_all
    assert "including works you usually hide" in shown_all


def test_the_list_is_paginated(client_for, reader_ask, settings):
    settings.WORKS_PER_PAGE = 2
    for _ in range(3):
        bookmarks.mark_for_later(reader=reader_ask, work=make_work())
    page = client_for(reader_ask).get(LATER, {"page": 2}).context["page"]
    assert page.paginator.num_pages == 2
    assert len(page.object_list) == 1


@pytest.mark.parametrize("size", [2, 12])
def test_marked_for_later_query_count(client_for, reader_ask, django_assert_num_queries, size):
    for _ in range(size):
        bookmarks.mark_for_later(reader=reader_ask, work=make_work())
    client = client_for(reader_ask)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), count
    # (shown and hidden), marks, works I may see with creators, tags
    with django_assert_num_queries(6):
        client.get(LATER)


def test_a_work_just_marked_that_the_reader_hides_is_counted_not_dropped(client_for, reader_hide):
    work = make_work(title="Marked Anyway", rating="mature")
    client = client_for(reader_hide)
    client.post(later_url(work), {"action": "mark"})
    content = client.get(LATER).content.decode()
    assert "0 works" in content and "1 hidden by your preferences" in content
    assert "Every work here is one your preferences hide." in content
    shown = client.get(LATER + "?show_hidden=1")
    assert [mark.listed_work for mark in shown.context["page"]] == [work]


def test_a_mark_of_a_work_no_longer_visible_can_be_removed(client_for, reader_ask, staff):
    from archive.writing import posting

    work = make_work(title="Taken Down")
    bookmarks.mark_for_later(reader=reader_ask, work=work)
    posting.hide_work(work=work, by=staff, reason="spam")
    client = client_for(reader_ask)
    content = client.get(LATER).content.decode()
    assert "Taken Down" not in content and "This work is no longer available" in content
    mark = MarkedForLater.objects.get()
    assert f'action="{remove_url(mark)}"' in content
    response = client.post(remove_url(mark), follow=True)
    assert "The work is no longer marked for later." in response.content.decode()
    assert not MarkedForLater.objects.exists()


def test_another_readers_mark_is_404_and_kept(client_for, reader_ask):
    other = Reader.objects.create_user("other")
    bookmarks.mark_for_later(reader=other, work=make_work())
    mark = MarkedForLater.objects.get()
    client = client_for(reader_ask)
    assert client.post(remove_url(mark)).status_code == 404
    assert client.get(remove_url(mark)).status_code == 405
    assert MarkedForLater.objects.filter(pk=mark.pk).exists()


@pytest.mark.parametrize("size", [1, 6])
def test_marked_for_later_with_hidden_and_unavailable_works_query_count(
    client_for, reader_hide, creator, django_assert_num_queries, size
):
    for _ in range(size):
        for rating in ("general", "explicit"):
            bookmarks.mark_for_later(reader=reader_hide, work=make_work(rating=rating))
        draft = make_work(creator=creator)
        bookmarks.mark_for_later(reader=reader_hide, work=draft)
        Work.objects.filter(pk=draft.pk).update(is_posted=False)
    client = client_for(reader_hide)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), count
    # (shown and hidden), marks, works I may see with creators, tags
    with django_assert_num_queries(6):
        response = client.get(LATER)
    assert response.context["listed"].hidden == size
    assert response.context["page"].paginator.count == 2 * size
