"""Series: their rules, the functions that arrange them, their pages and part navigation."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import ConsentChoice
from archive.models import Series, SeriesPart
from archive.vocabulary import StandingChoice
from archive.writing.series import (
    SeriesRefused,
    add_work_to_series,
    move_work_in_series,
    remove_work_from_series,
)
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db


def make_series(creator, works=(), **fields):
    series = Series.objects.create(creator=creator, title=fields.pop("title", "Tides"), **fields)
    for work in works:
        add_work_to_series(series=series, work=work)
    return series


def order(series):
    return list(series.parts.order_by("position").values_list("work_id", "position"))


@pytest.fixture
def three(creator):
    works = [make_work(creator=creator, title=f"Tide {n}") for n in (1, 2, 3)]
    return make_series(creator, works), works


# The rules and the functions that keep them


def test_a_work_is_in_a_series_at_most_once_and_positions_are_unique(three):
    series, works = three
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesPart.objects.create(series=series, work=works[0], position=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesPart.objects.create(series=series, work=make_work(), position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeriesPart.objects.create(series=series, work=make_work(), position=0)


def test_adding_appends_or_inserts_and_renumbers(three, creator):
    series, works = three
    assert order(series) == [(works[0].pk, 1), (works[1].pk, 2), (works[2].pk, 3)]
    new = make_work(creator=creator)
    part = add_work_to_series(series=series, work=new, position=2)
    assert part.position == 2
    assert order(series) == [(works[0].pk, 1), (new.pk, 2), (works[1].pk, 3), (works[2].pk, 4)]


def test_a_duplicate_work_is_refused_with_where_it_is(three):
    series, works = three
    with pytest.raises(SeriesRefused, match="already part 2"):
        add_work_to_series(series=series, work=works[1])


def test_only_the_series_creators_works_may_join(three):
    series, _ = three
    with pytest.raises(SeriesRefused, match="own creator"):
        add_work_to_series(series=series, work=make_work(creator=make_reader("other")))
    with pytest.raises(SeriesRefused):
        add_work_to_series(series=series, work=make_work())  # imported, no creator account


@pytest.mark.parametrize("position", [0, 5, -1])
def test_a_position_out_of_range_is_refused(three, creator, position):
    series, _ = three
    with pytest.raises(SeriesRefused, match="from 1 to 4"):
        add_work_to_series(series=series, work=make_work(creator=creator), position=position)


def test_moving_and_removing_keep_positions_without_gaps(three):
    series, (a, b, c) = three
    move_work_in_series(series=series, work=c, position=1)
    assert order(series) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]
    move_work_in_series(series=series, work=c, position=3)
    assert order(series) == [(a.pk, 1), (b.pk, 2), (c.pk, 3)]
    remove_work_from_series(series=series, work=a)
    assert order(series) == [(b.pk, 1), (c.pk, 2)]
    with pytest.raises(SeriesRefused, match="not part"):
        remove_work_from_series(series=series, work=a)
    with pytest.raises(SeriesRefused, match="from 1 to 2"):
        move_work_in_series(series=series, work=b, position=3)


def test_deleting_a_work_or_the_series_leaves_the_other(three):
    series, (a, b, c) = three
    b.delete()
    assert [work_id for work_id, _ in order(series)] == [a.pk, c.pk]
    series.delete()
    assert a.__class__.objects.filter(pk__in=[a.pk, c.pk]).count() == 2


def test_works_in_order_for_other_apps(three):
    series, works = three
    move_work_in_series(series=series, work=works[2], position=1)
    from archive.models import Work

    assert list(Work.objects.posted().in_series(series)) == [works[2], works[0], works[1]]


# The series page


def series_url(series):
    return reverse("archive:series_detail", args=[series.pk])


def test_series_page_shows_metadata_and_parts_in_order(client, three):
    series, works = three
    Series.objects.filter(pk=series.pk).update(summary="<p>Three tides.</p>", notes="<p>N.</p>")
    response = client.get(series_url(series))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Three tides." in content and "In progress" in content
    positions = [content.index(f'href="{work.get_absolute_url()}"') for work in works]
    assert positions == sorted(positions)
    assert response.context["listed"].word_count == sum(w.word_count for w in works)
    assert reverse("archive:creator_detail", args=[series.creator.username]) in content
    for work in works:
        assert body_marker(work.pk, 1) not in content


def test_drafts_and_hidden_works_leave_the_series_for_others(client_for, three, creator):
    series, (a, b, c) = three
    b.is_posted = False
    b.save()
    content = client_for(None).get(series_url(series)).content.decode()
    assert b.title not in content and a.title in content
    assert b.title in client_for(creator).get(series_url(series)).content.decode()


def test_a_series_of_drafts_only_is_404_but_to_its_creator(client_for, creator):
    series = make_series(creator, [make_work(creator=creator, is_posted=False)])
    assert client_for(None).get(series_url(series)).status_code == 404
    assert client_for(creator).get(series_url(series)).status_code == 200
    assert client_for(None).get(reverse("archive:series_detail", args=[99999])).status_code == 404


def test_exclusions_hide_parts_and_say_how_many(client_for, creator):
    reader = make_reader("careful")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice=StandingChoice.HIDE)
    plain = make_work(creator=creator, title="Calm water")
    gated = make_work(creator=creator, title="Rough water", rating="explicit")
    series = make_series(creator, [plain, gated])
    response = client_for(reader).get(series_url(series))
    content = response.content.decode()
    assert "Rough water" not in content
    assert "1 hidden by your preferences" in content
    assert response.context["listed"].word_count == plain.word_count
    shown = client_for(reader).get(series_url(series) + "?show_hidden=1").content.decode()
    assert "Rough water" in shown


def test_series_page_query_count(client, django_assert_num_queries, creator):
    series = make_series(creator, [make_work(creator=creator) for _ in range(4)])
    # series with its creator, the words and hidden counts, the parts with their works and
    # creators, the works' tags, their warnings
    with django_assert_num_queries(5):
        response = client.get(series_url(series))
    assert len(response.context["listed"].parts) == 4


def test_series_page_query_count_for_a_reader(client_for, django_assert_num_queries, creator):
    series = make_series(creator, [make_work(creator=creator) for _ in range(4)])
    client = client_for(make_reader("counted"))
    # session, reader (with the inbox count, standing choices, excluded tags and mutes), series,
    # the counts, the parts, tags, warnings, whether the reader subscribed
    with django_assert_num_queries(8):
        client.get(series_url(series))


# Part navigation on the work page


def test_work_page_shows_its_part_with_previous_and_next(client, three):
    series, (a, b, c) = three
    content = client.get(b.get_absolute_url()).content.decode()
    assert "Part 2 of" in content and series.get_absolute_url() in content
    assert f'rel="prev" href="{a.get_absolute_url()}"' in content
    assert f'rel="next" href="{c.get_absolute_url()}"' in content
    first = client.get(a.get_absolute_url()).content.decode()
    assert 'rel="prev" href="/works/' not in first.split("series-nav")[1].split("</nav>")[0]


def test_navigation_skips_works_the_reader_may_not_see(client, three):
    series, (a, b, c) = three
    b.is_posted = False
    b.save()
    content = client.get(a.get_absolute_url()).content.decode()
    assert f'rel="next" href="{c.get_absolute_url()}"' in content
    assert b.get_absolute_url() not in content


def test_a_work_in_two_series_shows_both(client, three, creator):
    series, (a, b, c) = three
    other = make_series(creator, [c, a], title="Currents")
    content = client.get(a.get_absolute_url()).content.decode()
    assert "Part 1 of" in content and "Part 2 of" in content
    assert other.get_absolute_url() in content


def test_work_page_query_count_does_not_grow_with_series(client, django_assert_num_queries, three):
    series, (a, b, c) = three
    make_series(series.creator, [c, b, a], title="Again")
    # work, tags (drawing the header), hit count update, the day's hits (the work's, its creator's),
    # the chapter index with the first chapter's text (one query since issue 21), whether it is in a
    # series, its series parts with their neighbours
    with django_assert_num_queries(8):
        client.get(b.get_absolute_url())


# Making and arranging a series


def test_a_creator_makes_a_series_and_adds_a_work_at_a_position(client_for, three, creator):
    series, works = three
    client = client_for(creator)
    response = client.post(reverse("archive:new_series"), {"title": "Shoals", "summary": "Two"})
    made = Series.objects.get(title="Shoals")
    assert response.status_code == 302 and made.creator == creator
    assert made.summary == "<p>Two</p>"
    url = reverse("archive:add_series_part", args=[made.pk])
    assert client.post(url, {"work": works[0].pk}).status_code == 302
    assert client.post(url, {"work": works[1].pk, "position": 1}).status_code == 302
    assert order(made) == [(works[1].pk, 1), (works[0].pk, 2)]


def test_bad_part_input_is_a_400_with_a_message(client_for, three, creator):
    series, works = three
    client = client_for(creator)
    url = reverse("archive:add_series_part", args=[series.pk])
    duplicate = client.post(url, {"work": works[0].pk})
    assert duplicate.status_code == 400
    assert "already part 1 of this series" in duplicate.content.decode()
    other = make_work(creator=creator)
    too_far = client.post(url, {"work": other.pk, "position": 9})
    assert too_far.status_code == 400 and "from 1 to 4" in too_far.content.decode()
    for bad in [{"work": "x"}, {"work": 999999}, {}, {"work": other.pk, "position": "two"}]:
        assert client.post(url, bad).status_code == 400
    assert series.parts.count() == 3


def test_moving_and_removing_through_the_edit_page(client_for, three, creator):
    series, (a, b, c) = three
    client = client_for(creator)
    move = reverse("archive:move_series_part", args=[series.pk, c.pk])
    assert client.post(move, {"position": 1}).status_code == 302
    assert order(series)[0] == (c.pk, 1)
    response = client.post(move, {"position": 7}, follow=True)
    assert "from 1 to 3" in response.content.decode()
    assert client.post(move, {"position": "up"}, follow=True).status_code == 200
    remove = reverse("archive:remove_series_part", args=[series.pk, a.pk])
    assert client.post(remove).status_code == 302
    assert client.post(remove).status_code == 404  # no longer a part
    assert [work_id for work_id, _ in order(series)] == [c.pk, b.pk]


def test_another_reader_can_neither_edit_my_series_nor_add_their_works(client_for, three):
    series, works = three
    intruder = make_reader("intruder")
    theirs = make_work(creator=intruder)
    client = client_for(intruder)
    for name in ["edit_series", "delete_series"]:
        assert client.get(reverse(f"archive:{name}", args=[series.pk])).status_code == 404
        assert client.post(reverse(f"archive:{name}", args=[series.pk])).status_code == 404
    add = reverse("archive:add_series_part", args=[series.pk])
    assert client.post(add, {"work": theirs.pk}).status_code == 404
    move = reverse("archive:move_series_part", args=[series.pk, works[0].pk])
    assert client.post(move, {"position": 2}).status_code == 404
    remove = reverse("archive:remove_series_part", args=[series.pk, works[0].pk])
    assert client.post(remove).status_code == 404
    assert series.parts.count() == 3 and Series.objects.filter(pk=series.pk).exists()


def test_my_works_cannot_join_another_readers_series(client_for, three, creator):
    series, works = three
    intruder = make_reader("intruder")
    their_series = make_series(intruder, title="Borrowed")
    url = reverse("archive:add_series_part", args=[their_series.pk])
    response = client_for(intruder).post(url, {"work": works[0].pk})
    assert response.status_code == 400
    assert "Choose one of your own works" in response.content.decode()
    assert not their_series.parts.exists()


def test_a_guest_is_sent_to_log_in(client, three):
    series, _ = three
    response = client.get(reverse("archive:edit_series", args=[series.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_deleting_a_series_asks_first_and_keeps_its_works(client_for, three, creator):
    series, works = three
    client = client_for(creator)
    url = reverse("archive:delete_series", args=[series.pk])
    assert client.get(url).status_code == 200
    assert Series.objects.filter(pk=series.pk).exists()
    assert client.post(url).status_code == 302
    assert not Series.objects.filter(pk=series.pk).exists()
    assert all(type(w).objects.filter(pk=w.pk).exists() for w in works)


def test_editing_saves_and_a_blank_title_is_a_400(client_for, three, creator):
    series, _ = three
    client = client_for(creator)
    url = reverse("archive:edit_series", args=[series.pk])
    assert client.post(url, {"title": ""}).status_code == 400
    assert client.post(url, {"title": "Neap", "complete": "on"}).status_code == 302
    series.refresh_from_db()
    assert series.title == "Neap" and series.complete


def test_series_pages_are_valid_with_one_h1(client_for, three, creator):
    from tests.test_site import assert_valid_html, count_h1

    series, works = three
    for reader in [None, creator]:
        client = client_for(reader)
        urls = [series_url(series), reverse("archive:creator_detail", args=[creator.username])]
        if reader:
            urls += [
                reverse("archive:new_series"),
                reverse("archive:my_series"),
                reverse("archive:edit_series", args=[series.pk]),
                reverse("archive:delete_series", args=[series.pk]),
            ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert count_h1(response) == 1, url
            assert_valid_html(response, url)


# Search


def test_search_shows_matching_series_with_a_work_the_reader_may_list(client, creator):
    shown = make_series(creator, [make_work(creator=creator)], title="Lighthouse keepers")
    make_series(creator, [make_work(creator=creator, is_posted=False)], title="Lighthouse drafts")
    make_series(creator, title="Lighthouse empty")
    response = client.get(reverse("archive:search") + "?q=lighthouse")
    content = response.content.decode()
    assert shown.get_absolute_url() in content
    assert "Lighthouse drafts" not in content and "Lighthouse empty" not in content


def test_search_leaves_out_series_whose_works_the_reader_hides(client_for, creator):
    reader = make_reader("careful")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice=StandingChoice.HIDE)
    make_series(creator, [make_work(creator=creator, rating="explicit")], title="Undertow")
    content = client_for(reader).get(reverse("archive:search") + "?q=undertow").content.decode()
    assert "Undertow" not in content
    assert (
        "Undertow"
        in client_for(None).get(reverse("archive:search") + "?q=undertow").content.decode()
    )
