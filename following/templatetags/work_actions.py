"""What a work page's controls (kudos, bookmark, mark for later, subscribe) need to know
about the reader. Here, above the archive, because it asks both apps: whether the reader
follows the work is answered in the query that reads their marks on it."""

from django import template

from archive.reading import bookmarks, kudos
from following import subscriptions

register = template.Library()


@register.simple_tag(takes_context=True)
def work_actions_for(context, work):
    """The givers list, and for a signed-in reader their own marks on the work (one query)."""
    user = context["request"].user
    state = {"gave_kudos": False, "bookmarked": False, "marked": False, "subscribed": False}
    if user.is_authenticated:
        state = bookmarks.reader_state(
            reader=user,
            work=work,
            subscribed=subscriptions.follows_outer_work(user),
            blocked=kudos.blocked_by_creator(user),
        )
    return {**state, "own": work.is_owned_by(user), "givers": kudos.givers(work)}
