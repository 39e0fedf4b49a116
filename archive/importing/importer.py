"""Turning text, HTML and EPUB files (and their metadata files) into works and chapters."""

import dataclasses
import datetime
import html
import os
import re
import tomllib
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from archive.importing import formats
from archive.importing.text import parse_work
from archive.listing import search
from archive.models import Chapter, Series, Tag, Work, WorkWarning
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind
from archive.writing import derived
from archive.writing.counters import refresh_work_counts
from archive.writing.posting import TAG_FIELDS, existing_tags, tag_name_problem, unique_names
from archive.writing.sanitize import sanitize_html
from archive.writing.series import add_work_to_series
from archive.writing.words import count_words

# A text that arrives without metadata may contain anything, so it is gated as strictly
# as the vocabulary allows until someone rates it.
UNKNOWN_CONTENT = {
    "rating": Rating.NOT_RATED,
    "warnings": [ArchiveWarning.CHOSE_NOT_TO_WARN],
    "category": Category.OTHER,
}
# They carry nothing a reader sees, and PostgreSQL refuses a NUL in text; tabs and line
# breaks are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Ratings from the least to the most a reader must agree to. Not Rated may hide anything, so
# an author's own rating never replaces it.
STRICTNESS = [Rating.GENERAL, Rating.TEEN, Rating.MATURE, Rating.EXPLICIT, Rating.NOT_RATED]
# How authors rate their own works in a header: FanFiction.net letters, film ratings, the
# archive's names.
DECLARED_RATINGS = {
    **dict.fromkeys(["k", "k+", "g", "pg", "general", "general audiences"], Rating.GENERAL),
    **dict.fromkeys(["t", "t+", "teen", "pg-13", "pg13", "teen and up"], Rating.TEEN),
    **dict.fromkeys(["teen and up audiences"], Rating.TEEN),
    **dict.fromkeys(["m", "mature", "r"], Rating.MATURE),
    **dict.fromkeys(["ma", "nc-17", "nc17", "x", "e", "explicit", "adult"], Rating.EXPLICIT),
    **dict.fromkeys(["not rated", "unrated", "nr"], Rating.NOT_RATED),
}
# How authors name what the archive warns for, in their own warning fields.
DECLARED_WARNINGS = {
    ArchiveWarning.CHOSE_NOT_TO_WARN: re.compile(r"cho+se not to (?:use archive )?warn"),
    ArchiveWarning.GRAPHIC_VIOLENCE: re.compile(r"violen|\bgor[ey]|tortur"),
    ArchiveWarning.MAJOR_CHARACTER_DEATH: re.compile(r"\bdeath|\bmcd\b|\bdies\b"),
    ArchiveWarning.NON_CON: re.compile(r"\brape|non[\s-]?con|dub[\s-]?con|dubious consent"),
    ArchiveWarning.UNDERAGE: re.compile(r"under[\s-]?age|shota|\bloli"),
}
# One warning item each: "Non-Con, torture; no character death" is three.
WARNING_ITEM_SPLIT_RE = re.compile(r"[,;/.!?()]+|\band\b")
# "No death", "none", "not graphic": an item that says what the work does not have.
NEGATED_RE = re.compile(r"(?:no|not|none|never|without)\b")


class ImportRejected(ValueError):
    """A file that cannot become a work; the message says why."""


def read_metadata(path):
    """The metadata file beside a text (same name, .toml), or {} when there is none."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        metadata = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ImportRejected(f"{path.name}: not valid TOML ({error})") from None
    _check_metadata(metadata, path.name)
    return metadata


def _categories(metadata):
    """The work's categories: `categories`, else `category`, each one code or a list."""
    found = metadata.get("categories", metadata.get("category", UNKNOWN_CONTENT["category"]))
    return [found] if isinstance(found, str) else found


def _check_metadata(metadata, name):
    """Refuse metadata of the wrong shape with a message, before anything is written."""

    def reject(problem):
        raise ImportRejected(f"{name}: {problem}")

    if metadata.get("rating", UNKNOWN_CONTENT["rating"]) not in Rating.values:
        reject(f"unknown rating {metadata.get('rating')!r}")
    categories = _categories(metadata)
    if not _is_list_of_text(categories):
        reject("category must be a category or a list of them")
    for category in categories:
        if category not in Category.values:
            reject(f"unknown category {category!r}")
    warnings = metadata.get("warnings", UNKNOWN_CONTENT["warnings"])
    if not _is_list_of_text(warnings):
        reject("warnings must be a list of archive warnings")
    if not warnings:
        reject("warnings must be chosen from the vocabulary: at least one is needed")
    if set(warnings) - set(ArchiveWarning.values):
        reject(f"warnings must be chosen from the vocabulary, got {warnings!r}")
    if len(set(warnings)) != len(warnings):
        reject("a warning is listed twice")
    if ArchiveWarning.NO_WARNINGS in warnings and len(warnings) > 1:
        reject("'no-warnings' cannot be combined with other warnings")
    if not isinstance(metadata.get("complete", False), bool):
        reject("complete must be true or false")
    expected = metadata.get("expected_chapters")
    if expected is not None and (type(expected) is not int or not 1 <= expected <= 32767):
        reject("expected_chapters must be a whole number from 1, or left out when unknown")
    for field in ["title", "creator", "summary", "language"]:
        if not isinstance(metadata.get(field, ""), str):
            reject(f"{field} must be text")
    if not all(map(_is_series_part, metadata.get("series", []))):
        reject("series must be a list of [series title, part number] pairs")
    for field in TAG_FIELDS:
        tags = metadata.get(field, [])
        if not _is_list_of_text(tags) or any(not tag.strip() for tag in tags):
            reject(f"{field} must be a list of tag names")
        if any(len(tag.strip()) > 100 for tag in tags):
            reject(f"a tag in {field} is longer than 100 characters")
        for problem in filter(None, (tag_name_problem(tag.strip()) for tag in tags)):
            reject(f"{field}: {problem}")


def _is_list_of_text(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_series_part(value):
    """A [title, position] pair; the position may be None (after the series' last part)."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return False
    title, position = value
    return (
        isinstance(title, str)
        and 0 < len(title.strip()) <= Series._meta.get_field("title").max_length
        and (position is None or (type(position) is int and position >= 1))
    )


def import_text_file(path, *, creator=None):
    """Import one .txt file, with the .toml beside it if there is one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name}: not UTF-8 text") from None
    metadata = read_metadata(path.with_suffix(".toml"))
    return import_text(text, metadata=metadata, creator=creator, name=path.name)


def import_text(text, *, metadata=None, creator=None, name="text"):
    """Make a work and its chapters from a plain text; all of it or nothing."""
    return create_imported_work(parse_work(text), metadata=metadata, creator=creator, name=name)


def _parse_text(data):
    return parse_work(formats.decode(data))


PARSERS = {
    ".txt": _parse_text,
    ".html": formats.parse_html,
    ".htm": formats.parse_html,
    ".epub": formats.parse_epub,
}


def import_file(source, *, creator=None, metadata=None, posted=True):
    """Import one .txt, .html or .epub file: a path (with the .toml beside it, unless
    `metadata` is given) or an uploaded file. All of it or nothing."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name, size, read = path.name, path.stat().st_size, path.read_bytes
        metadata_path = path.with_suffix(".toml")
    else:
        name, size, read = Path(source.name).name, source.size, source.read
        metadata_path = None
    parse = PARSERS.get(Path(name).suffix.lower())
    if parse is None:
        raise ImportRejected(f"{name}: only .txt, .html and .epub files can be imported")
    if size > settings.IMPORT_MAX_BYTES:
        limit = settings.IMPORT_MAX_BYTES / 1024 / 1024
        raise ImportRejected(f"{name}: larger than {limit:g} MB, the most the archive takes")
    if metadata is None and metadata_path:
        metadata = read_metadata(metadata_path)
    try:
        parsed = parse(read())
    except formats.Unreadable as error:
        raise ImportRejected(f"{name}: {error}") from None
    return create_imported_work(
        parsed, metadata=metadata, creator=creator, name=name, posted=posted
    )


@transaction.atomic
def create_imported_work(parsed, *, metadata=None, creator=None, name="text", posted=True):
    """Make a work and its chapters from a parsed file and its metadata; all or nothing.

    What the file says (title, creator, summary, language, and what an AO3 download or
    this archive's own EPUB states) wins over the metadata."""
    given = _clean({**UNKNOWN_CONTENT, **(metadata or {})})
    _check_metadata(given, name)
    parsed = _clean(parsed)
    metadata, stated_notes = _with_stated(parsed.metadata, given)
    _check_metadata(metadata, name)
    if not parsed.chapters or not any(chapter.body for chapter in parsed.chapters):
        raise ImportRejected(f"{name}: no story text found")
    title = parsed.title or metadata.get("title", "")
    if not title:
        raise ImportRejected(f"{name}: the text has no title and its metadata gives none")

    published = _date(metadata.get("published"), name, "published")
    # The archive keeps updated on or after published; a file saying otherwise is mistaken.
    updated = max(_date(metadata.get("updated", published), name, "updated"), published)
    if creator is None and metadata.get("series"):
        stated_notes += [_series_note(title, position) for title, position in metadata["series"]]
    rating, warnings, floor_notes = _content_floor(parsed, metadata)
    summary, summary_by_archive = parsed.summary, False
    if not summary and metadata.get("summary"):
        summary = f"<p>{html.escape(metadata['summary'], quote=False)}</p>"
        summary_by_archive = True
    work = Work.objects.create(
        title=title[:255],
        creator=creator,
        creator_name="" if creator else _creator_name(parsed, metadata),
        summary=sanitize_html(summary),
        summary_by_archive=summary_by_archive,
        notes=sanitize_html(
            "\n".join(
                filter(None, [_credit(parsed, creator), parsed.notes, *floor_notes, *stated_notes])
            )
        ),
        end_notes=sanitize_html(parsed.end_notes),
        rating=rating,
        categories=sorted(set(_categories(metadata))),
        language=(parsed.language or metadata.get("language", "en"))[:20],
        complete=bool(metadata.get("complete", False)) and not parsed.starts_mid_work,
        expected_chapters=metadata.get("expected_chapters"),
        published=published,
        updated=updated,
        is_posted=posted,
    )
    WorkWarning.objects.bulk_create(WorkWarning(work=work, warning=warning) for warning in warnings)
    work.tags.add(*_tags(metadata, name))
    if not metadata.get("relationships"):
        work.tags.add(*_pairing_tags(parsed.relationships))

    chapters = [
        Chapter(
            work=work,
            position=parsed_chapter.position,
            title=parsed_chapter.title[:255],
            summary=sanitize_html(parsed_chapter.summary),
            notes=sanitize_html(parsed_chapter.notes),
            end_notes=sanitize_html(parsed_chapter.end_notes),
            body=sanitize_html(parsed_chapter.body),
            published=published,
        )
        for parsed_chapter in parsed.chapters
    ]
    for chapter in chapters:
        chapter.word_count = count_words(chapter.body)
    Chapter.objects.bulk_create(chapters)
    refresh_work_counts(work)
    if creator is not None:
        for title, position in metadata.get("series", []):
            _join_series(work, title.strip(), position)
    derived.refresh([work])
    search.update_search_documents([work.pk])
    return work


def _with_stated(stated, metadata):
    """The metadata with what the file states winning: its vocabulary, dates and series
    replace the given ones, its tags join them. Returns the metadata and notes on what the
    work cannot hold: categories the archive does not know, names that cannot be tags."""
    merged, notes = dict(metadata), []
    for key, value in stated.items():
        if key in TAG_FIELDS:
            names = unique_names(value)
            usable = [tag for tag in names if tag_name_problem(tag) is None]
            if len(usable) < len(names):
                left = ", ".join(tag for tag in names if tag not in usable)
                kind = TAG_FIELDS[key].label
                notes.append(f"Its {kind} tags the archive cannot keep as tags: {left}.")
            merged[key] = unique_names([*metadata.get(key, []), *usable])
        elif key == "categories":
            # Every category the archive knows; any other is noted.
            known = [category for category in value if category in Category.values]
            if known:
                merged["categories"] = known
            others = [category for category in value if category not in Category.values]
            if others:
                notes.append(f"Its file also gives the categories {', '.join(others)}.")
        elif value is not None:
            merged[key] = value
    return merged, [f"<p>{html.escape(note, quote=False)}</p>" for note in notes]


def _join_series(work, title, position):
    """Make the work a part of its creator's series of that title (made if missing), at
    `position` if the series has that many parts yet, else after its last."""
    series = Series.objects.filter(creator=work.creator, title=title).order_by("pk").first()
    if series is None:
        series = Series.objects.create(creator=work.creator, title=title)
    last = series.parts.count() + 1
    add_work_to_series(series=series, work=work, position=min(position or last, last))


def _series_note(title, position):
    part = f"part {position}" if position else "a part"
    return f"<p>{html.escape(f'It was {part} of the series {title}.', quote=False)}</p>"


def _clean(value):
    """The value with control characters taken out of every string in it: strings, lists,
    dicts (metadata) and dataclasses (a parsed work and its chapters)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        cleaned = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **cleaned)
    return value


def _tags(metadata, name):
    """The metadata's tags, reusing existing ones whatever their case (as posting does); a
    name already used for another kind is an error rather than a silent re-kinding."""
    tags = []
    existing = existing_tags(tag.strip() for field in TAG_FIELDS for tag in metadata.get(field, []))
    for field, kind in TAG_FIELDS.items():
        for tag_name in metadata.get(field, []):
            tag = _found_or_made(tag_name.strip(), kind, existing)
            if tag.kind != kind:
                raise ImportRejected(
                    f"{name}: tag {tag_name!r} is already a {tag.get_kind_display()} tag"
                )
            tags.append(tag)
    return tags


def _found_or_made(name, kind, existing):
    """The tag called `name` whatever its case (from `existing`, by lower-cased name), or a
    new one of `kind`, remembered in `existing` for the names that follow."""
    tag = existing.get(name.lower())
    if tag is None:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": kind})
        existing[name.lower()] = tag
    return tag


def _content_floor(parsed, metadata):
    """The rating and warnings to give the work: the metadata's, raised to what the author's
    own header declares (never lowered by it), with a note for each change."""
    rating, warnings, notes = metadata["rating"], list(metadata["warnings"]), []
    declared = DECLARED_RATINGS.get(_normalised(parsed.declared_rating))
    if declared and STRICTNESS.index(declared) > STRICTNESS.index(rating):
        notes.append(
            f"The archive rates this work {declared.label}, not {Rating(rating).label}, "
            f"because its author rated it {parsed.declared_rating}."
        )
        rating = declared
    added = [w for w in _declared_warnings(parsed.declared_warnings) if w not in warnings]
    if added:
        labels = ", ".join(ArchiveWarning(warning).label for warning in added)
        notes.append(
            f"The archive adds the warnings {labels}: its author's own warnings name them."
        )
        warnings = [w for w in warnings if w != ArchiveWarning.NO_WARNINGS] + added
    return rating, warnings, [f"<p>{html.escape(note, quote=False)}</p>" for note in notes]


def _declared_warnings(fields):
    """The archive warnings an author's own warning fields name, in vocabulary order."""
    items = [item.strip().lower() for text in fields for item in WARNING_ITEM_SPLIT_RE.split(text)]
    named = [item for item in items if not NEGATED_RE.match(item)]
    return [
        warning
        for warning, spelling in DECLARED_WARNINGS.items()
        if any(spelling.search(item) for item in named)
    ]


def _normalised(rating):
    return " ".join(rating.lower().strip(" .!").split())


def _pairing_tags(pairings):
    """Relationship tags for the pairings a text's header names, reusing existing tags
    whatever their case. A name that cannot be a tag, or is a tag of another kind, is left
    out: the pairings stay in the notes either way."""
    names = [name for name in dict.fromkeys(p.strip() for p in pairings) if name]
    names = [name for name in names if tag_name_problem(name) is None]
    existing = existing_tags(names)
    tags = []
    for name in names:
        tag = _found_or_made(name, TagKind.RELATIONSHIP, existing)
        if tag.kind == TagKind.RELATIONSHIP:
            tags.append(tag)
    return tags


def _credit(parsed, creator):
    """The file's own byline, kept in the notes of a work imported into someone's account
    (the work is theirs, so the byline names no one else); "" when it names them."""
    if creator is None or not parsed.creator or parsed.credited:
        return ""
    if parsed.creator.lower() == creator.username.lower():
        return ""
    return f"<p>Credited in the imported file: by {html.escape(parsed.creator, quote=False)}</p>"


def _creator_name(parsed, metadata):
    name = parsed.creator or metadata.get("creator") or "Anonymous"
    return name[: Work._meta.get_field("creator_name").max_length]


def _date(value, name, field):
    if value is None:
        return timezone.localdate()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ImportRejected(f"{name}: {field} must be a date (YYYY-MM-DD)") from None
