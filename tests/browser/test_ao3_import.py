"""A creator moves a work from AO3: its HTML download, uploaded in the browser, becomes a
draft with the metadata the file states (tests/archive/test_ao3_import.py has every field)."""

import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_accessibility import log_in
from tests.factories import make_reader

FIXTURE = Path(__file__).parents[1] / "archive" / "fixtures" / "ao3_download.html"


def test_an_ao3_download_imports_with_its_metadata(page, transactional_db):
    creator = make_reader("wren")
    log_in(page, creator)
    page.goto(reverse("archive:import_work"))
    page.get_by_label("File").set_input_files(str(FIXTURE))
    page.get_by_label("General Audiences").check()  # the file's own rating wins
    page.get_by_label("No Archive Warnings Apply").check()
    page.get_by_role("button", name="Import as a draft").click()

    expect(page.get_by_role("heading", name="The Lantern Keeper").first).to_be_visible()
    header = page.locator("main")
    expect(header).to_contain_text("Teen And Up Audiences")
    expect(header).to_contain_text("Graphic Depictions Of Violence")
    expect(header).to_contain_text("Lantern Tales")
    expect(header).to_contain_text("Wren/Sparrow")
    expect(header).to_contain_text(re.compile("Originally posted on the Archive of Our Own"))
    expect(page.get_by_role("button", name="Post this work")).to_be_visible()
