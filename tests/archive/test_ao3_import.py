"""Importing AO3 downloads (HTML and EPUB) and this archive's own EPUBs with their metadata:
rating, warnings, categories, tags, texts, chapters, series, dates, language and byline."""

import datetime
import html
import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from ebooklib import epub

from archive.exporting import downloads
from archive.importing import ao3, markup
from archive.importing.formats import Unreadable, parse_epub, parse_html
from archive.importing.importer import ImportRejected, import_file
from archive.models import Chapter, Series, SeriesPart, Work
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind
from archive.writing.series import add_work_to_series
from tests.factories import make_work

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "ao3_download.html"
URL = reverse("archive:import_work")


def ao3_epub(html_download=None, *, language="en"):
    """An EPUB as AO3 makes one from its HTML download: the preface, each chapter and the
    afterword in documents of their own, each chapter still inside its wrapper."""
    body = markup.body(html_download or FIXTURE.read_bytes())
    preface, chapters, afterword = (
        body.get_element_by_id(name) for name in ("preface", "chapters", "afterword")
    )
    groups = []
    for part in markup.elements(chapters):
        if "group" in markup.classes(part) or not groups:
            groups.append([])
        groups[-1].append(part)
    parts = [_html(preface)]
    for group in groups:
        parts.append(
            '<div id="chapters" class="userstuff">' + "".join(map(_html, group)) + "</div>"
        )
    parts.append(_html(afterword))

    book = epub.EpubBook()
    book.set_identifier("urn:uuid:00000000-0000-4000-8000-000000000000")
    book.set_title("The Lantern Keeper")
    book.set_language(language)
    book.add_author("wren_writes")
    documents = []
    for number, content in enumerate(parts):
        document = epub.EpubHtml(file_name=f"index_split_{number:03}.xhtml", content=content)
        book.add_item(document)
        documents.append(document)
    book.toc = [epub.Link(d.file_name, f"Part {n}", d.id) for n, d in enumerate(documents)]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *documents]
    out = io.BytesIO()
    epub.write_epub(out, book, {"raise_exceptions": True})
    return out.getvalue()


def with_file_changed(book, name, old, new):
    """The EPUB with one of its files changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                assert old in content
                content = content.replace(old, new)
            target.writestr(info, content)
    return out.getvalue()


def _html(element):
    return lxml.html.tostring(element, encoding="unicode", with_tail=False)


def download_with(old, new, *, count=1):
    """The HTML fixture with one piece of its markup replaced."""
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(old) == count, old
    return text.replace(old, new).encode()


def upload(client, name, content):
    # The form's own choices are the strictest: the file's metadata wins over them.
    data = {"rating": Rating.NOT_RATED, "warnings": [ArchiveWarning.CHOSE_NOT_TO_WARN]}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(URL, data)


def tag_names(work, kind):
    return sorted(tag.name for tag in work.tags.all() if tag.kind == kind)


def assert_lantern_keeper(work, *, creator):
    """Every piece of the fixture's metadata landed on the work."""
    assert work.title == "The Lantern Keeper"
    assert work.creator == creator
    assert work.rating == Rating.TEEN
    assert sorted(w.warning for w in work.warnings.all()) == [
        ArchiveWarning.GRAPHIC_VIOLENCE,
        ArchiveWarning.MAJOR_CHARACTER_DEATH,
    ]
    assert work.categories == sorted([Category.FF, Category.GEN])
    assert tag_names(work, TagKind.FANDOM) == ["Lantern Tales"]
    assert tag_names(work, TagKind.RELATIONSHIP) == ["Wren/Sparrow"]
    assert tag_names(work, TagKind.CHARACTER) == ["Sparrow", "Wren"]
    assert tag_names(work, TagKind.ADDITIONAL) == ["Found Family", "Slow Burn"]
    assert work.summary == "<p>A keeper tends the last lantern on the <em>cliff</em>.</p>"
    assert work.notes.startswith("<p>Written for a prompt about lighthouses.</p>")
    assert "Originally posted on the Archive of Our Own by wren_writes" in work.notes
    assert "https://archiveofourown.org/works/1234567" in work.notes
    assert work.end_notes == "<p>Thank you for reading.</p>"
    assert work.language == "en"
    assert (work.published, work.updated) == (datetime.date(2019, 3, 4), datetime.date(2020, 7, 15))
    assert (work.complete, work.expected_chapters, work.chapter_count) == (False, 3, 2)

    first, second = work.chapters.order_by("position")
    assert (first.position, first.title, second.position, second.title) == (1, "Dusk", 2, "")
    assert first.summary == "<p>The lamp is lit.</p>"
    assert first.notes == "<p>A short opening.</p>"
    assert first.end_notes == "<p>More soon.</p>"
    assert "The lantern flickered in the wind off the sea." in first.body
    assert "Chapter Summary" not in first.body and "More soon" not in first.body
    assert "<hr>" in second.body and "Sparrow brought bread" in second.body
    assert (second.summary, second.notes, second.end_notes) == ("", "", "")

    series = Series.objects.get(creator=creator, title="Lights Along the Shore")
    assert SeriesPart.objects.get(series=series).work == work


# The files as they are read


def test_html_download_is_recognised_and_read_with_its_metadata():
    parsed = parse_html(FIXTURE.read_bytes())

    assert parsed.metadata["rating"] == Rating.TEEN
    assert parsed.metadata["categories"] == [Category.FF, Category.GEN]
    assert parsed.metadata["series"] == [("Lights Along the Shore", 2)]
    assert [chapter.title for chapter in parsed.chapters] == ["Dusk", ""]


def test_epub_download_reads_as_its_html_does():
    from_html, from_epub = parse_html(FIXTURE.read_bytes()), parse_epub(ao3_epub())

    assert from_epub == from_html


def test_an_epub_language_code_wins_over_the_prefaces_language_name():
    assert parse_epub(ao3_epub(language="de")).language == "de"


def test_a_work_of_one_chapter_has_its_text_alone():
    chapters = FIXTURE.read_text(encoding="utf-8").split('<div id="chapters"')[1]
    one = '<div class="userstuff"><p>Just one night by the lantern.</p></div>'
    content = FIXTURE.read_text(encoding="utf-8").replace(
        chapters.split('<div id="afterword">')[0],
        f' class="userstuff"><h2 class="toc-heading">The Lantern Keeper</h2>{one}</div>',
    )

    parsed = parse_html(content.encode())

    assert [(c.position, c.title, c.body) for c in parsed.chapters] == [
        (1, "", "<p>Just one night by the lantern.</p>")
    ]


def test_an_html_file_without_the_preface_is_read_as_any_html():
    parsed = parse_html(b"<h1>Plain</h1><h2>One</h2><p>Text.</p>")

    assert parsed.metadata == {}
    assert parsed.chapters[0].title == "One"


def test_the_old_underage_label_is_the_underage_warning():
    parsed = parse_html(download_with(">Major Character Death<", ">Underage<"))

    assert parsed.metadata["warnings"] == [ArchiveWarning.GRAPHIC_VIOLENCE, ArchiveWarning.UNDERAGE]


def test_a_completed_work_is_complete_with_its_completion_date():
    parsed = parse_html(
        download_with("Updated: 2020-07-15", "Completed: 2020-07-15").replace(b"2/3", b"2/2")
    )

    assert parsed.metadata["complete"] is True
    assert parsed.metadata["updated"] == datetime.date(2020, 7, 15)


def test_a_category_the_archive_does_not_know_is_kept_in_the_notes():
    parsed = parse_html(download_with(">Gen<", ">Non-Binary<"))

    assert parsed.metadata["categories"] == [Category.FF]
    assert "<p>Its category on AO3: Non-Binary.</p>" in parsed.notes


def test_a_language_the_archive_cannot_name_is_kept_in_the_notes():
    parsed = parse_html(download_with("<dd>English</dd>", "<dd>Tlhingan Hol</dd>"))

    assert parsed.language == ""
    assert "<p>Its language on AO3: Tlhingan Hol.</p>" in parsed.notes


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (">Teen And Up Audiences<", ">Spicy<", "unknown rating “Spicy”"),
        (">Major Character Death<", ">Spoilers<", "unknown archive warning “Spoilers”"),
        ("Published: 2019-03-04", "Published: 2019-13-45", "Published date “2019-13-45”"),
        ("Updated: 2020-07-15", "Updated: yesterday", "Updated date “yesterday”"),
    ],
)
def test_a_malformed_download_is_unreadable_with_the_reason(old, new, message):
    with pytest.raises(Unreadable, match=message):
        parse_html(download_with(old, new))


def test_bodies_and_notes_are_sanitised():
    parsed = parse_html(
        download_with(
            "<p>The lamp is lit.</p>",
            '<p onclick="x()">The lamp <script>alert(1)</script>is lit.</p><img src=x>',
        )
    )

    assert parsed.chapters[0].summary == "<p>The lamp is lit.</p>"


def test_a_download_nested_too_deep_to_read_whole_is_unreadable():
    nested = "<div>" * 300 + "deep" + "</div>" * 300

    with pytest.raises(Unreadable, match="an AO3 download, but its markup is nested too deeply"):
        parse_html(download_with("<p>More soon.</p>", nested))


def test_other_html_nested_deeply_is_still_read():
    nested = "<div>" * 300 + "deep" + "</div>" * 300

    parsed = parse_html(f"<h1>Deep</h1><p>Start.</p>{nested}<p>End.</p>".encode())

    assert "End." in parsed.chapters[0].body


def test_is_download_needs_a_tag_list_naming_a_rating():
    assert not ao3.is_download(markup.body(b'<dl class="tags"><dt>Fandom:</dt><dd>X</dd></dl>'))
    assert ao3.is_download(markup.body(b'<dl class="tags"><dt>Ratings:</dt><dd>X</dd></dl>'))


# Importing through import_file


def test_html_download_imports_with_every_field(creator):
    work = import_file(FIXTURE, creator=creator)

    assert_lantern_keeper(Work.objects.get(pk=work.pk), creator=creator)


def test_epub_download_imports_with_every_field(creator):
    upload_file = SimpleUploadedFile("lantern-keeper.epub", ao3_epub())

    work = import_file(upload_file, creator=creator)

    assert_lantern_keeper(Work.objects.get(pk=work.pk), creator=creator)


def test_the_work_joins_an_existing_series_at_its_part(creator):
    series = Series.objects.create(creator=creator, title="Lights Along the Shore")
    first, third = make_work(creator=creator), make_work(creator=creator)
    add_work_to_series(series=series, work=first)
    add_work_to_series(series=series, work=third)

    work = import_file(FIXTURE, creator=creator)

    assert [part.work for part in series.parts.order_by("position")] == [first, work, third]
    assert Series.objects.filter(creator=creator).count() == 1


def test_another_creators_series_of_that_name_is_not_joined(creator, reader_ask):
    theirs = Series.objects.create(creator=reader_ask, title="Lights Along the Shore")

    import_file(FIXTURE, creator=creator)

    assert theirs.parts.count() == 0
    assert Series.objects.filter(creator=creator, title="Lights Along the Shore").exists()


def test_without_a_creator_account_the_byline_credits_the_work_and_the_series_is_noted():
    work = import_file(FIXTURE)

    assert work.creator is None
    assert work.creator_display == "wren_writes"
    assert "It was part 2 of the series Lights Along the Shore." in work.notes
    assert Series.objects.count() == 0


def test_the_files_tags_join_the_metadatas(creator):
    work = import_file(FIXTURE, creator=creator, metadata={"fandoms": ["Harbour Songs"]})

    assert tag_names(work, TagKind.FANDOM) == ["Harbour Songs", "Lantern Tales"]


def test_a_tag_name_the_archive_cannot_keep_is_noted_not_refused(creator):
    long_name = "Long " * 25
    content = download_with(">Slow Burn<", f">{long_name}<")

    work = import_file(SimpleUploadedFile("long.html", content), creator=creator)

    assert tag_names(work, TagKind.ADDITIONAL) == ["Found Family"]
    assert "Its Additional Tags tags the archive cannot keep as tags" in work.notes


def test_a_download_without_story_text_is_refused(creator):
    chapters = FIXTURE.read_text(encoding="utf-8").split('<div id="chapters"')[1]
    content = FIXTURE.read_text(encoding="utf-8").replace(
        chapters.split('<div id="afterword">')[0], ">\n</div>\n\n"
    )

    with pytest.raises(ImportRejected, match="no story text found"):
        import_file(SimpleUploadedFile("empty.html", content.encode()), creator=creator)
    assert Work.objects.count() == 0


# The upload page


@pytest.mark.parametrize(
    ("name", "content"),
    [("keeper.html", FIXTURE.read_bytes()), ("keeper.epub", None)],
    ids=["html", "epub"],
)
def test_upload_page_imports_a_download_with_its_metadata(client_for, creator, name, content):
    response = upload(client_for(creator), name, content or ao3_epub())

    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == work.get_absolute_url()
    assert not work.is_posted
    assert_lantern_keeper(work, creator=creator)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (">Teen And Up Audiences<", ">Spicy<", "an AO3 download, but unknown rating “Spicy”"),
        ("Published: 2019-03-04", "Published: 04/03/2019", "Published date “04/03/2019”"),
        # The vocabulary's own rule, as for any metadata.
        (">Major Character Death<", ">No Archive Warnings Apply<", "cannot be combined"),
    ],
)
def test_upload_page_refuses_a_malformed_download_with_a_message(
    client_for, creator, old, new, message
):
    response = upload(client_for(creator), "broken.html", download_with(old, new))

    assert response.status_code == 400
    assert html.escape(message) in response.content.decode()
    assert Work.objects.count() == 0 and Chapter.objects.count() == 0


# This archive's own EPUB


@pytest.fixture
def full_work(creator):
    work = make_work(
        title="A Full Work",
        creator=creator,
        rating=Rating.MATURE,
        warnings=[ArchiveWarning.GRAPHIC_VIOLENCE, ArchiveWarning.NON_CON],
        categories=[Category.MULTI],
        chapters=3,
        language="fr",
        notes="<p>Work notes.</p>",
        end_notes="<p>Work end notes.</p>",
        published=datetime.date(2024, 2, 3),
        updated=datetime.date(2025, 6, 7),
        complete=True,
        tags=[
            ("Fandom One", TagKind.FANDOM),
            ("Fandom, With a Comma", TagKind.FANDOM),
            ("A/B", TagKind.RELATIONSHIP),
            ("Character C", TagKind.CHARACTER),
            ("Fluff", TagKind.ADDITIONAL),
            ("Hurt/Comfort", TagKind.ADDITIONAL),
        ],
    )
    Work.objects.filter(pk=work.pk).update(summary="<p>The summary &amp; <em>more</em>.</p>")
    Chapter.objects.filter(work=work, position=1).update(
        summary="<p>Chapter summary.</p>",
        notes="<p>Chapter notes.</p>",
        end_notes="<p>Chapter end notes.</p>",
    )
    Chapter.objects.filter(work=work, position=2).update(title="")
    return Work.objects.with_blurb().get(pk=work.pk)


def own_epub(work):
    return downloads.build_epub(work, list(work.chapters.order_by("position")))


def test_the_archives_own_epub_gives_the_work_back(full_work, reader_ask):
    upload_file = SimpleUploadedFile("a-full-work.epub", own_epub(full_work))

    work = Work.objects.with_blurb().get(pk=import_file(upload_file, creator=reader_ask).pk)

    assert work.title == "A Full Work"
    assert work.rating == Rating.MATURE
    assert work.warning_values == [ArchiveWarning.GRAPHIC_VIOLENCE, ArchiveWarning.NON_CON]
    assert work.categories == [Category.MULTI]
    assert sorted((t.name, t.kind) for t in work.tags.all()) == sorted(
        (t.name, t.kind) for t in full_work.tags.all()
    )
    assert work.summary == full_work.summary
    # Imported into another reader's account, the file's byline is kept as a credit.
    credit = f"<p>Credited in the imported file: by {full_work.creator.username}</p>"
    assert work.notes == f"{credit}\n{full_work.notes}"
    assert work.end_notes == full_work.end_notes
    assert work.language == "fr"
    assert (work.published, work.updated) == (full_work.published, full_work.updated)
    assert work.complete
    original = list(full_work.chapters.order_by("position"))
    copied = list(work.chapters.order_by("position"))
    fields = ["position", "title", "summary", "notes", "end_notes", "body"]
    assert [[getattr(c, f) for f in fields] for c in copied] == [
        [getattr(c, f) for f in fields] for c in original
    ]


def test_the_archives_own_one_chapter_epub_keeps_its_chapter_title(creator):
    work = make_work(creator=creator, chapters=1, title="Brief")
    work = Work.objects.with_blurb().get(pk=work.pk)

    parsed = parse_epub(own_epub(work))

    assert [(c.position, c.title) for c in parsed.chapters] == [(1, "Part 1")]


def test_the_archives_own_epub_with_an_unknown_rating_is_refused(full_work, creator):
    content = with_file_changed(
        own_epub(full_work), "EPUB/content.opf", b">mature</meta>", b">spicy</meta>"
    )

    with pytest.raises(ImportRejected, match="unknown rating 'spicy'"):
        import_file(SimpleUploadedFile("odd.epub", content), creator=creator)


def test_the_archives_own_epub_nested_too_deep_to_read_is_unreadable(full_work):
    nested = b"<div>" * 300 + b"deep" + b"</div>" * 300
    content = with_file_changed(
        own_epub(full_work), "EPUB/chapter-2.xhtml", b"</body>", nested + b"</body>"
    )

    with pytest.raises(Unreadable, match="an EPUB from this archive, but its markup is nested"):
        parse_epub(content)
