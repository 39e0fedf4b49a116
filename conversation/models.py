from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse


class WhoMayComment(models.TextChoices):
    EVERYONE = "everyone", "Everyone, guests included (with a name and an email address)"
    READERS = "readers", "Signed-in readers only"
    OFF = "off", "Nobody: comments are off"


class WorkCommentSettings(models.Model):
    """A creator's comment settings for one work; a work without a row has the defaults."""

    work = models.OneToOneField(
        "archive.Work", on_delete=models.CASCADE, primary_key=True, related_name="comment_settings"
    )
    who_may_comment = models.CharField(
        max_length=10, choices=WhoMayComment.choices, default=WhoMayComment.EVERYONE
    )
    moderated = models.BooleanField(
        default=False,
        help_text="Hold new comments until I approve them (mine are never held).",
    )

    class Meta:
        verbose_name_plural = "work comment settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(who_may_comment__in=WhoMayComment.values),
                name="comment_settings_who_in_vocabulary",
            ),
        ]

    def __str__(self):
        return f"Comment settings of work {self.work_id}"

    @classmethod
    def of(cls, work):
        """The work's settings, or unsaved defaults (one query)."""
        return cls.objects.filter(work=work).first() or cls(work=work)


class CommentStatus(models.TextChoices):
    SHOWN = "shown", "Shown"
    HELD = "held", "Awaiting the creator's approval"
    DELETED = "deleted", "Deleted"
    HIDDEN = "hidden", "Hidden by staff"
    # Out of the work for everyone but staff, who find it in the admin; kept as a
    # placeholder only while replies hang from it.
    SPAM = "spam", "Marked as spam by the creator"


class CommentQuerySet(models.QuerySet):
    def shown(self):
        """The comments every reader sees: what Work.comment_count counts."""
        return self.filter(status=CommentStatus.SHOWN)

    def shown_to(self, user, *, work):
        """What the work's threads show this viewer: every comment but those held for
        moderation, which only their author, the work's creator and staff see, and spam,
        which only staff see. Deleted and hidden comments, and spam that was answered, stay
        as placeholders, so their replies keep their place."""
        if user.is_authenticated and user.is_staff:
            return self
        unanswered_spam = Q(status=CommentStatus.SPAM) & ~Exists(
            Comment.objects.filter(parent=OuterRef("pk"))
        )
        comments = self.exclude(unanswered_spam)
        if user.is_authenticated and work.creator_id == user.pk:
            return comments
        if user.is_authenticated:
            return comments.filter(~Q(status=CommentStatus.HELD) | Q(author=user))
        return comments.exclude(status=CommentStatus.HELD)

    def held(self):
        return self.filter(status=CommentStatus.HELD)

    def roots(self):
        return self.filter(parent__isnull=True)

    def on(self, work, chapter=None):
        """The comments on a chapter, or with no chapter, every comment on the work."""
        comments = self.filter(work=work)
        return comments.filter(chapter=chapter) if chapter is not None else comments

    def in_threads(self, root_ids):
        """These threads whole: their first comments and every reply under them."""
        return self.filter(Q(pk__in=root_ids) | Q(root_id__in=root_ids))


class Comment(models.Model):
    """A comment on a chapter, or on the work as a whole, or a reply to another comment.

    `root` is the thread's first comment (None for the first comment itself), so a page of
    threads is read whole in one query however deep its replies go.
    """

    work = models.ForeignKey("archive.Work", on_delete=models.CASCADE, related_name="comments")
    # A deleted chapter's comments stay, on the work as a whole, so Work.comment_count
    # stays true without the chapter's deletion knowing of comments.
    chapter = models.ForeignKey(
        "archive.Chapter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    # A guest's name and address; the address is for staff only and never shown.
    guest_name = models.CharField(max_length=100, blank=True)
    guest_email = models.EmailField(blank=True)
    # Sanitised HTML (archive.writing.sanitize), emptied when the comment is deleted.
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.SHOWN
    )
    # Set on a thread's first comment: nobody may reply in the thread or edit its comments.
    frozen = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommentStatus.values), name="comment_status_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, root__isnull=True)
                | Q(parent__isnull=False, root__isnull=False),
                name="comment_reply_has_a_root",
            ),
            models.CheckConstraint(
                condition=~Q(status=CommentStatus.HIDDEN) | Q(hidden_at__isnull=False),
                name="comment_hidden_has_a_time",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(frozen=False),
                name="comment_frozen_only_at_the_root",
            ),
        ]
        indexes = [
            # The comments pages list a work's or a chapter's threads, oldest first.
            models.Index(
                fields=["work", "chapter", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="comment_threads_idx",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on work {self.work_id}"

    def get_absolute_url(self):
        return reverse("conversation:comment", args=[self.work_id, self.pk])

    @property
    def is_shown(self):
        return self.status == CommentStatus.SHOWN

    @property
    def is_held(self):
        return self.status == CommentStatus.HELD

    @property
    def name(self):
        """The name shown above the comment."""
        if self.author_id:
            return self.author.username
        return self.guest_name or "A former reader"

    @property
    def by_guest(self):
        return not self.author_id and bool(self.guest_name)

    def is_by(self, user):
        return user.is_authenticated and self.author_id == user.pk


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    HARASSMENT = "harassment", "Harassment or abuse"
    SPOILERS = "spoilers", "Unwarned content or spoilers"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Waiting for staff"
    HIDDEN = "hidden", "Comment hidden"
    DISMISSED = "dismissed", "Dismissed"


class CommentReport(models.Model):
    """A reader's or guest's report of a comment, queued for staff in the admin."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A guest is known by a keyed hash of their address only (archive.kudos.guest_key).
    guest_key = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                condition=Q(reporter__isnull=False),
                name="comment_report_once_per_reader",
            ),
            models.UniqueConstraint(
                fields=["comment", "guest_key"],
                condition=~Q(guest_key=""),
                name="comment_report_once_per_guest",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="comment_report_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="comment_report_status_valid"
            ),
        ]
        indexes = [
            # Staff's queue: open reports, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="open"),
                name="comment_report_open_idx",
            ),
        ]

    def __str__(self):
        return f"Report of comment {self.comment_id}"


class InboxKind(models.TextChoices):
    COMMENT_ON_WORK = "comment_on_work", "Comment on your work"
    REPLY = "reply", "Reply to your comment"
    UPDATE = "update", "Update to something you follow"
    KUDOS = "kudos", "Kudos on your work"


# Kinds about one comment: they carry it, and a reader hears of a comment at most once.
COMMENT_KINDS = [InboxKind.COMMENT_ON_WORK, InboxKind.REPLY]


class InboxItemQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_reader(self, reader):
        """The reader's items about works they may still see, newest first, with what
        each kind's template shows in a fixed number of queries."""
        from archive.models import Work

        return (
            self.filter(reader=reader)
            .filter(Q(work__isnull=True) | Q(work__in=Work.objects.visible_to(reader)))
            .select_related(
                "work__creator", "chapter", "series", "comment__author", "comment__parent"
            )
            .prefetch_related("work__warnings")
        )


class InboxItem(models.Model):
    """One notice in a reader's inbox. Each kind is rendered by its own template,
    conversation/inbox_items/<kind>.html; conversation.inbox.notify writes them."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    kind = models.CharField(max_length=20, choices=InboxKind.choices)
    work = models.ForeignKey(
        "archive.Work", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    chapter = models.ForeignKey(
        "archive.Chapter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    series = models.ForeignKey(
        "archive.Series", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A kudos notice gathers the kudos left on one work in one day (conversation.kudos):
    # how many, and who left them ("alice, bob and 3 guests"), rewritten as more come.
    day = models.DateField(null=True, blank=True)
    kudos = models.PositiveIntegerField(default=0)
    givers = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # A lease: set when a worker claims the notice's email, cleared if sending fails, and
    # claimable again once expired (JOBS_LEASE_SECONDS), when that worker died before sending.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    # Set as soon as the email has gone out: never sent again.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = InboxItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InboxKind.values), name="inbox_kind_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=COMMENT_KINDS) | Q(comment__isnull=False, work__isnull=False),
                name="inbox_comment_kinds_carry_a_comment",
            ),
            models.UniqueConstraint(
                fields=["reader", "comment"],
                condition=Q(comment__isnull=False),
                name="inbox_comment_once_per_reader",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InboxKind.KUDOS) | Q(work__isnull=False, day__isnull=False),
                name="inbox_kudos_carry_a_work_and_day",
            ),
            models.UniqueConstraint(
                fields=["reader", "work", "day"],
                condition=Q(kind=InboxKind.KUDOS),
                name="inbox_kudos_once_per_work_per_day",
            ),
        ]
        indexes = [
            # The inbox page lists a reader's items, newest first.
            models.Index(fields=["reader", "-created_at", "-id"], name="inbox_reader_recent_idx"),
            # The header counts a reader's unread items on every page.
            models.Index(
                fields=["reader"], condition=Q(read_at__isnull=True), name="inbox_unread_idx"
            ),
            # The resume job looks every minute for comment notices still to email.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, kind__in=COMMENT_KINDS),
                name="inbox_email_pending_idx",
            ),
            # The kudos email job looks for notices of past days still to email.
            models.Index(
                fields=["day"],
                condition=Q(emailed_at__isnull=True, kind=InboxKind.KUDOS),
                name="inbox_kudos_email_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.reader_id}"

    @property
    def template_names(self):
        """This kind's template, or the plain one for a kind without its own."""
        return [f"conversation/inbox_items/{self.kind}.html", "conversation/inbox_items/item.html"]
