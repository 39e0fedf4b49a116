"""Uploads kept between two sendings of the import form: a form refused for its rating or
fandoms keeps the file it was sent with, so the reader fixes the field and sends it again
without choosing the file again.

The file is a database row (app servers share no disk or local cache), named in the form by
a signed token that only its reader can use, for an hour.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archive.models import KeptUpload

SALT = "archive.importing.kept"
# Long enough to fix a field and send the form again, short enough that the table stays small.
KEEP_FOR = timedelta(hours=1)


def keep(*, reader, upload):
    """Keep the uploaded file for its reader; return the token naming it, or "" for a file
    larger than the archive imports (it will be refused anyway)."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        return ""
    # Each new row clears the expired ones, so the table holds only the last hour's files.
    KeptUpload.objects.filter(created_at__lt=_oldest()).delete()
    upload.seek(0)
    kept = KeptUpload.objects.create(reader=reader, name=upload.name[:255], data=upload.read())
    upload.seek(0)
    return signing.dumps(kept.pk, salt=SALT)


def take(*, reader, token):
    """The kept file the token names, as an upload, if it is this reader's and not expired."""
    kept = _kept(reader, token)
    if kept is None:
        return None
    return SimpleUploadedFile(kept.name, bytes(kept.data))


def forget(*, reader, token):
    """Drop the kept file: it was imported, or refused for what it holds."""
    kept = _kept(reader, token)
    if kept is not None:
        kept.delete()


def _kept(reader, token):
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return KeptUpload.objects.filter(pk=pk, reader=reader, created_at__gte=_oldest()).first()


def _oldest():
    return timezone.now() - KEEP_FOR
