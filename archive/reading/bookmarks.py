"""Bookmarks and "mark for later", keeping each work's public bookmark count in step."""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.utils.text import slugify

from archive.models import Bookmark, BookmarkTag, Kudos, MarkedForLater, TaggedBookmark, Work
from archive.stats import days

SLUG_LENGTH = BookmarkTag._meta.get_field("slug").max_length


def save_bookmark(*, reader, work, notes="", tags=(), private=False, recommend=False):
    """Bookmark the work for the reader, or update the bookmark they already have."""
    with transaction.atomic():
        # get_or_create survives a simultaneous first save; the row lock makes the
        # count change below agree with the state this save replaces.
        fields = {
            "notes": notes,
            "private": private,
            "recommend": recommend,
            "work_title": work.title,
            "work_creator": work.creator_display,
        }
        bookmark, created = Bookmark.objects.select_for_update().get_or_create(
            reader=reader, work=work, defaults=fields
        )
        was_counted = not created and not bookmark.private
        if not created:
            for name, value in fields.items():
                setattr(bookmark, name, value)
            bookmark.save()
        _set_tags(bookmark, _tags_named(list(tags)))
        _count_public(work.pk, int(not private) - int(was_counted))
    return bookmark


def edit_bookmark(*, bookmark, notes="", tags=(), private=False, recommend=False):
    """Change a bookmark found by itself, not by its work: one whose work is deleted, or
    no longer visible to its reader, keeps the title it has."""
    with transaction.atomic():
        current = Bookmark.objects.select_for_update().get(pk=bookmark.pk)
        was_counted = not current.private
        current.notes, current.private, current.recommend = notes, private, recommend
        current.save(update_fields=["notes", "private", "recommend", "updated_at"])
        _set_tags(current, _tags_named(list(tags)))
        if current.work_id is not None:
            _count_public(current.work_id, int(not private) - int(was_counted))
    return current


def delete_bookmark(*, bookmark):
    with transaction.atomic():
        current = Bookmark.objects.select_for_update().filter(pk=bookmark.pk).first()
        if current is None:
            return
        current.delete()
        # A deleted work's bookmarks count nowhere.
        if not current.private and current.work_id is not None:
            _count_public(current.work_id, -1)


@transaction.atomic
def mark_for_later(*, reader, work):
    MarkedForLater.objects.get_or_create(reader=reader, work=work)


@transaction.atomic
def unmark_for_later(*, reader, work):
    MarkedForLater.objects.filter(reader=reader, work=work).delete()


@transaction.atomic
def remove_mark(*, mark):
    """Unmark by the mark itself, which works also for a work the reader may no longer see."""
    MarkedForLater.objects.filter(pk=mark.pk).delete()


def reader_state(*, reader, work, **more):
    """Whether the reader left kudos on, bookmarked and marked the work, in one query, which
    answers `more` too: {name: condition on the work as OuterRef("pk")}, from apps above."""
    mine = {"reader": reader, "work": OuterRef("pk")}
    return (
        Work.objects.filter(pk=work.pk)
        .values(
            gave_kudos=Exists(Kudos.objects.filter(**mine)),
            bookmarked=Exists(Bookmark.objects.filter(**mine)),
            marked=Exists(MarkedForLater.objects.filter(**mine)),
            **more,
        )
        .get()
    )


def _set_tags(bookmark, tags):
    # Through the link table in two queries; taggit's set() spends four on every tag.
    TaggedBookmark.objects.filter(content_object=bookmark).exclude(tag__in=tags).delete()
    links = [TaggedBookmark(content_object=bookmark, tag=tag) for tag in tags]
    TaggedBookmark.objects.bulk_create(links, ignore_conflicts=True)


def _tags_named(names):
    """The bookmark tags with these names, whatever their case (the first spelling given
    names a new one); the missing ones are made here, not by taggit."""
    first_spellings = {}
    for name in names:
        first_spellings.setdefault(name.lower(), name)
    names = list(first_spellings.values())
    found = {
        tag.name.lower(): tag
        for tag in BookmarkTag.objects.alias(folded=Lower("name")).filter(
            Q(folded__in=[Lower(Value(name)) for name in names]) | Q(name__in=names)
        )
    }
    return [found.get(name.lower()) or _new_tag(name) for name in names]


def _new_tag(name):
    # taggit's own slug is empty for "🙂" or "!!!" (which "my bookmarks" would take for "any
    # tag"), and its "_1" for a second name with the same slug can overflow the column.
    base = slugify(name, allow_unicode=True)[:SLUG_LENGTH] or "tag"
    digest = hashlib.blake2s(name.encode(), digest_size=4).hexdigest()
    for slug in (base, f"{base[: SLUG_LENGTH - len(digest) - 1]}-{digest}"):
        try:
            with transaction.atomic():
                return BookmarkTag.objects.create(name=name, slug=slug)
        except IntegrityError:
            # Another reader made this very tag (in some case) a moment ago, or the slug is
            # taken.
            made = _tag_named(name)
            if made:
                return made
    raise IntegrityError(f"No free slug for the bookmark tag {name!r}.")


def _tag_named(name):
    """The tag named `name` whatever its case, as the database folds case (its unique index
    on the lowered name decides which names are one)."""
    tags = BookmarkTag.objects.alias(folded=Lower("name"))
    return tags.filter(Q(folded=Lower(Value(name))) | Q(name=name)).first()


def _count_public(work_id, change):
    if change:
        Work.objects.filter(pk=work_id).update(
            public_bookmark_count=F("public_bookmark_count") + change
        )
        days.add(work_id, public_bookmarks=change)
