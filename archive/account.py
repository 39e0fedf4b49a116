"""The archive's part of a reader's account (accounts.account): their bookmarks, kudos,
history, marks, works and series in the export, and what deleting the account changes."""

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.account import Part, when
from archive.listing import search
from archive.models import Bookmark, BookmarkTag, Kudos, SeriesPart, Work
from archive.stats import days
from archive.writing import derived

# The byline an orphaned work keeps, as on AO3, so it never reads as "Anonymous" by accident.
ORPHAN_NAME = "orphan_account"


def work_entry(work):
    """A work as an export names it (other apps' sections too)."""
    return {"id": work.pk, "title": work.title}


def _bookmarks(reader):
    bookmarks = (
        reader.bookmarks.select_related("work").prefetch_related("tags").order_by("created_at")
    )
    return [
        {
            "work": _bookmarked_work(bookmark),
            "notes": bookmark.notes,
            "tags": sorted(tag.name for tag in bookmark.tags.all()),
            "private": bookmark.private,
            "recommend": bookmark.recommend,
            "created_at": when(bookmark.created_at),
            "updated_at": when(bookmark.updated_at),
        }
        for bookmark in bookmarks
    ]


def _bookmarked_work(bookmark):
    if bookmark.work is None:  # deleted: the bookmark names it by what it kept
        return {"id": None, "title": bookmark.work_title, "deleted": True}
    return work_entry(bookmark.work)


def _kudos(reader):
    kudos = reader.kudos.select_related("work").order_by("created_at")
    return [
        {"work": work_entry(given.work), "created_at": when(given.created_at)} for given in kudos
    ]


def _history(reader):
    readings = reader.readings.select_related("work", "chapter").order_by("-last_read_at")
    return [
        {
            "work": work_entry(reading.work),
            "chapter": reading.chapter.position if reading.chapter else None,
            "paragraph": reading.paragraph,
            "visits": reading.visits,
            "last_read_at": when(reading.last_read_at),
        }
        for reading in readings
    ]


def _marked_for_later(reader):
    marked = reader.marked_for_later.select_related("work").order_by("created_at")
    return [{"work": work_entry(mark.work), "created_at": when(mark.created_at)} for mark in marked]


def _works(reader):
    return [work_entry(work) for work in Work.objects.filter(creator=reader).order_by("pk")]


def _series(reader):
    parts = SeriesPart.objects.select_related("work").order_by("position")
    series = reader.series.prefetch_related(Prefetch("parts", parts)).order_by("created_at", "pk")
    return [
        {
            "id": one.pk,
            "title": one.title,
            "summary": one.summary,
            "notes": one.notes,
            "complete": one.complete,
            "works": [work_entry(part.work) for part in one.parts.all()],
            "created_at": when(one.created_at),
            "updated_at": when(one.updated_at),
        }
        for one in series
    ]


def _chapter_drafts(reader):
    drafts = reader.chapter_drafts.select_related("work", "chapter").order_by("saved_at", "pk")
    return [
        {
            "work": work_entry(draft.work),
            "chapter": draft.chapter.position if draft.chapter else None,
            "body": draft.body,
            "saved_at": when(draft.saved_at),
        }
        for draft in drafts
    ]


def _before_deletion(*, reader):
    """Their kudos and bookmarks go first, and the counters they were counted in are
    recounted without them, the works' days counting the loss; their works stay, orphaned,
    and search forgets their name."""
    bookmarked = set(
        reader.bookmarks.filter(private=False, work__isnull=False).values_list("work_id", flat=True)
    )
    kudosed = set(reader.kudos.values_list("work_id", flat=True))
    tag_ids = set(
        BookmarkTag.objects.filter(tagged_bookmarks__content_object__reader=reader).values_list(
            "pk", flat=True
        )
    )
    reader.bookmarks.all().delete()
    reader.kudos.all().delete()
    # A bookmark tag nobody else uses is this reader's own words; it goes with them.
    BookmarkTag.objects.filter(pk__in=tag_ids, tagged_bookmarks__isnull=True).delete()
    _recount(bookmarked | kudosed)
    days.add_many("kudos", dict.fromkeys(kudosed, -1))
    days.add_many("public_bookmarks", dict.fromkeys(bookmarked, -1))
    # Bookmarks keep a work's creator by name for when the work is gone: it must go too.
    others_bookmarks = Bookmark.objects.filter(Q(work__isnull=True) | Q(work__creator=reader))
    others_bookmarks.filter(work_creator=reader.username).update(work_creator=ORPHAN_NAME)
    orphaned = list(Work.objects.filter(creator=reader).values_list("pk", flat=True))
    Work.objects.filter(pk__in=orphaned).update(creator=None, creator_name=ORPHAN_NAME)
    if orphaned:
        # Their search documents still hold the username, which search must forget too.
        search.update_search_documents(orphaned)
        derived.renew_listing_generation()  # the works' creator changed


def _after_renaming(*, reader_ids):
    """Search finds works by their creator's name: their documents take the new one."""
    renamed = list(Work.objects.filter(creator__in=reader_ids).values_list("pk", flat=True))
    if renamed:
        search.update_search_documents(renamed)
    derived.renew_listing_generation()


def _recount(work_ids):
    """Recount kudos and public bookmarks from the rows, for these works only."""
    if not work_ids:
        return
    # Locked in a fixed order so a kudos or bookmark written meanwhile is either counted
    # here or added on top of this count afterwards, never lost.
    locked = Work.objects.select_for_update().filter(pk__in=work_ids).order_by("pk")
    list(locked.values_list("pk", flat=True))
    Work.objects.filter(pk__in=work_ids).update(
        kudos_count=_count(Kudos.objects.filter(work=OuterRef("pk"))),
        public_bookmark_count=_count(Bookmark.objects.public().filter(work=OuterRef("pk"))),
    )


def _count(rows):
    counted = rows.order_by().values("work").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


PART = Part(
    sections={
        "archive.Bookmark.reader": ("bookmarks", _bookmarks),
        "archive.Kudos.reader": ("kudos", _kudos),
        "archive.Reading.reader": ("history", _history),
        "archive.MarkedForLater.reader": ("marked_for_later", _marked_for_later),
        "archive.Work.creator": ("works", _works),
        "archive.Series.creator": ("series", _series),
        "archive.ChapterDraft.creator": ("chapter_drafts", _chapter_drafts),
    },
    before_deletion=_before_deletion,
    after_renaming=_after_renaming,
)
