"""``limits.aio.storage.memory``: the async memory storage."""

from __future__ import annotations

from . import MemoryStorage

__all__ = ["MemoryStorage"]
