from functools import cache

from conversation import inbox


def inbox_unread(request):
    """`inbox_unread`: the signed-in reader's unread notices, for the header. The session's
    reader comes with the count (their session_facts, config.auth); a reader read another
    way is counted (one query on a partial index) only when a template shows it. Never for
    guests."""
    # A request refused before AuthenticationMiddleware (a bad Host header) has no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    facts = user.session_facts
    if facts is not None:
        return {"inbox_unread": facts.inbox_unread_count}
    return {"inbox_unread": cache(lambda: inbox.unread_count(user))}
