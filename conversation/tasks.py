"""The jobs that email a reader of a comment on their work or a reply to them."""

import logging

from huey import crontab

from conversation import emails
from jobs.queue import job, periodic_job

logger = logging.getLogger(__name__)


@job()
def email_notice(item_id):
    emails.send_notice(item_id)


# Every minute: a notice whose job was lost with a killed worker, or never enqueued, is
# emailed within minutes. A failure is logged and tried again by the next run.
@periodic_job(crontab(minute="*"))
def resume_notice_emails():
    for item_id in emails.owed_notices():
        try:
            emails.send_notice(item_id)
        except Exception as error:
            logger.warning("comment notice %s not emailed: %r", item_id, error)
