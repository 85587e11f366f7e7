"""IP allow and deny lists and the client address behind trusted proxies, decided in core.

    from bulwark.ipnet import AccessList, TrustedProxies

    office = AccessList(allow="192.0.2.0/24, 2001:db8::/32", deny=["192.0.2.66"])
    office.permits("192.0.2.10")          # True
    proxies = TrustedProxies(networks="10.0.0.0/8")   # the load balancers
    proxies.client_address("10.0.0.5", {"X-Forwarded-For": "203.0.113.9, 10.0.0.7"})  # "203.0.113.9"

Lists hold IPv4 and IPv6 CIDRs (an address alone is a /32 or /128) in a prefix trie: a lookup
takes time bounded by the address length, not the list size. An IPv4-mapped IPv6 address counts
as its IPv4 address. A malformed entry, or one with host bits set (``10.0.0.1/8``), raises
``InvalidInputError`` naming it. Without ``TrustedProxies`` the client is the socket's peer: a
forwarding header a client can set is never believed on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional, Union

from bulwark._native import IPSet
from bulwark._native import client_address as _client_address
from bulwark._native import ip_permitted as _ip_permitted
from bulwark.exceptions import InvalidInputError

__all__ = ["AccessList", "IPSet", "TrustedProxies", "decide_request", "ip_set"]

Networks = Union[str, Iterable[str], IPSet]


def ip_set(networks: Networks) -> IPSet:
    """An ``IPSet`` from a comma/space-separated string, an iterable of networks, or a set."""
    if isinstance(networks, IPSet):
        return networks
    if isinstance(networks, str):
        return IPSet(networks)
    items = list(networks)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"networks must be strings, got {type(item).__name__}")
    return IPSet(",".join(items))


class AccessList:
    """An allow-list, a deny-list, or both: denied addresses are refused; with an allow-list,
    only its addresses pass (an empty allow-list lets nobody in)."""

    def __init__(self, allow: Optional[Networks] = None, deny: Optional[Networks] = None) -> None:
        self.allow = None if allow is None else ip_set(allow)
        self.deny = None if deny is None else ip_set(deny)

    def permits(self, address: str) -> bool:
        """Whether ``address`` may pass. An address that does not parse raises
        ``InvalidInputError``."""
        return _ip_permitted(address, self.allow, self.deny)


class TrustedProxies:
    """Which forwarding header to believe, and how far: the proxies' ``networks`` (the header is
    walked from the right past every trusted address) or exactly ``hops`` proxies; ``header`` is
    ``"X-Forwarded-For"`` or ``"Forwarded"`` (RFC 7239). Neither networks nor hops: nobody is
    trusted, and the client is the peer."""

    def __init__(self, networks: Optional[Networks] = None, hops: int = 0,
                 header: str = "X-Forwarded-For") -> None:
        self.networks = None if networks is None else ip_set(networks)
        if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
            raise TypeError(f"hops must be a non-negative int, got {hops!r}")
        self.hops = hops
        self.header = header
        # Core checks the setting now (both given, hops out of range, an unknown header).
        _client_address("127.0.0.1", None, header, self.networks, hops)

    def client_address(self, peer: str, headers: Any) -> str:
        """The client's address for a request from ``peer`` with these request ``headers`` (any
        mapping, Werkzeug's or Starlette's headers; the header's name is matched in any case,
        repeated lines are joined). An entry that must be read and is
        not an address raises ``InvalidInputError`` (answer 400)."""
        value = _header(headers, self.header)
        return _client_address(peer, value, self.header, self.networks, self.hops)


def _header(headers: Any, name: str) -> Optional[str]:
    getlist = getattr(headers, "getlist", None) or getattr(headers, "get_all", None)
    if getlist is not None:
        values = [str(v) for v in getlist(name)]
        return ", ".join(values) if values else None
    wanted = name.lower()
    found = [str(v) for k, v in headers.items() if str(k).lower() == wanted]
    return ", ".join(found) if found else None


def decide_request(access: Optional[AccessList], trusted: Optional[TrustedProxies], peer: str,
                   headers: Any) -> tuple[str, int, str]:
    """What a web layer answers for one request: ``(client address, status, reason)`` with
    status 0 (go on), 400 (a forwarding entry the trusted proxies wrote is not an address) or 403
    (refused by the lists; an address that cannot be read is never allowed by them)."""
    client = peer
    if trusted is not None:
        try:
            client = trusted.client_address(peer, headers)
        except InvalidInputError as exc:
            return peer, 400, str(exc)
    if access is None:
        return client, 0, ""
    try:
        allowed = access.permits(client)
    except InvalidInputError:
        allowed = False
    return client, (0 if allowed else 403), ("" if allowed else "this address may not use this resource")
