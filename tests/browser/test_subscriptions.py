"""A reader subscribes to a work, its creator posts a chapter, the reader finds the notice in
the inbox and its link opens the new chapter behind the consent gate."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_reader, make_work


def log_in(page, reader):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def people(transactional_db):
    author, follower = make_reader("lamplighter"), make_reader("follower")
    work = make_work(creator=author, rating="mature", title="The Long Watch", chapters=1)
    return author, follower, work


def test_a_subscriber_hears_of_a_new_chapter_and_reads_it_after_agreeing(
    page, chromium, live_server, people
):
    author, follower, work = people
    log_in(page, follower)
    page.goto(work.get_absolute_url())
    page.get_by_role("button", name="Show me this work").click()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".messages")).to_contain_text("You are subscribed to “The Long Watch”")
    page.goto(reverse("following:subscriptions"))
    expect(page.get_by_role("link", name="The Long Watch")).to_be_visible()

    creator_context = chromium.new_context(base_url=live_server.url)
    try:
        creator_page = creator_context.new_page()
        log_in(creator_page, author)
        creator_page.goto(reverse("archive:new_chapter", args=[work.pk]))
        creator_page.get_by_label("Title:", exact=True).fill("The Relief Boat")
        creator_page.get_by_label("Chapter text:", exact=True).fill("The boat came at noon.")
        creator_page.get_by_role("button", name="Save chapter").click()
        expect(creator_page.get_by_text("The boat came at noon.")).to_be_visible()
    finally:
        creator_context.close()

    # A new session: the reader's agreement to this work was for the last one.
    page.context.clear_cookies()
    log_in(page, follower)
    expect(page.locator(".inbox-count")).to_have_text("1")
    page.get_by_role("link", name="Inbox").click()
    notice = page.locator(".inbox-item").first
    expect(notice).to_contain_text("The Long Watch")
    notice.get_by_role("link", name="Chapter 2: The Relief Boat").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Before you read")
    expect(page.get_by_text("The boat came at noon.")).to_have_count(0)
    page.get_by_role("button", name="Show me this work").click()
    expect(page.get_by_text("The boat came at noon.")).to_be_visible()
