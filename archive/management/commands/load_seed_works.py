from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from archive.listing import search
from archive.models import Tag, Work


class Command(BaseCommand):
    help = (
        "Load the five seed works into an empty archive. An archive that already has works "
        "or tags is left as it is, so running this again never duplicates or overwrites "
        "anything."
    )

    def handle(self, *args, **options):
        # The fixture's rows have fixed primary keys, so loading it into a used archive
        # would overwrite whatever rows hold those keys.
        if Work.objects.exists() or Tag.objects.exists():
            self.stdout.write("The archive already has works or tags; seed works not loaded.")
            return
        with transaction.atomic():
            call_command("loaddata", "seed_works", verbosity=options["verbosity"])
            # loaddata writes the rows as they are: the works' families and warning sets next.
            call_command("recompute_derived", verbosity=options["verbosity"])
            search.update_search_documents()
