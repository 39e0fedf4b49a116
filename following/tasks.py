"""The jobs that carry updates to subscribers. Each may run again after a crash, a retry or
a resume and does only what is still undone: alerts are unique per update and reader, and
an email is claimed with a lease before it is sent and marked sent once it has gone out."""

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
@periodic_job(crontab(minute="0", hour=str(delivery.DIGEST_HOUR)))
def send_daily_digests():
    delivery.send_daily_digests()


# Every minute: a job lost with a killed worker, or never enqueued, is done within minutes.
@periodic_job(crontab(minute="*"))
def resume_deliveries():
    """Deliver what lost jobs left undone: fan-outs never finished, emails never sent."""
    for update_id in delivery.undelivered_updates():
        deliver(update_id)
    delivery.send_owed_emails()
