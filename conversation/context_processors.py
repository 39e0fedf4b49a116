from functools import cache

from conversation import inbox


def inbox_unread(request):
    """`inbox_unread`: the signed-in reader's unread notices, for the header. Counted (one
    query on a partial index) only when a template shows it, and never for guests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": cache(lambda: inbox.unread_count(user))}
