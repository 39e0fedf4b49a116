"""The read router's decisions, without a replica: which database a read or a write uses
inside and outside a request that may read from the replica (tests/test_replica.py runs them
against a real one)."""

import pytest
from django.conf import settings
from django.db import transaction

from archive.models import Work
from config.db_router import REPLICA, ReplicaRouter, reads_from_replica, route_reads

router = ReplicaRouter()


def test_without_a_replica_no_router_or_middleware_is_installed():
    assert "replica" not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == []
    assert "config.db_router.ReplicaMiddleware" not in settings.MIDDLEWARE


def test_outside_a_request_every_read_uses_the_primary():
    assert router.db_for_read(Work) == "default"
    assert router.db_for_write(Work) == "default"


def test_a_read_only_request_reads_from_the_replica_until_it_writes():
    with route_reads(replica=True):
        assert router.db_for_read(Work) == REPLICA
        assert router.db_for_write(Work) == "default"
        # What follows a write in the same request must see it.
        assert router.db_for_read(Work) == "default"
        assert not reads_from_replica()
    assert router.db_for_read(Work) == "default"


def test_a_request_that_may_write_reads_from_the_primary():
    with route_reads(replica=False):
        assert router.db_for_read(Work) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_use_the_primary():
    with route_reads(replica=True):
        with transaction.atomic():
            assert router.db_for_read(Work) == "default"
        assert router.db_for_read(Work) == REPLICA


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "archive")
    assert not router.allow_migrate(REPLICA, "archive")
