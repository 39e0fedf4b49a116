from django.core.management.base import BaseCommand, CommandError

from archive.importing.seeds import FIXTURE_PATH, build_fixture


class Command(BaseCommand):
    help = (
        "Rebuild fixtures/seed_works.json from the seed texts and their metadata files "
        "(run after changing the importer or a metadata file)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the committed fixture is out of date.",
        )

    def handle(self, *args, check=False, **options):
        fixture = build_fixture()
        if check:
            if FIXTURE_PATH.read_text(encoding="utf-8") != fixture:
                raise CommandError(f"{FIXTURE_PATH.name} is out of date: run build_seed_fixture.")
            self.stdout.write(self.style.SUCCESS(f"{FIXTURE_PATH.name} is up to date."))
            return
        FIXTURE_PATH.write_text(fixture, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {FIXTURE_PATH}."))
