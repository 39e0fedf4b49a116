"""Helpers that make readers and works for tests."""

import datetime
import itertools

from accounts.models import ConsentChoice, Reader
from archive.listing import search
from archive.models import Chapter, Tag, Work, WorkWarning
from archive.vocabulary import ConsentItem
from archive.writing import derived
from archive.writing.words import count_words

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def body_marker(work_pk, position):
    """A phrase that appears only in one chapter's text, so tests can tell text from metadata."""
    return f"storytext-{work_pk}-{position}"


def make_reader(username, *, choice=None, **fields):
    reader = Reader.objects.create_user(username, f"{username}@example.com", PASSWORD, **fields)
    if choice:
        ConsentChoice.objects.bulk_create(
            ConsentChoice(reader=reader, item=item, choice=choice) for item in ConsentItem.values
        )
    return reader


def make_work(
    *,
    rating="general",
    warnings=("no-warnings",),
    creator=None,
    chapters=2,
    tags=(),
    title=None,
    published=datetime.date(2026, 1, 1),
    **fields,
):
    """A posted work whose chapter bodies carry `body_marker`s."""
    serial = next(_serial)
    work = Work.objects.create(
        title=title or f"Work {serial}",
        creator=creator,
        creator_name="" if creator else "Imported Author",
        summary=f"<p>Summary of work {serial}.</p>",
        rating=rating,
        published=published,
        updated=fields.pop("updated", published),
        **fields,
    )
    WorkWarning.objects.bulk_create(WorkWarning(work=work, warning=w) for w in warnings)
    for position in range(1, chapters + 1):
        body = f"<p>{body_marker(work.pk, position)} and more words.</p>"
        Chapter.objects.create(
            work=work,
            position=position,
            title=f"Part {position}",
            body=body,
            word_count=count_words(body),
            published=published,
        )
    work.chapter_count = chapters
    work.word_count = 5 * chapters
    work.save(update_fields=["chapter_count", "word_count"])
    for name, kind in tags:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": kind})
        work.tags.add(tag)
    # As the archive's own functions do: families, warning set, and a new listing generation.
    derived.refresh([work])
    search.update_search_documents([work.pk])
    return work
