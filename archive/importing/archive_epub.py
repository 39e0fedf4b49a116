"""Read back an EPUB this archive made (archive/exporting/downloads.py), so that a work
moves from one archive to another with everything its file holds.

The package states the rating, warnings, category, tags and dates as
<meta property="archive:…"> entries; the title page holds the summary and notes, each
chapter's document its title, summary, notes, text and end notes in sections with classes.
"""

import datetime

from ebooklib import epub

from archive.exporting.downloads import METADATA_PREFIX
from archive.importing import markup
from archive.importing.text import CHAPTER_RE, ParsedChapter, ParsedWork
from archive.vocabulary import TagKind

# The tag kinds' properties, and the importer's metadata key for each.
TAG_KEYS = {
    TagKind.FANDOM: "fandoms",
    TagKind.RELATIONSHIP: "relationships",
    TagKind.CHARACTER: "characters",
    TagKind.ADDITIONAL: "additional_tags",
}
# The sections of the title page and the end notes page, by class.
WORK_TEXTS = {"summary": "summary", "notes": "notes", "end-notes": "end_notes"}


def made_here(book):
    """Whether the book's package states a work in the archive's own terms."""
    return "rating" in _properties(book)


def parse(book):
    """The work in an EPUB this archive made, with its metadata."""
    properties = _properties(book)
    work = ParsedWork(
        title=_first(book.get_metadata("DC", "title")),
        creator=_first(book.get_metadata("DC", "creator")),
        language=_first(book.get_metadata("DC", "language")),
        metadata={
            "rating": _first(properties.get("rating")),
            "warnings": properties.get("warning", []),
            "categories": properties.get("category", []),
            **{key: properties.get(kind, []) for kind, key in TAG_KEYS.items()},
            "complete": properties.get("complete") == ["true"],
        },
    )
    dates = {
        "published": _date(_first(book.get_metadata("DC", "date"))),
        "updated": _date(_first(properties.get("updated"))),
    }
    work.metadata.update((key, date) for key, date in dates.items() if date)
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if isinstance(item, epub.EpubHtml) and not isinstance(item, epub.EpubNav):
            _read_document(markup.body(item.content), work)
    return work


def _properties(book):
    """{name: [values]} of the package's archive:… properties, in document order."""
    found = {}
    for value, attributes in book.get_metadata("OPF", "meta"):
        prefix, _, name = (attributes.get("property") or "").partition(":")
        if prefix == METADATA_PREFIX and value and value.strip():
            found.setdefault(name, []).append(" ".join(value.split()))
    return found


def _first(values):
    for value in values or []:
        value = value[0] if isinstance(value, tuple) else value
        if value and value.strip():
            return " ".join(value.split())
    return ""


def _date(text):
    """The date, or None for a missing or damaged one (the importer then takes today)."""
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _read_document(body, work):
    """Take what one of the book's documents holds: the title page's summary and notes, a
    chapter, or the end notes."""
    for section in list(body.iter("section")):
        found = markup.classes(section)
        field = next((WORK_TEXTS[name] for name in WORK_TEXTS if name in found), None)
        if field:
            _drop_heading(section)
            setattr(work, field, markup.inner_html(section))
        elif "chapter" in found:
            work.chapters.append(_chapter(section, position=len(work.chapters) + 1))


def _chapter(section, *, position):
    chapter = ParsedChapter(position)
    text_seen = False
    for part in markup.elements(section):
        found = markup.classes(part)
        if part.tag == "h2":
            chapter.title = _chapter_title(markup.text(part))
            continue
        _drop_heading(part)
        if "chapter-text" in found:
            chapter.body, text_seen = markup.inner_html(part), True
        elif "chapter-summary" in found:
            chapter.summary = markup.inner_html(part)
        elif "chapter-notes" in found:
            field = "end_notes" if text_seen else "notes"
            setattr(chapter, field, markup.inner_html(part))
    return chapter


def _drop_heading(section):
    """A section's own heading ("Summary", "Chapter notes") is the file's, not the work's."""
    first = next(iter(markup.elements(section)), None)
    if first is not None and first.tag in ("h2", "h3"):
        first.drop_tree()


def _chapter_title(heading):
    """ "Chapter 3: Night" is titled "Night"; a work of one chapter shows its title alone."""
    match = CHAPTER_RE.match(heading)
    return (match.group("title") or "").strip() if match else heading
