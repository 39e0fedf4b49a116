"""The OPDS catalog: public at /opds/, and each reader's private one at /opds/<token>/."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from archive.consent import tokens
from archive.consent.gates import keep_token_private, token_consent_required
from archive.exporting import downloads, opds
from archive.listing import listing
from archive.models import Series, Tag, Work
from archive.vocabulary import TagKind

MAX_QUERY = 200


@require_safe
def root(request, token=None):
    catalog = _catalog(request, token)
    entries = [
        {
            "title": "Latest works",
            "id": catalog.feed_id("latest"),
            "content": "The most recently updated works.",
            "href": catalog.url("latest"),
            "type": opds.ACQUISITION,
        },
        {
            "title": "By fandom",
            "id": catalog.feed_id("fandoms"),
            "content": "Works in the fandoms with the most works.",
            "href": catalog.url("fandoms"),
            "type": opds.NAVIGATION,
        },
        {
            "title": "By tag",
            "id": catalog.feed_id("tags"),
            "content": "Works by relationship, character and additional tags.",
            "href": catalog.url("tags"),
            "type": opds.NAVIGATION,
        },
        {
            "title": "Series",
            "id": catalog.feed_id("series_list"),
            "content": "Works read in order, series by series.",
            "href": catalog.url("series_list"),
            "type": opds.NAVIGATION,
        },
    ]
    return _navigation(catalog, "root", "Archive catalog", entries)


@require_safe
def fandoms(request, token=None):
    catalog = _catalog(request, token)
    tags = opds.top_tags([TagKind.FANDOM], catalog.exclusions)
    return _navigation(catalog, "fandoms", "Fandoms", _tag_entries(catalog, tags))


@require_safe
def tags(request, token=None):
    catalog = _catalog(request, token)
    kinds = [TagKind.RELATIONSHIP, TagKind.CHARACTER, TagKind.ADDITIONAL]
    tags = opds.top_tags(kinds, catalog.exclusions)
    return _navigation(catalog, "tags", "Tags", _tag_entries(catalog, tags))


@require_safe
def latest(request, token=None):
    catalog = _catalog(request, token)
    return _acquisition(request, catalog, Work.objects.all(), "latest", "Latest works")


@require_safe
def tag_works(request, slug, token=None):
    catalog = _catalog(request, token)
    tag = get_object_or_404(Tag, slug=slug)
    works = Work.objects.tagged(tag)
    return _acquisition(request, catalog, works, "tag", f"Works tagged {tag.name}", args=[tag.slug])


@require_safe
def series_list(request, token=None):
    catalog = _catalog(request, token)
    entries = [
        {
            "title": series.title,
            "id": f"urn:archive:series:{series.pk}",
            "content": f"{series.uses} work{pluralize(series.uses)} by {series.creator.username}.",
            "href": catalog.url("series", series.pk),
            "type": opds.ACQUISITION,
            "count": series.uses,
        }
        for series in opds.recent_series(catalog.exclusions)
    ]
    return _navigation(catalog, "series_list", "Series", entries)


@require_safe
def series_works(request, series_id, token=None):
    """A series' works in order (part 1 first), as the catalog lists works."""
    catalog = _catalog(request, token)
    listed = Series.objects.with_a_work_among(catalog.works())
    series = get_object_or_404(listed, pk=series_id)
    works = Work.objects.in_series(series)
    title = f"Series: {series.title}"
    return _acquisition(request, catalog, works, "series", title, args=[series.pk])


@require_safe
def search_works(request, token=None):
    catalog = _catalog(request, token)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    title = f"Search: {query}" if query else "Search"
    works = Work.objects.all()
    return _acquisition(request, catalog, works, "search", title, search=query)


@require_safe
def opensearch(request, token=None):
    catalog = _catalog(request, token)
    # {searchTerms} is OpenSearch's placeholder and must reach the app unencoded.
    template = catalog.url("search") + "?q={searchTerms}"
    content = render_to_string("opds/opensearch.xml", {"template": template})
    return _response(content, opds.OPENSEARCH, catalog)


@require_safe
@token_consent_required
def work_epub(request, reader, work):
    return _file(request, work, "epub")


@require_safe
@token_consent_required
def work_pdf(request, reader, work):
    return _file(request, work, "pdf")


def _file(request, work, kind):
    content = downloads.cached_file(work, kind, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type=downloads.CONTENT_TYPES[kind])
    response["Content-Disposition"] = downloads.file_names(work).content_disposition(kind)
    return response


def _catalog(request, token):
    reader = tokens.reader_for_token(token) if token is not None else None
    return opds.Catalog(request, reader)


def _tag_entries(catalog, tags):
    return [
        {
            "title": tag.name,
            "id": f"urn:archive:tag:{tag.pk}",
            "content": f"{tag.uses} work{pluralize(tag.uses)} tagged {tag.name}.",
            "href": catalog.url("tag", tag.slug),
            "type": opds.ACQUISITION,
            "count": tag.uses,
        }
        for tag in tags
    ]


def _navigation(catalog, name, title, entries):
    context = {
        **_feed_head(catalog, name, title, opds.NAVIGATION),
        "updated": opds.updated_now(),
        "entries": entries,
    }
    return _response(render_to_string("opds/navigation.xml", context), opds.NAVIGATION, catalog)


def _acquisition(request, catalog, works, name, title, *, args=(), search=None):
    """A page of the works the catalog lists, best match first for a `search`."""
    page = _page_number(request)
    window = listing(
        catalog.reader, works=works, page=page, per_page=opds.PAGE_SIZE, query=search, counted=False
    ).page
    shown = window.object_list
    query = {} if search is None else {"q": search}
    context = {
        **_feed_head(catalog, name, title, opds.ACQUISITION, args=args, query=query, page=page),
        "updated": opds.timestamp(max(w.updated for w in shown)) if shown else opds.updated_now(),
        "entries": [catalog.entry(work) for work in shown],
    }
    if window.has_next():
        context["next_url"] = catalog.url(name, *args, query={**query, "page": page + 1})
    if page > 1:
        context["previous_url"] = catalog.url(name, *args, query={**query, "page": page - 1})
    return _response(render_to_string("opds/acquisition.xml", context), opds.ACQUISITION, catalog)


def _feed_head(catalog, name, title, kind, *, args=(), query=None, page=1):
    query = dict(query or {})
    if page > 1:
        query["page"] = page
    return {
        "feed_id": catalog.feed_id(":".join([name, *map(str, args)])),
        "title": title,
        "kind": kind,
        "self_url": catalog.url(name, *args, query=query),
        "start_url": catalog.url("root"),
        "opensearch_url": catalog.url("opensearch"),
        "home_url": catalog.request.build_absolute_uri("/"),
        "navigation": opds.NAVIGATION,
    }


def _page_number(request):
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise Http404("No such page.")
    return int(raw)


def _response(content, content_type, catalog):
    response = HttpResponse(downloads.xml_text(content), content_type=content_type)
    if catalog.reader:
        keep_token_private(response)
    return response
