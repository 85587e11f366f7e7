"""``PyJWKClient``: fetches and caches a JWKS over HTTP(S), without turning an identity-provider
outage into an auth outage or a denial of service.

Differences from PyJWT's client, all on purpose:

- a failed refresh keeps serving the last good key set (PyJWT #1162 dropped it);
- an unknown ``kid`` triggers at most one refetch per ``min_refetch_interval`` seconds, and so
  does a failed fetch (PyJWT's GHSA-fhv5-28vv-h8m8 was an unbounded fetch per forged ``kid``);
- the response is read up to ``max_response_bytes`` and refused beyond it; fetches time out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .api_jwk import PyJWK, PyJWKSet
from .exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

__all__ = ["PyJWKClient"]

_log = logging.getLogger("bulwark.jwt")


class PyJWKClient:
    """Keys of a JWKS endpoint, picked by the ``kid`` of a token (PyJWT's API)."""

    def __init__(
        self,
        uri: str,
        cache_keys: bool = False,
        max_cached_keys: int = 16,
        cache_jwk_set: bool = True,
        lifespan: float = 300,
        headers: dict[str, Any] | None = None,
        timeout: float = 30,
        ssl_context: Any = None,
        *,
        min_refetch_interval: float = 60,
        max_response_bytes: int = 1 << 20,
    ) -> None:
        if lifespan <= 0:
            raise PyJWKClientError(f'Lifespan must be greater than 0, the input is "{lifespan}"')
        if max_response_bytes <= 0 or timeout <= 0 or min_refetch_interval < 0:
            raise PyJWKClientError("timeout and max_response_bytes must be positive")
        self.uri = uri
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.lifespan = lifespan if cache_jwk_set else 0.0
        self.min_refetch_interval = min_refetch_interval
        self.max_response_bytes = max_response_bytes
        # cache_keys / max_cached_keys are accepted for compatibility: key lookups are already
        # served from the cached set.
        self.cache_keys = cache_keys
        self.max_cached_keys = max_cached_keys
        self._lock = threading.Lock()
        self._jwk_set: PyJWKSet | None = None
        self._fetched_at = 0.0  # monotonic time of the last good fetch
        self._attempted_at: float | None = None  # monotonic time of the last attempt
        self._last_error: Exception | None = None

    def fetch_data(self) -> Any:
        """Fetches and parses the JWKS JSON (one request, bounded in time and size)."""
        request = urllib.request.Request(
            self.uri, headers={"User-Agent": "bulwark-jwt", **self.headers}
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout, context=self.ssl_context
            ) as response:
                body = response.read(self.max_response_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise PyJWKClientConnectionError(
                f'Fail to fetch data from the url, err: "{e}"'
            ) from e
        if len(body) > self.max_response_bytes:
            raise PyJWKClientConnectionError(
                f"the JWKS response is larger than {self.max_response_bytes} bytes"
            )
        try:
            return json.loads(body)
        except ValueError as e:
            raise PyJWKClientConnectionError(f"the JWKS response is not JSON: {e}") from e

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refetch_interval

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        """The key set: cached for ``lifespan`` seconds; refreshed at most once per
        ``min_refetch_interval``; the last good set survives failed refreshes."""
        with self._lock:
            now = time.monotonic()
            fresh = self._jwk_set is not None and now - self._fetched_at < self.lifespan
            if self._jwk_set is not None and (fresh and not refresh or not self._may_fetch(now)):
                return self._jwk_set
            if self._jwk_set is None and not self._may_fetch(now):
                raise PyJWKClientConnectionError(
                    f"the JWKS endpoint failed {now - (self._attempted_at or now):.0f}s ago and "
                    f"is retried every {self.min_refetch_interval:g}s: {self._last_error}"
                )
            self._attempted_at = now
            try:
                data = self.fetch_data()
                if not isinstance(data, dict):
                    raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
                jwk_set = PyJWKSet.from_dict(data)
            except (PyJWKClientError, PyJWKSetError) as e:
                self._last_error = e
                if self._jwk_set is None:
                    if isinstance(e, PyJWKClientError):
                        raise
                    raise PyJWKClientError(str(e)) from e
                _log.warning("JWKS refresh from %s failed; serving the last good keys: %s", self.uri, e)
                return self._jwk_set
            self._jwk_set, self._fetched_at, self._last_error = jwk_set, now, None
            return jwk_set

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        """The keys usable for signatures (``use`` absent or ``sig``)."""
        keys = [k for k in self.get_jwk_set(refresh).keys if k.public_key_use in (None, "sig")]
        if not keys:
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return keys

    def get_signing_key(self, kid: str | None) -> PyJWK:
        """The key with this ``kid``; an unknown ``kid`` refreshes the set at most once per
        interval before giving up."""
        key = self._match(self.get_signing_keys(), kid)
        if key is None:
            key = self._match(self.get_signing_keys(refresh=True), kid)
        if key is None:
            raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return key

    @staticmethod
    def _match(keys: list[PyJWK], kid: str | None) -> PyJWK | None:
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        """The key for a token, by the ``kid`` of its (unverified) header."""
        from . import get_unverified_header

        return self.get_signing_key(get_unverified_header(token).get("kid"))
