"""Template helpers for reading pages: paragraph anchors and the reader's saved place."""

from html.parser import HTMLParser

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class _ParagraphFinder(HTMLParser):
    """Finds where each <p> start tag ends, so an id can be added just before its ">"."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        for index, char in enumerate(markup):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.insert_at = []

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            line, column = self.getpos()
            text = self.get_starttag_text()
            end = self.line_starts[line - 1] + column + len(text)
            self.insert_at.append(end - (2 if text.endswith("/>") else 1))


@register.filter(is_safe=True)
def number_paragraphs(body, position):
    """Give each paragraph of a chapter's (sanitised) body the id "c{position}-p{n}".

    Every <p> counts, including those in quotations and lists, so that "continue
    reading" can land on any paragraph; the chapter position keeps ids unique on the
    entire-work page. Sanitised bodies carry no ids of their own.
    """
    finder = _ParagraphFinder(body)
    finder.feed(body)
    finder.close()
    pieces, previous = [], 0
    for number, index in enumerate(finder.insert_at, start=1):
        pieces += [body[previous:index], f' id="c{position}-p{number}"']
        previous = index
    pieces.append(body[previous:])
    return mark_safe("".join(pieces))


@register.filter
def place_url(reading):
    """The chapter where the reader stopped, scrolled to their paragraph if one is saved."""
    chapter = reading.chapter
    if chapter is None:
        return reading.work.get_absolute_url()
    url = chapter.get_absolute_url()
    return f"{url}#c{chapter.position}-p{reading.paragraph}" if reading.paragraph else url


@register.filter
def leaves_off_elsewhere(reading, here):
    """Whether the saved place is somewhere other than the top of `here` (a chapter)."""
    if not reading or reading.chapter_id is None:
        return False
    return reading.chapter_id != getattr(here, "pk", None) or reading.paragraph > 1


@register.filter
def owned_by(work, user):
    return work.is_owned_by(user)
