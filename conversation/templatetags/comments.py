from django import template

from archive.links import link

register = template.Library()


@register.filter
def comments_url(work):
    """The work's comments page, without a reverse() for each blurb of a listing."""
    return link("conversation:work_comments", work.pk)
