"""Personas shared by the whole suite, and the Hypothesis profiles."""

import os
import time

import hypothesis
import pytest
from django.test import override_settings

from archive.models import Work
from archive.vocabulary import StandingChoice
from tests.factories import make_reader

# Property-based tests try few examples under `make test`, so that the suite stays quick
# enough to run before every commit, and more in CI (HYPOTHESIS_PROFILE=ci, set by .ci/run),
# which prints how to replay a failure it finds. A test that needs more examples than most
# asks for a multiple of the profile's (tests/test_hostile_input.py). Neither profile has a
# deadline: how long an example takes depends on the machine's load, not on the code. Both
# draw new examples on every run (the "ci" profile Hypothesis ships would replay the same
# ones) and keep the failures they find in .hypothesis/, to try those first next time.
hypothesis.settings.register_profile("default", max_examples=25, deadline=None)
hypothesis.settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or hypothesis.settings.get_current_profile_name()
)


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """Serve static files from the source folders, as `make run` does, so tests need no
    collectstatic run. WhiteNoise looks each file up as it is asked for (autorefresh), as
    under `make run`: listing every file up front would be done again for each test client,
    since each builds its own middleware."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        STORAGES=storages,
        STATIC_ROOT=None,
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_where_they_are_enqueued():
    """Jobs run inside the call that enqueues them (in memory, no worker), so a test sees
    their effect at once; tests of the queue itself switch this off."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached downloads and listings live in the cache; each test starts clean (rate-limit
    counts are database rows, gone with the test's transaction)."""
    from django.core.cache import cache

    cache.clear()


class WindowClock:
    """The clock django-ratelimit's windows are read from, standing still until moved."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch):
    """django-ratelimit counts in fixed windows of the clock, each starting at an offset of
    its own: a window that ended while a test made its requests split their count, and the
    limit seemed not to hold (about one run in a hundred for thirty requests). In this
    process the windows' clock stands still, and a test moves it instead of sleeping; the
    servers in subprocesses pick windows that will not end during their test
    (tests/test_limits_served.py)."""
    import django_ratelimit.core

    clock = WindowClock()
    monkeypatch.setattr(django_ratelimit.core, "time", clock)
    return clock


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing is slow on purpose; tests make many readers and do not need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reader_ask(db):
    """A reader who kept the default: ask each time."""
    return make_reader("asker")


@pytest.fixture
def reader_show(db):
    """A reader who chose to see everything without being asked."""
    return make_reader("shower", choice=StandingChoice.SHOW)


@pytest.fixture
def reader_hide(db):
    """A reader who hides every rating and warning that needs consent."""
    return make_reader("hider", choice=StandingChoice.HIDE)


@pytest.fixture
def creator(db):
    return make_reader("creator")


@pytest.fixture
def staff(db):
    return make_reader("staffer", is_staff=True)


@pytest.fixture
def client_for(client):
    """The test client, logged in as a persona (or logged out, for None: a guest)."""

    def login(reader):
        if reader is None:
            client.logout()
        else:
            client.force_login(reader)
        return client

    return login


@pytest.fixture
def seeded(db):
    """The archive as `make run` starts it: the five seed works from the fixture."""
    from django.core.management import call_command

    call_command("load_seed_works", verbosity=0)
    return list(Work.objects.order_by("pk"))
