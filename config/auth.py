"""The sign-in backend: Django's model backend, reading the session's reader with what
every page's header, listings and consent gate need to know of them
(accounts.models.SessionFacts).

It sits with the project because the facts come from the apps above accounts: whether the
reader has drafts, their standing choices and excluded tags (archive), and their unread
notices (conversation).
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import relations
from accounts.models import SessionFacts
from archive.consent import policy
from archive.listing import cache as listing_cache
from archive.listing import exclusions
from config.aggregates import ids_of, pairs_of
from conversation import inbox


@cache
def _readers():
    # Built once: making and resolving the subqueries costs more than running them, and
    # every signed-in request reads its reader. Each read filters a copy (querysets clone).
    # The choices, tags and mutes come joined in a text each (config.aggregates): a reader
    # has few of them, and one row keeps them in this one query.
    return get_user_model()._default_manager.annotate(
        inbox_unread_count=inbox.unread_count_of_outer_reader(),
        has_drafts=listing_cache.drafts_of_outer_reader(),
        joined_choices=policy.standing_choices_of_outer_reader(),
        joined_families=exclusions.excluded_families_of_outer_reader(),
        joined_muted=relations.muted_of_outer_reader(),
    )


class ReaderBackend(ModelBackend):
    def get_user(self, user_id):
        """The reader of the session with their `session_facts`, in the one query that
        reads the reader anyway, so no fact costs a query."""
        reader = _readers().filter(pk=user_id).first()
        if reader is None or not self.user_can_authenticate(reader):
            return None
        # The annotations become the named facts; nothing reads them under their own names.
        reader.session_facts = SessionFacts(
            has_drafts=vars(reader).pop("has_drafts"),
            inbox_unread_count=vars(reader).pop("inbox_unread_count"),
            standing_choices=pairs_of(vars(reader).pop("joined_choices")),
            excluded_families=ids_of(vars(reader).pop("joined_families")),
            muted_ids=ids_of(vars(reader).pop("joined_muted")),
        )
        return reader
