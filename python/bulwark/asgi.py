"""ASGI integration (Starlette, FastAPI, any ASGI 3 app): rate limiting, security headers and CORS
as pure ASGI middlewares (no Starlette import), and ``JWTBearer``, a FastAPI dependency that
returns the verified claims.

    app = FastAPI()
    app.add_middleware(RateLimitMiddleware, limits=["100 per minute"])
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CORSMiddleware, origins=["https://app.example"])
    admin = JWTBearer(key=PUBLIC_KEY, algorithms=["ES256"], role="admin")

    @app.get("/admin")
    def admin_page(claims: dict = Depends(admin)): ...

Refusals are JSON: 401 with ``WWW-Authenticate: Bearer error="invalid_token"``, 403 with
``error="insufficient_scope"``, 429 with ``Retry-After`` and the rate-limit headers, 503 when the
shared rate-limit store is unreachable and the limiter fails closed. Denials go to
``bulwark.redact.SecurityLogger`` with secrets redacted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from bulwark import jwt
from bulwark._web import (
    CHALLENGE_INVALID,
    CHALLENGE_SCOPE,
    RouteRates,
    TokenVerifier,
    bearer_token,
    default_security_logger,
    denial_reason,
    error_body,
    limit_text,
    new_limiter,
)
from bulwark.exceptions import BackendError, BulwarkError, InsufficientScopeError, InvalidInputError
from bulwark.headers import CORSPolicy, security_headers
from bulwark.ipnet import AccessList, Networks, TrustedProxies, decide_request
from bulwark.oauth import AccessToken, AccessTokenVerifier, Introspector, parse_scope
from bulwark.ratelimit import Decision
from bulwark.redact import SecurityLogger
from bulwark.versioning import VersionPolicy

try:  # Only JWTBearer needs Starlette (FastAPI reads the annotation to pass the request).
    from starlette.requests import Request
except ImportError:  # pragma: no cover - depends on what is installed
    Request = Any  # type: ignore[misc,assignment]

__all__ = ["APIVersion", "CORSMiddleware", "RequireScope", "IPFilterMiddleware", "IPRestrict", "JWTBearer",
           "RateLimitMiddleware", "SecurityHeadersMiddleware", "VersioningMiddleware", "api_version",
           "client_address", "require_scope"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


_CLIENT = "bulwark.client"


def client_address(scope: Scope) -> str:
    """The client's address: what an outer ``IPFilterMiddleware`` found behind its trusted
    proxies, else the peer address the server reports (``127.0.0.1`` when it reports none). The
    rate limiter's default key is this address."""
    found = scope.get(_CLIENT)
    if found is not None:
        return str(found)
    client = scope.get("client")
    return str(client[0]) if client else "127.0.0.1"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _facts(scope: Scope) -> dict[str, Any]:
    return {
        "ip": client_address(scope),
        "method": scope.get("method"),
        "path": scope.get("path"),
        "user_agent": _header(scope, b"user-agent"),
    }


def _encode(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def _respond(send: Send, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw + _encode(headers)})
    await send({"type": "http.response.body", "body": body})


def _add_missing(message: Message, headers: list[tuple[bytes, bytes]]) -> None:
    """Adds headers to a ``http.response.start`` message unless the app set them; ``vary`` is
    merged rather than replaced."""
    current = list(message.get("headers") or [])
    have = {bytes(k).lower(): i for i, (k, _) in enumerate(current)}
    for name, value in headers:
        if name == b"vary" and name in have:
            i = have[name]
            old = bytes(current[i][1]).decode("latin-1")
            parts = [p.strip() for p in old.split(",")]
            extra = [p.strip() for p in value.decode("latin-1").split(",") if p.strip() not in parts]
            current[i] = (name, ", ".join(parts + extra).encode("latin-1"))
        elif name not in have:
            current.append((name, value))
    message["headers"] = current


def _adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """``send`` that adds ``headers`` (those the app did not set) to the response start."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            _add_missing(message, headers)
        await send(message)

    return send_with_headers


class RateLimitMiddleware:
    """Limits every HTTP request by client address (or ``key_func(scope)``).

    ``limits``: rate strings (``"100 per minute"``, ``"10/second; 1000/day"``); ``per_path`` gives
    each path its own count; ``exempt_paths`` are never limited. ``storage_uri`` ``memory://`` or
    Redis in any topology (``redis://``, ``rediss://``, ``redis+cluster://``,
    ``redis+sentinel://``; shared by every process), with ``storage_options`` as the ``limits``
    storages read them (``ssl_ca_certs``, ``socket_timeout``, ...); ``strategy`` as
    ``bulwark.ratelimit``, ``on_backend_failure`` ``deny`` (503, the default), ``allow`` or
    ``local``."""

    def __init__(
        self,
        app: ASGIApp,
        limits: str | Sequence[str] = ("100 per minute",),
        *,
        key_func: Callable[[Scope], str] | None = None,
        storage_uri: str = "memory://",
        strategy: str = "fixed-window",
        headers_enabled: bool = True,
        per_path: bool = False,
        exempt_paths: Iterable[str] = (),
        on_backend_failure: str = "deny",
        key_prefix: str | None = None,
        security_logger: SecurityLogger | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.rates = RouteRates([limits] if isinstance(limits, str) else list(limits))
        if not self.rates.items():
            raise InvalidInputError("no rate given: the middleware needs at least one limit")
        self.key_func = key_func or client_address
        self.limiter = new_limiter(storage_uri, strategy, on_backend_failure, key_prefix, storage_options)
        self.headers_enabled = headers_enabled
        self.on_backend_failure = on_backend_failure
        self.per_path = per_path
        self.exempt_paths = frozenset(exempt_paths)
        self.security_logger = security_logger
        # A Redis round trip is taken off the event loop; a memory hit is a few microseconds.
        self._offload = not storage_uri.startswith("memory://")

    def _hit(self, key: str) -> Decision:
        return self.limiter.hit(key, *self.rates.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        key = self.key_func(scope)
        if self.per_path:
            key = f"{scope.get('path')}/{key}"
        if self._offload:
            decision = await asyncio.get_running_loop().run_in_executor(None, self._hit, key)
        else:
            decision = self._hit(key)
        if not decision.allowed:
            logger = self.security_logger or default_security_logger()
            if decision.backend_error is not None and self.on_backend_failure == "deny":
                body = error_body("rate_limiter_unavailable", "rate limiting is unavailable; try again later")
                await _respond(send, 503, body, {"Retry-After": "1"})
                return
            logger.log_suspicious_activity("rate_limited", {**_facts(scope), "limit": limit_text(decision)})
            body = error_body("rate_limited", f"rate limit exceeded: {limit_text(decision)}",
                              retry_after=decision.retry_after_seconds)
            await _respond(send, 429, body, decision.headers() if self.headers_enabled else
                           {"Retry-After": str(decision.retry_after_seconds)})
            return
        if not self.headers_enabled:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _adding(send, _encode(decision.headers())))


class SecurityHeadersMiddleware:
    """Adds ``bulwark.headers.security_headers(**options)`` to every HTTP response (headers the
    app set itself are kept)."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.headers = _encode(security_headers(**options))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _adding(send, self.headers))


class IPFilterMiddleware:
    """IP allow and deny lists for every HTTP request, and where the client's address comes from.
    Add it outermost (last with Starlette's ``add_middleware``): it records the address in the
    scope, so ``client_address`` and the rate limiter's default key use the same one.

    ``allow`` / ``deny``: CIDR lists decided by core (403 ``address_not_allowed``).
    ``trusted_proxies``: without it the client is the server's peer; with it, core reads the
    proxies' forwarding header (400 ``invalid_client_address`` when an entry it must read is not
    an address)."""

    def __init__(self, app: ASGIApp, *, allow: Networks | None = None, deny: Networks | None = None,
                 trusted_proxies: TrustedProxies | None = None,
                 security_logger: SecurityLogger | None = None) -> None:
        self.app = app
        self.access = AccessList(allow=allow, deny=deny)
        self.trusted_proxies = trusted_proxies
        self.security_logger = security_logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {}
        if self.trusted_proxies is not None:
            name = self.trusted_proxies.header.lower().encode("latin-1")
            values = [bytes(v).decode("latin-1") for k, v in scope.get("headers") or () if k.lower() == name]
            if values:
                headers[self.trusted_proxies.header] = ", ".join(values)
        client, status, reason = decide_request(self.access, self.trusted_proxies, client_address(scope), headers)
        if status == 400:
            await _respond(send, 400, error_body("invalid_client_address", reason), {})
            return
        scope[_CLIENT] = client
        if status == 403:
            (self.security_logger or default_security_logger()).log_suspicious_activity(
                "address_not_allowed", _facts(scope))
            await _respond(send, 403, error_body("address_not_allowed", reason), {})
            return
        await self.app(scope, receive, send)


class IPRestrict:
    """A route's own allow/deny lists, as a FastAPI dependency (``Depends(IPRestrict(allow=...))``),
    checked against ``client_address`` (behind an ``IPFilterMiddleware``'s trusted proxies)."""

    def __init__(self, allow: Networks | None = None, deny: Networks | None = None, *,
                 security_logger: SecurityLogger | None = None) -> None:
        self.access = AccessList(allow=allow, deny=deny)
        self.security_logger = security_logger

    async def __call__(self, request: Request) -> str:
        from starlette.exceptions import HTTPException

        address, status, reason = decide_request(self.access, None, client_address(request.scope), {})
        if status:
            (self.security_logger or default_security_logger()).log_suspicious_activity(
                "address_not_allowed", _facts(request.scope))
            detail: Any = {"error": "address_not_allowed", "message": reason}
            raise HTTPException(403, detail=detail)
        return address


_VERSIONING = "bulwark.versioning"
_VERSION = "bulwark.api_version"
_VERSION_HEADERS = "bulwark.version_headers"
_VERSION_REQUEST = "bulwark.version_request"


def _version_request(scope: Scope, policy: VersionPolicy) -> dict[str, str]:
    """The two headers core reads (the policy's version header and ``Accept``) off the scope."""
    wanted = [n for n in (policy.header, "Accept") if n]
    found = {}
    for name in wanted:
        value = _header(scope, name.lower().encode("latin-1"))
        if value is not None:
            found[name] = value
    return found


class VersioningMiddleware:
    """API versions for every HTTP request, decided by core before the app: 400
    ``unsupported_api_version`` with the supported list, 410 ``api_version_gone`` past the
    sunset; the answer carries the version served and, for a deprecated one, ``Deprecation``,
    ``Sunset`` and ``Link``. Takes a ``VersionPolicy`` or its keyword arguments. With
    ``url_prefix=True`` the prefix is taken off the path before routing (``/v2/orders`` is routed
    as ``/orders``). ``api_version(scope)`` is the version served; ``Depends(APIVersion("2.0"))``
    narrows a route. ``exempt_paths``: paths not versioned (``/health``)."""

    def __init__(self, app: ASGIApp, policy: VersionPolicy | None = None, *,
                 exempt_paths: Iterable[str] = (), **policy_options: Any) -> None:
        if policy is None:
            policy = VersionPolicy(**policy_options)
        elif policy_options:
            raise ValueError("give either a VersionPolicy or its options, not both")
        self.app = app
        self.policy = policy
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        facts = (_version_request(scope, self.policy), scope.get("path", ""))
        decision = self.policy.decide(*facts)
        if not decision.allowed:
            await _respond(send, decision.status, decision.body or b"{}", dict(decision.headers))
            return
        scope = dict(scope)
        scope[_VERSION_REQUEST] = facts
        if decision.path is not None:
            scope["path"] = decision.path
            scope["raw_path"] = decision.path.encode("utf-8")
        scope[_VERSIONING] = self.policy
        scope[_VERSION] = decision.version
        added: list[tuple[str, str]] = list(decision.headers)
        scope[_VERSION_HEADERS] = added

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_missing(message, [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in added])
            await send(message)

        await self.app(scope, receive, send_with_version)


def api_version(scope: Scope) -> str | None:
    """The API version serving this request (set by ``VersioningMiddleware`` or ``APIVersion``)."""
    version = scope.get(_VERSION)
    return None if version is None else str(version)


class APIVersion:
    """A route that serves only some versions, as a FastAPI dependency
    (``Depends(APIVersion("2.0"))``) returning the version served. Under ``VersioningMiddleware``
    the versions must be in its policy; without it the route reads the ``API-Version`` header and
    serves exactly these versions (a request without it is 400)."""

    def __init__(self, *versions: str) -> None:
        if not versions or not all(isinstance(v, str) for v in versions):
            raise TypeError("APIVersion takes one or more version strings")
        self.versions = versions
        self.standalone = VersionPolicy(supported=list(versions))
        self._narrowed: dict[int, tuple[VersionPolicy, VersionPolicy]] = {}

    def _policy(self, scope: Scope) -> VersionPolicy:
        outer = scope.get(_VERSIONING)
        if outer is None:
            return self.standalone
        cached = self._narrowed.get(id(outer))
        if cached is None or cached[0] is not outer:
            cached = self._narrowed[id(outer)] = (outer, outer.restricted(self.versions))
        return cached[1]

    async def __call__(self, request: Request) -> str:
        from starlette.exceptions import HTTPException

        scope = request.scope
        policy = self._policy(scope)
        # Under the middleware, the request as it arrived (before the prefix came off the path).
        facts = scope.get(_VERSION_REQUEST) or (_version_request(scope, policy), scope.get("path", ""))
        decision = policy.decide(*facts)
        if not decision.allowed:
            detail: Any = json.loads(decision.body or b"{}")
            raise HTTPException(decision.status, detail=detail, headers=dict(decision.headers))
        headers = scope.get(_VERSION_HEADERS)
        if headers is not None:
            headers[:] = decision.headers
        scope[_VERSION] = decision.version
        return str(decision.version)


class RequireScope:
    """An OAuth 2.0 resource-server check as a FastAPI dependency:
    ``Depends(RequireScope("orders:read", verifier=verifier))`` returns the ``AccessToken`` of a
    bearer token the ``AccessTokenVerifier`` (RFC 9068) or ``Introspector`` (RFC 7662) accepts
    and that carries every scope; 401 ``invalid_token``, 403 ``insufficient_scope`` (naming the
    scopes), 503 when the introspection endpoint cannot answer."""

    def __init__(self, *scopes: str, verifier: AccessTokenVerifier | Introspector,
                 security_logger: SecurityLogger | None = None) -> None:
        self.scopes = [s for scope in scopes for s in parse_scope(scope)]
        self.verifier = verifier
        self.security_logger = security_logger

    def _deny(self, request: Any, status: int, kind: str, body: dict[str, Any], challenge: str | None) -> Exception:
        from starlette.exceptions import HTTPException

        (self.security_logger or default_security_logger()).log_suspicious_activity(kind, _facts(request.scope))
        headers = {"WWW-Authenticate": challenge} if challenge else None
        detail: Any = body
        return HTTPException(status, detail=detail, headers=headers)

    async def __call__(self, request: Request) -> AccessToken:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise self._deny(request, 401, "auth_failed",
                             {"error": "invalid_token", "message": "authentication required"}, CHALLENGE_INVALID)
        try:
            if isinstance(self.verifier, Introspector):
                access = await asyncio.to_thread(self.verifier.verify, token)
            else:
                access = self.verifier.verify(token)
        except BackendError:
            raise self._deny(request, 503, "auth_unavailable",
                             {"error": "authorization_server_unavailable",
                              "message": "the authorization server cannot be reached"}, None) from None
        except BulwarkError:
            raise self._deny(request, 401, "auth_failed",
                             {"error": "invalid_token", "message": "invalid or expired token"},
                             CHALLENGE_INVALID) from None
        try:
            access.require(*self.scopes)
        except InsufficientScopeError:
            wanted = " ".join(self.scopes)
            raise self._deny(request, 403, "forbidden",
                             {"error": "insufficient_scope", "message": "the token lacks a scope this route needs",
                              "scope": wanted}, f'{CHALLENGE_SCOPE}, scope="{wanted}"') from None
        request.scope["bulwark.oauth_token"] = access
        return access


def require_scope(*scopes: str, verifier: AccessTokenVerifier | Introspector,
                  security_logger: SecurityLogger | None = None) -> RequireScope:
    """``Depends(require_scope("orders:read", verifier=verifier))``: the same check as Flask's
    ``@require_scope``, as a FastAPI dependency (a ``RequireScope``)."""
    return RequireScope(*scopes, verifier=verifier, security_logger=security_logger)


class CORSMiddleware:
    """Answers CORS preflights (204 allowed, 403 refused, the app is not called) and adds the
    CORS headers to other responses, per a ``CORSPolicy`` or its keyword arguments."""

    def __init__(self, app: ASGIApp, policy: CORSPolicy | None = None, *,
                 security_logger: SecurityLogger | None = None, **policy_options: Any) -> None:
        if policy is None:
            if "origins" not in policy_options:
                raise ValueError("CORSMiddleware needs a CORSPolicy or origins=[...]")
            policy = CORSPolicy(**policy_options)
        elif policy_options:
            raise ValueError("give either a CORSPolicy or its options, not both")
        self.app = app
        self.policy = policy
        self.security_logger = security_logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        method = _header(scope, b"access-control-request-method")
        if scope.get("method") == "OPTIONS" and origin is not None and method is not None:
            requested = _header(scope, b"access-control-request-headers") or ""
            decision = self.policy.check_preflight(origin, method, requested)
            if decision.allowed:
                await send({"type": "http.response.start", "status": 204, "headers": _encode(decision.headers)})
                await send({"type": "http.response.body", "body": b""})
            else:
                (self.security_logger or default_security_logger()).log_suspicious_activity(
                    "cors_denied", {**_facts(scope), "origin": origin, "requested_method": method})
                await _respond(send, 403, error_body("cors_denied", "origin or method not allowed"), decision.headers)
            return
        await self.app(scope, receive, _adding(send, _encode(self.policy.check_request(origin).headers)))


class JWTBearer:
    """FastAPI dependency: ``claims: dict = Depends(JWTBearer(key=..., algorithms=[...]))``.

    Verifies ``Authorization: Bearer`` against ``key`` (or a ``jwt.PyJWKClient``) and the
    algorithm allow-list, requires ``exp`` unless ``options`` says otherwise, checks ``role``
    (any of) and ``permission`` (all of), and returns the claims (also on
    ``request.state.jwt_claims``). Raises FastAPI's ``HTTPException`` 401/403 otherwise."""

    def __init__(
        self,
        key: Any,
        algorithms: Sequence[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0,
        *,
        role: str | Iterable[str] | None = None,
        permission: str | Iterable[str] | None = None,
        options: Mapping[str, Any] | None = None,
        roles_claim: str = "roles",
        permissions_claim: str = "permissions",
        security_logger: SecurityLogger | None = None,
    ) -> None:
        self.verifier = TokenVerifier(key, algorithms, issuer, audience, leeway, options, roles_claim,
                                      permissions_claim)
        self.role = role
        self.permission = permission
        self.security_logger = security_logger

    def _deny(self, request: Any, status: int, kind: str, message: str, challenge: str, **details: Any) -> Exception:
        from starlette.exceptions import HTTPException

        facts = _facts(request.scope)
        (self.security_logger or default_security_logger()).log_suspicious_activity(kind, {**facts, **details})
        code = "invalid_token" if status == 401 else "forbidden"
        # FastAPI serialises any JSON value as ``detail``; Starlette's stub says str.
        detail: Any = {"error": code, "message": message}
        return HTTPException(status, detail=detail, headers={"WWW-Authenticate": challenge})

    async def __call__(self, request: Request) -> dict[str, Any]:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise self._deny(request, 401, "auth_failed", "authentication required", CHALLENGE_INVALID,
                             reason="missing_token")
        try:
            # A JWKS fetch is blocking network I/O: it runs in a worker thread, never on the
            # event loop (keys already cached are used at once).
            key = self.verifier.cached_key_for(token)
            if key is None:
                key = await asyncio.to_thread(self.verifier.key_for, token)
            claims = self.verifier.verify(token, key)
        except jwt.PyJWTError as exc:
            raise self._deny(request, 401, "auth_failed", "invalid or expired token", CHALLENGE_INVALID,
                             reason=denial_reason(exc)) from None
        if not self.verifier.authorized(claims, self.role, self.permission):
            raise self._deny(request, 403, "forbidden", "not allowed", CHALLENGE_SCOPE, subject=claims.get("sub"))
        request.state.jwt_claims = claims
        return claims
