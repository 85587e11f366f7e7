"""Async storages (``limits.aio.storage``): ``async+memory://``, ``async+redis://``,
``async+redis+cluster://`` and ``async+redis+sentinel://``, each the synchronous storage of the same
URI behind awaitable methods."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, ClassVar, TypeVar

from ...storage import MemoryStorage as _SyncMemory
from ...storage import RedisClusterStorage as _SyncRedisCluster
from ...storage import RedisSentinelStorage as _SyncRedisSentinel
from ...storage import RedisStorage as _SyncRedis
from ...storage.base import StorageRegistry

__all__ = ["Storage", "MemoryStorage", "RedisStorage", "RedisClusterStorage", "RedisSentinelStorage",
           "MovingWindowSupport", "SlidingWindowCounterSupport"]

T = TypeVar("T")


class Storage(metaclass=StorageRegistry):
    """An async storage: the synchronous one (``.sync``) with awaitable methods."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = None
    _sync_class: type = _SyncMemory
    _in_thread = False

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        sync_uri = (uri or "memory://").removeprefix("async+")
        options.pop("implementation", None)  # limits' choice of Redis client: Bulwark has one
        self.sync = self._sync_class(sync_uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def wrap_exceptions(self) -> bool:
        """Whether storage errors are raised as ``StorageError``."""
        return bool(self.sync.wrap_exceptions)

    @property
    def base_exceptions(self) -> Any:
        """The exceptions the backend raises."""
        return self.sync.base_exceptions

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._in_thread:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Adds ``amount`` to the counter ``key``."""
        return await self._call(self.sync.incr, key, expiry, amount)

    async def get(self, key: str) -> int:
        """The counter ``key``."""
        return await self._call(self.sync.get, key)

    async def get_expiry(self, key: str) -> float:
        """When ``key`` expires, Unix seconds."""
        return await self._call(self.sync.get_expiry, key)

    async def check(self) -> bool:
        """Whether the storage answers."""
        return await self._call(self.sync.check)

    async def reset(self) -> int | None:
        """Forgets every limit."""
        return await self._call(self.sync.reset)

    async def clear(self, key: str) -> None:
        """Forgets ``key``."""
        await self._call(self.sync.clear, key)

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Moving window: takes ``amount`` entries if they fit."""
        return await self._call(self.sync.acquire_entry, key, limit, expiry, amount)

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """Moving window: ``(start of the window, entries in it)``."""
        return await self._call(self.sync.get_moving_window, key, limit, expiry)

    async def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Sliding window: counts ``amount`` if it fits."""
        return await self._call(self.sync.acquire_sliding_window_entry, key, limit, expiry, amount)

    async def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """Sliding window: ``(previous count, previous TTL, current count, current TTL)``."""
        return await self._call(self.sync.get_sliding_window, key, expiry)

    async def clear_sliding_window(self, key: str, expiry: int) -> None:
        """Sliding window: forgets both windows of ``key``."""
        await self._call(self.sync.clear_sliding_window, key, expiry)


MovingWindowSupport = Storage
"""Every Bulwark async storage keeps moving windows."""

SlidingWindowCounterSupport = Storage
"""Every Bulwark async storage keeps sliding windows."""


class MemoryStorage(Storage):
    """``async+memory://`` (``limits.aio.storage.MemoryStorage``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["async+memory"]
    _sync_class = _SyncMemory


class RedisStorage(Storage):
    """``async+redis://host:port/db`` (``limits.aio.storage.RedisStorage``); calls run in a worker
    thread."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["async+redis", "async+rediss", "async+redis+unix"]
    _sync_class = _SyncRedis
    _in_thread = True



class RedisClusterStorage(Storage):
    """``async+redis+cluster://host:port,host:port`` (``limits.aio.storage.RedisClusterStorage``);
    calls run in a worker thread."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["async+redis+cluster", "async+rediss+cluster"]
    _sync_class = _SyncRedisCluster
    _in_thread = True


class RedisSentinelStorage(Storage):
    """``async+redis+sentinel://host:port/service`` (``limits.aio.storage.RedisSentinelStorage``);
    calls run in a worker thread."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["async+redis+sentinel", "async+rediss+sentinel"]
    _sync_class = _SyncRedisSentinel
    _in_thread = True
