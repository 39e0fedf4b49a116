"""Following's part of a reader's account (accounts.account): what they subscribe to and
the alerts they were sent, in the export; both go with them when they leave."""

from accounts.account import Part, when
from archive.account import work_entry
from following import subscriptions


def _series_entry(series):
    return {"id": series.pk, "title": series.title} if series else None


def _subscriptions(reader):
    subscriptions = reader.subscriptions.select_related("work", "creator", "series").order_by(
        "created_at", "pk"
    )
    return [
        {
            "kind": subscription.kind,
            "work": work_entry(subscription.work) if subscription.work else None,
            "creator": subscription.creator.username if subscription.creator else None,
            "series": _series_entry(subscription.series),
            "created_at": when(subscription.created_at),
        }
        for subscription in subscriptions
    ]


def _alerts(reader):
    alerts = reader.alerts.select_related(
        "update__work", "update__chapter", "update__series"
    ).order_by("created_at", "pk")
    return [
        {
            "kind": alert.update.kind,
            "work": work_entry(alert.update.work),
            "chapter": alert.update.chapter.position if alert.update.chapter else None,
            "series": _series_entry(alert.update.series),
            "email": alert.email,
            "created_at": when(alert.created_at),
            "emailed_at": when(alert.emailed_at),
        }
        for alert in alerts
    ]


def _before_deletion(*, reader):
    """Their subscriptions go as if they unsubscribed, so the works' days count the loss."""
    subscriptions.unsubscribe_all(reader=reader)


PART = Part(
    sections={
        "following.Subscription.reader": ("subscriptions", _subscriptions),
        "following.Alert.reader": ("alerts", _alerts),
    },
    before_deletion=_before_deletion,
)
