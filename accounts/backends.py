"""Django's model backend, reading the signed-in reader with what every page's header shows."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

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
        """The reader of the session with their unread inbox count (`inbox_unread_count`) and
        whether they have drafts (`has_drafts`, which decides whose cached listing counts
        they share), in the one query that reads them anyway, so neither costs a query."""
        reader = _readers().filter(pk=user_id).first()
        return reader if reader is not None and self.user_can_authenticate(reader) else None
