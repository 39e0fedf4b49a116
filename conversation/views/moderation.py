"""Buttons on a comment: delete (its author or the work's creator), approve, freeze and mark
as spam (the creator), hide (staff), report (anyone). They show no text, so only report and
delete, whose pages quote the comment, are behind the consent gate; the others are declared
metadata-only."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from archive.consent.gates import consent_required, get_work_for_reader, metadata_only
from archive.models import Work
from archive.reading.kudos import guest_key
from config.clients import client_address
from config.limits import limit_comments
from conversation import comments
from conversation.forms import CommentSettingsForm, ReportForm
from conversation.models import Comment, CommentStatus, WorkCommentSettings
from conversation.views.helpers import back_to, get_comment, refuse, threads_url

LOG_IN = "Log in to do that."


@require_http_methods(["GET", "HEAD", "POST"])
@consent_required
def delete_comment(request, work, comment_id):
    """Asks "Delete this comment?" with the comment quoted; the POST deletes it."""
    if not request.user.is_authenticated:
        return refuse(request, work, LOG_IN)
    comment = get_comment(request, work, comment_id)
    if not (comment.is_by(request.user) or work.is_owned_by(request.user)):
        return refuse(request, work, comments.NOT_YOURS)
    if request.method == "POST":
        try:
            comments.delete_comment(comment=comment, by=request.user)
        except comments.CommentRefused as refusal:
            return refuse(request, work, str(refusal), status=refusal.status)
        messages.success(request, "The comment was deleted.")
        return back_to(request, threads_url(work, comment.chapter))
    if comment.status in (CommentStatus.DELETED, CommentStatus.SPAM):
        return refuse(request, work, comments.REMOVED, status=400)
    context = {"work": work, "comment": comment, "has_replies": comment.replies.exists()}
    return render(request, "conversation/delete.html", context)


@require_POST
@metadata_only
def approve_comment(request, work_id, comment_id):
    return _act(request, work_id, comment_id, comments.approve_comment, "The comment is shown.")


@require_POST
@metadata_only
def approve_held_comments(request, work_id):
    """The creator shows every comment held on the work at once."""
    work = get_work_for_reader(request, work_id)
    if not work.is_owned_by(request.user):
        return refuse(request, work, comments.NOT_THE_CREATOR)
    approved = comments.approve_held(by=request.user, comments=Comment.objects.on(work))
    messages.success(request, f"{approved} comment{pluralize(approved)} approved and shown.")
    return back_to(request, threads_url(work))


@require_POST
@metadata_only
def mark_spam(request, work_id, comment_id):
    done = "The comment was marked as spam and taken out of the work."
    return _act(request, work_id, comment_id, comments.mark_spam, done)


@require_POST
@metadata_only
def hide_comment(request, work_id, comment_id):
    return _act(request, work_id, comment_id, comments.hide_comment, "The comment is hidden.")


@require_POST
@metadata_only
def freeze_thread(request, work_id, comment_id):
    frozen = request.POST.get("frozen") != "no"
    done = "The thread is frozen." if frozen else "The thread takes replies again."
    return _act(request, work_id, comment_id, comments.freeze_thread, done, frozen=frozen)


@require_http_methods(["GET", "HEAD", "POST"])
@limit_comments
@consent_required
def report_comment(request, work, comment_id):
    comment = get_comment(request, work, comment_id)
    if not comment.is_shown or comment.is_by(request.user):
        return refuse(request, work, "This comment cannot be reported.", status=400)
    form = ReportForm(request.POST or None)
    if form.is_valid():
        reader = request.user if request.user.is_authenticated else None
        made = comments.report_comment(
            comment=comment,
            reporter=reader,
            guest_key="" if reader else guest_key(client_address(request)),
            **form.cleaned_data,
        )
        if made:
            messages.success(request, "Thank you: staff will look at this comment.")
        else:
            messages.info(request, "You have already reported this comment.")
        return redirect(comment)
    status = 400 if form.is_bound else 200
    context = {"work": work, "comment": comment, "form": form}
    return render(request, "conversation/report.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@metadata_only
def comment_settings(request, work_id):
    """Who may comment on the work, and whether comments wait for approval: its creator's
    (and staff's) choice; to anyone else the page does not exist."""
    work = _get_work_for_creator(request, work_id)
    form = CommentSettingsForm(request.POST or None, instance=WorkCommentSettings.of(work))
    if form.is_valid():
        form.save()
        messages.success(request, f"Comment settings for “{work.title}” are saved.")
        return redirect("archive:edit_work", work.pk)
    status = 400 if form.is_bound else 200
    context = {"work": work, "form": form}
    return render(request, "conversation/comment_settings.html", context, status=status)


def _get_work_for_creator(request, work_id):
    user = request.user
    if not user.is_authenticated:
        raise Http404("You have no work with that id.")
    works = Work.objects.all() if user.is_staff else Work.objects.filter(creator=user)
    return get_object_or_404(works, pk=work_id)


def _act(request, work_id, comment_id, action, done, **options):
    work = get_work_for_reader(request, work_id)
    if not request.user.is_authenticated:
        return refuse(request, work, LOG_IN)
    comment = get_comment(request, work, comment_id)
    try:
        action(comment=comment, by=request.user, **options)
    except comments.CommentRefused as refusal:
        return refuse(request, work, str(refusal), status=refusal.status)
    messages.success(request, done)
    return back_to(request, threads_url(work, comment.chapter))
