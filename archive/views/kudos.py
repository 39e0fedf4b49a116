from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from archive.consent import policy
from archive.consent.gates import get_work_for_reader, metadata_only, render_interstitial
from archive.models import Work
from archive.reading import kudos
from archive.views.reading import next_within_work
from config.clients import client_address
from config.limits import limit_kudos

UNGATED = "Agree to what this work needs before leaving kudos on it."


@require_POST
@limit_kudos
@metadata_only
def leave_kudos(request, work_id):
    """The kudos button: a plain form POST, answered in JSON when the script asks for it."""
    work = get_work_for_reader(request, work_id)
    missing = policy.missing_items(request, work)
    if missing:
        return _refuse_ungated(request, work, missing)
    reader = request.user if request.user.is_authenticated else None
    key = "" if reader else kudos.guest_key(client_address(request))
    try:
        created = kudos.give_kudos(work=work, reader=reader, guest_key=key)
    except kudos.KudosRefused as refusal:
        return _refuse(request, work, str(refusal))
    if created:
        return _answer(request, work, kudos.THANKS, created=True)
    return _answer(request, work, kudos.ALREADY_LEFT, level=messages.INFO)


def _answer(request, work, message, *, level=messages.SUCCESS, created=False):
    if _wants_json(request):
        work.kudos_count = Work.objects.values_list("kudos_count", flat=True).get(pk=work.pk)
        answer = {
            "created": created,
            "message": message,
            "kudos_count": work.kudos_count,
            "givers": kudos.givers(work).sentence,
        }
        return JsonResponse(answer)
    messages.add_message(request, level, message)
    return redirect(next_within_work(work, request.POST.get("next", "")))


def _refuse(request, work, message):
    """The refusal says why and changes nothing; a page of its own, so the answer is a 403
    whether or not the script asked."""
    if _wants_json(request):
        return JsonResponse({"created": False, "message": message}, status=403)
    messages.error(request, message)
    return render(request, "archive/kudos_refused.html", {"work": work}, status=403)


def _refuse_ungated(request, work, missing):
    if _wants_json(request):
        return JsonResponse({"created": False, "message": UNGATED}, status=403)
    messages.error(request, UNGATED)
    # After agreeing, go to the work: the kudos URL answers POSTs only.
    return render_interstitial(request, work, missing, next_url=work.get_absolute_url(), status=403)


def _wants_json(request):
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"
