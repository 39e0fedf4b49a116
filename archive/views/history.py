"""A reader's reading history: the list, clearing it, switching it off, and the place
reported by the reading script."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.consent import policy
from archive.consent.gates import get_work_for_reader, metadata_only
from archive.models import Reading, Work
from archive.reading import history as reading_history
from archive.reading.own_lists import own_list
from config.paths import same_site_path


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
    """Every work the reader read: those their preferences hide are counted, and those no
    longer visible stay, saying so (archive.reading.own_lists)."""
    readings = reading_history.with_place(request.user.readings.all()).annotate(
        new_chapters=F("work__chapter_count") - F("chapters_seen")
    )
    listed = own_list(request, readings)
    context = {"page": listed.page, "listed": listed, "form": HistorySwitchForm()}
    return render(request, "archive/history.html", context)


@require_POST
@login_required
@metadata_only
def forget_reading(request, reading_id):
    """Remove one work from the history; another reader's entry is 404, like a missing one."""
    reading = get_object_or_404(Reading, pk=reading_id, reader=request.user)
    visible = Work.objects.visible_to(request.user).filter(pk=reading.work_id)
    title = visible.values_list("title", flat=True).first()
    reading_history.forget_reading(reading=reading)
    removed = f"“{title}” is" if title else "The work is"
    messages.success(request, f"{removed} removed from your history.")
    return redirect(same_site_path(request.POST.get("next")) or reverse("archive:history"))


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
    chapters = work.chapters.visible_to(request.user, work=work)
    chapter = chapters.only("id", "work_id", "position").filter(position=position).first()
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
