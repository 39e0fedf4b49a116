"""The posting and fan-out benchmark: bench.alerts and the bench_alerts command."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Reader
from bench import alerts
from following.models import Alert, Subscription


def run_bench_alerts(*options):
    out = StringIO()
    call_command("bench_alerts", *options, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_bench_alerts_reports_posting_and_the_fan_out_and_cleans_up(db, tmp_path):
    output = tmp_path / "alerts.md"

    out = run_bench_alerts("--subscribers", "3", "--requests", "2", "--output", str(output))

    written = output.read_text()
    assert "| post, 0 subscribers |" in written
    assert "| post, 3 subscribers |" in written
    assert "fan-out of one chapter to 3 subscribers: 3 alerts" in written
    assert written in out
    assert not Reader.objects.filter(username__startswith=alerts.PREFIX).exists()
    assert not Alert.objects.exists()


def test_bench_alerts_refuses_to_run_over_an_interrupted_run(db):
    Reader.objects.create(username=f"{alerts.PREFIX}creator")

    with pytest.raises(CommandError, match="a run was interrupted"):
        run_bench_alerts("--subscribers", "1", "--requests", "1")


def test_make_subscribers_subscribes_each_new_reader_once(db, creator):
    work = alerts.make_work(creator, "Followed")

    alerts.make_subscribers(work, 1005)

    assert Subscription.objects.filter(work=work).count() == 1005
    assert Reader.objects.filter(username__startswith=alerts.PREFIX).count() == 1005
