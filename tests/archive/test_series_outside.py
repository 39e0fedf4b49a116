"""A series outside its page: its Atom feed, its OPDS feeds and its EPUB, each with the
same visibility, exclusion and consent rules as the work's own."""

import io
import zipfile

import feedparser
import pytest
from django.urls import reverse

from accounts.models import ConsentChoice, FeedToken
from archive.exporting import opds
from archive.models import Series
from archive.vocabulary import StandingChoice
from archive.writing.series import add_work_to_series
from tests.archive import test_downloads
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

# Validates EPUBs, as for a work's own download (skips without epubcheck).
epubcheck = test_downloads.epubcheck


@pytest.fixture
def series(creator):
    """Three parts: a plain one, an Explicit one with a warning, a plain one."""
    made = Series.objects.create(creator=creator, title="Tides", summary="<p>Three.</p>")
    for title, rating, warnings in [
        ("Calm", "general", ["no-warnings"]),
        ("Storm", "explicit", ["graphic-violence"]),
        ("Ebb", "general", ["no-warnings"]),
    ]:
        work = make_work(creator=creator, title=title, rating=rating, warnings=warnings)
        add_work_to_series(series=made, work=work)
    return made


def parts(series):
    return [part.work for part in series.parts.select_related("work").order_by("position")]


@pytest.fixture
def token(db):
    """A reader who hides Explicit works and shows everything else without asking."""
    reader = make_reader("tokenreader", choice=StandingChoice.SHOW)
    ConsentChoice.objects.filter(reader=reader, item="rating:explicit").update(
        choice=StandingChoice.HIDE
    )
    return FeedToken.objects.create(reader=reader, key="s" * 43)


def parse(response):
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


# The Atom feed


def test_series_feed_lists_posted_parts_last_first_with_blurbs_only(client, series):
    calm, storm, ebb = parts(series)
    ebb.is_posted = False
    ebb.save()
    response = client.get(reverse("archive:feed_series", args=[series.pk]))
    feed = parse(response)
    assert [entry.title for entry in feed.entries] == ["Storm", "Calm"]
    assert feed.feed.title == "Series: Tides"
    for work in (calm, storm, ebb):
        assert body_marker(work.pk, 1).encode() not in response.content


def test_private_series_feed_leaves_out_what_the_reader_hides(client, series, token):
    url = reverse("archive:private_feed_series", args=[token.key, series.pk])
    response = client.get(url)
    assert [entry.title for entry in parse(response).entries] == ["Ebb", "Calm"]
    assert "no-store" in response["Cache-Control"]
    assert (
        client.get(reverse("archive:private_feed_series", args=["x" * 43, series.pk])).status_code
        == 404
    )


def test_a_series_feed_without_posted_works_is_404(client, creator):
    empty = Series.objects.create(creator=creator, title="Nothing yet")
    add_work_to_series(series=empty, work=make_work(creator=creator, is_posted=False))
    assert client.get(reverse("archive:feed_series", args=[empty.pk])).status_code == 404
    assert client.get(reverse("archive:feed_series", args=[99999])).status_code == 404


def test_series_feed_query_count(client, series, django_assert_num_queries):
    # the series with its creator, the works, their tags
    with django_assert_num_queries(3):
        client.get(reverse("archive:feed_series", args=[series.pk]))


# OPDS


def acquisitions(feed):
    """Each entry's EPUB acquisition links (a PDF is offered beside each)."""
    return {
        entry.title: [
            link.href
            for link in entry.links
            if link.rel == opds.ACQUIRE and link.href.endswith(".epub")
        ]
        for entry in feed.entries
    }


def test_opds_root_and_series_navigation_lead_to_the_parts_in_order(client, series):
    root = parse(client.get(reverse("archive:opds_root")))
    assert any(entry.title == "Series" for entry in root.entries)
    listing = parse(client.get(reverse("archive:opds_series_list")))
    (entry,) = listing.entries
    assert entry.title == "Tides" and "3 works by creator" in entry.summary
    works = parse(client.get(reverse("archive:opds_series", args=[series.pk])))
    assert [e.title for e in works.entries] == ["Calm", "Storm", "Ebb"]
    # The public catalog offers no EPUB of a part needing agreement.
    assert acquisitions(works)["Storm"] == []
    assert len(acquisitions(works)["Calm"]) == 1


def test_private_opds_series_leaves_out_hidden_parts_and_stays_private(client, series, token):
    listing = parse(client.get(reverse("archive:opds_private_series_list", args=[token.key])))
    assert "2 works" in listing.entries[0].summary
    response = client.get(reverse("archive:opds_private_series", args=[token.key, series.pk]))
    assert [e.title for e in parse(response).entries] == ["Calm", "Ebb"]
    assert "no-store" in response["Cache-Control"]
    assert all(
        token.key in href for hrefs in acquisitions(parse(response)).values() for href in hrefs
    )


def test_opds_series_unknown_or_unlisted_is_404(client, creator):
    drafts = Series.objects.create(creator=creator, title="Drafts")
    add_work_to_series(series=drafts, work=make_work(creator=creator, is_posted=False))
    assert client.get(reverse("archive:opds_series", args=[drafts.pk])).status_code == 404
    assert client.get(reverse("archive:opds_series", args=[99999])).status_code == 404
    assert (
        client.get(reverse("archive:opds_series", args=[drafts.pk]) + "?page=0").status_code == 404
    )


def test_opds_series_query_counts(client, series, django_assert_num_queries):
    # the series and their counts
    with django_assert_num_queries(1):
        client.get(reverse("archive:opds_series_list"))
    # the series, the page of works, their tags
    with django_assert_num_queries(3):
        client.get(reverse("archive:opds_series", args=[series.pk]))


# The EPUB


def download(client, series):
    page = client.get(series.get_absolute_url())
    return client.get(page.context["download_url"])


def documents(content):
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {name: book.read(name).decode() for name in book.namelist() if name.endswith("html")}


def test_a_guest_gets_the_parts_needing_no_consent_and_a_note_for_the_rest(client, series):
    calm, storm, ebb = parts(series)
    response = download(client, series)
    assert response["Content-Type"] == "application/epub+zip"
    assert 'filename="tides.epub"' in response["Content-Disposition"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    book = documents(response.content)
    text = "".join(book.values())
    assert body_marker(calm.pk, 2) in text and body_marker(ebb.pk, 1) in text
    assert body_marker(storm.pk, 1) not in text and body_marker(storm.pk, 2) not in text
    contents = book["EPUB/series.xhtml"]
    assert "Storm" in contents and "left out of this book" in contents
    assert "Explicit" in contents and "Graphic Depictions Of Violence" in contents


def test_after_agreeing_the_part_is_in_the_book(client, series):
    storm = parts(series)[1]
    client.post(reverse("archive:consent", args=[storm.pk]), {"items": storm.consent_items()})
    text = "".join(documents(download(client, series).content).values())
    assert body_marker(storm.pk, 1) in text
    assert "left out of this book" not in text


def test_agreeing_to_only_some_of_a_parts_items_is_not_enough(client, series):
    storm = parts(series)[1]
    client.post(reverse("archive:consent", args=[storm.pk]), {"items": ["rating:explicit"]})
    text = "".join(documents(download(client, series).content).values())
    assert body_marker(storm.pk, 1) not in text


def test_a_reader_who_hides_a_part_never_gets_it(client_for, series, token):
    storm = parts(series)[1]
    response = download(client_for(token.reader), series)
    text = "".join(documents(response.content).values())
    assert body_marker(storm.pk, 1) not in text and "Storm" not in text
    assert "1 part you hide" in text


def test_creators_get_every_part_and_drafts_stay_out_for_others(client_for, series, creator):
    calm, storm, ebb = parts(series)
    ebb.is_posted = False
    ebb.save()
    own = "".join(documents(download(client_for(creator), series).content).values())
    assert all(body_marker(work.pk, 1) in own for work in (calm, storm, ebb))
    guest = "".join(documents(download(client_for(None), series).content).values())
    assert body_marker(ebb.pk, 1) not in guest and "Ebb" not in guest


def test_an_old_file_name_redirects_and_unknown_series_are_404(client, series):
    url = reverse("archive:download_series_epub", args=[series.pk, "old-name"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("/tides.epub")
    missing = reverse("archive:download_series_epub", args=[99999, "tides"])
    assert client.get(missing).status_code == 404
    assert client.post(response["Location"]).status_code == 405


def test_the_series_download_is_declared_gated():
    from archive.views.series import download_series_epub

    assert download_series_epub.consent_gated


def test_the_series_epub_passes_epubcheck(client_for, series, creator, epubcheck):
    Series.objects.filter(pk=series.pk).update(notes="<p>Notes & more</p>")
    guest = download(client_for(None), series).content
    own = download(client_for(creator), series).content
    epubcheck({"guest": guest, "creator": own})
