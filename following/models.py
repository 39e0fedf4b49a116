from django.conf import settings
from django.db import models
from django.db.models import Q


class Target(models.TextChoices):
    WORK = "work", "Work"
    CREATOR = "creator", "Creator"
    SERIES = "series", "Series"


def _only(kind, *, of):
    """The condition that exactly the field named for `kind` is set among `of`."""
    return Q(kind=kind, **{f"{field}__isnull": field != kind for field in of})


TARGETS = ["work", "creator", "series"]


class Subscription(models.Model):
    """A reader follows a work (new chapters), a creator (new works) or a series (new parts)."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(max_length=10, choices=Target.choices)
    work = models.ForeignKey(
        "archive.Work", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscribers",
    )
    series = models.ForeignKey(
        "archive.Series", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_only("work", of=TARGETS)
                | _only("creator", of=TARGETS)
                | _only("series", of=TARGETS),
                name="subscription_has_its_kinds_target",
            ),
            models.UniqueConstraint(
                fields=["reader", "work"], condition=Q(kind="work"), name="subscription_work_once"
            ),
            models.UniqueConstraint(
                fields=["reader", "creator"],
                condition=Q(kind="creator"),
                name="subscription_creator_once",
            ),
            models.UniqueConstraint(
                fields=["reader", "series"],
                condition=Q(kind="series"),
                name="subscription_series_once",
            ),
            models.CheckConstraint(
                condition=~Q(creator=models.F("reader")), name="subscription_not_to_oneself"
            ),
        ]
        # The fan-out finds a target's subscribers.
        indexes = [
            models.Index(fields=["work"], name="subscription_work_idx"),
            models.Index(fields=["creator"], name="subscription_creator_idx"),
            models.Index(fields=["series"], name="subscription_series_idx"),
        ]

    def __str__(self):
        return f"{self.reader_id} follows {self.kind} {self.target_id}"

    @property
    def target(self):
        return getattr(self, self.kind)

    @property
    def target_id(self):
        return getattr(self, f"{self.kind}_id")


class UpdateKind(models.TextChoices):
    CHAPTER = "chapter", "New chapter"
    WORK = "work", "New work"
    PART = "part", "New part of a series"


class Update(models.Model):
    """Something subscribers hear of: a chapter posted, a work posted, a work added to a
    series. Recorded once per event (the constraints), so posting twice alerts no one twice."""

    kind = models.CharField(max_length=10, choices=UpdateKind.choices)
    work = models.ForeignKey("archive.Work", on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey(
        "archive.Chapter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    series = models.ForeignKey(
        "archive.Series", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when every subscriber has had their alert; a retried or resumed fan-out starts where
    # it stopped. Until then the update is the fan-out's outbox record: the resume job
    # (following.tasks) delivers any update whose job was lost with a worker.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="chapter", chapter__isnull=False, series__isnull=True)
                | Q(kind="work", chapter__isnull=True, series__isnull=True)
                | Q(kind="part", chapter__isnull=True, series__isnull=False),
                name="update_has_its_kinds_subject",
            ),
            models.UniqueConstraint(
                fields=["chapter"], condition=Q(kind="chapter"), name="update_chapter_once"
            ),
            models.UniqueConstraint(
                fields=["work"], condition=Q(kind="work"), name="update_work_once"
            ),
            models.UniqueConstraint(
                fields=["series", "work"], condition=Q(kind="part"), name="update_part_once"
            ),
        ]
        # The resume job looks every minute for updates still to deliver.
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(delivered_at__isnull=True),
                name="update_undelivered_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: work {self.work_id}"


class AlertEmail(models.TextChoices):
    NONE = "none", "No email"
    EACH = "each", "Email of its own"
    DAILY = "daily", "In the daily digest"


class Alert(models.Model):
    """One subscriber's notice of one update: the inbox item and, by their choice, an email.
    At most one per update and reader (the constraint), whatever retries or restarts do."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="alerts")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    # Which subscription brought it, for the email's unsubscribe link.
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.CharField(max_length=10, choices=AlertEmail.choices)
    # A lease: set when a worker claims the email, so no other worker sends it meanwhile;
    # cleared if sending fails, and claimable again once expired (JOBS_LEASE_SECONDS), when
    # the worker that claimed it died before it was sent.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    # Set as soon as the email has gone out: never sent again.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["update", "reader"], name="alert_once_per_reader"),
            models.CheckConstraint(
                condition=Q(email__in=AlertEmail.values), name="alert_email_in_vocabulary"
            ),
        ]
        indexes = [
            # "What's new" lists a reader's latest alerts.
            models.Index(fields=["reader", "-created_at"], name="alert_reader_recent_idx"),
            # The senders find the emails still to send.
            models.Index(
                fields=["email", "reader"],
                condition=Q(emailed_at__isnull=True) & ~Q(email="none"),
                name="alert_email_pending_idx",
            ),
        ]

    def __str__(self):
        return f"Alert of update {self.update_id} for {self.reader_id}"
