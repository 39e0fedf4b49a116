from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.consent.gates import get_work_for_reader, metadata_only
from archive.listing import exclusions
from archive.models import Bookmark, BookmarkTag, MarkedForLater, Work
from archive.reading import bookmarks
from archive.reading.forms import BookmarkFilterForm, BookmarkForm
from config.limits import limit_bookmarks
from config.paths import same_site_path


@login_required
def my_bookmarks(request):
    mine = Bookmark.objects.filter(reader=request.user, work__in=_listed_works(request))
    tags = list(
        BookmarkTag.objects.filter(tagged_bookmarks__content_object__in=mine)
        .annotate(uses=Count("tagged_bookmarks"))
        .order_by("name")
    )
    form = BookmarkFilterForm(request.GET, tags=tags)
    form.is_valid()  # an unknown tag or sort shows its error and the unfiltered list
    chosen = form.cleaned_data.get("tag")
    # "Any tag" is "": only a chosen tag filters, even if an old tag's slug is empty too.
    tag = next((t for t in tags if t.slug == chosen), None) if chosen else None
    if tag:
        mine = mine.filter(tags=tag)
    page = _page(request, _with_blurbs(mine).order_by(*form.ordering()))
    context = {"page": page, "form": form, "tags": tags, "tag": tag}
    return render(request, "archive/bookmark_mine.html", context)


@login_required
@limit_bookmarks
@metadata_only
def bookmark_work(request, work_id):
    """Bookmark a work, or edit the bookmark already made: one per reader per work."""
    work = get_work_for_reader(request, work_id)
    bookmark = Bookmark.objects.filter(reader=request.user, work=work).first()
    form = BookmarkForm(request.POST or None, instance=bookmark)
    if form.is_valid():
        bookmarks.save_bookmark(reader=request.user, work=work, **form.cleaned_data)
        messages.success(request, f"Your bookmark of “{work.title}” is saved.")
        return redirect("archive:my_bookmarks")
    context = {"work": work, "form": form, "bookmark": bookmark}
    return render(request, "archive/bookmark_form.html", context)


@require_POST
@login_required
@limit_bookmarks
def delete_bookmark(request, bookmark_id):
    # Someone else's bookmark is 404 whatever its privacy: nobody may delete it but its owner.
    bookmark = get_object_or_404(Bookmark, pk=bookmark_id, reader=request.user)
    bookmarks.delete_bookmark(bookmark=bookmark)
    messages.success(request, "Your bookmark is deleted.")
    return _redirect_back(request, reverse("archive:my_bookmarks"))


@metadata_only
def work_bookmarks(request, work_id):
    """A work's public bookmarks (and the reader's own, even if private): metadata and notes."""
    work = get_work_for_reader(request, work_id)
    listed = (
        Bookmark.objects.visible_to(request.user)
        .filter(work=work)
        .select_related("reader")
        .prefetch_related("tags")
        .order_by("-created_at", "-pk")
    )
    page = _page(request, listed)
    return render(request, "archive/bookmark_work.html", {"work": work, "page": page})


def reader_bookmarks(request, username):
    owner = get_object_or_404(get_user_model(), username=username, is_active=True)
    listed = Bookmark.objects.visible_to(request.user).filter(
        reader=owner, work__in=_listed_works(request)
    )
    page = _page(request, _with_blurbs(listed).order_by("-created_at", "-pk"))
    return render(request, "archive/bookmark_reader.html", {"owner": owner, "page": page})


@require_POST
@login_required
@limit_bookmarks
@metadata_only
def mark_for_later(request, work_id):
    """Mark a work for later, or unmark it: the form says which, so a double submit is harmless."""
    work = get_work_for_reader(request, work_id)
    action = request.POST.get("action")
    if action == "mark":
        bookmarks.mark_for_later(reader=request.user, work=work)
        messages.success(request, f"“{work.title}” is marked for later.")
    elif action == "unmark":
        bookmarks.unmark_for_later(reader=request.user, work=work)
        messages.success(request, f"“{work.title}” is no longer marked for later.")
    else:
        return HttpResponseBadRequest("Say whether to mark or unmark the work.")
    return _redirect_back(request, work.get_absolute_url())


@login_required
def marked_for_later(request):
    marked = (
        MarkedForLater.objects.filter(reader=request.user, work__in=_listed_works(request))
        .select_related("work__creator")
        .prefetch_related("work__tags", "work__warnings")
    )
    return render(request, "archive/bookmark_later.html", {"page": _page(request, marked)})


def _listed_works(request):
    """Works a list may show this reader: visible to them and not hidden by their choices."""
    return Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))


def _with_blurbs(bookmarks):
    """Each bookmark with its tags, its reader and everything its work's blurb shows."""
    return bookmarks.select_related("reader", "work__creator").prefetch_related(
        "tags", "work__tags", "work__warnings"
    )


def _page(request, queryset):
    return Paginator(queryset, settings.WORKS_PER_PAGE).get_page(request.GET.get("page"))


def _redirect_back(request, fallback):
    """Back to the page the form was on, when that is a page of this site."""
    # Only a path: redirect() would take anything else for the name of a view.
    return redirect(same_site_path(request.POST.get("next")) or fallback)
