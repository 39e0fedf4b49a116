"""A creator schedules a chapter of a posted work; a guest does not see it until its time has
come and the job worker's task has posted it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from archive.tasks import post_scheduled_chapters
from tests.browser.test_posting import log_in, write_chapter
from tests.factories import make_reader, make_work


@pytest.fixture
def poet(transactional_db):
    return make_reader("poet")


def test_a_scheduled_chapter_appears_for_readers_once_the_worker_posts_it(
    page, chromium, live_server, poet, monkeypatch
):
    work = make_work(creator=poet, chapters=1, title="Tide Tables")
    post_at = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    log_in(page, poet)
    page.goto(reverse("archive:new_chapter", args=[work.pk]))
    write_chapter(page, "High Water", "The sea came in at the appointed hour.")
    page.get_by_label("Post it at the date and time below").check()
    page.get_by_label("Post at (UTC):").fill(post_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save chapter").click()
    expect(page.locator(".messages")).to_contain_text("to be posted on")
    expect(page.locator(".creator-controls")).to_contain_text("Chapter 2: High Water is a draft")

    guest = chromium.new_context(base_url=live_server.url).new_page()
    guest.goto(work.get_absolute_url())
    expect(guest.get_by_role("heading", level=1)).to_have_text("Tide Tables")
    expect(guest.get_by_text("The sea came in")).to_have_count(0)
    expect(guest.get_by_role("link", name="Chapter 2: High Water")).to_have_count(0)

    # The clock moves past the chapter's time, and the worker's minute job runs.
    later = post_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    post_scheduled_chapters.call_local()

    guest.goto(reverse("archive:chapter_detail", args=[work.pk, 2]))
    expect(guest.get_by_text("The sea came in at the appointed hour.")).to_be_visible()
    guest.goto(reverse("archive:work_list"))
    expect(guest.get_by_role("link", name="Latest chapter, 2")).to_be_visible()
    guest.context.close()
