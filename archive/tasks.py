"""The archive's own jobs."""

from huey import crontab

from archive.importing import batches
from archive.listing import cache
from archive.reading import hits
from archive.writing import scheduling
from jobs.queue import job, periodic_job


# Every minute: a work's page shows hits at most a minute late.
@periodic_job(crontab(minute="*"))
def flush_hits():
    hits.flush()


# Every minute, and at a worker's start: a scheduled chapter is posted within the minute of
# its time, or as soon as a worker runs again if none ran then. Each chapter is posted once
# whichever worker, or how many, runs this (archive.writing.scheduling).
@periodic_job(crontab(minute="*"))
def post_scheduled_chapters():
    scheduling.post_due_chapters()


# No retries: a listing found late again asks again, and past cache.LATE_SECONDS a request
# counts it itself.
@job(retries=0)
def recount_listing(key, using, compute, args, kwargs):
    """Count a listing served late again (archive.listing.cache)."""
    cache.recount(key, using, compute, args, kwargs)


@job()
def import_batch(batch_id):
    """Import the files of a batch uploaded at once (archive.importing.batches)."""
    batches.import_waiting_files(batch_id)


# Every minute: a batch whose job was lost with a killed worker, or never enqueued, goes on
# within minutes, from the first file still waiting.
@periodic_job(crontab(minute="*"))
def resume_import_batches():
    for batch_id in batches.unfinished_batches():
        import_batch(batch_id)
