"""The gates that keep work text behind the consent policy, side by side: a work's pages
(`consent_required`), a whole series (`consent_per_part`) and a feed token's downloads
(`token_consent_required`). Each marks its view `consent_gated` for the site-wide URL walk
(tests/test_urls_gated.py); `metadata_only` declares a view that never shows text.
"""

from functools import partial, wraps

from django.db.models import prefetch_related_objects
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from archive.consent import policy, tokens
from archive.consent.forms import ConsentForm
from archive.listing import listing
from archive.models import Series, Work
from archive.writing.series import parts_to_list


def get_work_for_reader(request, work_id):
    """The work with everything its blurb needs, or 404 if this reader may not know of it."""
    works = Work.objects.visible_to(request.user).with_blurb()
    return get_object_or_404(works, pk=work_id)


def get_work_to_read(request, work_id):
    """The work for the gate and the reading pages behind it, or 404: its row, creator and
    the listing generation (keying the cached header) in one query. Its tags are read only
    where they are drawn: a header not in the cache, the interstitial's blurb, a file."""
    works = Work.objects.visible_to(request.user).select_related("creator")
    return get_object_or_404(works.with_listing_generation(), pk=work_id)


def get_series_for_reader(request, series_id):
    """The series with its creator, or 404 if this reader may not know of it."""
    found = Series.objects.visible_to(request.user).select_related("creator")
    return get_object_or_404(found, pk=series_id)


def render_interstitial(request, work, missing, *, form=None, next_url=None, status=200):
    """The gate's answer to a person who has not agreed to everything the work needs: its
    blurb, the items missing and the "Show me this work" form, which returns to `next_url`
    (this page by default)."""
    next_url = next_url or request.get_full_path()
    prefetch_related_objects([work], "tags")  # the blurb's, unless the work brought them
    form = form or ConsentForm(initial={"items": missing, "next": next_url})
    context = {
        "work": work,
        "missing": list(zip(missing, policy.item_labels(missing), strict=True)),
        "form": form,
    }
    return render(request, "archive/interstitial.html", context, status=status)


def keep_private(response, *, noindex, no_store=False):
    """Mark a response that depends on who asks: no shared cache may keep it (with
    `no_store`, no cache at all), and with `noindex` no search engine may list it."""
    if no_store:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True)
    if noindex:
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def keep_token_private(response):
    """A token URL's response is its reader's alone: the URL is their secret, and what it
    lists follows their choices, so no cache may keep it and no search engine list it."""
    return keep_private(response, noindex=True, no_store=True)


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
        work = get_work_to_read(request, work_id)
        missing = policy.missing_items(request, work)
        if missing:
            response = render_interstitial(request, work, missing, status=gate_status)
        else:
            response = view(request, work, *args, **kwargs)
        # Works that need consent stay out of search engines, whether the response is the
        # text or the interstitial.
        return keep_private(response, noindex=bool(policy.needs(work)))

    gated_view.consent_gated = True
    return gated_view


def consent_per_part(view):
    """The consent gate for a whole series: the view receives the series, the parts whose
    every consent item the request has agreed to, the other parts (for their metadata
    only) each with the labels of what it still needs, and how many parts the reader's
    exclusions hide. The policy decides for every part as it would on the part's own pages.
    """

    @wraps(view)
    def gated_view(request, series_id, *args, **kwargs):
        series = get_series_for_reader(request, series_id)
        found = listing(request, works=parts_to_list(series), paged=False)
        parts = list(found.page.object_list)
        agreed, skipped = [], []
        for part in parts:
            missing = policy.missing_items(request, part.work)
            if missing:
                skipped.append((part, policy.item_labels(missing)))
            else:
                agreed.append(part)
        response = view(request, series, agreed, skipped, found.hidden, *args, **kwargs)
        return keep_private(response, noindex=any(policy.needs(part.work) for part in parts))

    gated_view.consent_gated = True
    return gated_view


def token_consent_required(view):
    """Serve a work to a private catalog's app only if its reader agreed to it in advance.

    An app cannot show the interstitial, so this is the gate for token URLs: the view
    (which receives the token's reader and the work) runs only when the reader's standing
    choices cover everything the work needs (no session agreement counts here); otherwise
    a 403 says why.
    """

    @wraps(view)
    def gated_view(request, token, work_id):
        reader = tokens.reader_for_token(token)
        # Not visible_to: a token is a password in a URL, so even a staff member's reaches
        # only what any reader may have, their own drafts and posted works.
        works = Work.objects.posted_or_drafts_of(reader.reader)
        work = get_object_or_404(works.with_blurb(), pk=work_id)
        missing = reader.readable.missing(work)
        if missing:
            response = HttpResponseForbidden(
                f"This work needs agreement to: {', '.join(policy.item_labels(missing))}. "
                "Your standing choices on the archive do not cover it.\n",
                content_type="text/plain; charset=utf-8",
            )
        else:
            response = view(request, reader, work)
        return keep_token_private(response)

    gated_view.consent_gated = True
    return gated_view


def metadata_only(view):
    """Declare that a view taking a work never shows its text (the URL test trusts this)."""
    view.metadata_only = True
    return view
