"""The sign-in backend that sessions made before config.auth.ReaderBackend still name.

A session keeps the path of the backend that signed it in, and Django signs it out when
that path is no longer in AUTHENTICATION_BACKENDS. This one signs nobody in; it only reads
the reader of such a session (without their session facts, which then cost a query each
when a page needs them). Remove it once those sessions have expired (SESSION_COOKIE_AGE).
"""

from django.contrib.auth.backends import BaseBackend

from accounts.models import Reader


class ReaderBackend(BaseBackend):
    def get_user(self, user_id):
        reader = Reader._default_manager.filter(pk=user_id).first()
        return reader if reader is not None and reader.is_active else None
