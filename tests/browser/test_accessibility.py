"""axe-core finds no serious or critical problem on the pages a reader uses, in light and dark
themes; and a gated work can be read from the index to its last chapter by keyboard alone."""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts import relations
from accounts.display import DisplaySettings
from accounts.models import Theme
from archive.models import ImportBatch, Series, Tag
from archive.reading import bookmarks, kudos
from archive.reading import history as reading_history
from archive.vocabulary import TagKind
from archive.writing import drafts
from archive.writing.series import add_work_to_series
from tests.factories import PASSWORD, body_marker, make_reader, make_work

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
# Only colours change between themes, so the other themes run just the rules about colour;
# the light theme runs every rule.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# Each theme as a reader gets it: from the system's colour scheme, or chosen on the display
# settings page (which sets <html data-theme>, overriding the system).
THEMES = {
    "light": {"color_scheme": "light", "chosen": None},
    "system dark": {"color_scheme": "dark", "chosen": None},
    "chosen dark": {"color_scheme": "light", "chosen": "dark"},
    "chosen sepia": {"color_scheme": "dark", "chosen": "sepia"},
}


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        why = "npm is not installed" if shutil.which("npm") is None else "run `make test` once"
        reason = f"axe-core is not in node_modules ({why}; `npm ci` installs it)"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"REQUIRE_BROWSER_TESTS is set but {reason}")
        pytest.skip(reason)
    return AXE


@pytest.fixture
def archive(transactional_db):
    """A reader with one bookmark and one work in their history, and works to filter."""
    fluff = ("Fluff", TagKind.ADDITIONAL)
    fandom = ("Harbour Tales", TagKind.FANDOM)
    quiet = make_work(title="Quiet Harbour", chapters=3, tags=[fandom, fluff])
    gated = make_work(
        title="Storm Season",
        rating="mature",
        warnings=["major-character-death"],
        chapters=3,
        tags=[fandom, ("Angst", TagKind.ADDITIONAL)],
    )
    make_work(title="Harbour Lights", tags=[fandom, fluff, ("Found Family", TagKind.ADDITIONAL)])
    reader = make_reader("lantern")
    bookmarks.save_bookmark(
        reader=reader, work=quiet, notes="Read it on a rainy day.", tags=["comfort"]
    )
    reading_history.record_visit(reader=reader, work=quiet, chapter=quiet.chapters.first())
    giver = make_reader("giver")
    kudos.give_kudos(work=quiet, reader=giver)
    relations.block(blocker=reader, blocked=giver)
    # A creator who blocks the reader, and one the reader mutes, with a series.
    keeper = make_reader("keeper")
    kept = make_work(title="Kept Harbour", creator=keeper, chapters=1)
    relations.block(blocker=keeper, blocked=reader)
    echo = make_reader("echo")
    series = Series.objects.create(creator=echo, title="Echoes")
    add_work_to_series(series=series, work=make_work(title="Echo One", creator=echo))
    relations.mute(reader=reader, muted=echo)
    # The reader's own work, for the writing pages, with autosaved text to offer back.
    own = make_work(title="Own Harbour", creator=reader, chapters=1)
    kudos.give_kudos(work=own, guest_key=kudos.guest_key("192.0.2.1"))  # for its statistics
    drafts.save_draft(creator=reader, work=own, chapter=None, body="<p>Autosaved words.</p>")
    # An import batch part done: a draft made, a file rejected, one waiting.
    batch = ImportBatch.objects.create(reader=reader, rating="teen", warnings=["no-warnings"])
    draft = make_work(title="Imported Harbour", creator=reader, is_posted=False)
    for position, status, message, work in [
        (1, "imported", "“Imported Harbour”, 1 chapters, 5 words", draft),
        (2, "rejected", "not UTF-8 text", None),
        (3, "waiting", "", None),
    ]:
        batch.files.create(
            position=position, name=f"file{position}.txt", size=5, data=b"Words",
            status=status, message=message, work=work,
        )  # fmt: skip
    return {
        "reader": reader,
        "quiet": quiet,
        "gated": gated,
        "kept": kept,
        "batch": batch,
        "own": own,
    }


def reader_pages(archive):
    """(name, url, a selector that must be on the page, so we test the page we meant to)."""
    quiet, gated, own = archive["quiet"], archive["gated"], archive["own"]
    return [
        ("works index", reverse("archive:work_list"), "article.blurb"),
        ("index with filters", reverse("archive:work_list") + "?tag=Fluff", "table.facet-table"),
        ("work", quiet.get_absolute_url(), ".userstuff"),
        ("chapter", reverse("archive:chapter_detail", args=[quiet.pk, 2]), ".userstuff"),
        ("interstitial", gated.get_absolute_url(), "ul.consent-items"),
        ("preferences", reverse("accounts:preferences"), "form"),
        ("display settings", reverse("accounts:display"), ".display-preview"),
        ("bookmarks", reverse("archive:my_bookmarks"), "article.blurb"),
        ("history", reverse("archive:history"), "article.blurb"),
        ("search results", reverse("archive:search") + "?q=harbour", "article.blurb"),
        ("tag page", Tag.objects.get(name="Fluff").get_absolute_url(), "article.blurb"),
        (
            "a person's page, blocked",
            reverse("archive:creator_detail", args=["giver"]),
            ".person-actions",
        ),
        ("people I block and mute", reverse("accounts:people"), ".people-list"),
        ("a work whose creator blocks you", archive["kept"].get_absolute_url(), ".kudos-blocked"),
        (
            "comments where you are blocked",
            reverse("conversation:work_comments", args=[archive["kept"].pk]),
            ".comment-new .notice",
        ),
        (
            "a muted person's page",
            reverse("archive:creator_detail", args=["echo"]),
            "#creator-series",
        ),
        # Writing: the editor's toolbar and its buttons are checked with the page.
        ("post a new work", reverse("archive:new_work"), "form.posting-form"),
        ("edit a work", reverse("archive:edit_work", args=[own.pk]), "form.posting-form"),
        (
            "add a chapter, with autosaved text offered",
            reverse("archive:new_chapter", args=[own.pk]),
            ".autosave-offer ~ form .ql-toolbar",
        ),
        (
            "edit a chapter in the editor",
            reverse("archive:edit_chapter", args=[own.pk, 1]),
            ".ql-toolbar button.ql-bold",
        ),
        ("import several works", reverse("archive:import_many"), "input[type=file][multiple]"),
        ("an import batch", archive["batch"].get_absolute_url(), "progress"),
        ("my statistics", reverse("archive:my_stats"), "svg.chart"),
        (
            "a work's statistics",
            reverse("archive:work_stats", args=[archive["own"].pk]) + "?measure=kudos",
            "svg.chart",
        ),
    ]


def log_in(page, reader):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def choose_theme(page, theme):
    page.goto(reverse("accounts:display"))
    page.get_by_label("Colours").select_option(theme)
    page.get_by_role("button", name="Save display settings").click()
    expect(page.locator("html")).to_have_attribute("data-theme", theme)


def with_axe(chromium, axe_script, **options):
    """A browser context whose every page has axe-core loaded.

    axe comes as a script of the test's own, which the site's Content-Security-Policy
    (scripts from its own files only) rightly refuses; bypass_csp lets it run without
    loosening the policy that readers get. It is added to each page as it loads, which takes
    a quarter less time than adding it after."""
    context = chromium.new_context(bypass_csp=True, **options)
    context.add_init_script(path=str(axe_script))
    return context


def serious_violations(page, *, rules=None):
    """axe's serious and critical findings on the page as it is now (all rules, or `rules`)."""
    options = {"runOnly": {"type": "rule", "values": rules}} if rules else {}
    violations = page.evaluate(
        "async options => (await axe.run(document, options)).violations", options
    )
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(name, violation):
    nodes = "\n".join(
        f"      {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
        for node in violation["nodes"][:5]
    )
    return f"  {name}: {violation['id']} ({violation['impact']}) {violation['help']}\n{nodes}"


def show_theme(page, theme):
    """Switch the loaded page to `theme` as the server renders it for a reader who chose it
    (its <html data-theme> and colour-scheme <meta>), under the system scheme the theme
    names: loading each page once for all four themes takes a third of the time of loading
    it four times. The menus test below chooses a theme on the display page for real."""
    chosen = DisplaySettings(theme=THEMES[theme]["chosen"] or Theme.SYSTEM)
    page.emulate_media(color_scheme=THEMES[theme]["color_scheme"])
    page.evaluate(
        """([theme, scheme]) => {
            const root = document.documentElement;
            if (theme) root.dataset.theme = theme; else delete root.dataset.theme;
            document.querySelector('meta[name="color-scheme"]').content = scheme;
        }""",
        [chosen.data_theme, chosen.color_scheme],
    )


def violations_in_themes(page, name, themes=THEMES):
    """axe's serious findings on the loaded page in each of `themes`, described: every rule
    in the light theme, the rules about colour in the others."""
    found = []
    for theme in themes:
        show_theme(page, theme)
        rules = None if theme == "light" else COLOUR_RULES
        violations = serious_violations(page, rules=rules)
        found.extend(describe(f"{name} ({theme})", v) for v in violations)
    return found


def test_reader_pages_have_no_serious_accessibility_violations(
    chromium, live_server, archive, axe_script
):
    context = with_axe(
        chromium,
        axe_script,
        base_url=live_server.url,
        # Colours are measured at rest, not halfway through a hover or theme transition.
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, archive["reader"])

    found = []
    for name, url, landmark in reader_pages(archive):
        page.goto(url)
        expect(page.locator(landmark).first).to_be_attached()
        found.extend(violations_in_themes(page, name))
    # Each theme is in force when it is checked: dark, sepia and light text differ.
    text_colours = {}
    for theme in THEMES:
        show_theme(page, theme)
        text_colours[theme] = page.evaluate("() => getComputedStyle(document.body).color")
    context.close()
    assert len(set(text_colours.values())) == 3, text_colours
    assert not found, "axe-core:\n" + "\n".join(found)


MENU_THEMES = ["light", "system dark", "chosen dark"]


def test_the_header_menus_and_the_phones_filters_have_no_serious_violations(
    chromium, live_server, archive, axe_script
):
    """The states a click opens: the phone's Menu, the filters brought above the results,
    and the Account menu at a desk."""
    context = with_axe(chromium, axe_script, base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, archive["reader"])
    # A theme chosen on the display page is rendered as show_theme() applies it.
    choose_theme(page, "dark")
    dark = DisplaySettings(theme=Theme.DARK)
    expect(page.locator("html")).to_have_attribute("data-theme", dark.data_theme)
    expect(page.locator('meta[name="color-scheme"]')).to_have_attribute(
        "content", dark.color_scheme
    )

    found = []
    page.goto(reverse("archive:work_list"))
    page.locator(".account-menu").get_by_text("Account", exact=True).click()
    expect(page.get_by_role("link", name="My works")).to_be_visible()
    found.extend(violations_in_themes(page, "account menu", MENU_THEMES))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("archive:work_list") + "?tag=Fluff")
    page.locator(".site-menu").get_by_text("Menu", exact=True).click()
    expect(page.get_by_role("link", name="My works")).to_be_visible()
    found.extend(violations_in_themes(page, "phone menu", MENU_THEMES))
    page.locator(".site-menu").get_by_text("Menu", exact=True).click()  # closes it
    page.get_by_role("link", name="Filters", exact=True).click()
    expect(page.get_by_role("heading", name="Sort and filter")).to_be_in_viewport()
    found.extend(violations_in_themes(page, "phone filters", MENU_THEMES))
    context.close()
    assert not found, "axe-core:\n" + "\n".join(found)


def test_guest_pages_have_no_serious_accessibility_violations(
    chromium, live_server, archive, axe_script
):
    context = with_axe(chromium, axe_script, base_url=live_server.url)
    page = context.new_page()
    found = []
    for name, url in [
        ("interstitial for a guest", archive["gated"].get_absolute_url()),
        ("log in", reverse("accounts:login")),
        ("sign up", reverse("accounts:signup")),
    ]:
        page.goto(url)
        found.extend(describe(name, v) for v in serious_violations(page))
    context.close()
    assert not found, "axe-core:\n" + "\n".join(found)


def test_the_check_fails_on_a_page_with_a_serious_violation(chromium, axe_script):
    """Guards against a silent pass: axe must load and report what it finds."""
    context = with_axe(chromium, axe_script)
    page = context.new_page()
    page.goto(
        "data:text/html,"
        + quote(
            '<html lang="en"><title>t</title><main><h1>t</h1><input type="text">'
            '<p style="color:#777;background:#888">faint</p></main></html>'
        )
    )
    found = {v["id"] for v in serious_violations(page)}
    assert {"label", "color-contrast"} <= found
    colour_only = {v["id"] for v in serious_violations(page, rules=COLOUR_RULES)}
    assert colour_only == {"color-contrast"}
    context.close()


def tab_to(page, name, *, limit=80):
    """Press Tab until the focused link or button is the one called `name` (never clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.innerText || e.value || '').trim() : ''; }"
        )
        if focused == name:
            # The keyboard user must see where they are.
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name!r} has focus but no visible focus ring"
            return
    raise AssertionError(f"{limit} presses of Tab never reached {name!r}")


def test_a_gated_work_is_read_from_the_index_to_its_last_chapter_by_keyboard(page, archive):
    gated = archive["gated"]
    page.goto(reverse("archive:work_list"))

    tab_to(page, gated.title)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Before you read")

    tab_to(page, "Show me this work")
    page.keyboard.press("Enter")
    expect(page.get_by_text(body_marker(gated.pk, 1))).to_be_visible()

    for position in range(2, gated.chapter_count + 1):
        tab_to(page, "Next chapter →")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/works/{gated.pk}/chapters/{position}/$"))
        expect(page.get_by_text(body_marker(gated.pk, position))).to_be_visible()
    expect(page.get_by_role("link", name="Next chapter →")).to_have_count(0)
