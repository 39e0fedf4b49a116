from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from tqdm import tqdm

from archive.importing.importer import PARSERS, ImportRejected, import_file


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import works from .txt, .html and .epub files, or folders of them, printing each "
        "file's result (imported as work N, or rejected and why) as it goes. A .toml file "
        "beside a file gives its rating, warnings, tags and anything else the file does not "
        'say; without one a work is imported as Not Rated with "Creator Chose Not To Use '
        'Archive Warnings", so it is gated as strictly as the archive can.'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", help="Files or folders (searched with their subfolders) to import."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every file; save nothing."
        )

    def handle(self, *args, paths, dry_run=False, **options):
        files, failed = self._files(paths)
        total = len(files) + len(failed)
        imported = 0
        for path in tqdm(files, desc="Importing", unit="work", disable=options["verbosity"] < 1):
            try:
                result = self._import(path, dry_run=dry_run)
            except ImportRejected as error:
                failed.append(str(error))
            # Whatever one file meets, the batch goes on and the summary says what it was.
            except DatabaseError as error:
                failed.append(f"{path}: the database refused it ({_first_line(error)})")
            except OSError as error:
                failed.append(f"{path}: could not be read ({error.strerror or error})")
            else:
                imported += 1
                self._say(f"{path.name}: {result}")
                continue
            reason = failed[-1].removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
            self._say(self.style.ERROR(f"{path.name}: rejected: {reason}"))
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb} {imported} of {total} files."))
        for reason in failed:
            self.stdout.write(self.style.ERROR(f"  failed  {reason}"))
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be imported.")

    def _files(self, paths):
        """The files to import, and the reasons other named files were passed over.
        A .toml is a work's metadata, read with its file, so it is skipped quietly."""
        files, refused = [], []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.is_file() and _importable(p)))
            elif not path.is_file():
                refused.append(f"{raw}: no such file or folder")
            elif _importable(path):
                files.append(path)
            elif path.suffix != ".toml":
                refused.append(f"{path.name}: only .txt, .html and .epub files can be imported")
        return files, refused

    def _import(self, path, *, dry_run):
        """Each file in its own transaction, so one bad file never leaves half a work."""
        try:
            with transaction.atomic():
                work = import_file(path)
                if dry_run:
                    raise DryRun
        except DryRun:
            return f"would import “{work.title}” ({_size(work)})"
        return f"imported as work {work.pk}: “{work.title}” ({_size(work)})"

    def _say(self, line):
        """One file's result, printed as it comes, above the progress bar."""
        with tqdm.external_write_mode():
            self.stdout.write(line)


def _size(work):
    return f"{work.chapter_count} chapters, {work.word_count} words"


def _importable(path):
    return path.suffix.lower() in PARSERS


def _first_line(error):
    return (str(error).strip() or type(error).__name__).splitlines()[0]
