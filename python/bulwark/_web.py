"""What ``bulwark.flask`` and ``bulwark.asgi`` share: bearer-token verification with roles and
permissions, the JSON error bodies, rate-limit keys and the audit trail. Framework-free."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bulwark import _native, jwt
from bulwark.exceptions import InvalidInputError
from bulwark.ratelimit import Decision, RateLimiter, RateLimitItem, parse_many
from bulwark.redact import SecurityLogger

__all__ = ["TokenVerifier", "bearer_token", "error_body", "RouteRates", "default_security_logger"]

# RFC 6750 section 3: the challenge for a missing, malformed, invalid or expired token, and for a
# token that lacks the role or permission asked for.
CHALLENGE_INVALID = 'Bearer error="invalid_token"'
CHALLENGE_SCOPE = 'Bearer error="insufficient_scope"'

_default_logger: SecurityLogger | None = None


def default_security_logger() -> SecurityLogger:
    """The shared ``SecurityLogger`` (logger ``bulwark.security``) the integrations write to."""
    global _default_logger
    if _default_logger is None:
        _default_logger = SecurityLogger()
    return _default_logger


def error_body(error: str, message: str, **extra: Any) -> bytes:
    """A JSON error body: ``{"error": code, "message": text, ...}``; nothing from the request."""
    return json.dumps({"error": error, "message": message, **extra}, separators=(",", ":")).encode()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive), or
    None when the header is missing, uses another scheme, or is malformed (core's one rule)."""
    return _native.bearer_token(authorization)


class TokenVerifier:
    """Verifies bearer JWTs against one key and an algorithm allow-list, and checks roles and
    permissions. ``key`` may also be a ``jwt.PyJWKClient`` (the key is chosen by the token's kid).

    Roles come from the ``roles`` claim (a list) or ``role`` (a string); permissions from
    ``permissions`` (a list) or the OAuth ``scope`` / ``scp`` claims (space-separated)."""

    def __init__(
        self,
        key: Any,
        algorithms: Sequence[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0,
        options: Mapping[str, Any] | None = None,
        roles_claim: str = "roles",
        permissions_claim: str = "permissions",
    ) -> None:
        self.fetches_keys = hasattr(key, "get_signing_key_from_jwt")
        # Tokens without an expiry are refused unless the caller says otherwise.
        opts = dict(options) if options is not None else {"require": ["exp"]}
        # Core's rules, once, at start-up: known names, no mixed HMAC/public-key list, and the key
        # typed for the list (a public key or JWK text is never an HMAC secret). A JWKS client
        # types each key itself, as a token names it.
        self._native: _native.JwtVerifier | None = None
        if self.fetches_keys:
            _native.jwt_check_allow_list(algorithms)
        else:
            self._native = _native.JwtVerifier(
                key, algorithms, options=opts, audience=audience, issuer=issuer, leeway=leeway
            )
        self._grants = _native.Grants(roles_claim, permissions_claim)
        self.key = key
        self.algorithms = list(algorithms)
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.options = opts
        self.roles_claim = roles_claim
        self.permissions_claim = permissions_claim

    def key_for(self, token: str) -> Any:
        """The key for ``token``: the configured key, or its JWKS key by ``kid`` (may fetch)."""
        return self.key.get_signing_key_from_jwt(token).key if self.fetches_keys else self.key

    def cached_key_for(self, token: str) -> Any:
        """As ``key_for`` without network: None when the JWKS key is not cached and fresh."""
        if not self.fetches_keys:
            return self.key
        jwk = self.key.get_cached_signing_key_from_jwt(token)
        return None if jwk is None else jwk.key

    def verify(self, token: str, key: Any = None) -> dict[str, Any]:
        """The verified claims; raises ``jwt.InvalidTokenError`` (or a subclass) otherwise.
        ``key`` is the one ``key_for(token)`` gave, when the caller looked it up already."""
        if self._native is not None and (key is None or key is self.key):
            return self._native.verify(token)
        if key is None:
            key = self.key_for(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=self.algorithms,
            issuer=self.issuer,
            audience=self.audience,
            leeway=self.leeway,
            options=self.options,
        )
        return claims

    def roles(self, claims: Mapping[str, Any]) -> frozenset[str]:
        """The roles a token grants (core's rule: the roles claim and ``role``)."""
        return frozenset(self._grants.roles(claims))

    def permissions(self, claims: Mapping[str, Any]) -> frozenset[str]:
        """The permissions a token grants (core's rule: the permissions claim, ``scope``, ``scp``)."""
        return frozenset(self._grants.permissions(claims))

    def authorized(
        self, claims: Mapping[str, Any], role: str | Iterable[str] | None, permission: str | Iterable[str] | None
    ) -> bool:
        """True if the claims hold one of ``role`` (any of several) and every ``permission``."""
        return self._grants.allows(claims, role, permission)


def denial_reason(exc: Exception) -> str:
    """A short reason for the audit log (never shown to the client)."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "expired_token"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "bad_signature"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "algorithm_not_allowed"
    return "invalid_token"


class RouteRates:
    """A list of rate strings (or a callable returning one), parsed once per distinct string."""

    def __init__(
        self,
        value: str | Callable[[], str] | Sequence[str | RateLimitItem],
        skip_invalid: logging.Logger | None = None,
    ) -> None:
        self._value = value
        #: Where an invalid rate string is logged and skipped (flask-limiter's behaviour); None
        #: raises instead.
        self._skip_invalid = skip_invalid
        self._cache: dict[str, list[RateLimitItem]] = {}
        if isinstance(value, str):
            self._static: list[RateLimitItem] | None = self._parse(value)
        elif callable(value):
            self._static = None
        else:
            items: list[RateLimitItem] = []
            for v in value:
                items.extend(self._parse(v) if isinstance(v, str) else [v])
            self._static = items

    def _parse(self, text: str) -> list[RateLimitItem]:
        """The rates of ``text``; none for an empty string (no limit, as flask-limiter reads it)."""
        if not text.strip():
            return []
        items = self._cache.get(text)
        if items is None:
            try:
                items = parse_many(text)
            except InvalidInputError as exc:
                if self._skip_invalid is None:
                    raise
                # flask-limiter logs a limit it cannot read and goes on without it.
                self._skip_invalid.error("skipping the rate limit %r: %s", text, exc)
                items = []
            if len(self._cache) < 256:
                self._cache[text] = items
        return items

    def items(self) -> list[RateLimitItem]:
        """The rates for this request."""
        if self._static is not None:
            return self._static
        if not callable(self._value):
            raise TypeError("limit_value must be a rate string, a list of rates or a callable")
        return self._parse(self._value())


def limit_text(decision: Decision) -> str:
    """``10 per 1 second``: the binding rate as flask-limiter words it."""
    return str(decision.rate)


def new_limiter(storage_uri: str, strategy: str, on_backend_failure: str, prefix: str | None,
                storage_options: Mapping[str, Any] | None = None) -> RateLimiter:
    """The core limiter behind a framework integration; ``storage_options`` are the Redis
    connection options flask-limiter passes to its storage (``socket_timeout``, ``ssl_ca_certs``,
    ``ssl_certfile``, ``ssl_keyfile``, ...), read as the ``limits`` storages read them:
    ConfigurationError for one Bulwark would otherwise ignore."""
    if not storage_options:
        return RateLimiter(storage_uri, strategy, on_backend_failure=on_backend_failure, prefix=prefix)
    from .ratelimit.storage import _redis_options

    timeout, redis = _redis_options(dict(storage_options))
    return RateLimiter(storage_uri, strategy, on_backend_failure=on_backend_failure, prefix=prefix, timeout=timeout,
                       **redis)
