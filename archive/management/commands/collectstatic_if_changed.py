import hashlib
from importlib.metadata import version
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Beside the collected files, so deleting STATIC_ROOT forgets it too.
STAMP_NAME = ".sources.sha256"


class Command(BaseCommand):
    help = (
        "Run collectstatic only when the static files it would collect (the project's and "
        "every installed app's, packages included) or the way they are stored changed since "
        "the last collection, which a stamp in STATIC_ROOT records. Collecting compresses "
        "every file, which takes seconds, so `make serve` and `make reload` skip it when "
        "nothing changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say whether it would collect; change nothing."
        )

    def handle(self, *args, dry_run, verbosity, **options):
        stamp = Path(settings.STATIC_ROOT) / STAMP_NAME
        digest = sources_digest()
        if stamp.is_file() and stamp.read_text() == digest:
            self.stdout.write("Static files unchanged since they were last collected.")
            return
        if dry_run:
            self.stdout.write("Static files changed: they would be collected.")
            return
        # A collection cut short leaves no stamp, so the next run collects again.
        stamp.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0))
        stamp.write_text(digest)
        self.stdout.write("Static files collected.")


def sources_digest():
    """A SHA-256 of everything collectstatic's output depends on: each source file's name,
    place and content, in the order the finders give them precedence, and the storage."""
    digest = hashlib.sha256()
    for part in (
        repr(settings.STORAGES["staticfiles"]),
        settings.STATIC_URL,
        f"django {version('django')} whitenoise {version('whitenoise')}",
    ):
        digest.update(part.encode() + b"\0")
    for prefixed, source in _sources():
        digest.update(f"{prefixed}\0{source}\0".encode())
        with open(source, "rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()


def _sources():
    """(collected name, source path) for every file the finders offer, the first finder and
    storage to offer a name first, as collectstatic takes them."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    storages, found = [], []
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            if storage not in storages:
                storages.append(storage)
            prefixed = str(Path(getattr(storage, "prefix", None) or "") / path)
            found.append((storages.index(storage), prefixed, storage.path(path)))
    return [(prefixed, source) for _, prefixed, source in sorted(found)]
