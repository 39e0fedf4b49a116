"""Works staff hid: out of every list, page, feed and download for everyone but staff, and
their creators cannot post them again, though "My works" tells them why."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.urls import reverse

from archive.exporting import downloads
from archive.models import Work
from archive.reading.bookmarks import save_bookmark
from archive.vocabulary import TagKind
from archive.writing import posting
from tests.factories import make_work
from tests.test_site import assert_valid_html

pytestmark = pytest.mark.django_db

REASON = "Reported as copied from a published novel."
MY_WORKS = reverse("archive:my_works")


@pytest.fixture
def hidden(creator, staff):
    """A posted work of the creator's, hidden by staff."""
    work = make_work(title="The Copied One", creator=creator, tags=[("Naruto", TagKind.FANDOM)])
    return posting.hide_work(work=work, by=staff, reason=REASON)


def fresh(work):
    return Work.objects.get(pk=work.pk)


# The posting functions


def test_hiding_records_who_when_and_why_and_keeps_the_work_posted(hidden, staff):
    work = fresh(hidden)

    assert (work.hidden_by_staff, work.is_posted) == (True, True)
    assert (work.hidden_by, work.hidden_reason) == (staff, REASON)
    assert work.hidden_at is not None
    assert work.revision == 2  # downloads built before the hide are not served again


def test_hiding_a_hidden_work_keeps_the_first_record(hidden, creator):
    posting.hide_work(work=hidden, by=creator, reason="Another reason")

    work = fresh(hidden)
    assert (work.hidden_by.username, work.hidden_reason) == ("staffer", REASON)


def test_unhiding_gives_a_posted_work_back_posted_and_a_draft_back_a_draft(creator, staff):
    draft = make_work(creator=creator, is_posted=False)
    posted = make_work(creator=creator)
    for work in (draft, posted):
        posting.hide_work(work=work, by=staff)
        posting.unhide_work(work=work)

    assert Work.objects.posted().filter(pk=posted.pk).exists()
    assert fresh(draft).is_posted is False
    assert Work.objects.visible_to(creator).filter(pk=draft.pk).exists()
    assert (fresh(posted).hidden_by, fresh(posted).hidden_at) == (None, None)


def test_a_hidden_draft_cannot_be_posted(creator, staff):
    draft = make_work(creator=creator, is_posted=False)
    posting.hide_work(work=draft, by=staff)

    with pytest.raises(posting.PostingRefused, match="staff hid this work"):
        posting.post_work(work=draft)
    assert fresh(draft).is_posted is False


def test_only_staff_see_a_hidden_work_through_the_queryset_methods(
    hidden, creator, reader_show, staff
):
    assert not Work.objects.posted().filter(pk=hidden.pk).exists()
    for who in (AnonymousUser(), reader_show, creator):
        assert not Work.objects.visible_to(who).filter(pk=hidden.pk).exists(), who
    assert Work.objects.visible_to(staff).filter(pk=hidden.pk).exists()
    # Staff's own token reaches no more than any reader's.
    assert not Work.objects.posted_or_drafts_of(staff).filter(pk=hidden.pk).exists()


# The creator


def test_the_creators_post_button_is_refused_with_a_message(client_for, creator, staff):
    draft = make_work(creator=creator, is_posted=False)
    posting.hide_work(work=draft, by=staff, reason=REASON)
    client = client_for(creator)

    response = client.post(reverse("archive:post_work", args=[draft.pk]))

    assert response.status_code == 302
    assert response["Location"] == MY_WORKS
    [message] = get_messages(response.wsgi_request)
    assert "staff hid this work, so it cannot be posted" in str(message)
    assert fresh(draft).is_posted is False


def test_my_works_tells_the_creator_staff_hid_it_and_why(client_for, creator, hidden):
    response = client_for(creator).get(MY_WORKS)

    page = response.content.decode()
    assert [work.pk for work in response.context["page"]] == [hidden.pk]
    assert "Hidden by the archive's staff" in page
    assert "Reported as copied from a published novel." in page
    assert "Post this work" not in page
    assert reverse("archive:edit_work", args=[hidden.pk]) not in page
    assert reverse("archive:delete_work", args=[hidden.pk]) in page
    assert_valid_html(response, MY_WORKS)


def test_the_creator_may_still_delete_a_hidden_work(client_for, creator, hidden):
    client = client_for(creator)
    delete = reverse("archive:delete_work", args=[hidden.pk])

    assert f'href="{MY_WORKS}">Keep it' in client.get(delete).content.decode()
    assert client.post(delete).status_code == 302
    assert not Work.objects.filter(pk=hidden.pk).exists()


# Everywhere else


def work_pages(work):
    return [
        work.get_absolute_url(),
        reverse("archive:chapter_detail", args=[work.pk, 1]),
        reverse("archive:work_entire", args=[work.pk]),
        downloads.download_url(work, "epub"),
        downloads.download_url(work, "html"),
        reverse("archive:edit_work", args=[work.pk]),
        reverse("archive:new_chapter", args=[work.pk]),
    ]


LISTINGS = [
    reverse("archive:work_list"),
    reverse("archive:tag_detail", args=["naruto"]),
    reverse("archive:search") + "?q=copied",
    reverse("archive:my_bookmarks"),
    reverse("archive:feed_works"),
    reverse("archive:feed_tag", args=["naruto"]),
    reverse("archive:opds_latest"),
    reverse("archive:opds_fandoms"),
]


@pytest.mark.parametrize("persona", ["guest", "reader_show", "creator"])
def test_a_hidden_work_is_gone_from_every_page_and_list(request, client_for, hidden, persona):
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    if reader is not None:
        save_bookmark(reader=reader, work=hidden)
    make_work(title="Still here", tags=[("Naruto", TagKind.FANDOM)])
    client = client_for(reader)

    for url in work_pages(hidden):
        assert client.get(url).status_code in (404, 302), url  # a guest is sent to log in
    for url in LISTINGS:
        response = client.get(url)
        if response.status_code == 302:
            continue  # a guest has no bookmarks
        assert "The Copied One" not in response.content.decode(), url


def test_staff_still_read_a_hidden_work_and_are_told_it_is_hidden(client_for, staff, hidden):
    response = client_for(staff).get(hidden.get_absolute_url())

    page = response.content.decode()
    assert_valid_html(response, hidden.get_absolute_url())
    assert "Hidden by the archive's staff" in page
    assert REASON in page
    assert "Post this work" not in page
