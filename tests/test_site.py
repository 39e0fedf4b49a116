"""Site-wide rules: migrations are complete, every page has exactly one <h1>."""

import re
from collections import Counter
from io import StringIO

import html5lib
import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import make_work

pytestmark = pytest.mark.django_db


def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def count_h1(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def pages(work):
    return [
        reverse("archive:work_list"),
        reverse("archive:work_list") + "?tag=Naruto&exclude_rating=teen&sort=kudos",
        reverse("archive:tag_detail", args=["naruto"]),
        reverse("archive:search") + "?q=storytext",
        reverse("archive:search"),
        reverse("accounts:excluded_tags"),
        reverse("accounts:saved_filters"),
        work.get_absolute_url(),
        reverse("archive:chapter_detail", args=[work.pk, 2]),
        reverse("archive:work_entire", args=[work.pk]),
        reverse("archive:bookmark_work", args=[work.pk]),
        reverse("archive:work_bookmarks", args=[work.pk]),
        reverse("archive:my_bookmarks") + "?sort=title",
        reverse("archive:marked_for_later"),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:preferences"),
        reverse("accounts:account"),
        reverse("accounts:account_delete"),
        reverse("accounts:password_change"),
        reverse("accounts:password_change_done"),
        reverse("accounts:password_reset"),
        reverse("accounts:password_reset_done"),
        reverse("accounts:password_reset_confirm", args=["bad", "link"]),
        reverse("accounts:password_reset_complete"),
        reverse("archive:history"),
        reverse("archive:clear_history"),
        reverse("accounts:display"),
        reverse("accounts:feeds"),
        reverse("archive:import_work"),
        reverse("archive:import_many"),
        reverse("archive:new_work"),
        reverse("archive:my_works"),
        reverse("archive:my_stats") + "?period=90&sort=title",
    ]


def assert_valid_html(response, url):
    """Parses as HTML5 with no errors, ids are unique, and every form control has a label."""
    content = response.content.decode()
    assert "{#" not in content and "{%" not in content, f"template syntax leaked on {url}"
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(content)
    ids = Counter(re.findall(r'\sid="([^"]+)"', content))
    assert [i for i, n in ids.items() if n > 1] == [], url
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', content))
    for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", content):
        if 'type="hidden"' in control or 'type="submit"' in control:
            continue
        control_id = re.search(r'\sid="([^"]+)"', control)
        wrapped = re.search(r"<label[^>]*>\s*" + re.escape(control), content)
        named = "aria-label=" in control
        assert named or wrapped or (control_id and control_id.group(1) in labelled), (url, control)


@pytest.mark.parametrize("persona", ["guest", "reader_ask", "staff"])
def test_every_page_is_valid_with_one_h1(request, client_for, persona):
    reader = None if persona == "guest" else request.getfixturevalue(persona)
    from archive.vocabulary import TagKind

    work = make_work(rating="explicit", warnings=["non-con"], tags=[("Naruto", TagKind.FANDOM)])
    client = client_for(reader)
    for url in pages(work):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert count_h1(response) == 1, url
        assert_valid_html(response, url)


def test_seed_pages_are_valid_with_one_h1_after_consent(client, seeded):
    for work in seeded:
        client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
        for url in [work.get_absolute_url(), reverse("archive:work_entire", args=[work.pk])]:
            response = client.get(url)
            assert count_h1(response) == 1, url
            assert_valid_html(response, url)
