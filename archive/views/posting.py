"""Posting and editing: creators write works and chapters, draft them, preview and post them.

Only a work's creator and staff reach these pages; to everyone else every one of them is a
404, whatever the id, so nobody can learn which drafts exist.
"""

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_POST

from archive.consent.gates import consent_required, metadata_only
from archive.models import Chapter, Work
from archive.writing import drafts, posting
from archive.writing.forms import ChapterForm, WorkForm
from config.limits import limit_autosaves


def creator_only(view):
    """Gate a view that shows a work's text to its creator and staff, and 404 to anyone else.

    Ownership is checked first, so another reader meets a 404 rather than the interstitial.
    """
    gated = consent_required(view)

    @wraps(gated)
    def creators_view(request, work_id, *args, **kwargs):
        user = request.user
        # Staff may edit any work; the gate answers 404 for one that does not exist.
        if not user.is_authenticated or not (
            user.is_staff or _editable_works(user).filter(pk=work_id).exists()
        ):
            raise Http404("You have no work with that id.")
        return gated(request, work_id, *args, **kwargs)

    return creators_view


def _editable_works(user):
    return Work.objects.all() if user.is_staff else Work.objects.filter(creator=user)


def _get_work_for_creator(request, work_id):
    """The work if this reader may edit it (its creator, or staff), else 404."""
    if not request.user.is_authenticated:
        raise Http404("You have no work with that id.")
    return get_object_or_404(_editable_works(request.user), pk=work_id)


def _chapters_url(work):
    return reverse("archive:edit_work", args=[work.pk]) + "#chapters"


@login_required
def my_works(request):
    works = (
        Work.objects.filter(creator=request.user)
        .with_blurb()
        .order_by("is_posted", "-updated", "-id")
    )
    page = Paginator(works, settings.WORKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/my_works.html", {"page": page})


@login_required
def new_work(request):
    form = WorkForm(request.POST or None, creator=request.user)
    if form.is_valid():
        try:
            work = posting.create_work(creator=request.user, **form.cleaned_data)
        except posting.PostingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"Your draft “{work.title}” is saved: now add its first chapter."
            )
            return redirect("archive:new_chapter", work.pk)
    return render(request, "archive/work_form.html", {"form": form, "work": None})


@creator_only
def edit_work(request, work):
    prefetch_related_objects([work], "tags")  # the form's tag boxes, one query for all kinds
    form = WorkForm(request.POST or None, work=work)
    if form.is_valid():
        try:
            posting.update_work(work=work, **form.cleaned_data)
        except posting.PostingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Your changes to “{form.cleaned_data['title']}” are saved.")
            return redirect(work)
    chapters = work.chapters.order_by("position").only(
        "work_id", "position", "title", "word_count", "is_posted", "post_at"
    )
    context = {"form": form, "work": work, "chapters": list(chapters)}
    return render(request, "archive/work_form.html", context)


@require_POST
@metadata_only
def post_work(request, work_id):
    work = _get_work_for_creator(request, work_id)
    try:
        work = posting.post_work(work=work)
    except posting.PostingRefused as refusal:
        messages.error(request, str(refusal))
        if work.hidden_by_staff and not request.user.is_staff:
            # Its page is gone for its creator too; "My works" says why.
            return redirect("archive:my_works")
    else:
        messages.success(request, f"“{work.title}” is posted: every reader can find it now.")
    return redirect(work)


@metadata_only
def delete_work(request, work_id):
    """Ask first; the work, its chapters, kudos and bookmarks go only on the confirming POST."""
    work = _get_work_for_creator(request, work_id)
    if request.method == "POST":
        posting.delete_work(work=work)
        messages.success(request, f"“{work.title}” is deleted.")
        return redirect("archive:my_works")
    return render(request, "archive/work_delete.html", {"work": work})


@creator_only
def new_chapter(request, work):
    form = ChapterForm(request.POST or None, work=work)
    chapter = Chapter(work=work, position=work.chapter_count + 1)
    if form.is_valid() and "preview" not in request.POST:
        chapter = posting.add_chapter(work=work, **form.chapter(), **form.posting())
        drafts.discard_draft(creator=request.user, work=work, chapter=None)
        messages.success(request, _saved(work, chapter))
        return redirect(chapter)
    return _chapter_form(request, work, chapter, form, new=True)


@creator_only
def edit_chapter(request, work, position):
    chapter = get_object_or_404(work.chapters, position=position)
    form = ChapterForm(request.POST or None, chapter=chapter)
    if form.is_valid() and "preview" not in request.POST:
        was_draft = not chapter.is_posted
        chapter = posting.update_chapter(chapter=chapter, **form.chapter(), **form.posting())
        drafts.discard_draft(creator=request.user, work=work, chapter=chapter)
        if was_draft:
            messages.success(request, _saved(work, chapter))
        else:
            messages.success(request, f"Your changes to {chapter.heading} are saved.")
        return redirect(chapter)
    return _chapter_form(request, work, chapter, form, new=False)


@require_POST
@metadata_only
def post_chapter(request, work_id, position):
    """Post a draft chapter now (its creator's "Post now")."""
    work = _get_work_for_creator(request, work_id)
    chapter = get_object_or_404(
        work.chapters.defer(*posting.CHAPTER_TEXT_FIELDS), position=position
    )
    chapter = posting.post_chapter(chapter=chapter)
    messages.success(request, _saved(work, chapter))
    return redirect(chapter)


def _saved(work, chapter):
    """What the creator is told once a chapter is saved."""
    if not work.is_posted:
        return f"{chapter.heading} is saved. Your work is a draft until you post it."
    if chapter.is_posted:
        return f"{chapter.heading} is posted."
    if chapter.post_at:
        when = dateformat.format(timezone.localtime(chapter.post_at), "j F Y, H:i T")
        return f"{chapter.heading} is saved, to be posted on {when}. Only you see it until then."
    return f"{chapter.heading} is saved as a draft: only you can see it until you post it."


def _chapter_form(request, work, chapter, form, *, new):
    """The chapter form, with the chapter as it would read above it when previewing."""
    preview = None
    if "preview" in request.POST and form.is_valid():
        data = form.cleaned_data
        preview = Chapter(work=work, position=chapter.position, title=data["title"])
        for name in posting.CHAPTER_TEXT_FIELDS:
            setattr(preview, name, posting.prepare_html(data[name]))
    context = {"work": work, "chapter": chapter, "form": form, "new": new, "preview": preview}
    # Autosaving is the creator's own: staff editing a work do not leave drafts in it.
    if work.creator_id == request.user.pk:
        context |= _autosave_context(request, work, None if new else chapter, form)
    return render(request, "archive/chapter_form.html", context)


def _autosave_context(request, work, chapter, form):
    """Where the editor autosaves to, and the autosaved text to offer back when the page
    opens (or, asked to restore it, that text in the form)."""
    args = [work.pk] if chapter is None else [work.pk, chapter.position]
    suffix = "_new" if chapter is None else ""
    context = {
        "autosave_url": reverse(f"archive:autosave_chapter{suffix}", args=args),
        "discard_url": reverse(f"archive:discard_chapter_draft{suffix}", args=args),
    }
    if request.method == "GET":
        draft = drafts.draft_to_offer(creator=request.user, work=work, chapter=chapter)
        if draft and request.GET.get("restore") == "draft":
            form.initial["body"] = draft.body
            context["restored"] = draft
        else:
            context["draft"] = draft
    return context


TOO_LONG = f"The chapter text is longer than {drafts.MAX_BODY:,} characters, so it is not saved."


def _refused(message, status):
    return JsonResponse({"message": message}, status=status)


def _get_own_chapter(request, work_id, position):
    """The work, and the chapter (None for a new one), if this reader created the work.

    Autosaved text is the creator's alone: staff and everyone else meet a 404 here.
    """
    if not request.user.is_authenticated:
        raise Http404("You have no work with that id.")
    work = get_object_or_404(Work, pk=work_id, creator=request.user)
    if position is None:
        return work, None
    return work, get_object_or_404(work.chapters.only("pk", "work_id"), position=position)


@require_POST
@limit_autosaves
@metadata_only
def autosave_chapter(request, work_id, position=None):
    """Keep the text the creator's editor sends, {"body": "..."}; answer when it was kept."""
    if not request.user.is_authenticated:
        return _refused("You are logged out, so this is not saved: log in again.", 403)
    work, chapter = _get_own_chapter(request, work_id, position)
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _refused(TOO_LONG, 413)
    try:
        body = json.loads(request.body).get("body")
    except (ValueError, AttributeError):
        body = None
    if not isinstance(body, str):
        return _refused('Send the chapter text as JSON: {"body": "..."}.', 400)
    if len(body) > drafts.MAX_BODY:
        return _refused(TOO_LONG, 413)
    draft = drafts.save_draft(creator=request.user, work=work, chapter=chapter, body=body)
    return JsonResponse({"saved_at": draft.saved_at.isoformat()})


@require_POST
@metadata_only
def discard_chapter_draft(request, work_id, position=None):
    work, chapter = _get_own_chapter(request, work_id, position)
    drafts.discard_draft(creator=request.user, work=work, chapter=chapter)
    messages.success(request, "The autosaved text is discarded.")
    if chapter is None:
        return redirect("archive:new_chapter", work.pk)
    return redirect("archive:edit_chapter", work.pk, chapter.position)


@require_POST
@metadata_only
def move_chapter(request, work_id, position):
    work = _get_work_for_creator(request, work_id)
    chapter = get_object_or_404(work.chapters, position=position)
    try:
        moved = posting.move_chapter(chapter=chapter, direction=request.POST.get("direction"))
    except posting.PostingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Moved {request.POST['direction']}: it is now {moved.heading}.")
    return redirect(_chapters_url(work))


@metadata_only
def delete_chapter(request, work_id, position):
    """Ask first; the last chapter of a posted work cannot go (the page says so)."""
    work = _get_work_for_creator(request, work_id)
    chapter = get_object_or_404(
        work.chapters.defer(*posting.CHAPTER_TEXT_FIELDS), position=position
    )
    if request.method == "POST":
        try:
            posting.delete_chapter(chapter=chapter)
        except posting.PostingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{chapter.heading} is deleted.")
        return redirect(_chapters_url(work))
    keeps_one = work.is_posted and chapter.is_posted and work.chapter_count <= 1
    context = {"work": work, "chapter": chapter, "keeps_one": keeps_one}
    return render(request, "archive/chapter_delete.html", context)
