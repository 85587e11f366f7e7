"""``jwt.jwk_set_cache``: the cache of a ``PyJWKClient``'s key set (PyJWT's ``JWKSetCache``)."""

from __future__ import annotations

import time

from .api_jwk import PyJWKSet

__all__ = ["JWKSetCache"]


class JWKSetCache:
    """One key set, fresh for ``lifespan`` seconds after it was put (monotonic clock)."""

    def __init__(self, lifespan: float) -> None:
        self.lifespan = lifespan
        self.jwk_set_with_timestamp: tuple[PyJWKSet, float] | None = None

    def put(self, jwk_set: PyJWKSet) -> None:
        """Keeps ``jwk_set`` as of now."""
        self.jwk_set_with_timestamp = (jwk_set, time.monotonic())

    def get(self) -> PyJWKSet | None:
        """The set while it is fresh, else None."""
        if self.jwk_set_with_timestamp is None or self.is_expired():
            return None
        return self.jwk_set_with_timestamp[0]

    def is_expired(self) -> bool:
        """Whether the set is older than ``lifespan`` (or there is none)."""
        if self.jwk_set_with_timestamp is None:
            return True
        return time.monotonic() - self.jwk_set_with_timestamp[1] >= self.lifespan

    def delete(self) -> None:
        """Forgets the set."""
        self.jwk_set_with_timestamp = None
