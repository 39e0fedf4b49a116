"""Addresses a form may send a reader back to are this site's paths, read as browsers read them."""

import pytest
from django.urls import reverse

from archive.vocabulary import ConsentItem, UngatedItem
from config.paths import same_site_path


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example",
        " //evil.example/",
        "\x00//evil.example/",
        "javascript:alert(1)",
        "works/",
        "",
        None,
    ],
)
def test_other_sites_and_non_paths_are_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/works/?tag=A", "/works/?tag=A"),
        ("/works/\\1/", "/works//1/"),
        (" /works/\t?q=a ", "/works/?q=a"),
    ],
)
def test_same_site_paths_come_back_as_a_browser_reads_them(target, path):
    assert same_site_path(target) == path


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\t/evil.example/"])
def test_a_next_address_never_leads_off_the_site(client_for, reader_ask, target):
    choices = dict.fromkeys(ConsentItem.values, "ask") | dict.fromkeys(UngatedItem.values, "show")
    response = client_for(reader_ask).post(
        reverse("accounts:preferences"), {**choices, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:preferences")
