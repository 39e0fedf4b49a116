"""Sign up, log in and log out with Django's auth views."""

import pytest
from django.urls import reverse

from accounts.backends import ReaderBackend
from accounts.models import Reader, SessionFacts
from tests.factories import PASSWORD, make_reader, make_work

pytestmark = pytest.mark.django_db


def test_signing_up_logs_the_reader_in_and_offers_preferences(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newreader",
            "email": "new@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:preferences")
    assert client.get(reverse("accounts:preferences")).status_code == 200
    assert Reader.objects.filter(username="newreader").exists()


def test_signup_errors_are_shown_and_nothing_is_saved(client):
    make_reader("taken")
    response = client.post(
        reverse("accounts:signup"),
        {"username": "taken", "email": "x@example.com", "password1": "a", "password2": "b"},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Reader.objects.count() == 1


def test_login_keeps_consent_given_as_a_guest(client):
    reader = make_reader("returning")
    work = make_work(rating="explicit", warnings=["non-con"])
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    client.post(reverse("accounts:login"), {"username": "returning", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    assert client.session["_auth_user_id"] == str(reader.pk)
    assert "Show me this work" not in client.get(work.get_absolute_url()).content.decode()


def test_logout_forgets_consent(client):
    make_reader("leaving")
    work = make_work(rating="explicit", warnings=["non-con"])
    client.post(reverse("accounts:login"), {"username": "leaving", "password": PASSWORD})
    client.post(reverse("archive:consent", args=[work.pk]), {"items": work.consent_items()})
    client.post(reverse("accounts:logout"))
    assert "Show me this work" in client.get(work.get_absolute_url()).content.decode()


def test_logging_in_reads_the_reader_with_their_session_facts(client, creator):
    make_work(creator=creator, is_posted=False)
    client.post(reverse("accounts:login"), {"username": "creator", "password": PASSWORD})
    assert client.session["_auth_user_backend"] == "config.auth.ReaderBackend"

    reader = client.get(reverse("accounts:account")).wsgi_request.user

    assert reader.session_facts == SessionFacts(
        has_drafts=True,
        inbox_unread_count=0,
        standing_choices={},
        excluded_families=frozenset(),
        muted_ids=frozenset(),
    )


def test_a_session_signed_in_under_the_backends_old_path_stays_signed_in(client, reader_ask):
    client.force_login(reader_ask, backend="accounts.backends.ReaderBackend")

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 200
    assert response.wsgi_request.user == reader_ask
    assert response.wsgi_request.user.session_facts is None


def test_the_old_backend_signs_nobody_in(reader_ask):
    assert ReaderBackend().authenticate(None, username="asker", password=PASSWORD) is None
