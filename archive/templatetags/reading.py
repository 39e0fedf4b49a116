"""Template helpers for reading pages: paragraph anchors and the reader's saved place."""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Every tag of a sanitised body, in order. The sanitiser (nh3) writes text with "<" escaped
# and every attribute value in double quotes with '"' escaped, so each "<" opens a tag and
# a tag ends at the first ">" outside quotes; group 1 is set for a <p> start tag. A regular
# expression reads a long chapter in a fraction of the time html.parser takes.
_TAG = re.compile(r'<(p(?=[\s/>]))?(?:[^>"]|"[^"]*")*>')


@register.filter(is_safe=True)
def number_paragraphs(body, position):
    """Give each paragraph of a chapter's (sanitised) body the id "c{position}-p{n}".

    Every <p> counts, including those in quotations and lists, so that "continue
    reading" can land on any paragraph; the chapter position keeps ids unique on the
    entire-work page. Sanitised bodies carry no ids of their own.
    """
    pieces, previous, number = [], 0, 0
    for tag in _TAG.finditer(body):
        if tag.group(1):
            number += 1
            end = tag.end() - (2 if tag.group().endswith("/>") else 1)
            pieces += [body[previous:end], f' id="c{position}-p{number}"']
            previous = end
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
