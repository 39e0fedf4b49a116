"""Rate limits on writes that invite abuse, in one place so the numbers are easy to tune.

Counts live in the shared cache (Redis when configured); a request over a limit gets the
429 page from config.views.rate_limited and nothing is saved.
"""

from django_ratelimit.decorators import ratelimit


def reader_or_address(group, request):
    """Signed-in readers are counted by account, guests by address."""
    if request.user.is_authenticated:
        return f"reader:{request.user.pk}"
    return f"address:{request.META.get('REMOTE_ADDR', '')}"


def _limit(key, rate):
    return ratelimit(key=key, rate=rate, method="POST", block=True)


def limit_login(view):
    """Repeated failures against one account, or from one address, are slowed down."""
    return _limit("post:username", "10/5m")(_limit("ip", "30/5m")(view))


limit_signup = _limit("ip", "10/h")
limit_kudos = _limit(reader_or_address, "30/m")
limit_bookmarks = _limit(reader_or_address, "60/m")
