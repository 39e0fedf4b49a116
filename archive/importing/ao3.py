"""Read an AO3 download (its HTML file, or its EPUB, which AO3 converts from that HTML) into
a ParsedWork with the work's metadata.

AO3's download templates lay a work out as a preface, <div id="preface">: a message naming
the work's address, the tags in <dl class="tags"> ("Rating:", "Archive Warning:", …,
"Series:", "Stats:"), the <h1> title, a "by" byline, and the summary and notes, each a
<blockquote class="userstuff"> after a paragraph naming it. Then <div id="chapters">: each
chapter opened by <h2 class="heading">, with its summary and notes named the same way around
its <div class="userstuff"> (a work of one chapter has the text alone); then an afterword with
the end notes. The EPUB splits the same markup into several documents. Only the layout is
trusted: every text is sanitised as a creator's would be.
"""

import datetime
import html
import re

from archive.importing import markup
from archive.importing.text import CHAPTER_RE, ParsedChapter, ParsedWork
from archive.languages import code_for
from archive.vocabulary import ArchiveWarning, Category, Rating


class Malformed(ValueError):
    """The file looks like an AO3 download but does not read as one; the message says why."""


# AO3 names ratings, warnings and categories as the archive does ("Underage" before 2023).
RATINGS = {member.label.lower(): member for member in Rating}
WARNINGS = {member.label.lower(): member for member in ArchiveWarning}
WARNINGS["underage"] = ArchiveWarning.UNDERAGE
CATEGORIES = {member.label.lower(): member for member in Category}
# The preface's <dt> labels, singular or plural as AO3 writes them, and what each holds.
FIELDS = {
    "rating": "rating",
    "archive warning": "warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "additional tag": "additional_tags",
    "freeform": "additional_tags",
    "language": "language",
    "series": "series",
    "stats": "stats",
}
# The paragraphs that name the <blockquote> after them.
TEXT_LABELS = {
    "summary": "summary",
    "notes": "notes",
    "end notes": "end_notes",
    "chapter summary": "chapter summary",
    "chapter notes": "chapter notes",
    "chapter end notes": "chapter end_notes",
}
SERIES_PART_RE = re.compile(r"part\s+(?P<position>\d+)\s+of\s*$", re.IGNORECASE)
PUBLISHED_RE = re.compile(r"Published:\s*(?P<date>\S+)")
UPDATED_RE = re.compile(r"(?P<label>Updated|Completed):\s*(?P<date>\S+)")
CHAPTERS_RE = re.compile(r"Chapters:\s*(?P<posted>\d+)\s*/\s*(?P<expected>\d+|\?)")
MAX_EXPECTED_CHAPTERS = 32767


def is_download(root):
    """Whether the element holds an AO3 download's preface: a tag list naming its rating."""
    return _tag_list(root) is not None


def parse(root, *, language=""):
    """The work in an AO3 download's element tree (an HTML file's body, or the bodies of an
    EPUB's documents one after another); its metadata in `metadata`. `language` is the
    code an EPUB declares, which wins over the language's name in the preface."""
    reader = _Reader(language)
    try:
        reader.walk(root)
    except RecursionError:
        raise Malformed("its markup is nested too deeply to read") from None
    work = reader.work
    work.chapters = [chapter for chapter in work.chapters if markup.has_text(chapter.body)]
    for position, chapter in enumerate(work.chapters, start=1):
        chapter.position = position
    work.notes = "\n".join(filter(None, [work.notes, *reader.archive_notes()]))
    work.credited = True
    return work


def _tag_list(root):
    for tag_list in root.iter("dl"):
        if "tags" in markup.classes(tag_list) and any(
            _field_name(term) == "rating" for term in tag_list.iter("dt")
        ):
            return tag_list
    return None


def _field_name(term):
    label = markup.text(term).rstrip(":").strip().lower()
    return FIELDS.get(label) or FIELDS.get(label.removesuffix("s"))


class _Reader:
    """Walks the tree in document order, taking each part of the layout as it comes."""

    def __init__(self, language):
        self.work = ParsedWork(language=language)
        self.address = ""
        self.unknown = []  # (what, value) the archive has no place for, for the notes
        self.label = None  # what the next <blockquote class="userstuff"> holds
        self.read_tags = False

    def walk(self, element):
        for child in markup.elements(element):
            self.visit(child)

    def visit(self, element):
        tag, classes = element.tag, markup.classes(element)
        if tag == "dl" and "tags" in classes and not self.read_tags:
            self.read_tags = True
            self.tags(element)
        elif tag == "h1":
            self.work.title = self.work.title or markup.text(element)
        elif "byline" in classes:
            # A chapter's own byline (<p class="byline">) names co-creators of one chapter.
            if tag == "div" and not self.work.creator:
                self.work.creator = _byline(element)
        elif "message" in classes:
            self.address = self.address or _work_address(element)
        elif tag == "h2":
            if "heading" in classes:
                self.work.chapters.append(ParsedChapter(0, title=_chapter_title(element)))
                self.label = None
        elif tag == "p" and _text_label(element):
            self.label = _text_label(element)
        elif tag == "blockquote" and "userstuff" in classes:
            self.labelled_text(markup.inner_html(element))
        elif "endnote-link" in classes:
            pass  # "See the end of the work for notes": a link, not a note
        elif tag == "div" and "userstuff" in classes and not self.holds_chapters(element):
            self.chapter_text(markup.inner_html(element))
        else:
            self.walk(element)

    def holds_chapters(self, element):
        """<div id="chapters" class="userstuff"> wraps the chapters; it is not their text."""
        return element.get("id") == "chapters" or any(
            "heading" in markup.classes(heading) for heading in element.iter("h2")
        )

    def labelled_text(self, text):
        label, self.label = self.label, None
        if label is None:
            return
        if label.startswith("chapter "):
            if not self.work.chapters:
                self.work.chapters.append(ParsedChapter(0))
            chapter = self.work.chapters[-1]
            field = label.removeprefix("chapter ")
            setattr(chapter, field, "\n".join(filter(None, [getattr(chapter, field), text])))
        else:
            setattr(self.work, label, "\n".join(filter(None, [getattr(self.work, label), text])))

    def chapter_text(self, text):
        chapters = self.work.chapters
        if not chapters or chapters[-1].body:
            chapters.append(ParsedChapter(0))
        chapters[-1].body = text
        self.label = None

    def tags(self, tag_list):
        """The preface's tag list: vocabulary, tags, language, series and dates."""
        metadata = self.work.metadata
        for term in tag_list.iter("dt"):
            field, values = _field_name(term), term.getnext()
            if field is None or values is None or values.tag != "dd":
                continue
            if field == "stats":
                metadata.update(_stats(markup.text(values)))
            elif field == "series":
                metadata["series"] = _series(values)
            elif field == "language":
                self.language(markup.text(values))
            elif field == "rating":
                metadata["rating"] = _rating(_names(values))
            elif field == "warnings":
                names = _names(values)
                metadata["warnings"] = [_known(WARNINGS, n, "archive warning") for n in names]
            elif field == "categories":
                # A category gates nothing: one the archive does not know is kept as a note.
                names = _names(values)
                known = [CATEGORIES[n.lower()].value for n in names if n.lower() in CATEGORIES]
                metadata["categories"] = known
                self.unknown += [("category", n) for n in names if n.lower() not in CATEGORIES]
            else:
                metadata[field] = _names(values)

    def language(self, name):
        """The language named in the preface, unless the EPUB declared its code."""
        if self.work.language:
            return
        code = code_for(name)
        if code:
            self.work.language = code
        elif name:
            self.unknown.append(("language", name))

    def archive_notes(self):
        """Where the work comes from, and what of its metadata the archive has no place for."""
        origin = "Originally posted on the Archive of Our Own"
        if self.work.creator:
            origin += f" by {self.work.creator}"
        notes = [html.escape(origin, quote=False)]
        if self.address:
            link = html.escape(self.address)
            notes[0] += f' at <a href="{link}">{link}</a>'
        notes[0] += "."
        for what, value in self.unknown:
            notes.append(html.escape(f"Its {what} on AO3: {value}.", quote=False))
        return [f"<p>{note}</p>" for note in notes]


def _text_label(paragraph):
    """What the <blockquote> after this paragraph holds, if it names one ("Notes")."""
    return TEXT_LABELS.get(markup.text(paragraph).rstrip(":").lower())


def _names(values):
    """The names in a <dd>: each link's text, or the text split at commas (AO3's tags never
    hold one)."""
    links = [markup.text(link) for link in values.iter("a")]
    names = links or markup.text(values).split(",")
    return [name for name in (" ".join(name.split()) for name in names) if name]


def _known(vocabulary, name, what):
    """The vocabulary's value for an AO3 name; an unknown one is refused, as the consent
    gate cannot guess what a reader must agree to."""
    member = vocabulary.get(name.lower())
    if member is None:
        known = ", ".join(dict.fromkeys(f"“{member.label}”" for member in vocabulary.values()))
        raise Malformed(f"unknown {what} “{name}”: the archive knows {known}")
    return member.value


def _rating(names):
    if len(names) > 1:
        raise Malformed("it gives more than one rating; a work has one")
    return _known(RATINGS, names[0], "rating") if names else None


def _stats(text):
    """Dates, completeness and the expected number of chapters from the "Stats:" line."""
    stats = {}
    published = PUBLISHED_RE.search(text)
    if published:
        stats["published"] = _date(published.group("date"), "Published")
    updated = UPDATED_RE.search(text)
    if updated:
        stats["updated"] = _date(updated.group("date"), updated.group("label"))
    chapters = CHAPTERS_RE.search(text)
    if chapters:
        expected = chapters.group("expected")
        if expected.isdigit() and 1 <= int(expected) <= MAX_EXPECTED_CHAPTERS:
            stats["expected_chapters"] = int(expected)
            stats["complete"] = int(chapters.group("posted")) >= int(expected)
    if updated and updated.group("label") == "Completed":
        stats["complete"] = True
    return stats


def _date(text, label):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise Malformed(f"its {label} date “{text}” is not a date (YYYY-MM-DD)") from None


def _series(values):
    """[(series title, the work's part in it)] from "Part 2 of <a>Title</a>, Part 1 of …"."""
    series = []
    for link in values.iter("a"):
        before = link.getprevious()
        preceding = (before.tail if before is not None else values.text) or ""
        part = SERIES_PART_RE.search(preceding)
        title = markup.text(link)
        if title:
            series.append((title, int(part.group("position")) if part else None))
    return series


def _byline(byline):
    names = [markup.text(link) for link in byline.iter("a")]
    if names:
        return ", ".join(filter(None, names))
    return re.sub(r"^by\s+", "", markup.text(byline), flags=re.IGNORECASE)


def _work_address(message):
    for link in message.iter("a"):
        href = (link.get("href") or "").strip()
        if "/works/" in href and href.startswith(("https://", "http://")):
            return href
    return ""


def _chapter_title(heading):
    """ "Chapter 3: Night" is titled "Night"; "Chapter 3" has no title."""
    text = markup.text(heading)
    match = CHAPTER_RE.match(text)
    return (match.group("title") or "").strip() if match else text
