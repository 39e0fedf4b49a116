"""Reader display settings: saved with the account or in a guest's cookie, applied on <html>."""

import json
import re
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse

from accounts import display
from accounts.models import Reader
from tests.factories import make_work

pytestmark = pytest.mark.django_db

DISPLAY = reverse("accounts:display")
WORKS = reverse("archive:work_list")

CHOSEN = {
    "font_size": "120",
    "font": "readable",
    "line_spacing": "2.00",
    "text_width": "50",
    "theme": "dark",
}


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def signed_cookie(value):
    signer = signing.get_cookie_signer(salt=display.COOKIE + display.COOKIE_SALT)
    return signer.sign(value)


def test_defaults_add_nothing_to_the_page(client):
    response = client.get(WORKS)
    assert html_tag(response) == '<html lang="en">'
    assert '<meta name="color-scheme" content="light dark">' in response.content.decode()


def test_a_reader_saves_settings_on_the_account_and_every_page_applies_them(client_for, reader_ask):
    client = client_for(reader_ask)
    response = client.post(DISPLAY, CHOSEN)
    assert response.status_code == 302
    reader_ask.refresh_from_db()
    assert (reader_ask.font_size, reader_ask.font, reader_ask.text_width) == (120, "readable", 50)
    assert (reader_ask.line_spacing, reader_ask.theme) == (Decimal("2.00"), "dark")

    work = make_work(chapters=2)
    for url in (WORKS, work.get_absolute_url(), DISPLAY):
        tag = html_tag(client.get(url))
        assert 'data-theme="dark"' in tag
        assert (
            'style="--reading-font-size: 1.35rem; --reading-font: var(--font-readable); '
            '--reading-line-height: 2; --reading-width: 50em"'
        ) in tag
    assert '<meta name="color-scheme" content="dark">' in client.get(WORKS).content.decode()
    assert display.COOKIE not in client.cookies


def test_the_form_shows_the_saved_settings(client_for, reader_ask):
    client = client_for(reader_ask)
    client.post(DISPLAY, {**CHOSEN, "line_spacing": "1.40"})
    content = client.get(DISPLAY).content.decode()
    assert '<option value="1.40" selected>' in content
    assert '<option value="120" selected>120%</option>' in content


def test_a_new_reader_sees_the_default_line_spacing_selected(client_for, reader_ask):
    content = client_for(reader_ask).get(DISPLAY).content.decode()
    assert '<option value="1.60" selected>' in content


def test_a_guest_keeps_settings_in_a_signed_cookie(client):
    response = client.post(DISPLAY, {**CHOSEN, "theme": "sepia", "text_width": "120"})
    assert response.status_code == 302
    cookie = response.cookies[display.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    tag = html_tag(client.get(WORKS))
    assert 'data-theme="sepia"' in tag
    assert "--reading-width: 120em" in tag
    assert not Reader.objects.exists()


def test_extreme_choices_fit_the_database_constraints(client_for, reader_ask):
    client = client_for(reader_ask)
    for size, spacing, width in [("80", "1.20", "30"), ("200", "2.40", "120")]:
        data = {**CHOSEN, "font_size": size, "line_spacing": spacing, "text_width": width}
        assert client.post(DISPLAY, data).status_code == 302
    reader_ask.refresh_from_db()
    assert (reader_ask.font_size, reader_ask.line_spacing, reader_ask.text_width) == (
        200,
        Decimal("2.40"),
        120,
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("font_size", "500"),
        ("font_size", "twelve"),
        ("font", "comic-sans"),
        ("line_spacing", "1.6"),  # not one of the offered spellings
        ("line_spacing", "9"),
        ("text_width", "full"),
        ("text_width", "-1"),
        ("theme", "neon"),
        ("theme", ""),
    ],
)
def test_bad_values_are_a_form_error_and_change_nothing(client_for, reader_ask, field, value):
    client = client_for(reader_ask)
    client.post(DISPLAY, CHOSEN)
    response = client.post(DISPLAY, {**CHOSEN, "font_size": "90", field: value})
    assert response.status_code == 200
    assert 'class="form-error"' in response.content.decode()
    reader_ask.refresh_from_db()
    assert reader_ask.font_size == 120
    assert 'data-theme="dark"' in html_tag(response)


def test_a_guests_bad_post_sets_no_cookie(client):
    response = client.post(DISPLAY, {**CHOSEN, "font_size": "1000"})
    assert response.status_code == 200
    assert display.COOKIE not in response.cookies


@pytest.mark.parametrize(
    "cookie",
    [
        "not signed at all",
        json.dumps(CHOSEN),  # right shape, no signature
        signed_cookie("not json"),
        signed_cookie("[1, 2, 3]"),
        signed_cookie(json.dumps({**CHOSEN, "font_size": "9999"})),
        signed_cookie(json.dumps({**CHOSEN, "theme": "<script>"})),
        signed_cookie(json.dumps({"theme": "dark"})),  # missing values
        signed_cookie(json.dumps({**CHOSEN, "extra": "1"})),
        signed_cookie(json.dumps({**CHOSEN, "font_size": ["120"]})),
        signed_cookie("[" * 100_000),
    ],
    # Signed values carry the time they were signed: ids by position keep every test
    # process collecting the same tests.
    ids=lambda cookie: cookie.rsplit(":", 2)[0][:40],
)
def test_a_forged_or_broken_cookie_gives_the_defaults(client, cookie):
    client.cookies[display.COOKIE] = cookie
    response = client.get(WORKS)
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="en">'
    assert client.get(DISPLAY).status_code == 200


def test_a_well_signed_cookie_is_applied(client):
    client.cookies[display.COOKIE] = signed_cookie(json.dumps(CHOSEN))
    assert 'data-theme="dark"' in html_tag(client.get(WORKS))


def test_readers_settings_win_over_a_guest_cookie(client_for, reader_ask):
    client = client_for(reader_ask)
    client.cookies[display.COOKIE] = signed_cookie(json.dumps(CHOSEN))
    assert html_tag(client.get(WORKS)) == '<html lang="en">'


def test_back_to_the_defaults(client_for, reader_ask):
    client = client_for(reader_ask)
    client.post(DISPLAY, CHOSEN)
    client.post(DISPLAY, {"reset": "1"})
    reader_ask.refresh_from_db()
    assert (reader_ask.font_size, reader_ask.theme, reader_ask.font) == (100, "system", "serif")


def test_one_reader_cannot_change_anothers_settings(client_for, reader_ask, reader_show):
    client_for(reader_ask).post(DISPLAY, {**CHOSEN, "reader": reader_show.pk, "id": reader_show.pk})
    reader_show.refresh_from_db()
    assert (reader_show.font_size, reader_show.theme) == (100, "system")


def test_display_page_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    # session, reader: the settings come from the reader row already loaded
    with django_assert_num_queries(2):
        client.get(DISPLAY)
    # a guest's settings come from the cookie
    client_for(None)
    client.cookies[display.COOKIE] = signed_cookie(json.dumps(CHOSEN))
    with django_assert_num_queries(0):
        client.get(DISPLAY)
