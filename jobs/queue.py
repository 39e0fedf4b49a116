"""How the archive's jobs are declared: `@job` retries with exponential backoff, and a job
that fails on its last try is recorded as a FailedJob for staff.

A queued job can still be lost: a worker killed (SIGKILL, a crash, the machine going down)
has taken it off the queue and dies with it, and an enqueue can fail (Redis away). So no job
is the only record of its work: the database is. Each job's work is a row written in the
transaction that asked for it (an Update, an Alert to email, an inbox notice), a periodic
job resumes every row still undone `JOBS_RESUME_AFTER_SECONDS` after it was written, and an
email is claimed with a lease that expires, so one claimed by a dead worker is sent again.
"""

import logging
import traceback
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey import signals
from huey.api import PeriodicTask
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.utils import normalize_time

logger = logging.getLogger(__name__)

# 10 s, 20 s, 40 s, 80 s, 160 s: a mail server or database back within five minutes loses
# nothing. Jobs must be idempotent, since a retry repeats whatever the failed try did.
RETRIES = 5
RETRY_DELAY = 10
RETRY_BACKOFF = 2

# How long after a stopping worker hands a job back it is due again: long enough for that
# worker's process to be gone.
HAND_BACK_DELAY = 2

job = partial(db_task, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
periodic_job = partial(
    db_periodic_task, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF
)


def enqueue_after_commit(task, *args):
    """Enqueue `task(*args)` once the current transaction commits. If the queue cannot be
    reached the caller goes on: its row is committed, and the resume job takes it up."""
    transaction.on_commit(lambda: _enqueue(task, args))


def _enqueue(task, args):
    try:
        task(*args)
    except Exception as error:
        logger.warning(
            "job %s%r not enqueued (%s): the resume job will take it up",
            task.name,
            args,
            type(error).__name__,
        )


def resume_cutoff():
    """Work written before this and still undone has lost its job (or its job is very late),
    and is taken up again; younger work is left to the job enqueued with it."""
    return timezone.now() - timedelta(seconds=settings.JOBS_RESUME_AFTER_SECONDS)


def claimable(field):
    """The rows whose lease in `field` is free or has expired: a worker that claimed them
    died (or hung) before it sent them or gave them back."""
    expired = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": expired})


@HUEY.signal(signals.SIGNAL_ERROR)
def keep_final_failure(signal, task, exc=None):
    # Huey signals every failed try; only the one with no retry left is a lost job.
    if task.retries:
        return
    from jobs.models import FailedJob

    FailedJob.objects.update_or_create(
        task_id=task.id,
        defaults={
            "task": task.name,
            "arguments": repr((task.args, task.kwargs))[:2000],
            "error": type(exc).__name__ if exc else "unknown",
            "detail": "".join(traceback.format_exception(exc))[-4000:] if exc else "",
            "attempts": task.default_retries + 1,
        },
    )


@HUEY.signal(signals.SIGNAL_INTERRUPTED)
def hand_back_interrupted(signal, task):
    # A worker told to stop that could not finish a job in JOBS_SHUTDOWN_SECONDS puts it
    # back on the queue for the next worker, instead of dropping it as huey does. A
    # periodic job is not put back: its next run comes anyway.
    if isinstance(task, PeriodicTask):
        return
    # Into the schedule, due in a moment, not onto the queue: this worker's own threads may
    # still be waiting on the queue (a blocking read on Redis) and would take the job back
    # just before the process exits. Only a running worker's scheduler moves it on.
    task.eta = normalize_time(delay=HAND_BACK_DELAY, utc=HUEY.utc)
    try:
        HUEY.add_schedule(task)
    except Exception as error:
        logger.warning(
            "interrupted job %s not handed back (%s): the resume job will take it up",
            task.name,
            type(error).__name__,
        )
    else:
        logger.warning("interrupted job %s handed back to the queue", task.name)
