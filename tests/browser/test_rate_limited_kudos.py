"""A guest over the kudos limit is told so on the page, by the kudos script."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django_ratelimit.core import get_usage
from playwright.sync_api import expect

from archive.models import Kudos
from config.limits import reader_or_address
from tests.factories import make_work


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
    # The live server shares this process's counts, and the browser's address (127.0.0.1)
    # with the test client: thirty kudos elsewhere use the minute's limit up. The window's
    # clock stands still in the tests (conftest), so the count cannot start again before the
    # click.
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
