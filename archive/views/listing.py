"""Listings that find works: the works index, tag pages and search."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from archive.consent import policy as consent
from archive.listing import cache as listing_cache
from archive.listing import exclusions, search
from archive.listing.filters import WorkFilter
from archive.models import Tag, Work
from archive.vocabulary import TagKind

AUTOCOMPLETE_LIMIT = 10


def work_list(request):
    return _listing(
        request, base=Work.objects.all(), template="archive/work_list.html", listing="index"
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag.objects.select_related("canonical"), slug=slug)
    context = {"tag": tag, "synonyms": list(tag.synonyms.order_by("name"))}
    works = Work.objects.tagged(tag)
    return _listing(
        request,
        base=works,
        template="archive/tag_detail.html",
        context=context,
        about=tag,
        listing=f"tag-{tag.pk}",
    )


def search_works(request):
    # The same search on the works index, where the results are counted by facet.
    on_index = request.GET.copy()
    for param in ["sort", "page"]:
        on_index.pop(param, None)
    context = {"filter_link": f"{reverse('archive:work_list')}?{on_index.urlencode()}"}
    return _listing(
        request,
        base=Work.objects.all(),
        template="archive/search.html",
        context=context,
        relevance=True,
        listing="search",
    )


def tag_autocomplete(request):
    """Tag names starting with (then containing) what the reader typed, most used first.

    Only tags on works this reader can see are offered, so a draft's tags stay private.
    """
    typed = request.GET.get("q", "").strip()[:100]
    if len(typed) < 2:
        return JsonResponse({"tags": []})
    visible = Work.objects.visible_to(request.user)
    tags = Tag.objects.filter(
        name__icontains=typed, tagged_works__content_object__in=visible.values("pk")
    )
    kind = request.GET.get("kind")
    if kind in TagKind.values:
        tags = tags.filter(kind=kind)
    tags = tags.annotate(uses=Count("tagged_works"), starts=Q(name__istartswith=typed)).order_by(
        "-starts", "-uses", "name"
    )[:AUTOCOMPLETE_LIMIT]
    return JsonResponse({"tags": [{"name": t.name, "kind": t.kind} for t in tags]})


class _CountedPaginator(Paginator):
    """A paginator told its total by the query that counted the works (with the facets, or
    with the works the reader's exclusions hide), so it needs no count of its own."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.count = count


def _listing(request, *, base, template, listing, context=None, relevance=False, about=None):
    """Filter, count, facet and page a set of works for this reader.

    `listing` names `base` for the counts cache. `about` is the tag a tag page shows: its
    works are narrowed already, so they get facets (without the tag itself) even before
    the reader filters.
    """
    work_filter = WorkFilter(
        request.GET,
        base=base.visible_to(request.user),
        exclusions=exclusions.for_request(request),
        readable=consent.readable(request),
        relevance=relevance,
        listing=(listing, listing_cache.visibility(request.user)),
    )
    # Facets count over the whole result, so they are worth their cost only once the
    # result is narrowed (a filter or a tag), not on the whole archive. Search results show
    # the best matches, as AO3 does; their facets are a link away, on the works index.
    counted = None
    if about is not None or (work_filter.is_filtered and not relevance):
        counted = work_filter.facets(omit=[about] if about else [])
    per_page = settings.WORKS_PER_PAGE
    first = (_page_number(request) - 1) * per_page
    listed = work_filter.listed(expected=slice(first, first + per_page))
    if counted:
        shown, hidden = counted.total, work_filter.hidden_count()
    else:
        shown, hidden = work_filter.counts(listed)
    page = _CountedPaginator(listed, per_page, count=shown).get_page(request.GET.get("page"))
    query = work_filter.data.get("q", "")
    context = {
        **(context or {}),
        "page": page,
        "filter": work_filter,
        "form": work_filter.form,
        "hidden_count": hidden,
        "facets": counted,
        "tag_sections": work_filter.tag_sections(counted),
        "query": query,
        "snippets": _snippets(request, page, query) if relevance else {},
        "active_tags": _active_tags(request, work_filter),
    }
    status = 400 if work_filter.form.errors else 200
    return render(request, template, context, status=status)


# More pages than any archive has; a larger number only asks for the last page anyway, and
# as an offset it would overflow the database's integers.
MAX_PAGE = 1_000_000


def _page_number(request):
    """The page asked for, as the paginator will read it (anything odd is the first)."""
    try:
        return min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def _active_tags(request, work_filter):
    """The included and excluded tags, each with a link that drops just that one."""
    chips = []
    for param, tags, verb in [
        ("tag", work_filter.include_tags, "Including"),
        ("exclude_tag", work_filter.exclude_tags, "Excluding"),
    ]:
        for tag in tags:
            query = request.GET.copy()
            query.pop("page", None)
            kept = [
                name
                for raw in query.getlist(param)
                for name in (part.strip() for part in raw.split(","))
                if name and name.lower() != tag.name.lower()
            ]
            query.setlist(param, kept)
            chips.append(
                {"param": param, "name": tag.name, "verb": verb, "remove": "?" + query.urlencode()}
            )
    return chips


def _snippets(request, page, query):
    readable = {work.pk for work in page.object_list if not consent.missing_items(request, work)}
    return search.snippets(page.object_list, query, readable=readable)
