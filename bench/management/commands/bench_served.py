import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bench import pages, served


class Command(BaseCommand):
    help = (
        "Measure the archive's main pages as `make serve` serves them: starts gunicorn (2 "
        "workers, DEBUG off, no job worker) on a free loopback port against the current "
        "database, then for each page lets several clients ask for it as fast as answers come "
        "for --duration seconds, and reports requests per second, p50 and p95, each as a "
        "share or multiple of /healthz's in the same run. The database must be migrated and "
        "hold a corpus (generate_corpus). A page that answers 500 fails the run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--duration", type=float, default=10, help="Seconds per page (default 10)."
        )
        parser.add_argument(
            "--clients", type=int, default=4, help="Clients asking at once (default 4)."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn workers (default 2, as make serve)."
        )
        parser.add_argument(
            "--warmup", type=int, default=5, help="Untimed requests per page first (default 5)."
        )
        parser.add_argument("--output", help="Also write the results as Markdown to this file.")

    def handle(self, *args, duration, clients, workers, warmup, output, **options):
        if duration <= 0 or clients < 1 or workers < 1 or warmup < 0:
            raise CommandError(
                "--duration must be above 0, --clients and --workers at least 1, "
                "--warmup at least 0."
            )
        try:
            urls = pages.to_measure()
        except pages.NoCorpus as error:
            raise CommandError(str(error)) from None
        facts = {**pages.machine(), **pages.database(), **pages.corpus()}
        facts["load average"] = _load()
        for name, value in facts.items():
            self.stdout.write(f"{name:<14} {pages.number(value)}")
        quiet = options["verbosity"] < 1
        try:
            with served.serve(workers=workers) as (host, port, _log):
                measured = []
                for page, url in tqdm(urls, desc="pages", disable=quiet):
                    for _ in range(warmup):
                        served.get(host, port, url)
                    measured.append(
                        served.hammer(
                            host, port, url, clients=clients, duration=duration, page=page
                        )
                    )
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        facts["load average after"] = _load()
        setup = (
            f"gunicorn with {workers} workers (make serve), {clients} clients asking at once "
            f"for {duration:g} s per page after {warmup} warm-up requests"
        )
        self.stdout.write(f"\n{setup}, load average after {facts['load average after']}:\n")
        self.stdout.write(served.text_table(measured))
        for m in measured:
            self.stdout.write(f"  {m.page}: {m.url}")
        if output:
            Path(output).write_text(_markdown_report(measured, setup, facts), encoding="utf-8")
            self.stdout.write(f"Written to {output}")
        failed = [m for m in measured if m.status >= 500 or m.status == 0]
        if failed:
            for m in failed:
                said = m.status or "no answer"
                self.stderr.write(self.style.ERROR(f"SERVER ERROR {said}: {m.page} {m.url}"))
            raise CommandError(f"{len(failed)} page(s) answered with a server error.")


def _load():
    """The 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        return " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


def _markdown_report(measured, setup, facts):
    lines = [f"### {time.strftime('%Y-%m-%d %H:%M %Z')}, served", "", f"{setup}.", ""]
    lines += [f"- {name}: {pages.number(value)}" for name, value in facts.items()]
    return "\n".join([*lines, "", served.markdown_table(measured), ""])
