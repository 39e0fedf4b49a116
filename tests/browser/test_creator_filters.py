"""A reader narrows a creator's works by language, and follows a suggested tag."""

import pytest
from playwright.sync_api import expect

from archive.vocabulary import TagKind
from tests.factories import make_reader, make_work

A = TagKind.ADDITIONAL


@pytest.fixture
def creator_page(transactional_db):
    writer = make_reader("writer")
    make_work(creator=writer, title="Quiet Harbour", tags=[("Fluff", A)])
    make_work(creator=writer, title="Kotoba", language="ja", tags=[("Fluff", A)])
    make_work(creator=writer, title="Storm Season", language="ja", tags=[("Angst", A)])
    make_work(title="Someone Else's", language="ja", tags=[("Fluff", A)])
    return "/users/writer/"


def test_filtering_a_creators_works_by_language_and_a_suggested_tag(page, creator_page):
    page.goto(creator_page)
    expect(page.locator(".result-count")).to_contain_text("3 works")
    page.get_by_label("Language").select_option(label="Japanese")
    page.get_by_label("Other tags to include").fill("Flufy")
    page.get_by_role("button", name="Sort and filter").click()
    notice = page.locator(".notice")
    expect(notice).to_contain_text("There is no tag called “Flufy”. Did you mean: Fluff?")
    expect(page.locator("article.blurb")).to_have_count(0)

    notice.get_by_role("link", name="Fluff").click()
    expect(page.locator(".result-count")).to_contain_text("1 work")
    expect(page.get_by_role("link", name="Kotoba")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("ja")
    expect(page.locator(".active-filters")).to_contain_text("Including Fluff")
