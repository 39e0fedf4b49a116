"""Posting and editing works and chapters, keeping counters, revision, search, the work's
families and warning set, and the listing generation in step (archive.writing.derived).

Every function here writes under a lock on the work's row, so two edits of one work
(say, two chapters added at once) take turns instead of colliding on chapter positions.
"""

import re

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.text import slugify

from archive.listing import search
from archive.models import Chapter, Series, Tag, Work, WorkWarning
from archive.stats import days
from archive.vocabulary import TagKind
from archive.writing import derived, news
from archive.writing import series as series_writing
from archive.writing.sanitize import demote_headings, sanitize_html
from archive.writing.words import count_words

# A work's tag boxes and the kind of tag each holds (forms and metadata files use these names).
TAG_FIELDS = {
    "fandoms": TagKind.FANDOM,
    "relationships": TagKind.RELATIONSHIP,
    "characters": TagKind.CHARACTER,
    "additional_tags": TagKind.ADDITIONAL,
}
WORK_TEXT_FIELDS = ("summary", "notes", "end_notes")
CHAPTER_TEXT_FIELDS = ("summary", "notes", "end_notes", "body")
# What a creator may set on a work directly; counters, dates and revision are the archive's.
WORK_FIELDS = (
    "title",
    "rating",
    "categories",
    "language",
    "complete",
    "expected_chapters",
    *WORK_TEXT_FIELDS,
)
LAST_CHAPTER = "A posted work keeps at least one chapter; delete the whole work instead."
NO_CHAPTERS = "Add a chapter first: a work needs at least one chapter to be posted."
HIDDEN_BY_STAFF = (
    "The archive's staff hid this work, so it cannot be posted. "
    "Only they can unhide it; ask them if you think it should be back."
)
# Text without any of these is taken as plain text (perhaps with <em> and the like), and
# its blank lines become paragraphs.
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|br|h[1-6]|ul|ol|li|blockquote|hr|div|pre|table)\b", re.I)
_BLANK_LINES = re.compile(r"\n\s*\n")
TAG_FIELD_LABELS = {
    "fandoms": "Fandoms",
    "relationships": "Relationships",
    "characters": "Characters",
    "additional_tags": "Additional tags",
}
_A_KIND = {
    TagKind.FANDOM: "a fandom",
    TagKind.RELATIONSHIP: "a relationship",
    TagKind.CHARACTER: "a character",
    TagKind.ADDITIONAL: "an additional",
}


class PostingRefused(ValueError):
    """The change would break a rule of the archive; the message says which."""


def prepare_html(text):
    """Creator-written text as safe HTML: plain text gets paragraphs, then the allowlist.

    Blank lines in plain text start paragraphs and single line breaks stay line breaks;
    text that already has paragraphs or other blocks is left to the sanitiser as it is.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if text and not _BLOCK_TAG.search(text):
        paragraphs = (part.strip() for part in _BLANK_LINES.split(text))
        text = "".join(f"<p>{part}</p>".replace("\n", "<br>") for part in paragraphs if part)
    return sanitize_html(demote_headings(text)).strip()


def tag_problems(names_by_field):
    """What is wrong with the tag names a creator typed, as messages by field ({} if nothing).

    A name may not be used for two kinds: not one that already exists as another kind,
    nor the same new name in two fields.
    """
    existing = existing_tags(name for names in names_by_field.values() for name in names)
    return _problems(names_by_field, existing)


def tag_name_problem(name):
    """Why this name cannot be a tag, or None when it can."""
    if len(name) > Tag._meta.get_field("name").max_length:
        return f"Tags can be at most 100 characters; “{name[:30]}…” has {len(name)}."
    # A tag's page is found by its slug, so the name needs something to make one from.
    if not slugify(name, allow_unicode=True):
        return f"“{name}” needs at least one letter or digit to be a tag."
    return None


@transaction.atomic
def create_work(
    *, creator, title, rating, warnings, published=None, series=None, new_series="", **fields
):
    """A new draft work, visible only to its creator and staff until it is posted.

    Besides the work's own fields, `fields` may hold tag names by kind (fandoms=[...]). A
    `published` date backdates it; `series` (one of the creator's) or `new_series` (the
    title of a series to make) makes it that series' last part.
    """
    tags = _tags_for(_pop_tag_names(fields))
    today = timezone.localdate()
    work = Work(
        creator=creator, title=title, rating=rating, is_posted=False, published=today, updated=today
    )
    _apply(work, fields)
    _backdate(work, published)
    work.settle_status()
    work.save()
    WorkWarning.objects.bulk_create(WorkWarning(work=work, warning=w) for w in set(warnings))
    work.tags.set(tags)
    derived.refresh([work])
    search.update_search_documents([work.pk])
    _join_series(work, series, new_series)
    return work


@transaction.atomic
def update_work(*, work, warnings=None, series=None, new_series="", **fields):
    """Change a work's fields, warnings and tags; the tag names given for a kind replace
    that kind's tags, and kinds (or warnings) not given are kept. `published` given
    backdates the work (None: a draft is dated the day it is posted, a posted work keeps
    its date); `series` or `new_series` adds it to a series, as for create_work."""
    names_by_field = _pop_tag_names(fields)
    tags = _tags_for(names_by_field)
    work = _locked(work)
    dated = "published" in fields
    if dated:
        _backdate(work, fields.pop("published"))
    _apply(work, fields)
    if work.expected_chapters is not None and work.expected_chapters < work.chapter_count:
        raise PostingRefused(
            f"The work already has {work.chapter_count} chapters; "
            "the expected number cannot be lower."
        )
    if warnings is not None:
        work.warnings.all().delete()
        WorkWarning.objects.bulk_create(WorkWarning(work=work, warning=w) for w in set(warnings))
    replaced = {TAG_FIELDS[field] for field in names_by_field}
    kept = [tag for tag in work.tags.all() if tag.kind not in replaced]
    work.tags.set(kept + tags)
    derived.refresh([work])
    dates = ["published", "updated", "backdated"] if dated else []
    _save(work, [*(name for name in WORK_FIELDS if name in fields), *dates, *work.settle_status()])
    _join_series(work, series, new_series)
    return work


def _backdate(work, published):
    """Date the work `published` (not a day still to come), or, for None, as the archive
    does: a draft the day it is posted, a posted work the day it was."""
    if published is None:
        if not work.is_posted:
            work.published, work.backdated = timezone.localdate(), False
            work.updated = max(work.updated, work.published)
        return
    if published > timezone.localdate():
        raise PostingRefused("A work cannot be published on a day still to come.")
    work.published, work.backdated = published, True
    # An edit of the date never makes the work updated before it was published.
    work.updated = max(work.updated, published)


def _join_series(work, series, new_series):
    """Make the work the last part of `series`, or of a new series titled `new_series`."""
    if new_series:
        series = Series.objects.create(creator=work.creator, title=new_series)
    if series is None or series.parts.filter(work=work).exists():
        return
    try:
        series_writing.add_work_to_series(series=series, work=work)
    except series_writing.SeriesRefused as refusal:
        raise PostingRefused(str(refusal)) from refusal


def _pop_tag_names(fields):
    return {field: unique_names(fields.pop(field)) for field in TAG_FIELDS if field in fields}


def unique_names(names):
    """Names stripped, without blanks, each once whatever its case (the first spelling wins)."""
    seen = {}
    for name in (name.strip() for name in names):
        if name:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


@transaction.atomic
def post_work(*, work):
    """Post a draft: from today it is published and every reader can find it."""
    work = _locked(work)
    if work.hidden_by_staff:
        raise PostingRefused(HIDDEN_BY_STAFF)
    if work.is_posted:
        return work
    if not work.chapters.posted().exists():
        raise PostingRefused(NO_CHAPTERS)
    today = timezone.localdate()
    published = work.published if work.backdated else today
    work.chapters.posted().update(published=published)
    work.is_posted, work.published, work.updated = True, published, today
    _save(work, ["is_posted", "published", "updated"])
    days.count_posted_words(work)
    news.work_posted(work=work)
    return work


@transaction.atomic
def hide_work(*, work, by, reason=""):
    """Hide a work from everyone but its creator (in "My works") and staff.

    Whether it was posted is kept, so unhiding gives it back as it was. A work hidden
    already keeps who hid it, when and why.
    """
    work = _locked(work)
    if work.hidden_by_staff:
        return work
    work.hidden_by_staff, work.hidden_by, work.hidden_at = True, by, timezone.now()
    work.hidden_reason = reason
    _save(work, ["hidden_by_staff", "hidden_by", "hidden_at", "hidden_reason"])
    return work


@transaction.atomic
def unhide_work(*, work):
    """Give a hidden work back: posted again if it was posted, else its creator's draft."""
    work = _locked(work)
    if not work.hidden_by_staff:
        return work
    work.hidden_by_staff, work.hidden_by, work.hidden_at, work.hidden_reason = False, None, None, ""
    _save(work, ["hidden_by_staff", "hidden_by", "hidden_at", "hidden_reason"])
    return work


@transaction.atomic
def delete_work(*, work):
    """Delete a work with its chapters; kudos, bookmarks and readings of it go with it, and
    its words from its creator's count (the days it was theirs stay theirs)."""
    work = _locked(work)
    days.count_posted_words(work, sign=-1)
    work.delete()
    derived.renew_listing_generation()


@transaction.atomic
def add_chapter(
    *, work, body, title="", summary="", notes="", end_notes="", draft=False, post_at=None
):
    """Add a chapter. On a posted work this posts it (the work is updated today), unless it
    is kept as a draft, to be posted by its creator or, given `post_at`, by the job worker
    at that time (archive.writing.scheduling). Drafts come after every posted chapter."""
    work = _locked(work)
    draft = draft or post_at is not None
    last = work.chapters.aggregate(last=Max("position"))["last"] or 0
    chapter = Chapter(
        work=work,
        position=last + 1,
        title=title,
        published=timezone.localdate(),
        is_posted=not draft,
        post_at=post_at,
    )
    _apply_text(chapter, summary=summary, notes=notes, end_notes=end_notes, body=body)
    chapter.save()
    if draft:
        return chapter
    _move_up_to(work, chapter, work.chapters.posted().count())
    _announce(work, chapter)
    return chapter


@transaction.atomic
def post_chapter(*, chapter, due_by=None):
    """Post a draft chapter now, after the posted ones, and tell its subscribers.

    A chapter posted already is left as it is, so its creator's click and the job worker
    never post it twice (both lock the work's row first). With `due_by`, only a chapter
    still scheduled at or before that time is posted: returns None for any other.
    """
    work = _locked(chapter.work)
    chapter = work.chapters.filter(pk=chapter.pk).first()
    if chapter is None or chapter.is_posted:
        return None if due_by else chapter
    if due_by and (chapter.post_at is None or chapter.post_at > due_by):
        return None
    _post(work, chapter)
    return chapter


@transaction.atomic
def update_chapter(
    *, chapter, body, title="", summary="", notes="", end_notes="", draft=None, post_at=None
):
    """Change a chapter's text. For a draft, `draft=False` posts it too, and `draft=True`
    keeps it a draft, scheduled for `post_at` (None: until its creator posts it); a posted
    chapter does not go back to being a draft."""
    work = _locked(chapter.work)
    chapter = work.chapters.get(pk=chapter.pk)
    if draft and chapter.is_posted:
        raise PostingRefused(f"{chapter.heading} is posted already: it cannot be a draft again.")
    chapter.title = title
    _apply_text(chapter, summary=summary, notes=notes, end_notes=end_notes, body=body)
    if draft:
        chapter.post_at = post_at
    chapter.save()
    if draft is False and not chapter.is_posted:
        _post(work, chapter)
    else:
        _save(work, _recount(work))
    return chapter


def _post(work, chapter):
    """Post the draft `chapter` of the locked `work`: after the posted chapters, dated today."""
    _move_up_to(work, chapter, work.chapters.posted().count() + 1)
    chapter.is_posted, chapter.post_at, chapter.published = True, None, timezone.localdate()
    chapter.save(update_fields=["is_posted", "post_at", "published"])
    _announce(work, chapter)


def _announce(work, chapter):
    """The chapter was just posted: count it, date the work and tell its subscribers."""
    changed = _recount(work)
    if work.expected_chapters is not None and work.expected_chapters < work.chapter_count:
        work.expected_chapters = work.chapter_count
        changed.append("expected_chapters")
    if work.is_posted:
        work.updated = max(timezone.localdate(), work.published)
        changed.append("updated")
    _save(work, changed)
    if work.is_posted and not work.hidden_by_staff:
        news.chapter_posted(chapter=chapter)


def _move_up_to(work, chapter, target):
    """Put `chapter` at position `target` (before where it is), moving the chapters from
    there on back by one: how a chapter posted after drafts goes before them."""
    if chapter.position <= target:
        return
    aside = work.chapters.aggregate(last=Max("position"))["last"] + 1
    Chapter.objects.filter(pk=chapter.pk).update(position=aside)
    # Past the end first, then back, so that no two chapters ever share a position.
    work.chapters.filter(position__gte=target, position__lt=chapter.position).update(
        position=F("position") + aside
    )
    work.chapters.filter(position__gt=aside).update(position=F("position") - aside + 1)
    Chapter.objects.filter(pk=chapter.pk).update(position=target)
    chapter.position = target


@transaction.atomic
def delete_chapter(*, chapter):
    """Delete a chapter and close the gap, so positions stay 1, 2, 3…"""
    work = _locked(chapter.work)
    chapter = work.chapters.get(pk=chapter.pk)
    if work.is_posted and chapter.is_posted and work.chapters.posted().count() <= 1:
        raise PostingRefused(LAST_CHAPTER)
    chapter.delete()
    _renumber_after(work, chapter.position)
    _save(work, _recount(work))


@transaction.atomic
def move_chapter(*, chapter, direction):
    """Swap a chapter with the one before it ("up") or after it ("down")."""
    if direction not in ("up", "down"):
        raise PostingRefused("A chapter moves up or down.")
    work = _locked(chapter.work)
    chapter = work.chapters.get(pk=chapter.pk)
    target = chapter.position - 1 if direction == "up" else chapter.position + 1
    neighbour = work.chapters.filter(position=target).first()
    if neighbour is None:
        end = "first" if direction == "up" else "last"
        raise PostingRefused(f"{chapter.heading} is already the {end} chapter.")
    if neighbour.is_posted != chapter.is_posted:
        draft = chapter if neighbour.is_posted else neighbour
        raise PostingRefused(f"Drafts come after the posted chapters: post {draft.heading} first.")
    # Positions are unique per work at every moment, so one of the two steps aside first.
    aside = work.chapters.aggregate(last=Max("position"))["last"] + 1
    Chapter.objects.filter(pk=chapter.pk).update(position=aside)
    Chapter.objects.filter(pk=neighbour.pk).update(position=chapter.position)
    Chapter.objects.filter(pk=chapter.pk).update(position=target)
    _save(work, [])
    chapter.position = target
    return chapter


def _renumber_after(work, position):
    """Move every chapter after `position` back by one, in two steps: shifting them past the
    end first means no two chapters ever share a position, whatever order rows change in."""
    later = work.chapters.filter(position__gt=position)
    offset = later.aggregate(last=Max("position"))["last"]
    if offset is None:
        return
    later.update(position=F("position") + offset)
    work.chapters.filter(position__gt=offset).update(position=F("position") - offset - 1)


def _locked(work):
    """The work as stored now, its row locked until the transaction ends."""
    return Work.objects.select_for_update().get(pk=work.pk)


def _apply(work, fields):
    for name, value in fields.items():
        if name not in WORK_FIELDS:
            raise TypeError(f"A creator cannot set {name!r} on a work.")
        setattr(work, name, prepare_html(value) if name in WORK_TEXT_FIELDS else value)


def _apply_text(chapter, **texts):
    for name, value in texts.items():
        setattr(chapter, name, prepare_html(value))
    chapter.word_count = count_words(chapter.body)


def _recount(work):
    """Count the work's posted chapters and their words again (drafts count for nothing),
    and settle whether it is complete; returns the fields that hold them."""
    totals = work.chapters.posted().aggregate(chapters=Count("pk"), words=Sum("word_count"))
    words = work.word_count
    work.chapter_count, work.word_count = totals["chapters"], totals["words"] or 0
    if work.word_count != words:
        days.set_words(work, was=words)
    return ["chapter_count", "word_count", *work.settle_status()]


def _save(work, fields):
    """Save a change: a new revision (downloads are cached per revision), a new search
    document and a new listing generation, so nothing built from the old work outlives it."""
    work.revision += 1
    work.save(update_fields=[*fields, "revision"])
    search.update_search_documents([work.pk])
    derived.renew_listing_generation()


def _tags_for(names_by_field):
    """Tags for the names typed in each field: existing tags of the field's kind are reused
    (whatever the case), new names become tags of that kind."""
    all_names = [name for names in names_by_field.values() for name in names]
    for problem in filter(None, map(tag_name_problem, all_names)):
        raise PostingRefused(problem)
    existing = existing_tags(all_names)
    for messages in _problems(names_by_field, existing).values():
        raise PostingRefused(messages[0])
    tags = []
    for field, names in names_by_field.items():
        for name in names:
            tag = existing.get(name.lower())
            if tag is None:
                tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": TAG_FIELDS[field]})
            tags.append(tag)
    return tags


def _problems(names_by_field, existing):
    problems = {}
    first_field = {}
    for field, names in names_by_field.items():
        for name in names:
            tag = existing.get(name.lower())
            if tag is not None and tag.kind != TAG_FIELDS[field]:
                home = next(f for f, kind in TAG_FIELDS.items() if kind == tag.kind)
                problems.setdefault(field, []).append(
                    f"“{tag.name}” is already {_A_KIND[tag.kind]} tag: list it under "
                    f"{TAG_FIELD_LABELS[home]}, or choose another name."
                )
            elif first_field.setdefault(name.lower(), field) != field:
                problems.setdefault(field, []).append(
                    f"“{name}” is also listed under {TAG_FIELD_LABELS[first_field[name.lower()]]}; "
                    "a tag has only one kind."
                )
    return problems


def existing_tags(names):
    """Tags with these names, matched regardless of case, by lower-cased name (one query)."""
    names = {name.lower(): name for name in names}
    if not names:
        return {}
    matching = Q()
    for name in names.values():
        matching |= Q(name__iexact=name)
    found = {}
    # An exact match wins over one differing only in case.
    for tag in sorted(Tag.objects.filter(matching), key=lambda t: t.name not in names.values()):
        found.setdefault(tag.name.lower(), tag)
    return found
