"""The self-hosting system checks."""

from django.core import checks
from django.test import override_settings

from archive.checks import secret_key_is_set


@override_settings(
    DEBUG=False, SECRET_KEY="django-insecure-development-only-key-do-not-use-in-production"
)
def test_serving_without_a_secret_key_is_an_error():
    assert [error.id for error in secret_key_is_set(None)] == ["archive.E001"]


@override_settings(
    DEBUG=False, SECRET_KEY="REPLACE-ME-with-your-own-random-key-see-the-comment-above-0123456789"
)
def test_the_example_files_placeholder_is_an_error():
    assert [error.id for error in secret_key_is_set(None)] == ["archive.E002"]


@override_settings(DEBUG=False, SECRET_KEY="a-real-secret-from-the-environment-0123456789")
def test_a_real_secret_key_passes():
    assert secret_key_is_set(None) == []


@override_settings(
    DEBUG=True, SECRET_KEY="django-insecure-development-only-key-do-not-use-in-production"
)
def test_development_may_use_the_development_key():
    assert secret_key_is_set(None) == []


def test_the_admin_takes_the_archives_session_middleware_for_djangos():
    """config.middleware.SessionMiddleware is a subclass, which admin.E410 accepts."""
    assert "admin.E410" not in [message.id for message in checks.run_checks()]
