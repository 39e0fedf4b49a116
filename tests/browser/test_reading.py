"""A reader finds a gated work, agrees to its warnings, and reads on."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from archive.models import Work
from tests.factories import body_marker, make_work


@pytest.fixture
def archive(transactional_db):
    call_command("load_seed_works", verbosity=0)


def test_guest_meets_the_interstitial_consents_and_reads_a_seed_work(page, archive):
    work = Work.objects.get(title="Stuck in the Darkness")
    page.goto("/works/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Works")
    expect(page.locator("article.blurb")).to_have_count(5)

    page.get_by_role("link", name="Stuck in the Darkness").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Before you read")
    consent_list = page.locator("ul.consent-items")
    expect(consent_list).to_contain_text("Explicit rating")
    expect(consent_list).to_contain_text("Graphic Depictions Of Violence")
    expect(consent_list).to_contain_text("Rape/Non-Con")
    expect(page.locator(".userstuff")).to_have_count(0)

    page.get_by_role("button", name="Show me this work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(work.title)
    expect(page.locator(".userstuff p").first).to_be_visible()
    expect(page.get_by_role("heading", name="Chapter 1")).to_be_visible()


def test_reader_opens_a_gated_work_from_the_index_consents_and_reads_on_and_back(
    page, transactional_db
):
    work = make_work(
        title="The Long Watch", rating="mature", warnings=["major-character-death"], chapters=3
    )
    page.goto("/works/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Works")

    page.get_by_role("link", name="The Long Watch").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Before you read")
    expect(page.locator("ul.consent-items")).to_contain_text("Mature rating")
    expect(page.locator("ul.consent-items")).to_contain_text("Major Character Death")
    expect(page.get_by_text(body_marker(work.pk, 1))).to_have_count(0)

    page.get_by_role("button", name="Show me this work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Long Watch")
    expect(page.get_by_role("heading", name="Chapter 1: Part 1")).to_be_visible()
    expect(page.get_by_text(body_marker(work.pk, 1))).to_be_visible()

    page.get_by_role("link", name="Next chapter →").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/$"))
    expect(page.get_by_text(body_marker(work.pk, 2))).to_be_visible()
    expect(page.get_by_text(body_marker(work.pk, 1))).to_have_count(0)

    page.get_by_role("link", name="← Previous chapter").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/1/$"))
    expect(page.get_by_text(body_marker(work.pk, 1))).to_be_visible()
    expect(page.get_by_role("button", name="Show me this work")).to_have_count(0)


def test_reader_consents_by_keyboard_and_moves_through_chapters(page, transactional_db):
    work = make_work(rating="mature", warnings=["major-character-death"], chapters=3)
    page.goto(work.get_absolute_url())
    expect(page.locator("ul.consent-items")).to_contain_text("Major Character Death")

    page.get_by_role("button", name="Show me this work").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(body_marker(work.pk, 1))).to_be_visible()

    page.get_by_role("link", name="Next chapter →").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.pk}/chapters/2/$"))
    expect(page.get_by_text(body_marker(work.pk, 2))).to_be_visible()

    page.locator("details.chapter-index").first.locator("summary").click()
    page.locator("details.chapter-index").first.get_by_role("link", name="Chapter 3").click()
    expect(page.get_by_text(body_marker(work.pk, 3))).to_be_visible()
    expect(page.get_by_role("link", name="Next chapter →")).to_have_count(0)

    page.get_by_role("link", name="← Previous chapter").first.click()
    expect(page.get_by_text(body_marker(work.pk, 2))).to_be_visible()


def test_going_back_from_the_interstitial_shows_nothing(page, transactional_db):
    work = make_work(rating="explicit", warnings=["non-con"])
    page.goto(work.get_absolute_url())
    page.get_by_role("link", name="No, take me back").click()
    expect(page).to_have_url(re.compile(r"/works/$"))
    page.goto(work.get_absolute_url())
    expect(page.get_by_role("button", name="Show me this work")).to_be_visible()
    expect(page.get_by_text(body_marker(work.pk, 1))).to_have_count(0)
