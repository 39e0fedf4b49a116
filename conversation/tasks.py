"""The jobs that email a reader of a comment on their work or a reply to them, and of
the kudos left on their works."""

import logging

from huey import crontab

from conversation import emails, kudos
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


# Every ten minutes: kudos notices of days that have ended are emailed, one email per
# reader; a notice whose email failed or whose worker died is sent by a later run, once.
@periodic_job(crontab(minute="*/10"))
def email_kudos_notices():
    for reader_id in kudos.owed_emails():
        try:
            kudos.send_email(reader_id)
        except Exception as error:
            logger.warning("kudos notices of reader %s not emailed: %r", reader_id, error)
