"""A reader stops halfway through a chapter and comes back to that paragraph; a guest
changes the theme and text size and sees them from the very first paint."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.models import Chapter
from tests.factories import PASSWORD, make_reader, make_work

SENTENCE = "The lanterns swayed over the harbour while the boats came in one by one. "


@pytest.fixture
def long_work(transactional_db):
    work = make_work(title="The Long Harbour", chapters=3)
    for chapter in Chapter.objects.filter(work=work):
        paragraphs = [
            f"<p>Chapter {chapter.position}, paragraph {n}. {SENTENCE * (1 + n % 4)}</p>"
            for n in range(1, 61)
        ]
        chapter.body = "\n".join(paragraphs)
        chapter.save(update_fields=["body"])
    return work


def log_in(page, reader):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def test_reader_continues_reading_at_the_paragraph_where_they_stopped(page, long_work):
    work = long_work
    log_in(page, make_reader("harbour"))
    page.goto(work.get_absolute_url())
    page.get_by_role("link", name="Next chapter →").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/$"))

    # Read down to paragraph 37 of chapter 2; the script reports it once scrolling stops.
    place = reverse("archive:record_place", args=[work.pk])
    with page.expect_response(lambda response: response.url.endswith(place)) as answer:
        page.mouse.wheel(0, 600)
        page.locator("#c2-p37").evaluate("p => p.scrollIntoView({block: 'start'})")
    assert answer.value.status == 200

    page.goto(reverse("archive:work_list"))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    expect(page.locator(".reading-status")).to_contain_text("Chapter 2, paragraph 37")

    page.get_by_role("link", name=re.compile("Continue reading")).click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/#c2-p37$"))
    paragraph = page.locator("#c2-p37")
    expect(paragraph).to_contain_text("Chapter 2, paragraph 37.")
    expect(paragraph).to_be_in_viewport()
    top = paragraph.evaluate("p => p.getBoundingClientRect().top")
    assert 0 <= top < 50  # at the top of the window, where the reader left it

    # The work's own page offers the way back too.
    page.goto(work.get_absolute_url())
    page.get_by_role("link", name="Continue reading: Chapter 2, paragraph 37").click()
    expect(page.locator("#c2-p37")).to_be_in_viewport()


def test_scrolling_the_work_page_to_its_kudos_keeps_the_place_in_chapter_3(page, long_work):
    work = long_work
    reader = make_reader("returning")
    log_in(page, reader)
    place = reverse("archive:record_place", args=[work.pk])

    def reported_place():
        return page.expect_response(lambda response: response.url.endswith(place))

    # Genuine reading: paragraph 20 of chapter 3 is recorded.
    page.goto(reverse("archive:chapter_detail", args=[work.pk, 3]))
    with reported_place() as answer:
        page.mouse.wheel(0, 600)
        page.locator("#c3-p20").evaluate("p => p.scrollIntoView({block: 'start'})")
    assert answer.value.json() == {"recorded": True}

    # Back on the work page (chapter 1), the reader scrolls down to leave kudos: the
    # script reports chapter 1, and the server keeps the place further on.
    page.goto(work.get_absolute_url())
    with reported_place() as answer:
        page.mouse.wheel(0, 600)
        page.get_by_role("button", name="Leave kudos").scroll_into_view_if_needed()
    assert answer.value.json() == {"recorded": False}
    reading = reader.readings.select_related("chapter").get(work=work)
    assert (reading.chapter.position, reading.paragraph) == (3, 20)

    page.goto(reverse("archive:history"))
    expect(page.locator(".reading-status")).to_contain_text("Chapter 3, paragraph 20")


def test_guest_changes_theme_and_text_size_and_they_apply_on_first_paint(page, long_work):
    chapter_page = reverse("archive:chapter_detail", args=[long_work.pk, 2])
    page.goto(chapter_page)
    normal_size = page.locator(".userstuff").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )

    page.get_by_role("link", name="Display").click()
    page.get_by_label("Colours").select_option("dark")
    page.get_by_label("Text size").select_option("150")
    page.get_by_role("button", name="Save display settings").click()
    expect(page.get_by_text("Your display settings are saved.")).to_be_visible()

    page.goto(chapter_page)
    page.reload()
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "dark")
    background = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(20, 20, 20)"
    size = page.locator(".userstuff").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size == pytest.approx(1.5 * normal_size)

    # The server sends them in the page itself, so nothing waits for a script.
    served = page.request.get(chapter_page).text()
    assert re.search(r'<html lang="en" data-theme="dark" style="[^"]*--reading-font-size', served)


# Characters on each full line of the chapter's paragraphs (the last line of each is short).
CHARACTERS_PER_LINE = """() => {
  const counts = [];
  for (const p of document.querySelectorAll(".userstuff p")) {
    const text = p.firstChild, range = document.createRange(), lines = new Map();
    for (let i = 0; i < text.length; i++) {
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      lines.set(top, (lines.get(top) || 0) + 1);
    }
    counts.push(...[...lines.values()].slice(0, -1));
  }
  return counts.reduce((sum, n) => sum + n, 0) / counts.length;
}"""


def test_the_line_length_a_reader_chooses_is_about_what_its_label_says(page, long_work):
    chapter_page = reverse("archive:chapter_detail", args=[long_work.pk, 2])
    page.goto(chapter_page)
    assert page.evaluate(CHARACTERS_PER_LINE) == pytest.approx(75, rel=0.2)  # the default

    page.goto(reverse("accounts:display"))
    page.get_by_label("Line length").select_option(label="About 60 characters")
    page.get_by_role("button", name="Save display settings").click()
    expect(page.get_by_text("Your display settings are saved.")).to_be_visible()

    page.goto(chapter_page)
    assert page.evaluate(CHARACTERS_PER_LINE) == pytest.approx(60, rel=0.2)
