"""Atom feeds of the latest works and of tags: valid, metadata only, private ones filtered."""

import datetime

import feedparser
import pytest
from django.urls import reverse

from accounts.models import ConsentChoice, ExcludedTag, FeedToken
from archive.models import Tag
from archive.vocabulary import StandingChoice, TagKind
from archive.writing import posting
from archive.writing import tags as wrangling
from tests.factories import body_marker, make_reader, make_work

pytestmark = pytest.mark.django_db

LATEST = reverse("archive:feed_works")


def tag_feed(slug):
    return reverse("archive:feed_tag", args=[slug])


def private_latest(token):
    return reverse("archive:private_feed_works", args=[token.key])


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def titles(feed):
    return [entry.title for entry in feed.entries]


def assert_no_chapter_text(response, works):
    for work in works:
        for position in range(1, work.chapter_count + 1):
            assert body_marker(work.pk, position).encode() not in response.content


@pytest.fixture
def token(db):
    reader = make_reader("feedreader")
    return FeedToken.objects.create(reader=reader, key="k" * 43)


def test_latest_feed_carries_blurbs_and_never_chapter_text(client):
    gated = make_work(
        title="Gated",
        rating="explicit",
        warnings=["non-con", "graphic-violence"],
        tags=[("Naruto", TagKind.FANDOM), ("Angst", TagKind.ADDITIONAL)],
    )
    plain = make_work(title="Plain", chapters=3)
    response = client.get(LATEST)
    feed = parse(response)
    assert_no_chapter_text(response, [gated, plain])
    entry = next(entry for entry in feed.entries if entry.title == "Gated")
    assert entry.id == f"urn:archive:work:{gated.pk}"
    assert entry.author == "Imported Author"
    assert entry.link == f"http://testserver{gated.get_absolute_url()}"
    assert {tag.term for tag in entry.tags} == {"Naruto", "Angst"}
    content = entry.content[0].value
    for expected in [
        "Explicit",
        "Graphic Depictions Of Violence",
        "Rape/Non-Con",
        "Words: 10",
        "Language: English",
        "Chapters: 2/?",
        "Summary of work",
    ]:
        assert expected in content, expected
    assert entry.summary.startswith("<p>Summary of work")


def test_latest_feed_lists_posted_works_only_most_recent_first(client, creator):
    make_work(title="Older", published=datetime.date(2025, 1, 1))
    make_work(title="Newer", published=datetime.date(2026, 2, 1))
    make_work(title="Draft", creator=creator, is_posted=False)
    assert titles(parse(client.get(LATEST))) == ["Newer", "Older"]
    # Even its creator's private feed leaves a draft out: feeds list the archive's works.
    token = FeedToken.objects.create(reader=creator, key="c" * 43)
    assert "Draft" not in titles(parse(client.get(private_latest(token))))


def test_tag_feed_covers_the_tags_synonyms(client):
    make_work(title="Canonical", tags=[("Naruto", TagKind.FANDOM)])
    make_work(title="Synonym", tags=[("NARUTO", TagKind.FANDOM)])
    make_work(title="Elsewhere", tags=[("Bleach", TagKind.FANDOM)])
    canonical = Tag.objects.get(name="Naruto")
    wrangling.make_synonym(tag=Tag.objects.get(name="NARUTO"), canonical=canonical)
    feed = parse(client.get(tag_feed(canonical.slug)))
    assert sorted(titles(feed)) == ["Canonical", "Synonym"]
    assert feed.feed.title == "Works tagged Naruto"
    synonym = Tag.objects.get(name="NARUTO")
    assert sorted(titles(parse(client.get(tag_feed(synonym.slug))))) == ["Canonical", "Synonym"]


def test_unknown_tag_or_token_is_404(client):
    assert client.get(tag_feed("no-such-tag")).status_code == 404
    assert client.get(reverse("archive:private_feed_works", args=["nope"])).status_code == 404


def test_private_feed_honours_hidden_ratings_warnings_and_excluded_tags(client, token):
    reader = token.reader
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice=StandingChoice.HIDE)
    ConsentChoice.objects.create(
        reader=reader, item="warning:major-character-death", choice=StandingChoice.HIDE
    )
    make_work(title="Explicit", rating="explicit")
    make_work(title="Death", warnings=["major-character-death"])
    make_work(title="Excluded tag", tags=[("Crack", TagKind.ADDITIONAL)])
    make_work(title="Kept", rating="mature", tags=[("Fluff", TagKind.ADDITIONAL)])
    ExcludedTag.objects.create(reader=reader, tag=Tag.objects.get(name="Crack"))

    response = client.get(private_latest(token))
    assert titles(parse(response)) == ["Kept"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Everyone else's feed still lists them all.
    assert len(parse(client.get(LATEST)).entries) == 4
    crack = reverse("archive:private_feed_tag", args=[token.key, "crack"])
    assert titles(parse(client.get(crack))) == []


def test_private_feed_does_not_depend_on_who_is_logged_in(client_for, token):
    make_work(title="Hidden", rating="explicit")
    ConsentChoice.objects.create(
        reader=token.reader, item="rating:explicit", choice=StandingChoice.HIDE
    )
    someone = make_reader("someone")
    assert titles(parse(client_for(someone).get(private_latest(token)))) == []


def test_revoked_and_regenerated_tokens_are_404(client, token):
    make_work()
    old = private_latest(token)
    assert client.get(old).status_code == 200
    FeedToken.objects.filter(pk=token.pk).update(key="n" * 43)
    assert client.get(old).status_code == 404
    FeedToken.objects.all().delete()
    assert client.get(reverse("archive:private_feed_works", args=["n" * 43])).status_code == 404


def test_an_inactive_readers_token_is_404(client, token):
    token.reader.is_active = False
    token.reader.save()
    assert client.get(private_latest(token)).status_code == 404


def test_works_staff_hid_leave_public_and_private_feeds(client, token, creator, staff):
    hidden = make_work(title="Hidden", creator=creator, tags=[("Naruto", TagKind.FANDOM)])
    make_work(title="Kept", tags=[("Naruto", TagKind.FANDOM)])
    posting.hide_work(work=hidden, by=staff)

    private_tag = reverse("archive:private_feed_tag", args=[token.key, "naruto"])
    for url in [LATEST, tag_feed("naruto"), private_latest(token), private_tag]:
        assert titles(parse(client.get(url))) == ["Kept"], url


def test_control_characters_in_a_title_do_not_break_the_feed(client):
    make_work(title="Bell\x07 and tab\x0b", tags=[("Odd\x0cTag", TagKind.ADDITIONAL)])
    assert titles(parse(client.get(LATEST))) == ["Bell and tab"]


@pytest.mark.parametrize("works", [1, 6])
def test_public_feed_query_count(client, django_assert_num_queries, works):
    for _ in range(works):
        make_work(rating="mature", tags=[("Naruto", TagKind.FANDOM)])
    # works (with creators), their tags
    with django_assert_num_queries(2):
        client.get(LATEST)
    # the tag, works, their tags
    with django_assert_num_queries(3):
        client.get(tag_feed("naruto"))


@pytest.mark.parametrize("works", [1, 6])
def test_private_feed_query_count(client, token, django_assert_num_queries, works):
    for _ in range(works):
        make_work(tags=[("Naruto", TagKind.FANDOM)])
    excluded = make_work(tags=[("Excluded", TagKind.ADDITIONAL)]).tags.get()
    ExcludedTag.objects.create(reader=token.reader, tag=excluded)
    # token with reader, standing choices, excluded tags, muted people, works, tags
    with django_assert_num_queries(6):
        response = client.get(private_latest(token))
    assert len(parse(response).entries) == works
    # the same, and the tag
    with django_assert_num_queries(7):
        client.get(reverse("archive:private_feed_tag", args=[token.key, "naruto"]))
