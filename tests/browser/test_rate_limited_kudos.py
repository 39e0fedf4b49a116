"""A guest over the kudos limit is told so on the page, by the kudos script."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django_ratelimit.core import get_usage
from playwright.sync_api import expect

from archive.models import Kudos
from config.limits import reader_or_address
from tests.factories import make_work

# The setup below takes a second or two; the limit's minute must not end during it.
MARGIN_SECONDS = 15


def guest_kudos_usage():
    """The kudos limit's count for guests at 127.0.0.1, in django-ratelimit's fixed window of
    a minute (which starts at an offset of its own for each address)."""
    request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
    request.user = AnonymousUser()
    group = "archive.views.kudos.leave_kudos"
    return get_usage(request, group=group, key=reader_or_address, rate="30/m", method="POST")


@pytest.fixture
def work(transactional_db):
    return make_work(title="Lanterns Over the Harbour", chapters=1)


def test_a_guest_over_the_kudos_limit_reads_why_and_may_try_again(page, work):
    # The live server shares this process's cache, and the browser's address (127.0.0.1)
    # with the test client: thirty kudos elsewhere use the minute's limit up. Started early
    # in a window, so that the window does not end, and the count start again, before the
    # click. time_left is the window's last second less the whole seconds of now, so up to
    # a second more than it says may remain: sleeping only time_left + 0.5 could wake in
    # the old window and split the thirty between two counts.
    usage = guest_kudos_usage()
    if usage["time_left"] < MARGIN_SECONDS:
        time.sleep(usage["time_left"] + 1)
    for other in [make_work(chapters=1) for _ in range(30)]:
        Client().post(f"/works/{other.pk}/kudos/")
    usage = guest_kudos_usage()
    assert usage["count"] >= usage["limit"], usage
    page.goto(work.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Leave kudos").click()

    expect(page.get_by_role("status").filter(has_text="too many times")).to_be_visible()
    expect(page.get_by_role("button", name="Leave kudos")).to_be_enabled()
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Kudos.objects.filter(work=work).exists()
