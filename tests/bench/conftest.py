import pytest
from django.conf import settings
from django.test import override_settings


@pytest.fixture(autouse=True, scope="package")
def _bench_installed():
    """The bench app is installed in development only (config/settings.py), and the suite runs
    with DEBUG off: its commands are tested as a developer runs them, with the app installed."""
    if "bench" in settings.INSTALLED_APPS:
        yield
        return
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "bench"]):
        yield
