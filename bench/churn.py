"""The biggest tag page timed while works change: warm first, then with one work edited every
second, as on a live archive where each change renews the listing generation
(archive.listing.cache).

Requests are paced (one every PACE seconds) rather than sent back to back, so that a change
falls between every few of them as it would for a listing that many readers, not one, open: a
back-to-back client would make hundreds of requests per change and hide the cold ones above
its 95th percentile.
"""

import multiprocessing
import random
import time

from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from archive.models import Work
from archive.writing import posting

# Ten requests a second: a popular tag page, well below what one process can answer.
PACE = 0.1
# One work posted or edited every second, as issue 21 asks.
CHANGE_EVERY = 1.0


class Churn:
    """A process of its own editing one work (its title, back and forth) every CHANGE_EVERY
    seconds until stopped; each edit renews the listing generation, as any edit does. Apart
    from the timed requests, as another request or the admin would be: an edit of a long work
    (its search document made again) holds the interpreter for a while."""

    def __init__(self):
        ids = list(Work.objects.posted().values_list("pk", flat=True)[:1000])
        self._works = random.Random(21).sample(ids, min(len(ids), 100))
        context = multiprocessing.get_context("fork")
        self._changes = context.Value("i", 0)
        self._stop = context.Event()
        self._process = context.Process(target=self._run, daemon=True)

    @property
    def changes(self):
        return self._changes.value

    def __enter__(self):
        connections.close_all()  # the child must not share the parent's connections
        self._process.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._process.join()

    def _run(self):
        try:
            while not self._stop.wait(CHANGE_EVERY):
                work = Work.objects.get(pk=self._works[self.changes % len(self._works)])
                title = work.title[:-2] if work.title.endswith(" ~") else work.title + " ~"
                posting.update_work(work=work, title=title)
                with self._changes.get_lock():
                    self._changes.value += 1
        finally:
            connections.close_all()


def paced(timed, requests):
    """Call `timed()` `requests` times, starting one every PACE seconds."""
    start = time.perf_counter()
    for number in range(requests):
        wait = start + number * PACE - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        timed()


def measure(client, url, *, requests, warmup):
    """(warm, churned, changes, counted): `url` timed `requests` times, paced, first with the
    works still, then while they change; the first two are bench.pages Measurements, the last
    how many requests of each counted the listing themselves (ran a COUNT)."""
    from bench import pages

    class Timed(pages._Timed):
        def time_a_request(self):
            # Recording queries costs both runs alike, and tells a request that counted (a
            # request after a change also reads the tags of blurbs it looks up again).
            with CaptureQueriesContext(connection) as captured:
                super().time_a_request()
            self.counted.append(any(_counts_works(query["sql"]) for query in captured))

    for _ in range(warmup):
        client.get(url)
    warm = Timed(client, url)
    warm.counted = []
    paced(warm.time_a_request, requests)
    churned = Timed(client, url)
    churned.counted = []
    with Churn() as churn:
        paced(churned.time_a_request, requests)
    counted = [sum(timed.counted) for timed in (warm, churned)]
    page = "tag page (top fandom)"
    measured = warm.measurement(page), churned.measurement(page + ", works changing")
    return *measured, churn.changes, counted


def _counts_works(sql):
    # The listing's facets (whose total is its count) or its count of shown and hidden works;
    # the reader's own query counts their unread notices, which is not counting the listing.
    return "WITH hits" in sql or 'COUNT("archive_work"."id")' in sql


def report(warm, churned, changes, counted):
    """The two measurements and the ratio of their p95, as Markdown."""
    from bench import pages

    ratio = churned.p95_ms / warm.p95_ms
    return "\n".join(
        [
            pages.markdown_table([warm, churned]),
            "",
            f"{changes} works edited while timing; p95 under churn / warm p95: {ratio:.2f}×; "
            f"timed requests that counted the listing: {counted[0]} warm, {counted[1]} while "
            "the works changed",
            "",
        ]
    )
