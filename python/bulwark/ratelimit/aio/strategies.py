"""Async strategies (``limits.aio.strategies``): the synchronous strategies' core decisions,
awaited (in a worker thread for Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

from .. import FixedWindowRateLimiter as _Fixed
from .. import MovingWindowRateLimiter as _Moving
from .. import RateLimitItem, WindowStats
from .. import SlidingWindowCounterRateLimiter as _Sliding
from .storage import Storage

__all__ = [
    "RateLimiter",
    "FixedWindowRateLimiter",
    "MovingWindowRateLimiter",
    "SlidingWindowCounterRateLimiter",
    "STRATEGIES",
]


class RateLimiter:
    """An async strategy over an async storage (``async+memory://`` or ``async+redis://``)."""

    _sync_class: Any = _Fixed

    def __init__(self, storage: Storage) -> None:
        if not isinstance(storage, Storage):
            raise TypeError(
                f"{type(self).__name__} needs one of Bulwark's async storages "
                f"(storage_from_string('async+memory://') or 'async+redis://…'), got {type(storage).__name__}"
            )
        self.storage = storage
        self._sync = self._sync_class(storage.sync)
        self._in_thread = storage._in_thread

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._in_thread:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    async def hit(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Consumes ``cost`` of the limit; False when that would exceed it."""
        return bool(await self._run(self._sync.hit, item, *identifiers, cost=cost))

    async def test(self, item: RateLimitItem, *identifiers: Any, cost: int = 1) -> bool:
        """Whether ``cost`` would fit, without consuming it."""
        return bool(await self._run(self._sync.test, item, *identifiers, cost=cost))

    async def get_window_stats(self, item: RateLimitItem, *identifiers: Any) -> WindowStats:
        """``(reset time, remaining)`` as the synchronous strategy reports them."""
        stats: WindowStats = await self._run(self._sync.get_window_stats, item, *identifiers)
        return stats

    async def clear(self, item: RateLimitItem, *identifiers: Any) -> None:
        """Forgets what is counted for the identifiers."""
        await self._run(self._sync.clear, item, *identifiers)


class FixedWindowRateLimiter(RateLimiter):
    """``limits.aio.strategies.FixedWindowRateLimiter``."""

    _sync_class = _Fixed


class MovingWindowRateLimiter(RateLimiter):
    """``limits.aio.strategies.MovingWindowRateLimiter``."""

    _sync_class = _Moving


class SlidingWindowCounterRateLimiter(RateLimiter):
    """``limits.aio.strategies.SlidingWindowCounterRateLimiter``."""

    _sync_class = _Sliding


STRATEGIES = {
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
    "moving-window": MovingWindowRateLimiter,
}
"""The async strategy classes by ``limits``' names."""
