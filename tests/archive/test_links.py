"""archive.links gives exactly what reverse() gives, for the routes listings link most."""

import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from archive.links import link


@pytest.mark.parametrize("slug", ["angst", "hurt-comfort", "ünïcödé-tag", "a b&c?d#e", "100%"])
def test_a_tag_link_is_what_reverse_gives(slug):
    assert link("archive:tag_detail", slug) == reverse("archive:tag_detail", args=[slug])


def test_a_work_link_is_what_reverse_gives():
    assert link("archive:work_detail", 42) == reverse("archive:work_detail", args=[42])


def test_links_follow_the_script_prefix():
    set_script_prefix("/archive/")
    try:
        assert link("archive:work_detail", 7) == "/archive/works/7/"
    finally:
        set_script_prefix("/")
    assert link("archive:work_detail", 7) == "/works/7/"


@override_settings(ROOT_URLCONF="tests.archive.links_urls")
def test_links_follow_the_url_configuration():
    assert link("archive:work_detail", 7) == "/elsewhere/7/"
