"""``limits.strategies``: the rate-limiting strategies."""

from __future__ import annotations

from . import (
    STRATEGIES,
    FixedWindowRateLimiter,
    GCRARateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from . import _CountersStrategy as RateLimiter

__all__ = [
    "RateLimiter",
    "FixedWindowRateLimiter",
    "MovingWindowRateLimiter",
    "SlidingWindowCounterRateLimiter",
    "GCRARateLimiter",
    "STRATEGIES",
]
