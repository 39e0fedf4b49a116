"""An OPDS 1.2 catalog, so e-reader apps can browse the archive and download EPUBs (and
PDFs).

The public catalog lists every posted work, but offers its files only of works that need no
agreement: an app cannot show the interstitial. A reader's private catalog (behind their
feed token) offers the files of every work their standing choices cover, through a route
that checks those choices, and leaves out what they excluded.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from archive.consent import policy
from archive.consent.tokens import TokenReader
from archive.exporting import downloads
from archive.exporting.feeds import work_id
from archive.listing.exclusions import NONE
from archive.models import Series, SeriesPart, Tag, TaggedWork, Work
from archive.vocabulary import TagKind

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH = "application/opensearchdescription+xml"
ACQUIRE = "http://opds-spec.org/acquisition"
PAGE_SIZE = 25
FILE_KINDS = ["epub", "pdf"]
TOP_TAGS = 50


def timestamp(value):
    """An Atom date: a work's dates are days, so they are midnight UTC."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Catalog:
    """The public catalog, or one reader's private catalog when `reader` is set."""

    request: HttpRequest
    reader: TokenReader | None = None

    def url(self, name, *args, query=None):
        """The absolute URL of a catalog page, in this same catalog (public or private)."""
        if self.reader:
            path = reverse(f"archive:opds_private_{name}", args=[self.reader.key, *args])
        else:
            path = reverse(f"archive:opds_{name}", args=args)
        if query:
            path += "?" + urlencode(query)
        return self.request.build_absolute_uri(path)

    def feed_id(self, scope):
        return f"urn:archive:opds:{'private:' if self.reader else ''}{scope}"

    @property
    def exclusions(self):
        return self.reader.exclusions if self.reader else NONE

    def works(self):
        return Work.objects.posted().excluding(self.exclusions)

    @property
    def readable(self):
        """What an app may read here without the gate: what the token's reader agreed to
        in advance, or nothing in the public catalog."""
        return self.reader.readable if self.reader else policy.NOTHING_AGREED

    def acquisitions(self, work):
        """The work's files for an app to fetch: the EPUB first, e-readers' own format."""
        return [
            {"type": downloads.CONTENT_TYPES[kind], "href": self.acquisition_url(work, kind)}
            for kind in FILE_KINDS
        ]

    def acquisition_url(self, work, kind):
        if self.reader:
            return self.url(f"work_{kind}", work.pk)
        return self.request.build_absolute_uri(downloads.download_url(work, kind))

    def entry(self, work):
        """One work's catalog entry: metadata only, and the file links when they may be had."""
        missing = self.readable.missing(work)
        return {
            "id": work_id(work),
            "title": work.title,
            "author": work.creator_display,
            "updated": timestamp(work.updated),
            "published": timestamp(work.published),
            "issued": work.published.isoformat(),
            "language": downloads.language(work),
            "categories": categories(work),
            "summary": self._summary(work, missing),
            "page_url": self.request.build_absolute_uri(work.get_absolute_url()),
            "acquisitions": [] if missing else self.acquisitions(work),
        }

    def _summary(self, work, missing):
        parts = []
        if missing:
            labels = ", ".join(policy.item_labels(missing))
            how = (
                "Your standing choices on the archive do not cover this, so it cannot be "
                "downloaded here."
                if self.reader
                else "Open it on the archive to agree before reading or downloading."
            )
            parts.append(f"Needs agreement to: {labels}. {how}")
        parts.append(facts(work))
        if work.summary:
            parts.append(downloads.plain_text(work.summary))
        return " ".join(parts)


def facts(work):
    """Rating, warnings, category, fandoms and size as one line of text."""
    lines = [
        f"Rating: {work.get_rating_display()}.",
        f"Archive warnings: {', '.join(work.warning_labels)}.",
        f"Categories: {', '.join(work.category_labels) or 'none'}.",
    ]
    if work.fandoms:
        lines.append(f"Fandoms: {', '.join(tag.name for tag in work.fandoms)}.")
    lines.append(f"Words: {work.word_count:,}. Chapters: {work.chapters_display}.")
    return " ".join(lines)


def categories(work):
    """Rating, warnings, categories and tags as Atom categories, each with a scheme naming
    its kind."""
    found = [{"scheme": "urn:archive:rating", "term": work.get_rating_display()}]
    found += [{"scheme": "urn:archive:warning", "term": label} for label in work.warning_labels]
    found += [{"scheme": "urn:archive:category", "term": label} for label in work.category_labels]
    for kind in TagKind.values:
        found += [
            {"scheme": f"urn:archive:tag:{kind}", "term": tag.name}
            for tag in work.tags_of_kind(kind)
        ]
    return found


def top_tags(kinds, exclusions=NONE, limit=TOP_TAGS):
    """The canonical tags of these kinds on most posted works (synonyms' works count too).

    One query. Only works the reader may list count, so a tag used only by works of a
    rating or warning they hide is not offered; their excluded tags are left out too.
    """
    listed = Work.objects.posted().excluding(exclusions).order_by().values("pk")
    family_uses = (
        TaggedWork.objects.filter(
            Q(tag=OuterRef("pk")) | Q(tag__canonical=OuterRef("pk")),
            content_object__in=listed,
        )
        .order_by()
        .annotate(
            uses=Func(
                F("content_object"),
                function="COUNT",
                template="%(function)s(DISTINCT %(expressions)s)",
            )
        )
        .values("uses")
    )
    tags = Tag.objects.filter(kind__in=kinds, canonical__isnull=True)
    if exclusions.families:
        tags = tags.exclude(pk__in=exclusions.families)  # canonical tags: their families' ids
    tags = tags.annotate(uses=Subquery(family_uses)).filter(uses__gt=0)
    return list(tags.order_by("-uses", "name")[:limit])


def recent_series(exclusions=NONE, limit=TOP_TAGS):
    """The most recently updated series with a posted work the reader may list, each with
    the number of such works (`uses`). One query."""
    listed = Work.objects.posted().excluding(exclusions).order_by().values("pk")
    counted = (
        SeriesPart.objects.filter(series=OuterRef("pk"), work__in=listed)
        .order_by()
        .values("series")
        .annotate(count=Count("pk"))
        .values("count")
    )
    found = Series.objects.annotate(uses=Subquery(counted)).filter(uses__gt=0)
    return list(found.select_related("creator").order_by("-updated_at", "-id")[:limit])


def updated_now():
    return timestamp(timezone.now())
