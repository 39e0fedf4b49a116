"""Importing a plain text and its metadata file as a work: all of it, or nothing."""

import datetime
import textwrap
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archive.importing.importer import (
    ImportRejected,
    create_imported_work,
    import_file,
    import_text,
    import_text_file,
    read_metadata,
)
from archive.importing.text import parse_work
from archive.models import Chapter, Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind
from archive.writing.words import count_words

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "seeds"

TWO_CHAPTERS = """\
The Lantern
Author: Wren

Summary: Someone waits by a lantern all night.

Chapter 1: Dusk

The lantern flickered in the wind.

She waited by the door, counting the hours.

Chapter 2: Dawn

Morning came slowly over the hills.
"""

UNTITLED = """\
The lantern flickered in the wind.

She waited by the door, counting the hours.
"""

GENERAL = {"rating": "general", "warnings": ["no-warnings"], "category": "gen"}

METADATA = """\
rating = "teen"
warnings = ["graphic-violence"]
category = "f/f"
language = "fr"
complete = true
expected_chapters = 2
published = 2026-03-04
fandoms = ["Lantern Tales"]
relationships = ["Wren/Ash"]
characters = ["Wren", "Ash"]
additional_tags = ["Waiting", "Angst"]
"""


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Work, Chapter, Tag, TaggedWork, WorkWarning)
    }


def write_story(folder, text, metadata=None, *, stem="story"):
    """A .txt file, and its .toml beside it when metadata is given."""
    path = folder / f"{stem}.txt"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    if metadata is not None:
        path.with_suffix(".toml").write_text(textwrap.dedent(metadata), encoding="utf-8")
    return path


def tag_names(work, kind):
    return [tag.name for tag in work.tags_of_kind(kind)]


# Metadata


def test_read_metadata_without_a_file_is_empty(tmp_path):
    assert read_metadata(tmp_path / "story.toml") == {}


def test_read_metadata_returns_the_file_as_written(tmp_path):
    path = tmp_path / "story.toml"
    path.write_text(METADATA, encoding="utf-8")

    metadata = read_metadata(path)

    assert metadata["rating"] == "teen"
    assert metadata["published"] == datetime.date(2026, 3, 4)
    assert metadata["characters"] == ["Wren", "Ash"]


def test_metadata_fills_in_the_work(db, tmp_path):
    work = import_text_file(write_story(tmp_path, TWO_CHAPTERS, METADATA))

    assert work.rating == Rating.TEEN
    assert work.warning_values == [ArchiveWarning.GRAPHIC_VIOLENCE]
    assert work.categories == [Category.FF]
    assert work.language == "fr"
    assert work.complete is True
    assert work.expected_chapters == 2
    assert work.published == work.updated == datetime.date(2026, 3, 4)
    assert tag_names(work, TagKind.FANDOM) == ["Lantern Tales"]
    assert tag_names(work, TagKind.RELATIONSHIP) == ["Wren/Ash"]
    assert tag_names(work, TagKind.CHARACTER) == ["Ash", "Wren"]
    assert tag_names(work, TagKind.ADDITIONAL) == ["Angst", "Waiting"]


def test_text_without_metadata_is_gated_as_not_rated(db, tmp_path):
    work = import_text_file(write_story(tmp_path, TWO_CHAPTERS))

    assert work.rating == Rating.NOT_RATED
    assert work.warning_values == [ArchiveWarning.CHOSE_NOT_TO_WARN]
    assert work.categories == [Category.OTHER]
    assert work.consent_items() == ["rating:not-rated", "warning:choose-not-to-warn"]


def test_metadata_that_leaves_out_the_rating_still_gates_as_not_rated(db):
    work = import_text(TWO_CHAPTERS, metadata={"fandoms": ["Lantern Tales"]})

    assert work.rating == Rating.NOT_RATED
    assert work.warning_values == [ArchiveWarning.CHOSE_NOT_TO_WARN]


def test_published_date_defaults_to_today(db):
    work = import_text(TWO_CHAPTERS, metadata=GENERAL)

    assert work.published == work.updated == timezone.localdate()


def test_published_date_may_be_a_string(db):
    work = import_text(TWO_CHAPTERS, metadata={**GENERAL, "published": "2025-12-31"})

    assert work.published == datetime.date(2025, 12, 31)


# Title, creator, summary and notes


def test_title_and_creator_come_from_the_text(db):
    work = import_text(TWO_CHAPTERS, metadata={**GENERAL, "title": "Other", "creator": "Other"})

    assert work.title == "The Lantern"
    assert work.creator_name == "Wren"


def test_metadata_gives_the_title_a_text_lacks(db):
    work = import_text(UNTITLED, metadata={**GENERAL, "title": "By Lantern Light"})

    assert work.title == "By Lantern Light"
    assert work.creator_name == "Anonymous"


def test_a_work_imported_for_a_reader_belongs_to_them(creator):
    work = import_text(TWO_CHAPTERS, metadata=GENERAL, creator=creator)

    assert work.creator == creator
    assert work.creator_name == ""


def test_summary_from_the_text_is_the_creators(db):
    metadata = {**GENERAL, "summary": "The archive's summary."}

    work = import_text(TWO_CHAPTERS, metadata=metadata)

    assert work.summary == "<p>Someone waits by a lantern all night.</p>"
    assert work.summary_by_archive is False


def test_summary_from_metadata_is_marked_as_the_archives(db):
    metadata = {**GENERAL, "title": "Untitled", "summary": "Waiting & <watching>."}

    work = import_text(UNTITLED, metadata=metadata)

    assert work.summary == "<p>Waiting &amp; &lt;watching&gt;.</p>"
    assert work.summary_by_archive is True


def test_no_summary_anywhere_leaves_it_empty(db):
    work = import_text(UNTITLED, metadata={**GENERAL, "title": "Untitled"})

    assert work.summary == ""
    assert work.summary_by_archive is False


def test_authors_own_rating_is_kept_in_notes_while_metadata_rates_the_work(db):
    text = TWO_CHAPTERS.replace("Author: Wren\n", "Author: Wren\nRating: T for language\n")

    work = import_text(text, metadata={**GENERAL, "rating": "mature"})

    assert "<p>Author's rating: T for language</p>" in work.notes
    assert work.rating == Rating.MATURE


def test_seed_rated_mature_by_its_author_is_explicit_with_the_authors_rating_in_notes(db):
    (path,) = SEEDS.glob("002_*.txt")

    work = import_text_file(path)

    assert "Author's rating: Mature" in work.notes
    assert work.rating == Rating.EXPLICIT


def header(*lines):
    """TWO_CHAPTERS with these header lines under its author line."""
    return TWO_CHAPTERS.replace(
        "Author: Wren\n", "Author: Wren\n" + "".join(f"{line}\n" for line in lines)
    )


def test_pairings_become_relationship_tags_when_the_metadata_gives_none(db):
    work = import_text(header("Pairing(s): Wren/Ash and Ash & Kit"), metadata=GENERAL)

    assert [tag.name for tag in work.tags_of_kind(TagKind.RELATIONSHIP)] == [
        "Ash & Kit",
        "Wren/Ash",
    ]
    assert "<p>Author's pairings: Wren/Ash and Ash &amp; Kit</p>" in work.notes


def test_pairings_stay_in_the_notes_when_the_metadata_names_the_relationships(db):
    metadata = {**GENERAL, "relationships": ["Ash/Wren"]}

    work = import_text(header("Pairing: Wren/Ash"), metadata=metadata)

    assert [tag.name for tag in work.tags_of_kind(TagKind.RELATIONSHIP)] == ["Ash/Wren"]
    assert not Tag.objects.filter(name="Wren/Ash").exists()
    assert "<p>Author's pairings: Wren/Ash</p>" in work.notes


def test_pairings_reuse_existing_relationship_tags_whatever_their_case(db):
    existing = Tag.objects.create(name="Wren/Ash", kind=TagKind.RELATIONSHIP)

    work = import_text(header("Pairing: wren/ash, Wren/Ash"), metadata=GENERAL)

    assert list(work.tags_of_kind(TagKind.RELATIONSHIP)) == [existing]
    assert Tag.objects.filter(kind=TagKind.RELATIONSHIP).count() == 1


def test_a_pairing_named_like_a_tag_of_another_kind_stays_only_in_the_notes(db):
    Tag.objects.create(name="Wren", kind=TagKind.CHARACTER)

    work = import_text(header("Pairing: Wren, Wren/Ash"), metadata=GENERAL)

    assert [tag.name for tag in work.tags_of_kind(TagKind.RELATIONSHIP)] == ["Wren/Ash"]
    assert Tag.objects.get(name="Wren").kind == TagKind.CHARACTER
    assert "<p>Author's pairings: Wren, Wren/Ash</p>" in work.notes


def test_the_authors_rating_and_warnings_raise_a_milder_metadata(db):
    text = header("Rating: Explicit", "Warnings: Rape/Non-Con, underage, character death")

    work = import_text(text, metadata=GENERAL)

    assert work.rating == Rating.EXPLICIT
    assert work.warning_values == sorted(
        [ArchiveWarning.MAJOR_CHARACTER_DEATH, ArchiveWarning.NON_CON, ArchiveWarning.UNDERAGE]
    )
    assert set(work.consent_items()) == {
        "rating:explicit",
        "warning:major-character-death",
        "warning:non-con",
        "warning:underage",
    }
    assert (
        "<p>The archive rates this work Explicit, not General Audiences, because its author "
        "rated it Explicit.</p>"
    ) in work.notes
    assert (
        "<p>The archive adds the warnings Major Character Death, Rape/Non-Con, Underage Sex: "
        "its author's own warnings name them.</p>"
    ) in work.notes


@pytest.mark.parametrize(
    ("line", "rating"),
    [
        ("Rated T for language", Rating.TEEN),
        ("Rating: M", Rating.MATURE),
        ("Rating: NC-17", Rating.EXPLICIT),
        ("Rated MA", Rating.EXPLICIT),
        ("Rating: Teen And Up Audiences", Rating.TEEN),
    ],
)
def test_common_spellings_of_a_rating_are_understood(db, line, rating):
    assert import_text(header(line), metadata=GENERAL).rating == rating


@pytest.mark.parametrize(
    ("fields", "warnings"),
    [
        (["Warnings: torture, gore"], [ArchiveWarning.GRAPHIC_VIOLENCE]),
        (["Warnings: dub-con"], [ArchiveWarning.NON_CON]),
        (["Other warnings: AU, noncon"], [ArchiveWarning.NON_CON]),
        (["Warnings: MCD"], [ArchiveWarning.MAJOR_CHARACTER_DEATH]),
        (["Warnings: Creator Chose Not To Use Archive Warnings"], ["choose-not-to-warn"]),
        (["Warnings: Angst", "underage themes"], [ArchiveWarning.UNDERAGE]),
    ],
)
def test_common_spellings_of_a_warning_are_understood(db, fields, warnings):
    assert import_text(header(*fields), metadata=GENERAL).warning_values == warnings


def test_warnings_the_author_says_the_work_does_not_have_add_nothing(db):
    text = header("Warnings: none; no death, not graphic violence", "Other warnings: No rape")

    work = import_text(text, metadata=GENERAL)

    assert work.warning_values == [ArchiveWarning.NO_WARNINGS]
    assert "The archive adds" not in work.notes


def test_a_milder_declared_rating_never_lowers_the_metadata(db):
    text = header("Rating: K+", "Warnings: none")

    work = import_text(text, metadata={**GENERAL, "rating": "explicit", "warnings": ["non-con"]})

    assert work.rating == Rating.EXPLICIT
    assert work.warning_values == [ArchiveWarning.NON_CON]
    assert "The archive" not in work.notes


def test_a_declared_rating_never_replaces_not_rated(db):
    work = import_text(header("Rating: Explicit", "Warnings: violence"))

    assert work.rating == Rating.NOT_RATED
    assert work.warning_values == sorted(
        [ArchiveWarning.CHOSE_NOT_TO_WARN, ArchiveWarning.GRAPHIC_VIOLENCE]
    )


def test_declared_warnings_are_added_to_the_metadatas(db):
    metadata = {**GENERAL, "warnings": ["graphic-violence"]}

    work = import_text(header("Warnings: violence, non-con"), metadata=metadata)

    assert work.warning_values == [ArchiveWarning.GRAPHIC_VIOLENCE, ArchiveWarning.NON_CON]
    assert "adds the warnings Rape/Non-Con:" in work.notes


# Chapters and counts


def test_chapters_keep_their_titles_and_order(db):
    work = import_text(TWO_CHAPTERS, metadata=GENERAL)

    chapters = list(work.chapters.order_by("position"))
    assert [(c.position, c.title) for c in chapters] == [(1, "Dusk"), (2, "Dawn")]
    assert chapters[1].body == "<p>Morning came slowly over the hills.</p>"
    assert all(chapter.published == work.published for chapter in chapters)


def test_word_and_chapter_counts_are_the_sums_over_chapters(db):
    work = import_text(TWO_CHAPTERS, metadata=GENERAL)

    work.refresh_from_db()
    chapters = list(work.chapters.all())
    assert [chapter.word_count for chapter in chapters] == [14, 6]
    assert all(chapter.word_count == count_words(chapter.body) for chapter in chapters)
    assert work.word_count == sum(chapter.word_count for chapter in chapters) == 20
    assert work.chapter_count == len(chapters) == 2


def test_a_text_that_starts_mid_work_is_never_complete(db):
    text = "Lantern, Part Three\n\nChapter 3: Night\n\nThe lantern went out.\n"

    work = import_text(text, metadata={**GENERAL, "complete": True})

    assert work.complete is False
    assert list(work.chapters.values_list("position", flat=True)) == [3]
    assert work.chapters_display == "1/?"


def test_markup_in_a_plain_text_is_shown_as_text(db):
    text = "The Lantern\nAuthor: Wren\n\nShe typed <script>alert(1)</script> & waited.\n"

    work = import_text(text, metadata=GENERAL)

    body = work.chapters.get().body
    assert "<script" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; waited." in body


def test_literal_emphasis_tags_in_a_plain_text_are_not_mangled(db):
    text = "The Lantern\nAuthor: Wren\n\nShe would <i>never</i> leave.\n"

    work = import_text(text, metadata=GENERAL)

    body = work.chapters.get().body
    assert "never" in body
    assert "&lt;&gt;" not in body


# Existing tags


def test_existing_tags_are_reused(db):
    angst = Tag.objects.create(name="Angst", kind=TagKind.ADDITIONAL)

    first = import_text(TWO_CHAPTERS, metadata={**GENERAL, "additional_tags": ["Angst"]})
    second = import_text(TWO_CHAPTERS, metadata={**GENERAL, "additional_tags": [" Angst "]})

    assert list(first.tags.all()) == list(second.tags.all()) == [angst]
    assert Tag.objects.filter(name="Angst").count() == 1


def test_tag_that_exists_with_another_kind_is_rejected_leaving_nothing(db):
    Tag.objects.create(name="Wren", kind=TagKind.FANDOM)
    before = row_counts()
    metadata = {**GENERAL, "fandoms": ["Lantern Tales"], "characters": ["Ash", "Wren"]}

    with pytest.raises(ImportRejected, match=r"^story\.txt: tag 'Wren' is already a Fandom tag"):
        import_text(TWO_CHAPTERS, metadata=metadata, name="story.txt")

    assert row_counts() == before
    assert Tag.objects.get(name="Wren").kind == TagKind.FANDOM


# Rejections: a message naming the file, and nothing saved


REJECTED_METADATA = {
    "invalid TOML": ('rating = "general\n', "story.toml: not valid TOML"),
    "unknown rating": ('rating = "spicy"\n', "story.toml: unknown rating 'spicy'"),
    "unknown warning": (
        'rating = "general"\nwarnings = ["feelings"]\n',
        "story.toml: warnings must be chosen from the vocabulary",
    ),
    "no warning chosen": (
        'rating = "general"\nwarnings = []\n',
        "story.toml: warnings must be chosen from the vocabulary",
    ),
    "no-warnings with another warning": (
        'rating = "general"\nwarnings = ["no-warnings", "non-con"]\n',
        "story.toml: 'no-warnings' cannot be combined with other warnings",
    ),
    "unknown category": (
        'rating = "general"\nwarnings = ["no-warnings"]\ncategory = "romance"\n',
        "story.toml: unknown category 'romance'",
    ),
    "bad date": (
        'rating = "general"\nwarnings = ["no-warnings"]\npublished = "March 4th"\n',
        "story.txt: published must be a date",
    ),
    "impossible date": (
        'rating = "general"\nwarnings = ["no-warnings"]\npublished = "2026-02-30"\n',
        "story.txt: published must be a date",
    ),
}


@pytest.mark.parametrize(
    ("metadata", "message"), REJECTED_METADATA.values(), ids=REJECTED_METADATA.keys()
)
def test_bad_metadata_is_rejected_naming_the_file_and_saves_nothing(
    db, tmp_path, metadata, message
):
    before = row_counts()
    path = write_story(tmp_path, TWO_CHAPTERS, metadata)

    with pytest.raises(ImportRejected) as rejected:
        import_text_file(path)

    assert str(rejected.value).startswith(message)
    assert row_counts() == before


def test_metadata_file_that_is_not_utf8_is_rejected(db, tmp_path):
    path = write_story(tmp_path, TWO_CHAPTERS)
    path.with_suffix(".toml").write_bytes('title = "Caf\xe9"\n'.encode("latin-1"))

    with pytest.raises(ImportRejected, match=r"^story\.toml: not valid TOML"):
        import_text_file(path)

    assert Work.objects.count() == 0


REJECTED_TEXTS = {
    "not UTF-8": ("Caf\xe9 au lait.\n\nMore.\n".encode("latin-1"), "story.txt: not UTF-8 text"),
    "empty": ("", "story.txt: no story text found"),
    "only blank lines": ("\n \n\n\t\n", "story.txt: no story text found"),
    "header without story": (
        "Title: The Lantern\nAuthor: Wren\n",
        "story.txt: no story text found",
    ),
    "no title anywhere": (UNTITLED, "story.txt: the text has no title and its metadata gives none"),
}


@pytest.mark.parametrize(("text", "message"), REJECTED_TEXTS.values(), ids=REJECTED_TEXTS.keys())
def test_unusable_text_is_rejected_naming_the_file_and_saves_nothing(db, tmp_path, text, message):
    before = row_counts()
    path = write_story(tmp_path, text, 'rating = "general"\nwarnings = ["no-warnings"]\n')

    with pytest.raises(ImportRejected) as rejected:
        import_text_file(path)

    assert str(rejected.value).startswith(message)
    assert row_counts() == before


def test_import_text_checks_metadata_given_directly(db):
    with pytest.raises(ImportRejected, match=r"^pasted: unknown rating 'R'"):
        import_text(TWO_CHAPTERS, metadata={"rating": "R"}, name="pasted")

    assert Work.objects.count() == 0


# Metadata of the wrong shape: should be refused like any other bad metadata, never
# half-accepted or crash with a database error the import_works command does not report.
WRONG_SHAPES = {
    "fandoms as a string": (
        {"fandoms": "Lantern Tales"},
        "a string is iterated letter by letter and makes one tag per letter",
    ),
    "complete as a string": (
        {"complete": "no"},
        "bool('no') is True, so the work is marked complete",
    ),
    "blank tag name": ({"additional_tags": [" "]}, "a tag with an empty name is created"),
    "tag name not a string": ({"characters": [7]}, "AttributeError: int has no strip()"),
    "expected_chapters zero": (
        {"expected_chapters": 0},
        "IntegrityError from work_expected_chapters_positive, not ImportRejected",
    ),
    "repeated warning": (
        {"warnings": ["non-con", "non-con"]},
        "IntegrityError from work_warning_once, not ImportRejected",
    ),
}


@pytest.mark.parametrize(
    "metadata",
    [pytest.param(metadata, id=name) for name, (metadata, _why) in WRONG_SHAPES.items()],
)
def test_metadata_of_the_wrong_shape_is_rejected(db, metadata):
    with pytest.raises(ImportRejected, match=r"^story\.txt: "):
        import_text(TWO_CHAPTERS, metadata={**GENERAL, **metadata}, name="story.txt")


def test_a_long_creator_name_from_the_text_fits_the_field(db):
    text = TWO_CHAPTERS.replace("Author: Wren", "Author: " + "Wren " * 40)

    work = import_text(text, metadata=GENERAL)

    work.refresh_from_db()
    assert 0 < len(work.creator_name) <= Work._meta.get_field("creator_name").max_length


# import_file: .txt, .html and .epub, from a path or an upload, through the same creation


def test_import_file_reads_html_with_the_metadata_beside_it(db, tmp_path):
    path = tmp_path / "lantern.html"
    path.write_text("<h1>The Lantern</h1><h2>Dusk</h2><p>It flickered.</p>", "utf-8")
    path.with_suffix(".toml").write_text(METADATA, encoding="utf-8")

    work = import_file(path)

    assert (work.title, work.rating, work.language, work.is_posted) == (
        "The Lantern",
        Rating.TEEN,
        "fr",
        True,
    )
    assert [(c.title, c.body) for c in work.chapters.all()] == [("Dusk", "<p>It flickered.</p>")]
    assert (work.chapter_count, work.word_count) == (1, 2)


def test_import_file_takes_an_upload_as_a_draft_for_its_creator(creator):
    upload = SimpleUploadedFile("Lantern.TXT", TWO_CHAPTERS.encode())

    work = import_file(upload, creator=creator, metadata=GENERAL, posted=False)

    assert (work.title, work.creator, work.is_posted) == ("The Lantern", creator, False)
    assert work.chapter_count == 2


def test_import_file_language_from_the_file_wins_over_metadata(db):
    parsed = parse_work(TWO_CHAPTERS)
    parsed.language = "de"

    work = create_imported_work(parsed, metadata={**GENERAL, "language": "fr"})

    assert work.language == "de"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("story.rtf", b"{\\rtf1 x}", "story.rtf: only .txt, .html and .epub files"),
        ("story.epub", b"not a zip", "story.epub: not an EPUB"),
        ("story.html", "<p>Caf\xe9</p>".encode("latin-1"), "story.html: not UTF-8 text"),
        ("story.html", b"<h1>Only a title</h1>", "story.html: no story text found"),
    ],
)
def test_import_file_rejects_unusable_files_saving_nothing(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = row_counts()

    with pytest.raises(ImportRejected) as rejected:
        import_file(path, metadata=GENERAL)

    assert str(rejected.value).startswith(message)
    assert row_counts() == before


def test_import_file_rejects_a_file_over_the_limit(db, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    path = write_story(tmp_path, "x" * (10 * 1024 * 1024 + 1))

    with pytest.raises(ImportRejected, match=r"^story\.txt: larger than 10 MB"):
        import_file(path)
