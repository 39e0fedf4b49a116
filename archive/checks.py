"""System checks for self-hosters: configuration mistakes are caught before serving."""

from django.conf import settings
from django.core.checks import Error, register

# .env.production.example's placeholder starts so; it passes Django's own length check.
PLACEHOLDER_KEY_START = "REPLACE-ME"


@register()
def secret_key_is_set(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    if settings.SECRET_KEY.startswith(PLACEHOLDER_KEY_START):
        return [
            Error(
                "SECRET_KEY is still the placeholder from .env.production.example.",
                hint="Replace it with a long random value, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="archive.E002",
            )
        ]
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is not set, and DEBUG is off.",
                hint="Set the SECRET_KEY environment variable to a long random value, e.g. "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="archive.E001",
            )
        ]
    return []
