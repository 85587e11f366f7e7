"""Rate limiting: in one process (``memory://``) or shared by a fleet through Redis
(``redis://host:port/db``), with the same code.

Bulwark's own API::

    limiter = RateLimiter(storage="redis://localhost:6379/0", strategy="sliding-window")
    decision = limiter.hit(f"login:{ip}", "5/minute", "100/day")
    if not decision.allowed:
        return 429, decision.headers()

and a surface for code written for the ``limits`` package (``FixedWindowRateLimiter``,
``MovingWindowRateLimiter``, ``SlidingWindowCounterRateLimiter``, ``storage_from_string``,
``parse``, ``RateLimitItem``) with the same names and semantics.

When Redis is unreachable the limiter fails closed (denies) by default; ``fail_open=True``
allows instead, and ``on_backend_failure="local"`` decides with a bounded in-process limiter until
Redis answers again. Every decision made that way carries ``backend_error`` to log.
"""

from __future__ import annotations

import time
from typing import NamedTuple, Union

from . import _native
from .exceptions import InvalidInputError
from .exceptions import RateLimitExceeded as _RateLimitExceededBase

__all__ = [
    "RateLimitItem",
    "RateLimitItemPerSecond",
    "RateLimitItemPerMinute",
    "RateLimitItemPerHour",
    "RateLimitItemPerDay",
    "parse",
    "parse_many",
    "Decision",
    "most_restrictive",
    "RateLimiter",
    "RateLimitExceeded",
    "Storage",
    "storage_from_string",
    "WindowStats",
    "FixedWindowRateLimiter",
    "MovingWindowRateLimiter",
    "SlidingWindowCounterRateLimiter",
    "GCRARateLimiter",
]

RateLimitItem = _native.RateLimitItem
"""A rate: ``amount`` per ``multiples`` units of ``granularity`` (as ``limits``); native."""


class RateLimitItemPerSecond(RateLimitItem):
    """``amount`` per ``multiples`` seconds (``limits.RateLimitItemPerSecond``)."""

    def __new__(cls, amount: int, multiples: int = 1, namespace: str = "LIMITER") -> RateLimitItemPerSecond:
        return super().__new__(cls, amount, multiples, "second", namespace)


class RateLimitItemPerMinute(RateLimitItem):
    """``amount`` per ``multiples`` minutes (``limits.RateLimitItemPerMinute``)."""

    def __new__(cls, amount: int, multiples: int = 1, namespace: str = "LIMITER") -> RateLimitItemPerMinute:
        return super().__new__(cls, amount, multiples, "minute", namespace)


class RateLimitItemPerHour(RateLimitItem):
    """``amount`` per ``multiples`` hours (``limits.RateLimitItemPerHour``)."""

    def __new__(cls, amount: int, multiples: int = 1, namespace: str = "LIMITER") -> RateLimitItemPerHour:
        return super().__new__(cls, amount, multiples, "hour", namespace)


class RateLimitItemPerDay(RateLimitItem):
    """``amount`` per ``multiples`` days (``limits.RateLimitItemPerDay``)."""

    def __new__(cls, amount: int, multiples: int = 1, namespace: str = "LIMITER") -> RateLimitItemPerDay:
        return super().__new__(cls, amount, multiples, "day", namespace)


def parse_many(rates: str) -> list[RateLimitItem]:
    """All rates of ``"10/second; 1000 per hour"`` (also ``,``-separated)."""
    return [RateLimitItem._from_native(limit, period) for limit, period in _native.ratelimit_parse(rates)]


def parse(rate: str) -> RateLimitItem:
    """One rate, such as ``"10/second"``, ``"100 per minute"`` or ``"5 per 10 seconds"``."""
    items = parse_many(rate)
    if len(items) != 1:
        raise InvalidInputError(f"expected one rate, got {len(items)}: {rate!r} (use parse_many)")
    return items[0]


RateArg = Union[str, RateLimitItem, list[Union[str, RateLimitItem]], tuple[Union[str, RateLimitItem], ...]]

Decision = _native.Decision
"""The outcome of ``RateLimiter.hit``: ``allowed``, the binding rate's ``limit`` and ``remaining``,
``reset_after`` / ``retry_after`` seconds, ``rate``, ``rates``, ``backend_error`` and
``headers()``; native, with the headers built by core."""

most_restrictive = _native.most_restrictive
"""The decision to report for a request several limits decided on (a denial first)."""


class RateLimitExceeded(_RateLimitExceededBase):
    """Raised by ``RateLimiter.check``; ``.decision`` says when to retry."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"rate limit exceeded ({decision.rate}); retry after {decision.retry_after:.3f}s")
        self.decision = decision


class RateLimiter(_native.RateLimiter):
    """Bulwark's limiter: ``hit(key, *rates, cost=1) -> Decision``, native, rate strings parsed
    once per limiter. ``storage`` is ``memory://`` or ``redis://…``; ``on_backend_failure`` is
    ``"deny"`` (default), ``"allow"`` (also ``fail_open=True``) or ``"local"``. Thread-safe."""

    def check(self, key: str, *rates: RateArg, cost: int = 1) -> Decision:
        """As ``hit``, raising ``RateLimitExceeded`` when denied."""
        decision = self.hit(key, *rates, cost=cost)
        if not decision.allowed:
            raise RateLimitExceeded(decision)
        return decision


# ------------------------------------------------------------------ the `limits` surface


class Storage:
    """A storage URI as ``limits.storage.storage_from_string`` returns it."""

    def __init__(self, uri: str, **options: object) -> None:
        self.uri = uri
        self.options = options


def storage_from_string(uri: str, **options: object) -> Storage:
    """``memory://`` or ``redis://host:port/db`` (as ``limits.storage.storage_from_string``)."""
    if not (uri.startswith("memory://") or uri.startswith("redis://") or uri.startswith("rediss://")):
        raise InvalidInputError(f"unsupported storage {uri!r}: use memory:// or redis://")
    return Storage(uri, **options)


class WindowStats(NamedTuple):
    """``(reset_time, remaining)`` as ``limits`` returns them (reset_time in Unix seconds)."""

    reset_time: float
    remaining: int


class _LimitsStrategy(_native.LimitsStrategy):
    """``hit``/``test``/``clear`` are native (one call per hit); the storage decides sharing."""

    _strategy = "fixed-window"

    def __new__(cls, storage: Storage) -> _LimitsStrategy:
        return super().__new__(cls, storage.uri, cls._strategy, bool(storage.options.get("fail_open", False)))

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the window resets (Unix seconds) and how much is left."""
        reset_after, remaining = self._window(item, *identifiers)
        return WindowStats(time.time() + reset_after, remaining)


class FixedWindowRateLimiter(_LimitsStrategy):
    """``limits.strategies.FixedWindowRateLimiter``."""

    _strategy = "fixed-window"


class MovingWindowRateLimiter(_LimitsStrategy):
    """``limits.strategies.MovingWindowRateLimiter`` (an exact log of hits)."""

    _strategy = "moving-window"


class SlidingWindowCounterRateLimiter(_LimitsStrategy):
    """``limits.strategies.SlidingWindowCounterRateLimiter``."""

    _strategy = "sliding-window"


class GCRARateLimiter(_LimitsStrategy):
    """A GCRA token bucket with the ``limits`` interface (Bulwark's addition)."""

    _strategy = "gcra"
