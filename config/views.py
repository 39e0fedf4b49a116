"""Views that belong to the running site rather than to the archive's domain."""

import json
import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from redis.exceptions import RedisError

logger = logging.getLogger("archive.requests")

# What "the database or Redis is away" looks like from Django: the archive answers these with
# the 503 page and tries again on the next request. The cache forgives Redis being away
# (config.cache); what is left is what truly needs it, such as ending a session.
UNAVAILABLE = (OperationalError, InterfaceError, RedisError)
TOO_MANY = (
    "You have done that too many times in a short while. Please wait a few minutes and try "
    "again; nothing you sent was saved."
)


@never_cache
def healthz(request):
    """200 while the database answers, 503 otherwise: for load balancers and monitors.

    Redis being away is said in the body, for monitors, but is no reason to take the server
    out of the balancer: pages are served without it (config.cache).
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return _unhealthy("database unavailable\n")
    if settings.REDIS_URL and not cache.is_reachable():
        return HttpResponse("ok\ncache unavailable\n", content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def _unhealthy(text):
    return HttpResponse(text, status=503, content_type="text/plain")


def database_unavailable(exception):
    """The friendly 503 for a request that lost the database or the cache.

    Rendered without the request: its context processors would ask for the reader, and so
    the session, from the very stores that are away.
    """
    event = "cache_unavailable" if isinstance(exception, RedisError) else "database_unavailable"
    logger.warning(json.dumps({"event": event, "error": type(exception).__name__}))
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


def lost_store(error):
    """The lost database or cache behind `error` (itself, or what it was raised while
    handling), or None when it is another kind of error."""
    while error is not None:
        if isinstance(error, UNAVAILABLE):
            return error
        error = error.__cause__ or error.__context__
    return None


def server_error(request):
    """handler500: the 503 when the error was losing the database, wherever it was raised
    (a session saved after the view, an error page asking for the reader); otherwise 500."""
    lost = lost_store(sys.exception())
    if lost is not None:
        return database_unavailable(lost)
    return defaults.server_error(request)


def rate_limited(request, exception):
    """django-ratelimit sends requests over a limit here: a clear 429, nothing saved."""
    return too_many(request, TOO_MANY)


def too_many(request, message):
    """The 429 answer, in JSON for scripts that ask for it (the kudos button)."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse({"message": message}, status=429)
    return render(request, "429.html", {"message": message}, status=429)
