"""Request helpers named as in ``flask_limiter.util``."""

from __future__ import annotations

from flask import request

__all__ = ["get_remote_address"]


def get_remote_address() -> str:
    """The client's address as the WSGI server saw it (``127.0.0.1`` when there is none).

    Behind a proxy, wrap the app in ``werkzeug.middleware.proxy_fix.ProxyFix`` first: reading
    ``X-Forwarded-For`` here would let any client pick its own rate-limit key."""
    return request.remote_addr or "127.0.0.1"
