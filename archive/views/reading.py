from django.db.models import Case, F, TextField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from archive import headers
from archive.consent import policy
from archive.consent.forms import ConsentForm
from archive.consent.gates import (
    consent_required,
    get_work_for_reader,
    metadata_only,
    render_interstitial,
)
from archive.reading import hits
from archive.reading.history import record_visit
from config.paths import same_site_path


@require_safe
@consent_required
def work_detail(request, work):
    """A work opens on its first chapter, or as the entire work for a reader who prefers it
    (behind the same gate: this view's decorator has already asked for consent)."""
    if getattr(request.user, "open_entire_work", False):
        return redirect("archive:work_entire", work.pk)
    hits.count_hit(request, work)
    chapters = _chapters(request, work, position=None)
    if not chapters:
        context = _reading_context(request, work, chapters=[])
        return render(request, "archive/chapter_detail.html", context)
    return _render_chapter(request, work, chapters, chapters[0].position, move_place=False)


@require_safe
@consent_required
def chapter_detail(request, work, position):
    return _render_chapter(request, work, _chapters(request, work, position=position), position)


@require_safe
@consent_required
def work_entire(request, work):
    hits.count_hit(request, work)
    chapters = list(work.chapters.visible_to(request.user, work=work).order_by("position"))
    first = chapters[0] if chapters else None
    reading = record_visit(reader=request.user, work=work, chapter=first, move=False)
    context = _reading_context(request, work, chapters=chapters, reading=reading)
    return render(request, "archive/work_entire.html", context)


@require_POST
@metadata_only
def give_consent(request, work_id):
    """The interstitial's "Show me this work": record agreement, then go where the reader was."""
    work = get_work_for_reader(request, work_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        missing = policy.missing_items(request, work)
        return render_interstitial(request, work, missing, form=form, status=400)
    policy.record_consent(
        request, work, form.cleaned_data["items"], for_session=form.cleaned_data["remember"]
    )
    return redirect(next_within_work(work, form.cleaned_data["next"]))


# A chapter's text, read only for the chapter shown.
TEXT = ["summary", "notes", "end_notes", "body"]


def _chapters(request, work, *, position):
    """Every chapter's position and title for the chapter menu, with the text of the one at
    `position` (the first one for None) and of no other: one query for the page. Drafts are
    among them for the work's creator and staff only."""
    visible = work.chapters.visible_to(request.user, work=work).order_by("position")
    shown = position
    if shown is None:
        shown = visible.values("position")[:1]
    text = {
        f"shown_{name}": Case(
            When(position=shown, then=F(name)), default=Value(""), output_field=TextField()
        )
        for name in TEXT
    }
    chapters = visible.only("id", "work_id", "position", "title", "is_posted", "post_at")
    return list(chapters.annotate(**text))


def _reading_context(request, work, **context):
    """What every reading page shows, read here so that its templates run no query: the
    header every reader shares (archive.headers) and this reader's series navigation."""
    return {
        "work": work,
        "header": headers.header(work),
        "series_parts": headers.series_parts(request, work),
        **context,
    }


def _render_chapter(request, work, chapters, position, *, move_place=True):
    index = next((i for i, chapter in enumerate(chapters) if chapter.position == position), None)
    if index is None:
        raise Http404("This work has no chapter at that position.")
    chapter = chapters[index]
    for name in TEXT:  # the text read with the index, as if the chapter was read whole
        setattr(chapter, name, getattr(chapter, f"shown_{name}"))
    context = _reading_context(
        request,
        work,
        chapter=chapter,
        chapters=chapters,
        chapter_index=_chapter_index(work, chapters, chapter) if len(chapters) > 1 else "",
        previous=chapters[index - 1] if index > 0 else None,
        next=chapters[index + 1] if index + 1 < len(chapters) else None,
        reading=record_visit(reader=request.user, work=work, chapter=chapter, move=move_place),
    )
    return render(request, "archive/chapter_detail.html", context)


def _chapter_index(work, chapters, current):
    """The chapter menu's items, drawn once for the two menus of the page (a work may have
    hundreds of chapters): a link to each, the current one marked."""
    links = _chapter_links(work, chapters)
    current_page = mark_safe(' aria-current="page"')
    return format_html_join(
        "",
        '<li><a href="{}"{}>{}</a></li>',
        (
            (links[i], current_page if item.pk == current.pk else "", item.heading)
            for i, item in enumerate(chapters)
        ),
    )


def _chapter_links(work, chapters):
    """Each chapter's address (Chapter.get_absolute_url), with one reverse() for them all."""
    first = chapters[0].position
    url = reverse("archive:chapter_detail", args=[work.pk, first])
    prefix, found, rest = url.rpartition(f"/{first}/")
    if not found or rest:  # not the shape expected: ask for each
        return [chapter.get_absolute_url() for chapter in chapters]
    return [f"{prefix}/{chapter.position}/" for chapter in chapters]


def next_within_work(work, target):
    """Only return to a page of this same work; anything else goes to the work itself."""
    prefix = work.get_absolute_url()
    path = same_site_path(target)
    return path if path and path.startswith(prefix) else prefix
