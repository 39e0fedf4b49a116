import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from tqdm import tqdm

from accounts.models import Reader
from bench import stats
from bench.pages import database, machine, measure


class Command(BaseCommand):
    help = (
        "Measure the creator's statistics page (30, 90 and 365 days) and a work's, for a "
        "creator with --works works and a year of daily figures each, beside /healthz "
        "(p50/p95). Makes its own creator, works and days, and deletes them after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--works", type=int, default=500)
        parser.add_argument("--days", type=int, default=365, help="Days of figures per work.")
        parser.add_argument("--requests", type=int, default=30, help="Requests timed per page.")
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--output", help="Also write the results as Markdown to this file.")

    def handle(self, *args, works, days, requests, warmup, output, **options):
        if works < 1 or days < 1 or requests < 1:
            raise CommandError("--works, --days and --requests must be at least 1.")
        if Reader.objects.filter(username__startswith=stats.PREFIX).exists():
            raise CommandError(
                f"Readers named {stats.PREFIX}… exist: a run was interrupted. Delete them first."
            )
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: every query is recorded, so times run high.")
        quiet = options["verbosity"] < 1
        creator = Reader.objects.create_user(f"{stats.PREFIX}creator", password=None)
        try:
            with (
                tqdm(total=works * days, desc="days", disable=quiet) as progress,
                transaction.atomic(),
            ):
                made = stats.make_works(creator, works, year_days=days, progress=progress)
            results = self._measure(creator, made[0], requests, warmup)
        finally:
            # The works and their days go with their creator's works.
            creator.works.all().delete()
            creator.delete()
        report = self._report(results, works, days, requests)
        self.stdout.write(report)
        if output:
            Path(output).write_text(report, encoding="utf-8")
            self.stdout.write(f"Written to {output}")

    def _measure(self, creator, work, requests, warmup):
        client = Client()
        client.force_login(creator)
        pages = [("/healthz (floor)", "/healthz")]
        for period in (30, 90, 365):
            url = reverse("archive:my_stats") + f"?period={period}"
            pages.append((f"my statistics, {period} days", url))
        url = reverse("archive:work_stats", args=[work.pk]) + "?period=365"
        pages.append(("a work's statistics, 365 days", url))
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            return [
                measure(client, url, requests=requests, warmup=warmup, page=name)
                for name, url in pages
            ]

    def _report(self, results, works, days, requests):
        facts = {**machine(), **database()}
        facts["load average (1, 5, 15 min) after"] = ", ".join(
            f"{load:.2f}" for load in os.getloadavg()
        )
        floor = results[0].p95_ms
        lines = [f"- {name}: {value}" for name, value in facts.items()]
        lines += [
            "",
            f"A creator with {works:,} works and {days} days of figures each "
            f"({works * days:,} rows), {requests} requests per page:",
            "",
            "| Page | queries | p50 ms | p95 ms | p95 ÷ /healthz |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in results:
            if row.status >= 400:
                raise CommandError(f"{row.page} answered {row.status}")
            lines.append(
                f"| {row.page} | {row.queries} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | "
                f"{row.p95_ms / floor:.1f} |"
            )
        lines.append("")
        return "\n".join(lines)
