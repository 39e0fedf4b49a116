"""Site-wide middleware: a structured request log, and a clean 503 when the database is away."""

import json
import logging
import time

from django.contrib.sessions import middleware as sessions
from django.contrib.sessions.exceptions import SessionInterrupted
from django.http import HttpResponse
from django.template.loader import render_to_string

from config import views

logger = logging.getLogger("archive.requests")


class RequestLogMiddleware:
    """One JSON line per request: the route pattern, never the path itself, so usernames,
    search words and other personal data in URLs stay out of the log; no address, no user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        logger.info(
            json.dumps(
                {
                    "method": request.method,
                    "route": "/" + match.route if match else None,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )
        return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database (or Redis) answers 503 with a friendly page, and
    the next request simply tries again: Django reconnects once the database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, views.UNAVAILABLE):
            return views.database_unavailable(exception)
        return None


class SessionMiddleware(sessions.SessionMiddleware):
    """Django's, except that losing the database (or Redis) while the session is saved after
    the view answers with the same 503 as losing it in the view."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except views.UNAVAILABLE as error:
            return views.database_unavailable(error)
        except SessionInterrupted as error:
            # The database session store turns every database error while updating a
            # session into "session interrupted" (a 400, meant for a concurrent log out);
            # when the database itself went away, it is the outage's 503.
            lost = views.lost_store(error)
            if lost is None:
                raise
            return views.database_unavailable(lost)


class RejectNulMiddleware:
    """A NUL character in the path, the query, a form field or a cookie is a 400.

    No honest client sends one, and PostgreSQL refuses it in any text value, so a view that
    looked anything up with it would fail with a 500 instead of saying "bad request".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            # Rendered without the request, whose session and reader would be looked up with
            # the very cookie that may carry the NUL.
            return HttpResponse(render_to_string("400.html"), status=400)
        return self.get_response(request)


def _carries_nul(request):
    texts = [request.path]
    # Uploaded file names need no check: Django drops their unprintable characters.
    for data in (request.GET, request.POST, request.COOKIES):
        for key, values in _lists(data):
            texts += [key, *values]
    return any("\x00" in text for text in texts)


def _lists(data):
    """(key, [values]) pairs of a QueryDict, or of a plain dict such as request.COOKIES."""
    if hasattr(data, "lists"):
        return data.lists()
    return ((key, [value]) for key, value in data.items())
