"""A work's chapter and word counts, kept in step with its chapters' own word counts."""

from django.db.models import Count, Sum

from archive.stats import days


def refresh_work_counts(work):
    """Count the work's posted chapters and their words again and save both on the work.

    Each chapter's `word_count` must already be `count_words(chapter.body)`.
    """
    totals = work.chapters.posted().aggregate(chapters=Count("pk"), words=Sum("word_count"))
    words = work.word_count
    work.chapter_count, work.word_count = totals["chapters"], totals["words"] or 0
    work.save(update_fields=["chapter_count", "word_count", *work.settle_status()])
    if work.word_count != words:
        days.set_words(work, was=words)
    return work
