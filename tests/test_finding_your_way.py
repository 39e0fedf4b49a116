"""Finding your way: the header takes readers, creators and staff where they go, every
listing has its filters at the top, the admin has one Tags, and the site has an icon."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from archive.models import Work
from tests.factories import make_work

pytestmark = pytest.mark.django_db

WORKS = reverse("archive:work_list")
CREATOR_PAGES = ["new_work", "import_work", "my_works", "my_series", "my_stats"]


def header(response):
    content = response.content.decode()
    return content[content.index("<header") : content.index("</header>")]


def account_menu(html):
    """The hrefs in the header's Account menu (shown flat in the phones' Menu)."""
    start = html.index('<details class="account-menu">')
    return set(re.findall(r'href="([^"]+)"', html[start : html.index("</details>", start)]))


def test_a_signed_in_reader_finds_posting_in_the_bar_and_their_works_in_the_account_menu(
    client_for, creator
):
    html = header(client_for(creator).get(WORKS))
    assert '<li><a href="/works/new/">Post a work</a></li>' in html
    assert reverse("archive:new_work") not in account_menu(html)
    assert account_menu(html) == {
        reverse("archive:my_works"),
        reverse("archive:my_series"),
        reverse("archive:my_stats"),
        reverse("archive:import_work"),
        reverse("accounts:account"),
    }


def test_a_guest_is_offered_signing_in_not_posting(client_for):
    html = header(client_for(None).get(WORKS))
    for name in CREATOR_PAGES:
        assert reverse(f"archive:{name}") not in html
    assert reverse("accounts:login") in html and reverse("accounts:signup") in html
    assert "account-menu" not in html
    assert '<details class="site-menu">' in html  # phones fold even the guest's links


@pytest.mark.parametrize(("persona", "shown"), [("creator", False), ("staff", True)])
def test_only_staff_see_the_admin_link(request, client_for, persona, shown):
    html = header(client_for(request.getfixturevalue(persona)).get(WORKS))
    assert (reverse("admin:index") in account_menu(html)) is shown
    assert html.count(reverse("admin:index")) == int(shown)


def test_each_link_is_in_the_header_once(client_for, staff):
    """One list serves phones and desks alike: nothing is said twice to a screen reader."""
    html = header(client_for(staff).get(WORKS))
    addresses = re.findall(r'href="([^"]+)"', html[html.index('<details class="site-menu">') :])
    assert len(addresses) == len(set(addresses))


def test_the_staff_link_opens_the_admin(client_for, staff):
    staff.is_superuser = True
    staff.save()
    client = client_for(staff)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_lists_the_archives_tags_once(client_for, staff):
    labels = [model._meta.label for model in admin.site._registry]
    assert [label for label in labels if label.endswith(".Tag")] == ["archive.Tag"]
    staff.is_superuser = True
    staff.save()
    page = client_for(staff).get(reverse("admin:index")).content.decode()
    assert page.count(">Tags</a>") == 1
    assert "/admin/taggit/" not in page


# My works: drafts first, each one postable from the list.


def test_each_draft_in_my_works_has_a_post_draft_button(client_for, creator):
    draft = make_work(creator=creator, title="Unfinished", is_posted=False)
    empty = make_work(creator=creator, title="Empty draft", chapters=0, is_posted=False)
    posted = make_work(creator=creator, title="Out there")
    page = client_for(creator).get(reverse("archive:my_works")).content.decode()
    assert page.count(">Post draft<") == 1
    assert reverse("archive:post_work", args=[draft.pk]) in page
    assert reverse("archive:post_work", args=[empty.pk]) not in page
    assert reverse("archive:post_work", args=[posted.pk]) not in page
    assert "Add a chapter to be able to post it." in page


def test_post_draft_from_my_works_posts_it(client_for, creator):
    draft = make_work(creator=creator, title="Unfinished", is_posted=False)
    response = client_for(creator).post(reverse("archive:post_work", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    assert Work.objects.get(pk=draft.pk).is_posted


def test_my_works_and_my_series_lead_to_each_other_and_to_importing(client_for, creator):
    client = client_for(creator)
    works = client.get(reverse("archive:my_works")).content.decode()
    series = client.get(reverse("archive:my_series")).content.decode()
    main = works[works.index("<main") :]
    assert reverse("archive:import_work") in main and reverse("archive:my_series") in main
    assert reverse("archive:my_works") in series[series.index("<main") :]


# Listings: a "Filters" link at the top reaches the filters below on any screen.


@pytest.mark.parametrize(
    "address", [WORKS, reverse("archive:search") + "?q=harbour", "tag:Harbour Tales"]
)
def test_every_listing_has_a_filters_link_before_its_results(client, address):
    work = make_work(title="Harbour", tags=[("Harbour Tales", "fandom")])
    if address.startswith("tag:"):
        address = work.tags.get().get_absolute_url()
    page = client.get(address).content.decode()
    jump = page.index('href="#filters"')
    assert jump < page.index('id="results"') < page.index('id="filters"')
    assert 'href="#results"' in page[page.index('id="filters"') :]


def test_the_filter_form_submits_to_the_page_without_the_fragment(client):
    page = client.get(WORKS).content.decode()
    assert f'<form method="get" action="{WORKS}" class="filter-form"' in page


# The site's icon.


def test_every_page_links_the_icon(client):
    page = client.get(WORKS).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
