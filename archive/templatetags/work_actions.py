"""What a work page's kudos and bookmark controls need to know about the reader."""

from django import template

from archive.reading import bookmarks, kudos

register = template.Library()


@register.simple_tag(takes_context=True)
def work_actions_for(context, work):
    """The givers list, and for a signed-in reader their own marks on the work (one query)."""
    user = context["request"].user
    state = {"gave_kudos": False, "bookmarked": False, "marked": False, "subscribed": False}
    if user.is_authenticated:
        state = bookmarks.reader_state(reader=user, work=work)
    return {**state, "own": work.is_owned_by(user), "givers": kudos.givers(work)}
