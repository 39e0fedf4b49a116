"""A batch of files in the browser: its page follows the job without a reload."""

from playwright.sync_api import expect

from archive.importing import batches
from archive.models import ImportBatch
from tests.browser.test_accessibility import log_in
from tests.factories import make_reader


def test_the_batch_page_shows_each_result_as_the_job_imports_it(page, transactional_db):
    reader = make_reader("uploader")
    batch = ImportBatch.objects.create(reader=reader, rating="teen", warnings=["no-warnings"])
    for position, (name, content) in enumerate(
        [
            ("shop.txt", b"The Quiet Shop\n\nby cora\n\nChapter 1\n\nThe bell rang."),
            ("bad.txt", b"\xff\xfe not text"),
        ],
        start=1,
    ):
        batch.files.create(position=position, name=name, size=len(content), data=content)
    log_in(page, reader)
    page.goto(batch.get_absolute_url())
    expect(page.locator("progress")).to_have_attribute("value", "0")
    page.evaluate("window.reloaded = false")

    batches.import_waiting_files(batch.pk)

    draft = page.get_by_role("link", name="imported as a draft: “The Quiet Shop”")
    expect(draft).to_be_visible()
    expect(page.locator("#import-file-" + str(batch.files.get(position=2).pk))).to_contain_text(
        "rejected: not UTF-8 text"
    )
    expect(page.locator("progress")).to_have_attribute("value", "2")
    expect(page.get_by_role("status")).to_contain_text("Every file is done.")
    # The page was updated in place, not reloaded.
    assert page.evaluate("window.reloaded") is False
    draft.click()
    expect(page.get_by_role("heading", name="The Quiet Shop").first).to_be_visible()
