"""The asyncio rate-limiting surface (``limits.aio``): async storages and strategies on the same
core decisions. Memory storage answers at once; a Redis call runs in a worker thread so the
event loop never waits on the network."""

from __future__ import annotations

from . import storage, strategies

__all__ = ["storage", "strategies"]
