from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf, Upper
from django.urls import reverse
from taggit.managers import TaggableManager
from taggit.models import ItemBase, NaturalKeyManager, TagBase

from archive.consent import policy
from archive.fields import SetField
from archive.links import link
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind


class TagQuerySet(models.QuerySet):
    def family_of(self, tags):
        """These tags' canonical tags and all their synonyms: what filtering on them covers."""
        canonical_ids = {tag.canonical_id or tag.pk for tag in tags}
        return self.filter(Q(pk__in=canonical_ids) | Q(canonical__in=canonical_ids))


class Tag(TagBase):
    """One tag model for every kind; a synonym points at its canonical tag."""

    kind = models.CharField(max_length=20, choices=TagKind.choices)
    canonical = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="synonyms",
        help_text="Set when this tag is a synonym: filtering on the canonical tag covers it.",
    )

    # taggit's manager keeps natural keys working for dumpdata/loaddata backups.
    objects = NaturalKeyManager.from_queryset(TagQuerySet)()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TagKind.values), name="tag_kind_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=~Q(canonical=models.F("pk")), name="tag_not_its_own_synonym"
            ),
        ]
        indexes = [
            # Blurbs group a work's tags by kind; tag pages list by kind.
            models.Index(fields=["kind", "name"], name="tag_kind_name_idx"),
            # Filters find the tags a reader typed, whatever their case (name__iexact).
            models.Index(Upper("name"), name="tag_name_upper_idx"),
        ]

    def get_absolute_url(self):
        return link("archive:tag_detail", self.slug)  # reverse(), for hundreds of blurb tags


class TaggedWork(ItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_works")
    content_object = models.ForeignKey("Work", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_work_once"),
        ]


def families_of(tags):
    """The ids of these tags' canonical tags: filtering on any tag of a family covers all of it."""
    return sorted({tag.canonical_id or tag.pk for tag in tags})


class WorkQuerySet(models.QuerySet):
    def posted(self):
        """Works every reader may find: posted, and not hidden by staff."""
        return self.filter(is_posted=True, hidden_by_staff=False)

    def visible_to(self, user):
        """Posted works, plus a signed-in creator's own drafts; staff see everything."""
        if user.is_authenticated and user.is_staff:
            return self
        return self.posted_or_drafts_of(user)

    def posted_or_drafts_of(self, user):
        """Posted works and this reader's own drafts, whoever they are (staff included).

        A work hidden by staff is left out for its creator too: they find it only in
        "My works", where they are told why.
        """
        # A reader known to have no drafts to list (their session_facts, config.auth) sees
        # just the posted works, whose partial indexes the listings then use as a guest's do.
        if not user.is_authenticated or (
            user.session_facts is not None and not user.session_facts.has_drafts
        ):
            return self.posted()
        return self.filter(Q(is_posted=True) | Q(creator=user), hidden_by_staff=False)

    def tagged(self, tag):
        """Works with this tag, its canonical tag or any of their synonyms."""
        return self.tagged_with_all([tag])

    def tagged_with_all(self, tags):
        """Works carrying every one of these tags (each counting its whole family)."""
        if not tags:
            return self
        return self.filter(families__has_all=families_of(tags))

    def without_tags(self, tags):
        """Leave out works carrying any of these tags or another tag of their families."""
        if not tags:
            return self
        return self.exclude(families__has_any=families_of(tags))

    def excluding(self, exclusions):
        """Apply a reader's lasting exclusions: hidden ratings and warnings, and tags."""
        condition = exclusions.condition()
        return self if condition is None else self.exclude(condition)

    def in_series(self, series):
        """The series' works among these, in the series' order (part 1 first)."""
        return self.filter(series_parts__series=series).order_by("series_parts__position")

    def with_blurb(self):
        """Everything a blurb shows, in a fixed number of queries however many works."""
        return self.select_related("creator").prefetch_related("tags")

    def with_listing_generation(self):
        """Each work with the listing generation's token, read in the same query (as
        `blurb_generation`): cached blurbs and headers are keyed by it instead of by tags
        read for every request (archive.blurbs.fragment_key)."""
        token = ListingGeneration.objects.order_by().values("token")[:1]
        return self.annotate(blurb_generation=Subquery(token))


class Work(models.Model):
    title = models.CharField(max_length=255)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="works",
    )
    creator_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Shown when the work has no creator account (imported or orphaned works).",
    )
    summary = models.TextField(blank=True)
    summary_by_archive = models.BooleanField(
        default=False, help_text="The summary was written by the archive, not the creator."
    )
    notes = models.TextField(blank=True)
    end_notes = models.TextField(blank=True)
    rating = models.CharField(max_length=20, choices=Rating.choices)
    # The work's categories (F/F, Gen…: none, one or several), kept on its row like
    # `warning_set`, so that category filters and facets read this one column.
    categories = SetField(of="text", default=list, blank=True)
    language = models.CharField(max_length=20, default="en")
    complete = models.BooleanField(default=False)
    expected_chapters = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty when the number of chapters is unknown."
    )
    chapter_count = models.PositiveSmallIntegerField(default=0, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    published = models.DateField()
    updated = models.DateField()
    # The creator chose `published` (a work first posted elsewhere, say): posting the work
    # keeps that date instead of dating it the day it is posted.
    backdated = models.BooleanField(default=False, editable=False)
    hits = models.PositiveIntegerField(default=0)
    # Kept in step by the functions that add and remove kudos and bookmarks, so that
    # listings can show and sort by them without counting rows for every work.
    kudos_count = models.PositiveIntegerField(default=0, editable=False)
    public_bookmark_count = models.PositiveIntegerField(default=0, editable=False)
    # Shown comments (not deleted, hidden or held for moderation), kept in step by the
    # functions that write comments, in the same transaction.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    is_posted = models.BooleanField(default=True)
    # Staff hide a work in the admin; it then leaves every list, feed, catalog and search,
    # and its creator cannot post it again. Kept apart from is_posted so that unhiding
    # gives the work back as it was (posted or draft).
    hidden_by_staff = models.BooleanField(default=False, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_reason = models.CharField(
        max_length=500, blank=True, help_text="Why staff hid the work; its creator sees this."
    )
    # Bumped by every change to the work or its chapters; downloads are cached per revision.
    revision = models.PositiveIntegerField(default=1, editable=False)
    # The work's tag families: the ids of its tags' canonical tags. Filters and facets read
    # them here instead of joining every tag link, which keeps them fast at 100,000 works.
    # archive.writing.derived.refresh computes them, called by every function that changes
    # a work's tag links or a tag's synonyms (posting, wrangling, the importer, the admin);
    # `manage.py recompute_derived` computes them all after a raw load.
    families = SetField(default=list, editable=False)
    # The work's archive warnings again (the WorkWarning rows stay the record), kept the
    # same way (archive.writing.derived) so that listings filter and count them here.
    warning_set = SetField(of="text", default=list, editable=False)

    tags = TaggableManager(through=TaggedWork, blank=True)

    objects = WorkQuerySet.as_manager()

    class Meta:
        ordering = ["-updated", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=Rating.values), name="work_rating_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=Q(expected_chapters__isnull=True) | Q(expected_chapters__gte=1),
                name="work_expected_chapters_positive",
            ),
            models.CheckConstraint(
                condition=Q(updated__gte=models.F("published")),
                name="work_updated_not_before_published",
            ),
            models.CheckConstraint(
                condition=Q(hidden_by_staff=False) | Q(hidden_at__isnull=False),
                name="work_hidden_has_a_time",
            ),
        ]
        indexes = [
            # Counting the listed works (the index's total) and joining search matches to
            # them read this small index instead of the table.
            models.Index(
                fields=["id", "kudos_count"],
                condition=Q(is_posted=True, hidden_by_staff=False),
                name="work_listed_idx",
            ),
            # The works index's sort orders, each with the id as tiebreak. They lead with
            # the sort key alone, not with is_posted, so that a reader's list (posted works
            # or their own drafts: an OR) walks them in order as a guest's does.
            models.Index(fields=["-updated", "-id"], name="work_updated_idx"),
            models.Index(fields=["-published", "-id"], name="work_published_idx"),
            models.Index(fields=["-kudos_count", "-id"], name="work_kudos_idx"),
            models.Index(fields=["-word_count", "-id"], name="work_words_idx"),
            models.Index(fields=["-hits", "-id"], name="work_hits_idx"),
            models.Index(fields=["-public_bookmark_count", "-id"], name="work_bookmarks_idx"),
            models.Index(Lower("title"), "id", name="work_title_idx"),
            # Readers who hide a rating filter on it on every listing.
            models.Index(fields=["rating"], name="work_rating_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return link("archive:work_detail", self.pk)

    @property
    def creator_display(self):
        return self.creator.username if self.creator_id else (self.creator_name or "Anonymous")

    @property
    def creator_url(self):
        """The creator's page, or "" for a work without a creator account."""
        return link("archive:creator_detail", self.creator.username) if self.creator_id else ""

    @property
    def chapters_display(self):
        """ "3/5", or "1/?" when the creator does not know yet how many chapters there will be."""
        return f"{self.chapter_count}/{self.chapter_total or '?'}"

    @property
    def chapter_total(self):
        """How many chapters the work will have, or None while the creator does not know."""
        return self.chapter_count if self.complete else self.expected_chapters

    def settle_status(self):
        """Make `complete` agree with the chapters: a work with all its expected chapters
        posted is complete, one expecting more is not, and with no number expected the
        creator's word stands. Called by whatever changes the counts or the expected
        number; returns the field it sets, to save."""
        if self.expected_chapters is not None:
            self.complete = self.chapter_count >= self.expected_chapters
        return ["complete"]

    def tags_of_kind(self, kind):
        return sorted((tag for tag in self.tags.all() if tag.kind == kind), key=lambda t: t.name)

    @property
    def fandoms(self):
        return self.tags_of_kind(TagKind.FANDOM)

    @property
    def relationships(self):
        return self.tags_of_kind(TagKind.RELATIONSHIP)

    @property
    def characters(self):
        return self.tags_of_kind(TagKind.CHARACTER)

    @property
    def additional_tags(self):
        return self.tags_of_kind(TagKind.ADDITIONAL)

    @property
    def category_labels(self):
        """ "F/F", "Gen"…: the work's categories by name, in vocabulary order."""
        return [label for value, label in Category.choices if value in self.categories]

    @property
    def warning_values(self):
        """The work's archive warnings in vocabulary order, from its derived warning set (the
        WorkWarning rows' copy, kept in the same transaction), so no page reads the rows."""
        return [value for value in ArchiveWarning.values if value in self.warning_set]

    @property
    def warning_labels(self):
        return [ArchiveWarning(value).label for value in self.warning_values]

    def consent_items(self):
        """What a reader must agree to before seeing this work's text (the consent policy's
        answer, for templates)."""
        return policy.needs(self)

    def is_owned_by(self, user):
        return user.is_authenticated and self.creator_id == user.pk


class WorkWarning(models.Model):
    """One archive warning chosen for a work; a work has at least one."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="warnings")
    warning = models.CharField(max_length=30, choices=ArchiveWarning.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "warning"], name="work_warning_once"),
            models.CheckConstraint(
                condition=Q(warning__in=ArchiveWarning.values),
                name="work_warning_in_vocabulary",
            ),
        ]
        indexes = [
            # Readers who hide or exclude a warning filter on it on every listing.
            models.Index(fields=["warning", "work"], name="work_warning_lookup_idx"),
        ]

    def __str__(self):
        return self.get_warning_display()


class ChapterQuerySet(models.QuerySet):
    def posted(self):
        """Chapters every reader of the work may read: the others are its creator's drafts."""
        return self.filter(is_posted=True)

    def visible_to(self, user, *, work):
        """Every chapter of `work` for its creator and staff; only the posted ones for
        anyone else, who never learns that drafts exist."""
        if user.is_authenticated and (user.is_staff or work.is_owned_by(user)):
            return self
        return self.posted()

    def due(self, now):
        """Drafts whose scheduled time has come."""
        return self.filter(is_posted=False, post_at__lte=now)


class Chapter(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="chapters")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=255, blank=True)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    end_notes = models.TextField(blank=True)
    body = models.TextField()
    word_count = models.PositiveIntegerField(default=0, editable=False)
    published = models.DateField()
    # False for a draft: a chapter its creator saved on a work without posting it, seen by
    # them and staff only and counted nowhere (chapter and word counts, search, downloads,
    # alerts) until it is posted. Drafts come after the posted chapters, so the posted ones
    # are always 1…chapter_count (archive.writing.posting keeps them so).
    is_posted = models.BooleanField(default=True)
    # When the job worker posts a draft by itself (archive.writing.scheduling).
    post_at = models.DateTimeField(null=True, blank=True)

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["work", "position"], name="chapter_position_unique_per_work"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="chapter_position_positive"),
            models.CheckConstraint(
                condition=Q(post_at__isnull=True) | Q(is_posted=False),
                name="chapter_scheduled_is_a_draft",
            ),
        ]
        indexes = [
            # The job worker's sweep for drafts due to be posted reads only scheduled drafts.
            models.Index(
                fields=["post_at"],
                condition=Q(is_posted=False, post_at__isnull=False),
                name="chapter_scheduled_idx",
            ),
        ]

    def __str__(self):
        return self.heading

    def get_absolute_url(self):
        return reverse("archive:chapter_detail", args=[self.work_id, self.position])

    @property
    def heading(self):
        """ "Chapter 7: The Rescue", or "Chapter 7" when untitled."""
        label = f"Chapter {self.position}"
        return f"{label}: {self.title}" if self.title else label


class ChapterDraft(models.Model):
    """The chapter text a creator's editor saved on its own as they typed, until they save.

    One per chapter being edited, and one for a work's next new chapter (no chapter yet).
    Only its creator ever reads it (archive.writing.drafts).
    """

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chapter_drafts"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey(
        Chapter, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "chapter"],
                condition=Q(chapter__isnull=False),
                name="chapter_draft_one_per_chapter",
            ),
            models.UniqueConstraint(
                fields=["creator", "work"],
                condition=Q(chapter__isnull=True),
                name="chapter_draft_one_new_per_work",
            ),
        ]

    def __str__(self):
        return f"{self.creator} → {self.work_id}/{self.chapter_id or 'new'} (autosaved)"


class Kudos(models.Model):
    """One reader's or one guest's appreciation of a work.

    A guest is known only by a salted hash of their address, never the address itself.
    """

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="kudos")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kudos",
    )
    guest_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["work", "reader"],
                condition=Q(reader__isnull=False),
                name="kudos_one_per_reader",
            ),
            models.UniqueConstraint(
                fields=["work", "guest_key"],
                condition=~Q(guest_key=""),
                name="kudos_one_per_guest",
            ),
            models.CheckConstraint(
                condition=Q(reader__isnull=False, guest_key="")
                | (Q(reader__isnull=True) & ~Q(guest_key="")),
                name="kudos_from_a_reader_or_a_guest",
            ),
        ]
        indexes = [
            # A reader's data export and account deletion find their kudos.
            models.Index(fields=["reader", "-created_at"], name="kudos_reader_idx"),
        ]

    def __str__(self):
        return f"Kudos on {self.work_id} from {self.reader_id or 'a guest'}"


class WorkDay(models.Model):
    """A work's reception on one day (UTC): what each counter gained that day, negative when
    it lost more (a bookmark made private, a comment deleted), and its word count when that
    changed. Written by the functions that change the work's counters, in their transaction
    (archive/stats/days.py), never by scanning; the creator's statistics pages read it."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hits = models.IntegerField(default=0, db_default=0)
    kudos = models.IntegerField(default=0, db_default=0)
    comments = models.IntegerField(default=0, db_default=0)
    public_bookmarks = models.IntegerField(default=0, db_default=0)
    subscriptions = models.IntegerField(default=0, db_default=0)
    # The work's word count at the end of the day, on the days it changed; None on others.
    words = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            # Its index is the one the statistics pages read: a creator's works' days in a
            # range are, for each work, one range of this index.
            models.UniqueConstraint(fields=["work", "day"], name="workday_one_per_work_and_day"),
        ]
        indexes = [
            # The word count series reads only the days a count changed, a few per work.
            models.Index(
                fields=["work", "day"], condition=Q(words__isnull=False), name="workday_words_idx"
            ),
        ]

    def __str__(self):
        return f"Work {self.work_id} on {self.day}"


class CreatorDay(models.Model):
    """What a creator's works gained on one day (UTC), all together: the sum of their
    WorkDay rows, kept by the same calls in the same transaction (archive/stats/days.py) so
    that the creator's statistics page reads a row a day, however many works. A day stays
    as it happened: a work deleted or given to someone else later takes nothing back."""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    hits = models.IntegerField(default=0, db_default=0)
    kudos = models.IntegerField(default=0, db_default=0)
    comments = models.IntegerField(default=0, db_default=0)
    public_bookmarks = models.IntegerField(default=0, db_default=0)
    subscriptions = models.IntegerField(default=0, db_default=0)
    # How much the word count of the creator's posted works changed that day: chapters
    # written or cut, a work posted (its words), deleted or given away (less its words).
    words = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            # Its index is the one the creator's page reads: one range of it.
            models.UniqueConstraint(
                fields=["creator", "day"], name="creatorday_one_per_creator_and_day"
            ),
        ]

    def __str__(self):
        return f"Creator {self.creator_id} on {self.day}"


class BookmarkTag(TagBase):
    """A reader's own label for bookmarks, kept apart from the archive's wrangled tags.

    Names differing only in case are one tag ("Fluff" is "fluff"). The database's lower()
    decides: on SQLite it folds ASCII letters only.
    """

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="bookmark_tag_name_ignoring_case"),
        ]


class TaggedBookmark(ItemBase):
    tag = models.ForeignKey(BookmarkTag, on_delete=models.CASCADE, related_name="tagged_bookmarks")
    content_object = models.ForeignKey("Bookmark", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_bookmark_once"),
        ]


class BookmarkQuerySet(models.QuerySet):
    def public(self):
        return self.filter(private=False)

    def visible_to(self, user):
        """Public bookmarks, plus every bookmark of the reader's own."""
        if user.is_authenticated:
            return self.filter(Q(private=False) | Q(reader=user))
        return self.public()


def keep_bookmarks(collector, field, sub_objs, using):
    """A deleted work's bookmarks stay, with their notes and tags: each keeps the work's
    title and creator's name as they were at the deletion, and loses only the link."""
    work = Work.objects.using(using).filter(pk=OuterRef("work_id"))
    # Work.creator_display, in SQL.
    creator = Coalesce("creator__username", NullIf("creator_name", Value("")), Value("Anonymous"))
    sub_objs.update(
        work_title=Subquery(work.values("title")),
        work_creator=Subquery(work.values(name=creator)),
    )
    collector.add_field_update(field, None, sub_objs)


keep_bookmarks.lazy_sub_objs = True  # one UPDATE, without reading the bookmarks first


class Bookmark(models.Model):
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    # None once the work is deleted: the bookmark then names it by the two fields below.
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=keep_bookmarks, related_name="bookmarks"
    )
    # The work's title and creator when bookmarked (renewed at each save and at the work's
    # deletion), so that a bookmark of a work gone or hidden is still recognisable.
    work_title = models.CharField(max_length=255, blank=True)
    work_creator = models.CharField(max_length=150, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    private = models.BooleanField(default=False)
    recommend = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tags = TaggableManager(through=TaggedBookmark, blank=True)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "work"], name="bookmark_one_per_reader"),
        ]
        indexes = [
            # "My bookmarks" and a reader's public bookmarks, newest first.
            models.Index(fields=["reader", "-updated_at"], name="bookmark_reader_idx"),
            # A work's public bookmarks.
            models.Index(fields=["work", "private"], name="bookmark_work_idx"),
        ]

    def __str__(self):
        return f"{self.reader} → {self.work_id or self.work_title}"

    @property
    def work_deleted(self):
        return self.work_id is None

    @property
    def deleted_work_title(self):
        """The title a bookmark shows for its work once the work is deleted. A work hidden
        by staff or returned to a draft is not named: withholding it is theirs to decide."""
        return self.work_title if self.work_id is None else ""


class MarkedForLater(models.Model):
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marked_for_later"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "work"], name="marked_for_later_once"),
        ]

    def __str__(self):
        return f"{self.reader} → {self.work_id} (later)"


class Reading(models.Model):
    """Where a reader is in a work: the chapter, the paragraph, and how often they came."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readings"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey(Chapter, null=True, blank=True, on_delete=models.SET_NULL)
    paragraph = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=1)
    # The work's chapter count when last read, so history can say "new chapters since".
    chapters_seen = models.PositiveSmallIntegerField(default=0)
    last_read_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_read_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reader", "work"], name="reading_one_per_work"),
        ]
        indexes = [
            # The history page lists a reader's readings, most recent first.
            models.Index(fields=["reader", "-last_read_at"], name="reading_reader_idx"),
        ]

    def __str__(self):
        return f"{self.reader} reading {self.work_id}"


class SearchDocument(models.Model):
    """A work's full-text search vectors, filled on PostgreSQL only.

    `document` holds everything searched (title, creator, tags, summary, notes, chapter
    text) and is GIN-indexed (by migration, since SQLite cannot build one); `metadata` holds
    only the weighted title, creator, tags and summary, small enough to rank thousands of
    matches without reading their chapter text. SQLite searches the text columns instead.
    """

    work = models.OneToOneField(
        Work, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField()
    metadata = SearchVectorField(null=True)

    def __str__(self):
        return f"Search document for {self.work_id}"


class SeriesQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Series with a work this reader may see, plus a signed-in creator's own (even
        empty) series; staff see every series. A series of drafts stays its creator's."""
        if user.is_authenticated and user.is_staff:
            return self
        return self.with_a_work_among(Work.objects.visible_to(user), or_owned_by=user)

    def with_a_work_among(self, works, *, or_owned_by=None):
        """Series holding at least one of `works` (and those of `or_owned_by`, if signed in)."""
        has_one = models.Exists(
            SeriesPart.objects.filter(series=models.OuterRef("pk"), work__in=works)
        )
        if or_owned_by is not None and or_owned_by.is_authenticated:
            return self.filter(has_one | Q(creator=or_owned_by))
        return self.filter(has_one)


class Series(models.Model):
    """A creator's works read in order: part 1, part 2, …"""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series"
    )
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    works = models.ManyToManyField(Work, through="SeriesPart", related_name="series")

    objects = SeriesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "series"
        ordering = ["-updated_at", "-id"]
        indexes = [
            # A creator's page lists their series, most recently updated first.
            models.Index(fields=["creator", "-updated_at"], name="series_creator_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return link("archive:series_detail", self.pk)

    def is_owned_by(self, user):
        return user.is_authenticated and self.creator_id == user.pk


class SeriesPart(models.Model):
    """A work's place in a series; positions run 1, 2, 3… without gaps."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="parts")
    # The work page finds the series a work is in through this column's index.
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="series_parts")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["series", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "position"], name="series_part_position_unique"
            ),
            models.UniqueConstraint(fields=["series", "work"], name="series_part_work_once"),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="series_part_position_positive"
            ),
        ]

    def __str__(self):
        return f"Part {self.position} of series {self.series_id}: work {self.work_id}"


class ListingGeneration(models.Model):
    """One row whose token names the current state of everything a listing counts.

    archive.writing.derived.renew_listing_generation gives it a new random token, called in
    the same transaction by every function that can alter a listing's counts or facets: a
    work added, deleted or changed in a column that lists filter, count or search on (not its
    hits, kudos, bookmark or comment counters), a tag or chapter changed, a search document
    or a username rewritten. Counts are cached under the token (archive.listing.cache), so a
    cached count always belongs to the data it was counted from; after rows are loaded
    around those functions, `manage.py recompute_derived` renews it. A random token rather
    than a counter: a rolled-back change can never hand its number on to different data.
    """

    token = models.CharField(max_length=32)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="listing_generation_one_row")]

    def __str__(self):
        return self.token


class KeptUpload(models.Model):
    """A file sent with an import form that was refused for another field, kept for a short
    while so that its reader does not choose it again (archive.importing.kept)."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class ImportBatch(models.Model):
    """Files a reader uploaded at once, imported one by one as drafts by a job
    (archive.importing.batches), with what they chose for every file."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    rating = models.CharField(max_length=20, choices=Rating.choices)
    warnings = models.JSONField(default=list)
    fandoms = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Import batch {self.pk} of reader {self.reader_id}"

    def get_absolute_url(self):
        return reverse("archive:import_batch", args=[self.pk])


class ImportBatchFile(models.Model):
    """One file of a batch: its bytes until it is imported or rejected, then its result,
    written in the transaction that makes its work, so a file is never imported twice."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        IMPORTED = "imported", "Imported"
        REJECTED = "rejected", "Rejected"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    # Emptied once the file has its result: a batch keeps no bytes it no longer needs.
    data = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    message = models.CharField(max_length=500, blank=True)
    work = models.ForeignKey(
        Work, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="import_batch_file_position_unique"
            ),
        ]
        # The resume job looks for the files still waiting, which are few.
        indexes = [
            models.Index(
                fields=["batch"], condition=Q(status="waiting"), name="import_file_waiting"
            )
        ]

    def __str__(self):
        return self.name
