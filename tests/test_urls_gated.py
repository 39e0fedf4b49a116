"""Site-wide: every route that takes a work or a chapter is behind the consent gate, or
declares that it shows only metadata."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, path

# URL parameters that identify a work or a chapter.
WORK_PARAMETER = re.compile(r"work|chapter|position")
# The admin is staff-only, and staff read every work without the interstitial.
EXEMPT_NAMESPACES = {"admin"}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            if entry.namespace in EXEMPT_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def takes_a_work(route, entry):
    names = set(getattr(entry.pattern, "converters", {})) | set(re.findall(r"\(\?P<(\w+)>", route))
    return any(WORK_PARAMETER.search(name) for name in names)


def undeclared_routes(patterns):
    return [
        route
        for route, entry in walk(patterns)
        if takes_a_work(route, entry)
        and not getattr(entry.callback, "consent_gated", False)
        and not getattr(entry.callback, "metadata_only", False)
    ]


def test_every_route_taking_a_work_is_gated_or_metadata_only():
    assert undeclared_routes(get_resolver().url_patterns) == []


def test_the_walk_finds_the_reading_routes():
    routes = {
        route for route, entry in walk(get_resolver().url_patterns) if takes_a_work(route, entry)
    }
    assert {
        "works/<int:work_id>/",
        "works/<int:work_id>/entire/",
        "works/<int:work_id>/chapters/<int:position>/",
        "works/<int:work_id>/consent/",
    } <= routes


def test_an_undeclared_view_is_caught():
    def leaky_download(request, work_id):
        raise AssertionError("never called")

    patterns = [path("works/<int:work_id>/download/", leaky_download)]
    assert undeclared_routes(patterns) == ["works/<int:work_id>/download/"]
