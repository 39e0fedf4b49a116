"""A reader's own lists in the browser: what their preferences hide is counted and shown on
asking, a deleted work's bookmark stays, one work leaves the history; axe finds nothing
serious on the lists with such entries, in light and dark."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.reading import bookmarks
from archive.reading import history as reading_history
from archive.vocabulary import StandingChoice
from archive.writing import posting
from tests.browser.test_accessibility import (
    axe_script,  # noqa: F401 (a fixture)
    log_in,
    violations_in_themes,
    with_axe,
)
from tests.factories import make_reader, make_work


@pytest.fixture
def lists(transactional_db):
    """A reader hiding what needs consent, with a bookmark, a mark and a reading of each of a
    work they see, one they hide, one hidden by staff; and the bookmark of a deleted work."""
    reader = make_reader("keeper", choice=StandingChoice.HIDE)
    staff = make_reader("warden", is_staff=True)
    works = {
        "seen": make_work(title="Open Water"),
        "hidden": make_work(title="Deep Water", rating="explicit"),
        "taken down": make_work(title="Muddy Water"),
        "deleted": make_work(title="Still Water"),
    }
    for work in works.values():
        bookmarks.save_bookmark(reader=reader, work=work, notes="Mine.", tags=["keep"])
        bookmarks.mark_for_later(reader=reader, work=work)
        reading_history.record_visit(reader=reader, work=work, chapter=work.chapters.first())
    posting.hide_work(work=works["taken down"], by=staff)
    posting.delete_work(work=works["deleted"])
    return reader


PAGES = [
    ("my bookmarks", reverse("archive:my_bookmarks")),
    ("marked for later", reverse("archive:marked_for_later")),
    ("history", reverse("archive:history")),
]


def test_own_lists_with_gone_and_hidden_works_have_no_serious_violations(
    chromium,
    live_server,
    lists,
    axe_script,  # noqa: F811 (the fixture imported above)
):
    context = with_axe(chromium, axe_script, base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, lists)
    found = []
    for name, url in PAGES:
        for shown in (url, url + "?show_hidden=1"):
            page.goto(shown)
            expect(page.locator("article.work-gone").first).to_be_attached()
            found.extend(violations_in_themes(page, name, ["light", "chosen dark"]))
    context.close()
    assert not found, "axe-core:\n" + "\n".join(found)


def test_a_reader_shows_what_they_hide_and_removes_one_work_from_history(page, lists):
    log_in(page, lists)
    page.goto(reverse("archive:my_bookmarks"))
    count = page.get_by_role("status").filter(has_text="hidden by your preferences")
    expect(count).to_contain_text("3 bookmarks · 1 hidden by your preferences.")
    expect(page.get_by_text("This work was deleted")).to_be_visible()
    expect(page.get_by_role("heading", name="Still Water")).to_be_visible()
    page.get_by_role("link", name="Show them").click()
    expect(page.get_by_role("heading", name="Deep Water")).to_be_visible()

    page.goto(reverse("archive:history"))
    expect(page.get_by_role("heading", name="Open Water")).to_be_visible()
    page.get_by_role("button", name="Remove Open Water from history").click()
    expect(page.locator(".messages")).to_contain_text("“Open Water” is removed from your history.")
    expect(page.get_by_role("heading", name="Open Water")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="hidden")).to_contain_text("1 work")
