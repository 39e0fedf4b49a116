"""The operations commands: import_works, load_seed_works and build_seed_fixture."""

import errno
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive.importing import seeds
from archive.models import Chapter, Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import Rating, TagKind
from tests.archive.test_formats import make_epub

GOOD_METADATA = 'rating = "general"\nwarnings = ["no-warnings"]\ncategory = "gen"\n'


def story(title, sentence):
    return f"{title}\nAuthor: Wren\n\nChapter 1: Begin\n\n{sentence}\n\nThe end came quietly.\n"


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Work, Chapter, Tag, TaggedWork, WorkWarning)
    }


def run(*args):
    """Run a command; return (its output, the CommandError it raised or None)."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO(), verbosity=0)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def folder(tmp_path):
    """Two good texts, one with metadata and one without, and one with a bad rating."""
    (tmp_path / "a_lantern.txt").write_text(story("The Lantern", "It flickered."), "utf-8")
    (tmp_path / "a_lantern.toml").write_text(GOOD_METADATA, "utf-8")
    (tmp_path / "b_river.txt").write_text(story("The River", "It ran on."), "utf-8")
    (tmp_path / "c_broken.txt").write_text(story("The Broken One", "It broke."), "utf-8")
    (tmp_path / "c_broken.toml").write_text('rating = "spicy"\n', "utf-8")
    (tmp_path / "notes.md").write_text("Not a story.", "utf-8")
    return tmp_path


# import_works


def test_import_works_imports_the_good_files_and_reports_the_bad_one(db, folder):
    out, error = run("import_works", str(folder))

    assert str(error) == "1 file(s) could not be imported."
    assert "Imported 2 of 3 files." in out
    lantern, river = Work.objects.order_by("title")
    # Each file's result as it comes, then the failures again under the count.
    assert out.splitlines()[:3] == [
        f"a_lantern.txt: imported as work {lantern.pk}: “The Lantern” (1 chapters, 6 words)",
        f"b_river.txt: imported as work {river.pk}: “The River” (1 chapters, 7 words)",
        "c_broken.txt: rejected: c_broken.toml: unknown rating 'spicy'",
    ]
    assert "failed  c_broken.toml: unknown rating 'spicy'" in out
    assert (lantern.title, river.title) == ("The Lantern", "The River")


def test_import_works_uses_metadata_where_a_text_has_it(db, folder):
    run("import_works", str(folder))

    assert Work.objects.get(title="The Lantern").rating == Rating.GENERAL
    assert Work.objects.get(title="The River").rating == Rating.NOT_RATED


def test_import_works_leaves_nothing_of_the_rejected_file(db, tmp_path):
    Tag.objects.create(name="Wren", kind=TagKind.FANDOM)
    (tmp_path / "clash.txt").write_text(story("The Clash", "Names collided."), "utf-8")
    (tmp_path / "clash.toml").write_text(
        GOOD_METADATA + 'additional_tags = ["Fresh Tag"]\ncharacters = ["Wren"]\n', "utf-8"
    )
    before = row_counts()

    out, error = run("import_works", str(tmp_path))

    assert error is not None
    assert "clash.txt: tag 'Wren' is already a Fandom tag" in out
    assert row_counts() == before


def test_import_works_takes_single_files(db, folder):
    out, error = run("import_works", str(folder / "b_river.txt"))

    assert error is None
    assert "Imported 1 of 1 files." in out
    assert list(Work.objects.values_list("title", flat=True)) == ["The River"]


def test_import_works_dry_run_saves_nothing(db, folder):
    (folder / "c_broken.txt").unlink()

    out, error = run("import_works", "--dry-run", str(folder))

    assert error is None
    assert "Would import 2 of 2 files." in out
    assert "a_lantern.txt: would import “The Lantern” (1 chapters, 6 words)" in out
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_import_works_dry_run_still_reports_bad_files(db, folder):
    out, error = run("import_works", "--dry-run", str(folder))

    assert str(error) == "1 file(s) could not be imported."
    assert "Would import 2 of 3 files." in out
    assert "c_broken.toml: unknown rating 'spicy'" in out
    assert Work.objects.count() == 0


def test_import_works_reports_a_missing_path_and_imports_the_rest(db, folder):
    missing = folder / "nowhere.txt"

    out, error = run("import_works", str(folder / "b_river.txt"), str(missing))

    assert str(error) == "1 file(s) could not be imported."
    assert "Imported 1 of 2 files." in out
    assert f"failed  {missing}: no such file or folder" in out
    assert list(Work.objects.values_list("title", flat=True)) == ["The River"]


def test_import_works_searches_folders_with_their_subfolders(db, tmp_path):
    (tmp_path / "one" / "two").mkdir(parents=True)
    (tmp_path / "top.txt").write_text(story("On Top", "It sat."), "utf-8")
    (tmp_path / "one" / "middle.txt").write_text(story("In the Middle", "It hid."), "utf-8")
    (tmp_path / "one" / "two" / "deep.txt").write_text(story("Deep Down", "It sank."), "utf-8")

    out, error = run("import_works", str(tmp_path))

    assert error is None
    assert "Imported 3 of 3 files." in out
    titles = sorted(Work.objects.values_list("title", flat=True))
    assert titles == ["Deep Down", "In the Middle", "On Top"]


def test_import_works_takes_control_characters_out_of_what_it_saves(db, tmp_path):
    text = story("The Nul\x00 Lantern", "It flick\x00ered\x07.").replace("Wren", "W\x00ren")
    (tmp_path / "nul.txt").write_text(text, "utf-8")
    (tmp_path / "nul.toml").write_text(
        GOOD_METADATA + 'fandoms = ["Lantern\\u0000 Tales"]\nsummary = "A\\u0000 wait."\n',
        "utf-8",
    )
    (tmp_path / "plain.txt").write_text(story("The River", "It ran on."), "utf-8")

    out, error = run("import_works", str(tmp_path))

    assert error is None, out
    assert "Imported 2 of 2 files." in out
    work = Work.objects.get(title="The Nul Lantern")
    assert (work.creator_name, work.summary) == ("Wren", "<p>A wait.</p>")
    assert [tag.name for tag in work.tags.all()] == ["Lantern Tales"]
    assert "It flickered." in work.chapters.get().body


def test_a_file_that_cannot_be_read_is_a_failure_and_the_batch_goes_on(db, folder, monkeypatch):
    # The disk is an edge of the archive: a read that fails there is simulated.
    read_bytes = Path.read_bytes

    def failing_read(path):
        if path.name == "a_lantern.txt":
            raise OSError(errno.EIO, "Input/output error")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", failing_read)

    out, error = run("import_works", str(folder))

    assert str(error) == "2 file(s) could not be imported."
    assert "a_lantern.txt: could not be read (Input/output error)" in out
    assert list(Work.objects.values_list("title", flat=True)) == ["The River"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="smallint limits: PostgreSQL only")
def test_a_file_the_database_refuses_is_a_failure_and_the_batch_goes_on(db, folder):
    # More chapters than a chapter position can number: PostgreSQL refuses the rows.
    chapters = "".join(f"Chapter {n}\n\nWords.\n\n" for n in range(1, 32770))
    (folder / "a_endless.txt").write_text(f"Endless\nAuthor: Wren\n\n{chapters}", "utf-8")

    out, error = run("import_works", str(folder))

    assert str(error) == "2 file(s) could not be imported."
    assert "a_endless.txt: the database refused it (" in out
    assert "Imported 2 of 4 files." in out
    assert not Work.objects.filter(title="Endless").exists()


def test_import_works_given_texts_and_their_metadata_files_imports_only_the_texts(db, tmp_path):
    (tmp_path / "river.txt").write_text(story("The River", "It ran on."), "utf-8")
    (tmp_path / "river.toml").write_text('title = "The River"\n' + GOOD_METADATA, "utf-8")
    paths = [str(tmp_path / "river.txt"), str(tmp_path / "river.toml")]

    _, error = run("import_works", *paths)

    assert error is None
    assert list(Work.objects.values_list("title", flat=True)) == ["The River"]


# load_seed_works


def test_load_seed_works_fills_an_empty_archive(db):
    run("load_seed_works")

    assert Work.objects.count() == len(seeds.seed_paths()) == 5
    assert Chapter.objects.count() == 5


def test_load_seed_works_does_nothing_the_second_time(db):
    run("load_seed_works")
    before = row_counts()

    out, error = run("load_seed_works")

    assert error is None
    assert "already has works or tags; seed works not loaded" in out
    assert row_counts() == before


def test_load_seed_works_leaves_an_archive_with_works_alone(db):
    Work.objects.create(
        title="Mine", rating="general", published="2026-01-01", updated="2026-01-01"
    )

    run("load_seed_works")

    assert list(Work.objects.values_list("title", flat=True)) == ["Mine"]


def test_load_seed_works_never_renames_a_tag_already_in_the_archive(db):
    # The first tag of a fresh archive, made by staff before any work was posted.
    tag = Tag.objects.create(pk=1, name="Lantern Tales", kind=TagKind.FANDOM)

    run("load_seed_works")

    tag.refresh_from_db()
    assert tag.name == "Lantern Tales"


# build_seed_fixture


def test_build_seed_fixture_check_passes_on_the_committed_fixture(db):
    out, error = run("build_seed_fixture", "--check")

    assert error is None
    assert "seed_works.json is up to date." in out


def test_build_seed_fixture_check_fails_on_a_stale_fixture(db, tmp_path, monkeypatch):
    stale = tmp_path / "seed_works.json"
    stale.write_text("[]\n", encoding="utf-8")
    monkeypatch.setattr("archive.management.commands.build_seed_fixture.FIXTURE_PATH", stale)

    _, error = run("build_seed_fixture", "--check")

    assert str(error) == "seed_works.json is out of date: run build_seed_fixture."
    assert stale.read_text(encoding="utf-8") == "[]\n"


def test_build_seed_fixture_writes_the_fixture(db, tmp_path, monkeypatch):
    target = tmp_path / "seed_works.json"
    monkeypatch.setattr("archive.management.commands.build_seed_fixture.FIXTURE_PATH", target)

    run("build_seed_fixture")

    assert target.read_text(encoding="utf-8") == seeds.FIXTURE_PATH.read_text(encoding="utf-8")
    assert Work.objects.count() == 0


# import_works with HTML and EPUB files


@pytest.fixture
def ebooks(tmp_path):
    """An EPUB and an HTML file (one with metadata beside it), and a broken EPUB."""
    (tmp_path / "a_lantern.epub").write_bytes(
        make_epub([("c1.xhtml", "Dusk", "<p>It flickered.</p><p>The end came quietly.</p>")])
    )
    (tmp_path / "a_lantern.toml").write_text(GOOD_METADATA, "utf-8")
    (tmp_path / "b_river.html").write_bytes(
        b"<h1>The River</h1><h2>Chapter 1: Begin</h2><p>It ran on.</p><h2>End</h2><p>Gone.</p>"
    )
    (tmp_path / "c_broken.epub").write_bytes(b"PK\x03\x04 not really a zip")
    return tmp_path


def test_import_works_imports_epub_and_html_files_and_reports_the_broken_one(db, ebooks):
    before = row_counts()

    out, error = run("import_works", str(ebooks))

    assert str(error) == "1 file(s) could not be imported."
    assert "Imported 2 of 3 files." in out
    assert "a_lantern.epub: imported as work " in out
    assert "“The Lantern” (1 chapters, 6 words)" in out
    assert "“The River” (2 chapters, 4 words)" in out
    assert "c_broken.epub: rejected: not an EPUB" in out
    assert "failed  c_broken.epub: not an EPUB" in out
    assert row_counts()["Work"] == before["Work"] + 2
    lantern, river = Work.objects.order_by("title")
    assert (lantern.rating, lantern.creator_name, lantern.is_posted) == (
        Rating.GENERAL,
        "Wren",
        True,
    )
    assert river.rating == Rating.NOT_RATED
    assert [c.title for c in river.chapters.order_by("position")] == ["Begin", "End"]


def test_import_works_takes_single_epub_and_html_files(db, ebooks):
    paths = [str(ebooks / "a_lantern.epub"), str(ebooks / "b_river.html")]

    out, error = run("import_works", *paths)

    assert error is None
    assert "Imported 2 of 2 files." in out


def test_import_works_refuses_a_file_over_the_limit_and_goes_on(db, ebooks, settings):
    settings.IMPORT_MAX_BYTES = (ebooks / "b_river.html").stat().st_size
    (ebooks / "c_broken.epub").unlink()

    out, error = run("import_works", str(ebooks))

    assert "Imported 1 of 2 files." in out
    assert "failed  a_lantern.epub: larger than" in out
    assert list(Work.objects.values_list("title", flat=True)) == ["The River"]


def test_import_works_names_the_kinds_of_file_it_takes(db, tmp_path):
    (tmp_path / "story.docx").write_bytes(b"PK")

    out, error = run("import_works", str(tmp_path / "story.docx"))

    assert "story.docx: only .txt, .html and .epub files can be imported" in out
