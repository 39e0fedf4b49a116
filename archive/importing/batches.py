"""Importing many files at once: a reader's files are kept as rows of a batch, and a job
imports them one by one as drafts.

A worker can be killed at any moment, so the rows are the record of what is done: each file
is imported in a transaction of its own that also writes its result (and empties its bytes),
so a file is either untouched and waiting or imported with its result, never half of it. A
job that runs again, or a second job on the same batch, takes up only the files still
waiting; the resume job (archive.tasks) starts a job for a batch whose job was lost.
"""

import logging
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, DataError, transaction
from django.urls import reverse

from archive.importing.importer import ImportRejected, import_file
from archive.models import ImportBatch, ImportBatchFile
from jobs.queue import enqueue_after_commit, resume_cutoff

logger = logging.getLogger(__name__)

Status = ImportBatchFile.Status


def title_from_file_name(name):
    """The title of a work whose file has none, until its creator edits it."""
    return " ".join(Path(name).stem.replace("_", " ").split()) or "Untitled"


@transaction.atomic
def start_batch(*, reader, uploads, metadata):
    """Keep the uploaded files as a batch of `reader`'s, with the rating, warnings and
    fandoms of `metadata` for each, and ask for the job that imports them."""
    from archive.tasks import import_batch

    batch = ImportBatch.objects.create(
        reader=reader,
        rating=metadata["rating"],
        warnings=list(metadata["warnings"]),
        fandoms=list(metadata["fandoms"]),
    )
    ImportBatchFile.objects.bulk_create(
        ImportBatchFile(
            batch=batch,
            position=position,
            name=Path(upload.name).name[:255],
            size=upload.size,
            data=upload.read(),
        )
        for position, upload in enumerate(uploads, start=1)
    )
    enqueue_after_commit(import_batch, batch.pk)
    return batch


def import_waiting_files(batch_id):
    """Import the batch's waiting files in order; return how many this call imported or
    rejected. Files another job took meanwhile are left to it."""
    batch = ImportBatch.objects.select_related("reader").filter(pk=batch_id).first()
    if batch is None:
        return 0
    waiting = batch.files.filter(status=Status.WAITING).order_by("position")
    return sum(_import_file(batch, file_id) for file_id in waiting.values_list("pk", flat=True))


def _import_file(batch, file_id):
    with transaction.atomic():
        # The lock makes a second job on this file wait here, then find it done (on SQLite
        # the transaction itself takes the database's write lock first).
        file = (
            ImportBatchFile.objects.select_for_update()
            .filter(pk=file_id, status=Status.WAITING)
            .first()
        )
        if file is None:
            return False
        upload = SimpleUploadedFile(file.name, bytes(file.data))
        metadata = {
            "rating": batch.rating,
            "warnings": batch.warnings,
            "fandoms": batch.fandoms,
            "title": title_from_file_name(file.name),
        }
        try:
            # A savepoint: a refused file leaves nothing, and its result is still written.
            with transaction.atomic():
                work = import_file(upload, creator=batch.reader, metadata=metadata, posted=False)
        except ImportRejected as error:
            file.status, file.message = Status.REJECTED, _reason(error, file.name)
        except DataError:
            file.status = Status.REJECTED
            file.message = "the archive could not store what it holds"
        except DatabaseError:
            raise  # the database is away: the job is tried again, the file still waiting
        except Exception:  # noqa: BLE001 - one file the parsers fail on must not stop the rest
            logger.exception("import batch %s: file %s could not be read", batch.pk, file.pk)
            file.status, file.message = Status.REJECTED, "the archive could not read it"
        else:
            file.status, file.work = Status.IMPORTED, work
            file.message = f"“{work.title}”, {work.chapter_count} chapters, {work.word_count} words"
        file.message = file.message[:500]
        file.data = b""
        file.save(update_fields=["status", "message", "work", "data"])
    return True


def _reason(error, name):
    return str(error).removeprefix(f"{name}: ")


def unfinished_batches():
    """Batches with files still waiting long after their job should have imported them
    (the job was lost with a worker, or never enqueued)."""
    return list(
        ImportBatchFile.objects.filter(status=Status.WAITING, batch__created_at__lt=resume_cutoff())
        .order_by("batch")
        .values_list("batch", flat=True)
        .distinct()
    )


def progress(batch, files):
    """What the batch page and its JSON show: how many files are done, and each file's
    result, with the link to its draft."""
    done = sum(file.status != Status.WAITING for file in files)
    return {
        "done": done,
        "total": len(files),
        "finished": done == len(files),
        "files": [
            {
                "id": file.pk,
                "name": file.name,
                "status": file.status,
                "result": _result(file),
                "url": (
                    reverse("archive:work_detail", args=[file.work_id]) if file.work_id else None
                ),
            }
            for file in files
        ],
    }


def _result(file):
    if file.status == Status.IMPORTED and file.work_id is None:
        return f"imported, then deleted: {file.message}"
    if file.status == Status.IMPORTED:
        return f"imported as a draft: {file.message}"
    if file.status == Status.REJECTED:
        return f"rejected: {file.message}"
    return "waiting"
