from django import template

from archive.listing import exclusions, search
from archive.models import Work
from archive.writing import series

register = template.Library()


@register.simple_tag(takes_context=True)
def series_matching(context, query):
    """Series whose title or summary match a search, among those with a work this reader
    may list (visible to them, and not hidden by their exclusions)."""
    request = context["request"]
    works = Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))
    return series.matching(search.terms(query), works=works)
