"""A creator's page: their works (visible, not excluded, paged), their series, bookmarks."""

import pytest
from django.urls import reverse

from accounts.models import ConsentChoice
from archive.models import Series
from archive.vocabulary import StandingChoice, TagKind
from archive.writing.series import add_work_to_series
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db


def page_of(person):
    return reverse("archive:creator_detail", args=[person.username])


def test_creator_page_lists_their_works_and_series_and_links_bookmarks(client, creator):
    mine = make_work(creator=creator, title="Lanterns")
    make_work(creator=make_reader("someone"), title="Not theirs")
    series = Series.objects.create(creator=creator, title="Harbour lights")
    add_work_to_series(series=series, work=mine)
    response = client.get(page_of(creator))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Lanterns" in content and "Not theirs" not in content
    assert series.get_absolute_url() in content
    assert reverse("archive:reader_bookmarks", args=[creator.username]) in content
    assert body_marker(mine.pk, 1) not in content


def test_drafts_stay_off_the_page_but_for_their_creator(client_for, creator):
    make_work(creator=creator, title="Half written", is_posted=False)
    draft_series = Series.objects.create(creator=creator, title="Empty shelf")
    guest = client_for(None).get(page_of(creator)).content.decode()
    assert "Half written" not in guest and "Empty shelf" not in guest
    own = client_for(creator).get(page_of(creator)).content.decode()
    assert "Half written" in own and draft_series.title in own


def test_exclusions_hide_works_and_the_page_says_how_many(client_for, creator):
    reader = make_reader("careful")
    ConsentChoice.objects.create(reader=reader, item="rating:mature", choice=StandingChoice.HIDE)
    make_work(creator=creator, title="Gentle")
    make_work(creator=creator, title="Stormy", rating="mature")
    content = client_for(reader).get(page_of(creator)).content.decode()
    assert "Gentle" in content and "Stormy" not in content
    assert "1 work" in content and "1 hidden by your preferences" in content


def test_works_are_paginated(client, creator, settings):
    settings.WORKS_PER_PAGE = 2
    for n in range(5):
        make_work(creator=creator, title=f"Entry {n}")
    response = client.get(page_of(creator) + "?page=3")
    assert response.context["page"].number == 3
    assert len(response.context["page"].object_list) == 1


def test_unknown_or_inactive_people_are_404(client):
    assert client.get(reverse("archive:creator_detail", args=["nobody"])).status_code == 404
    gone = make_reader("gone", is_active=False)
    assert client.get(page_of(gone)).status_code == 404


def test_blurbs_and_work_pages_link_the_creator(client, creator):
    work = make_work(creator=creator)
    assert f'href="{page_of(creator)}"' in client.get(reverse("archive:work_list")).content.decode()
    assert f'href="{page_of(creator)}"' in client.get(work.get_absolute_url()).content.decode()


def test_the_header_includes_the_actions_on_a_person(client, creator):
    response = client.get(page_of(creator))
    assert "includes/creator_actions.html" in [t.name for t in response.templates]
    assert response.context["person"] == creator


def test_creator_page_query_count(client, creator, django_assert_num_queries):
    series = Series.objects.create(creator=creator, title="Harbour lights")
    for _ in range(3):
        add_work_to_series(series=series, work=make_work(creator=creator))
    # the person, the works' count (paginator), the series with their creator, the page of
    # works, their tags
    with django_assert_num_queries(5):
        response = client.get(page_of(creator))
    assert len(response.context["page"].object_list) == 3


def test_creator_page_filters_and_sorts_their_works(client, creator):
    make_work(creator=creator, title="Gentle", tags=[("Fluff", TagKind.ADDITIONAL)])
    make_work(creator=creator, title="Stormy", rating="mature", complete=True)
    make_work(creator=make_reader("other"), title="Elsewhere", tags=[("Fluff", TagKind.ADDITIONAL)])
    response = client.get(page_of(creator), {"tag": "Fluff"})
    assert [w.title for w in response.context["page"].object_list] == ["Gentle"]
    content = response.content.decode()
    assert 'class="filter-form"' in content and "1 work" in content
    assert "Including <strong>Fluff</strong>" in content
    response = client.get(page_of(creator), {"exclude_rating": "mature"})
    assert [w.title for w in response.context["page"].object_list] == ["Gentle"]
    response = client.get(page_of(creator), {"complete": "yes"})
    assert [w.title for w in response.context["page"].object_list] == ["Stormy"]
    response = client.get(page_of(creator), {"sort": "title"})
    assert [w.title for w in response.context["page"].object_list] == ["Gentle", "Stormy"]


def test_creator_page_counts_facets_over_their_works_only(client, creator):
    make_work(creator=creator, tags=[("Fluff", TagKind.ADDITIONAL)])
    make_work(creator=creator, rating="teen", tags=[("Fluff", TagKind.ADDITIONAL)])
    make_work(creator=make_reader("other"), tags=[("Fluff", TagKind.ADDITIONAL)])
    facets = client.get(page_of(creator), {"complete": "no"}).context["facets"]
    assert facets.total == 2
    assert {row["value"]: row["count"] for row in facets.ratings} == {"general": 1, "teen": 1}


def test_creator_page_bad_filter_is_a_400_that_still_lists(client, creator):
    make_work(creator=creator, title="Gentle")
    response = client.get(page_of(creator), {"words_from": "lots"})
    assert response.status_code == 400
    assert "could not be used, and was left out" in response.content.decode()
    assert [w.title for w in response.context["page"].object_list] == ["Gentle"]


def test_creator_page_filtered_query_count(client, creator, django_assert_num_queries):
    for _ in range(3):
        make_work(creator=creator, tags=[("Fluff", TagKind.ADDITIONAL)])
    # the person, the chosen tag, the count with every facet, the series, the works,
    # their tags
    with django_assert_num_queries(6):
        response = client.get(page_of(creator), {"tag": "Fluff"})
    assert len(response.context["page"].object_list) == 3
