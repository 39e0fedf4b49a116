"""On the work form: a creator backdates a work (never into the future) and adds it to one of
their series, or a new one, as they post it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.models import Series, Work
from archive.writing import posting
from following.models import Update, UpdateKind
from tests.archive.test_posting_views import NEW_WORK, work_data
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2019, 3, 14)


def url(name, *args):
    return reverse(f"archive:{name}", args=args)


def post_with_a_chapter(work):
    posting.add_chapter(work=work, body="<p>Words enough.</p>")
    return posting.post_work(work=work)


# Backdating


def test_a_backdated_draft_keeps_its_date_when_posted(client_for, creator):
    client_for(creator).post(NEW_WORK, work_data(published=LONG_AGO.isoformat()))
    work = post_with_a_chapter(Work.objects.get())
    assert (work.published, work.updated) == (LONG_AGO, timezone.localdate())
    assert work.backdated and work.chapters.get().published == LONG_AGO


def test_a_draft_without_a_date_is_dated_the_day_it_is_posted(creator):
    work = posting.create_work(creator=creator, title="T", rating="teen", warnings=["no-warnings"])
    posting.update_work(work=work, published=LONG_AGO)
    posting.update_work(work=work, published=None)  # changed their mind
    work = post_with_a_chapter(work)
    assert work.published == timezone.localdate() and not work.backdated


def test_a_day_still_to_come_is_refused(client_for, creator):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(creator).post(NEW_WORK, work_data(published=tomorrow.isoformat()))
    assert "not a day still to come" in response.content.decode()
    assert not Work.objects.exists()
    work = make_work(creator=creator)
    with pytest.raises(posting.PostingRefused):
        posting.update_work(work=work, published=tomorrow)


def test_a_posted_work_moved_later_is_never_updated_before_published(creator):
    work = make_work(creator=creator, published=LONG_AGO)
    later = datetime.date(2021, 1, 1)
    work = posting.update_work(work=work, published=later)
    work.refresh_from_db()
    assert work.published == work.updated == later


def test_the_listing_orders_by_the_backdated_date(client, creator):
    recent = make_work(creator=creator, title="Recent", published=datetime.date(2025, 1, 1))
    old = make_work(creator=creator, title="Old", published=datetime.date(2024, 1, 1))
    posting.update_work(work=old, published=LONG_AGO)
    posting.update_work(work=recent, published=datetime.date(2010, 1, 1))
    page = client.get(url("work_list"), {"sort": "posted"}).content.decode()
    assert page.index("Old") < page.index("Recent")


# Series while posting


def test_a_new_work_starts_a_new_series(client_for, creator):
    client_for(creator).post(NEW_WORK, work_data(new_series="Harbour Lights"))
    series = Series.objects.get(creator=creator, title="Harbour Lights")
    assert list(series.parts.values_list("work__title", "position")) == [("Salt and Lanterns", 1)]


def test_a_work_joins_an_existing_series_as_its_last_part(client_for, creator):
    series = Series.objects.create(creator=creator, title="Harbour Lights")
    first = make_work(creator=creator)
    series.parts.create(work=first, position=1)
    client = client_for(creator)
    assert "Harbour Lights" in client.get(NEW_WORK).content.decode()
    client.post(NEW_WORK, work_data(series=series.pk))
    assert series.parts.get(position=2).work.title == "Salt and Lanterns"


def test_only_ones_own_series_and_not_two_at_once(client_for, creator):
    theirs = Series.objects.create(creator=make_reader("other"), title="Not Mine")
    mine = Series.objects.create(creator=creator, title="Mine")
    client = client_for(creator)
    assert "Not Mine" not in client.get(NEW_WORK).content.decode()
    response = client.post(NEW_WORK, work_data(series=theirs.pk))
    assert "Choose one of your series." in response.content.decode()
    response = client.post(NEW_WORK, work_data(series=mine.pk, new_series="Another"))
    assert "not both" in response.content.decode()
    assert not Work.objects.exists() and Series.objects.count() == 2


def test_editing_adds_a_posted_work_to_a_series_and_tells_its_subscribers(client_for, creator):
    work = make_work(creator=creator)
    series = Series.objects.create(creator=creator, title="Harbour Lights")
    data = work_data(title=work.title, series=series.pk)
    client_for(creator).post(url("edit_work", work.pk), data)
    assert series.parts.get().work == work
    assert Update.objects.filter(kind=UpdateKind.PART, series=series, work=work).count() == 1
    form = client_for(creator).get(url("edit_work", work.pk)).content.decode()
    assert "Harbour Lights" not in form  # in it already


def test_a_draft_in_a_series_is_announced_to_it_when_posted(client_for, creator):
    client_for(creator).post(NEW_WORK, work_data(new_series="Harbour Lights"))
    assert not Update.objects.exists()
    work = post_with_a_chapter(Work.objects.get())
    assert Update.objects.filter(kind=UpdateKind.PART, work=work).count() == 1
