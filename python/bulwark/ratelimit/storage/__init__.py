"""Rate-limit storages (``limits.storage``): ``memory://`` in this process and ``redis://`` shared
by a fleet, both on Bulwark's core counters, and the base classes for storages of your own."""

from __future__ import annotations

from typing import Any, ClassVar, Union

from ... import _native
from ...exceptions import BackendError
from ..errors import ConfigurationError
from .base import (
    SCHEMES,
    MovingWindowSupport,
    SlidingWindowCounterSupport,
    Storage,
    TimestampedSlidingWindow,
)

__all__ = [
    "Storage",
    "MovingWindowSupport",
    "SlidingWindowCounterSupport",
    "TimestampedSlidingWindow",
    "MemoryStorage",
    "RedisStorage",
    "RedisClusterStorage",
    "RedisSentinelStorage",
    "MemcachedStorage",
    "MongoDBStorage",
    "StorageTypes",
    "storage_from_string",
]


def _saved(cls: type[MemoryStorage], entries: list[Any], wrap_exceptions: bool) -> MemoryStorage:
    storage = cls(wrap_exceptions=wrap_exceptions)
    storage._restore(entries)
    return storage


class MemoryStorage(
    _native.LimitsStorage, Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow
):
    """Counters in this process (``memory://``), bounded to ``max_keys`` keys; pickles with
    its counts (``limits.storage.MemoryStorage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["memory"]

    def __new__(cls, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> MemoryStorage:
        max_keys = int(options.pop("max_keys", 1 << 20))
        return super().__new__(cls, "memory://", max_keys=max_keys)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.wrap_exceptions = wrap_exceptions

    @property
    def base_exceptions(self) -> type[BaseException] | tuple[type[BaseException], ...]:
        """Memory storage raises only for bad arguments."""
        return ValueError

    def __reduce__(self) -> tuple[Any, ...]:
        return (_saved, (type(self), self._entries(), self.wrap_exceptions))


class RedisStorage(
    _native.LimitsStorage, Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow
):
    """Counters shared through Redis (``redis://[:password@]host:port/db``): every process using
    the same server and ``key_prefix`` (``LIMITS``, as ``limits``) shares them. Sliding windows
    are aligned to the Unix epoch, as in memory (``limits.storage.RedisStorage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis", "rediss", "redis+unix"]

    def __new__(
        cls, uri: str, connection_pool: Any = None, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
        **options: Any,
    ) -> RedisStorage:
        if connection_pool is not None:
            raise ConfigurationError("connection_pool is not supported: Bulwark pools its own connections")
        timeout = options.pop("socket_timeout", options.pop("timeout", 0.5))
        if options:
            raise ConfigurationError(f"unsupported Redis options: {', '.join(sorted(options))}")
        return super().__new__(cls, uri, key_prefix=key_prefix, timeout=float(timeout))

    def __init__(
        self, uri: str, connection_pool: Any = None, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
        **options: Any,
    ) -> None:
        self.uri = uri
        self.key_prefix = key_prefix
        self.wrap_exceptions = wrap_exceptions

    @property
    def base_exceptions(self) -> type[BaseException] | tuple[type[BaseException], ...]:
        """A Redis failure is ``bulwark.exceptions.BackendError``."""
        return BackendError


class _Unsupported(Storage):
    """A ``limits`` storage Bulwark does not provide: building one raises ConfigurationError
    naming what to use instead."""

    _why = "is not supported"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        raise ConfigurationError(f"{type(self).__name__} {self._why}; use memory:// or redis://")

    @property
    def base_exceptions(self) -> type[BaseException]:  # pragma: no cover - never built
        return BackendError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:  # pragma: no cover - never built
        raise NotImplementedError

    def get(self, key: str) -> int:  # pragma: no cover - never built
        raise NotImplementedError

    def get_expiry(self, key: str) -> float:  # pragma: no cover - never built
        raise NotImplementedError

    def check(self) -> bool:  # pragma: no cover - never built
        raise NotImplementedError

    def reset(self) -> int | None:  # pragma: no cover - never built
        raise NotImplementedError

    def clear(self, key: str) -> None:  # pragma: no cover - never built
        raise NotImplementedError


class RedisClusterStorage(_Unsupported):
    """Redis Cluster (``redis+cluster://``): not yet supported (refused with ConfigurationError)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis+cluster"]
    _why = "(redis+cluster://) is not supported yet"


class RedisSentinelStorage(_Unsupported):
    """Redis Sentinel (``redis+sentinel://``): not yet supported (refused with ConfigurationError)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis+sentinel"]
    _why = "(redis+sentinel://) is not supported yet"


class MemcachedStorage(_Unsupported):
    """Memcached: not supported by Bulwark (refused with ConfigurationError)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["memcached"]
    _why = "(memcached://) is not supported"


class MongoDBStorage(_Unsupported):
    """MongoDB: not supported by Bulwark (refused with ConfigurationError)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["mongodb", "mongodb+srv"]
    _why = "(mongodb://) is not supported"


StorageTypes = Union[Storage, Any]
"""A storage for the synchronous or the asyncio strategies."""


def storage_from_string(storage_string: str, **options: Any) -> Any:
    """The storage a URI names (``memory://``, ``redis://host:port/db``, ``async+memory://``,
    ``async+redis://…``, or a scheme a ``Storage`` subclass registered); ConfigurationError for
    any other."""
    if not isinstance(storage_string, str) or "://" not in storage_string:
        raise ConfigurationError(f"invalid storage URI {storage_string!r}")
    scheme = storage_string.split("://", 1)[0]
    if scheme.startswith("async+"):
        from ..aio import storage as _aio_storage  # noqa: F401  (registers the async schemes)
    cls = SCHEMES.get(scheme)
    if cls is None:
        raise ConfigurationError(f"unknown storage scheme {scheme!r}: use memory:// or redis://")
    return cls(storage_string, **options)
