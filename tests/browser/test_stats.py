"""A creator reads how their work is received: from the account menu to their statistics,
the chart's name and its figures as a table."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.reading import kudos
from archive.stats import days
from tests.browser.test_accessibility import log_in
from tests.factories import make_reader, make_work


@pytest.fixture
def creator_with_kudos(transactional_db):
    creator = make_reader("quill")
    work = make_work(title="Paper Boats", creator=creator)
    kudos.give_kudos(work=work, reader=make_reader("reed"))
    days.add(work.pk, day=days.today() - datetime.timedelta(days=1), hits=7)
    return creator, work


def test_a_creator_reads_the_chart_and_its_table(page, creator_with_kudos):
    creator, work = creator_with_kudos
    log_in(page, creator)
    page.get_by_text("Account", exact=True).click()
    page.get_by_role("link", name="My statistics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My statistics")

    chart = page.get_by_role("img", name=re.compile("Hits per day, last 30 days"))
    expect(chart).to_be_visible()
    expect(page.locator("figcaption")).to_contain_text("7 in all")

    page.get_by_text("The chart's figures as a table").click()
    yesterday = page.get_by_role("row", name=re.compile(r"\d+ \w+ \d{4} 7$"))
    expect(yesterday).to_be_visible()

    page.get_by_role("navigation", name="Chart").get_by_role("link", name="Kudos").click()
    expect(page.get_by_role("img", name=re.compile("Kudos per day"))).to_be_visible()
    page.get_by_role("link", name="Paper Boats").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statistics of")
    expect(page.locator(".kudos-givers")).to_have_text("reed left kudos on this work.")
    expect(page).to_have_url(re.compile(reverse("archive:work_stats", args=[work.pk])))
