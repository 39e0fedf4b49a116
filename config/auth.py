"""The sign-in backend: Django's model backend, reading the session's reader with what
every page's header and listings need to know of them (accounts.models.SessionFacts).

It sits with the project because the facts come from the apps above accounts: whether the
reader has drafts (archive) and their unread notices (conversation).
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.models import SessionFacts
from archive.listing import cache as listing_cache
from conversation import inbox


@cache
def _readers():
    # Built once: making and resolving the two subqueries costs more than running them, and
    # every signed-in request reads its reader. Each read filters a copy (querysets clone).
    return get_user_model()._default_manager.annotate(
        inbox_unread_count=inbox.unread_count_of_outer_reader(),
        has_drafts=listing_cache.drafts_of_outer_reader(),
    )


class ReaderBackend(ModelBackend):
    def get_user(self, user_id):
        """The reader of the session with their `session_facts`, in the one query that
        reads the reader anyway, so neither fact costs a query."""
        reader = _readers().filter(pk=user_id).first()
        if reader is None or not self.user_can_authenticate(reader):
            return None
        # The annotations become the named facts; nothing reads them under their own names.
        reader.session_facts = SessionFacts(
            has_drafts=vars(reader).pop("has_drafts"),
            inbox_unread_count=vars(reader).pop("inbox_unread_count"),
        )
        return reader
