"""A creator finds a kudos notice in the inbox, sets their reading and email choices, and
deletes all their subscriptions after confirming; axe finds nothing serious on those pages in
light and dark."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.reading import kudos
from following.models import Subscription
from following.subscriptions import subscribe
from tests.browser.test_accessibility import (
    axe_script,  # noqa: F401 (a fixture)
    log_in,
    violations_in_themes,
    with_axe,
)
from tests.factories import make_reader, make_work


@pytest.fixture
def creator_with_kudos(transactional_db):
    author = make_reader("lamplighter")
    work = make_work(creator=author, title="The Long Watch", chapters=2)
    for name in ("alice", "bob"):
        kudos.give_kudos(work=work, reader=make_reader(name))
    kudos.give_kudos(work=work, guest_key=kudos.guest_key("203.0.113.9"))
    other = make_work(creator=make_reader("keeper"), title="Harbour Lights")
    subscribe(reader=author, target=other)
    subscribe(reader=author, target=other.creator)
    return author


def test_the_creator_reads_the_notice_and_deletes_all_subscriptions(page, creator_with_kudos):
    log_in(page, creator_with_kudos)
    page.goto(reverse("conversation:inbox"))
    expect(page.locator(".inbox-item")).to_contain_text(
        "alice, bob and 1 guest left kudos on your work The Long Watch (3 kudos on"
    )

    page.goto(reverse("accounts:preferences"))
    page.get_by_label("Open works as the entire work").check()
    page.get_by_label("Email me about kudos on my works").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator(".messages")).to_contain_text("Your choices are saved.")
    creator_with_kudos.refresh_from_db()
    assert creator_with_kudos.open_entire_work and creator_with_kudos.email_on_kudos

    page.goto(reverse("following:subscriptions"))
    page.get_by_role("link", name="Delete all subscriptions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete all subscriptions?")
    assert Subscription.objects.count() == 2
    page.get_by_role("button", name="Delete all 2 subscriptions").click()
    expect(page.locator(".messages")).to_contain_text("2 subscriptions deleted")
    assert not Subscription.objects.exists()


def test_the_pages_have_no_serious_accessibility_violations(
    chromium,
    live_server,
    axe_script,  # noqa: F811 (the fixture imported above)
    creator_with_kudos,
):
    context = with_axe(chromium, axe_script, base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, creator_with_kudos)
    pages = [
        ("inbox", reverse("conversation:inbox"), ".inbox-item"),
        ("preferences", reverse("accounts:preferences"), "#id_email_on_kudos"),
        ("subscriptions", reverse("following:subscriptions"), ".subscription-list"),
        ("delete all", reverse("following:delete_all_subscriptions"), ".confirm-form"),
    ]
    found = []
    for name, url, landmark in pages:
        page.goto(url)
        expect(page.locator(landmark).first).to_be_attached()
        found.extend(violations_in_themes(page, name, ["light", "system dark"]))
    context.close()
    assert not found, "axe-core:\n" + "\n".join(found)
