"""A reader filters the index, excludes a tag for good, and shows it for one search."""

import re

import pytest
from playwright.sync_api import expect

from archive.vocabulary import TagKind
from tests.factories import PASSWORD, make_reader, make_work

A = TagKind.ADDITIONAL


@pytest.fixture
def archive(transactional_db):
    make_work(title="Quiet Harbour", tags=[("Fluff", A)])
    make_work(title="Broken Lanterns", tags=[("Angst", A)])
    make_work(title="Storm Season", tags=[("Angst", A), ("Fluff", A)])
    make_reader("walker")


def log_in(page):
    page.goto("/login/")
    page.get_by_label("Username").fill("walker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_excluding_a_tag_removes_its_works_and_counts_until_shown(page, archive):
    log_in(page)
    page.goto("/works/")
    expect(page.locator(".result-count")).to_contain_text("3 works")

    page.get_by_role("link", name="Angst").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angst")
    page.get_by_role("button", name=re.compile("Never show me works tagged")).click()
    expect(page.locator(".messages")).to_contain_text("will no longer be shown")

    page.goto("/works/")
    expect(page.locator(".result-count")).to_contain_text("1 work")
    expect(page.locator(".result-count")).to_contain_text("2 hidden by your preferences")
    expect(page.locator("article.blurb")).to_have_count(1)
    expect(page.get_by_role("link", name="Quiet Harbour")).to_be_visible()

    page.get_by_role("link", name="Show them for this search").click()
    expect(page.locator("article.blurb")).to_have_count(3)
    expect(page.get_by_role("link", name="Broken Lanterns")).to_be_visible()

    page.goto("/works/")
    expect(page.locator("article.blurb")).to_have_count(1)


def test_filtering_by_keyboard_with_facets(page, archive):
    page.goto("/works/")
    page.get_by_label("Other tags to include").fill("Fluff")
    page.get_by_label("Other tags to include").press("Enter")
    expect(page.locator(".result-count")).to_contain_text("2 works")
    expect(page.locator(".active-filters")).to_contain_text("Including Fluff")
    page.get_by_label("Exclude Angst").check()
    page.get_by_role("button", name="Sort and filter").click()
    expect(page.locator(".result-count")).to_contain_text("1 work")
    expect(page.get_by_role("link", name="Quiet Harbour")).to_be_visible()
