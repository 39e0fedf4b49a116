"""Changing a password, and resetting a forgotten one through a link sent by email."""

import re

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from tests.factories import PASSWORD
from tests.test_settings import load_settings, settings_error
from tests.test_site import count_h1

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a brand new passphrase for reading"


def reset_link(message):
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


# Changing the password


def test_guests_are_sent_to_log_in(client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_changing_the_password_keeps_the_reader_logged_in(client_for, reader_ask):
    client = client_for(reader_ask)

    response = client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    assert client.get(reverse("accounts:account")).status_code == 200
    assert authenticate(username="asker", password=NEW_PASSWORD) == reader_ask
    assert authenticate(username="asker", password=PASSWORD) is None


@pytest.mark.parametrize(
    ("old", "new1", "new2", "error"),
    [
        ("wrong", NEW_PASSWORD, NEW_PASSWORD, "Your old password was entered incorrectly."),
        (PASSWORD, NEW_PASSWORD, "something else", "The two password fields didn"),
        (PASSWORD, "short", "short", "This password is too short."),
        (PASSWORD, "", "", "This field is required."),
    ],
)
def test_a_bad_change_is_a_form_error_and_keeps_the_old_password(
    client_for, reader_ask, old, new1, new2, error
):
    response = client_for(reader_ask).post(
        CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'role="alert"' in content
    assert error in content.replace("&#x27;", "'")
    assert authenticate(username="asker", password=PASSWORD) == reader_ask
    assert count_h1(response) == 1
    assert '<label for="id_old_password">' in content


# Resetting a forgotten password


def test_a_reset_link_is_sent_by_email_and_works(client, reader_ask, mailoutbox):
    response = client.post(RESET, {"email": "asker@example.com"})

    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mailoutbox
    assert message.to == ["asker@example.com"]
    assert message.subject == "Reset your password on testserver"
    assert "asker" in message.body

    form_page = client.get(reset_link(message), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert authenticate(username="asker", password=NEW_PASSWORD) == reader_ask
    assert authenticate(username="asker", password=PASSWORD) is None


def test_the_email_address_is_matched_whatever_its_case(client, reader_ask, mailoutbox):
    client.post(RESET, {"email": "ASKER@Example.com"})
    assert len(mailoutbox) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, reader_ask, mailoutbox):
    known = client.post(RESET, {"email": "asker@example.com"}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.com"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert [message.to for message in mailoutbox] == [["asker@example.com"]]


@pytest.mark.parametrize("email", ["", "not an address", "x" * 300 + "@example.com"])
def test_a_malformed_address_is_a_form_error(client, email, mailoutbox):
    response = client.post(RESET, {"email": email})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert count_h1(response) == 1
    assert mailoutbox == []


def test_a_reset_link_works_only_once(client, reader_ask, mailoutbox):
    client.post(RESET, {"email": "asker@example.com"})
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    response = client.get(link, follow=True)

    assert "This link does not work" in response.content.decode()
    assert authenticate(username="asker", password=NEW_PASSWORD) == reader_ask


@pytest.mark.parametrize(
    ("uidb64", "token"), [("bad", "link"), ("MQ", "set-password"), ("zzzzzzzzzzzz", "1-2-3")]
)
def test_a_malformed_reset_link_says_it_does_not_work(client, reader_ask, uidb64, token):
    url = reverse("accounts:password_reset_confirm", args=[uidb64, token])
    response = client.get(url)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    post = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert post.status_code == 200
    assert authenticate(username="asker", password=PASSWORD) == reader_ask


def test_a_mismatched_new_password_is_a_form_error(client, reader_ask, mailoutbox):
    client.post(RESET, {"email": "asker@example.com"})
    form_page = client.get(reset_link(mailoutbox[0]), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": "not the same"},
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert count_h1(response) == 1
    assert authenticate(username="asker", password=PASSWORD) == reader_ask


# Query counts


def test_password_change_pages_query_count(client_for, reader_ask, django_assert_num_queries):
    client = client_for(reader_ask)
    for url in [CHANGE, reverse("accounts:password_change_done")]:
        # session, reader
        with django_assert_num_queries(2):
            assert client.get(url).status_code == 200, url


def test_password_reset_pages_query_count(
    client, reader_ask, mailoutbox, django_assert_num_queries
):
    # A guest with no session yet: nothing to look up
    for url in [RESET, reverse("accounts:password_reset_done")]:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200, url
    # the two rate limits' counts (per email, per client: start each hour's count, purge
    # expired ones), readers with this address
    with django_assert_num_queries(5):
        client.post(RESET, {"email": "asker@example.com"})
    # the reader the link names, then the new session that keeps the token out of the URL:
    # whether its key is taken, savepoint, insert, release
    with django_assert_num_queries(5):
        form_page = client.get(reset_link(mailoutbox[0]))
    # the reader, the session
    with django_assert_num_queries(2):
        assert client.get(form_page["Location"]).status_code == 200
    # the session
    with django_assert_num_queries(1):
        assert client.get(reverse("accounts:password_reset_complete")).status_code == 200


# Mail settings, read by a fresh process


def test_mail_is_printed_to_the_console_by_default():
    values = load_settings("EMAIL_BACKEND", "DEFAULT_FROM_EMAIL", EMAIL_HOST="")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["DEFAULT_FROM_EMAIL"] == "archive@localhost"


def test_an_email_host_switches_to_smtp():
    names = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER"]
    names += ["EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL"]

    values = load_settings(
        *names,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="archive",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="false",
        DEFAULT_FROM_EMAIL="Archive <noreply@example.org>",
    )

    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "archive",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": False,
        "DEFAULT_FROM_EMAIL": "Archive <noreply@example.org>",
    }


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS must be true or false, not 'maybe'."),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number, not 'smtp'."),
        ({"EMAIL_PORT": "0"}, "EMAIL_PORT must be at least 1, not 0."),
    ],
)
def test_bad_mail_settings_stop_the_archive(variables, error):
    assert settings_error(EMAIL_HOST="smtp.example.org", **variables).endswith(error)
