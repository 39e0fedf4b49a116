"""A guest over the kudos limit is told so on the page, by the kudos script."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from archive.models import Kudos
from tests.factories import make_work


@pytest.fixture
def work(transactional_db):
    return make_work(title="Lanterns Over the Harbour", chapters=1)


def test_a_guest_over_the_kudos_limit_reads_why_and_may_try_again(page, work):
    # The live server shares this process's cache, and the browser's address (127.0.0.1)
    # with the test client: thirty kudos elsewhere use the minute's limit up.
    for other in [make_work(chapters=1) for _ in range(30)]:
        Client().post(f"/works/{other.pk}/kudos/")
    page.goto(work.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Leave kudos").click()

    expect(page.get_by_role("status").filter(has_text="too many times")).to_be_visible()
    expect(page.get_by_role("button", name="Leave kudos")).to_be_enabled()
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Kudos.objects.filter(work=work).exists()
