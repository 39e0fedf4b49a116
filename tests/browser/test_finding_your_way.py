"""Finding your way on a phone and at a desk: the header's menus, the filters at the top of a
listing, pages that fit a phone's width, and a creator's path to a posted work by clicking."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.models import Tag, Work
from archive.vocabulary import TagKind
from tests.factories import PASSWORD, make_reader, make_work

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def archive(transactional_db):
    """A creator with a draft and a series-less posted work, and tagged works to filter."""
    creator = make_reader("inkwell", is_staff=False)
    fandom = ("Harbour Tales", TagKind.FANDOM)
    posted = make_work(creator=creator, title="Quiet Harbour", tags=[fandom])
    for title in ("Harbour Lights", "Storm Season"):
        make_work(title=title, tags=[fandom, ("Found Family", TagKind.ADDITIONAL)])
    draft = make_work(creator=creator, title="Half Written", is_posted=False)
    return {"creator": creator, "posted": posted, "draft": draft}


def on_phone(page):
    page.set_viewport_size(PHONE)
    return page


def menu(page):
    return page.locator(".site-menu")


def open_menu(page):
    menu(page).get_by_text("Menu", exact=True).click()
    expect(menu(page).get_by_role("link", name="Works", exact=True)).to_be_visible()


def log_in_from_the_header(page, reader):
    open_menu(page)
    menu(page).get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(reader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(menu(page).get_by_text("Menu", exact=True)).to_be_visible()


def overflow(page):
    """How far the page reaches past the window's right edge, in CSS pixels."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_phone_menu_is_one_row_and_opens_on_the_readers_links(page, archive):
    on_phone(page)
    page.goto(reverse("archive:work_list"))
    log_in_from_the_header(page, archive["creator"])

    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 60  # one row: the name and "Menu"
    expect(menu(page).get_by_role("link", name="Works", exact=True)).to_be_hidden()
    expect(menu(page).get_by_role("link", name="My works")).to_be_hidden()

    open_menu(page)
    # The Account menu's links are listed with the others: one tap, not two.
    expect(page.get_by_text("Account", exact=True)).to_be_hidden()
    for name in ["Post a work", "My works", "My series", "Import a work", "Bookmarks", "Inbox"]:
        expect(menu(page).get_by_role("link", name=name)).to_be_visible()
    expect(menu(page).get_by_role("button", name=re.compile("Log out"))).to_be_visible()
    expect(menu(page).get_by_role("link", name="Admin")).to_have_count(0)
    assert overflow(page) <= 0

    menu(page).get_by_role("link", name="My works").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My works")
    expect(page.get_by_role("button", name="Post draft Half Written")).to_be_visible()


def test_at_a_desk_the_links_stay_in_the_bar_with_an_account_menu(page, archive):
    staff = make_reader("harbourmaster", is_staff=True)
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    bar = page.locator(".site-menu")
    expect(bar.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(bar.get_by_role("link", name="Post a work")).to_be_visible()
    expect(bar.get_by_role("button", name=re.compile("Log out"))).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 60
    expect(bar.get_by_role("link", name="My works")).to_be_hidden()
    bar.get_by_text("Account", exact=True).click()
    for name in ["My works", "My series", "Import a work", "My account", "Admin"]:
        expect(bar.get_by_role("link", name=name)).to_be_visible()
    bar.get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_the_filters_link_above_the_results_brings_the_filters_first(page, archive):
    on_phone(page)
    page.goto(reverse("archive:work_list") + "?tag=Harbour+Tales")
    first_result = page.locator("article.blurb").first
    filters_heading = page.get_by_role("heading", name="Sort and filter")
    link = page.get_by_role("link", name="Filters", exact=True)

    top = first_result.bounding_box()["y"]
    assert link.bounding_box()["y"] < top
    assert filters_heading.bounding_box()["y"] > top  # after the results until asked for

    link.click()
    expect(filters_heading).to_be_in_viewport()
    assert filters_heading.bounding_box()["y"] < first_result.bounding_box()["y"]
    expect(link).to_be_hidden()
    assert overflow(page) <= 0

    page.get_by_label("Search within results:").fill("lights")
    page.get_by_role("button", name="Sort and filter").click()
    expect(page).to_have_url(re.compile(r"/works/\?.*q=lights"))
    expect(page.locator("article.blurb")).to_have_count(1)
    assert "#filters" not in page.url
    # The new page opens on its results, the filters back below them.
    assert (
        filters_heading.bounding_box()["y"]
        > page.locator("article.blurb").first.bounding_box()["y"]
    )

    page.get_by_role("link", name="Filters", exact=True).click()
    page.get_by_role("link", name="Back to the results").click()
    expect(link).to_be_visible()


def test_at_a_desk_the_filters_stay_in_the_sidebar(page, archive):
    page.goto(reverse("archive:work_list"))
    expect(page.get_by_role("link", name="Filters", exact=True)).to_be_hidden()
    filters = page.get_by_role("complementary", name="Filters").bounding_box()
    results = page.locator("article.blurb").first.bounding_box()
    assert filters["x"] > results["x"] + results["width"] - 1


def test_no_page_reaches_past_a_phones_edge(page, archive):
    on_phone(page)
    page.goto(reverse("archive:work_list"))
    log_in_from_the_header(page, archive["creator"])
    posted, draft = archive["posted"], archive["draft"]
    tag = Tag.objects.get(name="Harbour Tales")
    pages = [
        reverse("archive:work_list"),
        reverse("archive:work_list") + "?tag=Harbour+Tales&more=additional",
        reverse("archive:search") + "?q=harbour",
        tag.get_absolute_url(),
        posted.get_absolute_url(),
        reverse("archive:new_work"),
        reverse("archive:edit_work", args=[draft.pk]),
        reverse("archive:new_chapter", args=[draft.pk]),
        reverse("archive:import_work"),
        reverse("archive:my_works"),
        reverse("archive:my_series"),
        reverse("archive:new_series"),
        reverse("archive:my_bookmarks"),
        reverse("archive:history"),
        reverse("accounts:account"),
        reverse("accounts:preferences"),
        reverse("accounts:display"),
        reverse("accounts:people"),
        reverse("conversation:inbox"),
        reverse("following:subscriptions"),
    ]
    wide = []
    for address in pages:
        page.goto(address)
        if overflow(page) > 0:
            wide.append(f"{address}: {overflow(page)}px")
        open_menu(page)
        if overflow(page) > 0:
            wide.append(f"{address} with the menu open: {overflow(page)}px")
    assert not wide, "Pages wider than a phone:\n" + "\n".join(wide)


def test_a_creator_goes_from_the_home_page_to_a_posted_work_by_clicking(page, archive):
    on_phone(page)
    page.goto("/")
    log_in_from_the_header(page, archive["creator"])

    open_menu(page)
    menu(page).get_by_role("link", name="Post a work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a new work")
    assert overflow(page) <= 0
    page.get_by_label("Title:", exact=True).fill("Tide Tables")
    page.get_by_label("Summary:", exact=True).fill("A keeper counts the tides.")
    page.get_by_label("General Audiences").check()
    page.get_by_label("No Archive Warnings Apply").check()
    page.get_by_label("Fandoms:").fill("Harbour Tales")
    page.get_by_role("button", name="Save draft and add a chapter").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Add Chapter 1 to")
    page.get_by_label("Title:", exact=True).fill("Low Water")
    page.get_by_label("Chapter text:", exact=True).fill("The sea went out and came back.")
    page.get_by_role("button", name="Save chapter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tide Tables")

    # Later, from anywhere: the menu, My works, and the draft's own button.
    page.goto("/")
    open_menu(page)
    menu(page).get_by_role("link", name="My works").click()
    page.get_by_role("button", name="Post draft Tide Tables").click()
    expect(page.locator(".messages")).to_contain_text("is posted")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tide Tables")
    expect(page.get_by_text("The sea went out and came back.")).to_be_visible()
    assert Work.objects.get(title="Tide Tables").is_posted
