"""A reader posts a work with two chapters (previewing one), a guest reads it and downloads
its EPUB from the work page."""

import re
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.models import Work
from archive.vocabulary import TagKind
from tests.factories import PASSWORD, make_reader, make_work


@pytest.fixture
def poet(transactional_db):
    return make_reader("poet")


def log_in(page, reader):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def write_chapter(page, title, text):
    page.get_by_label("Title:", exact=True).fill(title)
    page.get_by_label("Chapter text:", exact=True).fill(text)


def test_reader_posts_a_work_with_two_chapters_and_a_guest_reads_and_downloads_it(
    page, chromium, live_server, poet, tmp_path
):
    log_in(page, poet)
    page.goto(reverse("archive:new_work"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a new work")
    page.get_by_label("Title:", exact=True).fill("Salt and Lanterns")
    page.get_by_label("Summary:", exact=True).fill("Two keepers, one lighthouse.")
    page.get_by_label("Teen And Up Audiences").check()
    page.get_by_label("No Archive Warnings Apply").check()
    page.get_by_label("Fandoms:").fill("Original Work")
    page.get_by_label("Characters:").fill("Mira, Tobias")
    page.get_by_role("button", name="Save draft and add a chapter").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Add Chapter 1 to")
    write_chapter(page, "Arrival", "The lamp was lit at dusk.\n\nMira climbed the stairs.")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".chapter-preview")
    expect(preview.get_by_role("heading", name="Chapter 1: Arrival")).to_be_visible()
    expect(preview.locator(".userstuff p")).to_have_count(2)
    page.get_by_role("button", name="Save chapter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Salt and Lanterns")
    expect(page.locator(".creator-controls")).to_contain_text("This work is a draft")
    page.get_by_role("link", name="Add a chapter").click()
    write_chapter(page, "Storm", "Tobias kept the log through the storm.")
    page.get_by_role("button", name="Save chapter").click()
    expect(page.get_by_text("Tobias kept the log through the storm.")).to_be_visible()

    page.get_by_role("button", name="Post this work").click()
    expect(page.locator(".messages")).to_contain_text("is posted")
    work = Work.objects.get(title="Salt and Lanterns")
    assert work.is_posted and work.chapter_count == 2

    # A guest finds it, reads both chapters and takes it to their e-reader.
    guest = chromium.new_context(base_url=live_server.url, accept_downloads=True)
    reader = guest.new_page()
    reader.goto(reverse("archive:work_list"))
    reader.get_by_role("link", name="Salt and Lanterns").click()
    expect(reader.get_by_text("The lamp was lit at dusk.")).to_be_visible()
    expect(reader.locator(".creator-controls")).to_have_count(0)
    reader.get_by_role("link", name="Next chapter →").first.click()
    expect(reader).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/$"))
    expect(reader.get_by_text("Tobias kept the log through the storm.")).to_be_visible()

    with reader.expect_download() as download_info:
        reader.get_by_role("link", name="EPUB").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.suffix == ".epub"
    with zipfile.ZipFile(saved) as epub:
        assert epub.read("mimetype") == b"application/epub+zip"
        text = " ".join(
            epub.read(name).decode() for name in epub.namelist() if name.endswith(".xhtml")
        )
    assert "The lamp was lit at dusk." in text
    assert "Tobias kept the log through the storm." in text
    guest.close()


def test_each_tag_box_suggests_only_tags_of_its_kind(page, poet):
    make_work(tags=[("Naruto", TagKind.FANDOM), ("Naruto Uzumaki", TagKind.CHARACTER)])
    log_in(page, poet)
    page.goto(reverse("archive:new_work"))

    page.get_by_label("Fandoms:").press_sequentially("Naru")
    fandoms = page.locator("#fandoms-suggestions option")
    expect(fandoms).to_have_count(1)
    expect(fandoms).to_have_attribute("value", "Naruto")

    page.get_by_label("Characters:").press_sequentially("Mira, naru")
    characters = page.locator("#characters-suggestions option")
    expect(characters).to_have_count(1)
    expect(characters).to_have_attribute("value", "Mira, Naruto Uzumaki")
