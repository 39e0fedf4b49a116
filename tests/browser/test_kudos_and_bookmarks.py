"""A guest and a reader leave kudos (with and without JavaScript), and a reader bookmarks a
work with notes and tags and finds it on their bookmarks page."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_reader, make_work


@pytest.fixture
def work(transactional_db):
    return make_work(title="Lanterns Over the Harbour", chapters=2)


def test_guest_leaves_kudos_and_the_count_updates_without_a_reload(page, work):
    page.goto(work.get_absolute_url())
    count = page.locator(".work-header [data-kudos-count]")
    expect(count).to_have_text("0")
    # Set on this very document: a reload or navigation would lose it.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Leave kudos").click()

    expect(page.get_by_role("status").filter(has_text="Thank you")).to_be_visible()
    expect(count).to_have_text("1")
    expect(page.locator(".kudos-givers")).to_have_text("1 guest left kudos on this work.")
    expect(page.get_by_role("button", name="Leave kudos")).to_be_hidden()
    assert page.evaluate("window.stillTheSamePage") is True


def test_kudos_work_without_javascript(chromium, live_server, work):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(work.get_absolute_url() + "chapters/2/")
    page.get_by_role("button", name="Leave kudos").click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/$"))
    expect(page.locator(".messages")).to_contain_text("Thank you for leaving kudos!")
    expect(page.locator(".work-header [data-kudos-count]")).to_have_text("1")

    page.get_by_role("button", name="Leave kudos").click()
    expect(page.locator(".messages")).to_contain_text("You have already left kudos on this work.")
    expect(page.locator(".work-header [data-kudos-count]")).to_have_text("1")
    context.close()


def test_reader_leaves_kudos_bookmarks_with_notes_and_tags_and_finds_it(page, work):
    reader = make_reader("harbourfan")
    page.goto(work.get_absolute_url())
    page.get_by_role("link", name="Log in to bookmark").click()
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(work.title)

    page.get_by_role("button", name="Leave kudos").click()
    expect(page.locator(".kudos-givers")).to_have_text("harbourfan left kudos on this work.")

    page.get_by_role("link", name="Bookmark", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bookmark")
    page.get_by_label("Notes").fill("Read this on the train.\nCried twice.")
    page.get_by_label("Your tags").fill("comfort read, boats")
    page.get_by_label("Recommend this work").check()
    page.get_by_role("button", name="Save bookmark").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My bookmarks")
    expect(page.locator(".messages")).to_contain_text("is saved")
    bookmark = page.locator(".bookmark-list > li")
    expect(bookmark).to_have_count(1)
    expect(bookmark).to_contain_text(work.title)
    expect(bookmark.locator(".bookmark-notes")).to_contain_text("Read this on the train.")
    expect(bookmark.locator(".bookmark-notes br")).to_have_count(1)
    expect(bookmark).to_contain_text("Recommended")

    bookmark.get_by_role("link", name="boats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookmarks tagged boats")
    expect(page.locator(".bookmark-list > li")).to_have_count(1)

    page.goto(work.get_absolute_url())
    expect(page.get_by_role("link", name="Edit your bookmark")).to_be_visible()
    expect(page.locator(".work-header [data-kudos-count]")).to_have_text("1")
    expect(page.get_by_text("You left kudos on this work.")).to_be_visible()
