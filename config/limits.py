"""Rate limits on writes that invite abuse, in one place so the numbers are easy to tune.

Counts live in the database (limits/cache.py), one count for every process, with or without
Redis; a request over a limit gets the 429 page (or JSON) from config.views and nothing is
saved. Guests are counted by config.clients.client_address, so behind the proxy each client
has counts of its own.
"""

import functools
import ipaddress

from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from config import views
from config.clients import client_address

LOGIN_FAILURES = (
    "Too many failed logins for this account or from your address. Please wait five "
    "minutes and try again."
)


def address(group, request):
    """The client's address; an IPv6 client usually holds a whole /64, so that counts as one."""
    client = client_address(request)
    try:
        return str(ipaddress.ip_network(f"{client}/{64 if ':' in client else 32}", strict=False))
    except ValueError:
        return client


def reader_or_address(group, request):
    """Signed-in readers are counted by account, guests by address."""
    if request.user.is_authenticated:
        return f"reader:{request.user.pk}"
    return f"address:{address(group, request)}"


def posted_username(group, request):
    # Another spelling of the same name is no new account to guess at.
    return request.POST.get("username", "").strip().casefold()


def posted_email(group, request):
    return request.POST.get("email", "").strip().casefold()


def _limit(key, rate, group=None):
    return ratelimit(group=group, key=key, rate=rate, method="POST", block=True)


limit_signup = _limit(address, "10/h", group="signup")
limit_kudos = _limit(reader_or_address, "30/m")
limit_bookmarks = _limit(reader_or_address, "60/m")
# The editor saves 2 s after typing stops and every 30 s: a minute of writing in short bursts
# stays well under this.
limit_autosaves = _limit(reader_or_address, "60/m")


def limit_comments(view):
    """Comments, replies, edits and reports: 10 a minute and 60 an hour per reader, or per
    address for guests."""
    per_minute = _limit(reader_or_address, "10/m", group="comments-minute")
    return per_minute(_limit(reader_or_address, "60/h", group="comments-hour")(view))


def limit_password_reset(view):
    """Reset mail goes to whoever owns the address: few per email, more per client."""
    by_email = _limit(posted_email, "5/h", group="password-reset-email")
    return by_email(_limit(address, "20/h", group="password-reset-address")(view))


# Failed logins, counted against the account and against the address trying.
LOGIN_LIMITS = [("login-username", posted_username, "10/5m"), ("login-address", address, "30/5m")]


def limit_login(view):
    """After repeated failed logins even the right password waits a while. Only failures
    count, so signing in often never locks a reader out."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        if _too_many_failed_logins(request):
            return views.too_many(request, LOGIN_FAILURES)
        response = view(request, *args, **kwargs)
        # A login that worked redirects; the form shown again means it failed.
        if response.status_code != 302:
            for group, key, rate in LOGIN_LIMITS:
                get_usage(request, group=group, key=key, rate=rate, increment=True)
        return response

    return wrapper


def _too_many_failed_logins(request):
    for group, key, rate in LOGIN_LIMITS:
        usage = get_usage(request, group=group, key=key, rate=rate)
        # Without a working count (usage says limit 0) the login waits too: fail closed.
        if usage and usage["count"] >= usage["limit"]:
            return True
    return False
