"""A creator writes a formatted chapter in the editor, loses the connection, comes back and
restores what was autosaved; a paste from a word processor keeps only what the archive keeps.
The browser's clock is Playwright's, moved by the test: nothing waits on the wall clock."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.models import ChapterDraft
from tests.browser.test_posting import log_in
from tests.factories import make_reader, make_work

PASTE = Path(__file__).resolve().parents[1] / "archive" / "paste"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SAVED = re.compile(r"^Saved \d\d:\d\d$")


@pytest.fixture
def poet(transactional_db):
    return make_reader("poet")


@pytest.fixture
def work(poet):
    return make_work(creator=poet, title="Salt and Lanterns", chapters=1)


@pytest.fixture
def csp_errors(page):
    """Whatever the site's Content-Security-Policy refuses on the page (must be nothing)."""
    refused = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    return refused


def editor(page):
    return page.get_by_role("textbox", name="Chapter text:")


def tool(page, name):
    toolbar = page.get_by_role("toolbar", name="Formatting")
    return toolbar.get_by_role("button", name=name, exact=True)


def write_formatted_chapter(page):
    editor(page).click()
    tool(page, "Bold").click()
    page.keyboard.type("Bold words")
    tool(page, "Bold").click()
    page.keyboard.type(" and plain ones.")
    page.keyboard.press("Enter")
    page.keyboard.type("A heading")
    tool(page, "Heading").click()
    page.keyboard.press("Enter")
    tool(page, "Bulleted list").click()
    page.keyboard.type("First")
    page.keyboard.press("Enter")
    page.keyboard.type("Second")


def test_a_creator_restores_a_formatted_chapter_autosaved_before_the_connection_dropped(
    page, live_server, poet, work, csp_errors
):
    page.clock.install()
    log_in(page, poet)
    tab = page.context.new_page()
    tab.goto(reverse("archive:new_chapter", args=[work.pk]))
    expect(tool(tab, "Bold")).to_be_visible()
    expect(tab.locator("#id_body")).to_be_hidden()

    write_formatted_chapter(tab)
    status = tab.get_by_role("status")
    expect(status).to_have_text("")
    tab.clock.run_for(2500)  # typing stopped two seconds ago: it saves
    expect(status).to_have_text(SAVED)
    draft = ChapterDraft.objects.get(work=work, chapter=None)
    assert "<strong>Bold words</strong> and plain ones." in draft.body
    assert "<h3>A heading</h3>" in draft.body
    assert "<ul><li>First</li><li>Second</li></ul>" in draft.body

    page.context.set_offline(True)
    tab.keyboard.type(" and more")
    tab.clock.run_for(2500)
    expect(status).to_contain_text("Not saved: no connection")
    tab.close()  # still offline: what reached the server is what was autosaved before
    page.context.set_offline(False)

    page.goto(reverse("archive:new_chapter", args=[work.pk]))
    offer = page.locator(".autosave-offer")
    expect(offer).to_contain_text("An autosaved version from")
    expect(editor(page)).to_have_text("")
    offer.get_by_role("link", name="Restore").click()
    expect(page.locator(".autosave-offer")).to_contain_text("is back below")
    expect(editor(page).locator("strong")).to_have_text("Bold words")
    expect(editor(page).locator("h3")).to_have_text("A heading")
    expect(editor(page).locator("li")).to_have_text(["First", "Second"])

    page.get_by_label("Title:", exact=True).fill("Found again")
    page.get_by_role("button", name="Save chapter").click()
    expect(page.get_by_role("heading", name="Chapter 2: Found again")).to_be_visible()
    chapter = work.chapters.get(position=2)
    assert chapter.body == (
        "<p><strong>Bold words</strong> and plain ones.</p><h3>A heading</h3>"
        "<ul><li>First</li><li>Second</li></ul>"
    )
    assert not ChapterDraft.objects.exists()
    assert csp_errors == []


def test_the_editor_aligns_rules_and_links_and_a_reader_sees_it(page, poet, work, csp_errors):
    log_in(page, poet)
    page.goto(reverse("archive:edit_chapter", args=[work.pk, 1]))
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("In the middle")
    tool(page, "Centre").click()
    expect(tool(page, "Centre")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    tool(page, "Horizontal rule (scene break)").click()
    page.keyboard.type("After the break")
    tool(page, "Align left").click()
    tool(page, "Quote").click()
    page.get_by_role("button", name="Save changes").click()

    body = work.chapters.get(position=1).body
    assert '<p class="align-center">In the middle</p>' in body
    assert "<hr><blockquote>After the break</blockquote>" in body
    centred = page.locator(".userstuff .align-center")
    expect(centred).to_have_css("text-align", "center")
    assert csp_errors == []


def test_tab_leaves_the_editor_and_the_label_leads_into_it(page, poet, work):
    log_in(page, poet)
    page.goto(reverse("archive:edit_chapter", args=[work.pk, 1]))
    page.get_by_text("Chapter text:", exact=True).click()
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Tab")
    expect(editor(page)).not_to_be_focused()


WORD_LIST = (
    "<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><span style='color:red'>"
    "Kept item</span></p>"
)


@pytest.mark.parametrize("name", ["word.html", "libreoffice.html"])
def test_a_paste_from_a_word_processor_keeps_paragraphs_and_italics_only(page, poet, work, name):
    log_in(page, poet)
    page.goto(reverse("archive:new_chapter", args=[work.pk]))
    editor(page).click()
    # What the word processor puts on the clipboard, pasted as a person's Ctrl+V would.
    editor(page).evaluate(
        """(box, html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", "plain");
            box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                           cancelable: true}));
        }""",
        (PASTE / name).read_text(),
    )
    box = page.locator("#id_body")
    expect(box).not_to_have_value("")
    html = box.input_value()
    assert html.count("<p") >= 2
    assert re.search(r"<em>(softly|Rain)</em>", html)
    for leftover in ("span", "font", "style", 'class="Mso', "color", "mso-", "o:p"):
        assert leftover not in html
    assert "Comic Sans" not in html and "Garamond" not in html


@pytest.mark.parametrize("width", [1280, 390])
def test_the_chapter_form_uses_the_width_it_has(page, poet, work, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, poet)
    page.goto(reverse("archive:edit_chapter", args=[work.pk, 1]))
    text_width = editor(page).bounding_box()["width"]
    main_width = page.locator("main").bounding_box()["width"]
    assert text_width >= main_width - 64  # the editor spans the main column, less its padding
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing spills
    notes = page.get_by_label("Notes:", exact=True)
    assert notes.bounding_box()["height"] < 150  # small until something is written
    notes.fill("A line\n" * 8)
    assert notes.bounding_box()["height"] > 150  # and grows with it
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"chapter-form-{width}.png", full_page=True)
