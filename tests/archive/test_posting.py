"""The posting functions: drafts, chapters, counters, revisions, tags and the sanitiser."""

import datetime

import html5lib
import pytest
from django.utils import timezone

from archive.consent import policy as consent
from archive.listing import search
from archive.models import Bookmark, Chapter, Kudos, Tag, Work
from archive.reading import bookmarks, kudos
from archive.vocabulary import TagKind
from archive.writing import posting
from tests.factories import make_work

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2020, 1, 1)


def new_draft(creator, **fields):
    data = {"title": "The Lighthouse", "rating": "teen", "warnings": ["no-warnings"]}
    return posting.create_work(creator=creator, **{**data, **fields})


def fresh(work):
    return Work.objects.get(pk=work.pk)


def positions(work):
    return list(work.chapters.order_by("position").values_list("position", "title"))


def add(work, title, body="<p>One two three.</p>"):
    return posting.add_chapter(work=work, title=title, body=body)


# Drafts and posting


def test_a_new_work_is_a_draft_only_its_creator_and_staff_see(creator, reader_ask, staff):
    work = new_draft(creator, summary="A <em>short</em> summary.")
    assert not work.is_posted
    assert work.published == work.updated == timezone.localdate()
    assert work.summary == "<p>A <em>short</em> summary.</p>"
    assert work.revision == 1
    assert work.chapter_count == work.word_count == 0
    for user, sees in [(creator, True), (staff, True), (reader_ask, False)]:
        assert Work.objects.visible_to(user).filter(pk=work.pk).exists() is sees


def test_posting_needs_a_chapter(creator):
    work = new_draft(creator)
    with pytest.raises(posting.PostingRefused, match="at least one chapter"):
        posting.post_work(work=work)
    assert not fresh(work).is_posted


def test_posting_a_draft_publishes_it_and_its_chapters_today(creator, reader_ask):
    work = new_draft(creator)
    Work.objects.filter(pk=work.pk).update(published=LONG_AGO, updated=LONG_AGO)
    add(work, "One")
    before = fresh(work).revision
    posting.post_work(work=work)
    work = fresh(work)
    today = timezone.localdate()
    assert work.is_posted and work.published == work.updated == today
    assert list(work.chapters.values_list("published", flat=True)) == [today]
    assert work.revision == before + 1
    assert Work.objects.visible_to(reader_ask).filter(pk=work.pk).exists()
    # Posting twice changes nothing.
    posting.post_work(work=work)
    assert fresh(work).revision == before + 1


def test_deleting_a_work_deletes_its_chapters_and_kudos_but_not_bookmarks(creator, reader_ask):
    work = make_work(creator=creator, chapters=3)
    kudos.give_kudos(work=work, reader=reader_ask)
    bookmarks.save_bookmark(reader=reader_ask, work=work, notes="Lovely.")
    posting.delete_work(work=work)
    assert not Work.objects.filter(pk=work.pk).exists()
    assert not Chapter.objects.filter(work_id=work.pk).exists()
    assert not Kudos.objects.exists()
    # The reader's bookmark stays, naming the work (tests/archive/test_bookmarks.py).
    assert Bookmark.objects.get().work is None


# Chapters, counters and revisions


def test_adding_chapters_counts_them_and_their_words(creator):
    work = new_draft(creator)
    first = add(work, "One", "<p>One two three.</p>")
    second = add(work, "Two", "Four five.\n\nSix seven eight nine.")
    assert (first.position, second.position) == (1, 2)
    assert second.body == "<p>Four five.</p><p>Six seven eight nine.</p>"
    assert second.word_count == 6
    work = fresh(work)
    assert (work.chapter_count, work.word_count) == (2, 9)
    assert work.revision == 3


def test_a_chapter_posted_to_a_posted_work_updates_it_today(creator):
    work = make_work(creator=creator, chapters=1, published=LONG_AGO)
    add(work, "Later")
    assert fresh(work).updated == timezone.localdate()
    assert fresh(work).published == LONG_AGO


def test_editing_a_chapter_does_not_change_the_updated_date(creator):
    work = make_work(creator=creator, chapters=2, published=LONG_AGO)
    chapter = work.chapters.get(position=1)
    posting.update_chapter(chapter=chapter, title="Renamed", body="<p>Just three words.</p>")
    work = fresh(work)
    assert work.updated == LONG_AGO
    assert work.chapters.get(position=1).title == "Renamed"
    assert work.word_count == 3 + 4  # a factory chapter has four words
    assert work.revision == 2


def test_adding_more_chapters_than_expected_raises_the_expected_count(creator):
    work = new_draft(creator, expected_chapters=1)
    add(work, "One")
    add(work, "Two")
    assert fresh(work).expected_chapters == 2


def test_every_change_bumps_the_revision(creator):
    work = new_draft(creator)
    steps = [
        lambda: add(work, "One"),
        lambda: add(work, "Two"),
        lambda: posting.update_work(work=work, title="Renamed"),
        lambda: posting.update_chapter(chapter=work.chapters.get(position=1), body="<p>x</p>"),
        lambda: posting.move_chapter(chapter=work.chapters.get(position=1), direction="down"),
        lambda: posting.post_work(work=work),
        lambda: posting.delete_chapter(chapter=work.chapters.get(position=2)),
    ]
    for expected, step in enumerate(steps, start=2):
        step()
        assert fresh(work).revision == expected


def test_changes_reach_search(creator):
    work = new_draft(creator)
    add(work, "One", "<p>A zebrafish swam by.</p>")

    def found(query):
        return list(search.matching(Work.objects.all(), query, readable=readable))

    readable = consent.Readable(creator=creator.pk)  # the creator reads their own work
    assert found("zebrafish") == [work]
    posting.update_chapter(chapter=work.chapters.get(), body="<p>An otter swam by.</p>")
    assert found("zebrafish") == []
    assert found("otter") == [work]


# Reordering and deleting chapters


def test_moving_a_chapter_swaps_it_with_its_neighbour(creator):
    work = make_work(creator=creator, chapters=4)
    posting.move_chapter(chapter=work.chapters.get(position=3), direction="up")
    assert positions(work) == [(1, "Part 1"), (2, "Part 3"), (3, "Part 2"), (4, "Part 4")]
    posting.move_chapter(chapter=work.chapters.get(position=1), direction="down")
    assert positions(work) == [(1, "Part 3"), (2, "Part 1"), (3, "Part 2"), (4, "Part 4")]


@pytest.mark.parametrize(("position", "direction"), [(1, "up"), (3, "down"), (2, "sideways")])
def test_a_chapter_cannot_move_past_either_end(creator, position, direction):
    work = make_work(creator=creator, chapters=3)
    with pytest.raises(posting.PostingRefused):
        posting.move_chapter(chapter=work.chapters.get(position=position), direction=direction)
    assert positions(work) == [(1, "Part 1"), (2, "Part 2"), (3, "Part 3")]
    assert fresh(work).revision == 1


def test_deleting_a_chapter_closes_the_gap(creator):
    work = make_work(creator=creator, chapters=5)
    posting.delete_chapter(chapter=work.chapters.get(position=2))
    assert positions(work) == [(1, "Part 1"), (2, "Part 3"), (3, "Part 4"), (4, "Part 5")]
    work = fresh(work)
    assert (work.chapter_count, work.word_count) == (4, 16)  # four words each


def test_the_last_chapter_of_a_posted_work_cannot_be_deleted(creator):
    work = make_work(creator=creator, chapters=1)
    with pytest.raises(posting.PostingRefused, match="at least one chapter"):
        posting.delete_chapter(chapter=work.chapters.get())
    assert fresh(work).chapter_count == 1


def test_a_draft_may_lose_its_only_chapter(creator):
    work = new_draft(creator)
    chapter = add(work, "Only")
    posting.delete_chapter(chapter=chapter)
    assert fresh(work).chapter_count == 0


# Tags


def test_tags_reuse_existing_ones_whatever_the_case_and_make_new_ones_of_their_kind(creator):
    naruto = Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    work = new_draft(
        creator,
        fandoms=["naruto"],
        characters=["Sakura Haruno", " ", "sakura haruno"],
        additional_tags=["Fluff"],
    )
    assert {(t.name, t.kind) for t in work.tags.all()} == {
        ("Naruto", TagKind.FANDOM),
        ("Sakura Haruno", TagKind.CHARACTER),
        ("Fluff", TagKind.ADDITIONAL),
    }
    assert work.tags.get(kind=TagKind.FANDOM) == naruto


def test_updating_one_kind_of_tags_keeps_the_others(creator):
    work = new_draft(creator, fandoms=["Naruto"], characters=["Sakura"])
    posting.update_work(work=work, characters=["Hinata"])
    assert sorted(work.tags.names()) == ["Hinata", "Naruto"]


@pytest.mark.parametrize(
    "tags",
    [
        {"characters": ["Naruto"]},  # already a fandom tag
        {"fandoms": ["Konoha"], "additional_tags": ["konoha"]},  # one new name, two kinds
        {"fandoms": ["!!!"]},  # nothing to make a tag page address from
        {"fandoms": ["x" * 101]},
    ],
)
def test_a_tag_that_cannot_be_is_refused_and_nothing_is_saved(creator, tags):
    Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    with pytest.raises(posting.PostingRefused):
        new_draft(creator, **tags)
    assert not Work.objects.exists()
    assert list(Tag.objects.values_list("name", flat=True)) == ["Naruto"]


def test_a_refused_update_leaves_the_work_as_it_was(creator):
    Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    work = make_work(creator=creator, chapters=3, title="Before")
    with pytest.raises(posting.PostingRefused):
        posting.update_work(work=work, title="After", characters=["Naruto"])
    with pytest.raises(posting.PostingRefused):
        posting.update_work(work=work, title="After", expected_chapters=2)
    assert fresh(work).title == "Before"
    assert fresh(work).revision == 1


def test_a_creator_cannot_set_the_archives_own_fields(creator):
    with pytest.raises(TypeError):
        new_draft(creator, kudos_count=100)


def test_warnings_are_replaced_when_given(creator):
    work = new_draft(creator)
    posting.update_work(work=work, warnings=["graphic-violence", "major-character-death"])
    assert fresh(work).warning_values == ["graphic-violence", "major-character-death"]
    posting.update_work(work=work, title="Kept warnings")
    assert fresh(work).warning_values == ["graphic-violence", "major-character-death"]


# The sanitiser, on save

PAYLOADS = [
    '<script>alert("x1")</script>',
    "<img src=x onerror=\"alert('x2')\">",
    '<p onclick="alert(3)">click</p>',
    '<a href="javascript:alert(4)">js link</a>',
    '<a href="JaVaScRiPt&colon;alert(4)">js link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==">data link</a>',
    '<p style="background:url(javascript:alert(6))">styled</p>',
    '<svg onload="alert(7)"><script>alert(8)</script><circle r="1"/></svg>',
    "<math><mtext><script>alert(9)</script></mtext><mi>x</mi></math>",
    '<iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><input name="password"></form>',
]
FORBIDDEN = [
    "alert(",
    "onerror",
    "onclick",
    "onload",
    "javascript",
    "data:",
    "style=",
    "<svg",
    "<math",
    "<iframe",
    "<script",
    "<form",
    "<input",
    "<img",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_dangerous_is_saved_in_bodies_notes_or_summaries(creator, payload):
    text = f"<p>Before.</p>{payload}<p>After.</p>"
    work = new_draft(creator, summary=text, notes=text, end_notes=text)
    chapter = posting.add_chapter(work=work, body=text, summary=text, notes=text, end_notes=text)
    work = fresh(work)
    chapter = Chapter.objects.get(pk=chapter.pk)
    saved = [work.summary, work.notes, work.end_notes]
    saved += [chapter.body, chapter.summary, chapter.notes, chapter.end_notes]
    for markup in saved:
        assert "Before." in markup and "After." in markup
        for forbidden in FORBIDDEN:
            assert forbidden not in markup.lower(), (payload, markup)


def test_unclosed_tags_are_closed_on_save(creator):
    work = new_draft(creator)
    chapter = add(work, "Open", "<p><em>Never closed <strong>nor this\n\n<blockquote>nor that")
    parser = html5lib.HTMLParser(strict=True)
    parser.parseFragment(chapter.body)
    for tag in ["p", "em", "strong", "blockquote"]:
        assert chapter.body.count(f"<{tag}>") == chapter.body.count(f"</{tag}>") > 0, tag
    assert chapter.body.endswith("</blockquote>")


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("One.\n\nTwo,\nstill two.", "<p>One.</p><p>Two,<br>still two.</p>"),
        ("One.\r\n\r\n\r\nTwo.", "<p>One.</p><p>Two.</p>"),
        ("Some <em>emphasis</em>.\n\nMore.", "<p>Some <em>emphasis</em>.</p><p>More.</p>"),
        ("Fish & chips <3", "<p>Fish &amp; chips &lt;3</p>"),
        ("<p>Already</p>\n\n<p>paragraphs</p>", "<p>Already</p>\n\n<p>paragraphs</p>"),
        ("   ", ""),
    ],
)
def test_plain_text_becomes_paragraphs(typed, saved):
    assert posting.prepare_html(typed) == saved


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("<h1>Part One</h1><p>It began.</p>", "<h3>Part One</h3><p>It began.</p>"),
        ('<H2 class="x">Night</H2 ><p>Dark.</p>', "<h4>Night</h4><p>Dark.</p>"),
        # <h10> is no heading, so it is not taken for an <h1>.
        ("<h3>Kept</h3><h10>Odd</h10>", "<h3>Kept</h3>Odd"),
    ],
)
def test_top_level_headings_become_the_largest_a_chapter_may_have(typed, saved):
    assert posting.prepare_html(typed) == saved


def test_a_chapter_heading_keeps_its_text_apart_from_what_follows(creator):
    work = new_draft(creator)

    chapter = add(work, "Headings", "<h1>The Storm</h1><h2>Night</h2><p>It rained.</p>")

    assert chapter.body == "<h3>The Storm</h3><h4>Night</h4><p>It rained.</p>"


def test_tag_problems_name_the_field_and_the_kind(db):
    Tag.objects.create(name="Naruto", kind=TagKind.FANDOM)
    problems = posting.tag_problems({"characters": ["naruto"], "fandoms": ["Bleach"]})
    assert list(problems) == ["characters"]
    assert "already a fandom tag" in problems["characters"][0]
    assert "Fandoms" in problems["characters"][0]
