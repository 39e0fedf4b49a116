"""The reader's inbox and their email choice for comment notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.relations import muted_ids, read_ahead
from archive.consent import policy
from conversation import comments
from conversation import inbox as notices
from conversation.forms import CommentForm, InboxActionForm, NotificationSettingsForm
from conversation.models import (
    COMMENT_KINDS,
    Comment,
    CommentStatus,
    InboxItem,
    WorkCommentSettings,
)
from conversation.views.helpers import back_to

ITEMS_PER_PAGE = 20
DONE = {
    "read": "Marked read.",
    "unread": "Marked unread.",
    "delete": "Deleted from your inbox.",
    "read_all": "Everything in your inbox is marked read.",
}


@require_safe
@login_required
def inbox(request):
    items = InboxItem.objects.for_reader(request.user).select_related(
        "comment__root", "work__comment_settings"
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    if any(item.kind in COMMENT_KINDS for item in page.object_list):
        read_ahead(request.user, "blockers", "muted")  # their comments ask for both
    for item in page.object_list:
        _prepare(request, item)
    any_held = any(item.approvable for item in page.object_list)
    return render(request, "conversation/inbox.html", {"page": page, "any_held": any_held})


@require_POST
@login_required
def update_inbox(request):
    form = InboxActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", ["Choose what to do."])))
        return back_to(request, reverse("conversation:inbox"))
    action, ids = form.cleaned_data["action"], form.cleaned_data["items"]
    if action == "read_all":
        notices.mark_read(reader=request.user)
    elif action == "read":
        notices.mark_read(reader=request.user, item_ids=ids)
    elif action == "unread":
        notices.mark_unread(reader=request.user, item_ids=ids)
    else:
        notices.delete(reader=request.user, item_ids=ids)
    messages.success(request, DONE[action])
    return back_to(request, reverse("conversation:inbox"))


@require_POST
@login_required
def approve_held_comments(request):
    """Approve every held comment the inbox tells its reader of, on works that are theirs."""
    told = InboxItem.objects.filter(reader=request.user, comment__isnull=False)
    held = Comment.objects.filter(pk__in=told.values("comment_id"))
    approved = comments.approve_held(by=request.user, comments=held)
    messages.success(request, f"{approved} comment{pluralize(approved)} approved and shown.")
    return back_to(request, reverse("conversation:inbox"))


@login_required
def notification_settings(request):
    initial = {"email_on_comments": request.user.email_on_comments}
    # An unticked box sends nothing, so an empty POST is still the form sent.
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, initial=initial)
    if form.is_valid():
        request.user.email_on_comments = form.cleaned_data["email_on_comments"]
        request.user.save(update_fields=["email_on_comments"])
        messages.success(request, "Your email choice is saved.")
        return redirect("conversation:notification_settings")
    status = 400 if form.is_bound else 200
    return render(request, "conversation/notification_settings.html", {"form": form}, status=status)


def _prepare(request, item):
    """What the item's template needs to know: whether the reader may read the comment
    now (they have agreed to everything its work needs), the reply form if so (or why a
    block keeps them from replying), whether a reply waits for approval, and what the
    work's creator may do with the comment."""
    user = request.user
    item.readable = item.work is None or not policy.missing_items(request, item.work)
    item.muted = item.comment is not None and item.comment.author_id in muted_ids(user)
    item.reply_form = None
    item.reply_refusal = ""
    item.held = item.approvable = item.may_mark_spam = False
    if item.kind not in COMMENT_KINDS or not item.readable:
        return
    if comments.may_reply(item.comment):
        item.reply_refusal = comments.refusal_for_blocked(
            work=item.work, user=user, parent=item.comment
        )
    if comments.may_reply(item.comment) and not item.reply_refusal:
        item.reply_form = CommentForm(auto_id=f"item-{item.pk}-%s")
        settings = _selected_settings(item.work)
        item.held = comments.held_on(item.work, author=user, settings=settings)
    if item.work.is_owned_by(user) and not item.comment.is_by(user):
        item.approvable = item.comment.is_held
        item.may_mark_spam = item.comment.status in (CommentStatus.SHOWN, CommentStatus.HELD)


def _selected_settings(work):
    """The work's comment settings, read with the page of items (defaults without a row)."""
    try:
        return work.comment_settings
    except WorkCommentSettings.DoesNotExist:
        return WorkCommentSettings(work=work)
