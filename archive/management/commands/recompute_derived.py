from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from archive.models import Work
from archive.writing import derived


class Command(BaseCommand):
    help = (
        "Compute every work's tag families and warning set again from its tag links and "
        "warnings, and renew the listing generation so no cached count outlives the change. "
        "Run it after loading rows around the archive's own functions (loaddata, bulk inserts, "
        "SQL); the archive's own writes keep these values exact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=derived.BATCH,
            help=f"Works per transaction (default {derived.BATCH}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the works that would change; write nothing.",
        )

    def handle(self, *args, batch_size=derived.BATCH, dry_run=False, **options):
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be from 1 to 10000.")
        work_ids = list(Work.objects.order_by("pk").values_list("pk", flat=True))
        changed = 0
        progress = tqdm(
            total=len(work_ids), desc="Works", unit="work", disable=options["verbosity"] < 1
        )
        with progress:
            for start in range(0, len(work_ids), batch_size):
                batch = work_ids[start : start + batch_size]
                # Each batch in a transaction of its own: the app keeps writing meanwhile.
                with transaction.atomic():
                    if dry_run:
                        changed += len(derived.stale_works(batch))
                    else:
                        changed += derived.refresh(batch)
                progress.update(len(batch))
        if not dry_run:
            # Even when no work changed: rows loaded raw (chapters, tags) change counts too.
            derived.renew_listing_generation()
        if options["verbosity"] >= 1:
            verb = "would change" if dry_run else "changed"
            self.stdout.write(self.style.SUCCESS(f"{changed} of {len(work_ids)} works {verb}."))
