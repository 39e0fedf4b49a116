"""EPUB 3, single-file HTML and PDF downloads of a work, built once per work revision.

All three files hold a title page with the work's metadata, then every chapter with its
title, summary, notes and end notes, then the work's end notes. Creator HTML (sanitised on
save) is rebuilt here as well-formed XHTML that is also valid HTML, so one set of templates
serves the EPUB, the HTML file and the PDF (laid out in `pdf.py`).
"""

import datetime
import hashlib
import html
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from ebooklib import epub

from archive.exporting import pdf
from archive.writing.sanitize import sanitize_html

EPUB_TYPE = "application/epub+zip"
HTML_TYPE = "text/html; charset=utf-8"
PDF_TYPE = "application/pdf"
CONTENT_TYPES = {"epub": EPUB_TYPE, "html": HTML_TYPE, "pdf": PDF_TYPE}
# A file is rebuilt only when its work changes (the key holds the revision), so it may stay
# a long while; the expiry just lets files of works nobody downloads any more leave the cache.
CACHE_SECONDS = 7 * 24 * 3600
# Changed with the files' layout, so that files built before the change are built again.
LAYOUT = 3
# The EPUB's package states the work's vocabulary and tags in the archive's own terms, one
# <meta property="archive:…"> each, so that importing the file gives the work back
# (archive/importing/archive_epub.py reads them).
METADATA_PREFIX = "archive"
METADATA_VOCABULARY = "urn:archive:metadata:"

VOID_TAGS = {"br", "hr"}
LIST_TAGS = {"ul", "ol"}
# Elements the HTML parser lets creators nest anywhere, but that XHTML allows only where
# flow content may go (not inside a paragraph, a heading or emphasis).
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr"}
# Elements whose content must be phrasing content only.
PHRASING_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "i", "strong", "b", "u", "s"}
PHRASING_TAGS |= {"sub", "sup", "span"}
LINK_SCHEMES = {"http", "https", "mailto"}
# Characters XML 1.0 cannot carry at all, even escaped.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


class _FragmentParser(HTMLParser):
    """Builds an element tree from sanitised HTML (closed tags, void <br> and <hr>)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("div")
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].append(element)
        if tag not in VOID_TAGS:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        parent = self.open[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def xml_text(text):
    """Text without the control characters XML cannot carry, even escaped."""
    return XML_INVALID.sub("", text or "")


def xhtml(markup, *, base_url=""):
    """Creator HTML as a well-formed XHTML fragment (also valid HTML), or "" when empty."""
    markup = sanitize_html(xml_text(markup))
    if not strip_tags(markup).strip() and "<hr" not in markup:
        return ""
    parser = _FragmentParser()
    parser.feed(markup)
    parser.close()
    _fit_content_model(parser.root, phrasing=False)
    _absolute_links(parser.root, base_url)
    parts = [escape(parser.root.text or "")]
    for child in parser.root:
        _serialise(child, parts)
    return mark_safe("".join(parts))


def _fit_content_model(element, *, phrasing):
    """Rearrange what the HTML parser let through but XHTML's content model forbids."""
    if phrasing:
        for child in element:
            if child.tag in BLOCK_TAGS:
                child.tag = "br" if child.tag == "hr" else "span"
    elif element.tag in LIST_TAGS:
        _wrap_loose_content_in_items(element)
    else:
        _wrap_stray_items_in_a_list(element)
    for child in element:
        _fit_content_model(child, phrasing=phrasing or child.tag in PHRASING_TAGS)


def _wrap_loose_content_in_items(element):
    """A list holds only <li>: text or other elements in it go into items of their own."""
    items, loose = [], None

    def loose_item():
        nonlocal loose
        if loose is None:
            loose = Element("li")
            items.append(loose)
        return loose

    def add_text(text):
        if text and text.strip():
            item = loose_item()
            if len(item):
                item[-1].tail = (item[-1].tail or "") + text
            else:
                item.text = (item.text or "") + text

    add_text(element.text)
    element.text = None
    for child in list(element):
        tail, child.tail = child.tail, None
        if child.tag == "li":
            items.append(child)
            loose = None
        else:
            loose_item().append(child)
        add_text(tail)
    element[:] = items


def _wrap_stray_items_in_a_list(element):
    """An <li> outside a list goes into a <ul> with the items next to it."""
    if not any(child.tag == "li" for child in element):
        return
    children, group = [], None
    for child in list(element):
        if child.tag != "li":
            children.append(child)
            group = None
            continue
        if group is None:
            group = Element("ul")
            children.append(group)
        group.append(child)
        if child.tail and child.tail.strip():
            group.tail, group = child.tail, None
        child.tail = None
    element[:] = children


def _absolute_links(root, base_url):
    """Links must work from a file on an e-reader: make them absolute, drop the unusable."""
    for link in root.iter("a"):
        target = _usable_target(link.get("href", ""), base_url)
        if target:
            link.set("href", target)
        else:
            # A link to nowhere is just its text (XHTML wants no rel without an href).
            link.tag = "span"
            link.attrib.clear()


def _usable_target(href, base_url):
    href = href.strip()
    # The chapters' own anchors are not kept, so a link within the page leads nowhere.
    if not href or href.startswith("#"):
        return ""
    try:
        target = urljoin(base_url, href) if base_url else href
        parts = urlsplit(target)
    except ValueError:
        return ""
    if parts.scheme not in LINK_SCHEMES or not (parts.netloc or parts.path):
        return ""
    return iri_to_uri(target)


def _serialise(element, parts):
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in element.attrib.items())
    if element.tag in VOID_TAGS:
        parts.append(f"<{element.tag}{attributes}/>")
    else:
        parts.append(f"<{element.tag}{attributes}>{escape(element.text or '')}")
        for child in element:
            _serialise(child, parts)
        parts.append(f"</{element.tag}>")
    parts.append(escape(element.tail or ""))


def plain_text(markup):
    """Creator HTML as one line of plain text (for metadata such as an EPUB description)."""
    return " ".join(html.unescape(strip_tags((markup or "").replace("<", " <"))).split())


@dataclass(frozen=True)
class ChapterText:
    position: int
    heading: str  # "Chapter 2: Title", for tables of contents
    # Over the chapter's text: the heading, or for a work's only chapter just the title the
    # creator gave it, if any (a one-shot is not "Chapter 1").
    text_heading: str
    summary: str
    notes: str
    body: str
    end_notes: str

    @property
    def file_name(self):
        return f"chapter-{self.position}.xhtml"


@dataclass(frozen=True)
class FileNames:
    slug: str  # ASCII, for the URL and the plain filename parameter
    unicode_slug: str  # for the RFC 5987 filename* parameter

    def content_disposition(self, extension):
        """An attachment header that names the file after the work in any browser."""
        quoted = iri_to_uri(f"{self.unicode_slug}.{extension}").replace("'", "%27")
        return f"attachment; filename=\"{self.slug}.{extension}\"; filename*=UTF-8''{quoted}"


def file_names(work):
    fallback = f"work-{work.pk}"
    return FileNames(
        slug=slugify(work.title)[:80].strip("-_") or fallback,
        unicode_slug=slugify(work.title, allow_unicode=True)[:80].strip("-_") or fallback,
    )


def download_url(work, kind):
    """Where the work's EPUB ("epub"), HTML ("html") or PDF ("pdf") file is, named after
    its title."""
    return reverse(f"archive:download_{kind}", args=[work.pk, file_names(work).slug])


def language(work):
    """The work's language as a tag EPUB readers accept; "und" (undetermined) otherwise."""
    return work.language if LANGUAGE_TAG.match(work.language or "") else "und"


def text_context(work, chapters, base_url):
    """What the download templates show of a work: its metadata and every chapter's text,
    as XHTML (so callers must only pass works the reader agreed to)."""
    chapters = list(chapters)
    only = len(chapters) == 1
    return {
        "work": work,
        "language": language(work),
        "work_url": urljoin(base_url, work.get_absolute_url()) if base_url else "",
        "summary": xhtml(work.summary, base_url=base_url),
        "notes": xhtml(work.notes, base_url=base_url),
        "end_notes": xhtml(work.end_notes, base_url=base_url),
        "chapters": [
            ChapterText(
                position=chapter.position,
                heading=chapter.heading,
                text_heading=chapter.title if only else chapter.heading,
                summary=xhtml(chapter.summary, base_url=base_url),
                notes=xhtml(chapter.notes, base_url=base_url),
                body=xhtml(chapter.body, base_url=base_url),
                end_notes=xhtml(chapter.end_notes, base_url=base_url),
            )
            for chapter in chapters
        ],
    }


def build_html(work, chapters, *, base_url=""):
    """The whole work as one HTML file, readable offline in any browser."""
    return xml_text(
        render_to_string("archive/download.html", text_context(work, chapters, base_url))
    )


def build_epub(work, chapters, *, base_url=""):
    """The whole work as an EPUB 3 book (with an EPUB 2 table of contents for old readers)."""
    context = text_context(work, chapters, base_url)
    book = epub.EpubBook()
    book.set_identifier(f"urn:archive:work:{work.pk}")
    book.set_title(xml_text(work.title))
    book.set_language(context["language"])
    book.add_author(xml_text(work.creator_display))
    book.add_metadata("DC", "date", work.published.isoformat())
    if work.summary:
        book.add_metadata("DC", "description", xml_text(plain_text(work.summary)))
    if context["work_url"]:
        book.add_metadata("DC", "source", context["work_url"])
    for tag in work.fandoms + work.relationships + work.characters + work.additional_tags:
        book.add_metadata("DC", "subject", xml_text(tag.name))
    _add_archive_metadata(book, work)
    style = render_to_string("archive/download/style.css")
    book.add_item(epub.EpubItem("style", "style.css", "text/css", style))
    for uid, file_name, title, body in _documents(work, context):
        page = {"language": context["language"], "title": title, "body": mark_safe(body)}
        content = xml_text(render_to_string("archive/download/document.xhtml", page))
        book.add_item(epub.EpubItem(uid, file_name, "application/xhtml+xml", content.encode()))
        book.toc.append(epub.Link(file_name, title, uid))
        book.spine.append(uid)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title="Contents"))

    out = io.BytesIO()
    updated = datetime.datetime.combine(work.updated, datetime.time())
    epub.write_epub(out, book, {"mtime": updated, "raise_exceptions": True})
    return out.getvalue()


def build_pdf(work, chapters, *, base_url=""):
    """The whole work as a PDF: the EPUB's pages, with its contents as the outline."""
    context = text_context(work, chapters, base_url)
    sections = [pdf.Section(title, body) for _, _, title, body in _documents(work, context)]
    tags = work.fandoms + work.relationships + work.characters + work.additional_tags
    info = pdf.Info(
        title=xml_text(work.title),
        author=xml_text(work.creator_display),
        subject=xml_text(plain_text(work.summary)),
        keywords=[xml_text(tag.name) for tag in tags],
        language=context["language"],
        updated=work.updated,
    )
    return pdf.render(sections, info)


def _documents(work, context):
    """(id, file name, title, body) of the title page, each chapter and the end notes, in
    reading order: the EPUB's files and the PDF's sections."""
    documents = [("title-page", "title.xhtml", work.title, "title_page.html", {})]
    for chapter in context["chapters"]:
        uid, extra = f"chapter-{chapter.position}", {"chapter": chapter}
        title = chapter.text_heading or work.title
        documents.append((uid, chapter.file_name, title, "chapter.html", extra))
    if context["end_notes"]:
        documents.append(("end-notes", "end-notes.xhtml", "End notes", "end_notes.html", {}))
    for uid, file_name, title, template, extra in documents:
        body = render_to_string(f"archive/download/{template}", {**context, **extra})
        yield uid, file_name, xml_text(title), xml_text(body)


BUILDERS = {"epub": build_epub, "html": build_html, "pdf": build_pdf}


def _add_archive_metadata(book, work):
    book.add_prefix(METADATA_PREFIX, METADATA_VOCABULARY)
    states = [
        ("rating", work.rating),
        *(("warning", warning) for warning in work.warning_values),
        *(("category", category) for category in work.categories),
        *((tag.kind, xml_text(tag.name)) for tag in sorted(work.tags.all(), key=_tag_order)),
        ("updated", work.updated.isoformat()),
        ("complete", "true" if work.complete else "false"),
    ]
    for name, value in states:
        prop = f"{METADATA_PREFIX}:{name}"
        book.add_metadata("OPF", prop, value, {"property": prop})


def _tag_order(tag):
    return tag.kind, tag.name


def cache_key(work, kind, base_url):
    """The revision changes with the text; the fingerprint catches what changes around it
    (a renamed tag, an orphaned work, a reused id), all read from the already-loaded work."""
    metadata = [
        work.title, work.creator_display, work.rating, work.categories, work.language,
        work.summary, work.notes, work.end_notes, work.published, work.updated, work.complete,
        work.expected_chapters, work.chapter_count, work.word_count, work.warning_values,
        sorted((tag.pk, tag.name, tag.kind) for tag in work.tags.all()), base_url,
    ]  # fmt: skip
    fingerprint = hashlib.sha256(repr(metadata).encode()).hexdigest()[:16]
    return f"download:{LAYOUT}:{kind}:{work.pk}:{work.revision}:{fingerprint}"


def cached_file(work, kind, *, base_url=""):
    """The work's EPUB, HTML or PDF file (by `kind`), built at most once per revision.

    The file is the same for every reader who may see the work, so one copy serves all.
    """
    # Keyed by the work's tags rather than the listing generation: a file can take long to
    # build, and the generation is renewed by every work posted anywhere.
    prefetch_related_objects([work], "tags")  # nothing to do if the work brought them
    key = cache_key(work, kind, base_url)
    content = cache.get(key)
    if content is None:
        chapters = list(work.chapters.posted().order_by("position"))
        content = BUILDERS[kind](work, chapters, base_url=base_url)
        if isinstance(content, str):
            content = content.encode()
        cache.set(key, content, CACHE_SECONDS)
    return content
