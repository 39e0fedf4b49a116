"""The biggest tag page timed while works change: warm first, then with one work edited every
second, as on a live archive where each change renews the listing generation
(archive.listing.cache).

Requests are paced (one every PACE seconds) rather than sent back to back, so that a change
falls between every few of them as it would for a listing that many readers, not one, open: a
back-to-back client would make hundreds of requests per change and hide the cold ones above
its 95th percentile.
"""

import random
import threading
import time

from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from archive.models import Work
from archive.writing import posting

# Ten requests a second: a popular tag page, well below what one process can answer.
PACE = 0.1
# One work posted or edited every second, as issue 21 asks.
CHANGE_EVERY = 1.0


class Churn:
    """A thread editing one work (its title, back and forth) every CHANGE_EVERY seconds until
    stopped; each edit renews the listing generation, as any edit does."""

    def __init__(self):
        self.changes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        ids = list(Work.objects.posted().values_list("pk", flat=True)[:1000])
        self._works = random.Random(21).sample(ids, min(len(ids), 100))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        try:
            while not self._stop.wait(CHANGE_EVERY):
                work = Work.objects.get(pk=self._works[self.changes % len(self._works)])
                title = work.title[:-2] if work.title.endswith(" ~") else work.title + " ~"
                posting.update_work(work=work, title=title)
                self.changes += 1
        finally:
            close_old_connections()
            connection.close()


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
            self.counted.append(any("COUNT(" in query["sql"] for query in captured))

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
