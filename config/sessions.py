"""Sessions in the database with a copy in the cache (Redis), as Django's cached_db keeps
them, that stay true while Redis is away.

Reading a session whose copy cannot be read reads the database (config.cache makes that a
miss). But a copy left behind by a change Redis did not hear of would come back with Redis:
a signed-out session signed in again, for whoever holds its cookie. So an existing session
is changed or ended only once its copy is gone; while Redis is away that is refused (the
503 with Retry-After), and nothing is changed. A new session has no copy to outlive it.
"""

from django.contrib.sessions.backends import cached_db


class SessionStore(cached_db.SessionStore):
    def save(self, must_create=False):
        if self.session_key is not None and not must_create:
            self._cache.forget(self.cache_key)
        super().save(must_create)

    def delete(self, session_key=None):
        key = session_key or self.session_key
        if key is not None:
            self._cache.forget(self.cache_key_prefix + key)
        super().delete(session_key)
