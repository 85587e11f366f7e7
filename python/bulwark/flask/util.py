"""Request helpers named as in ``flask_limiter.util``."""

from __future__ import annotations

from flask import current_app, request

__all__ = ["get_remote_address"]


def get_remote_address() -> str:
    """The client's address: behind the proxies an ``IPFilter(trusted_proxies=...)`` on the app
    names (core reads ``Forwarded`` / ``X-Forwarded-For`` through them only), else the address
    the WSGI server saw (``127.0.0.1`` when there is none). Never a forwarding header on its
    own: that would let any client pick its own rate-limit key."""
    ip_filter = current_app.extensions.get("bulwark.ip")
    if ip_filter is not None:
        return str(ip_filter.client_address())
    return request.remote_addr or "127.0.0.1"
