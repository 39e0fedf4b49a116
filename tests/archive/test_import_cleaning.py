"""What the importer saves of a file's text and tag names: no control characters (PostgreSQL
refuses a NUL), no tag that cannot have a page, and no second tag differing only in case."""

import pytest

from archive.importing.importer import ImportRejected, import_file, import_text, import_text_file
from archive.models import Chapter, Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import TagKind

pytestmark = pytest.mark.django_db

GENERAL = {"rating": "general", "warnings": ["no-warnings"], "category": "gen"}
TEXT = """\
The Lantern
Author: Wren

Chapter 1: Dusk

The lantern flickered in the wind.
"""
# Control characters the text reader takes for neither line breaks nor spaces.
CONTROL = "\x00\x01\x07\x08\x1b\x7f"


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Work, Chapter, Tag, TaggedWork, WorkWarning)
    }


def saved_text(work):
    """Every string the import saved for the work, its chapters and its tags."""
    chapter = work.chapters.get()
    return [
        work.title,
        work.creator_name,
        work.summary,
        work.notes,
        chapter.title,
        chapter.body,
        *(tag.name for tag in work.tags.all()),
    ]


# Control characters


def test_control_characters_are_taken_out_of_a_text_and_its_metadata():
    text = "".join(f"{character}{CONTROL}" if character == "n" else character for character in TEXT)
    metadata = {**GENERAL, "fandoms": [f"Lan{CONTROL}tern Tales"], "summary": f"Wa{CONTROL}it."}

    work = import_text(text, metadata=metadata)

    assert saved_text(work) == [
        "The Lantern",
        "Wren",
        "<p>Wait.</p>",
        "",
        "Dusk",
        "<p>The lantern flickered in the wind.</p>",
        "Lantern Tales",
    ]


def test_tabs_and_line_breaks_are_kept():
    work = import_text(TEXT, metadata={**GENERAL, "summary": "Wait,\tthen\nwait."})

    assert work.summary == "<p>Wait,\tthen\nwait.</p>"


def test_a_nul_in_an_html_file_is_taken_out(tmp_path):
    path = tmp_path / "lantern.html"
    path.write_bytes(b"<h1>The Lan\x00tern</h1><h2>Dusk\x00</h2><p>The lan\x00tern flickered.</p>")

    work = import_file(path, metadata=GENERAL)

    assert work.title == "The Lantern"
    chapter = work.chapters.get()
    assert (chapter.title, chapter.body) == ("Dusk", "<p>The lantern flickered.</p>")


# Tag names


@pytest.mark.parametrize("name", ["!!!", "—", " ... "])
def test_a_tag_name_without_letters_or_digits_is_rejected_and_nothing_saved(tmp_path, name):
    (tmp_path / "story.txt").write_text(TEXT, "utf-8")
    (tmp_path / "story.toml").write_text(
        f'rating = "general"\nwarnings = ["no-warnings"]\nfandoms = ["Lantern Tales", "{name}"]\n',
        "utf-8",
    )
    before = row_counts()

    with pytest.raises(ImportRejected, match=r"^story\.toml: fandoms: .* at least one letter"):
        import_text_file(tmp_path / "story.txt")

    assert row_counts() == before


def test_an_existing_tag_is_reused_whatever_the_case():
    fandom = Tag.objects.create(name="Lantern Tales", kind=TagKind.FANDOM)
    metadata = {**GENERAL, "fandoms": ["lantern tales"], "characters": ["Wren", "WREN"]}

    work = import_text(TEXT, metadata=metadata)

    assert [tag.name for tag in work.tags.all()] == ["Lantern Tales", "Wren"]
    assert work.tags.get(kind=TagKind.FANDOM) == fandom
    assert Tag.objects.count() == 2


def test_an_exact_spelling_wins_over_one_differing_in_case():
    Tag.objects.create(name="lantern tales", kind=TagKind.FANDOM)
    exact = Tag.objects.create(name="Lantern Tales", kind=TagKind.FANDOM)

    work = import_text(TEXT, metadata={**GENERAL, "fandoms": ["Lantern Tales"]})

    assert list(work.tags.all()) == [exact]


def test_a_name_of_another_kind_in_another_case_is_rejected_and_nothing_saved():
    Tag.objects.create(name="Wren", kind=TagKind.FANDOM)
    before = row_counts()

    with pytest.raises(ImportRejected, match=r"^story\.txt: tag 'wren' is already a Fandom tag"):
        import_text(TEXT, metadata={**GENERAL, "characters": ["wren"]}, name="story.txt")

    assert row_counts() == before


def test_the_work_page_of_an_imported_work_answers(client):
    work = import_text(TEXT, metadata={**GENERAL, "fandoms": ["Lantern Tales"]})

    assert client.get(work.get_absolute_url()).status_code == 200
