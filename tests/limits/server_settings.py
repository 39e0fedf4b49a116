"""Settings for the app servers the limits tests start: tests.server_settings with fast
password hashing, since a lock-out test logs in a dozen times and the hashes are not under
test (the suite's own settings do the same, in tests/conftest.py)."""

from tests.server_settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
