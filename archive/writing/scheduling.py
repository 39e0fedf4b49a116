"""Chapters posted by the job worker at the time their creator chose.

A scheduled chapter is a draft with a `post_at`. A job every minute (archive.tasks) posts
every draft whose time has come, each in a transaction of its own under the lock on its
work's row that every posting function takes, so two workers (or a worker and the creator
pressing "Post now") never post one twice. Subscribers hear of it then, as of any chapter
posted. The rows are the record: a worker that was down at the time posts the chapter at
its next run, a minute after it starts at most.
"""

from django.utils import timezone

from archive.models import Chapter
from archive.writing import posting


def post_due_chapters(now=None):
    """Post every scheduled chapter due by `now`, the earliest first; returns how many."""
    now = now or timezone.now()
    due = Chapter.objects.due(now).order_by("post_at", "pk").select_related("work")
    return sum(posting.post_chapter(chapter=chapter, due_by=now) is not None for chapter in due)
