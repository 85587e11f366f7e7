"""Rate-limit storages (``limits.storage``): ``memory://`` in this process and Redis shared by a
fleet (one server, TLS, Cluster or Sentinel), all on Bulwark's core counters, and the base classes
for storages of your own."""

from __future__ import annotations

from typing import Any, ClassVar, Union

from ... import _native
from ...exceptions import BackendError, InvalidInputError
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


#: redis-py connection keywords `limits` passes through that Bulwark's core reads (the TLS files);
#: the other Redis keywords are Bulwark's own (``breaker_failures``, ``breaker_cooldown``,
#: ``insecure_skip_verify``).
_REDIS_KEYWORDS = frozenset({"ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs",
                             "insecure_skip_verify", "breaker_failures", "breaker_cooldown"})


def _redis_options(options: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """``(timeout, core keywords)`` from a ``limits`` storage's ``**options``; ConfigurationError
    for any option Bulwark would otherwise ignore."""
    timeout = options.pop("socket_timeout", options.pop("timeout", 0.5))
    options.pop("ssl", None)  # redis-py's switch: the rediss:// scheme says it already
    unknown = sorted(set(options) - _REDIS_KEYWORDS)
    if unknown:
        raise ConfigurationError(f"unsupported Redis options: {', '.join(unknown)}")
    return float(timeout), options


class _RedisFamily(
    _native.LimitsStorage, Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow
):
    """What the Redis storages share: core's counters on the topology the URI names."""

    def __new__(cls, uri: str, key_prefix: str = "LIMITS", **options: Any) -> Any:
        timeout, redis = _redis_options(options)
        try:
            return super().__new__(cls, uri, key_prefix=key_prefix, timeout=timeout, **redis)
        except InvalidInputError as e:  # limits' word for a storage it cannot build
            raise ConfigurationError(str(e)) from e

    @property
    def base_exceptions(self) -> type[BaseException] | tuple[type[BaseException], ...]:
        """A Redis failure is ``bulwark.exceptions.BackendError``."""
        return BackendError


class RedisStorage(_RedisFamily):
    """Counters shared through Redis (``redis://[:password@]host:port/db``, ``rediss://`` for TLS
    with ``ssl_ca_certs`` / ``ssl_certfile`` / ``ssl_keyfile``): every process using the same
    server and ``key_prefix`` (``LIMITS``, as ``limits``) shares them. Sliding windows are
    aligned to the Unix epoch, as in memory (``limits.storage.RedisStorage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis", "rediss", "redis+unix"]

    def __new__(
        cls, uri: str, connection_pool: Any = None, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
        **options: Any,
    ) -> RedisStorage:
        if connection_pool is not None:
            raise ConfigurationError("connection_pool is not supported: Bulwark pools its own connections")
        return super().__new__(cls, uri, key_prefix=key_prefix, **options)  # type: ignore[no-any-return]

    def __init__(
        self, uri: str, connection_pool: Any = None, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
        **options: Any,
    ) -> None:
        self.uri = uri
        self.key_prefix = key_prefix
        self.wrap_exceptions = wrap_exceptions


class RedisClusterStorage(_RedisFamily):
    """Counters shared through a Redis Cluster (``redis+cluster://[:password@]host:port,host:port``,
    ``rediss+cluster://`` for TLS): the keys of one counter share a hash slot, ``MOVED``/``ASK``
    and failovers are followed by core (``limits.storage.RedisClusterStorage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis+cluster", "rediss+cluster"]

    def __new__(cls, uri: str, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
                **options: Any) -> RedisClusterStorage:
        return super().__new__(cls, uri, key_prefix=key_prefix, **options)  # type: ignore[no-any-return]

    def __init__(self, uri: str, key_prefix: str = "LIMITS", wrap_exceptions: bool = False,
                 **options: Any) -> None:
        self.uri = uri
        self.key_prefix = key_prefix
        self.wrap_exceptions = wrap_exceptions


class RedisSentinelStorage(_RedisFamily):
    """Counters on the master a Sentinel names (``redis+sentinel://host:port,host:port/service``,
    or the service as ``service_name=``), followed through failovers
    (``limits.storage.RedisSentinelStorage``). Reads go to the master too: a replica may lag, and
    a limit read from it could admit too much (``use_replicas`` is accepted and has no effect)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["redis+sentinel", "rediss+sentinel"]

    def __new__(cls, uri: str, service_name: str | None = None, use_replicas: bool = True,
                sentinel_kwargs: dict[str, Any] | None = None, key_prefix: str = "LIMITS",
                wrap_exceptions: bool = False, **options: Any) -> RedisSentinelStorage:
        if sentinel_kwargs:
            raise ConfigurationError(
                f"unsupported sentinel_kwargs: {', '.join(sorted(sentinel_kwargs))} "
                "(the sentinels are reached as the URI says, with the TLS settings of the master)")
        return super().__new__(  # type: ignore[no-any-return]
            cls, _with_service(uri, service_name), key_prefix=key_prefix, **options)

    def __init__(self, uri: str, service_name: str | None = None, use_replicas: bool = True,
                 sentinel_kwargs: dict[str, Any] | None = None, key_prefix: str = "LIMITS",
                 wrap_exceptions: bool = False, **options: Any) -> None:
        self.uri = uri
        self.service_name = service_name
        self.key_prefix = key_prefix
        self.wrap_exceptions = wrap_exceptions


def _with_service(uri: str, service_name: str | None) -> str:
    """The sentinel URI with ``service_name`` as its path when given (it must agree with a path
    the URI already has)."""
    if not service_name:
        return uri
    scheme, _, rest = uri.partition("://")
    base, _, query = rest.partition("?")
    hosts, _, path = base.partition("/")
    current = path.split("/", 1)[0]
    if current and current != service_name:
        raise ConfigurationError(f"service_name {service_name!r} disagrees with the URI's {current!r}")
    if not current:
        path = service_name + path[len(current):]
    return f"{scheme}://{hosts}/{path}" + (f"?{query}" if query else "")


class _Unsupported(Storage):
    """A ``limits`` storage Bulwark does not provide: building one raises ConfigurationError
    naming what to use instead."""

    _why = "is not supported"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        raise ConfigurationError(
            f"{type(self).__name__} {self._why}; use memory:// or Redis (redis://, rediss://, "
            "redis+cluster://, redis+sentinel://)")

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
        raise ConfigurationError(f"unknown storage scheme {scheme!r}: use memory:// or a Redis URI")
    return cls(storage_string, **options)
