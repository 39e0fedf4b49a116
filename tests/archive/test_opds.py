"""The OPDS catalog: navigation, acquisition feeds, search, and each reader's private one."""

import feedparser
import pytest
from django.urls import reverse

from accounts.models import ConsentChoice, ExcludedTag, FeedToken
from archive.exporting import downloads, opds
from archive.models import Tag
from archive.views import opds as opds_views
from archive.vocabulary import StandingChoice, TagKind
from archive.writing import posting
from archive.writing import tags as wrangling
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

ROOT = reverse("archive:opds_root")
LATEST = reverse("archive:opds_latest")
FANDOMS = reverse("archive:opds_fandoms")
SERVER = "http://testserver"


def parse(response, kind):
    assert response.status_code == 200
    assert response["Content-Type"] == f"application/atom+xml;profile=opds-catalog;kind={kind}"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def links(item, rel):
    return [link for link in item.links if link.rel == rel]


def acquisition(entry, content_type=downloads.EPUB_TYPE):
    found = [link for link in links(entry, opds.ACQUIRE) if link.type == content_type]
    assert len(found) <= 1
    return found[0].href if found else None


def entry_for(feed, work):
    return next(entry for entry in feed.entries if entry.id == f"urn:archive:work:{work.pk}")


@pytest.fixture
def token(db):
    """A reader who shows Explicit and Rape/Non-Con without asking, asked about the rest."""
    reader = make_reader("opdsreader")
    for item in ["rating:explicit", "warning:non-con"]:
        ConsentChoice.objects.create(reader=reader, item=item, choice=StandingChoice.SHOW)
    return FeedToken.objects.create(reader=reader, key="t" * 43)


def private(name, token, *args):
    return reverse(f"archive:opds_private_{name}", args=[token.key, *args])


# The public catalog


def test_root_navigates_to_latest_fandoms_and_tags_with_search(client):
    feed = parse(client.get(ROOT), "navigation")
    assert links(feed.feed, "self")[0].href == SERVER + ROOT
    assert links(feed.feed, "start")[0].href == SERVER + ROOT
    search = links(feed.feed, "search")[0]
    assert search.type == "application/opensearchdescription+xml"
    assert search.href == SERVER + reverse("archive:opds_opensearch")
    subsections = {entry.title: links(entry, "subsection")[0] for entry in feed.entries}
    assert subsections["Latest works"].href == SERVER + LATEST
    assert subsections["Latest works"].type.endswith("kind=acquisition")
    assert subsections["By fandom"].href == SERVER + FANDOMS
    assert subsections["By fandom"].type.endswith("kind=navigation")
    assert subsections["By tag"].href == SERVER + reverse("archive:opds_tags")


def test_public_catalog_offers_only_works_needing_no_consent(client):
    open_work = make_work(title="Open", tags=[("Naruto", TagKind.FANDOM)], language="ja")
    gated = make_work(title="Gated", rating="explicit", warnings=["non-con"])
    response = client.get(LATEST)
    feed = parse(response, "acquisition")
    for work in [open_work, gated]:
        for position in (1, 2):
            assert body_marker(work.pk, position).encode() not in response.content

    entry = entry_for(feed, open_work)
    assert entry.title == "Open"
    assert entry.author == "Imported Author"
    assert entry.updated == "2026-01-01T00:00:00Z"
    assert b"<dc:language>ja</dc:language>" in response.content
    assert {"General Audiences", "No Archive Warnings Apply", "Naruto"} <= {
        tag.term for tag in entry.tags
    }
    assert links(entry, "alternate")[0].href == SERVER + open_work.get_absolute_url()
    assert acquisition(entry) == SERVER + downloads.download_url(open_work, "epub")
    assert links(entry, opds.ACQUIRE)[0].type == "application/epub+zip"
    assert "Summary of work" in entry.summary

    assert acquisition(entry, downloads.PDF_TYPE) == SERVER + downloads.download_url(
        open_work, "pdf"
    )

    entry = entry_for(feed, gated)
    assert links(entry, opds.ACQUIRE) == []
    assert entry.summary.startswith("Needs agreement to: Explicit rating, Rape/Non-Con.")
    assert "Rating: Explicit." in entry.summary


@pytest.mark.parametrize("content_type", [downloads.EPUB_TYPE, downloads.PDF_TYPE])
def test_public_acquisition_links_download_the_files(client, content_type):
    work = make_work()
    feed = parse(client.get(LATEST), "acquisition")
    response = client.get(acquisition(entry_for(feed, work), content_type).removeprefix(SERVER))
    assert response["Content-Type"] == content_type


def test_latest_is_paginated_with_next_and_previous(client, monkeypatch):
    monkeypatch.setattr(opds, "PAGE_SIZE", 2)
    for _ in range(5):
        make_work()
    first = parse(client.get(LATEST), "acquisition")
    assert len(first.entries) == 2
    assert links(first.feed, "next")[0].href == f"{SERVER}{LATEST}?page=2"
    assert links(first.feed, "previous") == []
    last = parse(client.get(LATEST + "?page=3"), "acquisition")
    assert len(last.entries) == 1
    assert links(last.feed, "next") == []
    assert links(last.feed, "previous")[0].href == f"{SERVER}{LATEST}?page=2"
    assert links(last.feed, "self")[0].href == f"{SERVER}{LATEST}?page=3"
    seen = {entry.id for entry in first.entries} | {entry.id for entry in last.entries}
    assert len(seen) == 3


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "999999999"])
def test_a_bad_page_number_is_404(client, page):
    assert client.get(f"{LATEST}?page={page}").status_code == 404


def test_fandoms_are_canonical_tags_by_use_counting_synonyms(client):
    make_work(tags=[("Bleach", TagKind.FANDOM)])
    for _ in range(2):
        make_work(tags=[("Naruto", TagKind.FANDOM)])
    make_work(tags=[("NARUTO", TagKind.FANDOM)])
    make_work(tags=[("One Piece", TagKind.FANDOM)], is_posted=False)
    make_work(tags=[("Angst", TagKind.ADDITIONAL)])
    naruto, shouted = Tag.objects.get(name="Naruto"), Tag.objects.get(name="NARUTO")
    wrangling.make_synonym(tag=shouted, canonical=naruto)
    feed = parse(client.get(FANDOMS), "navigation")
    assert [entry.title for entry in feed.entries] == ["Naruto", "Bleach"]
    naruto = links(feed.entries[0], "subsection")[0]
    assert naruto.href == SERVER + reverse("archive:opds_tag", args=["naruto"])
    assert naruto.type.endswith("kind=acquisition")
    tags = parse(client.get(reverse("archive:opds_tags")), "navigation")
    assert [entry.title for entry in tags.entries] == ["Angst"]


def test_tag_feed_covers_synonyms(client):
    make_work(title="Canonical", tags=[("Naruto", TagKind.FANDOM)])
    make_work(title="Synonym", tags=[("NARUTO", TagKind.FANDOM)])
    make_work(title="Other")
    naruto, shouted = Tag.objects.get(name="Naruto"), Tag.objects.get(name="NARUTO")
    wrangling.make_synonym(tag=shouted, canonical=naruto)
    feed = parse(client.get(reverse("archive:opds_tag", args=["naruto"])), "acquisition")
    assert sorted(entry.title for entry in feed.entries) == ["Canonical", "Synonym"]
    assert feed.feed.title == "Works tagged Naruto"
    assert client.get(reverse("archive:opds_tag", args=["nothing"])).status_code == 404


def test_opensearch_description_and_search(client):
    make_work(title="The Rescue Mission")
    make_work(title="Something Else")
    response = client.get(reverse("archive:opds_opensearch"))
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    search_url = SERVER + reverse("archive:opds_search")
    assert f'template="{search_url}?q={{searchTerms}}"' in response.content.decode()
    feed = parse(client.get(reverse("archive:opds_search"), {"q": "rescue"}), "acquisition")
    assert [entry.title for entry in feed.entries] == ["The Rescue Mission"]
    empty = parse(client.get(reverse("archive:opds_search")), "acquisition")
    assert empty.entries == []


def test_control_characters_do_not_break_the_catalog(client):
    make_work(title="Bell\x07", tags=[("Odd\x0cTag", TagKind.FANDOM)])
    feed = parse(client.get(LATEST), "acquisition")
    assert feed.entries[0].title == "Bell"
    assert parse(client.get(FANDOMS), "navigation").entries[0].title == "OddTag"


# A reader's private catalog


def test_private_catalog_offers_what_standing_choices_cover(client, token):
    covered = make_work(title="Covered", rating="explicit", warnings=["non-con"])
    uncovered = make_work(title="Uncovered", rating="mature")
    plain = make_work(title="Plain")
    feed = parse(client.get(private("latest", token)), "acquisition")
    assert acquisition(entry_for(feed, covered)) == SERVER + private("work_epub", token, covered.pk)
    assert acquisition(entry_for(feed, plain)) == SERVER + private("work_epub", token, plain.pk)
    assert acquisition(entry_for(feed, covered), downloads.PDF_TYPE) == SERVER + private(
        "work_pdf", token, covered.pk
    )
    entry = entry_for(feed, uncovered)
    assert links(entry, opds.ACQUIRE) == []
    assert entry.summary.startswith("Needs agreement to: Mature rating.")


def test_private_catalog_links_stay_in_the_private_catalog(client, token, monkeypatch):
    monkeypatch.setattr(opds, "PAGE_SIZE", 1)
    make_work()
    make_work()
    root = parse(client.get(private("root", token)), "navigation")
    assert links(root.feed, "self")[0].href == SERVER + private("root", token)
    assert links(root.feed, "search")[0].href == SERVER + private("opensearch", token)
    for entry in root.entries:
        assert token.key in links(entry, "subsection")[0].href
    latest = parse(client.get(private("latest", token)), "acquisition")
    assert links(latest.feed, "next")[0].href == SERVER + private("latest", token) + "?page=2"
    assert links(latest.feed, "start")[0].href == SERVER + private("root", token)
    description = client.get(private("opensearch", token)).content.decode()
    assert SERVER + private("search", token) + "?q={searchTerms}" in description


def test_private_catalog_applies_exclusions_everywhere(client, token):
    reader = token.reader
    ConsentChoice.objects.create(reader=reader, item="rating:mature", choice=StandingChoice.HIDE)
    make_work(title="Hidden rating", rating="mature", tags=[("Naruto", TagKind.FANDOM)])
    make_work(title="Excluded tag", tags=[("Bleach", TagKind.FANDOM)])
    make_work(title="Kept", tags=[("Naruto", TagKind.FANDOM)])
    ExcludedTag.objects.create(reader=reader, tag=Tag.objects.get(name="Bleach"))

    latest = parse(client.get(private("latest", token)), "acquisition")
    assert [entry.title for entry in latest.entries] == ["Kept"]
    fandoms = parse(client.get(private("fandoms", token)), "navigation")
    assert [entry.title for entry in fandoms.entries] == ["Naruto"]
    naruto = parse(client.get(private("tag", token, "naruto")), "acquisition")
    assert [entry.title for entry in naruto.entries] == ["Kept"]
    found = parse(client.get(private("search", token), {"q": "excluded"}), "acquisition")
    assert found.entries == []
    # The public catalog is not affected.
    assert len(parse(client.get(LATEST), "acquisition").entries) == 3


@pytest.mark.parametrize(
    ("kind", "content_type", "magic"),
    [("epub", downloads.EPUB_TYPE, b"PK"), ("pdf", downloads.PDF_TYPE, b"%PDF")],
)
def test_token_file_routes_serve_only_what_standing_choices_cover(
    client, token, kind, content_type, magic
):
    covered = make_work(rating="explicit", warnings=["non-con"])
    uncovered = make_work(rating="explicit", warnings=["underage"])
    response = client.get(private(f"work_{kind}", token, covered.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment;" in response["Content-Disposition"]

    refused = client.get(private(f"work_{kind}", token, uncovered.pk))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.content.decode().startswith("This work needs agreement to: Underage Sex.")
    assert not refused.content.startswith(magic)
    assert refused["Cache-Control"] == "private, no-store"


def test_every_private_catalog_page_is_kept_out_of_caches(client, token):
    make_work(tags=[("Naruto", TagKind.FANDOM)])
    for name, args in [("root", []), ("latest", []), ("fandoms", []), ("tag", ["naruto"])]:
        response = client.get(private(name, token, *args))
        assert response["Cache-Control"] == "private, no-store", name
        assert response["X-Robots-Tag"] == "noindex, nofollow", name


def test_session_agreement_does_not_open_the_token_route(client_for, token):
    work = make_work(rating="mature")
    client = client_for(token.reader)
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    assert client.get(downloads.download_url(work, "epub")).status_code == 200
    assert client.get(private("work_epub", token, work.pk)).status_code == 403


def test_hide_is_not_show_for_the_token_route(client, token):
    ConsentChoice.objects.filter(reader=token.reader, item="rating:explicit").update(
        choice=StandingChoice.HIDE
    )
    work = make_work(rating="explicit")
    assert client.get(private("work_epub", token, work.pk)).status_code == 403


def test_token_route_cannot_reach_another_readers_draft(client, token, creator):
    draft = make_work(creator=creator, is_posted=False)
    assert client.get(private("work_epub", token, draft.pk)).status_code == 404
    assert client.get(private("work_epub", token, draft.pk + 1000)).status_code == 404


def test_a_staff_token_reaches_only_posted_works_and_their_own_drafts(client, creator):
    staff = make_reader("staffreader", is_staff=True)
    staff_token = FeedToken.objects.create(reader=staff, key="s" * 43)
    others_draft = make_work(creator=creator, is_posted=False)
    own_draft = make_work(creator=staff, is_posted=False)
    posted = make_work(creator=creator)

    assert client.get(private("work_epub", staff_token, others_draft.pk)).status_code == 404
    assert client.get(private("work_epub", staff_token, own_draft.pk)).status_code == 200
    assert client.get(private("work_epub", staff_token, posted.pk)).status_code == 200


@pytest.mark.parametrize("in_private", [False, True])
def test_works_staff_hid_leave_the_catalog(client, token, creator, staff, in_private):
    hidden = make_work(title="Hidden", creator=creator, tags=[("Bleach", TagKind.FANDOM)])
    make_work(title="Kept", tags=[("Naruto", TagKind.FANDOM)])
    posting.hide_work(work=hidden, by=staff)

    def url(name, *args):
        if in_private:
            return private(name, token, *args)
        return reverse(f"archive:opds_{name}", args=args)

    latest = parse(client.get(url("latest")), "acquisition")
    assert [entry.title for entry in latest.entries] == ["Kept"]
    fandoms = parse(client.get(url("fandoms")), "navigation")
    assert [entry.title for entry in fandoms.entries] == ["Naruto"]
    assert parse(client.get(url("tag", "bleach")), "acquisition").entries == []
    assert parse(client.get(url("search"), {"q": "hidden"}), "acquisition").entries == []
    assert client.get(private("work_epub", token, hidden.pk)).status_code == 404


def test_navigation_leaves_out_fandoms_only_hidden_ratings_use_and_counts_the_rest(client, token):
    ConsentChoice.objects.filter(reader=token.reader, item="rating:explicit").update(
        choice=StandingChoice.HIDE
    )
    make_work(rating="explicit", tags=[("Only Explicit", TagKind.FANDOM)])
    make_work(rating="explicit", tags=[("Shared", TagKind.FANDOM)])
    make_work(rating="explicit", tags=[("Shared", TagKind.FANDOM)])
    make_work(tags=[("Shared", TagKind.FANDOM)])
    make_work(rating="explicit", tags=[("Explicit Angst", TagKind.ADDITIONAL)])

    fandoms = parse(client.get(private("fandoms", token)), "navigation")
    assert [entry.title for entry in fandoms.entries] == ["Shared"]
    assert fandoms.entries[0].summary == "1 work tagged Shared."
    assert b'thr:count="1"' in client.get(private("fandoms", token)).content
    tags = parse(client.get(private("tags", token)), "navigation")
    assert tags.entries == []
    # The public catalog counts every posted work.
    public = parse(client.get(FANDOMS), "navigation")
    assert [(e.title, e.summary) for e in public.entries] == [
        ("Shared", "3 works tagged Shared."),
        ("Only Explicit", "1 work tagged Only Explicit."),
    ]


def test_revoked_token_makes_every_private_url_404(client, token):
    work = make_work()
    urls = [
        private("root", token),
        private("latest", token),
        private("fandoms", token),
        private("tags", token),
        private("search", token),
        private("opensearch", token),
        private("work_epub", token, work.pk),
        private("work_pdf", token, work.pk),
    ]
    assert all(client.get(url).status_code == 200 for url in urls)
    token.delete()
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)


def test_token_routes_are_marked_gated_because_they_enforce_consent():
    assert opds_views.work_epub.consent_gated is True
    assert opds_views.work_pdf.consent_gated is True


# Query counts


@pytest.mark.parametrize("works", [1, 6])
def test_public_catalog_query_counts(client, django_assert_num_queries, works):
    for _ in range(works):
        make_work(rating="mature", tags=[("Naruto", TagKind.FANDOM)])
    with django_assert_num_queries(0):
        client.get(ROOT)
    # works (with creators), their tags
    with django_assert_num_queries(2):
        client.get(LATEST)
    # the fandoms, ordered by use (one query with a subquery)
    with django_assert_num_queries(1):
        client.get(FANDOMS)
    # the tag, then works, tags
    with django_assert_num_queries(3):
        client.get(reverse("archive:opds_tag", args=["naruto"]))


@pytest.mark.parametrize("works", [1, 6])
def test_private_catalog_query_counts(client, token, django_assert_num_queries, works):
    for _ in range(works):
        make_work(rating="explicit", tags=[("Naruto", TagKind.FANDOM)])
    # token with reader, standing choices, excluded tags, muted people
    with django_assert_num_queries(4):
        client.get(private("root", token))
    # the same, then works, tags
    with django_assert_num_queries(6):
        response = client.get(private("latest", token))
    # An EPUB and a PDF link for each work.
    assert response.content.count(opds.ACQUIRE.encode()) == 2 * works
    # token with reader, choices, excluded tags, muted people, the fandoms
    with django_assert_num_queries(5):
        client.get(private("fandoms", token))
