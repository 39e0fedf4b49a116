"""Who is asking: the client's address, also behind the proxy the README documents."""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's address, for rate limits and guests' kudos.

    Behind the proxy every request comes from the proxy's own address, so the client's is
    the one the trusted proxies appended to X-Forwarded-For: counted from the right, as
    anything further left was written by the client and proves nothing. A header that is
    missing, too short or not an address falls back to REMOTE_ADDR, so a malformed header
    can never make a client look like a new one.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < settings.TRUSTED_PROXY_COUNT:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-settings.TRUSTED_PROXY_COUNT].strip()))
    except ValueError:
        return remote
