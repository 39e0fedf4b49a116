"""Series: their pages, their EPUB, and the pages their creators arrange them on.

Only a series' creator reaches its editing routes; to anyone else each is a 404, so
nobody learns which series exist that they cannot see.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts import relations
from archive.consent.gates import consent_per_part, get_series_for_reader, metadata_only
from archive.exporting import series_epub
from archive.listing import listing
from archive.models import Series, Work
from archive.writing.forms import AddPartForm, MovePartForm, SeriesForm
from archive.writing.series import (
    SeriesRefused,
    add_work_to_series,
    move_work_in_series,
    parts_to_list,
    remove_work_from_series,
)


def _get_series_for_creator(request, series_id):
    """The reader's own series, or 404 (for another's series as for one that does not exist)."""
    if not request.user.is_authenticated:
        raise Http404("You have no series with that id.")
    mine = Series.objects.filter(creator=request.user).select_related("creator")
    return get_object_or_404(mine, pk=series_id)


@dataclass(frozen=True)
class Listed:
    """What a reader sees of a series: its parts they may list, and what is left out."""

    parts: list  # SeriesPart rows with their works, ready for blurbs
    hidden_count: int  # parts the reader's exclusions hide
    word_count: int  # words of the parts listed


def _listed_parts(request, series, *, show_hidden=False):
    """The series' parts this reader may list, in order, and how many their exclusions hide;
    works the reader may not see at all are neither listed nor counted."""
    found = listing(request, works=parts_to_list(series), paged=False, show_hidden=show_hidden)
    listed = list(found.page.object_list)
    return Listed(listed, found.hidden, sum(part.work.word_count for part in listed))


@require_safe
def series_detail(request, series_id):
    series = get_series_for_reader(request, series_id)
    showing_hidden = request.GET.get("show_hidden") == "1"
    context = {
        "series": series,
        "listed": _listed_parts(request, series, show_hidden=showing_hidden),
        "showing_hidden": showing_hidden,
        # A muted person's series stays reachable by its address, and says why it looks empty.
        "muting": series.creator_id in relations.muted_ids(request.user),
        "download_url": _download_url(series),
    }
    return render(request, "archive/series_detail.html", context)


@login_required
def my_series(request):
    mine = Series.objects.filter(creator=request.user).order_by("-updated_at", "-id")
    return render(request, "archive/my_series.html", {"series_list": list(mine)})


@login_required
def new_series(request):
    form = SeriesForm(request.POST or None)
    if form.is_valid():
        form.instance.creator = request.user
        series = form.save()
        messages.success(request, f"Your series “{series.title}” is made: now add its works.")
        return redirect("archive:edit_series", series.pk)
    return render(request, "archive/series_form.html", {"form": form, "series": None})


@login_required
def edit_series(request, series_id):
    series = _get_series_for_creator(request, series_id)
    form = SeriesForm(request.POST or None, instance=series)
    if form.is_valid():
        form.save()
        messages.success(request, f"Your changes to “{series.title}” are saved.")
        return redirect(series)
    return _series_form(request, series, form=form)


@require_POST
@login_required
def add_series_part(request, series_id):
    series = _get_series_for_creator(request, series_id)
    form = AddPartForm(request.POST, series=series)
    if form.is_valid():
        work, position = form.cleaned_data["work"], form.cleaned_data["position"]
        try:
            part = add_work_to_series(series=series, work=work, position=position)
        except SeriesRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"“{work.title}” is now part {part.position}.")
            return redirect(_parts_url(series))
    return _series_form(request, series, add_form=form, status=400)


@require_POST
@login_required
@metadata_only
def move_series_part(request, series_id, work_id):
    series, work = _series_and_part(request, series_id, work_id)
    form = MovePartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a position to move the work to.")
        return redirect(_parts_url(series))
    try:
        part = move_work_in_series(series=series, work=work, position=form.cleaned_data["position"])
    except SeriesRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"“{work.title}” is now part {part.position}.")
    return redirect(_parts_url(series))


@require_POST
@login_required
@metadata_only
def remove_series_part(request, series_id, work_id):
    series, work = _series_and_part(request, series_id, work_id)
    remove_work_from_series(series=series, work=work)
    messages.success(request, f"“{work.title}” is no longer part of “{series.title}”.")
    return redirect(_parts_url(series))


@login_required
def delete_series(request, series_id):
    """Ask first; the series goes on the confirming POST, and its works stay as they are."""
    series = _get_series_for_creator(request, series_id)
    if request.method == "POST":
        series.delete()
        messages.success(request, f"The series “{series.title}” is deleted; its works stay.")
        return redirect("archive:my_series")
    return render(request, "archive/series_delete.html", {"series": series})


@require_safe
@consent_per_part
def download_series_epub(request, series, agreed, skipped, hidden_count, slug):
    names = series_epub.file_names(series)
    if slug != names.slug:
        return redirect(_download_url(series))
    content = series_epub.cached_epub(
        series, agreed, skipped, hidden_count, base_url=request.build_absolute_uri("/")
    )
    response = HttpResponse(content, content_type=series_epub.EPUB_TYPE)
    response["Content-Disposition"] = names.content_disposition("epub")
    return response


def _series_and_part(request, series_id, work_id):
    series = _get_series_for_creator(request, series_id)
    work = get_object_or_404(Work.objects.filter(series_parts__series=series), pk=work_id)
    return series, work


def _series_form(request, series, *, form=None, add_form=None, status=200):
    """The edit page: the series' details, its parts in order, and a form to add one."""
    parts = series.parts.select_related("work").order_by("position")
    context = {
        "series": series,
        "form": form or SeriesForm(instance=series),
        "add_form": add_form or AddPartForm(series=series),
        "parts": list(parts),
    }
    if form is not None and form.errors:
        status = 400
    return render(request, "archive/series_form.html", context, status=status)


def _parts_url(series):
    return reverse("archive:edit_series", args=[series.pk]) + "#parts"


def _download_url(series):
    slug = series_epub.file_names(series).slug
    return reverse("archive:download_series_epub", args=[series.pk, slug])
