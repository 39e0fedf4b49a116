"""Listings that find works: the works index, tag pages and search."""

from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from archive import blurbs
from archive.listing import listing
from archive.models import Tag, Work
from archive.vocabulary import TagKind

AUTOCOMPLETE_LIMIT = 10


def work_list(request):
    return _listing(
        request, works=Work.objects.all(), template="archive/work_list.html", cache_as="index"
    )


def tag_detail(request, slug):
    tag = get_object_or_404(Tag.objects.select_related("canonical"), slug=slug)
    context = {"tag": tag, "synonyms": list(tag.synonyms.order_by("name"))}
    return _listing(
        request,
        works=Work.objects.tagged(tag),
        template="archive/tag_detail.html",
        context=context,
        about=tag,
        cache_as=f"tag-{tag.pk}",
    )


def search_works(request):
    # The same search on the works index, where the results are counted by facet.
    on_index = request.GET.copy()
    for param in ["sort", "page"]:
        on_index.pop(param, None)
    context = {"filter_link": f"{reverse('archive:work_list')}?{on_index.urlencode()}"}
    return _listing(
        request,
        works=Work.objects.all(),
        template="archive/search.html",
        context=context,
        relevance=True,
        cache_as="search",
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


def _listing(request, *, template, context=None, **options):
    """Render a filtered listing: its page, its counts, its facets and the filter's form."""
    found = listing(request, filters=request.GET, page=request.GET.get("page"), **options)
    context = {**(context or {}), **listing_context(request, found)}
    status = 400 if found.filter.form.errors else 200
    return render(request, template, context, status=status)


def listing_context(request, found):
    """What includes/listing.html shows of a filtered listing (archive.listing.listing)."""
    work_filter = found.filter
    return {
        "page": found.page,
        "blurbs": _blurbs(found),
        "filter": work_filter,
        "form": work_filter.form,
        "hidden_count": found.hidden,
        "facets": found.facets,
        "tag_sections": work_filter.tag_sections(found.facets),
        "query": work_filter.data.get("q", ""),
        "snippets": found.snippets,
        "active_tags": _active_tags(request, work_filter),
    }


def _blurbs(found):
    """[(blurb HTML, search snippet or None)] for the page's works, the blurbs drawn once for
    every reader (archive.blurbs) and the snippets, which are this reader's, apart."""
    rendered = blurbs.render(found.page.object_list)
    found.page.object_list = [work for work, _ in rendered]  # read once, for any later use
    return [(html, found.snippets.get(work.pk)) for work, html in rendered]


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
