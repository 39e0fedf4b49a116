from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DataError
from django.shortcuts import redirect, render

from archive.importing.forms import ImportForm
from archive.importing.importer import ImportRejected, import_file


@login_required
def import_work(request):
    """Upload a .txt, .html or .epub file to make a draft work for the uploader to review."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        # A file with no title of its own is named after the file until its creator edits it.
        metadata = {**form.metadata(), "title": _title_from_file_name(upload.name)}
        try:
            work = import_file(upload, creator=request.user, metadata=metadata, posted=False)
        except ImportRejected as error:
            form.add_error("file", str(error))
        except DataError:
            # A value the database cannot store; an outage (OperationalError) is left to
            # the archive's 503 page.
            form.add_error("file", f"{upload.name}: the archive could not store what it holds.")
        else:
            messages.success(
                request,
                f"“{work.title}” is imported as a draft: only you and the archive's staff can "
                "see it until you post it. Check it before you do.",
            )
            return redirect(work)
    status = 400 if form.errors else 200
    return render(request, "archive/import_form.html", {"form": form}, status=status)


def _title_from_file_name(name):
    return " ".join(Path(name).stem.replace("_", " ").split()) or "Untitled"
