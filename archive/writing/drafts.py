"""Autosaved chapter text: what a creator's editor keeps on the server while they type, so
that a closed tab or a lost connection costs nothing. Only the creator reads it back.

A draft belongs to a chapter being edited, or to a work's next new chapter (chapter None).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from archive.models import ChapterDraft
from archive.writing import posting

# As long as the chapter text may be (archive.writing.forms.ChapterForm).
MAX_BODY = 500_000


def save_draft(*, creator, work, chapter, body):
    """Keep `body` as the creator's autosaved text of this chapter (or new chapter)."""
    fields = {"body": body, "saved_at": timezone.now()}
    key = {"creator": creator, "work": work, "chapter": chapter}
    try:
        with transaction.atomic():
            draft, _ = ChapterDraft.objects.update_or_create(**key, defaults=fields)
    except IntegrityError:
        # Two saves from two tabs raced to make the row: the other one made it, so update it.
        draft = ChapterDraft.objects.get(**key)
        ChapterDraft.objects.filter(pk=draft.pk).update(**fields)
        draft.body, draft.saved_at = body, fields["saved_at"]
    return draft


def draft_to_offer(*, creator, work, chapter):
    """The creator's autosaved text when it says something the saved chapter does not."""
    draft = ChapterDraft.objects.filter(creator=creator, work=work, chapter=chapter).first()
    if draft is None:
        return None
    saved = chapter.body if chapter else ""
    if posting.prepare_html(draft.body) == posting.prepare_html(saved):
        return None
    return draft


def discard_draft(*, creator, work, chapter):
    ChapterDraft.objects.filter(creator=creator, work=work, chapter=chapter).delete()
