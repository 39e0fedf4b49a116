import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import AlertEmail, Reader
from following.models import Subscription, Target


@pytest.fixture
def subscribe_many():
    """Make `count` readers subscribed to `work` (or to a creator) in a few statements."""

    def make(count, *, work=None, creator=None, prefix="follower", **fields):
        password = make_password(None)
        readers = Reader.objects.bulk_create(
            Reader(
                username=f"{prefix}{n}",
                email=f"{prefix}{n}@example.com",
                password=password,
                alert_email=fields.get("alert_email", AlertEmail.EACH),
            )
            for n in range(count)
        )
        readers = list(Reader.objects.filter(username__startswith=prefix).order_by("pk"))
        kind = Target.WORK if work else Target.CREATOR
        Subscription.objects.bulk_create(
            Subscription(reader=reader, kind=kind, work=work, creator=creator) for reader in readers
        )
        return readers

    return make
