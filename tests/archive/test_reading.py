"""Reading a work: one chapter per page, the chapter index, the entire work."""

import pytest
from django.urls import reverse

from archive.models import Chapter, Work
from tests.factories import body_marker, make_work

pytestmark = pytest.mark.django_db


def chapter_url(work, position):
    return reverse("archive:chapter_detail", args=[work.pk, position])


def test_work_page_opens_on_the_first_chapter_with_work_notes(client):
    work = make_work(chapters=3, notes="<p>Work notes here.</p>", end_notes="<p>Thanks!</p>")
    content = client.get(work.get_absolute_url()).content.decode()
    assert body_marker(work.pk, 1) in content
    assert body_marker(work.pk, 2) not in content
    assert "Work notes here." in content
    assert "Thanks!" not in content  # end notes close the last chapter
    assert "Chapter 1: Part 1" in content


def test_chapter_page_has_previous_next_and_index(client):
    work = make_work(chapters=3, end_notes="<p>Thanks!</p>")
    response = client.get(chapter_url(work, 2))
    content = response.content.decode()
    assert response.context["previous"].position == 1
    assert response.context["next"].position == 3
    assert f'href="{chapter_url(work, 1)}"' in content
    assert f'href="{chapter_url(work, 3)}"' in content
    assert 'aria-current="page">Chapter 2: Part 2' in content
    assert reverse("archive:work_entire", args=[work.pk]) in content
    last = client.get(chapter_url(work, 3))
    assert last.context["next"] is None
    assert "Thanks!" in last.content.decode()


def test_positions_as_the_work_has_them(client):
    work = make_work(chapters=0, complete=False)
    Chapter.objects.create(
        work=work, position=7, title="The Rescue", body="<p>Seven.</p>", published=work.published
    )
    Work.objects.filter(pk=work.pk).update(chapter_count=1)
    content = client.get(work.get_absolute_url()).content.decode()
    assert "Chapter 7: The Rescue" in content
    assert client.get(chapter_url(work, 7)).status_code == 200
    assert client.get(chapter_url(work, 1)).status_code == 404


def test_entire_work_shows_every_chapter_in_order(client):
    work = make_work(chapters=3)
    content = client.get(reverse("archive:work_entire", args=[work.pk])).content.decode()
    positions = [content.index(body_marker(work.pk, n)) for n in (1, 2, 3)]
    assert positions == sorted(positions)


def test_notes_and_scene_breaks_are_rendered_distinctly(client):
    work = make_work(chapters=1)
    Chapter.objects.filter(work=work).update(
        notes="<p>Before.</p>",
        end_notes="<p>After.</p>",
        body='<p>One.</p>\n<hr>\n<p class="break-caption">Later</p>\n<p>Two.</p>',
    )
    content = client.get(work.get_absolute_url()).content.decode()
    assert '<aside class="notes notes-start" aria-labelledby="chapter-1-notes">' in content
    assert '<aside class="notes notes-end" aria-labelledby="chapter-1-end-notes">' in content
    assert '<hr>\n<p class="break-caption" id="c1-p2">Later</p>' in content


def test_hits_count_work_visits_but_not_the_creators(client_for, creator):
    work = make_work(creator=creator)
    client_for(None).get(work.get_absolute_url())
    client_for(None).get(chapter_url(work, 2))
    work.refresh_from_db()
    assert work.hits == 1
    client_for(creator).get(work.get_absolute_url())
    work.refresh_from_db()
    assert work.hits == 1


@pytest.mark.parametrize("route", ["work_detail", "work_entire", "chapter_detail"])
def test_reading_pages_refuse_a_post_and_count_no_hit(client, route):
    work = make_work()
    args = [work.pk, 1] if route == "chapter_detail" else [work.pk]
    response = client.post(reverse(f"archive:{route}", args=args))
    assert response.status_code == 405
    assert Work.objects.get(pk=work.pk).hits == 0


def test_missing_works_and_chapters_are_404(client):
    work = make_work(chapters=2)
    assert client.get(reverse("archive:work_detail", args=[999999])).status_code == 404
    assert client.get(chapter_url(work, 3)).status_code == 404


def test_drafts_are_404_to_everyone_but_their_creator_and_staff(client_for, creator, staff):
    draft = make_work(creator=creator, is_posted=False)
    assert client_for(None).get(draft.get_absolute_url()).status_code == 404
    assert client_for(creator).get(draft.get_absolute_url()).status_code == 200
    assert client_for(staff).get(draft.get_absolute_url()).status_code == 200
    assert draft not in client_for(None).get(reverse("archive:work_list")).context["page"]


def assert_shows_the_text(response, work, position):
    content = response.content.decode()
    assert response.status_code == 200
    assert body_marker(work.pk, position) in content
    assert "Show me this work" not in content


# Query counts: each pinned for 3 and 12 chapters, so that none grows with the work. Since
# issue 21 the chapter index and the shown chapter's text are one query, not two.


@pytest.mark.parametrize("chapters", [3, 12])
def test_chapter_page_query_count(client, django_assert_num_queries, chapters):
    work = make_work(chapters=chapters)
    # work with creator and the listing generation, its tags (to draw the header the cache
    # does not have yet), whether the work is in a series, the chapter index with the
    # chapter's text
    with django_assert_num_queries(4):
        response = client.get(chapter_url(work, 2))
    assert_shows_the_text(response, work, 2)
    # the same without the tags: the header drawn for this state of the work is kept
    with django_assert_num_queries(3):
        response = client.get(chapter_url(work, 2))
    assert_shows_the_text(response, work, 2)


@pytest.mark.parametrize("chapters", [3, 12])
def test_work_page_query_count(client, django_assert_num_queries, chapters):
    work = make_work(chapters=chapters)
    # work, tags (drawing the header), hit count update, the day's hits (the work's, its creator's),
    # chapter index with the first chapter's text, series parts
    with django_assert_num_queries(7):
        response = client.get(work.get_absolute_url())
    assert_shows_the_text(response, work, 1)


@pytest.mark.parametrize("chapters", [3, 12])
def test_entire_work_query_count(client, django_assert_num_queries, chapters):
    work = make_work(chapters=chapters)
    # work, tags (drawing the header), hit count update, the day's hits (the work's, its creator's),
    # every chapter, series parts
    with django_assert_num_queries(7):
        response = client.get(reverse("archive:work_entire", args=[work.pk]))
    assert_shows_the_text(response, work, chapters)


@pytest.mark.parametrize("chapters", [3, 12])
def test_consented_guest_chapter_query_count(client, django_assert_num_queries, chapters):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=chapters)
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    # session, work, tags (drawing the header), chapter index with the chapter's text,
    # series parts
    with django_assert_num_queries(5):
        response = client.get(chapter_url(work, 2))
    assert_shows_the_text(response, work, 2)


def test_interstitial_query_count(client, django_assert_num_queries):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=3)
    # work (its warnings come with it), tags for its blurb: the interstitial reads no chapter
    with django_assert_num_queries(2):
        response = client.get(chapter_url(work, 2))
    assert response.status_code == 200
    assert body_marker(work.pk, 2) not in response.content.decode()


@pytest.fixture
def reading_as(client_for, reader_ask, reader_show, creator):
    """A client signed in as a persona who may read a gated work, and that work."""

    def sign_in(persona, chapters):
        owner = creator if persona == "creator" else None
        work = make_work(rating="explicit", warnings=["non-con"], chapters=chapters, creator=owner)
        reader = {"consented": reader_ask, "show": reader_show, "creator": creator}[persona]
        client = client_for(reader)
        if persona == "consented":  # a reader who asks each time, and said yes to this work
            client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
        return client, work

    return sign_in


# A signed-in reader's first visit to a chapter: session, reader, work with creator, its
# tags (drawing the header), the chapter index with the chapter's text, then the reading
# history (the reading, not found: savepoint, the new reading, release), whether the work
# is in a series (a work in none never reads the exclusions the series navigation
# applies), and the reader's kudos and bookmark state. The header's unread inbox count and
# the standing choices the gate reads come with the reader.
SIGNED_IN_CHAPTER_QUERIES = {"consented": 11, "show": 11, "creator": 11}
# The next visit: no tags (the header is kept), and the reading is read and updated in one
# statement each, with no transaction.
SIGNED_IN_NEXT_VISIT_QUERIES = {"consented": 8, "show": 8, "creator": 8}
# The work page adds the hit count update and the day's hits (the work's, its creator's)
# (archive/stats/days.py), which a creator's own visits do not make.
SIGNED_IN_WORK_QUERIES = {"consented": 14, "show": 14, "creator": 11}


@pytest.mark.parametrize("chapters", [3, 12])
@pytest.mark.parametrize("persona", SIGNED_IN_CHAPTER_QUERIES)
def test_signed_in_chapter_page_query_count(
    reading_as, django_assert_num_queries, persona, chapters
):
    client, work = reading_as(persona, chapters)
    with django_assert_num_queries(SIGNED_IN_CHAPTER_QUERIES[persona]):
        response = client.get(chapter_url(work, 2))
    assert_shows_the_text(response, work, 2)
    with django_assert_num_queries(SIGNED_IN_NEXT_VISIT_QUERIES[persona]):
        response = client.get(chapter_url(work, 2))
    assert_shows_the_text(response, work, 2)


@pytest.mark.parametrize("chapters", [3, 12])
@pytest.mark.parametrize("persona", SIGNED_IN_WORK_QUERIES)
def test_signed_in_work_page_query_count(reading_as, django_assert_num_queries, persona, chapters):
    client, work = reading_as(persona, chapters)
    with django_assert_num_queries(SIGNED_IN_WORK_QUERIES[persona]):
        response = client.get(work.get_absolute_url())
    assert_shows_the_text(response, work, 1)
