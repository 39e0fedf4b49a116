"""The job that emails a reader of a comment on their work or a reply to them."""

from conversation import emails
from jobs.queue import job


@job()
def email_notice(item_id):
    emails.send_notice(item_id)
