from functools import cache

from conversation import inbox


def inbox_unread(request):
    """`inbox_unread`: the signed-in reader's unread notices, for the header. The session's
    reader comes with the count (accounts.backends); a reader read another way is counted
    (one query on a partial index) only when a template shows it. Never for guests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    known = getattr(user, "inbox_unread_count", None)
    return {"inbox_unread": cache(lambda: inbox.unread_count(user) if known is None else known)}
