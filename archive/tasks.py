"""The archive's own jobs."""

from huey import crontab

from archive.listing import cache
from archive.reading import hits
from jobs.queue import job, periodic_job


# Every minute: a work's page shows hits at most a minute late.
@periodic_job(crontab(minute="*"))
def flush_hits():
    hits.flush()


# No retries: a listing found late again asks again, and past cache.LATE_SECONDS a request
# counts it itself.
@job(retries=0)
def recount_listing(key, using, compute, args, kwargs):
    """Count a listing served late again (archive.listing.cache)."""
    cache.recount(key, using, compute, args, kwargs)
