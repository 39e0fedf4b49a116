"""The jobs that carry updates to subscribers. Each may run again after a crash or a retry
and does only what is still undone: alerts are unique per update and reader, and an email
is claimed before it is sent."""

from huey import crontab

from following import delivery
from jobs.queue import job, periodic_job


@job()
def deliver(update_id):
    """Alert every subscriber of the update, then send the emails of those who want one each."""
    delivery.fan_out(update_id)
    send_update_emails(update_id)


@job()
def send_update_emails(update_id):
    delivery.send_update_emails(update_id)


# Early morning UTC, when the day's updates are in.
@periodic_job(crontab(minute="0", hour="6"))
def send_daily_digests():
    delivery.send_daily_digests()
