"""Who a private feed or catalog URL belongs to, and what that reader agreed to in advance.

E-reader apps and feed readers cannot log in or pass an interstitial, so the token in the
URL stands for its reader, and only their standing choices count: nothing a session
agreed to applies here.
"""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from accounts.models import FeedToken
from archive.listing import exclusions as reader_exclusions
from archive.listing.exclusions import Exclusions
from archive.vocabulary import StandingChoice


@dataclass(frozen=True)
class TokenReader:
    reader: object
    key: str
    exclusions: Exclusions
    agreed: frozenset  # consent items the reader chose to "show without asking"

    def missing_items(self, work):
        """What the work needs that the reader's standing choices do not cover."""
        return [item for item in work.consent_items() if item not in self.agreed]


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
        exclusions=reader_exclusions.for_reader(reader, choices=choices),
        agreed=frozenset(item for item, choice in choices.items() if choice == StandingChoice.SHOW),
    )


def keep_private(response):
    """Mark a token URL's response as the reader's alone: the URL is their secret, and what
    it lists follows their choices, so no cache may keep it and no search engine list it."""
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
