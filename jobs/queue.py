"""How the archive's jobs are declared: `@job` retries with exponential backoff, and a job
that fails on its last try is recorded as a FailedJob for staff."""

import traceback
from functools import partial

from huey import signals
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

# 10 s, 20 s, 40 s, 80 s, 160 s: a mail server or database back within five minutes loses
# nothing. Jobs must be idempotent, since a retry repeats whatever the failed try did.
RETRIES = 5
RETRY_DELAY = 10
RETRY_BACKOFF = 2

job = partial(db_task, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
periodic_job = partial(
    db_periodic_task, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF
)


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
