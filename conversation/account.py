"""Conversation's part of a reader's account (accounts.account): their comments, the
reports they made and their inbox, in the export. Nothing else changes as they leave:
their comments stay, without their name, and the rest goes with them."""

from accounts.account import Part, when
from archive.account import work_entry
from conversation.models import CommentReport


def _comments(reader):
    comments = reader.comments.select_related("work", "chapter").order_by("created_at", "pk")
    return [
        {
            "id": comment.pk,
            "work": work_entry(comment.work),
            "chapter": comment.chapter.position if comment.chapter else None,
            "reply_to": comment.parent_id,
            "body": comment.body,
            "status": comment.status,
            "created_at": when(comment.created_at),
            "edited_at": when(comment.edited_at),
        }
        for comment in comments
    ]


def _reports(reader):
    # What they reported and why; what the moderators did about it is theirs.
    reports = CommentReport.objects.filter(reporter=reader).order_by("created_at", "pk")
    return [
        {
            "comment": report.comment_id,
            "reason": report.reason,
            "details": report.details,
            "created_at": when(report.created_at),
        }
        for report in reports
    ]


def _inbox(reader):
    items = reader.inbox_items.select_related("work", "chapter", "series").order_by(
        "created_at", "pk"
    )
    return [
        {
            "kind": item.kind,
            "work": work_entry(item.work) if item.work else None,
            "chapter": item.chapter.position if item.chapter else None,
            "series": {"id": item.series.pk, "title": item.series.title} if item.series else None,
            "comment": item.comment_id,
            "created_at": when(item.created_at),
            "read_at": when(item.read_at),
        }
        for item in items
    ]


PART = Part(
    sections={
        "conversation.Comment.author": ("comments", _comments),
        "conversation.CommentReport.reporter": ("comment_reports", _reports),
        "conversation.InboxItem.reader": ("inbox", _inbox),
    }
)
