"""A reader's standing consent choices: reading and saving them."""

from django.db import transaction

from accounts.models import ConsentChoice
from archive.vocabulary import StandingChoice


def consent_choices(reader):
    """The reader's standing choice per item that has one ({item: choice}); one query."""
    return dict(reader.consent_choices.values_list("item", "choice"))


@transaction.atomic
def save_consent_choices(*, reader, choices):
    """Store `choices` ({item: choice}); "ask" is the default, so it is stored as no row."""
    asked = [item for item, choice in choices.items() if choice == StandingChoice.ASK]
    ConsentChoice.objects.filter(reader=reader, item__in=asked).delete()
    for item, choice in choices.items():
        if choice != StandingChoice.ASK:
            ConsentChoice.objects.update_or_create(
                reader=reader, item=item, defaults={"choice": choice}
            )
