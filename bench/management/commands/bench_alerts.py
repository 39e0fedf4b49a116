from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from tqdm import tqdm

from accounts.models import Reader
from bench import alerts
from bench.pages import database, machine


class Command(BaseCommand):
    help = (
        "Measure the creator's request that posts a chapter to a work with no subscribers and "
        "to one with --subscribers (p50/p95 beside /healthz), then the worker's fan-out of one "
        "such chapter (alerts, inbox notices, emails to the in-memory mail backend). Makes its "
        "own creator and readers and deletes them after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subscribers", type=int, default=10_000)
        parser.add_argument("--requests", type=int, default=30, help="Posts timed per work.")
        parser.add_argument("--output", help="Also write the results as Markdown to this file.")

    def handle(self, *args, subscribers, requests, output, **options):
        if subscribers < 1 or requests < 1:
            raise CommandError("--subscribers and --requests must be at least 1.")
        if Reader.objects.filter(username__startswith=alerts.PREFIX).exists():
            raise CommandError(
                f"Readers named {alerts.PREFIX}… exist: a run was interrupted. Delete them first."
            )
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: every query is recorded, so times run high.")
        quiet = options["verbosity"] < 1
        try:
            results = self._run(subscribers, requests, quiet)
        finally:
            alerts.clean_up()
        report = self._report(results, subscribers, requests)
        self.stdout.write(report)
        if output:
            Path(output).write_text(report, encoding="utf-8")
            self.stdout.write(f"Written to {output}")

    def _run(self, subscribers, requests, quiet):
        creator = Reader.objects.create_user(f"{alerts.PREFIX}creator", password=None)
        lonely = alerts.make_work(creator, "Bench: no subscribers")
        followed = alerts.make_work(creator, "Bench: followed")
        with tqdm(total=subscribers, desc="subscribers", disable=quiet) as progress:
            alerts.make_subscribers(followed, subscribers, progress=progress)
        client = Client()
        client.force_login(creator)
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts), alerts.queue_in_memory() as queue:
            floor = alerts.time_requests(lambda: client.get("/healthz"), requests)
            alone = alerts.post_chapters(client, lonely, requests)
            crowd = alerts.post_chapters(client, followed, requests)
            enqueued = queue.queue_size()
        fan_out = alerts.time_fan_out(followed)
        return {
            "floor": floor,
            "alone": alone,
            "crowd": crowd,
            "enqueued": enqueued,
            "fan_out": fan_out,
        }

    def _report(self, results, subscribers, requests):
        facts = {**machine(), **database()}
        floor = results["floor"]["p95_ms"]
        lines = [f"- {name}: {value}" for name, value in facts.items()]
        lines += [
            "",
            f"Posting a chapter as its creator, {requests} posts per work "
            f"({results['enqueued']} jobs enqueued, none run in the request):",
            "",
            "| Request | p50 ms | p95 ms | p95 ÷ /healthz |",
            "|---|---:|---:|---:|",
            f"| /healthz (floor) | {results['floor']['p50_ms']:.1f} | {floor:.1f} | 1.0 |",
        ]
        for label, key in [
            ("post, 0 subscribers", "alone"),
            (f"post, {subscribers:,} subscribers", "crowd"),
        ]:
            row = results[key]
            lines.append(
                f"| {label} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['p95_ms'] / floor:.1f} |"
            )
        fan = results["fan_out"]
        lines += [
            "",
            f"The worker's fan-out of one chapter to {subscribers:,} subscribers: "
            f"{fan['alerts']:,} alerts and inbox notices in {fan['fan_out_s']:.2f} s "
            f"({fan['alerts'] / max(fan['fan_out_s'], 1e-9):,.0f} a second), then "
            f"{fan['emails']:,} emails in {fan['email_s']:.2f} s; {fan['queries']:,} queries.",
            "",
        ]
        return "\n".join(lines)
