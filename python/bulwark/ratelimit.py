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

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
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

_MICROS = 1_000_000


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


RateArg = Union[str, RateLimitItem]


def _items(rates: Iterable[RateArg]) -> list[RateLimitItem]:
    out: list[RateLimitItem] = []
    for r in rates:
        out.extend(parse_many(r) if isinstance(r, str) else [r])
    if not out:
        raise InvalidInputError("no rate given")
    return out


@dataclass(frozen=True)
class Decision:
    """The outcome of a hit: ``allowed``, the binding rate's ``limit`` and ``remaining``,
    seconds until it fully resets (``reset_after``) and until a denied request could pass
    (``retry_after``, ``math.inf`` if never), and the backend error when Redis failed."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float
    rate: RateLimitItem
    rates: tuple[RateLimitItem, ...] = field(repr=False)
    backend_error: str | None = None
    at: float = field(default_factory=time.time, repr=False)

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-Limit/-Remaining/-Reset`` (Unix time), ``Retry-After`` when denied, and
        the IETF ``RateLimit`` / ``RateLimit-Policy`` fields."""
        reset_in = math.ceil(self.reset_after)
        several = len(self.rates) > 1
        name = f"r{self.rates.index(self.rate) + 1}" if several else "default"
        h = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(int(self.at) + reset_in),
            "RateLimit": f'"{name}";r={self.remaining};t={reset_in}',
            "RateLimit-Policy": ", ".join(
                f'"{f"r{i + 1}" if several else "default"}";q={r.amount};w={r.get_expiry()}'
                for i, r in enumerate(self.rates)
            ),
        }
        if not self.allowed:
            retry = self.retry_after if math.isfinite(self.retry_after) else self.reset_after
            h["Retry-After"] = str(max(1, math.ceil(retry)))
        return h

    def __bool__(self) -> bool:
        return self.allowed


class RateLimitExceeded(_RateLimitExceededBase):
    """Raised by ``RateLimiter.check``; ``.decision`` says when to retry."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"rate limit exceeded ({decision.rate}); retry after {decision.retry_after:.3f}s")
        self.decision = decision


def _to_decision(t: tuple, items: list[RateLimitItem]) -> Decision:
    allowed, limit, remaining, reset_us, retry_us, index, error = t
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=remaining,
        reset_after=reset_us / _MICROS,
        retry_after=math.inf if retry_us == 2**64 - 1 else retry_us / _MICROS,
        rate=items[index] if index < len(items) else items[0],
        rates=tuple(items),
        backend_error=error,
    )


class RateLimiter:
    """Bulwark's limiter: ``hit(key, *rates, cost=1) -> Decision``. Thread-safe."""

    def __init__(self, storage: str = "memory://", strategy: str = "sliding-window",
                 fail_open: bool = False, *, on_backend_failure: str | None = None,
                 prefix: str | None = None, timeout: float = 0.5, max_keys: int = 1 << 20) -> None:
        policy = on_backend_failure or ("allow" if fail_open else "deny")
        self._native = _native.NativeLimiter(storage, strategy, policy, prefix, timeout, max_keys)
        self.storage = storage

    @property
    def strategy(self) -> str:
        """The strategy's name."""
        return self._native.strategy

    def hit(self, key: str, *rates: RateArg, cost: int = 1) -> Decision:
        """Counts a request of ``cost`` for ``key`` if every rate allows it."""
        items = _items(rates)
        return _to_decision(self._native.hit(key, [i._native() for i in items], cost), items)

    def test(self, key: str, *rates: RateArg, cost: int = 1) -> Decision:
        """Whether a request would be allowed, without counting it."""
        items = _items(rates)
        return _to_decision(self._native.test(key, [i._native() for i in items], cost), items)

    def check(self, key: str, *rates: RateArg, cost: int = 1) -> Decision:
        """As ``hit``, raising ``RateLimitExceeded`` when denied."""
        decision = self.hit(key, *rates, cost=cost)
        if not decision.allowed:
            raise RateLimitExceeded(decision)
        return decision

    def refund(self, key: str, *rates: RateArg, cost: int = 1) -> None:
        """Gives back ``cost`` units an earlier ``hit`` of ``key`` counted: reserve with ``hit``
        before the work, refund when it turns out not to count (a login that succeeded under a
        limit on failures), so concurrent requests never all pass one remaining unit."""
        items = _items(rates)
        self._native.refund(key, [i._native() for i in items], cost)

    def reset(self, key: str, *rates: RateArg) -> None:
        """Forgets ``key``'s counts under ``rates``."""
        items = _items(rates)
        self._native.reset(key, [i._native() for i in items])


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
