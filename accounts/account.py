"""A reader's account as a whole: exporting everything it holds, and deleting it.

Every app keeps rows of a reader, and accounts sits below the others, so it may not import
them. Each app hands over its `Part` when it loads (`add_part` in its AppConfig.ready): the
sections its rows make in the export, and what deleting the account changes in it. Every
foreign key to the reader in the installed models is either exported by a part or named in
NOT_EXPORTED with the reason; `unplaced()` lists any that is neither, and a test keeps that
list empty, so a new model that holds a reader's rows cannot be left out unnoticed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Reader


@dataclass(frozen=True)
class Part:
    """One app's part of a reader's account."""

    # {"app.Model.field": (section, rows)}: each foreign key to the reader whose rows make a
    # section of the export, and the function of the reader giving it as plain JSON values.
    sections: dict[str, tuple[str, Callable]]
    # Called with the reader as their account is deleted, their row locked and about to go:
    # what their leaving changes in the app beyond the rows that go with them.
    before_deletion: Callable | None = None
    # Called with their ids after staff rename readers in the admin: what a changed username
    # changes in the app (search matches creators by name).
    after_renaming: Callable | None = None


# Foreign keys to a reader whose rows stay out of their export, and why.
NOT_EXPORTED = {
    "accounts.FeedToken.reader": "the secret in their feed addresses; a file must not carry it",
    "accounts.Block.blocked": "who blocks the reader, which they are never told",
    "accounts.Mute.muted": "who mutes the reader, which they are never told",
    "following.Subscription.creator": "who follows the reader: the followers' own choice",
    "archive.CreatorDay.creator": "their works' daily figures, which My statistics downloads",
    # What a member of staff did as staff is the site's record of its moderation.
    "admin.LogEntry.user": "what they changed in the admin, as staff",
    "archive.Work.hidden_by": "the works they hid, as staff",
    "conversation.Comment.hidden_by": "the comments they hid, as staff",
    "conversation.CommentReport.handled_by": "the reports they handled, as staff",
    # Files on their way to becoming works: the works made are exported with the others.
    "archive.KeptUpload.reader": "a file kept an hour for an import form sent again",
    "archive.ImportBatch.reader": "files uploaded to import at once, and each one's result",
}


def when(moment):
    """A date and time as the export writes it (None stays None)."""
    return moment.isoformat() if moment else None


def _consent_choices(reader):
    return dict(reader.consent_choices.order_by("item").values_list("item", "choice"))


def _excluded_tags(reader):
    return [
        {
            "tag": excluded.tag.name,
            "kind": excluded.tag.kind,
            "created_at": when(excluded.created_at),
        }
        for excluded in reader.excluded_tags.select_related("tag").order_by("tag__name")
    ]


def _saved_filters(reader):
    return [
        {"name": saved.name, "query": saved.query, "created_at": when(saved.created_at)}
        for saved in reader.saved_filters.order_by("name")
    ]


def _blocks(reader):
    blocks = reader.blocks.select_related("blocked").order_by("created_at", "pk")
    return [
        {"reader": block.blocked.username, "created_at": when(block.created_at)} for block in blocks
    ]


def _mutes(reader):
    mutes = reader.mutes.select_related("muted").order_by("created_at", "pk")
    return [{"reader": mute.muted.username, "created_at": when(mute.created_at)} for mute in mutes]


_parts = [
    Part(
        sections={
            "accounts.ConsentChoice.reader": ("consent_choices", _consent_choices),
            "accounts.ExcludedTag.reader": ("excluded_tags", _excluded_tags),
            "accounts.SavedFilter.reader": ("saved_filters", _saved_filters),
            "accounts.Block.blocker": ("blocks", _blocks),
            "accounts.Mute.reader": ("mutes", _mutes),
        }
    )
]


def add_part(part):
    """Make `part` (an app's) part of every reader's account from now on."""
    if part not in _parts:
        _parts.append(part)


def reader_relations():
    """Every foreign key to the reader in the installed models, as "app.Model.field"."""
    reader_model = apps.get_model(settings.AUTH_USER_MODEL)
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is reader_model
    }


def exported_relations():
    return {relation for part in _parts for relation in part.sections}


def unplaced():
    """Foreign keys to the reader that no part exports and NOT_EXPORTED does not name."""
    return reader_relations() - exported_relations() - NOT_EXPORTED.keys()


@transaction.atomic
def export_account(*, reader):
    """Everything the archive keeps about `reader`, as JSON-ready values; nothing of others."""
    data = {
        "exported_at": when(timezone.now()),
        "profile": {
            "username": reader.username,
            "email": reader.email,
            "date_joined": when(reader.date_joined),
        },
        "display_settings": {
            "font_size": reader.font_size,
            "font": reader.font,
            "line_spacing": float(reader.line_spacing),
            "text_width": reader.text_width,
            "theme": reader.theme,
            "history_enabled": reader.history_enabled,
        },
    }
    for part in _parts:
        for section, rows in part.sections.values():
            data[section] = rows(reader)
    return data


@transaction.atomic
def delete_account(*, reader):
    """Delete `reader` and all they kept; each app first does what their leaving changes
    there (the archive keeps their works, orphaned, and its counters true)."""
    # Locking the reader row first keeps a bookmark or kudos from this reader from slipping
    # in between the apps collecting what to change and the rows being deleted.
    reader = Reader.objects.select_for_update().get(pk=reader.pk)
    for part in _parts:
        if part.before_deletion is not None:
            part.before_deletion(reader=reader)
    reader.delete()


def readers_renamed(*, reader_ids):
    """Staff renamed these readers: each app does what that changes there."""
    for part in _parts:
        if part.after_renaming is not None:
            part.after_renaming(reader_ids=reader_ids)
