"""The plain-text parser: each convention on small made-up texts, then on the real seeds."""

import re
import tomllib
from pathlib import Path

import pytest

from archive.importing.text import parse_work

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"
SEED_TEXTS = sorted(SEEDS.glob("*.txt"))

RATINGS = {"general", "teen", "mature", "explicit", "not-rated"}
WARNINGS = {
    "choose-not-to-warn",
    "graphic-violence",
    "major-character-death",
    "no-warnings",
    "non-con",
    "underage",
}
CATEGORIES = {"f/f", "f/m", "gen", "m/m", "multi", "other"}

# The only elements a body may hold, one per line; paragraphs may hold emphasis.
_TEXT = r"(?:[^<>]|</?(?:em|strong)>)+"
BODY_ELEMENT_RE = re.compile(rf'^(?:<hr>|<p>{_TEXT}</p>|<p class="break-caption">{_TEXT}</p>)$')
# What stripped markup leaves behind: "inever/i", entities, tags, BBCode.
REMNANT_RE = re.compile(
    r"\b(?:i|b|u|em|strong)\w+/(?:i|b|u|em|strong)\b|&(?!amp;|lt;|gt;)\w+;|\[/?\w+\]"
)


def body(text):
    """The only chapter's body, one element per list item."""
    (chapter,) = parse_work(text).chapters
    return chapter.body.split("\n")


def seed(stem_prefix):
    (path,) = [path for path in SEED_TEXTS if path.name.startswith(stem_prefix)]
    return parse_work(path.read_text(encoding="utf-8"))


def captions(chapter):
    return re.findall(r'<p class="break-caption">(.*)</p>', chapter.body)


# Paragraphs and cleaning


def test_each_line_is_one_escaped_paragraph():
    assert body("The cat & the  dog.\n\n  <Bold>   claims  \n\nEnd.") == [
        "<p>The cat &amp; the dog.</p>",
        "<p>&lt;Bold&gt; claims</p>",
        "<p>End.</p>",
    ]


def test_lines_without_blank_lines_between_are_still_separate_paragraphs():
    assert body("One.\nTwo.\n\nThree.\n\nFour.") == [
        "<p>One.</p>",
        "<p>Two.</p>",
        "<p>Three.</p>",
        "<p>Four.</p>",
    ]


def test_single_blank_lines_win_a_tie_as_the_paragraph_gap():
    assert body("One.\nTwo.\n\nThree.") == ["<p>One.</p>", "<p>Two.</p>", "<p>Three.</p>"]


def test_non_breaking_spaces_become_plain_spaces():
    nbsp = "\u00a0"
    text = f"He waited.{nbsp}\n\nIt was late,{nbsp} she said.\n\nSurely,{nbsp}he knew.\n\nEnd."
    assert body(text) == [
        "<p>He waited.</p>",
        "<p>It was late, she said.</p>",
        "<p>Surely, he knew.</p>",
        "<p>End.</p>",
    ]


def test_a_line_of_only_non_breaking_spaces_counts_as_blank():
    assert body("One.\n\n\u00a0\u00a0\n\nTwo.") == ["<p>One.</p>", "<p>Two.</p>"]


def test_a_stripped_italic_word_becomes_emphasis():
    assert body("You will inever/i guess it.") == ["<p>You will <em>never</em> guess it.</p>"]


def test_a_stripped_italic_span_across_words_becomes_emphasis():
    assert body("Para one has ithis is it/i.") == ["<p>Para one has <em>this is it</em>.</p>"]


def test_stripped_bold_becomes_strong():
    assert body("She said bnot now/b and left.") == [
        "<p>She said <strong>not now</strong> and left.</p>"
    ]


def test_words_that_start_like_a_tag_are_left_alone():
    text = "It was in question, and he would inever/i know."
    assert body(text) == ["<p>It was in question, and he would <em>never</em> know.</p>"]


def test_a_real_word_ending_a_span_keeps_its_first_letter():
    # "important" is a word of its own, so the span opens at "iall", not inside it.
    text = "This is all important.\n\nNow iall of this is important/i to us."
    assert body(text)[1] == "<p>Now <em>all of this is important</em> to us.</p>"


def test_a_closing_remnant_without_its_opening_is_left_as_written():
    assert body("It was in it/i all along.") == ["<p>It was in it/i all along.</p>"]
    assert body("A/B testing, and/or more.") == ["<p>A/B testing, and/or more.</p>"]


def test_the_text_itself_tells_which_words_are_words():
    # "bread" occurs elsewhere as a word, so it never opens a span hiding "read".
    text = "He had bread and a small cup.\n\nThe bread was bsmall and stale/b."
    assert body(text)[1] == "<p>The bread was <strong>small and stale</strong>.</p>"


def test_whole_emphasis_tags_become_emphasis_and_other_tags_go():
    assert body("<i>Never</i> <span>again</span>, <b>ever</b>.") == [
        "<p><em>Never</em> again, <strong>ever</strong>.</p>"
    ]


def test_emphasis_cannot_be_forged_from_the_text():
    assert body("Plain \ue000text\ue001 &lt;em&gt;here.") == ["<p>Plain text here.</p>"]


def test_html_entities_are_decoded_before_escaping():
    assert body("Wait&nbsp;here &amp; there &#8212; &quot;now&quot; &lt;3") == [
        '<p>Wait here &amp; there — "now" &lt;3</p>'
    ]


def test_ampersands_that_are_not_entities_stay_as_written():
    assert body("AT&T &notice R&D") == ["<p>AT&amp;T &amp;notice R&amp;D</p>"]


def test_emphasis_in_a_title_and_a_chapter_heading_leaves_plain_text():
    work = parse_work("Title: The inight/i shift\n\nChapter 2: A <i>Long</i> Day\n\nOne night.")
    assert work.title == "The night shift"
    assert work.chapters[0].title == "A Long Day"


# Scene breaks


def test_two_blank_lines_make_a_plain_break():
    assert body("One.\n\nTwo.\n\n\nThree.") == [
        "<p>One.</p>",
        "<p>Two.</p>",
        "<hr>",
        "<p>Three.</p>",
    ]


def test_three_blank_lines_make_one_break():
    assert body("One.\n\nTwo.\n\n\n\nThree.").count("<hr>") == 1


def test_a_single_blank_line_is_a_break_where_paragraphs_have_none_between():
    assert body("One.\nTwo.\nThree.\n\nFour.\nFive.") == [
        "<p>One.</p>",
        "<p>Two.</p>",
        "<p>Three.</p>",
        "<hr>",
        "<p>Four.</p>",
        "<p>Five.</p>",
    ]


@pytest.mark.parametrize(
    ("line", "caption"),
    [
        ("xXx Over at the gate xXx", "Over at the gate"),
        ("~Three Days Later~", "Three Days Later"),
        ("-end flashback-", "end flashback"),
        ("-End flashback-", "End flashback"),
    ],
)
def test_a_decorated_line_is_a_break_with_its_caption(line, caption):
    assert body(f"Before.\n\n{line}\n\nAfter.") == [
        "<p>Before.</p>",
        "<hr>",
        f'<p class="break-caption">{caption}</p>',
        "<p>After.</p>",
    ]


@pytest.mark.parametrize("line", ["xXx", "~~~", "* * *", "-----", "oOo"])
def test_a_line_of_decoration_alone_is_a_plain_break(line):
    assert body(f"Before.\n\n{line}\n\nAfter.") == ["<p>Before.</p>", "<hr>", "<p>After.</p>"]


def test_dashes_and_tildes_inside_a_sentence_are_not_breaks():
    text = "He said -wait- and left.\n\nShe paused- then spoke.\n\n-Not a caption, but a long line."
    assert "<hr>" not in body(text)


def test_blank_lines_before_a_caption_make_a_single_break():
    assert body("Before.\n\n\n~Later~\n\nAfter.") == [
        "<p>Before.</p>",
        "<hr>",
        '<p class="break-caption">Later</p>',
        "<p>After.</p>",
    ]


def test_a_body_never_starts_or_ends_with_a_break():
    assert body("\n\n\n* * *\n\nOne.\n\n\n\n~~~\n\n\n") == ["<p>One.</p>"]


def test_two_plain_breaks_in_a_row_make_one():
    assert body("One.\n\n\n* * *\n\n\n~~~\n\nTwo.") == ["<p>One.</p>", "<hr>", "<p>Two.</p>"]


def test_a_caption_at_the_very_start_keeps_its_words_without_a_rule():
    assert body("~Konoha, spring~\n\nOne.") == [
        '<p class="break-caption">Konoha, spring</p>',
        "<p>One.</p>",
    ]


# Header fields


HEADER_TEXT = """Night Shift
Written by: Someone

Pairing(s): A/B and C/D

Rating: Mature
Sequel: No

Summary: Things happen. Then more things.

Warnings: Angst, Slash
Read at your own risk.

Other warnings: AU, sad


The story starts here.

It goes on."""


def test_a_header_block_fills_title_creator_and_relationships():
    work = parse_work(HEADER_TEXT)
    assert work.title == "Night Shift"
    assert work.creator == "Someone"
    assert work.relationships == ["A/B", "C/D"]
    assert work.declared_rating == "Mature"
    assert work.summary == "<p>Things happen. Then more things.</p>"


def test_unused_header_fields_go_to_the_notes_in_order():
    assert parse_work(HEADER_TEXT).notes.split("\n") == [
        "<p>Author's pairings: A/B and C/D</p>",
        "<p>Author's rating: Mature</p>",
        "<p>Sequel: No</p>",
        "<p>Author's warnings: Angst, Slash</p>",
        "<p>Read at your own risk.</p>",
        "<p>Other warnings: AU, sad</p>",
    ]


def test_the_story_after_a_header_starts_without_a_break():
    (chapter,) = parse_work(HEADER_TEXT).chapters
    assert chapter.body.split("\n") == ["<p>The story starts here.</p>", "<p>It goes on.</p>"]


def test_header_labels_are_case_insensitive_and_tolerate_variants():
    work = parse_work("AUTHOR: Someone\npairings: X/Y, Z & W\nRated: M for violence\n\nStory.")
    assert work.creator == "Someone"
    assert work.relationships == ["X/Y", "Z & W"]
    assert work.declared_rating == "M"
    assert work.notes.split("\n") == [
        "<p>Author's pairings: X/Y, Z &amp; W</p>",
        "<p>Rated M for violence</p>",
    ]


def test_the_authors_warning_fields_are_kept_as_declared_warnings():
    assert parse_work(HEADER_TEXT).declared_warnings == [
        "Angst, Slash",
        "Read at your own risk.",
        "AU, sad",
    ]


def test_pairings_continued_on_the_next_line_go_to_notes_and_relationships():
    work = parse_work("Pairing: A/B\nC/D\nRating: T\n\nStory.")
    assert work.relationships == ["A/B", "C/D"]
    assert work.notes.split("\n")[:2] == ["<p>Author's pairings: A/B</p>", "<p>C/D</p>"]


def test_a_story_line_shaped_like_a_field_is_not_a_header():
    work = parse_work("Kakashi: Yo.\n\nIruka: You are late.")
    assert work.notes == ""
    assert work.chapters[0].body.count("<p>") == 2


# Author's notes and a bare title


NOTES_TEXT = """A/N: First idea. Hope you like it.

Rated T for language, mostly.

PS: Sorry for the long sentences.

The Long Night

It was dark.

It stayed dark.

End A/N: Thanks for reading!"""


def test_notes_at_the_start_and_the_rating_line_go_to_the_work_notes():
    work = parse_work(NOTES_TEXT)
    assert work.notes.split("\n") == [
        "<p>First idea. Hope you like it.</p>",
        "<p>Rated T for language, mostly.</p>",
        "<p>PS: Sorry for the long sentences.</p>",
    ]
    assert work.declared_rating == "T"


def test_a_short_line_after_the_notes_is_the_title():
    work = parse_work(NOTES_TEXT)
    assert work.title == "The Long Night"
    assert work.chapters[0].body.split("\n") == ["<p>It was dark.</p>", "<p>It stayed dark.</p>"]


def test_the_closing_note_goes_to_the_work_end_notes():
    assert parse_work(NOTES_TEXT).end_notes == "<p>Thanks for reading!</p>"


def test_a_first_paragraph_of_a_headerless_text_is_never_a_title():
    work = parse_work("Kakashi was late again\n\nIruka sighed.")
    assert work.title == ""
    assert work.chapters[0].body.startswith("<p>Kakashi was late again</p>")


def test_a_sentence_after_the_notes_is_not_a_title():
    work = parse_work("A/N: Enjoy.\n\nIt was dark.\n\nIt stayed dark.")
    assert work.title == ""
    assert work.chapters[0].body.startswith("<p>It was dark.</p>")


def test_dialogue_after_the_notes_is_not_a_title():
    work = parse_work('A/N: Enjoy.\n\n"Wait here\n\nHe waited.')
    assert work.title == ""


# Chapters


def test_a_chapter_heading_gives_position_and_title():
    work = parse_work("Chapter 7: The Rescue.\n\nThey ran.")
    (chapter,) = work.chapters
    assert (chapter.position, chapter.title) == (7, "The Rescue")
    assert chapter.body == "<p>They ran.</p>"
    assert work.starts_mid_work


def test_a_text_without_a_heading_is_chapter_one():
    work = parse_work("They ran.")
    assert [chapter.position for chapter in work.chapters] == [1]
    assert not work.starts_mid_work


def test_several_headings_make_several_chapters_with_their_own_notes():
    text = "Chapter One - Start\n\nA/N: Hello.\n\nFirst.\n\nChapter 2\n\nSecond.\n\nEnd A/N: Bye."
    first, second = parse_work(text).chapters
    assert (first.position, first.title, first.notes, first.body) == (
        1,
        "Start",
        "<p>Hello.</p>",
        "<p>First.</p>",
    )
    assert (second.position, second.title, second.end_notes, second.body) == (
        2,
        "",
        "<p>Bye.</p>",
        "<p>Second.</p>",
    )


def test_a_title_line_above_a_chapter_heading_is_the_work_title():
    work = parse_work("The Long Night\n\nChapter 3: Dusk\n\nIt was dark.")
    assert work.title == "The Long Night"
    (chapter,) = work.chapters
    assert (chapter.position, chapter.title, chapter.body) == (3, "Dusk", "<p>It was dark.</p>")


def test_text_before_the_first_heading_becomes_a_chapter_and_numbers_stay_in_order():
    work = parse_work("It began.\n\nChapter 1\n\nIt went on.")
    assert [chapter.position for chapter in work.chapters] == [1, 2]
    assert work.chapters[0].body == "<p>It began.</p>"


def test_a_sentence_starting_with_chapter_is_not_a_heading():
    work = parse_work("Chapter 3 of the scroll was missing.\n\nHe looked.")
    assert work.chapters[0].position == 1
    assert work.chapters[0].body.startswith("<p>Chapter 3 of the scroll")


# Titles, bylines and headings of plain files


def chapters_of(work):
    return [(chapter.position, chapter.title, chapter.body) for chapter in work.chapters]


def test_a_title_a_byline_and_chapter_headings_open_a_file():
    work = parse_work(
        "The Quiet Shop\n\nby cora\n\nChapter 1\n\nThe bell rang.\n\n"
        "Chapter Two: Closing Time\n\nThe door shut."
    )
    assert (work.title, work.creator, work.notes) == ("The Quiet Shop", "cora", "")
    assert chapters_of(work) == [
        (1, "", "<p>The bell rang.</p>"),
        (2, "Closing Time", "<p>The door shut.</p>"),
    ]


@pytest.mark.parametrize(
    "byline", ["by cora", "By Cora Vale", "By: cora", "written by cora", "Written by: cora"]
)
def test_each_way_of_writing_a_byline_names_the_creator(byline):
    work = parse_work(f"The Quiet Shop\n{byline}\n\nThe bell rang.\n\nThe door shut.")
    assert work.title == "The Quiet Shop"
    assert work.creator.lower() in ("cora", "cora vale")
    assert chapters_of(work) == [(1, "", "<p>The bell rang.</p>\n<p>The door shut.</p>")]


def test_a_byline_alone_at_the_top_names_the_creator_without_a_title():
    work = parse_work("By Cora\n\nThe bell rang.\n\nThe door shut.")
    assert (work.title, work.creator) == ("", "Cora")
    assert work.chapters[0].body.startswith("<p>The bell rang.</p>")


def test_a_sentence_opening_with_by_is_story_text():
    work = parse_work("By the time the bell rang, the shop was empty.\n\nThe door shut.")
    assert (work.title, work.creator) == ("", "")
    assert work.chapters[0].body.startswith("<p>By the time the bell rang")


def test_a_prologue_and_an_epilogue_are_chapters_around_the_numbered_ones():
    work = parse_work(
        "The Quiet Shop\n\nPrologue\n\nBefore it opened.\n\nChapter 1\n\nThe bell rang."
        "\n\nEpilogue: Years Later\n\nIt is still there."
    )
    assert work.title == "The Quiet Shop"
    assert chapters_of(work) == [
        (1, "Prologue", "<p>Before it opened.</p>"),
        (2, "", "<p>The bell rang.</p>"),
        (3, "Epilogue: Years Later", "<p>It is still there.</p>"),
    ]
    assert not work.starts_mid_work


def test_numbered_titles_open_chapters_when_the_body_opens_with_the_first():
    work = parse_work(
        "The Quiet Shop\nby cora\n\n1. Opening\n\nThe bell rang.\n\n2. Closing\n\nThe door shut."
    )
    assert (work.title, work.creator) == ("The Quiet Shop", "cora")
    assert chapters_of(work) == [
        (1, "Opening", "<p>The bell rang.</p>"),
        (2, "Closing", "<p>The door shut.</p>"),
    ]


def test_a_numbered_list_inside_a_story_is_story_text():
    work = parse_work("She wrote a list.\n\n1. Flour\n\n2. Sugar\n\nThen she went out.")
    assert len(work.chapters) == 1
    assert "<p>1. Flour</p>" in work.chapters[0].body


@pytest.mark.parametrize("separator", ["***", "* * *", "###"])
def test_separators_between_chapters_open_them_with_their_titles(separator):
    work = parse_work(
        f"The Quiet Shop\n\n{separator}\n\nOpening\n\nThe bell rang.\n\nA cat came in."
        f"\n\n{separator}\n\nClosing\n\nThe door shut.\n\n{separator}\n\nThe end came."
    )
    assert work.title == "The Quiet Shop"
    assert chapters_of(work) == [
        (1, "Opening", "<p>The bell rang.</p>\n<p>A cat came in.</p>"),
        (2, "Closing", "<p>The door shut.</p>"),
        (3, "", "<p>The end came.</p>"),
    ]


def test_separators_inside_a_story_stay_scene_breaks():
    work = parse_work("The bell rang.\n\n***\n\nClosing\n\nThe door shut.")
    (chapter,) = work.chapters
    assert chapter.body.split("\n") == [
        "<p>The bell rang.</p>",
        "<hr>",
        "<p>Closing</p>",
        "<p>The door shut.</p>",
    ]


def test_a_separator_above_a_chapter_heading_gives_way_to_it():
    work = parse_work("***\n\nChapter 1: Opening\n\nThe bell rang.\n\n***\n\nChapter 2\n\nShut.")
    assert chapters_of(work) == [(1, "Opening", "<p>The bell rang.</p>"), (2, "", "<p>Shut.</p>")]


def test_a_title_above_a_story_without_header_stays_story_text():
    work = parse_work("The Quiet Shop\n\nThe bell rang.")
    assert work.title == ""
    assert work.chapters[0].body == "<p>The Quiet Shop</p>\n<p>The bell rang.</p>"


# The real seeds


@pytest.mark.parametrize("path", SEED_TEXTS, ids=lambda path: path.stem)
def test_seed_bodies_hold_only_clean_paragraphs_and_breaks(path):
    work = parse_work(path.read_text(encoding="utf-8"))
    for chapter in work.chapters:
        elements = chapter.body.split("\n")
        assert all(BODY_ELEMENT_RE.match(element) for element in elements)
        assert elements[0] != "<hr>" and elements[-1] != "<hr>"
        assert ("<hr>\n<hr>") not in chapter.body
        assert "\u00a0" not in chapter.body
        assert not REMNANT_RE.search(chapter.body)


@pytest.mark.parametrize(
    ("prefix", "positions", "breaks", "caption_count"),
    [
        ("000", [1], 1, 0),
        ("001", [7], 4, 4),
        ("002", [1], 8, 2),
        ("003", [1], 13, 3),
        ("004", [1], 23, 0),
    ],
)
def test_seed_chapters_and_breaks(prefix, positions, breaks, caption_count):
    work = seed(prefix)
    assert [chapter.position for chapter in work.chapters] == positions
    (chapter,) = work.chapters
    assert chapter.body.split("\n").count("<hr>") == breaks
    assert len(captions(chapter)) == caption_count


def test_seed_without_any_header_has_no_title_or_notes():
    for prefix in ("000", "004"):
        work = seed(prefix)
        assert (work.title, work.creator, work.notes, work.summary) == ("", "", "", "")
        assert not work.starts_mid_work


def test_seed_chapter_excerpt_starts_mid_work():
    work = seed("001")
    (chapter,) = work.chapters
    assert chapter.title == "The Rescue"
    assert work.starts_mid_work
    assert work.title == ""
    assert captions(chapter)[0] == "Back in the village"
    assert all("xXx" not in caption for caption in captions(chapter))


def test_seed_header_block_is_read():
    work = seed("002")
    assert work.title == "Stuck in the Darkness"
    assert work.creator == "Jazzy"
    assert work.relationships == ["Iruka/Kakashi", "Naruto/Sasuke"]
    assert work.declared_rating == "Mature"
    assert work.summary.count("<p>") == 1
    notes = work.notes.split("\n")
    assert notes[0] == "<p>Author's pairings: Iruka/Kakashi and Naruto/Sasuke</p>"
    assert notes[1] == "<p>Author's rating: Mature</p>"
    assert "<p>Sequel: No</p>" in notes
    assert notes[3].startswith("<p>Author's warnings: ")
    assert notes[-1].startswith("<p>Other warnings: ")
    assert captions(work.chapters[0]) == ["end memory", "End memory"]


def test_seed_with_notes_and_bare_title_is_read():
    work = seed("003")
    assert work.title == "The Unknown Misery of Umino Iruka"
    assert work.declared_rating == "T"
    assert work.notes.count("<p>") == 3
    assert work.end_notes.count("<p>") == 1
    body_text = work.chapters[0].body
    assert "A/N" not in body_text
    assert work.title not in body_text.split("\n")[0]
    assert captions(work.chapters[0]) == ["One Week Later", "The Next Day", "Two Weeks Later"]


@pytest.mark.parametrize("path", SEED_TEXTS, ids=lambda path: path.stem)
def test_every_seed_has_metadata_in_the_archive_vocabulary(path):
    meta = tomllib.loads(path.with_suffix(".toml").read_text(encoding="utf-8"))
    work = parse_work(path.read_text(encoding="utf-8"))
    assert meta["rating"] in RATINGS
    assert meta["warnings"] and set(meta["warnings"]) <= WARNINGS
    assert meta["warnings"] == ["no-warnings"] or "no-warnings" not in meta["warnings"]
    assert meta["category"] in CATEGORIES
    assert meta["language"] == "en"
    assert isinstance(meta["complete"], bool)
    assert meta["published"] == "2026-11-22"
    assert meta["fandoms"] and meta["characters"] and meta["additional_tags"]
    # The text wins where it speaks; the metadata fills in only what it does not say.
    assert ("title" in meta) != bool(work.title)
    assert ("creator" in meta) != bool(work.creator)
    assert ("summary" in meta) != bool(work.summary)
    if work.starts_mid_work:
        assert meta["complete"] is False and "expected_chapters" not in meta
