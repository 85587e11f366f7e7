"""``PyJWKClient``: fetches and caches a JWKS over HTTP(S), without turning an identity-provider
outage into an auth outage or a denial of service.

Differences from PyJWT's client, all on purpose:

- a failed refresh keeps serving the last good key set (PyJWT #1162 dropped it);
- an unknown ``kid`` triggers at most one refetch per ``min_refetch_interval`` seconds, and so
  does a failed fetch (PyJWT's GHSA-fhv5-28vv-h8m8 was an unbounded fetch per forged ``kid``);
- the response is read up to ``max_response_bytes`` and refused beyond it;
- ``timeout`` bounds the whole fetch, not each socket read: a caller waits at most that long,
  and the connection is cut when it passes (an endpoint that trickles bytes cannot hold a
  lookup);
- the fetch runs outside the client's lock: while one is in flight, keys already cached are
  served at once, and at most one fetch runs at a time;
- every failed refresh (connection, HTTP status, non-JSON, ``NaN``, oversized body, no usable
  key) keeps serving the last good keys and surfaces only as a ``PyJWKClientError``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .. import _native
from .api_jwk import PyJWK, PyJWKSet
from .exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError
from .jwk_set_cache import JWKSetCache

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
        if urllib.parse.urlsplit(uri).scheme.lower() not in ("http", "https"):
            # urllib would also open file:, ftp: and data: URLs: a JWKS comes over HTTP(S) only.
            raise PyJWKClientError(f"the JWKS URI must be http:// or https://, not {uri!r}")
        self.uri = uri
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.lifespan = lifespan if cache_jwk_set else 0.0
        #: The fresh key set (PyJWT's attribute); None when ``cache_jwk_set`` is false.
        self.jwk_set_cache: JWKSetCache | None = JWKSetCache(lifespan) if cache_jwk_set else None
        self.min_refetch_interval = min_refetch_interval
        self.max_response_bytes = max_response_bytes
        # cache_keys / max_cached_keys are accepted for compatibility: key lookups are already
        # served from the cached set.
        self.cache_keys = cache_keys
        self.max_cached_keys = max_cached_keys
        self._lock = threading.Lock()
        self._fetched_cv = threading.Condition(self._lock)
        self._jwk_set: PyJWKSet | None = None
        self._fetched_at = 0.0  # monotonic time of the last good fetch
        self._attempted_at: float | None = None  # monotonic time of the last attempt
        self._last_error: Exception | None = None
        self._fetching = False  # a fetch is in flight (outside the lock)
        self._worker: threading.Thread | None = None  # the thread of the last fetch

    def fetch_data(self) -> Any:
        """Fetches and parses the JWKS JSON: one request, ``timeout`` seconds in all (the
        connection is cut when they pass), at most ``max_response_bytes``, strict JSON."""
        deadline = time.monotonic() + self.timeout
        if self._worker is not None and self._worker.is_alive():
            raise PyJWKClientConnectionError("the previous JWKS fetch is still hanging; not starting another")
        result: dict[str, Any] = {}
        worker = threading.Thread(target=self._fetch_into, args=(result,), name="bulwark-jwks-fetch", daemon=True)
        self._worker = worker
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            _cut(result.get("response"))
            raise PyJWKClientConnectionError(f"the JWKS fetch took longer than {self.timeout:g}s in all")
        if "error" in result:
            raise result["error"]
        body: bytes = result.get("body", b"")
        if len(body) > self.max_response_bytes:
            raise PyJWKClientConnectionError(f"the JWKS response is larger than {self.max_response_bytes} bytes")
        try:
            return json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as e:
            raise PyJWKClientConnectionError(f"the JWKS response is not JSON: {e}") from e

    def _fetch_into(self, result: dict[str, Any]) -> None:
        request = urllib.request.Request(self.uri, headers={"User-Agent": "bulwark-jwt", **self.headers})  # noqa: S310 (http/https only, checked in __init__)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as response:  # noqa: S310 (http/https only, checked in __init__)
                result["response"] = response
                status = getattr(response, "status", 200)
                if isinstance(status, int) and not 200 <= status < 300:
                    raise PyJWKClientConnectionError(f"the JWKS endpoint answered HTTP {status}")
                result["body"] = response.read(self.max_response_bytes + 1)
        except PyJWKClientConnectionError as e:
            result["error"] = e
        except Exception as e:  # URLError, OSError, http.client errors (a bad status line), ...
            if isinstance(e, urllib.error.HTTPError):
                e.close()  # an HTTP error holds the open response: give the connection back
            result["error"] = PyJWKClientConnectionError(f'Fail to fetch data from the url, err: "{e}"')

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refetch_interval

    def get_cached_jwk_set(self) -> PyJWKSet | None:
        """The cached key set if it is still fresh, else None; never fetches (for callers that
        must not block, such as an event loop)."""
        with self._lock:
            return self.jwk_set_cache.get() if self.jwk_set_cache is not None else None

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        """The key set: cached for ``lifespan`` seconds; refreshed at most once per
        ``min_refetch_interval``; the last good set survives failed refreshes."""
        with self._lock:
            now = time.monotonic()
            fresh = self.jwk_set_cache is not None and self.jwk_set_cache.get() is not None
            # The refetch bound applies to refreshes (an unknown kid) and after a failure; a set
            # that merely expired after a good fetch is fetched again.
            bounded = refresh or self._last_error is not None
            if self._jwk_set is not None and (
                (fresh and not refresh) or (bounded and not self._may_fetch(now)) or self._fetching
            ):
                return self._jwk_set
            if self._fetching:  # nothing cached yet: wait for the fetch in flight, within timeout
                self._fetched_cv.wait_for(lambda: not self._fetching, timeout=self.timeout)
                if self._jwk_set is not None:
                    return self._jwk_set
                raise PyJWKClientConnectionError(f"the JWKS endpoint gave no keys: {self._last_error}")
            if self._jwk_set is None and not self._may_fetch(now):
                raise PyJWKClientConnectionError(
                    f"the JWKS endpoint failed {now - (self._attempted_at or now):.0f}s ago and "
                    f"is retried every {self.min_refetch_interval:g}s: {self._last_error}"
                )
            self._attempted_at, self._fetching = now, True
        jwk_set: PyJWKSet | None = None
        error: Exception | None = None
        try:
            data = self.fetch_data()
            if not isinstance(data, dict):
                raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
            jwk_set = PyJWKSet.from_dict(data)
        except PyJWKSetError as e:
            keys = data.get("keys") if isinstance(data, dict) else None
            if isinstance(keys, list) and keys and not any(
                isinstance(k, dict) and _native.jwk_is_signature_key(k) for k in keys
            ):
                error = PyJWKClientError("The JWKS endpoint did not contain any signing keys")
            else:
                error = e
        except PyJWKClientError as e:
            error = e
        except Exception as e:  # anything else a hostile endpoint provokes is a failed refresh too
            error = PyJWKClientConnectionError(f"the JWKS refresh failed: {type(e).__name__}: {e}")
        with self._lock:
            self._fetching = False
            self._fetched_cv.notify_all()
            if jwk_set is not None:
                self._jwk_set, self._fetched_at, self._last_error = jwk_set, time.monotonic(), None
                if self.jwk_set_cache is not None:
                    self.jwk_set_cache.put(jwk_set)
                return jwk_set
            self._last_error = error
            if self._jwk_set is not None:
                _log.warning("JWKS refresh from %s failed; serving the last good keys: %s", self.uri, error)
                return self._jwk_set
        if isinstance(error, PyJWKClientError):
            raise error
        raise PyJWKClientError(str(error)) from error

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
        """Core's selection rule: the key with this ``kid``, or with none the only key."""
        index = _native.jwk_select([k.key_id for k in keys], kid)
        return None if index is None else keys[index]

    def get_cached_signing_key_from_jwt(self, token: str | bytes) -> PyJWK | None:
        """The key for a token from the fresh cached set, or None when that would need a fetch."""
        from . import get_unverified_header

        jwk_set = self.get_cached_jwk_set()
        if jwk_set is None:
            return None
        keys = [k for k in jwk_set.keys if k.public_key_use in (None, "sig")]
        return self._match(keys, get_unverified_header(token).get("kid"))

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        """The key for a token, by the ``kid`` of its (unverified) header."""
        from . import get_unverified_header

        return self.get_signing_key(get_unverified_header(token).get("kid"))


def _refuse_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON: a key set holding them is refused."""
    raise ValueError(f"{name} is not JSON")


def _cut(response: Any) -> None:
    """Shuts down the socket under a urllib response, so a read blocked in it returns now."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
