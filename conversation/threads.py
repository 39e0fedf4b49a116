"""A page of comment threads in a fixed number of queries, however many replies it holds:
the page's first comments, then every comment of those threads at once, put in order here."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.urls import reverse

from accounts import relations
from archive.links import link
from conversation.models import Comment, CommentStatus

THREADS_PER_PAGE = 20
# Deeper replies keep this indent (phones flatten further, in CSS) and say whom they answer.
MAX_INDENT = 5
# Comments nobody may delete again: gone already, or kept as they are for staff.
REMOVED = (CommentStatus.DELETED, CommentStatus.SPAM)


@dataclass
class Entry:
    """One comment as this viewer sees it in its thread."""

    comment: Comment
    depth: int
    answers: str  # the name of the comment it replies to, "" for a thread's first
    muted: bool
    frozen: bool
    can_reply: bool
    can_edit: bool
    can_delete: bool
    can_moderate: bool  # the work's creator or staff: approve, freeze
    can_mark_spam: bool  # the work's creator, on others' comments
    can_hide: bool
    can_report: bool

    url: str  # the comment's own address; its buttons' are this and a word ("reply/")
    author_url: str

    @property
    def indent(self):
        return min(self.depth, MAX_INDENT)


def comments_for(user, work, chapter=None):
    return Comment.objects.on(work, chapter).shown_to(user, work=work)


def page_of_threads(user, work, *, chapter=None, page_number=1):
    """The page of threads (oldest first, so the newest thread is last) and its entries."""
    comments = comments_for(user, work, chapter)
    roots = comments.roots().order_by("created_at", "id").values_list("pk", flat=True)
    page = Paginator(roots, THREADS_PER_PAGE).get_page(page_number)
    rows = list(
        comments.in_threads(list(page.object_list))
        .select_related("author", "chapter")
        .defer("chapter__body", "chapter__notes", "chapter__end_notes", "chapter__summary")
        .order_by("created_at", "id")
    )
    return page, entries(rows, user=user, work=work)


def page_of(comment, user, *, work, chapter=None):
    """The number of the page that shows this comment's thread."""
    root = comment.root or comment
    earlier = (
        comments_for(user, work, chapter)
        .roots()
        .filter(created_at__lte=root.created_at)
        .exclude(created_at=root.created_at, id__gte=root.pk)
        .count()
    )
    return earlier // THREADS_PER_PAGE + 1


def entries(rows, *, user, work):
    """Each comment after the one it answers, depth first, each thread in posting order."""
    replies = defaultdict(list)
    by_id = {}
    for comment in rows:
        replies[comment.parent_id].append(comment)
        by_id[comment.pk] = comment
    # Reversed once for the page: a thread of hundreds would spend more on reverse().
    base = reverse("conversation:work_comments", args=[work.pk])
    muted = relations.muted_ids(user)
    owner = work.is_owned_by(user)
    moderator = owner or (user.is_authenticated and user.is_staff)
    result = []
    for root in replies[None]:
        stack = [(root, 0)]
        while stack:
            comment, depth = stack.pop()
            parent = by_id.get(comment.parent_id)
            result.append(
                _entry(comment, depth, parent, root.frozen, user, muted, owner, moderator, base)
            )
            stack.extend((reply, depth + 1) for reply in reversed(replies[comment.pk]))
    return result


def _entry(comment, depth, parent, frozen, user, muted, owner, moderator, base):
    mine = comment.is_by(user)
    live = comment.status in (CommentStatus.SHOWN, CommentStatus.HELD)
    return Entry(
        comment=comment,
        depth=depth,
        answers=parent.name if parent and parent.status != CommentStatus.DELETED else "",
        muted=comment.author_id in muted,
        frozen=frozen,
        can_reply=comment.is_shown and not frozen,
        can_edit=mine and live and not frozen,
        can_delete=comment.status not in REMOVED and (mine or owner),
        can_moderate=moderator,
        can_mark_spam=owner and not mine and live,
        can_hide=user.is_authenticated and user.is_staff and comment.status != CommentStatus.HIDDEN,
        can_report=comment.is_shown and not mine,
        url=f"{base}{comment.pk}/",
        author_url=link("archive:creator_detail", comment.author.username)
        if comment.author_id
        else "",
    )
