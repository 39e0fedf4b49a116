"""Blurbs rendered once and reused: a listing page's twenty blurbs in one cache round trip.

Drawing a blurb (includes/work_blurb.html) was most of a listing's time, and a blurb is the
same for every reader: it shows a work's metadata and nothing about who is reading. Each
blurb's HTML is therefore cached under a key that names everything it shows:

- every column of the work's row that the blurb prints (title, creator, summary, rating,
  dates, counts such as kudos and hits, which change without a new revision) and its
  `revision`, bumped by every edit of the work or its chapters;
- what it shows from other rows: its creator's name (read with the work), its warnings (the
  row's derived warning set) and its tags. The works are read with the token of the listing
  generation (Work.objects.with_listing_generation(); archive.listing.cache), which the
  functions that change a work's tags or warnings, rename or merge a tag, or wrangle
  synonyms renew in the same transaction (posting, wrangling, the importer, the admin:
  archive.writing.derived); so tags are read only for the blurbs not cached. Works handed
  over without the token name their tags in the key themselves.

So a key can only find the HTML drawn from the same data: an edit, a rename or a kudos shows
at once, under a new key. The blurb is rendered without a request, so nothing depending on the
reader can enter it; what does (a search's snippet) stays outside, in includes/listing.html.
Which works a reader is shown is decided before, by the listing's query: a cached blurb is
only ever looked up for a work already listed to this reader.
"""

import hashlib

from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.query import prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import mark_safe

# Bump with any change to includes/work_blurb.html or what it includes and calls, so that no
# blurb drawn by the old templates is shown once the new ones are deployed.
VERSION = 2
TEMPLATE = "includes/work_blurb.html"
# A blurb unread for a day leaves the cache (a new key replaces it at any change anyway).
TIMEOUT = 24 * 60 * 60
# What the blurb reads from the work's row (and its creator's, by select_related).
ROW = [
    "pk",
    "revision",
    "title",
    "creator_id",
    "creator_display",
    "summary",
    "summary_by_archive",
    "rating",
    "categories",
    "language",
    "complete",
    "expected_chapters",
    "chapter_count",
    "word_count",
    "updated",
    "is_posted",
    "hits",
    "kudos_count",
    "public_bookmark_count",
    "comment_count",
]
# Read the blurb's tags only for the blurbs not found in the cache (its warnings come with
# the row: Work.warning_set).
RELATED = ["tags"]


def render(works):
    """[(work, blurb HTML)] for a page's works: a QuerySet not yet read, or a list of works
    read with their creators and either the listing generation or their tags."""
    if isinstance(works, QuerySet) and works._result_cache is None:
        works = list(works.prefetch_related(None).with_listing_generation())
    else:
        works = list(works)
    # Works read without the generation (or with its row missing) are keyed by their tags;
    # nothing to do for those that brought them.
    prefetch_related_objects([work for work in works if _by_tags(work)], *RELATED)
    if not works:
        return []  # no round trip to the cache for an empty page
    template = get_template(TEMPLATE)
    drawn = fragments("blurb", VERSION, ROW, works, lambda work: template.render({"work": work}))
    return [(work, mark_safe(html)) for work, html in zip(works, drawn, strict=True)]


def fragments(kind, version, fields, works, draw):
    """The fragment of each work (archive.headers' too), from the cache or `draw(work)` now.

    Each is looked up under the key its row and the listing generation name (fragment_key),
    which costs no query. The generation is renewed by every work posted or changed anywhere,
    so on a live archive most fragments are missed under it soon after they are drawn, though
    few changed: a work missed reads its tags and is looked up again under a key that names
    them, and only a fragment not found there either is drawn. Both keys then keep it.
    """
    keys = [fragment_key(kind, version, fields, work) for work in works]
    found = cache.get_many(keys)
    missed = {key: work for work, key in zip(works, keys, strict=True) if key not in found}
    if missed:
        prefetch_related_objects(list(missed.values()), *RELATED)
        by_tags = {
            key: fragment_key(kind, version, fields, work, by_tags=True)
            for key, work in missed.items()
        }
        kept = cache.get_many(list(by_tags.values()))
        drawn = {key: kept.get(by_tags[key]) or draw(work) for key, work in missed.items()}
        cache.set_many({**drawn, **{by_tags[key]: drawn[key] for key in drawn}}, TIMEOUT)
        found.update(drawn)
    return [found[key] for key in keys]


def _by_tags(work):
    return getattr(work, "blurb_generation", None) is None


def fragment_key(kind, version, fields, work, *, by_tags=False):
    """The cache key of a fragment drawn from these fields of the work's row and its tags and
    warnings (named by the listing generation the works query read with it, if it did and
    not `by_tags`): any change to what the fragment shows gives a new key."""
    row = tuple(getattr(work, name) for name in fields)
    generation = getattr(work, "blurb_generation", None)
    if generation is not None and not by_tags:
        related = ("generation", generation)
    else:
        tags = tuple((tag.pk, tag.kind, tag.name, tag.slug) for tag in work.tags.all())
        related = ("tags", tags, tuple(work.warning_values))
    digest = hashlib.sha256(repr((row, related)).encode()).hexdigest()
    return f"{kind}:{version}:{work.pk}:{digest}"
