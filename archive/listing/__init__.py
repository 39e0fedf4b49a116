"""Finding works: exclusions, filters, facets, search and the counts of every listing.

`listing` is the one way in: it returns a page of works, how many the listing shows and how
many the reader's exclusions hide, and its facets, and chooses how to count them: from the
search's ranking, from the counts cache (archive.listing.cache), or with one plain query.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import HttpRequest

from archive.consent import policy as consent
from archive.listing import cache, exclusions, facets, search
from archive.listing.facets import Facets
from archive.listing.filters import WorkFilter
from archive.models import Work


@dataclass(frozen=True)
class Listing:
    """A page of a listing, how many works the whole listing shows and hides, its facets."""

    page: object  # a django.core.paginator.Page, or a Window when nothing is counted
    shown: int | None = None  # None: not counted
    hidden: int | None = 0
    facets: Facets | None = None  # counted only once a filtered listing is narrowed
    filter: WorkFilter | None = None  # the works filter, with its form
    snippets: dict = field(default_factory=dict)  # {work id: passage}, on a search's page
    late: bool = False  # the counts are a few seconds old (archive.listing.cache)


@dataclass(frozen=True)
class Window:
    """A page of a listing that counts nothing (a catalog): one more work than the page is
    read to know whether another page follows."""

    object_list: list
    number: int
    more: bool

    def has_next(self):
        return self.more


def listing(
    viewer,  # a request, a feed token's reader, or None for the public catalog
    *,
    works,  # in the order to list them, or rows naming a work that bring its blurb
    page=1,  # the page asked for, as the request gave it
    per_page=None,  # settings.WORKS_PER_PAGE unless given
    paged=True,  # False: every work on one page, as a series lists its parts
    filters=None,  # the works filter's data: the works index, tag pages and search
    relevance=False,  # search: best match first, unless sorted otherwise
    about=None,  # the tag a tag page is about: facets from the start, not offering it
    cache_as=None,  # names `works` in the counts cache, for filtered listings
    query=None,  # a search to rank `works` by; one naming no word finds nothing
    show_hidden=False,  # list what the reader's exclusions hide instead of counting it
    counted=True,  # False for catalogs, which show no counts
):
    """One page of `works` for `viewer`, with the listing's counts and facets."""
    per_page = per_page or settings.WORKS_PER_PAGE
    if filters is not None:
        options = {"relevance": relevance, "about": about, "cache_as": cache_as}
        return _filtered(viewer, works, filters, page, per_page, **options)
    if not counted:
        return _uncounted(viewer, works, page, per_page, query=query)
    return _plain(viewer, works, page, per_page, paged=paged, query=query, show_hidden=show_hidden)


def _filtered(viewer, works, data, number, per_page, *, relevance, about, cache_as):
    work_filter = WorkFilter(
        data,
        base=_visible(viewer, works),
        exclusions=_exclusions(viewer),
        readable=_readable(viewer),
        relevance=relevance,
    )
    remembered = cache.not_remembered
    if cache_as is not None:
        remembered = cache.Remembered(
            (cache_as, cache.visibility(viewer.user)),
            *work_filter.key(),
            using=work_filter.base.db,
        )
    # Facets count over the whole result, so they are worth their cost only once the
    # result is narrowed (a filter or a tag), not on the whole archive. Search results show
    # the best matches, as AO3 does; their facets are a link away, on the works index.
    counted = None
    if about is not None or (work_filter.is_filtered and not relevance):
        counted = _facets(work_filter, [about] if about else [], remembered)
    page, shown, hidden = _filtered_page(work_filter, number, per_page, remembered, counted)
    snippets = _snippets(viewer, page, work_filter.data.get("q", "")) if relevance else {}
    return Listing(page, shown, hidden, counted, work_filter, snippets, late=remembered.late)


def _facets(work_filter, about, remembered):
    chosen = work_filter.chosen_families(about)
    more = work_filter.data.get("more")
    works = work_filter.works()
    what = ("facets", tuple(chosen))
    return remembered(what, facets.count, works, omit_families=chosen, more=more)


def _filtered_page(work_filter, number, per_page, remembered, counted):
    if work_filter.ranked:
        ranking = search.Ranking(
            work_filter.filtered(search_text=False),
            work_filter.data["q"],
            readable=work_filter.readable,
            hiding=work_filter.hiding,
            remembered=remembered,
        )
        return _ranked_page(ranking, number, per_page, remembered)
    everything = work_filter.filtered()
    shown, hidden = _counts(everything, work_filter.hiding, remembered, counted=counted)
    page = _page(work_filter.ordered(), number, per_page, shown, late=remembered.late)
    return page, shown, hidden


def _plain(viewer, works, number, per_page, *, paged, query, show_hidden):
    everything = _visible(viewer, works)
    hiding = _hiding(viewer, works, show_hidden=show_hidden)
    if query is not None:
        ranking = _ranking(viewer, everything, query, hiding=hiding)
        return Listing(*_ranked_page(ranking, number, per_page, cache.not_remembered))
    shown, hidden = _counts(everything, hiding, cache.not_remembered)
    listed = _with_blurb(everything if hiding is None else everything.exclude(hiding))
    # Unpaged, the one page holds every work listed.
    page = _page(listed, number, per_page if paged else max(shown, 1), shown)
    return Listing(page, shown, hidden)


def _uncounted(viewer, works, number, per_page, *, query):
    listed = _visible(viewer, works)
    hiding = _hiding(viewer, works)
    listed = listed if hiding is None else listed.exclude(hiding)
    start = (number - 1) * per_page
    stop = start + per_page + 1
    if query is None:
        found = list(_with_blurb(listed)[start:stop])
    else:
        found = _ranking(viewer, listed, query).works(start, stop)
    window = Window(found[:per_page], number, more=len(found) > per_page)
    return Listing(window, shown=None, hidden=None)


def _counts(everything, hiding, remembered, *, counted=None):
    """(shown, hidden): the works of `everything` that `hiding` leaves in and takes out."""
    if hiding is None and counted is not None:
        return counted.total, 0  # the facets counted the shown works already
    return remembered("counts", _count, everything, hiding)


def _count(everything, hiding):
    # One condition says what hides a work, so one query splits shown from hidden.
    if hiding is None:
        return everything.count(), 0
    counted = everything.aggregate(everything=Count("pk"), hidden=Count("pk", filter=hiding))
    return counted["everything"] - counted["hidden"], counted["hidden"]


class _CountedPaginator(Paginator):
    """A paginator told its total by the query that counted the works (or by the facets), so
    it needs no count of its own."""

    late = False  # the count is a few seconds old

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.count = count

    def page(self, number):
        if not self.late:
            return super().page(number)
        # A late count may be short of the works there are now: fill the page anyway, so a
        # work just posted is listed.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _page(listed, number, per_page, shown, *, late=False):
    paginator = _CountedPaginator(listed, per_page, count=shown)
    paginator.late = late
    return paginator.get_page(number)


def _ranked_page(ranking, number, per_page, remembered):
    """The page of a search and its (shown, hidden) counts; a search ranked since the works
    last changed ranks nothing for the pages it kept (search.Ranking)."""
    counts = ranking.count()
    paginator = _CountedPaginator([], per_page, count=counts[0])
    paginator.late = remembered.late  # ranked a few seconds ago (said on the page)
    number = _valid_number(paginator, number)
    # Where Paginator.page would cut the page (its object list here is the ranking's).
    bottom = (number - 1) * per_page
    top = min(bottom + per_page, counts[0])
    return Page(ranking.works(bottom, top, counts=counts), number, paginator), *counts


def _valid_number(paginator, number):
    """The page `number` names, read as Paginator.get_page reads it."""
    try:
        return paginator.validate_number(number)
    except PageNotAnInteger:
        return 1
    except EmptyPage:
        return paginator.num_pages


def _ranking(viewer, works, query, *, hiding=None):
    works = works if search.terms(query) else works.none()
    return search.Ranking(works, query, readable=_readable(viewer), hiding=hiding)


def _snippets(request, page, query):
    readable = {work.pk for work in page.object_list if not consent.missing_items(request, work)}
    return search.snippets(page.object_list, query, readable=readable)


def _visible(viewer, works):
    """What this viewer may find among `works` (or among rows naming a work)."""
    if works.model is not Work:
        return works.filter(work__in=_visible(viewer, Work.objects.all()).values("pk"))
    if isinstance(viewer, HttpRequest):
        return works.visible_to(viewer.user)
    # A token is a password in a URL: whoever's it is, its feeds list posted works only.
    return works.posted()


def _hiding(viewer, works, *, show_hidden=False):
    """What hides one of `works` from this viewer, as a condition on them (None: nothing)."""
    condition = None if show_hidden else _exclusions(viewer).condition()
    if condition is None or works.model is Work:
        return condition
    return Q(work__in=Work.objects.filter(condition).values("pk"))


def _exclusions(viewer):
    if viewer is None:
        return exclusions.NONE
    if isinstance(viewer, HttpRequest):
        return exclusions.for_request(viewer)
    return viewer.exclusions


def _readable(viewer):
    """What the viewer may read without the gate: a search matches chapter text only there."""
    if viewer is None:
        return consent.NOTHING_AGREED
    if isinstance(viewer, HttpRequest):
        return consent.readable(viewer)
    return viewer.readable


def _with_blurb(listed):
    # Rows naming a work bring their works' blurbs themselves.
    return listed.with_blurb() if listed.model is Work else listed
