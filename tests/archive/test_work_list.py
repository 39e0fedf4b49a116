"""The works index: blurbs, paging, tag filtering, hidden works, query counts."""

import pytest
from django.test import override_settings
from django.urls import reverse

from archive.models import Tag
from archive.vocabulary import TagKind
from tests.factories import body_marker, make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")


def test_blurb_shows_the_works_metadata_and_never_its_text(client, db):
    work = make_work(
        rating="teen",
        warnings=["major-character-death"],
        categories=["m/m"],
        expected_chapters=5,
        tags=[
            ("Naruto", TagKind.FANDOM),
            ("Hatake Kakashi/Umino Iruka", TagKind.RELATIONSHIP),
            ("Umino Iruka", TagKind.CHARACTER),
            ("Hurt/Comfort", TagKind.ADDITIONAL),
        ],
        chapters=3,
    )
    content = client.get(INDEX).content.decode()
    for expected in [
        work.title,
        "Imported Author",
        "Naruto",
        "Teen And Up Audiences",
        "Major Character Death",
        "M/M",
        "Hatake Kakashi/Umino Iruka",
        "Umino Iruka",
        "Hurt/Comfort",
        "Summary of work",
        ">3</a>/5",  # the 3 links the latest chapter
        "Work in progress",
        "1 Jan 2026",
    ]:
        assert expected in content, expected
    assert body_marker(work.pk, 1) not in content


def test_unknown_chapter_total_shows_a_question_mark(client, db):
    make_work(chapters=1, complete=False, expected_chapters=None)
    assert "1/?" in client.get(INDEX).content.decode()


def test_most_recently_updated_first(client, db):
    import datetime

    old = make_work(updated=datetime.date(2026, 2, 1))
    new = make_work(updated=datetime.date(2026, 3, 1))
    works = list(client.get(INDEX).context["page"].object_list)
    assert works == [new, old]


@override_settings(WORKS_PER_PAGE=2)
def test_pages_and_out_of_range_pages(client, db):
    for _ in range(5):
        make_work()
    assert len(client.get(INDEX).context["page"].object_list) == 2
    last = client.get(INDEX, {"page": 3})
    assert last.context["page"].number == 3
    assert len(last.context["page"].object_list) == 1
    for bad in ["999999999999999999999", "-1", "abc", ""]:
        response = client.get(INDEX, {"page": bad})
        assert response.status_code == 200


def test_tag_filter_covers_synonyms(client, db):
    canonical = Tag.objects.create(name="Hurt/Comfort", kind=TagKind.ADDITIONAL)
    synonym = Tag.objects.create(name="h/c", kind=TagKind.ADDITIONAL, canonical=canonical)
    tagged = make_work(tags=[("Hurt/Comfort", TagKind.ADDITIONAL)])
    via_synonym = make_work(tags=[("h/c", TagKind.ADDITIONAL)])
    make_work(tags=[("Fluff", TagKind.ADDITIONAL)])
    response = client.get(INDEX, {"tag": canonical.name})
    assert set(response.context["page"].object_list) == {tagged, via_synonym}
    # A synonym stands for its canonical tag, so it finds the same works.
    response = client.get(INDEX, {"tag": synonym.name})
    assert set(response.context["page"].object_list) == {tagged, via_synonym}


def test_unknown_tag_gives_a_message_and_no_works(client, db):
    make_work()
    response = client.get(INDEX, {"tag": "No Such Tag"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "There is no tag called “No Such Tag”." in response.content.decode()


def test_hidden_works_leave_the_list_and_the_count(client_for, reader_hide):
    shown = make_work(rating="general", warnings=["no-warnings"])
    make_work(rating="explicit", warnings=["no-warnings"])
    make_work(rating="teen", warnings=["graphic-violence"])
    response = client_for(reader_hide).get(INDEX)
    assert list(response.context["page"].object_list) == [shown]
    assert response.context["page"].paginator.count == 1
    assert "1 work" in response.content.decode()


@pytest.mark.parametrize("works", [1, 10])
def test_guest_index_query_count_does_not_grow_with_works(client, django_assert_num_queries, works):
    for _ in range(works):
        make_work(tags=[("Naruto", TagKind.FANDOM)])
    # the listing generation, count, works (with creators), their tags
    with django_assert_num_queries(4):
        client.get(INDEX)


def test_reader_index_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    for _ in range(3):
        make_work()
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), the
    # listing generation, count, works, tags
    with django_assert_num_queries(6):
        client.get(INDEX)
