"""Settings for the app servers that tests start as processes of their own: the production
settings, except that static files come from the source folders, so no collectstatic is needed."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
