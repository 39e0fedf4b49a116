"""Listings that find works: the works index, tag pages and search."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from archive import consent, exclusions, search
from archive.filters import WorkFilter
from archive.models import Tag, Work
from archive.vocabulary import TagKind

AUTOCOMPLETE_LIMIT = 10


def work_list(request):
    return _listing(request, base=Work.objects.all(), template="archive/work_list.html")


def tag_detail(request, slug):
    tag = get_object_or_404(Tag.objects.select_related("canonical"), slug=slug)
    context = {"tag": tag, "synonyms": list(tag.synonyms.order_by("name"))}
    works = Work.objects.tagged(tag)
    return _listing(
        request, base=works, template="archive/tag_detail.html", context=context, facet=True
    )


def search_works(request):
    return _listing(
        request, base=Work.objects.all(), template="archive/search.html", relevance=True
    )


def tag_autocomplete(request):
    """Tag names starting with (then containing) what the reader typed, most used first."""
    typed = request.GET.get("q", "").strip()[:100]
    if len(typed) < 2:
        return JsonResponse({"tags": []})
    tags = Tag.objects.filter(name__icontains=typed)
    kind = request.GET.get("kind")
    if kind in TagKind.values:
        tags = tags.filter(kind=kind)
    tags = tags.annotate(uses=Count("tagged_works"), starts=Q(name__istartswith=typed)).order_by(
        "-starts", "-uses", "name"
    )[:AUTOCOMPLETE_LIMIT]
    return JsonResponse({"tags": [{"name": t.name, "kind": t.kind} for t in tags]})


def _listing(request, *, base, template, context=None, relevance=False, facet=False):
    """Filter, count, facet and page a set of works for this reader."""
    work_filter = WorkFilter(
        request.GET,
        base=base.visible_to(request.user),
        exclusions=exclusions.for_request(request),
        relevance=relevance,
    )
    works = work_filter.works()
    page = Paginator(work_filter.sorted(works).with_blurb(), settings.WORKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = work_filter.data.get("q", "")
    context = {
        **(context or {}),
        "page": page,
        "filter": work_filter,
        "form": work_filter.form,
        "hidden_count": work_filter.hidden_count(page.paginator.count),
        # Facets count over the whole result, so they are worth their cost only once the
        # result is narrowed (a filter, a search or a tag), not on the whole archive.
        "facets": work_filter.facets(works) if facet or work_filter.is_filtered else None,
        "query": query,
        "snippets": _snippets(request, page, query) if relevance else {},
    }
    context["active_tags"] = _active_tags(request, work_filter)
    if context["facets"]:
        active = {chip["name"] for chip in context["active_tags"]}
        context["facets"]["tags"] = _without_active(context["facets"]["tags"], active)
    status = 400 if work_filter.form.errors else 200
    return render(request, template, context, status=status)


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


def _without_active(tag_facets, active):
    """Tags already included or excluded are listed above the results, not offered again."""
    facets = []
    for facet in tag_facets:
        tags = [tag for tag in facet["tags"] if tag["name"] not in active]
        if tags:
            facets.append({**facet, "tags": tags})
    return facets


def _snippets(request, page, query):
    readable = {work.pk for work in page.object_list if not consent.missing_items(request, work)}
    return search.snippets(page.object_list, query, readable=readable)
