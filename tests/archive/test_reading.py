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


@pytest.mark.parametrize("chapters", [2, 12])
def test_chapter_page_query_count(client, django_assert_num_queries, chapters):
    work = make_work(chapters=chapters)
    # work with creator, its tags, its warnings, the chapter index, the chapter
    with django_assert_num_queries(5):
        client.get(chapter_url(work, 2))


def test_work_page_query_count(client, django_assert_num_queries):
    work = make_work(chapters=3)
    # work, tags, warnings, hit count update, chapter index, first chapter
    with django_assert_num_queries(6):
        client.get(work.get_absolute_url())


def test_entire_work_query_count(client, django_assert_num_queries):
    work = make_work(chapters=5)
    # work, tags, warnings, hit count update, every chapter
    with django_assert_num_queries(5):
        client.get(reverse("archive:work_entire", args=[work.pk]))


def test_consented_guest_chapter_query_count(client, django_assert_num_queries):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=3)
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    # session, work, tags, warnings, chapter index, chapter
    with django_assert_num_queries(6):
        client.get(chapter_url(work, 2))


def test_interstitial_query_count(client, django_assert_num_queries):
    work = make_work(rating="explicit", warnings=["non-con"], chapters=3)
    # work, tags, warnings: the interstitial reads no chapter at all
    with django_assert_num_queries(3):
        client.get(chapter_url(work, 2))
