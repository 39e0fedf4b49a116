"""EPUB, HTML and PDF downloads of a work, behind the consent gate like every page of its text."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from archive.consent.gates import consent_required
from archive.exporting import downloads


@require_safe
@consent_required(gate_status=403)
def download_epub(request, work, slug):
    return _download(request, work, slug, "epub")


@require_safe
@consent_required(gate_status=403)
def download_html(request, work, slug):
    return _download(request, work, slug, "html")


@require_safe
@consent_required(gate_status=403)
def download_pdf(request, work, slug):
    return _download(request, work, slug, "pdf")


def _download(request, work, slug, kind):
    names = downloads.file_names(work)
    # The name in the address follows the title; an old or mistyped one still finds the file.
    if slug != names.slug:
        return redirect(downloads.download_url(work, kind))
    content = downloads.cached_file(work, kind, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type=downloads.CONTENT_TYPES[kind])
    response["Content-Disposition"] = names.content_disposition(kind)
    return response
