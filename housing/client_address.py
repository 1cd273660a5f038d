"""The address of the client behind the configured reverse proxies (login lock-out, logs).

``X-Forwarded-For`` is a header any client can send. It is believed only as far as the chain of
proxies in settings.TRUSTED_PROXIES reaches: starting from the connection's own address
(REMOTE_ADDR), each hop that is a trusted proxy hands over to the address it says it received the
request from; the first address that is not a trusted proxy is the client. With no trusted
proxies configured, the client is REMOTE_ADDR and the header is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as a string; REMOTE_ADDR unless it is a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    if not trusted or remote is None:
        return remote

    def is_trusted(address) -> bool:
        return address is not None and any(address in network for network in trusted)

    current = _address(remote)
    if not is_trusted(current):
        return remote
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Walk from the hop nearest to us outwards; stop at the first address no trusted proxy vouches for.
    for hop in reversed(forwarded):
        address = _address(hop)
        if address is None:
            # A malformed entry: the proxy before it cannot be identified, so the last trusted
            # proxy's own address stands for the client.
            return str(current)
        current = address
        if not is_trusted(current):
            return str(current)
    return str(current)
