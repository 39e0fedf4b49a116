"""A reader's own lists (bookmarks, marked for later, history) lose nothing silently.

Every row the reader saved is listed or counted: those whose works their standing choices
hide are counted as every listing counts them ("N hidden by your preferences"), and listed
on asking; those whose works they may no longer see (hidden by staff, back to a draft, or
deleted) stay in place without the work's blurb, saying so.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q

from archive.listing import exclusions
from archive.models import Work


@dataclass(frozen=True)
class OwnList:
    page: object  # a django.core.paginator.Page of the rows, each with `listed_work`: its
    # work with its blurb, or None if the reader may not see it (or it is deleted)
    hidden: int  # rows whose works the reader's exclusions hide, left out of the page
    showing_hidden: bool  # the reader asked to list those too


def own_list(request, rows):
    """A page of `rows` (the reader's rows naming a work, in the order to list them)."""
    showing_hidden = request.GET.get("show_hidden") == "1"
    condition = None if showing_hidden else exclusions.for_request(request).condition()
    if condition is None:
        shown, hidden, listed = rows.count(), 0, rows
    else:
        # One condition says what hides a work, so one query splits shown from hidden; a
        # deleted work (None) hides nothing.
        hiding = Q(work__in=Work.objects.filter(condition).values("pk"))
        counted = rows.aggregate(everything=Count("pk"), hidden=Count("pk", filter=hiding))
        hidden = counted["hidden"]
        shown, listed = counted["everything"] - hidden, rows.exclude(hiding)
    # The work comes only if the reader may see it: no blurb of another's draft or of a
    # work hidden by staff is ever read for this page.
    visible = Work.objects.visible_to(request.user).with_blurb()
    listed = listed.prefetch_related(Prefetch("work", visible, to_attr="listed_work"))
    paginator = Paginator(listed, settings.WORKS_PER_PAGE)
    paginator.count = shown  # counted above: the paginator needs no count of its own
    return OwnList(paginator.get_page(request.GET.get("page")), hidden, showing_hidden)
