import time
from contextlib import nullcontext
from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from bench.corpus import LENGTHS, PREFIX, CorpusExists, generate_corpus


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Generate a synthetic archive for benchmarks: works with Zipf-distributed tags, "
        "1 to 30 chapters of English-like text, ratings and warnings in plausible proportions, "
        f"readers, kudos and bookmarks. Works are by creators named {PREFIX}…, and readers are "
        f"{PREFIX}reader-…; the same seed gives the same corpus. Refuses a database that has a "
        "corpus already unless --append. With --lengths ao3, works are as long as AO3's "
        "(drabbles to novels, about 11,500 words on average). Each batch of works commits on "
        "its own, so a long run holds no transaction open for long; a --dry-run is one "
        "transaction, rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--works", type=int, required=True, help="How many works to make.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same corpus.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows per INSERT, and works per commit (default 1000; with --lengths ao3, "
            "100 keeps each batch's text to some 7 MB).",
        )
        parser.add_argument(
            "--lengths",
            choices=LENGTHS,
            default="default",
            help="default: a few hundred words a chapter, quick to make; ao3: lengths like "
            "AO3's, a median near 3,000 words, a mean near 11,500, chapters of a few thousand "
            "words, many one-shots, some drabbles and novels of 100,000 words and more.",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to an existing corpus, reusing its tags and readers "
            "(use another --seed, or the new works repeat the old ones).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Generate everything, then roll it back."
        )

    def handle(self, *args, works, seed, batch_size, append, dry_run, lengths, **options):
        if works < 1:
            raise CommandError("--works must be at least 1.")
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be from 1 to 10000.")
        progress = partial(tqdm, disable=options["verbosity"] < 1, dynamic_ncols=True)
        started = time.monotonic()
        try:
            # A dry run must roll everything back, so it alone is one transaction.
            with transaction.atomic() if dry_run else nullcontext():
                made = generate_corpus(
                    works=works,
                    seed=seed,
                    batch_size=batch_size,
                    append=append,
                    progress=progress,
                    lengths=lengths,
                    chunked=not dry_run,
                )
                if dry_run:
                    raise DryRun
        except CorpusExists as error:
            raise CommandError(f"{error} Use --append to add to it.") from None
        except DryRun:
            pass
        if not dry_run and connection.vendor == "postgresql":
            # Fresh statistics, so the planner knows the tables' new sizes before the benchmark,
            # and a visibility map: without VACUUM no page of the new rows is all-visible, and
            # every count reads the table instead of an index (111 ms against 47 ms p95 for
            # the index at 100,000 works; BENCHMARKS.md). VACUUM cannot run in a transaction
            # (as in the tests), where the statistics are enough.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.monotonic() - started
        verb = "Generated and rolled back (dry run)" if dry_run else "Generated"
        self.stdout.write(self.style.SUCCESS(f"{verb} in {elapsed:.0f} s (seed {seed}):"))
        for what, count in made.items():
            shown = f"{count:,}" if isinstance(count, int) else count
            self.stdout.write(f"  {what:<18} {shown}")
        if made["works"]:
            self.stdout.write(f"  {'words per work':<18} {made['words'] // made['works']:,}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                self.stdout.write(f"  {'database size':<18} {cursor.fetchone()[0]}")
