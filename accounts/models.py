from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse

from archive.vocabulary import STANDING_ITEMS, ConsentItem, StandingChoice
from config.paths import same_site_path


class Theme(models.TextChoices):
    SYSTEM = "system", "Follow my system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"
    SEPIA = "sepia", "Sepia"


class ReadingFont(models.TextChoices):
    SERIF = "serif", "Serif"
    SANS = "sans", "Sans-serif"
    READABLE = "readable", "Easy-to-read (for dyslexic readers)"


class AlertEmail(models.TextChoices):
    EACH = "each", "One email for each update"
    DAILY = "daily", "One email a day with every update"
    OFF = "off", "No email: the inbox only"


@dataclass(frozen=True)
class SessionFacts:
    """What the sign-in backend (config.auth) reads with the session's reader, in the one
    query that loads them anyway, so that no page spends a query of its own on these."""

    has_drafts: bool  # drafts only they list: whose cached listing counts they share
    inbox_unread_count: int  # unread notices, for the header
    # What their lists leave out and the gate lets through (archive.consent.policy,
    # archive.listing.exclusions, accounts.relations):
    standing_choices: dict[str, str]  # {item: choice}, as Reader.standing_choices
    excluded_families: frozenset[int]  # the families of the tags they exclude
    muted_ids: frozenset[int]  # the people they mute


class Reader(AbstractUser):
    """A person with an account: reads, and may post works as a creator."""

    history_enabled = models.BooleanField(
        default=True, help_text="Remember which works I read and where I stopped."
    )
    # Reading display settings, read from the user row on every page so they apply on
    # first paint without another query.
    font_size = models.PositiveSmallIntegerField(default=100, help_text="Percent of normal.")
    font = models.CharField(max_length=10, choices=ReadingFont.choices, default=ReadingFont.SERIF)
    line_spacing = models.DecimalField(max_digits=3, decimal_places=2, default=1.6)
    text_width = models.PositiveSmallIntegerField(default=38, help_text="In characters (em).")
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    # What reaches the reader's mailbox besides the inbox.
    email_on_comments = models.BooleanField(
        default=True, help_text="Email me when someone comments on my works or replies to me."
    )
    email_on_kudos = models.BooleanField(
        default=False, help_text="Email me once a day about the kudos left on my works."
    )
    # Where a link to a work lands: its first chapter, or the whole work on one page.
    open_entire_work = models.BooleanField(
        default=False, help_text="Open works on the entire work rather than the first chapter."
    )
    alert_email = models.CharField(
        max_length=10,
        choices=AlertEmail.choices,
        default=AlertEmail.EACH,
        help_text="How updates to what I subscribe to reach my email.",
    )
    # When the reader last opened "What's new in my subscriptions".
    updates_seen_at = models.DateTimeField(null=True, blank=True)

    # Not columns, but what one request learns of the reader and keeps on its reader object.
    # Set on the session's reader by the sign-in backend, None on a reader loaded any other
    # way (whoever needs a fact then asks the database):
    session_facts: SessionFacts | None = None
    # The ids of the people they block, who block them and whom they mute, each read by
    # accounts.relations on first use ({"blocked": frozenset({3, 5}), ...}), the mutes from
    # the session_facts when there are some:
    relation_ids: dict[str, frozenset[int]] | None = None
    # Their saved consent choice per item ({"rating:e": "show", ...}) and the exclusions they
    # make of it (archive.listing.exclusions.Exclusions), each made by the archive on first
    # use in a request, from the session_facts when there are some:
    standing_choices: dict[str, str] | None = None
    exclusions: object | None = None

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(font_size__gte=50, font_size__lte=300),
                name="reader_font_size_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(line_spacing__gte=1, line_spacing__lte=3),
                name="reader_line_spacing_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(text_width__gte=20, text_width__lte=120),
                name="reader_text_width_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(theme__in=Theme.values), name="reader_theme_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=models.Q(font__in=ReadingFont.values), name="reader_font_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=models.Q(alert_email__in=AlertEmail.values),
                name="reader_alert_email_in_vocabulary",
            ),
        ]

    def get_absolute_url(self):
        return reverse("accounts:preferences")


class ConsentChoice(models.Model):
    """A reader's standing choice for one rating or warning; no row means "ask each time",
    or for what needs no agreement, "show"."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="consent_choices")
    item = models.CharField(max_length=40, choices=STANDING_ITEMS)
    choice = models.CharField(max_length=10, choices=StandingChoice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reader", "item"], name="consent_choice_one_per_item"),
            models.CheckConstraint(
                condition=models.Q(item__in=[item for item, _label in STANDING_ITEMS]),
                name="consent_choice_item_in_vocabulary",
            ),
            # Nothing asks about what needs no agreement and it is shown by default, so the
            # only choice kept for it is "hide".
            models.CheckConstraint(
                condition=models.Q(item__in=ConsentItem.values) | models.Q(choice="hide"),
                name="consent_choice_ungated_only_hidden",
            ),
            models.CheckConstraint(
                condition=models.Q(choice__in=StandingChoice.values),
                name="consent_choice_in_vocabulary",
            ),
        ]

    def __str__(self):
        return f"{self.reader}: {self.item} → {self.choice}"


class ExcludedTag(models.Model):
    """A tag the reader never wants to see: its works leave every list, count and feed."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="excluded_tags")
    tag = models.ForeignKey("archive.Tag", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag__name"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "tag"], name="excluded_tag_once"),
        ]

    def __str__(self):
        return f"{self.reader} excludes {self.tag_id}"


class SavedFilter(models.Model):
    """A reader's named works filter, kept as the query string of the filter form."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "name"], name="saved_filter_name_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def link(self):
        """The saved page to link to; None for a filter saved before paths were read as
        browsers read them, which may point off the site."""
        return same_site_path(self.query)


class FeedToken(models.Model):
    """The secret in a reader's private feed and OPDS URLs; e-reader apps cannot log in or
    pass an interstitial, so the token stands for the reader's standing choices."""

    reader = models.OneToOneField(Reader, on_delete=models.CASCADE, related_name="feed_token")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Feed token of {self.reader}"


class Block(models.Model):
    """The blocked reader can no longer comment on the blocker's works or reply to them."""

    blocker = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """The muted person's works leave every list of the reader's, their comments fold away."""

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="mutes")
    muted = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="muted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "muted"], name="mute_once"),
            models.CheckConstraint(
                condition=~models.Q(reader=models.F("muted")), name="mute_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.reader_id} mutes {self.muted_id}"
