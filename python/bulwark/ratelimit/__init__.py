"""Rate limiting: in one process (``memory://``) or shared by a fleet through Redis
(``redis://host:port/db``), with the same code.

Bulwark's own API::

    limiter = RateLimiter(storage="redis://localhost:6379/0", strategy="sliding-window")
    decision = limiter.hit(f"login:{ip}", "5/minute", "100/day")
    if not decision.allowed:
        return 429, decision.headers()

and the surface of the ``limits`` package, with the same names and semantics:
``RateLimitItem`` and its subclasses (custom granularities too), ``parse``/``parse_many``,
``storage_from_string`` and the storage classes (``bulwark.ratelimit.storage``), the three
strategies with ``get_window_stats`` (``bulwark.ratelimit.strategies``), their asyncio versions
(``bulwark.ratelimit.aio``) and ``bulwark.ratelimit.errors``. The decisions are core's; a storage
of your own (a ``Storage`` subclass) supplies only the counts.

When Redis is unreachable Bulwark's ``RateLimiter`` fails closed (denies) by default;
``fail_open=True`` allows instead, and ``on_backend_failure="local"`` decides with a bounded
in-process limiter until Redis answers again. Every decision made that way carries
``backend_error`` to log.
"""

from __future__ import annotations

from functools import total_ordering
from typing import Any, ClassVar, NamedTuple, Union

from .. import _native
from ..exceptions import InvalidInputError
from ..exceptions import RateLimitExceeded as _RateLimitExceededBase
from . import errors
from .storage import (
    MemcachedStorage,
    MemoryStorage,
    MongoDBStorage,
    MovingWindowSupport,
    RedisClusterStorage,
    RedisSentinelStorage,
    RedisStorage,
    SlidingWindowCounterSupport,
    Storage,
    storage_from_string,
)

__all__ = [
    "Granularity",
    "GRANULARITIES",
    "TIME_TYPES",
    "RateLimitItem",
    "RateLimitItemPerSecond",
    "RateLimitItemPerMinute",
    "RateLimitItemPerHour",
    "RateLimitItemPerDay",
    "RateLimitItemPerMonth",
    "RateLimitItemPerYear",
    "granularity_from_string",
    "parse",
    "parse_many",
    "Decision",
    "most_restrictive",
    "RateLimiter",
    "RateLimitExceeded",
    "Storage",
    "MemoryStorage",
    "RedisStorage",
    "RedisClusterStorage",
    "RedisSentinelStorage",
    "MemcachedStorage",
    "MongoDBStorage",
    "MovingWindowSupport",
    "SlidingWindowCounterSupport",
    "storage_from_string",
    "WindowStats",
    "FixedWindowRateLimiter",
    "MovingWindowRateLimiter",
    "SlidingWindowCounterRateLimiter",
    "GCRARateLimiter",
    "STRATEGIES",
    "errors",
]


class Granularity(NamedTuple):
    """A unit of time: its length in seconds and its name (``limits.limits.Granularity``)."""

    seconds: int
    name: str


TIME_TYPES = {
    "day": Granularity(60 * 60 * 24, "day"),
    "month": Granularity(60 * 60 * 24 * 30, "month"),
    "year": Granularity(60 * 60 * 24 * 30 * 12, "year"),
    "hour": Granularity(60 * 60, "hour"),
    "minute": Granularity(60, "minute"),
    "second": Granularity(1, "second"),
}
"""The built-in granularities (a month is 30 days and a year 12 of them, as in ``limits``)."""

GRANULARITIES: dict[str, type[RateLimitItem]] = {}
"""Every ``RateLimitItem`` subclass by its granularity's name (subclasses register themselves)."""


@total_ordering
class RateLimitItem(_native.RateLimitItem):
    """``amount`` per ``multiples`` units of the class's ``GRANULARITY`` (``limits.RateLimitItem``).
    Subclass it with ``GRANULARITY = Granularity(seconds, "name")`` for a unit of your own; the
    rate is native (hits read it without Python look-ups)."""

    GRANULARITY: ClassVar[Granularity]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "GRANULARITY" in cls.__dict__:
            GRANULARITIES[cls.GRANULARITY.name] = cls

    def __new__(cls, amount: int, multiples: int | None = 1, namespace: str = "LIMITER") -> RateLimitItem:
        granularity = getattr(cls, "GRANULARITY", None)
        if granularity is None:
            raise TypeError(
                f"{cls.__name__} has no GRANULARITY: use RateLimitItemPerSecond … PerYear, or subclass "
                "RateLimitItem with GRANULARITY = Granularity(seconds, name)"
            )
        return super().__new__(cls, int(amount), int(multiples or 1), granularity.name, namespace, granularity.seconds)

    @classmethod
    def check_granularity_string(cls, granularity_string: str) -> bool:
        """Whether ``granularity_string`` names this class's unit (singular or plural)."""
        name = cls.GRANULARITY.name
        return granularity_string.lower() in {name, f"{name}s"}

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, _native.RateLimitItem):
            return NotImplemented
        return bool(self._seconds < other._seconds)

    __eq__ = _native.RateLimitItem.__eq__
    __hash__ = _native.RateLimitItem.__hash__


class RateLimitItemPerYear(RateLimitItem):
    """``amount`` per ``multiples`` years of 360 days."""

    GRANULARITY = TIME_TYPES["year"]


class RateLimitItemPerMonth(RateLimitItem):
    """``amount`` per ``multiples`` months of 30 days."""

    GRANULARITY = TIME_TYPES["month"]


class RateLimitItemPerDay(RateLimitItem):
    """``amount`` per ``multiples`` days."""

    GRANULARITY = TIME_TYPES["day"]


class RateLimitItemPerHour(RateLimitItem):
    """``amount`` per ``multiples`` hours."""

    GRANULARITY = TIME_TYPES["hour"]


class RateLimitItemPerMinute(RateLimitItem):
    """``amount`` per ``multiples`` minutes."""

    GRANULARITY = TIME_TYPES["minute"]


class RateLimitItemPerSecond(RateLimitItem):
    """``amount`` per ``multiples`` seconds."""

    GRANULARITY = TIME_TYPES["second"]


def granularity_from_string(granularity_string: str) -> type[RateLimitItem]:
    """The item class of a unit name (``"minute"``, ``"days"``, a custom granularity's name);
    ValueError for none."""
    for cls in GRANULARITIES.values():
        if cls.check_granularity_string(granularity_string):
            return cls
    raise InvalidInputError(f"no granularity matched for {granularity_string!r}")


def parse_many(limit_string: str) -> list[RateLimitItem]:
    """All rates of ``"10/second; 1000 per hour"`` (also ``,``-separated), each in the unit it
    is written in. Units are those of ``limits`` and any ``RateLimitItem`` subclass's."""
    if not isinstance(limit_string, str):
        raise InvalidInputError(f"couldn't parse rate limit string {limit_string!r}: not a string")
    items: list[RateLimitItem] = []
    # Units as limits reads them: a granularity's name, singular or plural (not core's "sec" /
    # "min" / "hr", which Bulwark's own RateLimiter takes).
    for amount, multiples, unit, _known in _native.ratelimit_parse_spec(limit_string):
        cls = GRANULARITIES.get(unit) or GRANULARITIES.get(unit[:-1] if unit.endswith("s") else unit)
        if cls is None:
            try:
                cls = granularity_from_string(unit)
            except InvalidInputError:
                raise InvalidInputError(
                    f"couldn't parse rate limit string {limit_string!r}: unknown unit {unit!r}"
                ) from None
        items.append(cls(amount, multiples))
    return items


def parse(limit_string: str) -> RateLimitItem:
    """One rate, such as ``"10/second"``, ``"100 per minute"`` or ``"5 per 10 seconds"``."""
    items = parse_many(limit_string)
    if len(items) != 1:
        raise InvalidInputError(f"expected one rate, got {len(items)}: {limit_string!r} (use parse_many)")
    return items[0]


RateArg = Union[
    str, _native.RateLimitItem, list[Union[str, _native.RateLimitItem]], tuple[Union[str, _native.RateLimitItem], ...]
]

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
    once per limiter. Thread-safe.

    ``storage`` is ``memory://`` or Redis in any topology: ``redis://host:port/db``, ``rediss://``
    (TLS, server verified), ``redis+cluster://host:port,host:port``,
    ``redis+sentinel://host:port,.../service_name``. ``timeout`` bounds a whole decision
    (connecting and redirects included). ``on_backend_failure`` is ``"deny"`` (default),
    ``"allow"`` (also ``fail_open=True``) or ``"local"``, whose in-process limiter admits
    ``ceil(limit * local_share)`` per process. ``deny_cache=True`` answers keys Redis denied
    locally until their retry-after. Redis keywords: ``ssl_ca_certs``, ``ssl_certfile``,
    ``ssl_keyfile`` (mTLS), ``insecure_skip_verify`` (test servers only), ``breaker_failures``
    (3) and ``breaker_cooldown`` (1.0 s) of the circuit breaker."""

    def check(self, key: str, *rates: RateArg, cost: int = 1) -> Decision:
        """As ``hit``, raising ``RateLimitExceeded`` when denied."""
        decision = self.hit(key, *rates, cost=cost)
        if not decision.allowed:
            raise RateLimitExceeded(decision)
        return decision


# ------------------------------------------------------------------ the `limits` strategies


class WindowStats(NamedTuple):
    """``(reset_time, remaining)`` as ``limits`` returns them (reset_time in Unix seconds)."""

    reset_time: float
    remaining: int


class _CountersStrategy(_native.CountersStrategy):
    _name = "fixed-window"

    def __new__(cls, storage: Storage) -> _CountersStrategy:
        if not isinstance(storage, Storage):
            raise TypeError(f"{cls.__name__} needs a storage (storage_from_string(...)), got {type(storage).__name__}")
        return super().__new__(cls, storage, cls._name)

    def get_window_stats(self, item: RateLimitItem, *identifiers: Any) -> WindowStats:
        """When the window resets (Unix seconds) and how much is left, as ``limits`` defines both
        for this strategy."""
        return WindowStats(*self._window_stats(item, *identifiers))


class FixedWindowRateLimiter(_CountersStrategy):
    """``limits.strategies.FixedWindowRateLimiter``: a counter per window that opens at the first
    hit; a refused hit is counted too, as in ``limits``."""

    _name = "fixed-window"


class MovingWindowRateLimiter(_CountersStrategy):
    """``limits.strategies.MovingWindowRateLimiter``: an exact log of the last period's hits."""

    _name = "moving-window"

    def __new__(cls, storage: Storage) -> MovingWindowRateLimiter:
        if not (hasattr(storage, "acquire_entry") and hasattr(storage, "get_moving_window")):
            raise NotImplementedError(f"the moving window needs a storage with it, not {type(storage).__name__}")
        return super().__new__(cls, storage)  # type: ignore[return-value]


class SlidingWindowCounterRateLimiter(_CountersStrategy):
    """``limits.strategies.SlidingWindowCounterRateLimiter``: the previous window's count weighted
    by its overlap (rounded down, as ``limits``) plus the current one."""

    _name = "sliding-window-counter"

    def __new__(cls, storage: Storage) -> SlidingWindowCounterRateLimiter:
        if not (hasattr(storage, "get_sliding_window") and hasattr(storage, "acquire_sliding_window_entry")):
            raise NotImplementedError(f"the sliding window needs a storage with it, not {type(storage).__name__}")
        return super().__new__(cls, storage)  # type: ignore[return-value]


class GCRARateLimiter(_native.LimitsStrategy):
    """A GCRA token bucket with the ``limits`` interface (Bulwark's addition), on Bulwark's own
    limiter: over a memory storage it keeps its own counts (not the storage's)."""

    def __new__(cls, storage: Storage) -> GCRARateLimiter:
        uri = getattr(storage, "uri", None) if isinstance(storage, RedisStorage) else "memory://"
        if not isinstance(storage, (MemoryStorage, RedisStorage)) or uri is None:
            raise TypeError("GCRARateLimiter needs a MemoryStorage or RedisStorage")
        return super().__new__(cls, uri, "gcra")

    def get_window_stats(self, item: RateLimitItem, *identifiers: Any) -> WindowStats:
        """When the bucket is full again (Unix seconds) and how much is left."""
        import time

        reset_after, remaining = self._window(item, *identifiers)
        return WindowStats(time.time() + reset_after, remaining)


STRATEGIES = {
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
    "moving-window": MovingWindowRateLimiter,
}
"""The strategy classes by ``limits``' names."""
