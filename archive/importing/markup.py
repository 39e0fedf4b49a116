"""Element trees of imported HTML and XHTML, for the readers of known layouts (an AO3
download, this archive's own EPUB): a document's body, classes, one-line texts, and the
markup inside an element, cleaned as a creator's own would be."""

import html
import re

import lxml.html
from lxml import etree

from archive.writing.sanitize import demote_headings, sanitize_html

# Blocks the sanitiser does not keep, read as paragraphs so their texts do not run together.
BLOCKS_AS_PARAGRAPHS = (
    "div", "section", "article", "header", "footer", "main", "aside", "address", "center",
    "dt", "dd", "figcaption", "caption", "td", "th",
)  # fmt: skip
_TAG = re.compile(r"<[^>]*>")
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>")


class Truncated(ValueError):
    """The document nests deeper than libxml2 reads (256 elements); `body` holds the part
    read before it stopped."""

    def __init__(self, body):
        super().__init__("its markup is nested too deeply to read")
        self.body = body


def body(data):
    """The <body> of an HTML or XHTML document (bytes, UTF-8 unless it declares otherwise),
    or an empty element for a document without one."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        found = lxml.html.document_fromstring(data, parser=parser).body
    except (etree.ParserError, IndexError):
        found = None  # an empty document, or one lxml finds no element in
    found = found if found is not None else lxml.html.Element("body")
    if any(error.level == etree.ErrorLevels.FATAL for error in parser.error_log):
        raise Truncated(found)
    return found


def elements(parent):
    """The child elements, without the comments and entities lxml may still hold."""
    return [child for child in parent if isinstance(child.tag, str)]


def classes(element):
    return set((element.get("class") or "").split())


def text(element):
    """The element's text on one line."""
    return " ".join(element.text_content().split())


def inner_html(element):
    """The markup inside the element, sanitised, without empty paragraphs; its own top
    headings demoted as the importer does elsewhere."""
    for block in element.iter(*BLOCKS_AS_PARAGRAPHS):
        if block is not element:
            block.tag = "p"
    markup = html.escape(element.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in element
    )
    return _EMPTY_PARAGRAPH.sub("", sanitize_html(demote_headings(markup))).strip()


def has_text(markup):
    """Whether the markup holds any visible text."""
    return bool(html.unescape(_TAG.sub("", markup)).strip())
