import logging
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from tqdm import tqdm

from bench import churn, pages

READER = "a signed-in reader with hidden ratings, warnings and tags"


class Command(BaseCommand):
    help = (
        "Measure server-side p50 and p95 latency and SQL queries of the archive's main pages "
        "against the current database (a corpus from generate_corpus), in one process through "
        "every middleware, each compared with the trivial /healthz view as the floor. "
        "A page that answers 404 (not built yet) is reported; one that answers 500 fails the run. "
        "With -v 2 it also prints each page's slowest query, for EXPLAIN ANALYZE."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--requests", type=int, default=100, help="Timed requests per page (default 100)."
        )
        parser.add_argument(
            "--warmup", type=int, default=5, help="Untimed requests first (default 5)."
        )
        parser.add_argument("--output", help="Also write the results as Markdown to this file.")
        parser.add_argument(
            "--as-reader",
            action="store_true",
            help="Measure as a signed-in reader who hides explicit works, two warnings and "
            "two popular tags (a reader made for the run and deleted after it).",
        )
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Measure a guest and that reader taking turns request by request, and print "
            "the reader's times as multiples of the guest's.",
        )
        parser.add_argument(
            "--cold",
            action="store_true",
            help="Renew the listing generation before every request, as if the works changed "
            "between any two: every listing counts again (the cache's worst case).",
        )
        parser.add_argument(
            "--churn",
            action="store_true",
            help="Time only the biggest tag page, ten requests a second, first with the works "
            "still, then while one work is edited every second (bench/churn.py).",
        )

    def handle(self, *args, requests, warmup, output, as_reader, compare, cold, **options):
        if requests < 1 or warmup < 0:
            raise CommandError("--requests must be at least 1 and --warmup at least 0.")
        if as_reader and compare:
            raise CommandError("Choose --as-reader or --compare, not both.")
        self._check_static_files()
        try:
            urls = pages.to_measure()
        except pages.NoCorpus as error:
            raise CommandError(str(error)) from None
        facts = self._write_facts()
        if options["churn"]:
            return self._churn(dict(urls), as_reader, requests, warmup, output)
        readers = [False, True] if compare else [as_reader]
        by_page = self._measure(
            urls,
            readers,
            requests=requests,
            warmup=warmup,
            cold=cold,
            quiet=options["verbosity"] < 1,
        )
        by_client = [list(measured) for measured in zip(*by_page, strict=True)]
        reports = [
            self._report(
                measurements,
                reader=reader,
                compare=compare,
                cold=cold,
                facts=facts,
                requests=requests,
                warmup=warmup,
            )
            for reader, measurements in zip(readers, by_client, strict=True)
        ]
        if compare:
            reports.append(self._report_ratios(*by_client))
        self._write_urls(by_page, slowest_queries=options["verbosity"] > 1)
        if output:
            Path(output).write_text("\n".join(reports), encoding="utf-8")
            self.stdout.write(f"Written to {output}")
        self._fail_on_server_errors(by_client)

    def _write_facts(self):
        """The machine, the database and the corpus, printed, and returned for the report."""
        facts = {**pages.machine(), **pages.database(), **pages.corpus()}
        for name, value in facts.items():
            self.stdout.write(f"{name:<14} {pages.number(value)}")
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: every query is recorded, so times run high.")
        return facts

    def _measure(self, urls, readers, *, requests, warmup, cold, quiet):
        """For each page, one measurement per client (a guest, a reader), taking turns."""
        with ExitStack() as stack:
            clients = [stack.enter_context(self._client(reader)) for reader in readers]
            return [
                pages.measure_in_turn(
                    clients,
                    url,
                    requests=requests,
                    warmup=warmup,
                    page=page,
                    before=pages.renew_listing_generation if cold else None,
                )
                for page, url in tqdm(urls, desc="pages", disable=quiet)
            ]

    def _report(self, measurements, *, reader, compare, cold, facts, requests, warmup):
        """One client's table, printed, and its Markdown report returned."""
        who = READER if reader else "a guest"
        turns = ", taking turns with a guest" if compare and reader else ""
        turns += ", each after the works changed" if cold else ""
        self.stdout.write(
            f"\nAs {who}, {requests} requests per page after {warmup} warm-up{turns}:\n"
        )
        self.stdout.write(pages.text_table(measurements))
        return pages.markdown_report(
            measurements, who=who + turns, requests=requests, warmup=warmup, facts=facts
        )

    def _churn(self, urls, as_reader, requests, warmup, output):
        with self._client(as_reader) as client:
            measured = churn.measure(
                client, urls["tag page (top fandom)"], requests=requests, warmup=warmup
            )
        self.stdout.write(pages.text_table(measured[:2]))
        report = churn.report(*measured)
        self.stdout.write(report)
        if output:
            Path(output).write_text(report, encoding="utf-8")

    def _report_ratios(self, guest, reader):
        self.stdout.write("\nThe reader's times as multiples of the guest's, in the same run:\n")
        self.stdout.write(pages.ratio_text_table(guest, reader))
        return pages.ratio_markdown_table(guest, reader) + "\n"

    def _write_urls(self, by_page, *, slowest_queries):
        for measured in by_page:
            self.stdout.write(f"  {measured[0].page}: {measured[0].url}")
            if slowest_queries:
                for m in measured:
                    self.stdout.write(f"    slowest query: {m.slowest_query}")

    def _fail_on_server_errors(self, by_client):
        failed = [m for measurements in by_client for m in measurements if m.status >= 500]
        if failed:
            for m in failed:
                self.stderr.write(self.style.ERROR(f"SERVER ERROR {m.status}: {m.page} {m.url}"))
            raise CommandError(f"{len(failed)} page(s) answered with a server error.")

    def _check_static_files(self):
        # With DEBUG off, pages link to the hashed names collectstatic records in its manifest.
        manifest = isinstance(staticfiles_storage, ManifestFilesMixin)
        if manifest and not staticfiles_storage.hashed_files:
            raise CommandError("Run `manage.py collectstatic` first: pages link to its files.")

    @contextmanager
    def _client(self, as_reader):
        """A test client, signed in as the bench reader if asked, with 404s not logged."""
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)
        client = Client(raise_request_exception=False)
        reader = pages.bench_reader() if as_reader else None
        try:
            with override_settings(ALLOWED_HOSTS=hosts):
                if reader:
                    client.force_login(reader)
                yield client
        finally:
            request_log.setLevel(level)
            if reader:
                client.logout()
                reader.delete()
