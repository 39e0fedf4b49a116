"""Listing blurbs drawn once and reused (archive.blurbs): the same HTML as the include drew
for every reader, a change shown at once, and nothing shown that the listing does not list."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import relations
from archive import blurbs
from archive.models import Tag, Work
from archive.reading.kudos import give_kudos
from archive.vocabulary import TagKind
from archive.writing import posting
from tests.factories import make_reader, make_work

pytestmark = pytest.mark.django_db

INDEX = reverse("archive:work_list")
BLURB = re.compile(r'<article class="blurb".*?</article>', re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _blurbs(response):
    return BLURB.findall(response.content.decode())


def _page(response):
    # The form token is masked afresh for every response; the rest must not differ.
    return CSRF.sub("", response.content.decode())


@pytest.fixture
def shelf(creator):
    fandom = ("Lanterns (Video Game)", TagKind.FANDOM)
    return [
        make_work(
            creator=creator, title="Open <one>", tags=[fandom, ("Fluff", TagKind.ADDITIONAL)]
        ),
        make_work(title="Imported", chapters=3, tags=[fandom, ("Ada & Bo", TagKind.RELATIONSHIP)]),
        make_work(title="Mature", rating="mature", warnings=["non-con"], tags=[fandom]),
        make_work(title="Explicit", rating="explicit", language="ja"),
    ]


def _pages(tag):
    return [
        INDEX,
        f"{INDEX}?rating=general&sort=title",
        reverse("archive:tag_detail", args=[tag.slug]),
        reverse("archive:search") + "?q=Summary",
        reverse("archive:creator_detail", args=["creator"]),
    ]


@pytest.mark.parametrize("who", [None, "reader_hide", "reader_ask"])
def test_cached_blurbs_are_what_the_include_draws_for_this_reader(
    client_for, shelf, rf, who, request
):
    reader = request.getfixturevalue(who) if who else None
    client = client_for(reader)
    for url in _pages(Tag.objects.get(name="Lanterns (Video Game)")):
        cache.clear()
        drawn = client.get(url)
        reused = client.get(url)
        assert drawn.status_code == reused.status_code == 200
        assert _page(drawn) == _page(reused), url
        works = list(reused.context["page"].object_list)
        assert works, url
        # The include, drawn in this reader's own context as the listing drew it before.
        asked = rf.get(url)
        asked.user = reader or AnonymousUser()
        by_pk = Work.objects.with_blurb().in_bulk([work.pk for work in works])
        included = [
            render_to_string("includes/work_blurb.html", {"work": by_pk[work.pk]}, request=asked)
            for work in works
        ]
        assert _blurbs(reused) == [BLURB.search(html).group() for html in included], url


def test_a_reader_hiding_a_rating_never_gets_its_cached_blurb(client_for, shelf, reader_hide):
    guest = client_for(None).get(INDEX)
    assert "Explicit" in " ".join(_blurbs(guest))  # the guest's request cached it
    content = client_for(reader_hide).get(INDEX).content.decode()
    assert "Explicit</a>" not in content and "Mature</a>" not in content
    assert "2 hidden by your preferences" in content


def test_a_muted_creators_cached_blurb_stays_out(client_for, shelf, creator, reader_ask):
    client_for(None).get(INDEX)
    relations.mute(reader=reader_ask, muted=creator)
    content = client_for(reader_ask).get(INDEX).content.decode()
    assert "Open &lt;one&gt;" not in content and "Imported" in content


def test_an_edit_shows_at_once(client, shelf):
    client.get(INDEX)
    posting.update_work(work=shelf[1], title="Renamed work", summary="<p>New summary.</p>")
    content = client.get(INDEX).content.decode()
    assert "Renamed work" in content and "New summary." in content
    assert ">Imported<" not in content


def test_a_language_change_shows_at_once(client, shelf):
    assert "Japanese" in " ".join(_blurbs(client.get(INDEX)))
    posting.update_work(work=shelf[3], language="fr")
    shown = " ".join(_blurbs(client.get(INDEX)))
    assert "French" in shown and "Japanese" not in shown


def test_changed_tags_and_warnings_show_at_once(client, shelf):
    client.get(INDEX)
    posting.update_work(work=shelf[0], additional_tags=["Slow Burn"], warnings=["graphic-violence"])
    [blurb] = [b for b in _blurbs(client.get(INDEX)) if "Open &lt;one&gt;" in b]
    assert "Slow Burn" in blurb and "Fluff" not in blurb
    assert "Graphic Depictions Of Violence" in blurb


def test_a_tag_rename_in_the_admin_shows_at_once(client_for, shelf):
    client_for(None).get(INDEX)
    tag = Tag.objects.get(name="Fluff")
    admin = client_for(make_reader("wrangler", is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:archive_tag_change", args=[tag.pk]),
        {"name": "Gentle", "slug": tag.slug, "kind": tag.kind, "canonical": ""},
    )
    assert response.status_code == 302
    shown = " ".join(_blurbs(client_for(None).get(INDEX)))
    assert "Gentle" in shown and "Fluff" not in shown


def test_a_username_change_shows_at_once(client, shelf, creator):
    client.get(INDEX)
    creator.username = "renamed-creator"
    creator.save()
    content = client.get(INDEX).content.decode()
    assert ">renamed-creator<" in content and ">creator<" not in content


def test_kudos_and_other_counters_show_at_once(client, shelf, reader_ask):
    work = shelf[2]
    client.get(INDEX)
    give_kudos(work=work, reader=reader_ask)  # no new revision or listing generation
    [blurb] = [b for b in _blurbs(client.get(INDEX)) if ">Mature<" in b]
    assert "<dd data-kudos-count>1</dd>" in blurb
    Work.objects.filter(pk=work.pk).update(hits=F("hits") + 4321, comment_count=7)
    [blurb] = [b for b in _blurbs(client.get(INDEX)) if ">Mature<" in b]
    assert "<dd>4,321</dd>" in blurb and ">7</a>" in blurb


def test_a_draft_shows_to_its_creator_alone_and_posted_at_once(client_for, creator):
    draft = posting.create_work(creator=creator, title="Draft one", rating="general",
                                warnings=["no-warnings"])  # fmt: skip
    posting.add_chapter(work=draft, body="<p>Some words.</p>")
    own = client_for(creator).get(INDEX).content.decode()
    assert "Draft one" in own and "Draft — not yet published" in own
    assert "Draft one" not in client_for(None).get(INDEX).content.decode()
    posting.post_work(work=draft)
    for who in [None, creator]:
        content = client_for(who).get(INDEX).content.decode()
        assert "Draft one" in content and "not yet published" not in content


def test_a_hidden_works_cached_blurb_is_never_shown(client_for, shelf, staff):
    assert "Imported" in client_for(None).get(INDEX).content.decode()
    posting.hide_work(work=shelf[1], by=staff)
    for who in [None, make_reader("another")]:
        assert ">Imported<" not in client_for(who).get(INDEX).content.decode()
    # The count may be a few seconds late at first (archive/listing/cache.py), never the works.
    assert "3 works" in client_for(None).get(INDEX).content.decode()


def test_a_blurb_holds_nothing_of_the_reader_who_drew_it(client_for, shelf, creator):
    signed_in = client_for(creator).get(INDEX)  # drawn during the creator's request
    guest = client_for(None).get(INDEX)
    assert _blurbs(guest) == _blurbs(signed_in)
    assert all("csrf" not in blurb for blurb in _blurbs(guest))


def test_search_snippets_stay_outside_the_cached_blurbs(client, shelf):
    url = reverse("archive:search") + "?q=storytext"
    for _ in range(2):  # drawn, then from the cache
        content = client.get(url).content.decode()
        # the two works a guest may read without the gate (search reads no other text)
        assert content.count('<p class="snippet">') == 2
        assert all("snippet" not in blurb for blurb in BLURB.findall(content))


def test_the_blurb_keys_differ_with_what_the_blurb_shows(shelf):
    work = Work.objects.with_blurb().get(pk=shelf[0].pk)
    key = blurbs.fragment_key("blurb", blurbs.VERSION, blurbs.ROW, work)
    for field, value in [("kudos_count", 5), ("hits", 9), ("revision", 2), ("is_posted", False)]:
        changed = Work.objects.with_blurb().get(pk=work.pk)
        setattr(changed, field, value)
        assert blurbs.fragment_key("blurb", blurbs.VERSION, blurbs.ROW, changed) != key, field
    assert key.startswith(f"blurb:{blurbs.VERSION}:{work.pk}:")


@pytest.mark.parametrize("url", [INDEX, reverse("archive:tag_detail", args=["fluff"])])
def test_a_page_of_cached_blurbs_reads_no_tags_or_warnings(
    client, shelf, django_assert_num_queries, url
):
    client.get(url)  # draws and caches the blurbs (and counts the listing)
    queries = 2 if url == INDEX else 4
    # the index: the works with the listing generation, and the generation for the counts
    # cache; a tag page also reads its tag and synonyms. No tags or warnings of the works.
    with django_assert_num_queries(queries):
        assert len(_blurbs(client.get(url))) == (4 if url == INDEX else 1)


def test_a_change_elsewhere_reads_the_tags_again_but_draws_only_what_changed(
    client, shelf, monkeypatch
):
    client.get(INDEX)  # draws and caches the blurbs
    make_work(title="Posted Since")  # renews the listing generation
    drawn, template = [], blurbs.get_template(blurbs.TEMPLATE)

    class Counting:
        def render(self, context):
            drawn.append(context["work"].title)
            return template.render(context)

    monkeypatch.setattr(blurbs, "get_template", lambda name: Counting())
    response = client.get(INDEX)
    # Found again under the keys their tags name: only the new work's blurb is drawn.
    assert drawn == ["Posted Since"]
    assert len(_blurbs(response)) == 5
