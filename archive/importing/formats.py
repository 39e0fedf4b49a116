"""Read HTML and EPUB files into the ParsedWork that the importer makes works from.

Like text_import, this never touches the database. Chapter bodies come out sanitised;
headings become titles: in an HTML file the <h1> titles the work and each <h2> opens a
chapter, in an EPUB each document of the reading order that has text is a chapter. AO3
downloads and this archive's own EPUBs are recognised and read with their metadata.
"""

import html
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath

import lxml.html
from ebooklib import epub

from archive.importing import ao3, archive_epub, markup
from archive.importing.markup import has_text
from archive.importing.text import CHAPTER_RE, ParsedChapter, ParsedWork
from archive.writing.sanitize import sanitize_html

# A small EPUB can unpack to gigabytes, and EbookLib reads every file into memory. 16 MB
# holds a work of two million words; reading that much HTML takes seconds already.
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
# Elements whose content is never story text (a <title> is read separately).
HIDDEN_CONTENT = {"title", "script", "style", "template", "noscript", "nav"}
# Blocks the sanitiser does not keep, read as paragraphs so their texts do not run together.
BLOCKS_AS_PARAGRAPHS = {
    "div", "section", "article", "header", "footer", "main", "aside", "address", "center",
    "dt", "dd", "figcaption", "caption", "td", "th",
}  # fmt: skip
HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3}
# Front matter an EPUB marks as such (epub:type, or the guide of EPUB 2), and the names
# that tools give it (Calibre's titlepage.xhtml, this archive's own title.xhtml).
FRONT_MATTER_TYPES = {"cover", "titlepage", "halftitlepage", "title-page", "toc", "landmarks"}
FRONT_MATTER_NAMES = {"cover", "title", "titlepage", "title-page", "title_page", "toc", "nav"}
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n")


class Unreadable(ValueError):
    """The file is not what its name says; the message says why."""


def decode(data):
    """Bytes as UTF-8 text, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None


def parse_html(data):
    """A work from one HTML file: titled by its <h1> (else its <title>), with a chapter for
    each <h2>; text before the first <h2> becomes the work's notes. An AO3 download is read
    as AO3 lays it out."""
    text = decode(data)
    if _is_download(data):
        return _ao3_work(_download_body(data))
    document = _read(text)
    parts = document.parts
    title_at = next((i for i, part in enumerate(parts) if _is_heading(part, 1)), None)
    title = parts.pop(title_at).text if title_at is not None else ""
    work = ParsedWork(title=title or document.page_title, creator=document.author)
    sections = [("", [])]
    for part in parts:
        if _is_heading(part, 2):
            sections.append((part.text, []))
        else:
            sections[-1][1].append(part)
    if len(sections) > 1:
        preface = _body(sections.pop(0)[1])
        work.notes = preface if has_text(preface) else ""
    for heading, section in sections:
        _add_chapter(work, heading, _body(section))
    return work


def parse_epub(data):
    """A work from an EPUB: title, creator, language and summary from its metadata, and a
    chapter for each document of its reading order that has text, front matter left out.
    AO3 downloads and this archive's own EPUBs are read as they are laid out."""
    book = _read_epub(data)
    if archive_epub.made_here(book):
        try:
            return archive_epub.parse(book)
        except markup.Truncated as error:
            raise Unreadable(f"an EPUB from this archive, but {error}") from None
    download = _ao3_download(book)
    if download is not None:
        return _ao3_work(download, language=_metadata(book, "language"))
    work = ParsedWork(
        title=_metadata(book, "title"),
        creator=", ".join(map(_one_line, _metadata_values(book, "creator"))),
        language=_metadata(book, "language"),
        summary=_summary(next(iter(_metadata_values(book, "description")), "")),
    )
    contents = _contents_titles(book.toc)
    front_matter = {
        _path(reference.get("href"))
        for reference in book.guide
        if (reference.get("type") or "").lower() in FRONT_MATTER_TYPES
    }
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if not _is_chapter_document(item, front_matter):
            continue
        document = _read(decode(item.content))
        if document.types & FRONT_MATTER_TYPES:
            continue
        heading, parts = _leading_heading(document.parts)
        _add_chapter(work, heading or contents.get(item.file_name, ""), _body(parts))
    return work


@dataclass
class _Heading:
    level: int
    text: str

    def markup(self):
        # Headings left in a body become <h3>, the largest the sanitiser keeps.
        return f"<h3>{html.escape(self.text, quote=False)}</h3>" if self.text else ""


def _is_heading(part, level):
    return isinstance(part, _Heading) and part.level == level and part.text


class _Document(HTMLParser):
    """One HTML document as a list of parts in document order: markup, and the text of its
    <h1>–<h3> headings; with its <title>, its author <meta> and the epub:type values used."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.page_title = ""
        self.author = ""
        self.types = set()
        self._hidden = None  # the element whose content is being left out
        self._hidden_depth = 0  # how many of it are open (a <nav> may hold a <nav>)
        self._titles = []
        self._heading = None  # (level, [text]) while inside a heading

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.types.update((attributes.get("epub:type") or "").lower().split())
        if tag == "meta" and (attributes.get("name") or "").lower() == "author":
            self.author = self.author or (attributes.get("content") or "").strip()
        if self._hidden:
            if tag == self._hidden:
                self._hidden_depth += 1
            return
        if tag in HIDDEN_CONTENT:
            self._hidden, self._hidden_depth = tag, 1
            if tag == "title":
                self._titles.append("")
        elif tag in HEADING_LEVELS:
            self._end_heading()
            self._heading = (HEADING_LEVELS[tag], [])
        elif self._heading is None:
            self.parts.append(_start_tag(tag, attrs))

    def handle_startendtag(self, tag, attrs):
        # XHTML's <script src="…"/> and <h2/> have no content to hide or collect.
        if tag in HIDDEN_CONTENT or tag in HEADING_LEVELS:
            self.types.update((dict(attrs).get("epub:type") or "").lower().split())
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self._hidden:
            if tag == self._hidden:
                self._hidden_depth -= 1
            if self._hidden_depth == 0:
                self._hidden = None
        elif tag in HEADING_LEVELS:
            self._end_heading()
        elif self._heading is None and tag not in HIDDEN_CONTENT:
            self.parts.append(f"</{_paragraph_for(tag)}>")

    def handle_data(self, data):
        if self._hidden == "title":
            self._titles[-1] += data
        elif self._heading is not None:
            self._heading[1].append(data)
        elif not self._hidden:
            self.parts.append(html.escape(data, quote=False))

    def close(self):
        super().close()
        self._end_heading()
        self.page_title = next((t for t in map(_one_line, self._titles) if t), "")

    def _end_heading(self):
        if self._heading is not None:
            level, text = self._heading
            self.parts.append(_Heading(level, _one_line("".join(text))))
            self._heading = None


def _read(text):
    document = _Document()
    document.feed(text)
    document.close()
    return document


def _paragraph_for(tag):
    return "p" if tag in BLOCKS_AS_PARAGRAPHS else tag


def _start_tag(tag, attrs):
    attributes = "".join(
        f' {name}="{html.escape(value or "")}"'
        for name, value in attrs
        if name in ("href", "title")
    )
    return f"<{_paragraph_for(tag)}{attributes}>"


def _one_line(text):
    return " ".join(text.split())


def _body(parts):
    """The parts as one sanitised body, without the empty paragraphs divisions leave."""
    markup = "".join(part.markup() if isinstance(part, _Heading) else part for part in parts)
    return _EMPTY_PARAGRAPH.sub("", sanitize_html(markup)).strip()


def _add_chapter(work, heading, body):
    """Add a chapter unless it has no text; "Chapter 3: Night" is titled "Night"."""
    if not has_text(body):
        return
    match = CHAPTER_RE.match(heading)
    title = (match.group("title") or "").strip().rstrip(".").strip() if match else heading
    work.chapters.append(ParsedChapter(position=len(work.chapters) + 1, title=title, body=body))


def _leading_heading(parts):
    """The heading that opens a document before any text, and the parts without it."""
    for index, part in enumerate(parts):
        if isinstance(part, _Heading):
            return part.text, parts[:index] + parts[index + 1 :]
        if has_text(part):
            break
    return "", parts


def _ao3_download(book):
    """An AO3 EPUB's documents, their bodies one after another in one element, or None
    when the book's first documents hold no AO3 preface."""
    documents = [
        item
        for item in map(book.get_item_with_id, (idref for idref, _linear in book.spine))
        if isinstance(item, epub.EpubHtml) and not isinstance(item, epub.EpubNav)
    ]
    if not any(_is_download(item.content) for item in documents[:2]):
        return None
    combined = lxml.html.Element("div")
    for item in documents:
        combined.extend(markup.elements(_download_body(item.content)))
    return combined


def _is_download(data):
    """Whether the document holds an AO3 download's preface."""
    try:
        return ao3.is_download(markup.body(data))
    except markup.Truncated as error:
        # Any other HTML is read as it is below, however deep it nests.
        if ao3.is_download(error.body):
            raise Unreadable(f"an AO3 download, but {error}") from None
        return False


def _download_body(data):
    try:
        return markup.body(data)
    except markup.Truncated as error:
        raise Unreadable(f"an AO3 download, but {error}") from None


def _ao3_work(root, *, language=""):
    try:
        return ao3.parse(root, language=language)
    except ao3.Malformed as error:
        raise Unreadable(f"an AO3 download, but {error}") from None


def _read_epub(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise Unreadable("not an EPUB: the file is not a zip archive, or it is damaged") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise Unreadable(f"unpacks to more than {MAX_UNPACKED_BYTES // 1024 // 1024} MB")
    try:
        return epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
    except Exception:
        # EbookLib fails on a broken book with whatever error its parsing meets (a missing
        # container, an OPF without a spine, a damaged entry); all mean the same here.
        raise Unreadable("not a readable EPUB: its package is missing or damaged") from None


def _metadata_values(book, name):
    values = (value for value, _attributes in book.get_metadata("DC", name))
    return [value.strip() for value in values if value and value.strip()]


def _metadata(book, name):
    return _one_line(next(iter(_metadata_values(book, name)), ""))


def _summary(description):
    """An EPUB description is HTML for some tools and plain text for others."""
    if not description or _LOOKS_LIKE_HTML.search(description):
        return description
    paragraphs = (_one_line(part) for part in _BLANK_LINES.split(description))
    return "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in paragraphs if part)


def _path(href):
    return (href or "").split("#", 1)[0]


def _contents_titles(toc):
    """The table of contents as {document path: its entry's title}; the first entry wins."""
    titles = {}
    for entry in toc:
        if isinstance(entry, tuple):
            section, children = entry
            titles.setdefault(_path(section.href), _one_line(section.title or ""))
            for path, title in _contents_titles(children).items():
                titles.setdefault(path, title)
        else:
            titles.setdefault(_path(entry.href), _one_line(entry.title or ""))
    titles.pop("", None)
    return titles


def _is_chapter_document(item, front_matter):
    return (
        isinstance(item, epub.EpubHtml)
        and not isinstance(item, epub.EpubNav | epub.EpubCoverHtml)
        and item.file_name not in front_matter
        and PurePosixPath(item.file_name).stem.lower() not in FRONT_MATTER_NAMES
    )
