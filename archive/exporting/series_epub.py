"""A series as one EPUB: every part the reader agreed to, in order, each with its title
page, chapters and end notes as in the work's own EPUB; the parts left out are named on the
book's contents page with the reason, and none of their text is read.
"""

import datetime
import hashlib
import io
from urllib.parse import urljoin

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from ebooklib import epub

from archive.exporting import downloads
from archive.exporting.downloads import xml_text
from archive.models import Chapter

EPUB_TYPE = downloads.EPUB_TYPE


def file_names(series):
    fallback = f"series-{series.pk}"
    return downloads.FileNames(
        slug=slugify(series.title)[:80].strip("-_") or fallback,
        unicode_slug=slugify(series.title, allow_unicode=True)[:80].strip("-_") or fallback,
    )


def cached_epub(series, agreed, skipped, hidden_count, *, base_url=""):
    """The book for these parts, built once for each set of parts and their revisions.

    `agreed` are SeriesPart rows the request agreed to, `skipped` (part, [labels of what
    it needs]) pairs, `hidden_count` how many parts the reader's exclusions hide.
    """
    key = _cache_key(series, agreed, skipped, hidden_count, base_url)
    content = cache.get(key)
    if content is None:
        content = build_epub(series, agreed, skipped, hidden_count, base_url=base_url)
        cache.set(key, content, downloads.CACHE_SECONDS)
    return content


def build_epub(series, agreed, skipped, hidden_count, *, base_url=""):
    chapters = _chapters_of([part.work for part in agreed])
    book = epub.EpubBook()
    book.set_identifier(f"urn:archive:series:{series.pk}")
    book.set_title(xml_text(series.title))
    languages = {downloads.language(part.work) for part in agreed}
    language = languages.pop() if len(languages) == 1 else "und"
    book.set_language(language)
    book.add_author(xml_text(series.creator.username))
    series_url = urljoin(base_url, series.get_absolute_url()) if base_url else ""
    if series.summary:
        book.add_metadata("DC", "description", xml_text(downloads.plain_text(series.summary)))
    if series_url:
        book.add_metadata("DC", "source", series_url)
    style = render_to_string("archive/download/style.css")
    book.add_item(epub.EpubItem("style", "style.css", "text/css", style))

    contents = {
        "series": series,
        "series_url": series_url,
        "summary": downloads.xhtml(series.summary, base_url=base_url),
        "notes": downloads.xhtml(series.notes, base_url=base_url),
        "entries": _entries(agreed, skipped, base_url),
        "hidden_count": hidden_count,
    }
    _add_document(
        book, "contents", "series.xhtml", series.title, language, "series_contents.html", contents
    )
    book.toc.append(epub.Link("series.xhtml", xml_text(series.title), "contents"))
    for part in agreed:
        book.toc.append(_add_part(book, part, chapters.get(part.work_id, []), base_url))
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title="Contents"))

    out = io.BytesIO()
    updated = series.updated_at.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    epub.write_epub(out, book, {"mtime": updated, "raise_exceptions": True})
    return out.getvalue()


def _chapters_of(works):
    """{work id: its chapters in order}, in one query, for the parts agreed to only."""
    found = {}
    rows = Chapter.objects.posted().filter(work__in=[work.pk for work in works])
    rows = rows.order_by("position")
    for chapter in rows:
        found.setdefault(chapter.work_id, []).append(chapter)
    return found


def _entries(agreed, skipped, base_url):
    """The contents page's list: every part listed, in order, linked or with its reason."""
    entries = [
        {"position": part.position, "title": part.work.title, "file": _part_file(part)}
        for part in agreed
    ]
    for part, labels in skipped:
        work_url = urljoin(base_url, part.work.get_absolute_url()) if base_url else ""
        entries.append(
            {
                "position": part.position,
                "title": part.work.title,
                "needs": ", ".join(labels),
                "work_url": work_url,
            }
        )
    return sorted(entries, key=lambda entry: entry["position"])


def _part_file(part):
    return f"part-{part.position}.xhtml"


def _add_part(book, part, chapters, base_url):
    """A part's title page, chapters and end notes; returns its table-of-contents entry."""
    work = part.work
    context = downloads.text_context(work, chapters, base_url)
    heading = f"Part {part.position}: {work.title}"
    prefix = f"part-{part.position}"
    _add_document(
        book, prefix, _part_file(part), heading, context["language"], "title_page.html", context
    )
    links = []
    for chapter in context["chapters"]:
        uid = f"{prefix}-chapter-{chapter.position}"
        _add_document(
            book,
            uid,
            f"{uid}.xhtml",
            chapter.heading,
            context["language"],
            "chapter.html",
            {**context, "chapter": chapter},
        )
        links.append(epub.Link(f"{uid}.xhtml", xml_text(chapter.heading), uid))
    if context["end_notes"]:
        uid = f"{prefix}-end-notes"
        _add_document(
            book, uid, f"{uid}.xhtml", "End notes", context["language"], "end_notes.html", context
        )
        links.append(epub.Link(f"{uid}.xhtml", "End notes", uid))
    return (epub.Section(xml_text(heading), _part_file(part)), links)


def _add_document(book, uid, file_name, title, language, template, context):
    body = render_to_string(f"archive/download/{template}", context)
    page = {"language": language, "title": title, "body": mark_safe(body)}
    content = xml_text(render_to_string("archive/download/document.xhtml", page))
    book.add_item(epub.EpubItem(uid, file_name, "application/xhtml+xml", content.encode()))
    book.spine.append(uid)


def _cache_key(series, agreed, skipped, hidden_count, base_url):
    """Each part agreed to by its own download's key (its revision and metadata), the rest
    by what the contents page says of them, and the series' own metadata."""
    metadata = [
        series.title, series.creator.username, series.summary, series.notes, series.complete,
        series.updated_at, base_url, hidden_count,
        [(part.position, downloads.cache_key(part.work, "epub", base_url)) for part in agreed],
        [(part.position, part.work.pk, part.work.title, labels) for part, labels in skipped],
    ]  # fmt: skip
    fingerprint = hashlib.sha256(repr(metadata).encode()).hexdigest()[:24]
    return f"download:series-epub:{series.pk}:{fingerprint}"
