from django import template

from archive.listing import exclusions, search
from archive.models import Work
from archive.writing import series

register = template.Library()


@register.inclusion_tag("includes/series_nav.html", takes_context=True)
def series_navigation(context, work):
    """Each series the work is in, with the previous and next parts this reader may list."""
    # Most works are in no series: asked first, so their pages never read the exclusions.
    if not work.series_parts.exists():
        return {"parts": []}
    request = context["request"]
    hiding = exclusions.for_request(request)
    return {"parts": series.neighbours(work, user=request.user, exclusions=hiding)}


@register.simple_tag(takes_context=True)
def series_matching(context, query):
    """Series whose title or summary match a search, among those with a work this reader
    may list (visible to them, and not hidden by their exclusions)."""
    request = context["request"]
    works = Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))
    return series.matching(search.terms(query), works=works)
