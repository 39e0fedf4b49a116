from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DataError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from archive.importing import batches
from archive.importing.forms import BatchImportForm, ImportForm
from archive.importing.importer import ImportRejected, import_file
from archive.models import ImportBatch

# How often the batch page reloads itself while files are waiting, without JavaScript.
REFRESH_SECONDS = 5


@login_required
def import_work(request):
    """Upload a .txt, .html or .epub file to make a draft work for the uploader to review."""
    form = ImportForm(request.POST or None, request.FILES or None, reader=request.user)
    if form.is_bound and not form.is_valid():
        form.keep_file()
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        # A file with no title of its own is named after the file until its creator edits it.
        metadata = {**form.metadata(), "title": batches.title_from_file_name(upload.name)}
        try:
            work = import_file(upload, creator=request.user, metadata=metadata, posted=False)
        except ImportRejected as error:
            form.add_error("file", str(error))
            form.forget_file()
        except DataError:
            # A value the database cannot store; an outage (OperationalError) is left to
            # the archive's 503 page.
            form.add_error("file", f"{upload.name}: the archive could not store what it holds.")
            form.forget_file()
        else:
            form.forget_file()
            messages.success(
                request,
                f"“{work.title}” is imported as a draft: only you and the archive's staff can "
                "see it until you post it. Check it before you do.",
            )
            return redirect(work)
    status = 400 if form.errors else 200
    return render(request, "archive/import_form.html", {"form": form}, status=status)


@login_required
def import_many(request):
    """Upload several files at once; a job imports each as a draft while the batch page
    shows how far it has got."""
    form = BatchImportForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        batch = batches.start_batch(
            reader=request.user, uploads=form.cleaned_data["files"], metadata=form.metadata()
        )
        return redirect(batch)
    status = 400 if form.errors else 200
    return render(request, "archive/import_many.html", {"form": form}, status=status)


@login_required
def import_batch(request, batch_id):
    """A batch's progress and each file's result, with links to the drafts made."""
    batch, files = _get_batch_for_reader(request, batch_id)
    progress = batches.progress(batch, files)
    context = {"batch": batch, "progress": progress, "refresh_seconds": REFRESH_SECONDS}
    return render(request, "archive/import_batch.html", context)


@login_required
def import_batch_progress(request, batch_id):
    """The batch page's figures as JSON, for its script to poll."""
    batch, files = _get_batch_for_reader(request, batch_id)
    return JsonResponse(batches.progress(batch, files))


def _get_batch_for_reader(request, batch_id):
    """The reader's own batch and its files (without their bytes); anyone else's is a 404."""
    batch = get_object_or_404(ImportBatch, pk=batch_id, reader=request.user)
    files = list(batch.files.defer("data").order_by("position"))
    return batch, files
