"""A work's status is one fact: "2/2" chapters is complete unless the creator says more are
coming, and the chapters shown, the Complete / Work in progress label and the complete filter
agree. A draft shows no published date."""

import re

import pytest
from django.urls import reverse

from archive.models import Work
from archive.writing import posting
from tests.archive.test_posting_views import work_data
from tests.factories import make_work

pytestmark = pytest.mark.django_db

WORKS = reverse("archive:work_list")


def status(work):
    work = Work.objects.get(pk=work.pk)
    return work.chapters_display, work.complete


def listed(client, title, complete):
    """The work's blurb from the works list filtered on `complete` ("" when not listed)."""
    page = client.get(WORKS, {"complete": complete}).content.decode()
    blurbs = re.findall(r'<article class="blurb".*?</article>', page, re.S)
    return next((blurb for blurb in blurbs if f">{title}</a>" in blurb), "")


def chapters_shown(html):
    """The Chapters figures as they read ("2/2"), the count's link to the latest left out."""
    return [
        re.sub(r"<[^>]+>", "", shown)
        for shown in re.findall(r"<dt>Chapters</dt><dd>(.*?)</dd>", html, re.S)
    ]


def agree_everywhere(client, work, chapters, complete):
    """The chapters shown, the label and the filter all say the same of `work`."""
    assert status(work) == (chapters, complete)
    label = "Complete" if complete else "Work in progress"
    blurb = listed(client, work.title, "yes" if complete else "no")
    assert chapters_shown(blurb) == [chapters] and label in blurb
    assert not listed(client, work.title, "no" if complete else "yes")
    page = client.get(reverse("archive:work_entire", args=[work.pk])).content.decode()
    assert chapters in chapters_shown(page) and f'class="badge status">{label}<' in page


def test_the_last_expected_chapter_completes_the_work(client, creator):
    work = make_work(creator=creator, chapters=1, title="Tidewater", expected_chapters=2)
    agree_everywhere(client, work, "1/2", complete=False)
    posting.add_chapter(work=work, body="<p>Two.</p>")
    agree_everywhere(client, work, "2/2", complete=True)


def test_more_chapters_coming_keep_it_in_progress(client, creator):
    work = make_work(creator=creator, chapters=2, title="Tidewater", expected_chapters=2)
    posting.update_work(work=work, expected_chapters=3)
    agree_everywhere(client, work, "2/3", complete=False)
    posting.update_work(work=work, expected_chapters=None)
    agree_everywhere(client, work, "2/?", complete=False)


def test_complete_with_no_number_expected_shows_all_its_chapters(client, creator):
    work = make_work(creator=creator, chapters=2, title="Tidewater")
    posting.update_work(work=work, complete=True)
    agree_everywhere(client, work, "2/2", complete=True)
    posting.add_chapter(work=work, body="<p>An epilogue.</p>")
    agree_everywhere(client, work, "3/3", complete=True)


def test_deleting_a_chapter_of_a_complete_work_makes_it_in_progress(client, creator):
    work = make_work(creator=creator, chapters=3, title="Tidewater", expected_chapters=3)
    posting.update_work(work=work, complete=True)
    posting.delete_chapter(chapter=work.chapters.get(position=3))
    agree_everywhere(client, work, "2/3", complete=False)


def test_the_form_saves_two_of_two_as_complete(client_for, creator):
    work = make_work(creator=creator, chapters=2, title="Tidewater")
    client = client_for(creator)
    edit = reverse("archive:edit_work", args=[work.pk])
    response = client.post(edit, work_data(title="Tidewater", expected_chapters="2"))
    assert response.status_code == 302
    assert status(work) == ("2/2", True)
    form = client.get(edit).context["form"]
    assert form["complete"].value() is True  # the box is ticked when the creator comes back


def test_the_form_refuses_complete_with_chapters_still_expected(client_for, creator):
    work = make_work(creator=creator, chapters=2, title="Tidewater")
    response = client_for(creator).post(
        reverse("archive:edit_work", args=[work.pk]),
        work_data(title="Tidewater", complete="on", expected_chapters="5"),
    )
    assert response.status_code == 200  # the form again, with the error
    assert "A complete work has all its chapters: expect 2" in response.content.decode()
    assert status(work) == ("2/?", False)


def test_a_new_work_marked_complete_is_complete_with_its_first_chapter(client_for, creator):
    client = client_for(creator)
    client.post(reverse("archive:new_work"), work_data(complete="on", expected_chapters="1"))
    work = Work.objects.get(title="Salt and Lanterns")
    assert status(work) == ("0/1", False)  # no chapter yet
    posting.add_chapter(work=work, body="<p>One.</p>")
    assert status(work) == ("1/1", True)


def test_a_draft_shows_no_published_date(client_for, creator):
    draft = make_work(creator=creator, chapters=1, is_posted=False)
    client = client_for(creator)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Draft — not yet published" in page
    assert "<dt>Published</dt><dd><time" not in page
    mine = client.get(reverse("archive:my_works")).content.decode()
    assert "Draft — not yet published" in mine

    posting.post_work(work=draft)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Draft — not yet published" not in page
    assert "<dt>Published</dt><dd><time" in page
