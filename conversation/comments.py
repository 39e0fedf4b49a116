"""Writing comments. Every change goes through these functions, each one transaction with
the work's comment_count, so the count is always the number of shown comments."""

from html.parser import HTMLParser

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags

from accounts import relations
from archive.models import Work
from archive.stats import days
from archive.writing.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from conversation import inbox
from conversation.models import (
    Comment,
    CommentReport,
    CommentStatus,
    InboxItem,
    InboxKind,
    ReportStatus,
    WhoMayComment,
    WorkCommentSettings,
)

# Characters of a comment as typed, markup included (AO3 allows as many).
MAX_LENGTH = 10_000

COMMENTS_OFF = "Comments are off for this work."
DRAFT = "This work is a draft: comments open once it is posted."
READERS_ONLY = "Only signed-in readers may comment on this work. Log in to comment."
BLOCKED_ON_WORK = "You can't comment on this work. Its creator has blocked you."
BLOCKED_REPLY = "You can't reply to this comment. Its author has blocked you."
FROZEN = "This thread is frozen: nobody can reply in it or edit its comments."
NOT_YOURS = "Only the comment's author can do that."
NOT_THE_CREATOR = "Only the work's creator can do that."
NOT_STAFF = "Only staff can do that."
NOT_SHOWN = "You can only reply to a comment that is shown."
OWN_SPAM = "You can delete your own comment, but not mark it as spam."
GONE = "This comment was deleted or hidden, so it can no longer be edited."
REMOVED = "This comment was deleted, hidden or marked as spam: nothing more can be done with it."
EMPTY = "Your comment is empty."


class CommentRefused(Exception):
    """The change is not allowed; the message says why, `status` is the HTTP answer."""

    def __init__(self, message, *, status=403):
        super().__init__(message)
        self.status = status


def clean_body(text):
    """The comment's text in the sanitised HTML subset of chapter notes. Markup outside
    the subset is refused with the reason, rather than quietly dropped."""
    if problem := markup_problem(text):
        raise CommentRefused(problem, status=400)
    body = sanitize_html(text).strip()
    if not strip_tags(body).strip():
        raise CommentRefused(EMPTY, status=400)
    return body


def markup_problem(text):
    """What is wrong with the comment's HTML ("" if nothing): a tag or an attribute outside
    the subset, or a closing tag with nothing to close."""
    checker = _MarkupChecker()
    checker.feed(text)
    checker.close()
    return checker.problem


class _MarkupChecker(HTMLParser):
    VOID = {"br", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problem, self.open = "", []

    def handle_starttag(self, tag, attrs):
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        if tag not in ALLOWED_TAGS:
            self._note(f"Comments cannot use <{tag}>.")
        elif unknown := [name for name, _ in attrs if name not in allowed]:
            self._note(f"Comments cannot use the {unknown[0]} attribute on <{tag}>.")
        elif tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.open and self.open[-1] == tag and tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self._note(f"Comments cannot use <{tag}>.")
        elif tag in self.VOID:
            return
        elif tag not in self.open:
            self._note(f"There is a </{tag}> with no <{tag}> before it.")
        else:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def _note(self, problem):
        self.problem = self.problem or problem


def refusal_to_post(*, work, user, settings):
    """Why this viewer may not post on this work by its settings, or "" if they may. Blocks
    are `refusal_for_blocked`'s."""
    if not work.is_posted:
        return DRAFT
    if work.is_owned_by(user):
        return ""
    if settings.who_may_comment == WhoMayComment.OFF:
        return COMMENTS_OFF
    if not user.is_authenticated and settings.who_may_comment != WhoMayComment.EVERYONE:
        return READERS_ONLY
    return ""


def refusal_for_blocked(*, work, user, parent=None):
    """Why this reader may not comment on this work (or reply to `parent`) because its
    creator (or the comment's author) blocks them, or "" if nobody does. Told up front, in
    place of the form, as AO3 does: the blocked reader learns nothing a refused post would
    not tell them."""
    blockers = relations.blocker_ids(user)
    if work.creator_id in blockers:
        return BLOCKED_ON_WORK
    if parent is not None and parent.author_id in blockers:
        return BLOCKED_REPLY
    return ""


@transaction.atomic
def post_comment(
    *, work, body, author=None, guest_name="", guest_email="", chapter=None, parent=None
):
    """Post a comment on a chapter (or, with no chapter, on the work as a whole), or a reply
    to `parent`. A moderated work holds it for its creator's approval."""
    settings = WorkCommentSettings.of(work)
    user = author or AnonymousUser()
    if refusal := refusal_to_post(work=work, user=user, settings=settings):
        raise CommentRefused(refusal)
    if parent is not None:
        parent = _locked(parent)
        _check_may_reply(parent, work)
        chapter = parent.chapter
    _check_not_blocked(author, work=work, parent=parent)
    held = held_on(work, author=user, settings=settings)
    comment = Comment.objects.create(
        work=work,
        chapter=chapter,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        author=author,
        guest_name="" if author else guest_name,
        guest_email="" if author else guest_email,
        body=clean_body(body),
        status=CommentStatus.HELD if held else CommentStatus.SHOWN,
    )
    if comment.is_shown:
        _count(work.pk, +1)
    _notify(comment, creator=True, parent_author=comment.is_shown)
    return comment


@transaction.atomic
def edit_comment(*, comment, editor, body):
    """Change the text of one's own comment; it is marked edited when the text changed. On
    a moderated work the changed text waits for the creator's approval again, as a new
    comment would: approval was given to the words, not to their author."""
    comment = _locked(comment)
    if not comment.is_by(editor):
        raise CommentRefused(NOT_YOURS)
    if comment.status in (CommentStatus.DELETED, CommentStatus.HIDDEN, CommentStatus.SPAM):
        raise CommentRefused(GONE, status=400)
    if _thread_is_frozen(comment):
        raise CommentRefused(FROZEN)
    _check_not_blocked(editor, work=comment.work, parent=comment.parent)
    body = clean_body(body)
    if body != comment.body:
        comment.body, comment.edited_at = body, timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        if comment.is_shown and held_on(comment.work, author=editor):
            _change_status(comment, CommentStatus.HELD)
    return comment


@transaction.atomic
def delete_comment(*, comment, by):
    """Delete a comment (its author, or the work's creator). One with replies stays as
    "This comment was deleted" so the thread keeps its shape."""
    comment = _locked(comment)
    if not (comment.is_by(by) or comment.work.is_owned_by(by)):
        raise CommentRefused(NOT_YOURS)
    if comment.status == CommentStatus.DELETED:
        return
    if comment.status == CommentStatus.SPAM:
        # Kept whole for staff: its author must not wipe it.
        raise CommentRefused(REMOVED, status=400)
    if comment.replies.exists():
        _change_status(comment, CommentStatus.DELETED, body="")
        return
    deleted, _ = Comment.objects.filter(pk=comment.pk, status=comment.status).delete()
    if deleted and comment.is_shown:
        _count(comment.work_id, -1)
    _prune(comment.parent_id)


@transaction.atomic
def approve_comment(*, comment, by):
    """The creator lets a held comment be shown; the comment it answers hears of it now."""
    comment = _locked(comment)
    if not (comment.work.is_owned_by(by) or by.is_staff):
        raise CommentRefused(NOT_THE_CREATOR)
    _approve(comment)
    return comment


@transaction.atomic
def approve_held(*, by, comments):
    """The creator approves at once every held comment among `comments` that is on one of
    their works (a work's held comments, or those their inbox tells of); returns how many."""
    held = (
        comments.held()
        .filter(work__creator=by)
        .select_for_update(of=("self",))
        .select_related("work", "parent")
        .order_by("created_at", "id")
    )
    return sum(_approve(comment) for comment in held)


@transaction.atomic
def mark_spam(*, comment, by):
    """The work's creator takes a comment out of the work as spam: nobody but staff sees it
    again (they find it in the admin), and the notices of it leave every inbox."""
    comment = _locked(comment)
    if not comment.work.is_owned_by(by):
        raise CommentRefused(NOT_THE_CREATOR)
    if comment.is_by(by):
        raise CommentRefused(OWN_SPAM, status=400)
    if comment.status not in (CommentStatus.SHOWN, CommentStatus.HELD):
        raise CommentRefused(REMOVED, status=400)
    _change_status(comment, CommentStatus.SPAM, hidden_by=by, hidden_at=timezone.now())
    InboxItem.objects.filter(comment=comment).delete()
    return comment


@transaction.atomic
def hide_comment(*, comment, by):
    """Staff take a comment out of its thread ("hidden by staff"); its reports are closed."""
    if not by.is_staff:
        raise CommentRefused(NOT_STAFF)
    comment = _locked(comment)
    now = timezone.now()
    if comment.status != CommentStatus.HIDDEN:
        _change_status(comment, CommentStatus.HIDDEN, hidden_by=by, hidden_at=now)
    comment.reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.HIDDEN, handled_by=by, handled_at=now
    )
    return comment


@transaction.atomic
def freeze_thread(*, comment, by, frozen=True):
    """The work's creator (or staff) freezes the comment's thread, or thaws it."""
    comment = _locked(comment)
    if not (comment.work.is_owned_by(by) or by.is_staff):
        raise CommentRefused(NOT_THE_CREATOR)
    root_id = comment.root_id or comment.pk
    Comment.objects.filter(pk=root_id).update(frozen=frozen)


def report_comment(*, comment, reason, details="", reporter=None, guest_key=""):
    """Queue the comment for staff; False, changing nothing, if this reader or guest had
    already reported it."""
    if reporter is None and not guest_key:
        raise ValueError("A guest's report needs a guest key.")
    try:
        with transaction.atomic():
            CommentReport.objects.create(
                comment=comment,
                reporter=reporter,
                guest_key="" if reporter else guest_key,
                reason=reason,
                details=details,
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def dismiss_reports(*, reports, by):
    return reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.DISMISSED, handled_by=by, handled_at=timezone.now()
    )


def may_reply(comment):
    """Whether the comment takes replies: shown, and in a thread that is not frozen (the
    thread's first comment is passed in or read)."""
    return comment.is_shown and not _thread_is_frozen(comment)


def _check_may_reply(parent, work):
    if parent.work_id != work.pk:
        raise CommentRefused("That comment is on another work.", status=400)
    if not parent.is_shown:
        raise CommentRefused(NOT_SHOWN, status=400)
    if _thread_is_frozen(parent):
        raise CommentRefused(FROZEN)


def _check_not_blocked(author, *, work, parent):
    if author is not None and (
        refusal := refusal_for_blocked(work=work, user=author, parent=parent)
    ):
        raise CommentRefused(refusal)


def held_on(work, *, author, settings=None):
    """Whether what `author` writes on `work` waits for the creator's approval (the form
    says so before they write)."""
    settings = settings or WorkCommentSettings.of(work)
    return settings.moderated and not work.is_owned_by(author)


@transaction.atomic
def restore_spam(*, comment, by):
    """Staff show again a comment its work's creator marked as spam by mistake."""
    if not by.is_staff:
        raise CommentRefused(NOT_STAFF)
    comment = _locked(comment)
    if comment.status == CommentStatus.SPAM:
        _change_status(comment, CommentStatus.SHOWN, hidden_by=None, hidden_at=None)
    return comment


def _approve(comment):
    """Show a held comment; the comment it answers hears of it now. True if this did."""
    if comment.is_held and _change_status(comment, CommentStatus.SHOWN):
        _notify(comment, creator=False, parent_author=True)
        return True
    return False


def _thread_is_frozen(comment):
    return (comment.root if comment.root_id else comment).frozen


def _notify(comment, *, creator, parent_author):
    """Tell the work's creator and the author of the comment answered (once each, a reply
    first), unless they wrote it or mute its author; each notice's email is a job."""
    recipients = []
    parent = comment.parent
    if parent_author and parent is not None and parent.author_id:
        recipients.append((parent.author_id, InboxKind.REPLY))
    if creator and comment.work.creator_id:
        recipients.append((comment.work.creator_id, InboxKind.COMMENT_ON_WORK))
    notified = set()
    for reader_id, kind in recipients:
        if reader_id in notified or reader_id == comment.author_id:
            continue
        notified.add(reader_id)
        if comment.author_id and comment.author_id in relations.muted_ids(reader_id):
            continue
        item = inbox.notify(
            reader=reader_id,
            kind=kind,
            work=comment.work,
            chapter=comment.chapter,
            comment=comment,
        )
        if item is not None:
            inbox.email_after_commit(item)


def _change_status(comment, status, **fields):
    """Move the comment to `status` unless another request changed it first; True if this
    did. Keeps the work's count."""
    changed = Comment.objects.filter(pk=comment.pk, status=comment.status).update(
        status=status, **fields
    )
    if changed:
        shown = CommentStatus.SHOWN
        _count(comment.work_id, (status == shown) - (comment.status == shown))
        comment.status = status
    return bool(changed)


def _prune(parent_id):
    """Take away deleted placeholders left without replies, up the thread."""
    while parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, status=CommentStatus.DELETED).first()
        if parent is None or parent.replies.exists():
            return
        parent.delete()
        parent_id = parent.parent_id


def _count(work_id, delta):
    if delta:
        Work.objects.filter(pk=work_id).update(comment_count=F("comment_count") + delta)
        days.add(work_id, comments=delta)


def _locked(comment):
    """The comment read again under a row lock, with its work and the comment it answers."""
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("work", "parent")
        .get(pk=comment.pk)
    )
