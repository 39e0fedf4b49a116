"""A work's header on its reading pages, drawn once per state of the work and reused.

Drawing the header (title, byline, rating and warnings, tags, dates, stats and download
links) was most of a chapter page's template time, and it is the same for every reader: it
shows the work's metadata and nothing about who is reading. Like a listing's blurbs
(archive.blurbs), its HTML is cached under a key that names everything it shows:

- every column of the work's row that it prints, counts such as kudos, hits and comments
  (which change without a new revision) and its `revision`, bumped by every edit of the
  work or its chapters;
- its creator's name and warnings (read with the row), and the listing generation's token
  that the consent gate reads in the same query (Work.objects.with_listing_generation()):
  every change to a work's tags, a tag's name or its synonyms renews it, so the tags are
  read only to draw a header not found, not for every request.

So a key only finds the HTML drawn from the same data. The header is rendered without a
request, so nothing of the reader can enter it. What depends on the reader stays outside
and is read in the view for each request: the series navigation between the two cached
parts (which neighbouring parts this reader may list), and below the header the kudos,
bookmark, subscribe and mark-for-later controls, the reading position and the comments
link.
"""

from dataclasses import dataclass

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from archive import blurbs
from archive.listing import exclusions
from archive.writing import series

# Bump with any change to the templates below or what they include and call, so that no
# header drawn by the old templates is shown once the new ones are deployed.
VERSION = 2
# Above the series navigation, and below it.
HEADING = "includes/work_heading.html"
FACTS = "includes/work_facts.html"
# What the header reads from the work's row (and its creator's, by select_related).
ROW = [
    "pk",
    "revision",
    "title",
    "creator_id",
    "creator_display",
    "rating",
    "categories",
    "language",
    "complete",
    "expected_chapters",
    "chapter_count",
    "word_count",
    "published",
    "updated",
    "is_posted",
    "hits",
    "kudos_count",
    "public_bookmark_count",
    "comment_count",
]


@dataclass(frozen=True)
class Header:
    heading: SafeString
    facts: SafeString


def header(work):
    """The work's header, from the cache or drawn now. `work` brought its creator (and the
    listing generation, as the consent gate reads it, or its tags)."""
    [(heading, facts)] = blurbs.fragments("header", VERSION, ROW, [work], _draw)
    return Header(heading=mark_safe(heading), facts=mark_safe(facts))


def _draw(work):
    context = {"work": work}
    return get_template(HEADING).render(context), get_template(FACTS).render(context)


def series_parts(request, work):
    """Each series the work is in, with the previous and next parts this reader may list."""
    # Most works are in no series: asked first, so their pages never read the exclusions.
    if not work.series_parts.exists():
        return []
    hiding = exclusions.for_request(request)
    return series.neighbours(work, user=request.user, exclusions=hiding)
