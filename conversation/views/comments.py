"""Comment pages: a work's or a chapter's threads with the form for a new comment, a
comment's own page to reply from, editing one's own comment. All behind the consent gate."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.relations import blocker_ids, muted_ids, read_ahead
from archive.consent.gates import consent_required
from config.limits import limit_comments
from conversation import comments, threads
from conversation.forms import CommentForm
from conversation.models import Comment, CommentStatus, WorkCommentSettings
from conversation.views.helpers import back_to, get_comment, refuse, threads_url

ON_A_CHAPTER = "This work has several chapters: comment on one of them."
POSTED = "Your comment was posted."
HELD = "Your comment was posted. It will be shown once the work's creator approves it."
GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])


@GET_OR_POST
@limit_comments
@consent_required
def work_comments(request, work):
    """Every thread on the work; a single-chapter work is commented on here, as a whole."""
    if request.method == "POST" and work.chapter_count > 1:
        return refuse(request, work, ON_A_CHAPTER, status=400)
    return _threads_page(request, work, chapter=None)


@GET_OR_POST
@limit_comments
@consent_required
def chapter_comments(request, work, position):
    chapter = get_object_or_404(
        work.chapters.posted().only("id", "work_id", "position", "title"), position=position
    )
    if work.chapter_count <= 1:
        return redirect("conversation:work_comments", work.pk)
    return _threads_page(request, work, chapter=chapter)


@GET_OR_POST
@limit_comments
@consent_required
def reply(request, work, comment_id):
    """A comment on a page of its own, with the form to answer it (also the inbox's)."""
    parent = get_comment(request, work, comment_id)
    settings = WorkCommentSettings.of(work)
    refusal = _refusal(request, work, settings, parent=parent)
    if request.method == "POST" and refusal:
        return refuse(request, work, refusal)
    form = _form(request)
    if request.method == "POST":
        if form.is_valid():
            return _post(request, work, form, parent=parent)
        status = 400
    else:
        status = 200
    context = {
        "work": work,
        "comment": parent,
        "form": form,
        "may_reply": comments.may_reply(parent),
        "muted": parent.author_id in muted_ids(request.user),
        "refusal": refusal,
        "held": comments.held_on(work, author=request.user, settings=settings),
    }
    return render(request, "conversation/reply.html", context, status=status)


@GET_OR_POST
@limit_comments
@consent_required
def edit_comment(request, work, comment_id):
    comment = get_comment(request, work, comment_id)
    if not comment.is_by(request.user):
        return refuse(request, work, comments.NOT_YOURS)
    # Blocked since writing it: told before typing, as posting would be.
    parent = comment.parent
    if refusal := comments.refusal_for_blocked(work=work, user=request.user, parent=parent):
        return refuse(request, work, refusal)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if form.is_valid():
        try:
            comment = comments.edit_comment(
                comment=comment, editor=request.user, body=form.cleaned_data["body"]
            )
        except comments.CommentRefused as refusal:
            return refuse(request, work, str(refusal), status=refusal.status)
        waits = (
            " It waits for the creator's approval." if comment.status == CommentStatus.HELD else ""
        )
        messages.success(request, f"Your comment was changed.{waits}")
        return redirect(comment)
    status = 400 if form.is_bound else 200
    context = {"work": work, "comment": comment, "form": form}
    return render(request, "conversation/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@consent_required
def comment_detail(request, work, comment_id):
    """A comment's lasting address: the page of its thread, at the comment."""
    comment = get_comment(request, work, comment_id)
    chapter = comment.chapter if work.chapter_count > 1 else None
    page = threads.page_of(comment, request.user, work=work, chapter=chapter)
    query = f"?page={page}" if page > 1 else ""
    return redirect(f"{threads_url(work, chapter)}{query}#comment-{comment.pk}")


def _threads_page(request, work, *, chapter):
    settings = WorkCommentSettings.of(work)
    refusal = _refusal(request, work, settings)
    if request.method == "POST" and refusal:
        return refuse(request, work, refusal)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        return _post(request, work, form, chapter=chapter)
    page, entries = threads.page_of_threads(
        request.user, work, chapter=chapter, page_number=request.GET.get("page")
    )
    owner = work.is_owned_by(request.user)
    context = {
        "work": work,
        "chapter": chapter,
        "page": page,
        "entries": entries,
        "form": form,
        "settings": settings,
        "refusal": refusal,
        "held": comments.held_on(work, author=request.user, settings=settings),
        "takes_comments": chapter is not None or work.chapter_count <= 1,
        "moderator": owner or request.user.is_staff,
        # Only the creator approves them all at once, so only they pay for the count.
        "held_count": Comment.objects.on(work).held().count() if owner else 0,
        # Whose comments this reader may not answer (read with the refusal above).
        "blocked_by": blocker_ids(request.user),
    }
    status = 400 if form.is_bound else 200
    return render(request, "conversation/comments.html", context, status=status)


def _refusal(request, work, settings, *, parent=None):
    """Why this viewer may not post here (said in place of the form), or "" if they may."""
    read_ahead(request.user, "blockers", "muted")  # the page asks for both
    user = request.user
    return comments.refusal_to_post(
        work=work, user=user, settings=settings
    ) or comments.refusal_for_blocked(work=work, user=user, parent=parent)


def _form(request):
    data = request.POST if request.method == "POST" else None
    return CommentForm(data, guest=not request.user.is_authenticated)


def _post(request, work, form, *, chapter=None, parent=None):
    user = request.user
    try:
        comment = comments.post_comment(
            work=work,
            body=form.cleaned_data["body"],
            author=user if user.is_authenticated else None,
            guest_name=form.cleaned_data.get("guest_name", ""),
            guest_email=form.cleaned_data.get("guest_email", ""),
            chapter=chapter,
            parent=parent,
        )
    except comments.CommentRefused as refusal:
        return refuse(request, work, str(refusal), status=refusal.status)
    held = comment.status == CommentStatus.HELD
    messages.success(request, HELD if held else POSTED)
    if held and not user.is_authenticated:
        # A guest cannot see their comment until it is approved: back to the thread.
        return redirect(parent or threads_url(work, chapter))
    return back_to(request, comment.get_absolute_url())
