"""What a request says about its client: its address and whether it came over HTTPS, believing
``X-Forwarded-For`` and ``X-Forwarded-Proto`` only from a configured reverse proxy (anyone else
could claim any address, and escape the sign-in throttle by it)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """``RAREX_TRUSTED_PROXIES``: comma-separated addresses or CIDR networks."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _canonical(address: str) -> str | None:
    """One spelling per address: IPv6 compressed, an IPv4-mapped one as IPv4; None for
    anything that is no address ("1.2.3.4:5555", a name)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def client_address(request: Request, trusted: str) -> str:
    """The client's address: the peer's, or, behind trusted proxies, the last address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (one that is no address ends the
    search at the proxy before it)."""
    peer = request.client.host if request.client is not None else "unknown"
    peer = _canonical(peer) or peer[:64]
    networks = trusted_networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        canonical = _canonical(hop)
        if canonical is None:
            return peer
        if not _trusted(canonical, networks):
            return canonical
    return peer


def is_https(request: Request, trusted: str) -> bool:
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client is not None else ""
    networks = trusted_networks(trusted)
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return bool(networks) and _trusted(peer, networks) and forwarded == "https"


def origin_of(request: Request, trusted: str) -> str:
    """This site's origin as the browser sees it (scheme, host and port)."""
    scheme = "https" if is_https(request, trusted) else "http"
    return f"{scheme}://{request.headers.get('host', request.url.netloc)}"
