"""A reader's account as a whole: exporting everything it holds, and deleting it."""

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Reader
from archive.listing import search
from archive.models import Bookmark, BookmarkTag, Kudos, Work
from archive.writing import derived

# The byline an orphaned work keeps, as on AO3, so it never reads as "Anonymous" by accident.
ORPHAN_NAME = "orphan_account"


def _work(work):
    return {"id": work.pk, "title": work.title}


def _when(moment):
    return moment.isoformat() if moment else None


@transaction.atomic
def export_account(*, reader):
    """Everything the archive keeps about `reader`, as JSON-ready values; nothing of others."""
    bookmarks = (
        reader.bookmarks.select_related("work").prefetch_related("tags").order_by("created_at")
    )
    kudos = reader.kudos.select_related("work").order_by("created_at")
    readings = reader.readings.select_related("work", "chapter").order_by("-last_read_at")
    marked = reader.marked_for_later.select_related("work").order_by("created_at")
    choices = reader.consent_choices.order_by("item").values_list("item", "choice")
    exclusions = reader.excluded_tags.select_related("tag").order_by("tag__name")
    saved_filters = reader.saved_filters.order_by("name")
    return {
        "exported_at": _when(timezone.now()),
        "profile": {
            "username": reader.username,
            "email": reader.email,
            "date_joined": _when(reader.date_joined),
        },
        "consent_choices": dict(choices),
        "excluded_tags": [
            {
                "tag": excluded.tag.name,
                "kind": excluded.tag.kind,
                "created_at": _when(excluded.created_at),
            }
            for excluded in exclusions
        ],
        "saved_filters": [
            {"name": saved.name, "query": saved.query, "created_at": _when(saved.created_at)}
            for saved in saved_filters
        ],
        "display_settings": {
            "font_size": reader.font_size,
            "font": reader.font,
            "line_spacing": float(reader.line_spacing),
            "text_width": reader.text_width,
            "theme": reader.theme,
            "history_enabled": reader.history_enabled,
        },
        "bookmarks": [
            {
                "work": _work(bookmark.work),
                "notes": bookmark.notes,
                "tags": sorted(tag.name for tag in bookmark.tags.all()),
                "private": bookmark.private,
                "recommend": bookmark.recommend,
                "created_at": _when(bookmark.created_at),
                "updated_at": _when(bookmark.updated_at),
            }
            for bookmark in bookmarks
        ],
        "kudos": [
            {"work": _work(given.work), "created_at": _when(given.created_at)} for given in kudos
        ],
        "history": [
            {
                "work": _work(reading.work),
                "chapter": reading.chapter.position if reading.chapter else None,
                "paragraph": reading.paragraph,
                "visits": reading.visits,
                "last_read_at": _when(reading.last_read_at),
            }
            for reading in readings
        ],
        "marked_for_later": [
            {"work": _work(mark.work), "created_at": _when(mark.created_at)} for mark in marked
        ],
        "works": [_work(work) for work in Work.objects.filter(creator=reader).order_by("pk")],
    }


@transaction.atomic
def delete_account(*, reader):
    """Delete `reader` and all they kept; their works stay, orphaned, and counters stay true."""
    # Locking the reader row first keeps a bookmark or kudos from this reader from slipping
    # in between collecting the works to recount and deleting the rows.
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    bookmarked = set(reader.bookmarks.filter(private=False).values_list("work_id", flat=True))
    kudosed = set(reader.kudos.values_list("work_id", flat=True))
    tag_ids = set(
        BookmarkTag.objects.filter(tagged_bookmarks__content_object__reader=reader).values_list(
            "pk", flat=True
        )
    )
    orphaned = list(Work.objects.filter(creator=reader).values_list("pk", flat=True))
    Work.objects.filter(pk__in=orphaned).update(creator=None, creator_name=ORPHAN_NAME)
    reader.delete()
    # A bookmark tag nobody else uses is this reader's own words; it goes with them.
    BookmarkTag.objects.filter(pk__in=tag_ids, tagged_bookmarks__isnull=True).delete()
    _recount(bookmarked | kudosed)
    if orphaned:
        # Their search documents still hold the username, which search must forget too.
        search.update_search_documents(orphaned)
        derived.renew_listing_generation()  # the works' creator changed


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
