"""Reading history: the place a reader reached, "continue reading", the history page."""

import re
import threading
import time
from html.parser import HTMLParser

import pytest
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from archive.models import Chapter, Reading, Work
from archive.reading import history as reading_history
from archive.templatetags.reading import number_paragraphs
from archive.writing.sanitize import sanitize_html
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

HISTORY = reverse("archive:history")


def chapter_url(work, position):
    return reverse("archive:chapter_detail", args=[work.pk, position])


def place_url(work):
    return reverse("archive:record_place", args=[work.pk])


def reading_of(reader, work):
    return Reading.objects.select_related("chapter").get(reader=reader, work=work)


def chapter(work, position):
    return work.chapters.get(position=position)


def keep_place(reader, work, position, paragraph):
    reading_history.record_place(
        reader=reader, work=work, chapter=chapter(work, position), paragraph=paragraph
    )


# Paragraph anchors


def test_every_paragraph_gets_an_id_with_its_chapter_position():
    body = (
        '<p>One.</p>\n<hr>\n<p class="break-caption">Later</p>\n'
        "<blockquote><p>Quoted.</p></blockquote>"
    )
    assert number_paragraphs(body, 3) == (
        '<p id="c3-p1">One.</p>\n<hr>\n<p class="break-caption" id="c3-p2">Later</p>\n'
        '<blockquote><p id="c3-p3">Quoted.</p></blockquote>'
    )


def test_markup_inside_attributes_is_not_taken_for_a_paragraph():
    body = '<p><a href="https://example.com" title="<p>">link</a></p>'
    assert number_paragraphs(body, 1) == (
        '<p id="c1-p1"><a href="https://example.com" title="<p>">link</a></p>'
    )


class _Paragraphs(HTMLParser):
    """The paragraphs html.parser finds, to check the regular expression against."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.ids = []

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.ids.append(dict(attrs).get("id"))


MARKUP = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<p class='x'>", "<pre>", "<param>", "<em>", "</em>", "<br/>", "<hr>",
         '<a title="<p>" href="/">', "</a>", "<blockquote>", "</blockquote>", "<ul><li>",
         "</li></ul>", "<!-- <p> -->", "text", " > ", '"', "&lt;p&gt;", "<p/>", "<P>"]
    )
).map("".join)  # fmt: skip


@given(MARKUP)
def test_every_paragraph_of_sanitised_markup_is_numbered_once(markup):
    body = sanitize_html(markup)
    parser = _Paragraphs()
    parser.feed(number_paragraphs(body, 2))
    parser.close()
    assert parser.ids == [f"c2-p{n}" for n in range(1, len(parser.ids) + 1)]
    assert len(parser.ids) == body.count("<p") - body.count("<pre")


def test_paragraph_ids_are_unique_on_the_entire_work(client):
    work = make_work(chapters=3)
    Chapter.objects.filter(work=work).update(body="<p>One.</p>\n<p>Two.</p>")
    content = client.get(reverse("archive:work_entire", args=[work.pk])).content.decode()
    ids = re.findall(r'<p id="(c\d+-p\d+)"', content)
    assert ids == ["c1-p1", "c1-p2", "c2-p1", "c2-p2", "c3-p1", "c3-p2"]


# Recording visits


def test_guests_and_readers_with_history_off_leave_no_trace(client_for, django_assert_num_queries):
    work = make_work(chapters=2)
    quiet = make_reader("quiet", history_enabled=False)
    client_for(None).get(chapter_url(work, 2))
    client_for(quiet).get(chapter_url(work, 2))
    assert not Reading.objects.exists()
    first = chapter(work, 1)
    with django_assert_num_queries(0):
        assert reading_history.record_visit(reader=quiet, work=work, chapter=first) is None


def test_reading_a_chapter_records_it_without_javascript(client_for, reader_ask):
    work = make_work(chapters=3)
    client = client_for(reader_ask)
    client.get(work.get_absolute_url())
    client.get(chapter_url(work, 2))
    reading = reading_of(reader_ask, work)
    assert reading.chapter.position == 2
    assert reading.visits == 2
    assert reading.chapters_seen == 3


def test_moving_to_another_chapter_starts_at_its_top_and_a_reload_keeps_the_paragraph(reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 2, 9)
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 2))
    assert reading_of(reader_ask, work).paragraph == 9
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 3))
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph) == (3, 0)


def test_opening_the_work_page_or_entire_work_keeps_the_place(client_for, reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 2, 7)
    client = client_for(reader_ask)
    client.get(work.get_absolute_url())
    client.get(reverse("archive:work_entire", args=[work.pk]))
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph, reading.visits) == (2, 7, 3)


def test_the_first_visit_to_the_entire_work_starts_at_the_first_chapter(client_for, reader_ask):
    work = make_work(chapters=2)
    client_for(reader_ask).get(reverse("archive:work_entire", args=[work.pk]))
    assert reading_of(reader_ask, work).chapter.position == 1


def test_a_deleted_chapter_leaves_the_reading_and_the_next_visit_sets_a_place(reader_ask):
    work = make_work(chapters=2)
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 2))
    chapter(work, 2).delete()
    assert reading_of(reader_ask, work).chapter is None
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1), move=False)
    assert reading_of(reader_ask, work).chapter.position == 1


def record_through_sqlite_locks(**visit):
    """SQLite answers a write racing another with "database is locked"; PostgreSQL waits."""
    for _ in range(200):
        try:
            return reading_history.record_visit(**visit)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.01)
    raise AssertionError("SQLite stayed locked")


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_visits_make_one_reading_and_count_every_visit(reader_ask):
    work = make_work(chapters=1)
    first = chapter(work, 1)
    start = threading.Barrier(8)
    errors = []

    def visit():
        try:
            start.wait()
            record_through_sqlite_locks(reader=reader_ask, work=work, chapter=first)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert reading_of(reader_ask, work).visits == 8


# Continue reading on the work's pages


def test_work_page_offers_to_continue_where_the_reader_stopped(client_for, reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 2, 4)
    content = client_for(reader_ask).get(work.get_absolute_url()).content.decode()
    target = chapter_url(work, 2) + "#c2-p4"
    assert f'<a href="{target}">Continue reading: Chapter 2, paragraph 4</a>' in content


def test_no_continue_link_at_the_top_of_the_chapter_being_read(client_for, reader_ask):
    work = make_work(chapters=3)
    client = client_for(reader_ask)
    content = client.get(chapter_url(work, 2)).content.decode()
    assert "Continue reading" not in content
    assert 'id="reading-place"' in content  # the script can still report the paragraph


def test_guests_get_no_continue_link_and_no_place_form(client):
    work = make_work(chapters=2)
    content = client.get(work.get_absolute_url()).content.decode()
    assert "Continue reading" not in content
    assert 'id="reading-place"' not in content


# The place the reading script reports


def test_the_script_records_the_paragraph_reached(client_for, reader_ask):
    work = make_work(chapters=3)
    response = client_for(reader_ask).post(place_url(work), {"chapter": 3, "paragraph": 12})
    assert response.status_code == 200
    assert response.json() == {"recorded": True}
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph, reading.visits) == (3, 12, 1)


def test_scrolling_the_work_page_does_not_move_a_place_saved_further_on(client_for, reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 3, 8)
    client = client_for(reader_ask)
    client.get(work.get_absolute_url())
    entire = reverse("archive:work_entire", args=[work.pk])
    for page, position, paragraph in [
        (work.get_absolute_url(), 1, 30),  # chapter 1, on the way to the kudos
        (entire, 2, 4),
        (entire, 3, 7),
    ]:
        place = {"chapter": position, "paragraph": paragraph, "page": page}
        response = client.post(place_url(work), place)
        assert response.json() == {"recorded": False}, place
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph) == (3, 8)


def test_reading_on_past_the_saved_place_on_the_entire_work_records_it(client_for, reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 2, 8)
    page = reverse("archive:work_entire", args=[work.pk])
    response = client_for(reader_ask).post(
        place_url(work), {"chapter": 3, "paragraph": 2, "page": page}
    )
    assert response.json() == {"recorded": True}
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph) == (3, 2)


def test_rereading_an_earlier_chapter_on_its_own_page_moves_the_place_back(client_for, reader_ask):
    work = make_work(chapters=3)
    keep_place(reader_ask, work, 3, 8)
    place = {"chapter": 1, "paragraph": 5, "page": chapter_url(work, 1)}
    assert client_for(reader_ask).post(place_url(work), place).json() == {"recorded": True}
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph) == (1, 5)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"chapter": "two", "paragraph": "1"},
        {"chapter": "1", "paragraph": "-3"},
        {"chapter": "0", "paragraph": "1"},
        {"chapter": "1", "paragraph": "99999999999999999999"},
        {"chapter": "1"},
    ],
)
def test_malformed_places_are_a_clear_400(client_for, reader_ask, data):
    work = make_work(chapters=1)
    response = client_for(reader_ask).post(place_url(work), data)
    assert response.status_code == 400
    assert "chapter position" in response.json()["error"]
    assert not Reading.objects.exists()


def test_unknown_works_chapters_and_others_drafts_are_404(client_for, reader_ask, creator):
    work = make_work(chapters=2)
    draft = make_work(creator=creator, is_posted=False)
    client = client_for(reader_ask)
    unknown = reverse("archive:record_place", args=[999999])
    assert client.post(unknown, {"chapter": 1, "paragraph": 1}).status_code == 404
    assert client.post(place_url(work), {"chapter": 5, "paragraph": 1}).status_code == 404
    assert client.post(place_url(draft), {"chapter": 1, "paragraph": 1}).status_code == 404
    assert not Reading.objects.exists()


def test_no_place_is_kept_in_a_work_whose_gate_was_not_passed(client_for, reader_ask):
    work = make_work(rating="explicit", warnings=["non-con"])
    client = client_for(reader_ask)
    response = client.post(place_url(work), {"chapter": 1, "paragraph": 2})
    assert response.status_code == 403
    assert not Reading.objects.exists()
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    assert client.post(place_url(work), {"chapter": 1, "paragraph": 2}).status_code == 200


def test_guests_and_gets_cannot_record(client_for, reader_ask):
    work = make_work(chapters=1)
    guest = client_for(None).post(place_url(work), {"chapter": 1, "paragraph": 2})
    assert guest.status_code == 302
    assert client_for(reader_ask).get(place_url(work)).status_code == 405
    assert not Reading.objects.exists()


def test_history_off_records_no_place(client_for):
    quiet = make_reader("quiet", history_enabled=False)
    work = make_work(chapters=1)
    response = client_for(quiet).post(place_url(work), {"chapter": 1, "paragraph": 2})
    assert response.json() == {"recorded": False}
    assert not Reading.objects.exists()


# The history page


def test_history_lists_recent_first_with_visits_new_chapters_and_the_place(client_for, reader_ask):
    older, newer = make_work(title="Older", chapters=2), make_work(title="Newer", chapters=3)
    client = client_for(reader_ask)
    client.get(older.get_absolute_url())
    client.get(chapter_url(newer, 1))
    client.post(place_url(newer), {"chapter": 2, "paragraph": 5})
    Chapter.objects.create(work=older, position=3, body="<p>New.</p>", published=older.published)
    Work.objects.filter(pk=older.pk).update(chapter_count=3)

    response = client.get(HISTORY)
    assert [r.work for r in response.context["page"]] == [newer, older]
    content = response.content.decode()
    assert "1 new chapter since you last read" in content
    assert content.count("new chapter") == 1
    assert "2 visits" not in content and "1 visit" in content
    assert f'href="{chapter_url(newer, 2)}#c2-p5"' in content
    assert "Chapter 2, paragraph 5" in content


def test_history_counts_hidden_works_and_keeps_drafts_no_longer_visible(client_for, creator):
    reader = make_reader("mixed")
    shown, explicit = make_work(title="Shown"), make_work(title="Explicit", rating="explicit")
    draft = make_work(title="Draft", creator=creator)
    for work in (shown, explicit, draft):
        reading_history.record_visit(reader=reader, work=work, chapter=chapter(work, 1))
    Work.objects.filter(pk=draft.pk).update(is_posted=False)
    reader.consent_choices.create(item="rating:explicit", choice="hide")
    client = client_for(reader)

    response = client.get(HISTORY)
    assert [r.listed_work for r in response.context["page"]] == [None, shown]
    content = response.content.decode()
    assert "2 works" in content and "1 hidden by your preferences" in content
    assert "Draft" not in content and "Explicit" not in content
    assert "This work is no longer available to you" in content
    assert 'href="?show_hidden=1">Show them</a>' in content
    everything = client.get(HISTORY, {"show_hidden": "1"})
    assert [r.listed_work for r in everything.context["page"]] == [None, explicit, shown]
    assert Reading.objects.filter(reader=reader).count() == 3  # hidden, not forgotten


def test_history_is_paginated(client_for, reader_ask, settings):
    settings.WORKS_PER_PAGE = 2
    for _ in range(3):
        work = make_work(chapters=1)
        reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1))
    client = client_for(reader_ask)
    assert len(client.get(HISTORY).context["page"].object_list) == 2
    assert len(client.get(HISTORY, {"page": 2}).context["page"].object_list) == 1
    assert client.get(HISTORY, {"page": "last'"}).status_code == 200


def test_guests_are_sent_to_log_in(client):
    for url in (HISTORY, reverse("archive:clear_history")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("works", [1, 6])
def test_history_query_count(client_for, reader_ask, django_assert_num_queries, works):
    for _ in range(works):
        work = make_work(chapters=2)
        reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 2))
    client = client_for(reader_ask)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), count,
    # readings with their chapters, works with creators, tags
    with django_assert_num_queries(6):
        client.get(HISTORY)


def test_recording_a_visit_costs_two_queries(client_for, django_assert_num_queries):
    work = make_work(chapters=3)
    quiet = make_reader("quiet", history_enabled=False)
    keeper = make_reader("keeper")
    client = client_for(quiet)
    client.get(chapter_url(work, 2))  # draws the work's header, which the cache then keeps
    with CaptureQueriesContext(connection) as without_history:
        client.get(chapter_url(work, 2))
    baseline = len(without_history)  # read now: the next request clears the query log
    client = client_for(keeper)
    client.get(chapter_url(work, 2))
    # what a reader without history costs, plus: the reading, its update (no transaction)
    with django_assert_num_queries(baseline + 2):
        client.get(chapter_url(work, 2))


# Clearing and switching off


def test_clearing_asks_first_then_forgets_everything(client_for, reader_ask):
    work = make_work(chapters=1)
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1))
    client = client_for(reader_ask)
    confirm = client.get(reverse("archive:clear_history"))
    assert "Clear your history?" in confirm.content.decode()
    assert Reading.objects.count() == 1
    response = client.post(reverse("archive:clear_history"))
    assert response.status_code == 302
    assert not Reading.objects.exists()


def test_clear_history_confirmation_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    # session, reader: the page only asks
    with django_assert_num_queries(2):
        assert client.get(reverse("archive:clear_history")).status_code == 200


def test_switching_history_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    switch = reverse("archive:switch_history")
    # session, reader, savepoint, the reader's switch, savepoint, readings deleted, release,
    # release
    with django_assert_num_queries(8):
        client.post(switch, {"history": "off", "clear": "on"})
    # session, reader, savepoint, the reader's switch, release
    with django_assert_num_queries(5):
        client.post(switch, {"history": "on"})


def test_switching_off_keeps_what_is_recorded_unless_asked(client_for, reader_ask):
    work = make_work(chapters=2)
    client = client_for(reader_ask)
    client.get(work.get_absolute_url())
    client.post(reverse("archive:switch_history"), {"history": "off"})
    reader_ask.refresh_from_db()
    assert not reader_ask.history_enabled
    client.get(chapter_url(work, 2))
    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.visits) == (1, 1)
    assert "Your history is off" in client.get(HISTORY).content.decode()

    client.post(reverse("archive:switch_history"), {"history": "on"})
    client.post(reverse("archive:switch_history"), {"history": "off", "clear": "on"})
    assert not Reading.objects.exists()


def test_a_malformed_switch_changes_nothing(client_for, reader_ask):
    response = client_for(reader_ask).post(reverse("archive:switch_history"), {"history": "maybe"})
    assert response.status_code == 302
    reader_ask.refresh_from_db()
    assert reader_ask.history_enabled


# Another reader


def test_another_reader_never_sees_or_changes_my_history(client_for, reader_ask, reader_show):
    work = make_work(title="Private Reading", chapters=3)
    keep_place(reader_ask, work, 3, 8)
    other = client_for(reader_show)

    assert "Private Reading" not in other.get(HISTORY).content.decode()
    assert "Continue reading" not in other.get(work.get_absolute_url()).content.decode()
    other.post(place_url(work), {"chapter": 1, "paragraph": 1, "reader": reader_ask.pk})
    other.post(reverse("archive:clear_history"), {"reader": reader_ask.pk})
    other.post(reverse("archive:switch_history"), {"history": "off", "reader": reader_ask.pk})

    reading = reading_of(reader_ask, work)
    assert (reading.chapter.position, reading.paragraph) == (3, 8)
    reader_ask.refresh_from_db()
    assert reader_ask.history_enabled


# Removing one work


def forget_url(reading):
    return reverse("archive:forget_reading", args=[reading.pk])


def test_a_reader_removes_one_work_from_the_history_and_keeps_the_rest(client_for, reader_ask):
    kept, removed = make_work(title="Kept"), make_work(title="Let Go")
    for work in (kept, removed):
        reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1))
    client = client_for(reader_ask)
    reading = reading_of(reader_ask, removed)
    assert f'action="{forget_url(reading)}"' in client.get(HISTORY).content.decode()

    response = client.post(forget_url(reading), {"next": HISTORY}, follow=True)
    assert response.redirect_chain[-1][0] == HISTORY
    content = response.content.decode()
    assert "“Let Go” is removed from your history." in content
    assert [r.listed_work for r in response.context["page"]] == [kept]
    assert list(Reading.objects.values_list("work_id", flat=True)) == [kept.pk]


def test_another_readers_history_entry_is_404_and_kept(client_for, reader_ask):
    work = make_work()
    other = make_reader("other")
    reading_history.record_visit(reader=other, work=work, chapter=chapter(work, 1))
    reading = reading_of(other, work)
    client = client_for(reader_ask)
    assert client.post(forget_url(reading)).status_code == 404
    assert client.post(reverse("archive:forget_reading", args=[999999])).status_code == 404
    assert Reading.objects.filter(pk=reading.pk).exists()


def test_removing_from_history_is_a_post_with_csrf(client_for, reader_ask):
    from django.test import Client

    work = make_work()
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1))
    reading = reading_of(reader_ask, work)
    assert client_for(reader_ask).get(forget_url(reading)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader_ask)
    assert strict.post(forget_url(reading)).status_code == 403
    assert client_for(None).post(forget_url(reading)).status_code == 302  # to log in
    assert Reading.objects.filter(pk=reading.pk).exists()


def test_a_work_no_longer_visible_is_removed_without_naming_it(client_for, reader_ask, staff):
    from archive.writing import posting

    work = make_work(title="Taken Down")
    reading_history.record_visit(reader=reader_ask, work=work, chapter=chapter(work, 1))
    posting.hide_work(work=work, by=staff, reason="spam")
    client = client_for(reader_ask)
    content = client.get(HISTORY).content.decode()
    assert "Taken Down" not in content
    assert "This work is no longer available to you" in content
    assert "Continue reading" not in content
    response = client.post(forget_url(reading_of(reader_ask, work)), follow=True)
    assert "The work is removed from your history." in response.content.decode()
    assert not Reading.objects.exists()


@pytest.mark.parametrize("works", [1, 6])
def test_history_with_hidden_and_unavailable_works_query_count(
    client_for, reader_hide, creator, django_assert_num_queries, works
):
    drafts = []
    for _ in range(works):
        for title in ("shown", "explicit", "draft"):
            rating = "explicit" if title == "explicit" else "general"
            work = make_work(chapters=2, title=title, rating=rating, creator=creator)
            reading_history.record_visit(reader=reader_hide, work=work, chapter=chapter(work, 2))
            drafts += [work.pk] if title == "draft" else []
    Work.objects.filter(pk__in=drafts).update(is_posted=False)
    client = client_for(reader_hide)
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), count
    # (shown and hidden), readings with their chapters, works I may see with creators, tags
    with django_assert_num_queries(6):
        response = client.get(HISTORY)
    assert response.context["listed"].hidden == works
    listed = [r.listed_work and r.listed_work.title for r in response.context["page"]]
    assert listed == [None, "shown"] * works
