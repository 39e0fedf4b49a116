"""Draft and scheduled chapters on a posted work: saved without being posted, posted later by
their creator or by the job worker at their time, seen by nobody else until then, counted
nowhere, and announced to subscribers only when posted."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.consent.policy import Readable
from archive.exporting import downloads
from archive.listing import search
from archive.models import Chapter, Work
from archive.tasks import post_scheduled_chapters
from archive.writing import posting, scheduling
from following.models import Alert, Update
from following.subscriptions import subscribe
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
SECRET = "unpostedwords"


class Clock:
    """timezone.now, standing still until a test moves it."""

    def __init__(self, now):
        self.current = now

    def __call__(self):
        return self.current

    def advance(self, **delta):
        self.current += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(NOON)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def jobs_run(django_capture_on_commit_callbacks):
    """Run what a transaction enqueues once it commits (the alerts' fan-out)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def work(creator):
    return make_work(creator=creator, chapters=2)


@pytest.fixture
def fan(db):
    return make_reader("fan", choice="show")


def fresh(work):
    return Work.objects.get(pk=work.pk)


def chapters(work):
    return list(work.chapters.values_list("position", "title", "is_posted"))


def draft(work, title="Draft", **when):
    return posting.add_chapter(
        work=work, title=title, body=f"<p>{SECRET} {title}.</p>", draft=True, **when
    )


def chapter_updates(work):
    return Update.objects.filter(work=work, chapter__isnull=False).count()


# The posting functions


def test_a_draft_chapter_counts_for_nothing_until_posted(work, creator):
    revision = fresh(work).revision
    chapter = draft(work)
    work = fresh(work)
    assert (chapter.position, chapter.is_posted) == (3, False)
    assert (work.chapter_count, work.word_count, work.revision) == (2, 10, revision)
    posting.post_chapter(chapter=chapter)
    work = fresh(work)
    words = sum(work.chapters.values_list("word_count", flat=True))
    assert (work.chapter_count, work.word_count) == (3, words)
    assert work.updated == timezone.localdate()


def test_drafts_stay_after_the_posted_chapters(work):
    first, second = draft(work, "First draft"), draft(work, "Second draft")
    posting.add_chapter(work=work, title="Posted now", body="<p>Words.</p>")
    assert chapters(work)[2:] == [
        (3, "Posted now", True),
        (4, "First draft", False),
        (5, "Second draft", False),
    ]
    posting.post_chapter(chapter=second)
    assert chapters(work)[3:] == [(4, "Second draft", True), (5, "First draft", False)]
    assert fresh(work).chapter_count == 4
    first.refresh_from_db()
    with pytest.raises(posting.PostingRefused, match="post Chapter 5"):
        posting.move_chapter(chapter=first, direction="up")


def test_the_last_posted_chapter_stays_but_a_draft_may_go(creator):
    work = make_work(creator=creator, chapters=1)
    chapter = draft(work)
    with pytest.raises(posting.PostingRefused):
        posting.delete_chapter(chapter=work.chapters.get(position=1))
    posting.delete_chapter(chapter=chapter)
    assert chapters(work) == [(1, "Part 1", True)]


def test_a_posted_chapter_is_not_made_a_draft_again(work):
    chapter = work.chapters.get(position=1)
    with pytest.raises(posting.PostingRefused, match="posted already"):
        posting.update_chapter(chapter=chapter, body="<p>Words.</p>", draft=True)


def test_subscribers_hear_of_a_chapter_when_it_is_posted_not_saved(work, fan, jobs_run):
    subscribe(reader=fan, target=work)
    with jobs_run():
        chapter = draft(work)
        posting.update_chapter(chapter=chapter, title="Draft", body="<p>Words.</p>", draft=True)
    assert chapter_updates(work) == 0 and not Alert.objects.exists()
    with jobs_run():
        posting.post_chapter(chapter=chapter)
        posting.post_chapter(chapter=chapter)  # twice: posted once, announced once
    assert chapter_updates(work) == 1
    assert Alert.objects.filter(reader=fan, update__chapter=chapter).count() == 1


# Scheduling, with the clock standing still until moved


def test_the_worker_posts_a_scheduled_chapter_when_its_time_comes(clock, work, fan, jobs_run):
    subscribe(reader=fan, target=work)
    chapter = draft(work, post_at=NOON + datetime.timedelta(hours=2))
    post_scheduled_chapters.call_local()
    clock.advance(hours=1, minutes=59)
    post_scheduled_chapters.call_local()
    chapter.refresh_from_db()
    assert not chapter.is_posted and chapter_updates(work) == 0

    clock.advance(minutes=1)
    with jobs_run():
        post_scheduled_chapters.call_local()
    chapter.refresh_from_db()
    assert chapter.is_posted and chapter.post_at is None
    assert fresh(work).chapter_count == 3
    assert Alert.objects.filter(reader=fan, update__chapter=chapter).count() == 1
    post_scheduled_chapters.call_local()
    assert chapter_updates(work) == 1


def test_chapters_due_while_no_worker_ran_are_posted_in_their_order(clock, work):
    later = draft(work, "Later", post_at=NOON + datetime.timedelta(minutes=30))
    sooner = draft(work, "Sooner", post_at=NOON + datetime.timedelta(minutes=10))
    clock.advance(days=2)  # the worker was down
    assert scheduling.post_due_chapters() == 2
    assert chapters(work)[2:] == [(3, "Sooner", True), (4, "Later", True)]
    assert {later.pk, sooner.pk} == set(Update.objects.values_list("chapter", flat=True))


def test_a_chapter_posted_or_unscheduled_meanwhile_is_not_posted_again(clock, work):
    posted = draft(work, "Posted by hand", post_at=NOON + datetime.timedelta(minutes=5))
    unscheduled = draft(work, "Kept", post_at=NOON + datetime.timedelta(minutes=5))
    due = list(Chapter.objects.due(NOON + datetime.timedelta(minutes=5)))
    posting.post_chapter(chapter=posted)
    posting.update_chapter(chapter=unscheduled, title="Kept", body="<p>Words.</p>", draft=True)
    clock.advance(minutes=5)
    # A second worker read the same due rows before the first posted them.
    assert [posting.post_chapter(chapter=c, due_by=timezone.now()) for c in due] == [None, None]
    assert chapter_updates(work) == 1
    assert not Chapter.objects.get(pk=unscheduled.pk).is_posted


# Nobody but the creator and staff sees a draft, by any route


@pytest.fixture
def drafted(work):
    draft(work, post_at=NOON + datetime.timedelta(days=1))
    return work


def test_only_the_creator_and_staff_read_a_draft_chapter(client_for, drafted, creator, staff, fan):
    page = reverse("archive:chapter_detail", args=[drafted.pk, 3])
    assert client_for(fan).get(page).status_code == 404
    for person in (creator, staff):
        response = client_for(person).get(page)
        assert SECRET in response.content.decode()
        assert "will be posted on" in response.content.decode()


def test_readers_never_meet_draft_text_or_links(client_for, drafted, fan):
    client = client_for(fan)
    html = reverse("archive:download_html", args=[drafted.pk, "work"])
    pages = [
        reverse(f"archive:{name}", args=[drafted.pk]) for name in ("work_detail", "work_entire")
    ]
    for url in [*pages, html]:
        content = client.get(url).content.decode()
        assert SECRET not in content and "Chapter 3" not in content, url
    epub = client.get(reverse("archive:download_epub", args=[drafted.pk, "work"])).content
    assert SECRET.encode() not in epub
    comments = reverse("conversation:chapter_comments", args=[drafted.pk, 3])
    assert client.get(comments).status_code == 404
    place = reverse("archive:record_place", args=[drafted.pk])
    data = {"chapter": 3, "paragraph": 0, "page": "/"}
    assert client.post(place, data).status_code == 404


def test_the_creator_reads_the_entire_work_with_its_drafts(client_for, drafted, creator):
    page = client_for(creator).get(reverse("archive:work_entire", args=[drafted.pk]))
    assert SECRET in page.content.decode()
    # Downloads are one file for every reader, so they hold the posted chapters only.
    assert SECRET.encode() not in downloads.cached_file(fresh(drafted), "html")


def test_the_listing_counts_and_links_only_posted_chapters(client, drafted):
    page = client.get(reverse("archive:work_list")).content.decode()
    assert reverse("archive:chapter_detail", args=[drafted.pk, 2]) in page
    assert reverse("archive:chapter_detail", args=[drafted.pk, 3]) not in page
    assert "Latest chapter, 2" in page


def test_search_never_matches_draft_text(drafted):
    # On PostgreSQL through the work's search document, on SQLite through the chapters.
    search.update_search_documents([drafted.pk])
    works = search.matching(Work.objects.all(), SECRET, readable=Readable(everything=True))
    assert not works.exists()
    posting.post_chapter(chapter=drafted.chapters.get(position=3))
    assert works.all().exists()


# The creator's pages


def url(name, *args):
    return reverse(f"archive:{name}", args=args)


def chapter_data(**fields):
    return {"title": "Next", "body": f"<p>{SECRET} here.</p>", **fields}


def test_a_creator_saves_a_draft_and_posts_it_later(client_for, creator, work, fan):
    client = client_for(creator)
    subscribe(reader=fan, target=work)
    response = client.post(url("new_chapter", work.pk), chapter_data(when="draft"), follow=True)
    assert "saved as a draft" in response.content.decode()
    assert chapter_updates(work) == 0 and fresh(work).chapter_count == 2
    edit = client.get(url("edit_work", work.pk)).content.decode()
    assert "draft)" in edit and "Post now" in edit
    response = client.post(url("post_chapter", work.pk, 3), follow=True)
    assert "Chapter 3: Next is posted." in response.content.decode()
    assert chapter_updates(work) == 1 and fresh(work).chapter_count == 3


def test_a_creator_schedules_a_chapter_in_utc(clock, client_for, creator, work):
    data = chapter_data(when="scheduled", post_at="2026-06-02T09:30")
    response = client_for(creator).post(url("new_chapter", work.pk), data, follow=True)
    assert "to be posted on 2 June 2026, 09:30 UTC" in response.content.decode()
    chapter = work.chapters.get(position=3)
    assert chapter.post_at == datetime.datetime(2026, 6, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("post_at", "message"),
    [("", "Choose the date and time"), ("2026-05-01T10:00", "a time still to come")],
)
def test_a_schedule_needs_a_time_to_come(clock, client_for, creator, work, post_at, message):
    data = chapter_data(when="scheduled", post_at=post_at)
    response = client_for(creator).post(url("new_chapter", work.pk), data)
    assert message in response.content.decode()
    assert work.chapters.count() == 2


def test_editing_a_draft_can_schedule_it_or_post_it(clock, client_for, creator, work):
    chapter = draft(work)
    client = client_for(creator)
    form = client.get(url("edit_chapter", work.pk, 3)).content.decode()
    assert re.search(r'value="draft"[^>]*checked', form)
    data = chapter_data(when="scheduled", post_at="2026-06-01T18:00")
    client.post(url("edit_chapter", work.pk, 3), data)
    chapter.refresh_from_db()
    assert chapter.post_at == datetime.datetime(2026, 6, 1, 18, 0, tzinfo=datetime.UTC)
    client.post(url("edit_chapter", work.pk, 3), chapter_data(when="now"))
    chapter.refresh_from_db()
    assert chapter.is_posted and chapter.post_at is None


def test_a_posted_chapter_offers_no_posting_choice(client_for, creator, work):
    form = client_for(creator).get(url("edit_chapter", work.pk, 1)).content.decode()
    assert 'name="when"' not in form


def test_another_reader_cannot_post_a_draft(client_for, drafted, fan):
    assert client_for(fan).post(url("post_chapter", drafted.pk, 3)).status_code == 404
    assert not drafted.chapters.get(position=3).is_posted
