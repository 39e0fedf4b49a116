"""The archive's own jobs."""

from huey import crontab

from archive.reading import hits
from jobs.queue import periodic_job


# Every minute: a work's page shows hits at most a minute late.
@periodic_job(crontab(minute="*"))
def flush_hits():
    hits.flush()
