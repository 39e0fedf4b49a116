"""System checks for self-hosters: configuration mistakes are caught before serving."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def secret_key_is_set(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is not set, and DEBUG is off.",
                hint="Set the SECRET_KEY environment variable to a long random value, e.g. "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="archive.E001",
            )
        ]
    return []
