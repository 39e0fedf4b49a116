"""Who a private feed or catalog URL belongs to, and what that reader agreed to in advance.

E-reader apps and feed readers cannot log in or pass an interstitial, so the token in the
URL stands for its reader, and only their standing choices count: nothing a session
agreed to applies here.
"""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from accounts.models import FeedToken
from archive.consent.policy import Readable, token_readable
from archive.listing.exclusions import Exclusions, for_reader


@dataclass(frozen=True)
class TokenReader:
    reader: object
    key: str
    exclusions: Exclusions
    readable: Readable  # what the reader's standing choices agree to (token_readable)


def reader_for_token(key):
    """The token's reader with their choices and exclusions (three queries), or 404.

    A revoked or regenerated token matches no row, so its old URLs answer 404.
    """
    token = get_object_or_404(
        FeedToken.objects.select_related("reader"), key=key, reader__is_active=True
    )
    reader = token.reader
    choices = dict(reader.consent_choices.values_list("item", "choice"))
    return TokenReader(
        reader=reader,
        key=token.key,
        exclusions=for_reader(reader, choices=choices),
        readable=token_readable(choices),
    )
