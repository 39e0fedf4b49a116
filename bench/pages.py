"""Server-side latency and query counts of the archive's pages, for BENCHMARKS.md.

Requests go through Django's test client, so every middleware runs but no network or web
server does; the trivial /healthz view through the same stack is the floor other pages are
compared with.
"""

import math
import os
import platform
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import django
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from accounts.models import ConsentChoice, ExcludedTag, Reader
from archive.exporting import downloads
from archive.models import Bookmark, Chapter, Kudos, ListingGeneration, Tag, TaggedWork, Work
from archive.vocabulary import ArchiveWarning, Rating, StandingChoice, TagKind
from bench.corpus import READER_PREFIX, SEARCH_WORD

BENCH_READER = f"{READER_PREFIX}bench"


@dataclass
class Measurement:
    """One page's results: the worst status seen, and times in milliseconds."""

    page: str
    url: str
    status: int
    queries: int
    p50_ms: float
    p95_ms: float
    slowest_query_ms: float = 0.0
    slowest_query: str = ""


def percentile(timings, share):
    """The nearest-rank percentile: the smallest timing at or above `share` of them."""
    ordered = sorted(timings)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(client, url, *, requests, warmup=0, page=""):
    """Time `requests` GETs of `url` after `warmup` untimed ones, and count one request's queries.

    Queries are counted on a request of their own, so recording them never slows a timed one.
    """
    return measure_in_turn([client], url, requests=requests, warmup=warmup, page=page)[0]


def measure_in_turn(clients, url, *, requests, warmup=0, page="", before=None):
    """measure() for several clients (a guest and a reader) taking turns request by request,
    so that whatever slows the machine for a while slows each of them alike and the ratio of
    their times holds, even when the times themselves wander from run to run.

    `before` runs, untimed, before every request (see renew_listing_generation)."""
    before = before or (lambda: None)
    for _ in range(warmup):
        for client in clients:
            client.get(url)
    timed = []
    for client in clients:
        before()
        timed.append(_Timed(client, url))
    for _ in range(requests):
        for one in timed:
            before()
            one.time_a_request()
    return [one.measurement(page or url) for one in timed]


def renew_listing_generation():
    """As if the works changed: every listing counts again (archive.listing.cache)."""
    ListingGeneration.objects.update(token=uuid.uuid4().hex)


class _Timed:
    def __init__(self, client, url):
        self.client, self.url = client, url
        with CaptureQueriesContext(connection) as captured:
            self.statuses = {client.get(url).status_code}
        # Read now: the log is read lazily, and the next request empties it.
        self.queries = captured.captured_queries
        self.timings = []

    def time_a_request(self):
        started = time.perf_counter()
        response = self.client.get(self.url)
        self.timings.append((time.perf_counter() - started) * 1000)
        self.statuses.add(response.status_code)

    def measurement(self, page):
        slowest = max(
            self.queries, key=lambda query: float(query["time"]), default={"time": 0, "sql": ""}
        )
        return Measurement(
            page=page,
            url=self.url,
            status=max(self.statuses),
            queries=len(self.queries),
            slowest_query_ms=float(slowest["time"]) * 1000,
            slowest_query=slowest["sql"],
            p50_ms=statistics.median(self.timings),
            p95_ms=percentile(self.timings, 0.95),
        )


def ratios(guest, reader):
    """Rows of the reader's p50 and p95 as multiples of the guest's, page by page."""
    return [
        [
            g.page,
            f"{g.p95_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p50_ms / g.p50_ms:.2f}×",
            f"{r.p95_ms / g.p95_ms:.2f}×",
        ]
        for g, r in zip(guest, reader, strict=True)
    ]


RATIO_COLUMNS = ["page", "guest p95 ms", "reader p95 ms", "reader/guest p50", "reader/guest p95"]


class NoCorpus(LookupError):
    """The database has nothing to measure."""


def to_measure():
    """(page, url) for every page measured, with the tags and the work picked from the data.

    The filter includes the most used fandom and the additional tag most often found with it,
    and excludes the two next most used additional tags.
    """
    additional = Tag.objects.filter(kind=TagKind.ADDITIONAL)
    [fandom] = _most_used(Tag.objects.filter(kind=TagKind.FANDOM))
    with_fandom = TaggedWork.objects.filter(tag=fandom).values("content_object")
    [along] = _most_used(additional, among=with_fandom)
    excluded = _most_used(additional.exclude(pk=along.pk), count=2)
    work, position = _chapter_needing_no_consent()
    # The filter form takes tag names, as a reader types them.
    filtered = "/works/?" + urlencode(
        [("tag", fandom.name), ("tag", along.name)]
        + [("exclude_tag", tag.name) for tag in excluded]
        + [("exclude_rating", Rating.EXPLICIT), ("exclude_warning", ArchiveWarning.NON_CON)]
    )
    return [
        ("floor: /healthz", "/healthz"),
        ("index, page 1", "/works/"),
        ("filtered index with facets", filtered),
        ("tag page (top fandom)", f"/tags/{fandom.slug}/"),
        (f"full-text search: {SEARCH_WORD}", f"/search/?q={SEARCH_WORD}"),
        ("chapter page", f"/works/{work.pk}/chapters/{position}/"),
        # Of the same work: files are made once and cached, so this is serving a cached file.
        ("download (EPUB)", downloads.download_url(work, "epub")),
        ("download (HTML)", downloads.download_url(work, "html")),
    ]


def _most_used(tags, count=1, among=None):
    """The `count` canonical tags among `tags` on most works (of the works `among`, if given)."""
    links = Q(tagged_works__content_object__in=among) if among is not None else None
    ranked = (
        tags.filter(canonical__isnull=True)
        .annotate(uses=Count("tagged_works", filter=links))
        .order_by("-uses", "pk")
    )
    found = list(ranked[:count])
    if len(found) < count or not found[0].uses:
        raise NoCorpus("No tagged works: generate a corpus first (manage.py generate_corpus).")
    return found


def _chapter_needing_no_consent():
    """(work, position) of the second chapter of a General Audiences work without warnings,
    so no gate stands in the way; preferring a work with several chapters."""
    works = (
        Work.objects.posted()
        .filter(rating=Rating.GENERAL, warnings__warning=ArchiveWarning.NO_WARNINGS)
        .exclude(warnings__warning__in=set(ArchiveWarning.values) - {ArchiveWarning.NO_WARNINGS})
        .filter(chapter_count__gte=1)
    )
    work = works.filter(chapter_count__gte=3).order_by("pk").first()
    work = work or works.order_by("-chapter_count", "pk").first()
    if work is None:
        raise NoCorpus("No General Audiences work without warnings to read.")
    positions = list(work.chapters.order_by("position").values_list("position", flat=True)[:2])
    return work, positions[-1]


def bench_reader():
    """A signed-in reader who hides explicit works and two warnings and excludes two tags."""
    reader, _ = Reader.objects.get_or_create(username=BENCH_READER, defaults={"password": "!"})
    hidden = ["rating:explicit", "warning:non-con", "warning:underage"]
    ConsentChoice.objects.filter(reader=reader).delete()
    ConsentChoice.objects.bulk_create(
        ConsentChoice(reader=reader, item=item, choice=StandingChoice.HIDE) for item in hidden
    )
    ExcludedTag.objects.filter(reader=reader).delete()
    additional = Tag.objects.filter(kind=TagKind.ADDITIONAL, canonical__isnull=True)
    ranked = additional.annotate(uses=Count("tagged_works")).order_by("-uses", "pk")[3:5]
    ExcludedTag.objects.bulk_create(ExcludedTag(reader=reader, tag=tag) for tag in ranked)
    return reader


def machine():
    """CPU count and model, memory, operating system and Python."""
    model = _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    memory = _proc_value("/proc/meminfo", "MemTotal")
    memory_gb = f"{int(memory.split()[0]) / 1024**2:.1f} GB" if memory else "unknown"
    return {
        "CPUs": str(os.cpu_count()),
        "CPU model": model,
        "memory": memory_gb,
        "system": platform.platform(),
        "Python": platform.python_version(),
        "Django": django.get_version(),
    }


def _proc_value(path, key):
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), "")


def database():
    """The database vendor and version, and its size where the database can say."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_size_pretty(pg_database_size(current_database()))")
            version, size = cursor.fetchone()
            return {"database": version.split(" on ")[0], "database size": size}
        cursor.execute("SELECT sqlite_version()")
        return {"database": f"SQLite {cursor.fetchone()[0]}"}


def corpus():
    """How many rows the measured pages work over."""
    return {
        "works": Work.objects.count(),
        "chapters": Chapter.objects.count(),
        "tags": Tag.objects.count(),
        "tag links": TaggedWork.objects.count(),
        "kudos": Kudos.objects.count(),
        "bookmarks": Bookmark.objects.count(),
    }


COLUMNS = [
    "page",
    "status",
    "queries",
    "p50 ms",
    "p95 ms",
    "p50/floor",
    "p95/floor",
    "slowest query ms",
]


def rows(measurements):
    """Table rows, each page's times also as a multiple of the floor (the first measurement)."""
    floor = measurements[0]
    return [
        [
            m.page,
            str(m.status),
            str(m.queries),
            f"{m.p50_ms:.1f}",
            f"{m.p95_ms:.1f}",
            f"{m.p50_ms / floor.p50_ms:.1f}×",
            f"{m.p95_ms / floor.p95_ms:.1f}×",
            f"{m.slowest_query_ms:.1f}",
        ]
        for m in measurements
    ]


def text_table(measurements):
    return plain([COLUMNS, *rows(measurements)])


def markdown_table(measurements):
    return markdown([COLUMNS, *rows(measurements)])


def ratio_text_table(guest, reader):
    return plain([RATIO_COLUMNS, *ratios(guest, reader)])


def ratio_markdown_table(guest, reader):
    return markdown([RATIO_COLUMNS, *ratios(guest, reader)])


def plain(table):
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def markdown(table):
    header, *body = table
    lines = ["| " + " | ".join(header) + " |", "|---" + "|--:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def markdown_report(measurements, *, who, requests, warmup, facts):
    """The whole run as Markdown: when, who, the setup, then the table."""
    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M %Z')}, as {who}",
        "",
        f"{requests} timed requests per page after {warmup} warm-up requests.",
        "",
    ]
    lines += [f"- {name}: {number(value)}" for name, value in facts.items()]
    return "\n".join([*lines, "", markdown_table(measurements), ""])


def number(value):
    """A count with thousands separators; anything else as it is."""
    return f"{value:,}" if isinstance(value, int) else value
