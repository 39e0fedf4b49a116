"""Atom feeds of the latest works, of each tag and of each series: blurbs only, never
chapter text.

A reader's private feeds (the token in the URL is theirs) leave out what they excluded.
"""

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from archive import languages
from archive.consent import tokens
from archive.consent.gates import keep_token_private
from archive.exporting.downloads import xml_text
from archive.listing.exclusions import NONE, Exclusions
from archive.models import Series, Tag, Work
from archive.writing.sanitize import sanitize_html

FEED_LENGTH = 25


class BlurbAtomFeed(Atom1Feed):
    """Atom with each work's blurb (metadata and summary) as the entry's content."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


def as_datetime(date):
    return datetime.datetime.combine(date, datetime.time(), tzinfo=datetime.UTC)


def work_id(work):
    """The work's permanent id in feeds and the OPDS catalog."""
    return f"urn:archive:work:{work.pk}"


def blurb(work):
    """The work's metadata and summary as HTML; its chapters are never read here."""
    facts = [
        ("Rating", work.get_rating_display()),
        ("Archive warnings", ", ".join(work.warning_labels)),
        ("Categories", ", ".join(work.category_labels) or "None"),
        ("Fandoms", ", ".join(tag.name for tag in work.fandoms)),
        ("Relationships", ", ".join(tag.name for tag in work.relationships)),
        ("Characters", ", ".join(tag.name for tag in work.characters)),
        ("Additional tags", ", ".join(tag.name for tag in work.additional_tags)),
        ("Language", languages.name(work.language)),
        ("Words", f"{work.word_count:,}"),
        ("Chapters", work.chapters_display),
    ]
    return format_html(
        "<p>by {}</p><ul>{}</ul>{}",
        work.creator_display,
        format_html_join("", "<li>{}: {}</li>", ((k, v) for k, v in facts if v)),
        format_html("<blockquote>{}</blockquote>", mark_safe(sanitize_html(work.summary)))
        if work.summary
        else "",
    )


@dataclass(frozen=True)
class Subject:
    """What a feed lists: every posted work or a tag's, as seen by everyone or by a reader."""

    tag: Tag | None = None
    exclusions: Exclusions = NONE
    private: bool = False


class WorksFeed(Feed):
    """/feeds/works.atom, /feeds/tags/<slug>.atom and their private /feeds/<token>/… twins."""

    feed_type = BlurbAtomFeed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        if kwargs.get("token"):
            keep_token_private(response)
        return response

    def get_object(self, request, slug=None, token=None):
        tag = get_object_or_404(Tag, slug=slug) if slug is not None else None
        if token is None:
            return Subject(tag=tag)
        exclusions = tokens.reader_for_token(token).exclusions
        return Subject(tag=tag, exclusions=exclusions, private=True)

    def title(self, subject):
        return xml_text(f"Works tagged {subject.tag.name}") if subject.tag else "Latest works"

    def subtitle(self, subject):
        mine = " (leaving out what you excluded)" if subject.private else ""
        return f"Most recently updated works on the archive{mine}"

    def link(self, subject):
        return subject.tag.get_absolute_url() if subject.tag else reverse("archive:work_list")

    def feed_guid(self, subject):
        scope = f"tags:{subject.tag.slug}" if subject.tag else "works"
        return f"urn:archive:feeds:{'private:' if subject.private else ''}{scope}"

    def items(self, subject):
        works = Work.objects.posted()
        if subject.tag:
            works = works.tagged(subject.tag)
        return works.excluding(subject.exclusions).with_blurb()[:FEED_LENGTH]

    def item_title(self, work):
        return xml_text(work.title)

    def item_description(self, work):
        return xml_text(sanitize_html(work.summary)) or None

    def item_extra_kwargs(self, work):
        return {"content": xml_text(blurb(work))}

    def item_guid(self, work):
        return work_id(work)

    def item_author_name(self, work):
        return xml_text(work.creator_display)

    def item_pubdate(self, work):
        return as_datetime(work.published)

    def item_updateddate(self, work):
        return as_datetime(work.updated)

    def item_categories(self, work):
        tags = work.fandoms + work.relationships + work.characters + work.additional_tags
        return [xml_text(tag.name) for tag in tags]


@dataclass(frozen=True)
class SeriesSubject:
    """A series' feed, as seen by everyone or (private) by the reader whose token it is."""

    series: Series
    exclusions: Exclusions = NONE
    private: bool = False


class SeriesFeed(WorksFeed):
    """/feeds/series/<id>.atom and /feeds/<token>/series/<id>.atom: a series' posted parts,
    the last part first; blurbs only, as in WorksFeed."""

    def get_object(self, request, series_id, token=None):
        # A series none of whose works anyone may list is nobody's business yet.
        listed = Series.objects.with_a_work_among(Work.objects.posted())
        series = get_object_or_404(listed.select_related("creator"), pk=series_id)
        if token is None:
            return SeriesSubject(series)
        exclusions = tokens.reader_for_token(token).exclusions
        return SeriesSubject(series, exclusions=exclusions, private=True)

    def title(self, subject):
        return xml_text(f"Series: {subject.series.title}")

    def subtitle(self, subject):
        mine = " (leaving out what you excluded)" if subject.private else ""
        return xml_text(f"Works in the series by {subject.series.creator.username}{mine}")

    def link(self, subject):
        return subject.series.get_absolute_url()

    def feed_guid(self, subject):
        return (
            f"urn:archive:feeds:{'private:' if subject.private else ''}series:{subject.series.pk}"
        )

    def items(self, subject):
        works = Work.objects.posted().excluding(subject.exclusions)
        parts = works.filter(series_parts__series=subject.series)
        return parts.order_by("-series_parts__position").with_blurb()[:FEED_LENGTH]
