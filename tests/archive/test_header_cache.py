"""A work's header drawn once per state of the work and reused (archive.headers): the same
page for every reader, a change shown at once, and nothing in it of who drew it."""

import re

import pytest
from django.core.cache import cache
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse

from archive import blurbs, headers
from archive.models import Series, Tag, Work
from archive.reading.kudos import give_kudos
from archive.vocabulary import TagKind
from archive.writing import posting
from archive.writing.series import add_work_to_series
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

HEADER = re.compile(r'<header class="work-header">.*?</header>', re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
# The work page and the entire work count a hit, which the header shows.
HITS = re.compile(r"<dt>Hits</dt><dd>[0-9,]+</dd>")


def _page(response):
    # The form token is masked afresh for every response; the rest must not differ.
    return HITS.sub("", CSRF.sub("", response.content.decode()))


def chapter_url(work, position=1):
    return reverse("archive:chapter_detail", args=[work.pk, position])


def _header(client, work, position=1):
    response = client.get(chapter_url(work, position))
    assert response.status_code == 200
    return HEADER.search(response.content.decode()).group()


@pytest.fixture
def work(creator):
    return make_work(
        creator=creator,
        title="Lamps <lit>",
        chapters=3,
        tags=[("Lanterns (Video Game)", TagKind.FANDOM), ("Fluff", TagKind.ADDITIONAL)],
    )


@pytest.mark.parametrize("who", [None, "reader_show", "creator", "staff"])
def test_the_cached_header_is_the_header_drawn_afresh(client_for, work, who, request):
    client = client_for(request.getfixturevalue(who) if who else None)
    pages = [chapter_url(work, 2), work.get_absolute_url()]
    pages.append(reverse("archive:work_entire", args=[work.pk]))
    for url in pages:
        cache.clear()
        drawn = client.get(url)
        reused = client.get(url)
        assert drawn.status_code == reused.status_code == 200
        assert _page(drawn) == _page(reused), url
    # What the header shows, drawn from the templates as the page did before it was cached.
    header = _header(client, work)
    assert '<h1 class="work-title">Lamps &lt;lit&gt;</h1>' in header
    assert '<a href="/users/creator/">creator</a>' in header
    assert 'href="/tags/fluff/">Fluff</a>' in header
    assert "Rating: </span>General Audiences" in header


def test_an_edit_shows_at_once(client, work):
    _header(client, work)
    posting.update_work(work=work, title="Lamps relit", complete=True)
    header = _header(client, work)
    assert "Lamps relit" in header and "Lamps &lt;lit&gt;" not in header
    assert ">Complete<" in header


def test_a_new_chapter_shows_at_once(client, work):
    _header(client, work)
    posting.add_chapter(work=work, body="<p>One more.</p>")
    assert 'aria-label="Latest chapter, 4"' in _header(client, work)


def test_kudos_and_other_counters_show_at_once(client, work, reader_ask):
    assert "<dd data-kudos-count>0</dd>" in _header(client, work)
    give_kudos(work=work, reader=reader_ask)  # no new revision
    assert "<dd data-kudos-count>1</dd>" in _header(client, work)
    Work.objects.filter(pk=work.pk).update(hits=F("hits") + 4321, comment_count=7)
    header = _header(client, work)
    assert "<dd>4,321</dd>" in header and ">7</a>" in header


def test_a_tag_rename_shows_at_once(client_for, work):
    assert "Fluff" in _header(client_for(None), work)
    tag = Tag.objects.get(name="Fluff")
    admin = client_for(make_reader("wrangler", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:archive_tag_change", args=[tag.pk]),
        {"name": "Gentle", "slug": tag.slug, "kind": tag.kind, "canonical": ""},
    )
    assert response.status_code == 302
    header = _header(client_for(None), work)
    assert ">Gentle<" in header and "Fluff" not in header


def test_changed_tags_and_warnings_show_at_once(client, work):
    _header(client, work)
    posting.update_work(work=work, additional_tags=["Slow Burn"], warnings=["graphic-violence"])
    header = _header(_agreeing(client, work), work)
    assert "Slow Burn" in header and "Fluff" not in header
    assert "Graphic Depictions Of Violence" in header


def _agreeing(client, work):
    """The guest agrees to what the work now needs, as the interstitial asks."""
    work.refresh_from_db()
    items = work.consent_items()
    if items:
        client.post(reverse("archive:consent", args=[work.pk]), {"items": items})
    return client


def test_a_creator_rename_shows_at_once(client, work, creator):
    _header(client, work)
    creator.username = "renamed-creator"
    creator.save()
    header = _header(client, work)
    assert ">renamed-creator<" in header and ">creator<" not in header


def test_a_series_change_shows_at_once(client, work, creator):
    assert "series-nav" not in _header(client, work)
    other = make_work(creator=creator, title="Second lamp")
    series = Series.objects.create(creator=creator, title="Lampposts")
    add_work_to_series(series=series, work=work)
    add_work_to_series(series=series, work=other)
    header = _header(client, work)
    assert "Part 1 of" in header and ">Lampposts<" in header
    assert f'href="{reverse("archive:work_detail", args=[other.pk])}"' in header
    Series.objects.filter(pk=series.pk).update(title="Streetlights")
    header = _header(client, work)
    assert ">Streetlights<" in header and "Lampposts" not in header


def test_each_reader_gets_their_own_series_neighbours(client_for, work, creator, reader_hide):
    # The next part is explicit: a reader who hides explicit works is not led to it, though
    # the header around the series navigation comes from the same cache entry.
    explicit = make_work(creator=creator, title="Bright lamp", rating="explicit")
    series = Series.objects.create(creator=creator, title="Lampposts")
    add_work_to_series(series=series, work=work)
    add_work_to_series(series=series, work=explicit)
    guest = _header(client_for(None), work)
    hiding = _header(client_for(reader_hide), work)
    assert "Bright lamp" in guest and "Next part" in guest
    assert "Bright lamp" not in hiding and "Next part" not in hiding
    assert "Part 1 of" in hiding


def test_the_cached_header_holds_nothing_of_the_reader(client_for, work):
    viewer = make_reader("viewer-with-a-name", choice="show")
    signed_in = client_for(viewer)
    signed_in.post(reverse("archive:kudos", args=[work.pk]))
    page = signed_in.get(chapter_url(work)).content.decode()  # draws the header
    assert "viewer-with-a-name" in page  # the site header names the reader
    # kept under two keys, by the listing generation and by the work's tags, as one value
    [cached] = {value for key, value in _entries() if key.startswith("header:")}
    for part in cached:
        assert "viewer-with-a-name" not in part and "csrf" not in part
        assert "Log in" not in part and "Edit work" not in part
    # The same HTML as the templates draw with no reader at all.
    loaded = Work.objects.with_blurb().get(pk=work.pk)
    alone = (
        render_to_string(headers.HEADING, {"work": loaded}),
        render_to_string(headers.FACTS, {"work": loaded}),
    )
    assert tuple(cached) == alone
    assert _header(client_for(None), work) == HEADER.search(page).group()


def test_the_header_keys_differ_with_what_the_header_shows(work):
    loaded = Work.objects.with_blurb().get(pk=work.pk)
    key = _key(loaded)
    for field, value in [
        ("kudos_count", 5),
        ("hits", 9),
        ("revision", 2),
        ("is_posted", False),
        ("public_bookmark_count", 3),
        ("comment_count", 4),
    ]:
        changed = Work.objects.with_blurb().get(pk=work.pk)
        setattr(changed, field, value)
        assert _key(changed) != key, field
    assert key.startswith(f"header:{headers.VERSION}:{work.pk}:")


def _key(work):
    return blurbs.fragment_key("header", headers.VERSION, headers.ROW, work)


def _entries():
    """What the test cache holds, as (key, value)."""
    from django.core.cache.backends.locmem import _caches

    for store in _caches.values():
        for full_key in list(store):
            key = full_key.split(":", 2)[-1]
            found = cache.get(key)
            if found is not None:
                yield key, found
