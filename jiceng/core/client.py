"""The client's address, as rate limits and login lockouts must see it.

Behind the documented nginx every request arrives from 127.0.0.1, so ``REMOTE_ADDR`` alone would
put the whole county in one bucket. The address in ``X-Forwarded-For`` is believed only when the
request comes from a proxy listed in ``JICENG_TRUSTED_PROXIES`` (addresses or networks): the header
is read from the right, skipping our own proxies, and the first address that is not one of them is
the client's. Whatever a client writes into the header itself stands to the left of what nginx
appends, so it is never reached; a request that does not come through a trusted proxy is judged by
its own address and its header is ignored.

django-ratelimit (``RATELIMIT_IP_META_KEY``) and django-axes (``AXES_CLIENT_IP_CALLABLE``) both call
:func:`client_address`, so intake limits, look-up limits and login lockouts agree on who a client is.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "JICENG_TRUSTED_PROXIES", ()) or ()))


def _parse(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5123
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in proxies)


def client_address(request) -> str:
    """The address of the person at the other end (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = trusted_proxies()
    if not proxies or not _trusted(_parse(remote), proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        address = _parse(hop)
        if address is None:
            break  # a garbled hop: believe nothing to the left of it
        if not _trusted(address, proxies):
            return str(address)
    return remote
