"""A reader's reading history: which works they read, the chapter and paragraph they
reached, when, and how often. Nothing is kept for guests or for readers who switched it off.
"""

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from archive.models import Reading

# The history shows where a reader stopped, never what the chapter says.
CHAPTER_TEXT = ("chapter__body", "chapter__summary", "chapter__notes", "chapter__end_notes")


def keeps_history(user):
    return user.is_authenticated and user.history_enabled


def with_place(readings):
    """Readings with their chapter's position and title (not its text) in the same query."""
    return readings.select_related("chapter").defer(*CHAPTER_TEXT)


def record_visit(*, reader, work, chapter, move=True):
    """Count a visit to `work` and return the reader's reading of it (None if not kept).

    With `move`, the saved place moves to `chapter` (to its top, unless the place was
    already in it). Without `move`, `chapter` only starts a new reading: the work page and
    the entire work are where every link lands, so opening them must not lose the place.
    """
    if chapter is None or not keeps_history(reader):
        return None
    reading = with_place(Reading.objects.filter(reader=reader, work=work)).first()
    if reading is None:
        try:
            return _first_visit(reader=reader, work=work, chapter=chapter)
        except IntegrityError:
            # A simultaneous first visit created the row first; count this visit on it.
            reading = with_place(Reading.objects.filter(reader=reader, work=work)).get()
    return _next_visit(reading, work=work, chapter=chapter, move=move)


@transaction.atomic
def _first_visit(*, reader, work, chapter):
    reading = Reading.objects.create(
        reader=reader,
        work=work,
        chapter=chapter,
        visits=1,
        chapters_seen=work.chapter_count,
        last_read_at=timezone.now(),
    )
    reading.new_chapters, reading.first_new_position = 0, 1
    return reading


CHAPTER, PARAGRAPH = Reading._meta.get_field("chapter"), Reading._meta.get_field("paragraph")


def _next_visit(reading, *, work, chapter, move):
    """One UPDATE, no lock or transaction: a reading page is the archive's busiest write.
    The place moves in the statement itself, so a paragraph saved a moment ago by the same
    reader (record_place) is reset only if this visit really moves to another chapter."""
    moves = Q(chapter__isnull=True)
    if move:
        moves |= ~Q(chapter=chapter)
    now = timezone.now()
    Reading.objects.filter(pk=reading.pk).update(
        chapter=Case(
            When(moves, then=Value(chapter.pk)), default=F("chapter"), output_field=CHAPTER
        ),
        paragraph=Case(When(moves, then=Value(0)), default=F("paragraph"), output_field=PARAGRAPH),
        visits=F("visits") + 1,
        chapters_seen=work.chapter_count,
        last_read_at=now,
    )
    # The same change on the row read, for this page; chapters posted since the reader's
    # last visit are told once, on this page.
    if (move and reading.chapter_id != chapter.pk) or reading.chapter_id is None:
        reading.chapter, reading.paragraph = chapter, 0
    reading.new_chapters = max(work.chapter_count - reading.chapters_seen, 0)
    reading.first_new_position = reading.chapters_seen + 1
    reading.visits += 1
    reading.chapters_seen, reading.last_read_at = work.chapter_count, now
    return reading


def record_place(*, reader, work, chapter, paragraph, only_forward=False):
    """Save the paragraph the reader reached in `chapter`; returns whether it was saved.

    With `only_forward` (a place reported from the work page or the entire work, which keep
    the saved place like `record_visit` without `move`), a place before the saved one is
    not saved: scrolling past chapter 1 to leave kudos is not rereading it.
    """
    if not keeps_history(reader):
        return False
    place = {"chapter": chapter, "paragraph": paragraph, "only_forward": only_forward}
    try:
        return _record_place(reader=reader, work=work, **place)
    except IntegrityError:
        return _record_place(reader=reader, work=work, **place)


@transaction.atomic
def _record_place(*, reader, work, chapter, paragraph, only_forward):
    reading = _locked_reading(reader, work) or Reading(reader=reader, work=work)
    if only_forward and _is_before(chapter.position, paragraph, reading):
        return False
    reading.chapter, reading.paragraph = chapter, paragraph
    reading.chapters_seen = work.chapter_count
    reading.last_read_at = timezone.now()
    reading.save()
    return True


def _is_before(position, paragraph, reading):
    saved = reading.chapter
    return saved is not None and (position, paragraph) < (saved.position, reading.paragraph)


@transaction.atomic
def clear_history(*, reader):
    """Forget every work the reader read; returns how many were forgotten."""
    deleted, _ = Reading.objects.filter(reader=reader).delete()
    return deleted


@transaction.atomic
def forget_reading(*, reading):
    """Forget one work the reader read, keeping the rest of their history."""
    Reading.objects.filter(pk=reading.pk).delete()


@transaction.atomic
def switch_history(*, reader, enabled, clear=False):
    """Start or stop recording; what is already recorded is kept unless `clear` is asked."""
    reader.history_enabled = enabled
    reader.save(update_fields=["history_enabled"])
    if clear:
        clear_history(reader=reader)


def _locked_reading(reader, work):
    # Lock only the reading row: PostgreSQL refuses FOR UPDATE on the nullable chapter join.
    readings = with_place(Reading.objects.filter(reader=reader, work=work))
    return readings.select_for_update(of=("self",)).first()
