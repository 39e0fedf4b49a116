from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.consent.gates import get_work_for_reader, metadata_only
from archive.listing import exclusions
from archive.models import Bookmark, BookmarkTag, MarkedForLater, Work
from archive.reading import bookmarks
from archive.reading.forms import BookmarkFilterForm, BookmarkForm
from archive.reading.own_lists import own_list
from config.limits import limit_bookmarks
from config.paths import same_site_path


@login_required
def my_bookmarks(request):
    """Every bookmark the reader made: those their preferences hide are counted, and those
    of works deleted or no longer visible stay, saying so (archive.reading.own_lists)."""
    mine = Bookmark.objects.filter(reader=request.user)
    tags = list(
        BookmarkTag.objects.filter(tagged_bookmarks__content_object__reader=request.user)
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
    listed = own_list(
        request, mine.select_related("reader").prefetch_related("tags").order_by(*form.ordering())
    )
    context = {"page": listed.page, "listed": listed, "form": form, "tags": tags, "tag": tag}
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


@login_required
@limit_bookmarks
@metadata_only
def edit_bookmark(request, bookmark_id):
    """Edit a bookmark whose work is deleted or no longer visible to its reader: nothing of
    the work shows but, once it is deleted, the title and creator the bookmark kept."""
    bookmark = _get_own_bookmark(request, bookmark_id)
    visible = Work.objects.visible_to(request.user).filter(pk=bookmark.work_id)
    if bookmark.work_id and visible.exists():
        return redirect("archive:bookmark_work", bookmark.work_id)
    form = BookmarkForm(request.POST or None, instance=bookmark)
    if form.is_valid():
        bookmarks.edit_bookmark(bookmark=bookmark, **form.cleaned_data)
        named = f"of “{bookmark.deleted_work_title}” " if bookmark.deleted_work_title else ""
        messages.success(request, f"Your bookmark {named}is saved.")
        return redirect("archive:my_bookmarks")
    context = {"bookmark": bookmark, "form": form}
    return render(request, "archive/bookmark_edit_gone.html", context)


@require_POST
@login_required
@limit_bookmarks
def delete_bookmark(request, bookmark_id):
    bookmark = _get_own_bookmark(request, bookmark_id)
    bookmarks.delete_bookmark(bookmark=bookmark)
    messages.success(request, "Your bookmark is deleted.")
    return _redirect_back(request, reverse("archive:my_bookmarks"))


@metadata_only
def work_bookmarks(request, work_id):
    """A work's public bookmarks (and the reader's own, even if private): metadata and notes.
    Those of people the reader mutes are left out, and counted."""
    work = get_work_for_reader(request, work_id)
    visible = Bookmark.objects.visible_to(request.user).filter(work=work)
    # The work is the page's subject: only who made a bookmark hides it here.
    hiding = exclusions.for_request(request).bookmark_condition(of_hidden_works=False)
    listed, shown, hidden = exclusions.shown_and_hidden(visible, hiding)
    listed = listed.select_related("reader").prefetch_related("tags").order_by("-created_at", "-pk")
    context = {"work": work, "page": _page(request, listed, count=shown), "hidden_count": hidden}
    return render(request, "archive/bookmark_work.html", context)


def reader_bookmarks(request, username):
    """A reader's public bookmarks; those the viewer's exclusions hide (of hidden works, or
    all of them when the viewer mutes their maker) are left out, and counted."""
    owner = get_object_or_404(get_user_model(), username=username, is_active=True)
    visible = Bookmark.objects.visible_to(request.user).filter(
        reader=owner, work__in=Work.objects.visible_to(request.user)
    )
    hiding = exclusions.for_request(request)
    listed, shown, hidden = exclusions.shown_and_hidden(visible, hiding.bookmark_condition())
    context = {
        "owner": owner,
        "page": _page(request, _with_blurbs(listed).order_by("-created_at", "-pk"), count=shown),
        "hidden_count": hidden,
        "muting": owner.pk in hiding.creators,
    }
    return render(request, "archive/bookmark_reader.html", context)


@require_POST
@login_required
@limit_bookmarks
@metadata_only
def mark_for_later(request, work_id):
    """Mark a work for later, or unmark it: the form says which, so a double submit is harmless."""
    work = get_work_for_reader(request, work_id)
    action = request.POST.get("action")
    if action == "mark" and work.is_owned_by(request.user):
        return HttpResponseForbidden("You cannot mark your own work for later.")
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
    """Every work the reader marked: those their preferences hide are counted, and those no
    longer visible stay, saying so (archive.reading.own_lists)."""
    listed = own_list(request, MarkedForLater.objects.filter(reader=request.user))
    return render(request, "archive/bookmark_later.html", {"page": listed.page, "listed": listed})


@require_POST
@login_required
@metadata_only
def remove_mark(request, mark_id):
    """Unmark from the list by the mark, also for a work the reader may no longer see."""
    mark = get_object_or_404(MarkedForLater, pk=mark_id, reader=request.user)
    bookmarks.remove_mark(mark=mark)
    messages.success(request, "The work is no longer marked for later.")
    return _redirect_back(request, reverse("archive:marked_for_later"))


def _get_own_bookmark(request, bookmark_id):
    # Someone else's bookmark is 404 whatever its privacy: nobody may change it but its owner.
    return get_object_or_404(Bookmark, pk=bookmark_id, reader=request.user)


def _listed_works(request):
    """Works a list may show this reader: visible to them and not hidden by their choices."""
    return Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))


def _with_blurbs(bookmarks):
    """Each bookmark with its tags, its reader and everything its work's blurb shows."""
    return bookmarks.select_related("reader", "work__creator").prefetch_related(
        "tags", "work__tags", "work__warnings"
    )


def _page(request, queryset, *, count=None):
    """A page of `queryset`; `count` is its length when already counted (None: count it)."""
    paginator = Paginator(queryset, settings.WORKS_PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached property: the paginator asks no more
    return paginator.get_page(request.GET.get("page"))


def _redirect_back(request, fallback):
    """Back to the page the form was on, when that is a page of this site."""
    # Only a path: redirect() would take anything else for the name of a view.
    return redirect(same_site_path(request.POST.get("next")) or fallback)
