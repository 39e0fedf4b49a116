"""Reading HTML and EPUB files into parsed works: titles, creators, chapters, sanitised bodies."""

import io
import zipfile

import pytest
from ebooklib import epub

from archive.importing.formats import MAX_UNPACKED_BYTES, Unreadable, decode, parse_epub, parse_html


def chapters_of(work):
    return [(chapter.position, chapter.title, chapter.body) for chapter in work.chapters]


def make_epub(chapters, *, title="The Lantern", authors=("Wren",), language="en", **extra):
    """A small EPUB 3 built with EbookLib: `chapters` is [(file name, TOC title, XHTML body)]."""
    book = epub.EpubBook()
    book.set_identifier("urn:test:lantern")
    if title:
        book.set_title(title)
    book.set_language(language)
    for author in authors:
        book.add_author(author)
    if "description" in extra:
        book.add_metadata("DC", "description", extra["description"])
    documents = []
    for file_name, toc_title, body in chapters:
        document = epub.EpubHtml(title=toc_title, file_name=file_name, content=body)
        book.add_item(document)
        documents.append(document)
    book.toc = [epub.Link(d.file_name, d.title, d.id) for d in documents if d.title]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *documents]
    out = io.BytesIO()
    epub.write_epub(out, book, {"raise_exceptions": True})
    return out.getvalue()


TWO_CHAPTERS_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The Lantern - Wren - Archive</title>
<meta name="author" content="Wren"></head>
<body>
<h1>The Lantern</h1>
<p>For everyone who waited.</p>
<h2>Chapter 1: Dusk</h2>
<p>The lantern <em>flickered</em> in the wind.</p>
<h2>Dawn</h2>
<p>Morning came slowly over the hills.</p>
</body></html>"""


# HTML


def test_html_title_comes_from_the_h1():
    work = parse_html(TWO_CHAPTERS_HTML.encode())

    assert work.title == "The Lantern"
    assert work.creator == "Wren"


def test_html_without_h1_takes_its_title_element():
    work = parse_html(b"<title> The  Lantern </title><p>She waited.</p>")

    assert work.title == "The Lantern"
    assert chapters_of(work) == [(1, "", "<p>She waited.</p>")]


def test_html_h2_headings_open_chapters_and_the_preface_becomes_notes():
    work = parse_html(TWO_CHAPTERS_HTML.encode())

    assert chapters_of(work) == [
        (1, "Dusk", "<p>The lantern <em>flickered</em> in the wind.</p>"),
        (2, "Dawn", "<p>Morning came slowly over the hills.</p>"),
    ]
    assert work.notes == "<p>For everyone who waited.</p>"


def test_html_without_h2_is_one_chapter():
    work = parse_html(b"<h1>Alone</h1><p>One.</p><h3>A scene</h3><p>Two.</p>")

    assert chapters_of(work) == [(1, "", "<p>One.</p><h3>A scene</h3><p>Two.</p>")]


def test_html_chapter_headings_nested_in_divisions_still_open_chapters():
    markup = (
        '<div id="chapters"><div class="chapter"><h2 class="heading">Chapter 1</h2>'
        '<div class="userstuff"><p>First.</p></div></div>'
        '<div class="chapter"><h2><a name="c2">Chapter Two - Later</a></h2>'
        "<div>Second, in a division.</div><div>And another.</div></div></div>"
    )

    work = parse_html(markup.encode())

    assert chapters_of(work) == [
        (1, "", "<p>First.</p>"),
        (2, "Later", "<p>Second, in a division.</p><p>And another.</p>"),
    ]


def test_html_empty_chapters_are_left_out():
    work = parse_html(b"<h2>Contents</h2><div> </div><h2>One</h2><p>Text.</p>")

    assert chapters_of(work) == [(1, "One", "<p>Text.</p>")]


UNSAFE = {
    "script": ("<p>Safe</p><script>alert('x')</script>", "alert"),
    "style element": ("<style>p { color: red }</style><p>Safe</p>", "color"),
    "event handler": ('<p onclick="steal()" onmouseover="steal()">Safe</p>', "steal"),
    "javascript link": ('<p><a href="javascript:steal()">Safe</a></p>', "javascript"),
    "data link": ('<p><a href="data:text/html,<b>x</b>">Safe</a></p>', "data:"),
    "style attribute": ('<p style="position:fixed">Safe</p>', "position"),
    "svg": ('<p>Safe</p><svg onload="steal()"><script>steal()</script></svg>', "steal"),
    "mathml": ('<p>Safe</p><math><mi xlink:href="javascript:steal()">x</mi></math>', "steal"),
    "iframe": ('<p>Safe</p><iframe src="https://evil.example/"></iframe>', "evil"),
    "unclosed": ("<p>Safe<em>and <script>steal()", "steal"),
}


@pytest.mark.parametrize(("markup", "payload"), UNSAFE.values(), ids=UNSAFE.keys())
def test_html_bodies_are_sanitised(markup, payload):
    work = parse_html(f"<h1>T</h1>{markup}".encode())

    (chapter,) = work.chapters
    assert "Safe" in chapter.body
    assert payload not in chapter.body
    assert "<script" not in chapter.body and "<style" not in chapter.body


def test_html_scripts_never_make_a_title_or_a_chapter():
    work = parse_html(b"<script>document.title = 'x'</script><h2>One</h2><script>x()</script>")

    assert work.title == ""
    assert work.chapters == []


@pytest.mark.parametrize(
    "markup",
    [b"", b"<html><body></body></html>", b"<p>  </p><div><img src='a.png'></div>"],
    ids=["empty", "empty body", "only an image"],
)
def test_html_without_text_has_no_chapters(markup):
    assert parse_html(markup).chapters == []


def test_html_that_is_not_utf8_is_unreadable():
    with pytest.raises(Unreadable, match="not UTF-8 text"):
        parse_html("<p>Caf\xe9</p>".encode("latin-1"))


def test_decode_drops_a_byte_order_mark():
    assert decode("\ufeffText".encode()) == "Text"


# EPUB


def test_epub_metadata_gives_title_creator_language_and_summary():
    data = make_epub(
        [("c1.xhtml", "Dusk", "<p>Text.</p>")],
        authors=["Wren", "Ash"],
        language="fr",
        description="Someone waits.\n\nAll night & more.",
    )

    work = parse_epub(data)

    assert work.title == "The Lantern"
    assert work.creator == "Wren, Ash"
    assert work.language == "fr"
    assert work.summary == "<p>Someone waits.</p><p>All night &amp; more.</p>"


def test_epub_html_description_is_kept_as_html():
    data = make_epub(
        [("c1.xhtml", "", "<p>Text.</p>")], description="<p>Someone <em>waits</em>.</p>"
    )

    assert parse_epub(data).summary == "<p>Someone <em>waits</em>.</p>"


def test_epub_has_a_chapter_per_spine_document_in_reading_order():
    data = make_epub(
        [
            ("b.xhtml", "Chapter 1: Dusk", "<h2>Chapter 1: Dusk</h2><p>The lantern flickered.</p>"),
            ("a.xhtml", "Dawn", "<p>Morning came.</p>"),
        ]
    )

    work = parse_epub(data)

    assert chapters_of(work) == [
        (1, "Dusk", "<p>The lantern flickered.</p>"),
        (2, "Dawn", "<p>Morning came.</p>"),
    ]


def test_epub_chapter_heading_wins_over_the_contents_title():
    data = make_epub([("c1.xhtml", "Part one", "<h1>The Storm</h1><p>Rain.</p>")])

    assert chapters_of(parse_epub(data)) == [(1, "The Storm", "<p>Rain.</p>")]


def test_epub_skips_navigation_cover_title_pages_and_documents_without_text():
    data = make_epub(
        [
            ("title.xhtml", "The Lantern", "<h1>The Lantern</h1><p>by Wren</p>"),
            ("front.xhtml", "", '<section epub:type="titlepage"><p>The Lantern</p></section>'),
            ("image.xhtml", "", '<p><img src="cover.png" alt=""/></p>'),
            ("c1.xhtml", "Dusk", "<p>The lantern flickered.</p>"),
        ]
    )

    work = parse_epub(data)

    assert chapters_of(work) == [(1, "Dusk", "<p>The lantern flickered.</p>")]


def test_epub_bodies_are_sanitised():
    body = (
        '<p onclick="steal()">Safe <a href="javascript:steal()">link</a></p>'
        "<script>steal()</script><style>p { color: red }</style>"
    )

    (chapter,) = parse_epub(make_epub([("c1.xhtml", "One", body)])).chapters

    assert chapter.body == '<p>Safe <a rel="nofollow noopener noreferrer ugc">link</a></p>'


def test_epub_without_title_leaves_it_to_the_importer():
    assert parse_epub(make_epub([("c1.xhtml", "", "<p>Text.</p>")], title="")).title == ""


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", b"PK\x03\x04broken"],
    ids=["empty", "text", "truncated zip"],
)
def test_a_file_that_is_not_a_zip_is_unreadable(data):
    with pytest.raises(Unreadable, match="not an EPUB"):
        parse_epub(data)


def zip_of(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "files",
    [
        {"mimetype": "application/epub+zip"},
        {
            "mimetype": "application/epub+zip",
            "META-INF/container.xml": '<container><rootfiles><rootfile full-path="x.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
        },
        {"word/document.xml": "<w:document/>"},
    ],
    ids=["no container", "missing package", "a word document"],
)
def test_a_zip_that_is_not_an_epub_is_unreadable(files):
    with pytest.raises(Unreadable, match="not a readable EPUB"):
        parse_epub(zip_of(files))


def test_a_zip_that_unpacks_too_large_is_refused():
    bomb = zip_of({"mimetype": "application/epub+zip", "big.xhtml": "a" * (MAX_UNPACKED_BYTES + 1)})

    with pytest.raises(Unreadable, match="unpacks to more than"):
        parse_epub(bomb)


def test_html_navigation_is_never_story_text():
    markup = (
        b"<h1>T</h1><nav><h2>Contents</h2><nav><a href='#a'>Inner</a></nav>"
        b"<ol><li>Chapter 1</li></ol></nav><p>Story.</p>"
    )

    work = parse_html(markup)

    assert chapters_of(work) == [(1, "", "<p>Story.</p>")]


def test_html_blocks_the_sanitiser_drops_still_separate_their_texts():
    markup = b"<dl><dt>Rating</dt><dd>General</dd></dl><section>Para</section>"

    (chapter,) = parse_html(markup).chapters

    assert chapter.body == "<p>Rating</p><p>General</p><p>Para</p>"
