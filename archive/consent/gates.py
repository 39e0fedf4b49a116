"""The one decorator that keeps work text behind the consent gate."""

from functools import partial, wraps

from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from archive.consent import policy as consent
from archive.consent.forms import ConsentForm
from archive.models import Work


def get_work_for_reader(request, work_id):
    """The work with everything its blurb needs, or 404 if this reader may not know of it."""
    works = Work.objects.visible_to(request.user).with_blurb()
    return get_object_or_404(works, pk=work_id)


def render_interstitial(request, work, missing, *, form=None, status=200):
    form = form or ConsentForm(initial={"items": missing, "next": request.get_full_path()})
    context = {
        "work": work,
        "missing": list(zip(missing, consent.item_labels(missing), strict=True)),
        "form": form,
    }
    return render(request, "archive/interstitial.html", context, status=status)


def consent_required(view=None, *, gate_status=200):
    """Show the view only once the request has agreed to everything the work needs.

    The wrapped view receives the work itself instead of its id. A file's address passes
    `gate_status=403`: its gate is still the consent page, but a download manager must not
    save that page under a book's name, and only a status that is not 2xx tells it so.
    """
    if view is None:
        return partial(consent_required, gate_status=gate_status)

    @wraps(view)
    def gated_view(request, work_id, *args, **kwargs):
        work = get_work_for_reader(request, work_id)
        missing = consent.missing_items(request, work)
        if missing:
            response = render_interstitial(request, work, missing, status=gate_status)
        else:
            response = view(request, work, *args, **kwargs)
        # Works that need consent stay out of search engines, whether the response is
        # the text or the interstitial; and no shared cache may keep a page whose
        # content depends on this reader's consent.
        if work.consent_items():
            response["X-Robots-Tag"] = "noindex, nofollow"
        patch_cache_control(response, private=True)
        return response

    gated_view.consent_gated = True
    return gated_view


def metadata_only(view):
    """Declare that a view taking a work never shows its text (the URL test trusts this)."""
    view.metadata_only = True
    return view
