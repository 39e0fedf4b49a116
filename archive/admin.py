import itertools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.template.response import TemplateResponse
from taggit.models import Tag as TaggitTag

from archive.listing import search
from archive.models import (
    Bookmark,
    Chapter,
    Kudos,
    Tag,
    TaggedWork,
    Work,
    WorkWarning,
)
from archive.stats import days
from archive.vocabulary import ArchiveWarning, Category
from archive.writing import derived, posting, tags
from archive.writing.counters import refresh_work_counts
from archive.writing.forms import MAX_TAGS
from archive.writing.sanitize import demote_headings, sanitize_html
from archive.writing.words import count_words
from config import admin_input

WORK_HTML_FIELDS = ["summary", "notes", "end_notes"]
CHAPTER_HTML_FIELDS = ["summary", "notes", "end_notes", "body"]


def _sanitise(obj, fields):
    """Staff write through the same allowlist as creators: the admin is no way around it."""
    for field in fields:
        setattr(obj, field, sanitize_html(demote_headings(getattr(obj, field))))


def _save_chapter(chapter):
    _sanitise(chapter, CHAPTER_HTML_FIELDS)
    chapter.word_count = count_words(chapter.body)
    chapter.save()


def _work_changed(work):
    """After staff change a work or its chapters: counts, a new revision (downloads are
    cached per revision), a new search document and a new listing generation, as the
    archive's own code keeps them."""
    refresh_work_counts(work)
    Work.objects.filter(pk=work.pk).update(revision=F("revision") + 1)
    search.update_search_documents([work.pk])
    derived.renew_listing_generation()


class ChapterFormSet(admin_input.WholeInlineFormSet):
    """A work's chapters, which staff may renumber, swap and delete in one save."""

    def step_aside(self, moved, rows):
        # Readings, comments and bookmarks point at chapters, so a moved chapter keeps its
        # row and waits at a position nobody holds before or after the save.
        used = set(self.instance.chapters.values_list("position", flat=True))
        used |= {chapter.position for chapter in rows}
        free = (position for position in itertools.count(1) if position not in used)
        for chapter in moved:
            Chapter.objects.filter(pk=chapter.pk).update(position=next(free))

    def save_row(self, chapter):
        _save_chapter(chapter)


NEW_CHAPTERS_PER_SAVE = 20


class ChapterInline(admin_input.StackedInline):
    model = Chapter
    formset = ChapterFormSet
    extra = 0
    fields = [
        "position",
        "title",
        "word_count",
        "summary",
        "notes",
        "body",
        "end_notes",
        "published",
        "is_posted",
        "post_at",
    ]
    # A draft is posted by its creator or the job worker, which put it after the posted
    # chapters and tell subscribers (archive.writing.posting.post_chapter).
    readonly_fields = ["word_count", "is_posted", "post_at"]
    show_change_link = True

    def get_max_num(self, request, obj=None, **kwargs):
        # Works have no chapter limit, but one save adds at most NEW_CHAPTERS_PER_SAVE: without
        # a bound Django builds 2,000 chapter forms from a hostile count (seconds each post).
        existing = obj.chapters.count() if obj is not None else 0
        return existing + NEW_CHAPTERS_PER_SAVE


class WorkWarningInline(admin_input.TabularInline):
    model = WorkWarning
    extra = 0
    min_num = 1
    max_num = len(ArchiveWarning)


class TaggedWorkFormSet(admin_input.WholeInlineFormSet):
    @classmethod
    def get_default_prefix(cls):
        return "tagged"  # the link's related_name is "+", which would leave no prefix


class TaggedWorkInline(admin_input.TabularInline):
    """The work's tags, chosen from existing ones: a name typed into taggit's free-text
    field would make a tag with no kind."""

    model = TaggedWork
    formset = TaggedWorkFormSet
    fk_name = "content_object"
    extra = 0
    max_num = MAX_TAGS  # what posting allows
    autocomplete_fields = ["tag"]
    verbose_name = "tag"
    verbose_name_plural = "tags"


def _ask(modeladmin, request, form, title, intro, chosen, *, submit):
    """The page an action shows to ask its question about the `chosen` rows first."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "chosen": chosen,
        "form": form,
        "action": request.POST.get("action"),
        "submit": submit,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/archive/action_form.html", context)


class HideReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=Work._meta.get_field("hidden_reason").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the creators in “My works”.",
    )


@admin.action(description="Hide selected works (from everyone but their creators and staff)")
def hide_works(modeladmin, request, queryset):
    """Ask why, then hide: creators see the reason, and cannot post the works again."""
    form = HideReasonForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        chosen = [
            (work.pk, f"{work.title} by {work.creator_display}")
            for work in queryset.select_related("creator")
        ]
        intro = (
            "nobody but their creators and staff will find these works. Their creators "
            "cannot post them again until staff unhide them."
        )
        return _ask(modeladmin, request, form, "Hide works", intro, chosen, submit="Hide")
    works = list(queryset.filter(hidden_by_staff=False))
    for work in works:
        posting.hide_work(work=work, by=request.user, reason=form.cleaned_data["reason"])
    modeladmin.message_user(
        request,
        f"Hid {len(works)} work(s): nobody but their creators and staff can find them now.",
    )
    return None


@admin.action(description="Unhide selected works (give them back as they were)")
def unhide_works(modeladmin, request, queryset):
    works = list(queryset.filter(hidden_by_staff=True))
    for work in works:
        posting.unhide_work(work=work)
    modeladmin.message_user(request, f"Unhid {len(works)} work(s).")


@admin.action(description="Post selected works")
def post_works(modeladmin, request, queryset):
    """Post each draft as its creator's button does: dates, revision and search follow."""
    posted, refused = 0, {}
    for work in queryset.filter(is_posted=False):
        try:
            posting.post_work(work=work)
        except posting.PostingRefused as refusal:
            refused.setdefault(str(refusal), []).append(work.title)
        else:
            posted += 1
    modeladmin.message_user(request, f"Posted {posted} work(s).")
    for reason, titles in refused.items():
        modeladmin.message_user(
            request, f"Not posted: {', '.join(titles)}. {reason}", messages.WARNING
        )


class WorkAdminForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class CategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request, queryset):
        if self.value() in Category.values:
            return queryset.filter(categories__has_any=[self.value()])
        return queryset


@admin.register(Work)
class WorkAdmin(admin_input.ModelAdmin):
    form = WorkAdminForm
    list_display = [
        "title",
        "creator_display",
        "rating",
        "category_display",
        "is_posted",
        "hidden_by_staff",
        "chapter_count",
        "word_count",
        "updated",
    ]
    list_filter = [
        "rating",
        CategoryFilter,
        "complete",
        "is_posted",
        "hidden_by_staff",
        "language",
        "warnings__warning",
    ]
    search_fields = ["title", "creator_name", "creator__username", "summary"]
    list_select_related = ["creator"]
    autocomplete_fields = ["creator"]
    exclude = ["tags"]
    readonly_fields = [
        "chapter_count",
        "word_count",
        "kudos_count",
        "public_bookmark_count",
        "hits",
        "revision",
        # Changed only by the hide and unhide actions, which record who and when.
        "hidden_by_staff",
        "hidden_by",
        "hidden_at",
    ]
    inlines = [WorkWarningInline, TaggedWorkInline, ChapterInline]
    actions = [hide_works, unhide_works, post_works]

    @admin.display(description="Creator", ordering="creator__username")
    def creator_display(self, work):
        return work.creator_display

    @admin.display(description="Categories")
    def category_display(self, work):
        return ", ".join(work.category_labels)

    def save_model(self, request, obj, form, change):
        _sanitise(obj, WORK_HTML_FIELDS)
        was = Work.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if was and (was.creator_id, was.is_posted) != (obj.creator_id, obj.is_posted):
            # Its words leave one creator's count and join the other's (or the same one's,
            # posted or taken down); its days so far stay with the creator they were.
            days.count_posted_words(was, sign=-1)
            days.count_posted_words(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        derived.refresh([form.instance.pk])  # the inlines write its warnings and tags
        _work_changed(form.instance)

    @transaction.atomic
    def delete_model(self, request, obj):
        days.count_posted_words(obj, sign=-1)
        super().delete_model(request, obj)
        derived.renew_listing_generation()

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for work in queryset.only("creator", "is_posted", "word_count"):
            days.count_posted_words(work, sign=-1)
        super().delete_queryset(request, queryset)
        derived.renew_listing_generation()


@admin.register(Chapter)
class ChapterAdmin(admin_input.ModelAdmin):
    list_display = ["work", "position", "title", "word_count", "published"]
    list_filter = ["work__rating", "work__is_posted", "work__hidden_by_staff", "published"]
    list_select_related = ["work"]
    search_fields = ["title", "work__title", "work__creator__username", "work__creator_name"]
    autocomplete_fields = ["work"]
    fields = [
        "work",
        "position",
        "title",
        "word_count",
        "summary",
        "notes",
        "body",
        "end_notes",
        "published",
        "is_posted",
        "post_at",
    ]
    # A draft is posted by its creator or the job worker, which put it after the posted
    # chapters and tell subscribers (archive.writing.posting.post_chapter).
    readonly_fields = ["word_count", "is_posted", "post_at"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        _save_chapter(obj)
        _work_changed(obj.work)
        if change and "work" in form.changed_data:
            _work_changed(Work.objects.get(pk=form.initial["work"]))

    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _work_changed(obj.work)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        works = list(Work.objects.filter(pk__in=queryset.values("work")))
        super().delete_queryset(request, queryset)
        for work in works:
            _work_changed(work)


class TargetTagForm(forms.Form):
    # A name rather than a select: an archive can have tens of thousands of tags.
    target = forms.CharField(max_length=100, label="Into the tag named")

    def clean_target(self):
        name = self.cleaned_data["target"].strip()
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            raise forms.ValidationError(f"There is no tag called “{name}”.")
        return tag


def _wrangle(modeladmin, request, queryset, *, operation, verb):
    """Ask for the target tag, then apply `operation` to every selected tag."""
    form = TargetTagForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            with transaction.atomic():
                for tag in queryset.exclude(pk=target.pk):
                    operation(tag, target)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        modeladmin.message_user(request, f"{verb} {queryset.count()} tag(s) into “{target}”.")
        return None
    chosen = [(tag.pk, f"{tag.name} ({tag.get_kind_display()})") for tag in queryset]
    intro = "choose the tag the selected tags should go into."
    return _ask(modeladmin, request, form, f"{verb} tags", intro, chosen, submit="Apply")


@admin.action(description="Make selected tags synonyms of another tag")
def make_synonyms(modeladmin, request, queryset):
    return _wrangle(
        modeladmin,
        request,
        queryset,
        operation=lambda tag, target: tags.make_synonym(tag=tag, canonical=target),
        verb="Made synonyms of",
    )


@admin.action(description="Merge selected tags into another tag")
def merge(modeladmin, request, queryset):
    return _wrangle(
        modeladmin,
        request,
        queryset,
        operation=lambda tag, target: tags.merge_tags(source=tag, target=target),
        verb="Merged",
    )


class TagAdminForm(forms.ModelForm):
    """A canonical tag set by hand is checked by the wrangling rules: a bad one (another
    kind, or the tag's own synonym) is a form error, not a failed save."""

    class Meta:
        model = Tag
        fields = ["name", "slug", "kind", "canonical"]

    def clean(self):
        cleaned = super().clean()
        canonical = cleaned.get("canonical")
        changed = {"canonical", "kind"} & set(self.changed_data)
        if canonical and changed and cleaned.get("kind"):
            tag = Tag(pk=self.instance.pk, name=cleaned.get("name", ""), kind=cleaned["kind"])
            try:
                # As tags.make_synonym will: a synonym's synonyms go to its canonical.
                tags.check_synonym(tag, canonical.canonical or canonical)
            except ValidationError as error:
                self.add_error("canonical", error)
        return cleaned


def _works_named_by(tag_ids):
    """Works whose search documents hold these tags' names: tagged with them or a synonym."""
    named = Tag.objects.filter(pk__in=tag_ids) | Tag.objects.filter(canonical__in=tag_ids)
    tagged = TaggedWork.objects.filter(tag__in=named).values_list("content_object", flat=True)
    return list(tagged.distinct())


# taggit registers its own Tag model, which the archive does not use: staff would see two
# "Tags" in the admin, one always empty.
admin.site.unregister(TaggitTag)


@admin.register(Tag)
class TagAdmin(admin_input.ModelAdmin):
    form = TagAdminForm
    list_display = ["name", "kind", "canonical", "work_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["canonical"]
    autocomplete_fields = ["canonical"]
    actions = [make_synonyms, merge]

    def get_queryset(self, request):
        # Counted in the page's one query, not once per row.
        return super().get_queryset(request).annotate(work_count=Count("tagged_works"))

    @admin.display(description="Works", ordering="work_count")
    def work_count(self, tag):
        return tag.work_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "canonical" in form.changed_data and obj.canonical:
            # Setting "canonical" by hand goes through the same rule as the action, which
            # also refreshes the families and search documents of the family's works.
            tags.make_synonym(tag=obj, canonical=obj.canonical)
            return
        renamed = change and {"name", "canonical"} & set(form.changed_data)
        works = _works_named_by([obj.pk]) if renamed else []
        if "canonical" in form.changed_data:
            derived.refresh(works)  # no longer a synonym: a family of its own again
        else:
            derived.renew_listing_generation()  # facets show tags' names and kinds
        if renamed:
            # Search finds works by their tags' names and their canonical tags' names.
            search.update_search_documents(works)

    @transaction.atomic
    def delete_model(self, request, obj):
        works = _works_named_by([obj.pk])
        super().delete_model(request, obj)
        derived.refresh(works)  # its synonyms become families of their own
        search.update_search_documents(works)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        works = _works_named_by(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        derived.refresh(works)
        search.update_search_documents(works)


class InvestigationAdmin(admin_input.ModelAdmin):
    """Read-only: staff look here to investigate; readers change these on their own pages,
    where the counters on works are kept in step."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Kudos)
class KudosAdmin(InvestigationAdmin):
    list_display = ["work", "reader", "from_a_guest", "created_at"]
    list_select_related = ["work", "reader"]
    search_fields = ["work__title", "reader__username"]
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description="Guest")
    def from_a_guest(self, kudos):
        return kudos.reader_id is None


@admin.register(Bookmark)
class BookmarkAdmin(InvestigationAdmin):
    """Public bookmarks only: a private one is seen by its owner and nobody else, staff
    included. Reading history is not in the admin at all, for the same reason."""

    list_display = ["work", "reader", "recommend", "updated_at"]
    list_filter = ["recommend"]
    list_select_related = ["work", "reader"]
    search_fields = ["work__title", "reader__username"]
    fields = ["reader", "work", "notes", "recommend", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).public()

    def changelist_view(self, request, extra_context=None):
        # Only the archive-wide number, never per reader or work: that is all staff learn.
        private = Bookmark.objects.filter(private=True).count()
        return super().changelist_view(request, {**(extra_context or {}), "private": private})
