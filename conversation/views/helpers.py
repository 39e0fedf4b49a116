"""What the comment views share: finding a comment on a work, and answering a refusal."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from config.paths import same_site_path
from conversation.threads import comments_for


def get_comment(request, work, comment_id):
    """The comment on this work that this viewer may see, or 404: a comment of another
    work, or one held for moderation, is not found here."""
    comments = comments_for(request.user, work).select_related("author", "parent", "chapter")
    return get_object_or_404(comments, pk=comment_id)


def refuse(request, work, message, *, status=403):
    """The clear refusal: what was asked cannot be done, and why. Nothing was changed."""
    context = {"work": work, "message": message}
    return render(request, "conversation/refused.html", context, status=status)


def back_to(request, default):
    """A path on this site sent as `next`, or `default`."""
    return redirect(same_site_path(request.POST.get("next")) or default)


def threads_url(work, chapter=None):
    """The page of the work's or the chapter's threads (a one-chapter work's are the work's)."""
    if chapter is None or work.chapter_count <= 1:
        return reverse("conversation:work_comments", args=[work.pk])
    return reverse("conversation:chapter_comments", args=[work.pk, chapter.position])
