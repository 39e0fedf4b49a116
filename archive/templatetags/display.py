"""How pages print numbers, languages, rating symbols and a work's chapter count."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from archive import languages
from archive.vocabulary import Rating

register = template.Library()


@register.filter
def thousands(number):
    """12345 as "12,345", the same on every page whatever the locale; anything else as is."""
    if isinstance(number, bool) or not isinstance(number, int):
        return number
    return f"{number:,}"


@register.filter
def language_name(code):
    """ "English" for "en"."""
    return languages.name(code)


# A rating's symbol, drawn in a shape of its own (static/css/archive.css), so that ratings
# differ by more than colour; screen readers hear the rating's name instead.
RATING_SYMBOLS = {
    Rating.GENERAL: "G",
    Rating.TEEN: "T",
    Rating.MATURE: "M",
    Rating.EXPLICIT: "E",
    Rating.NOT_RATED: "?",
}


@register.filter
def rating_symbol(rating):
    return RATING_SYMBOLS.get(rating, "")


@register.simple_tag
def chapter_count(work):
    """ "3/5", the 3 linking to the latest chapter as AO3's blurbs do (once there are two).

    The chapter page is behind the consent gate like every chapter link, and positions run
    1, 2, 3… so the latest one is the chapter count: no query for any work.
    """
    total = thousands(work.chapter_total) or "?"
    if work.chapter_count < 2:
        return f"{thousands(work.chapter_count)}/{total}"
    latest = reverse("archive:chapter_detail", args=[work.pk, work.chapter_count])
    return format_html(
        '<a href="{}" aria-label="Latest chapter, {}">{}</a>/{}',
        latest,
        work.chapter_count,
        thousands(work.chapter_count),
        total,
    )
