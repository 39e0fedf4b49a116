"""Bookmarks and "mark for later", keeping each work's public bookmark count in step."""

from django.db import transaction
from django.db.models import Exists, F, OuterRef

from archive.models import Bookmark, Kudos, MarkedForLater, Work


def save_bookmark(*, reader, work, notes="", tags=(), private=False, recommend=False):
    """Bookmark the work for the reader, or update the bookmark they already have."""
    with transaction.atomic():
        # get_or_create survives a simultaneous first save; the row lock makes the
        # count change below agree with the state this save replaces.
        fields = {"notes": notes, "private": private, "recommend": recommend}
        bookmark, created = Bookmark.objects.select_for_update().get_or_create(
            reader=reader, work=work, defaults=fields
        )
        was_counted = not created and not bookmark.private
        if not created:
            for name, value in fields.items():
                setattr(bookmark, name, value)
            bookmark.save()
        bookmark.tags.set(list(tags))
        _count_public(work.pk, int(not private) - int(was_counted))
    return bookmark


def delete_bookmark(*, bookmark):
    with transaction.atomic():
        current = Bookmark.objects.select_for_update().filter(pk=bookmark.pk).first()
        if current is None:
            return
        current.delete()
        if not current.private:
            _count_public(current.work_id, -1)


@transaction.atomic
def mark_for_later(*, reader, work):
    MarkedForLater.objects.get_or_create(reader=reader, work=work)


@transaction.atomic
def unmark_for_later(*, reader, work):
    MarkedForLater.objects.filter(reader=reader, work=work).delete()


def reader_state(*, reader, work):
    """Whether the reader left kudos on, bookmarked and marked the work, in one query."""
    mine = {"reader": reader, "work": OuterRef("pk")}
    return (
        Work.objects.filter(pk=work.pk)
        .values(
            gave_kudos=Exists(Kudos.objects.filter(**mine)),
            bookmarked=Exists(Bookmark.objects.filter(**mine)),
            marked=Exists(MarkedForLater.objects.filter(**mine)),
        )
        .get()
    )


def _count_public(work_id, change):
    if change:
        Work.objects.filter(pk=work_id).update(
            public_bookmark_count=F("public_bookmark_count") + change
        )
