"""Test helpers. ``follow_python_time()`` makes Bulwark read the time from Python's
``time.time()`` instead of the system clock, so tests that move time with freezegun,
time-machine or hiro move Bulwark's clock too: every in-process rate limiter (Bulwark's
``RateLimiter``, the ``limits``-shaped strategies on ``memory://``, ``bulwark.flask``,
``bulwark.asgi``), every OTP code and verification, and every JWT time-claim check.

Redis-backed limits keep the Redis server's clock (a shared limit needs one clock for every
process); move time there by waiting, or test on ``memory://``.

    from freezegun import freeze_time
    from bulwark import testing

    with testing.python_time(), freeze_time("2026-01-01") as frozen:
        assert limiter.hit("k", "1/minute").allowed
        assert not limiter.hit("k", "1/minute").allowed
        frozen.tick(61)
        assert limiter.hit("k", "1/minute").allowed

Off by default: production code never reads the time through Python.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from . import _native

__all__ = ["follow_python_time", "following_python_time", "python_time"]


def follow_python_time(on: bool = True) -> None:
    """Read the time from Python's ``time.time()`` (``on``) or from the system clock (off)."""
    _native._set_python_time(bool(on))


def following_python_time() -> bool:
    """Whether Bulwark reads the time from Python's ``time.time()``."""
    return bool(_native._python_time())


@contextlib.contextmanager
def python_time() -> Iterator[None]:
    """``follow_python_time()`` for the ``with`` block, then back to what it was."""
    before = following_python_time()
    follow_python_time(True)
    try:
        yield
    finally:
        follow_python_time(before)
