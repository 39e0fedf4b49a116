"""The one HTML allowlist for everything creators write: bodies, notes and summaries."""

import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "em", "i", "strong", "b", "u", "s", "sub", "sup",
    "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# A scene break's caption keeps its class so it can be styled apart from the prose, and a
# block keeps the alignment the editor gave it (archive.css). No style attribute is kept.
ALIGNMENTS = {"align-center", "align-right", "align-justify"}
ALIGNED_TAGS = ("p", "h3", "h4", "h5", "h6", "li", "blockquote")
ALLOWED_CLASSES = {tag: set(ALIGNMENTS) for tag in ALIGNED_TAGS}
ALLOWED_CLASSES["p"].add("break-caption")
URL_SCHEMES = {"http", "https", "mailto"}
# What nh3 leaves of a class attribute none of whose classes is allowed (Word's MsoNormal).
_EMPTY_CLASS = ' class=""'
_TOP_HEADING = re.compile(r"<(/?)h([12])(?=[\s/>])", re.IGNORECASE)


def sanitize_html(markup):
    """Keep only the allowed subset; everything else is stripped, with script content dropped."""
    cleaned = nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    # Text cannot hold this: nh3 writes its quotes as &quot; there.
    return cleaned.replace(_EMPTY_CLASS, "")


def demote_headings(markup):
    """A creator's <h1> and <h2> as <h3> and <h4>, as the importer reads them.

    The page's own <h1> and <h2> stay the only ones, and the sanitiser would drop these
    tags, running their text into what follows.
    """
    return _TOP_HEADING.sub(lambda match: f"<{match[1]}h{int(match[2]) + 2}", markup or "")
