"""Site-wide: every route that takes a parameter is behind the consent gate, declares that it
shows only metadata, or is declared here as not about a work.

Guessing from parameter names which routes take a work misses `works/<int:pk>/leak/`, so
the rule is the other way round: any route with a parameter is suspect until its view is
gated or metadata-only, or it is listed below with the reason it shows no work's text.
"""

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path

# The admin is staff-only, and staff read every work without the interstitial.
EXEMPT_NAMESPACES = {"admin"}

# Routes with a parameter that names something other than a work or a chapter, and what
# they show instead. Anything under works/ must be gated or metadata-only instead.
NOT_ABOUT_A_WORK = {
    "archive:tag_detail": "a tag: blurbs of its works",
    "archive:delete_bookmark": "a bookmark, deleted by its reader",
    "archive:reader_bookmarks": "a reader: blurbs of the works they bookmarked",
    "archive:feed_tag": "a tag: an Atom feed of blurbs",
    "archive:private_feed_works": "a feed token: an Atom feed of blurbs",
    "archive:private_feed_tag": "a feed token and a tag: an Atom feed of blurbs",
    "archive:opds_tag": "a tag: catalog entries, metadata only",
    "archive:opds_private_root": "a feed token: catalog navigation",
    "archive:opds_private_latest": "a feed token: catalog entries (EPUBs behind the gate)",
    "archive:opds_private_fandoms": "a feed token: catalog navigation",
    "archive:opds_private_tags": "a feed token: catalog navigation",
    "archive:opds_private_tag": "a feed token and a tag: catalog entries",
    "archive:opds_private_search": "a feed token: catalog search results",
    "archive:opds_private_opensearch": "a feed token: the search description",
    "archive:creator_detail": "a person: blurbs of their works, their series",
    "archive:series_detail": "a series: its metadata and its works' blurbs",
    "archive:edit_series": "a series, edited by its creator: its works' titles",
    "archive:delete_series": "a series, deleted by its creator",
    "archive:add_series_part": "a series its creator adds one of their works to",
    "archive:feed_series": "a series: an Atom feed of blurbs",
    "archive:private_feed_series": "a feed token and a series: an Atom feed of blurbs",
    "archive:opds_series": "a series: catalog entries, metadata only",
    "archive:opds_private_series_list": "a feed token: catalog navigation",
    "archive:opds_private_series": "a feed token and a series: catalog entries",
    "archive:import_batch": "a reader's own import batch: file names, results, draft links",
    "archive:import_batch_progress": "a reader's own import batch: the same, as JSON",
    "accounts:include_tag": "a tag the reader excluded",
    "accounts:delete_filter": "a saved filter",
    "accounts:password_reset_confirm": "a password reset link",
    "following:subscribe_creator": "a creator, subscribed to (a POST, then a redirect)",
    "accounts:relation": "a person, blocked or muted (a POST, then a redirect)",
    "following:subscribe_series": "a series, subscribed to (a POST, then a redirect)",
    "following:unsubscribe": "an email's unsubscribe link: the subscription's name only",
}


def walk(patterns, prefix="", namespace="", parameters=0):
    """Yield (route, name, takes parameters, pattern entry) for every route."""
    for entry in patterns:
        taken = parameters + entry.pattern.regex.groups
        if isinstance(entry, URLResolver):
            if entry.namespace in EXEMPT_NAMESPACES:
                continue
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner, taken)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name])) if entry.name else None
            yield prefix + str(entry.pattern), name, taken > 0, entry


def is_declared(entry):
    callback = entry.callback
    return getattr(callback, "consent_gated", False) or getattr(callback, "metadata_only", False)


def undeclared_routes(patterns):
    return [
        route
        for route, name, takes_parameters, entry in walk(patterns)
        if takes_parameters and not is_declared(entry) and name not in NOT_ABOUT_A_WORK
    ]


def test_every_route_with_a_parameter_is_gated_metadata_only_or_not_about_a_work():
    assert undeclared_routes(get_resolver().url_patterns) == []


def test_routes_declared_not_about_a_work_exist_take_parameters_and_are_not_under_works():
    routes = {name: (route, takes) for route, name, takes, _ in walk(get_resolver().url_patterns)}
    for name in NOT_ABOUT_A_WORK:
        route, takes_parameters = routes[name]
        assert takes_parameters, f"{name} takes no parameter: drop it from the list"
        assert not route.startswith("works/"), f"{name} is under works/: gate it instead"


def test_the_walk_finds_the_reading_routes():
    routes = {route for route, _, takes, _ in walk(get_resolver().url_patterns) if takes}
    assert {
        "works/<int:work_id>/",
        "works/<int:work_id>/entire/",
        "works/<int:work_id>/chapters/<int:position>/",
        "works/<int:work_id>/consent/",
        "works/<int:work_id>/download/<slug:slug>.epub",
        "works/<int:work_id>/download/<slug:slug>.pdf",
    } <= routes


def leak(request, pk):
    """A view a careless change could add: it takes a work by another name, ungated."""
    raise AssertionError("never called")


def leak_in_an_include(request):
    raise AssertionError("never called")


# This module doubles as a URL configuration, for the tests of the test below: the real
# one, plus routes that leak a work without a parameter named like one.
urlpatterns = [
    path("works/<int:pk>/leak/", leak, name="leak"),
    path("stories/<slug:slug>/", leak, name="leak_by_slug"),
    path("works/<int:pk>/more/", include([path("leak/", leak_in_an_include)])),
    path("", include("config.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_site_wide_test_fails_on_a_planted_ungated_route():
    with pytest.raises(AssertionError):
        test_every_route_with_a_parameter_is_gated_metadata_only_or_not_about_a_work()

    assert undeclared_routes(get_resolver().url_patterns) == [
        "works/<int:pk>/leak/",
        "stories/<slug:slug>/",
        "works/<int:pk>/more/leak/",
    ]


def test_a_gated_or_metadata_only_view_passes_whatever_its_parameter_is_called():
    def gated(request, pk):
        raise AssertionError("never called")

    def listed(request, pk):
        raise AssertionError("never called")

    gated.consent_gated = True
    listed.metadata_only = True
    patterns = [path("works/<int:pk>/a/", gated), path("works/<int:pk>/b/", listed)]
    assert undeclared_routes(patterns) == []


def test_a_route_without_parameters_is_not_suspect():
    assert undeclared_routes([path("works/", leak)]) == []
