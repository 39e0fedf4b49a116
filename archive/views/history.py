"""A reader's reading history: the list, clearing it, switching it off, and the place
reported by the reading script."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.consent import policy
from archive.consent.gates import get_work_for_reader, metadata_only
from archive.listing import exclusions
from archive.models import Work
from archive.reading import history as reading_history


class PlaceForm(forms.Form):
    chapter = forms.IntegerField(min_value=1, max_value=32767)
    paragraph = forms.IntegerField(min_value=0, max_value=1_000_000)
    # The path of the page the place was read on (older scripts send none).
    page = forms.CharField(required=False, max_length=2000)


class HistorySwitchForm(forms.Form):
    history = forms.ChoiceField(choices=[("on", "On"), ("off", "Off")])
    clear = forms.BooleanField(required=False, label="Also forget the works already listed")


@login_required
def history(request):
    works = Work.objects.visible_to(request.user).excluding(exclusions.for_request(request))
    readings = (
        reading_history.with_place(request.user.readings.filter(work__in=works))
        .annotate(new_chapters=F("work__chapter_count") - F("chapters_seen"))
        .prefetch_related(Prefetch("work", queryset=Work.objects.with_blurb()))
    )
    page = Paginator(readings, settings.WORKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/history.html", {"page": page, "form": HistorySwitchForm()})


@login_required
def clear_history(request):
    """Ask first; only the POST from the confirmation page forgets anything."""
    if request.method == "POST":
        forgotten = reading_history.clear_history(reader=request.user)
        messages.success(request, f"Your history is cleared: {forgotten} work(s) forgotten.")
        return redirect("archive:history")
    return render(request, "archive/history_clear.html")


@require_POST
@login_required
def switch_history(request):
    form = HistorySwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That request could not be understood. Nothing was changed.")
        return redirect("archive:history")
    enabled = form.cleaned_data["history"] == "on"
    clear = not enabled and form.cleaned_data["clear"]
    reading_history.switch_history(reader=request.user, enabled=enabled, clear=clear)
    if enabled:
        messages.success(request, "Your history is on: the works you read are remembered.")
    elif clear:
        messages.success(request, "Your history is off and cleared.")
    else:
        messages.success(request, "Your history is off. What was already recorded is kept.")
    return redirect("archive:history")


@require_POST
@login_required
@metadata_only
def record_place(request, work_id):
    """The reading script's report of the paragraph reached.

    It shows no text, but a place is only kept in a work whose gate the reader passed.
    """
    work = get_work_for_reader(request, work_id)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        message = "Send a chapter position (1 or more) and a paragraph number (0 or more)."
        return JsonResponse({"error": message, "fields": form.errors}, status=400)
    if policy.missing_items(request, work):
        message = "Agree to what this work needs before reading it."
        return JsonResponse({"error": message}, status=403)
    position = form.cleaned_data["chapter"]
    chapter = work.chapters.only("id", "work_id", "position").filter(position=position).first()
    if chapter is None:
        return JsonResponse({"error": "This work has no chapter at that position."}, status=404)
    recorded = reading_history.record_place(
        reader=request.user,
        work=work,
        chapter=chapter,
        paragraph=form.cleaned_data["paragraph"],
        only_forward=_is_landing_page(form.cleaned_data["page"], work),
    )
    return JsonResponse({"recorded": recorded})


def _is_landing_page(path, work):
    """The work page and the entire work are where every link lands: a reader there may be
    passing through on the way to the kudos, not reading again from the start."""
    landing = ("archive:work_detail", "archive:work_entire")
    return path in {reverse(name, args=[work.pk]) for name in landing}
