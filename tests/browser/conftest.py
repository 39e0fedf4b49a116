"""Playwright driving the system's Chromium (Debian's package; nothing is downloaded)."""

import os
import shutil
import time

import pytest

# Debian's build of Chromium's headless shell (package chromium-headless-shell: the same
# engine without the browser's window and interface, as Playwright itself runs headless tests)
# takes about 40% less processor time than the full browser's headless mode; the full browser
# serves where the shell is not installed.
CHROMIUM = (
    os.environ.get("CHROMIUM_PATH")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the
# tests make to set up data are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium-headless-shell)"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"REQUIRE_BROWSER_TESTS is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a fresh, empty profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    # Asking for transactional_db here tears the page down before the test's data is
    # flushed, so no request from it can reach the live server during the flush.
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    in_flight = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    page = context.new_page()
    yield page
    # Leaving a chapter sends the reader's last place (reading.js); let that request and
    # any other one finish before the data under the live server goes away.
    page.goto("about:blank")
    deadline = time.monotonic() + 5
    page.wait_for_timeout(100)
    while in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    context.close()
