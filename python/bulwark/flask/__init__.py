"""Flask integration: bearer-JWT auth with roles, flask-limiter's ``Limiter``, security headers,
CORS, request validation with pydantic or marshmallow, and an audit trail — on Bulwark's core.

Needs Flask >= 2.3 (``pip install bulwark[flask]``). Code written for flask-limiter runs after
changing the imports::

    from bulwark.flask import Limiter              # was: from flask_limiter import Limiter
    from bulwark.flask.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, default_limits=["100 per minute"])

    @app.get("/slow")
    @limiter.limit("10 per second")
    def slow(): ...

Every refusal is a JSON body and an ``HTTPException`` subclass (so ``@app.errorhandler(401)``
can restyle it): 401 with ``WWW-Authenticate: Bearer error="invalid_token"``, 403 with
``error="insufficient_scope"``, 429 with ``Retry-After`` and the rate-limit headers, 400 with the
field errors. Denials are written to ``bulwark.redact.SecurityLogger`` with secrets redacted.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar, overload

import flask
from flask import Flask, Response, current_app, g, make_response, request
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    Gone,
    HTTPException,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)

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
from bulwark.exceptions import BackendError, BulwarkError, InsufficientScopeError
from bulwark.exceptions import RateLimitExceeded as _RateLimitExceededBase
from bulwark.headers import CORSPolicy, security_headers
from bulwark.ipnet import AccessList, Networks, TrustedProxies, decide_request
from bulwark.oauth import AccessToken, AccessTokenVerifier, Introspector
from bulwark.oauth import parse_scope as _parse_scope
from bulwark.ratelimit import Decision, RateLimiter, RateLimitItem, most_restrictive
from bulwark.ratelimit.errors import ConfigurationError
from bulwark.redact import SecurityLogger
from bulwark.versioning import VersionDecision, VersionPolicy

from .util import get_remote_address

__all__ = [
    "CORS",
    "APIVersionGone",
    "APIVersioning",
    "AddressNotAllowed",
    "AuthenticationFailed",
    "AuthorizationServerUnavailable",
    "ApplicationLimit",
    "ExemptionScope",
    "HeaderNames",
    "Limit",
    "MetaLimit",
    "OAuthResourceServer",
    "RequestLimit",
    "RouteLimit",
    "InvalidClientAddress",
    "InvalidRequestBody",
    "IPFilter",
    "JWTAuth",
    "Limiter",
    "PermissionDenied",
    "RateLimitExceeded",
    "RateLimiterUnavailable",
    "SecurityHeaders",
    "UnsupportedAPIVersion",
    "api_version",
    "current_api_version",
    "current_token",
    "current_claims",
    "ip_restrict",
    "get_remote_address",
    "json_body",
    "log_login",
    "require_auth",
    "require_scope",
    "validate_input",
]

P = ParamSpec("P")
R = TypeVar("R")
V = TypeVar("V")  # a view or a blueprint, handed back unchanged
# validate_input may pass the view one more keyword (``arg``), so it keeps the view's type as is.
F = TypeVar("F", bound=Callable[..., Any])
_log = logging.getLogger("bulwark.flask")


# ----------------------------------------------------------------------------- JSON refusals


class _JSONError(HTTPException):
    """An HTTP refusal whose response is a small JSON body (and never an HTML page)."""

    error = "error"

    def __init__(self, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra
        self.headers = dict(headers or {})

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        body = error_body(self.error, self.message, **self.extra)
        resp = Response(body, status=self.code, mimetype="application/json")
        for name, value in self.headers.items():
            resp.headers[name] = value
        return resp


class AuthenticationFailed(_JSONError, Unauthorized):
    """401: no bearer token, or one that is malformed, badly signed, expired or not yet valid."""

    error = "invalid_token"


class PermissionDenied(_JSONError, Forbidden):
    """403: a valid token without the role or permission the route asks for."""

    error = "forbidden"


class RateLimitExceeded(_JSONError, TooManyRequests, _RateLimitExceededBase):
    """429: a rate limit is used up; ``.decision`` and ``.limit`` say which and until when. Also a
    ``bulwark.RateLimitExceeded``, so one ``except`` serves every door."""

    error = "rate_limited"

    def __init__(self, decision: Decision, message: str | None = None, headers: Mapping[str, str] | None = None):
        retry = decision.retry_after_seconds
        super().__init__(message or f"rate limit exceeded: {limit_text(decision)}", headers, retry_after=retry)
        self.decision = decision
        self.limit = decision.rate


class RateLimiterUnavailable(_JSONError, ServiceUnavailable):
    """503: the shared rate-limit store is unreachable and the limiter fails closed."""

    error = "rate_limiter_unavailable"


class AddressNotAllowed(_JSONError, Forbidden):
    """403: the client's address is on a deny-list, or not on the allow-list."""

    error = "address_not_allowed"


class InvalidClientAddress(_JSONError, BadRequest):
    """400: the forwarding header of a trusted proxy holds an entry that is not an address."""

    error = "invalid_client_address"


class _VersionRefusal(_JSONError):
    """A refusal whose body and headers are core's version decision."""

    def __init__(self, decision: VersionDecision) -> None:
        body = json.loads(decision.body or b"{}")
        super().__init__(str(body.get("message", "")), dict(decision.headers), supported=body.get("supported", []))
        self.decision = decision


class UnsupportedAPIVersion(_VersionRefusal, BadRequest):
    """400: the API version is malformed, not served (here), named twice differently, or missing
    without a default; the body lists the supported versions."""

    error = "unsupported_api_version"


class APIVersionGone(_VersionRefusal, Gone):
    """410: the API version is past its sunset."""

    error = "api_version_gone"


class InvalidRequestBody(_JSONError, BadRequest):
    """400: the body (or query) did not validate; ``fields`` holds the per-field messages."""

    error = "invalid_input"


# ----------------------------------------------------------------------------- audit


def _request_facts() -> dict[str, Any]:
    return {
        "ip": request.remote_addr,
        "method": request.method,
        "path": request.path,
        "user_agent": request.headers.get("User-Agent"),
    }


def log_login(success: bool, user_id: Any, *, logger: SecurityLogger | None = None, **extra: Any) -> str:
    """Write a login outcome for the current request (client address, path, user agent) to the
    security log, secrets redacted; returns the JSON line."""
    facts = _request_facts()
    ip = facts.pop("ip")
    return (logger or default_security_logger()).log_auth_attempt(success, user_id, ip, **facts, **extra)


def _log_denial(logger: SecurityLogger | None, kind: str, **details: Any) -> None:
    (logger or default_security_logger()).log_suspicious_activity(kind, {**_request_facts(), **details})


# ----------------------------------------------------------------------------- API versions


class APIVersioning:
    """The app's API versions: every request is decided by core before its view (400 for an
    unknown version with the supported list, 410 past the sunset), and the answer carries the
    version served and, for a deprecated one, ``Deprecation``, ``Sunset`` and ``Link``.

        APIVersioning(app, supported=["2.0"], deprecated={"1.0": Deprecation(since=..., sunset=...)},
                      default="2.0")

    Takes a ``VersionPolicy`` or its keyword arguments. ``exempt``: endpoints not versioned (a
    health check). With ``url_prefix=True`` the routes keep the prefix in their rule
    (``/v2/orders``); the version is read from it. ``current_api_version()`` is the version
    served; ``@api_version("2.0")`` narrows a route to some versions."""

    def __init__(self, app: Flask | None = None, policy: VersionPolicy | None = None, *,
                 exempt: Iterable[str] = ("static",), **policy_options: Any) -> None:
        if policy is None:
            policy = VersionPolicy(**policy_options)
        elif policy_options:
            raise ValueError("give either a VersionPolicy or its options, not both")
        self.policy = policy
        self.exempt = set(exempt)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Hook the app: decide each request, add the version headers to each answer."""
        app.extensions["bulwark.versioning"] = self
        app.before_request(self._check)
        app.after_request(_version_headers)

    def _check(self) -> None:
        if request.endpoint is None or request.endpoint in self.exempt:
            return
        _decide(self.policy)


def _decide(policy: VersionPolicy) -> None:
    decision = policy.decide(request.headers, request.path)
    g._bulwark_version_headers = decision.headers
    if decision.status == 410:
        raise APIVersionGone(decision)
    if not decision.allowed:
        raise UnsupportedAPIVersion(decision)
    g.api_version = decision.version


def _version_headers(response: Response) -> Response:
    for name, value in g.get("_bulwark_version_headers", ()):
        response.headers[name] = value
    return response


def current_api_version() -> str | None:
    """The API version serving the current request (as the policy names it), or None."""
    version = g.get("api_version")
    return None if version is None else str(version)


def api_version(*versions: str) -> Callable[[Callable[P, R]], Callable[P, Response]]:
    """A route that serves only ``versions``: ``@api_version("2.0")``. Under ``APIVersioning``
    the versions must be in the app's policy; without it the route reads the ``API-Version``
    header and serves exactly these versions (no default: a request without the header is 400)."""
    if not versions or not all(isinstance(v, str) for v in versions):
        raise TypeError("api_version takes one or more version strings")
    standalone = VersionPolicy(supported=list(versions))
    narrowed: weakref.WeakKeyDictionary[APIVersioning, VersionPolicy] = weakref.WeakKeyDictionary()

    def decorate(view: Callable[P, R]) -> Callable[P, Response]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            app_versioning = current_app.extensions.get("bulwark.versioning")
            if app_versioning is None:
                policy = standalone
            else:
                found = narrowed.get(app_versioning)
                if found is None:
                    found = narrowed[app_versioning] = app_versioning.policy.restricted(versions)
                policy = found
            _decide(policy)
            response = make_response(view(*args, **kwargs))
            return _version_headers(response)

        return wrapper

    return decorate


# ----------------------------------------------------------------------------- OAuth resource server


class AuthorizationServerUnavailable(_JSONError, ServiceUnavailable):
    """503: the authorization server could not be asked (introspection)."""

    error = "authorization_server_unavailable"


class OAuthResourceServer:
    """The app as an OAuth 2.0 resource server: bearer tokens checked by an
    ``AccessTokenVerifier`` (RFC 9068 JWTs) or an ``Introspector`` (RFC 7662), then
    ``@require_scope("orders:read")`` per route. 401 with ``WWW-Authenticate: Bearer
    error="invalid_token"`` for a missing or bad token, 403 ``insufficient_scope`` naming the
    scopes, 503 when the introspection endpoint cannot answer."""

    def __init__(self, app: Flask | None = None, verifier: AccessTokenVerifier | Introspector | None = None, *,
                 security_logger: SecurityLogger | None = None) -> None:
        if verifier is None:
            raise ValueError("OAuthResourceServer needs an AccessTokenVerifier or an Introspector")
        self.verifier = verifier
        self.security_logger = security_logger
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Make this the app's resource server (what ``require_scope`` uses)."""
        app.extensions["bulwark.oauth"] = self

    def authenticate(self, scopes: Sequence[str] = ()) -> AccessToken:
        """The current request's verified token carrying ``scopes``, or a 401/403/503."""
        token = bearer_token(request.environ.get("HTTP_AUTHORIZATION"))
        if token is None:
            _log_denial(self.security_logger, "auth_failed", reason="missing_token")
            raise AuthenticationFailed("authentication required", {"WWW-Authenticate": CHALLENGE_INVALID})
        try:
            access = self.verifier.verify(token)
        except BackendError:
            _log_denial(self.security_logger, "auth_unavailable", reason="introspection_failed")
            raise AuthorizationServerUnavailable("the authorization server cannot be reached") from None
        except BulwarkError as exc:
            _log_denial(self.security_logger, "auth_failed", reason=denial_reason(exc))
            raise AuthenticationFailed("invalid or expired token", {"WWW-Authenticate": CHALLENGE_INVALID}) from None
        try:
            access.require(*scopes)
        except InsufficientScopeError:
            wanted = " ".join(scopes)
            _log_denial(self.security_logger, "forbidden", subject=access.subject, scope=wanted)
            raise PermissionDenied("the token lacks a scope this route needs",
                                   {"WWW-Authenticate": f'{CHALLENGE_SCOPE}, scope="{wanted}"'},
                                   scope=wanted) from None
        g.oauth_token = access
        return access


def require_scope(*scopes: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A route that needs a bearer token (checked by the app's ``OAuthResourceServer``) with
    every one of ``scopes``: ``@require_scope("orders:read")``. Scopes are checked here, once."""
    _native_scopes = [s for scope in scopes for s in _parse_scope(scope)]

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            server = current_app.extensions.get("bulwark.oauth")
            if server is None:
                raise RuntimeError("require_scope needs OAuthResourceServer(app, verifier)")
            server.authenticate(_native_scopes)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def current_token() -> AccessToken | None:
    """The current request's OAuth access token (after ``require_scope``), or None."""
    token = g.get("oauth_token")
    return token if isinstance(token, AccessToken) else None


# ----------------------------------------------------------------------------- JWT auth


# ----------------------------------------------------------------------------- IP lists


class IPFilter:
    """IP allow and deny lists for the whole app, and where the client's address comes from.

        IPFilter(app, deny=["203.0.113.0/24"], trusted_proxies=TrustedProxies(networks="10.0.0.0/8"))

    ``allow`` / ``deny``: CIDR lists (``bulwark.ipnet``), decided by core for every request; a
    refused address gets 403 ``address_not_allowed``. ``trusted_proxies``: without it the client is
    the WSGI peer; with it, core reads the proxies' forwarding header (400
    ``invalid_forwarding_header`` when an entry it must read is not an address). The same address
    is the rate limiter's default key (``get_remote_address``) and what ``ip_restrict`` checks."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        allow: Networks | None = None,
        deny: Networks | None = None,
        trusted_proxies: TrustedProxies | None = None,
        security_logger: SecurityLogger | None = None,
    ) -> None:
        self.access = AccessList(allow=allow, deny=deny)
        self.trusted_proxies = trusted_proxies
        self.security_logger = security_logger
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Hook the app (and make this the app's source of client addresses)."""
        app.extensions["bulwark.ip"] = self
        app.before_request(self._check)

    def client_address(self) -> str:
        """The current request's client address by this filter's proxy setting (the peer when
        the forwarding header cannot be read; the request is refused with 400 then). Found once
        per request."""
        found = g.get(_CLIENT)
        if found is None:
            found, status, _ = decide_request(None, self.trusted_proxies, request.remote_addr or "127.0.0.1",
                                              request.headers)
            if status != 400:  # an unreadable header is refused by _check, never remembered
                g.setdefault(_CLIENT, found)
        return str(found)

    def _check(self) -> None:
        _check_access(self.access, self.security_logger, self.trusted_proxies)


# The client address found for the current request (flask.g), so that the filter, the route
# lists and the limiter's key read the forwarding header once.
_CLIENT = "_bulwark_client"


def _check_access(access: AccessList, logger: SecurityLogger | None, trusted: TrustedProxies | None) -> None:
    found = g.get(_CLIENT)
    if found is not None:  # already read off this request by the app's filter
        client, status, reason = decide_request(access, None, found, {})
    else:
        client, status, reason = decide_request(access, trusted, request.remote_addr or "127.0.0.1", request.headers)
    if status == 400:
        raise InvalidClientAddress(reason)
    g.setdefault(_CLIENT, client)
    if status == 403:
        _log_denial(logger, "address_not_allowed", client=client)
        raise AddressNotAllowed(reason)


def ip_restrict(
    allow: Networks | None = None, deny: Networks | None = None, *, security_logger: SecurityLogger | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A route's own allow/deny lists (on top of the app's ``IPFilter``, whose proxy setting gives
    the client's address): ``@ip_restrict(allow="10.0.0.0/8")``. Lists are parsed here, once."""
    access = AccessList(allow=allow, deny=deny)

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            ip_filter = current_app.extensions.get("bulwark.ip")
            _check_access(access, security_logger, ip_filter.trusted_proxies if ip_filter else None)
            return view(*args, **kwargs)

        return wrapper

    return decorate


class JWTAuth:
    """Bearer-JWT authentication for a Flask app.

    ``key``, ``algorithms``, ``issuer``, ``audience`` and ``leeway`` may instead come from
    ``app.config`` (``BULWARK_JWT_KEY``, ``BULWARK_JWT_ALGORITHMS``, ...) at ``init_app``.
    ``algorithms`` is an allow-list and must be given; tokens must carry ``exp`` unless
    ``options`` says otherwise. Verified claims are put on ``flask.g.jwt_claims``."""

    def __init__(
        self,
        app: Flask | None = None,
        key: Any = None,
        algorithms: Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        roles_claim: str = "roles",
        permissions_claim: str = "permissions",
        security_logger: SecurityLogger | None = None,
    ) -> None:
        self._args = dict(key=key, algorithms=algorithms, issuer=issuer, audience=audience, leeway=leeway)
        self._options = options
        self._roles_claim = roles_claim
        self._permissions_claim = permissions_claim
        self.security_logger = security_logger
        self.verifier: TokenVerifier | None = None
        if key is not None and algorithms is not None:
            self.verifier = self._build({})
        if app is not None:
            self.init_app(app)

    def _build(self, config: Mapping[str, Any]) -> TokenVerifier:
        def pick(name: str, default: Any = None) -> Any:
            value = self._args[name]
            return config.get(f"BULWARK_JWT_{name.upper()}", default) if value is None else value

        return TokenVerifier(
            pick("key"),
            pick("algorithms") or [],
            issuer=pick("issuer"),
            audience=pick("audience"),
            leeway=pick("leeway", 0),
            options=self._options,
            roles_claim=self._roles_claim,
            permissions_claim=self._permissions_claim,
        )

    def init_app(self, app: Flask) -> None:
        """Reads missing settings from ``app.config`` and registers the extension (fails now,
        not at the first request, when the key or the algorithm list is missing)."""
        self.verifier = self._build(app.config)
        app.extensions["bulwark.jwt"] = self

    def _verifier(self) -> TokenVerifier:
        if self.verifier is None:
            raise RuntimeError("JWTAuth has no key yet: pass key= and algorithms= or call init_app(app)")
        return self.verifier

    def authenticate(self, role: str | Iterable[str] | None = None,
                     permission: str | Iterable[str] | None = None) -> dict[str, Any]:
        """Verify the current request's bearer token; the claims, or a 401/403 ``HTTPException``."""
        verifier = self._verifier()
        token = bearer_token(request.environ.get("HTTP_AUTHORIZATION"))
        if token is None:
            _log_denial(self.security_logger, "auth_failed", reason="missing_token")
            raise AuthenticationFailed("authentication required", {"WWW-Authenticate": CHALLENGE_INVALID})
        try:
            claims = verifier.verify(token)
        except jwt.PyJWTError as exc:
            _log_denial(self.security_logger, "auth_failed", reason=denial_reason(exc))
            raise AuthenticationFailed("invalid or expired token", {"WWW-Authenticate": CHALLENGE_INVALID}) from None
        if not verifier.authorized(claims, role, permission):
            _log_denial(self.security_logger, "forbidden", subject=claims.get("sub"),
                        role=_words(role), permission=_words(permission))
            raise PermissionDenied("not allowed", {"WWW-Authenticate": CHALLENGE_SCOPE})
        g.jwt_claims = claims
        return claims

    @overload
    def require_auth(self, role: Callable[P, R]) -> Callable[P, R]: ...

    @overload
    def require_auth(
        self, role: str | Iterable[str] | None = None, permission: str | Iterable[str] | None = None
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def require_auth(self, role: Any = None, permission: str | Iterable[str] | None = None) -> Any:
        """Decorator: the view runs only with a valid bearer token holding one of ``role`` and
        every ``permission``. Usable bare (``@auth.require_auth``) or called; the view keeps its
        signature for type checkers."""
        if callable(role) and not isinstance(role, str):
            return self.require_auth()(role)

        def decorator(view: Callable[P, R]) -> Callable[P, R]:
            @functools.wraps(view)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                self.authenticate(role, permission)
                return view(*args, **kwargs)

            return wrapper

        return decorator


def _words(value: str | Iterable[str] | None) -> Any:
    return value if value is None or isinstance(value, str) else sorted(value)


@overload
def require_auth(role: Callable[P, R]) -> Callable[P, R]: ...


@overload
def require_auth(
    role: str | Iterable[str] | None = None, permission: str | Iterable[str] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def require_auth(role: Any = None, permission: str | Iterable[str] | None = None) -> Any:
    """``@require_auth("admin")`` using the app's ``JWTAuth`` (found at request time); the view
    keeps its signature for type checkers."""
    if callable(role) and not isinstance(role, str):
        return require_auth()(role)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            auth = current_app.extensions.get("bulwark.jwt")
            if auth is None:
                raise RuntimeError("require_auth needs JWTAuth(app, ...) or JWTAuth.init_app(app) first")
            auth.authenticate(role, permission)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_claims() -> dict[str, Any] | None:
    """The verified claims of the current request (None before ``require_auth`` ran)."""
    claims: dict[str, Any] | None = g.get("jwt_claims")
    return claims


# ----------------------------------------------------------------------------- rate limits


class ExemptionScope:
    """Which limits ``Limiter.exempt`` lifts (flask-limiter's flag names)."""

    NONE = 0
    APPLICATION = 1
    META = 2
    DEFAULT = 4
    DESCENDENTS = 8
    ANCESTORS = 16


_ALL_EXEMPT = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META


def _qualified_name(fn: Any) -> str:
    return f"{fn.__module__}.{fn.__name__}.{fn.__qualname__}"


class _Limit:
    """One group of rates with how they are keyed and when they apply (a decorator, a default
    or an application limit). Also a context manager for limiting a block inside a view."""

    def __init__(
        self,
        limiter: Limiter,
        limit_value: Any,
        *,
        key_func: Callable[[], str] | None,
        shared: bool,
        scope: str | int | Callable[[str], str | int] | None,
        per_method: bool = False,
        methods: Iterable[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Response], bool] | None = None,
        on_breach: Callable[[Any], Response | None] | None = None,
        cost: int | Callable[[], int] = 1,
    ) -> None:
        self.limiter = limiter
        self.rates = RouteRates(limit_value, skip_invalid=_log)
        self.key_func = key_func
        self.shared = shared
        self.scope = scope
        self.per_method = per_method
        self.methods = {m.upper() for m in methods} if methods else None
        self.error_message = error_message
        self.exempt_when = exempt_when
        self.override_defaults = override_defaults
        self.deduct_when = deduct_when
        self.on_breach = on_breach
        self.cost = cost
        #: A meta limit (on how often a client breaches limits), not a limit on requests.
        self.meta = False

    # -- as a decorator
    def __call__(self, obj: V) -> V:
        """Registers the limit for a view or a blueprint. A function is handed back wrapped (its
        name and signature kept): as a view its limits are checked before the request, as any
        other function a view calls (flask-limiter's rule) the limit is checked when it is
        called, and a breach answers 429 from there."""
        if isinstance(obj, flask.Blueprint):
            self.limiter._blueprint_limits.setdefault(obj.name, []).append(self)
            self.limiter._plans.clear()
            return obj
        name = _qualified_name(obj)
        self.limiter._route_limits.setdefault(name, []).append(self)
        self.limiter._plans.clear()
        if not callable(obj) or getattr(obj, "_bulwark_limited", False):
            return obj  # already wrapped by another limit: one wrapper checks them all
        limiter = self.limiter

        @functools.wraps(obj)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if flask.has_request_context() and limiter.enabled:
                view = current_app.view_functions.get(request.endpoint or "")
                if view is not limited and view is not obj:  # not the view: a function it calls
                    limiter._check_called(name)
            return obj(*args, **kwargs)

        limited._bulwark_limited = True  # type: ignore[attr-defined]
        return limited  # type: ignore[return-value]

    # -- as a context manager
    def __enter__(self) -> Decision | None:
        decision = self.limiter._hit(self, request.endpoint or "")
        if decision is None:
            return None
        if not decision.allowed:
            raise RateLimitExceeded(decision, self._message())
        return decision

    def __exit__(self, *exc: Any) -> None:
        return None

    def applies(self) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return False
        return not (self.exempt_when is not None and self.exempt_when())

    def key(self, endpoint: str) -> str | None:
        """The storage key for this request; None when the key function says the request is
        not limited (it returned None, as flask-limiter reads it)."""
        who = (self.key_func or self.limiter._key_func)()
        if who is None:
            return None
        return self.key_for(endpoint, who, request.method)

    def key_for(self, endpoint: str, who: str, method: str) -> str:
        """The storage key of this limit for client ``who`` calling ``endpoint`` with ``method``
        (what ``key`` computes for a request; the CLI asks it for any client)."""
        if self.shared:
            where = str(self.scope(endpoint) if callable(self.scope) else self.scope)
        else:
            where = endpoint
            if self.scope:
                where += ":" + str(self.scope(endpoint) if callable(self.scope) else self.scope)
        if self.per_method:
            where += ":" + method
        return f"{where}/{who}"

    def hit_cost(self) -> int:
        return self.cost() if callable(self.cost) else self.cost

    def _message(self) -> str | None:
        if self.error_message is None:
            return None
        return self.error_message() if callable(self.error_message) else self.error_message


@dataclasses.dataclass
class Limit:
    """A limit with its settings as an object (flask-limiter's ``Limit``), for
    ``default_limits=[...]``, ``application_limits=[...]`` and ``meta_limits=[...]``; fields left
    unset take the list's own settings."""

    limit_provider: Callable[[], str] | str
    key_function: Callable[[], str] | None = None
    scope: str | int | Callable[[str], str | int] | None = None
    cost: Callable[[], int] | int | None = None
    shared: bool = False
    methods: Sequence[str] | None = None
    per_method: bool = False
    error_message: str | Callable[[], str] | None = None
    meta_limits: Sequence[Any] | None = None
    exempt_when: Callable[[], bool] | None = None
    deduct_when: Callable[[Response], bool] | None = None
    on_breach: Callable[[Any], Response | None] | None = None

    def _bind(self, limiter: Limiter, *, shared: bool, scope: Any, **defaults: Any) -> _Limit:
        if self.meta_limits:
            # Refused, not ignored: a limit's own meta limits are not implemented (the
            # extension's meta_limits are).
            raise ConfigurationError("meta_limits on a single Limit are not supported; use Limiter(meta_limits=...)")
        given: dict[str, Any] = {
            "per_method": self.per_method or defaults.get("per_method", False),
            "methods": self.methods,
            "error_message": self.error_message,
            "exempt_when": self.exempt_when or defaults.get("exempt_when"),
            "deduct_when": self.deduct_when or defaults.get("deduct_when"),
            "on_breach": self.on_breach,
            "cost": self.cost if self.cost is not None else defaults.get("cost") or 1,
        }
        return _Limit(limiter, self.limit_provider, key_func=self.key_function, shared=self.shared or shared,
                      scope=self.scope if self.scope is not None else scope, **given)


@dataclasses.dataclass
class ApplicationLimit(Limit):
    """An application limit (shared by every route, scope ``global``)."""

    scope: str | int | Callable[[str], str | int] | None = "global"
    shared: bool = True


@dataclasses.dataclass
class MetaLimit(Limit):
    """A meta limit (on how often a client breaches limits)."""

    scope: str | int | Callable[[str], str | int] | None = "meta"
    shared: bool = True


@dataclasses.dataclass
class RouteLimit(Limit):
    """A route limit as an object (``@limiter.limit`` takes its fields as arguments)."""

    override_defaults: bool = True


class RequestLimit:
    """One limit as it stood for this request (flask-limiter's ``RequestLimit``, what
    ``on_breach`` callbacks receive): ``limit`` (the binding ``RateLimitItem``), ``key``,
    ``breached``, ``shared``, ``reset_at`` (Unix seconds, never before the real reset),
    ``remaining``, and Bulwark's ``decision`` (whose attributes it also answers)."""

    def __init__(self, decision: Decision, key: str, shared: bool) -> None:
        self.decision = decision
        self.limit: Any = decision.rate
        self.key = key
        self.breached = not decision.allowed
        self.shared = shared

    @property
    def reset_at(self) -> int:
        """When the window resets, whole Unix seconds rounded up."""
        return math.ceil(self.decision.at + self.decision.reset_after)

    @property
    def remaining(self) -> int:
        """What is left of the limit."""
        return int(self.decision.remaining)

    def __getattr__(self, name: str) -> Any:
        # The decision's own names (allowed, retry_after, headers(), ...), as before.
        return getattr(self.decision, name)


class Limiter:
    """flask-limiter's ``Limiter`` on Bulwark's rate limiter.

    ``Limiter(key_func, app=None, default_limits=[...], application_limits=[...],
    storage_uri="memory://", strategy="fixed-window", headers_enabled=True, ...)``; settings left
    out are read from ``app.config`` (``RATELIMIT_DEFAULT``, ``RATELIMIT_STORAGE_URI``,
    ``RATELIMIT_STRATEGY``, ``RATELIMIT_HEADERS_ENABLED``, ``RATELIMIT_ENABLED``, ...).
    Default limits count per route; application limits are shared by every route. When the
    shared store is unreachable the limiter answers 503 (fail closed) unless ``swallow_errors``
    (allow) or ``in_memory_fallback_enabled`` (count locally) says otherwise."""

    def __init__(
        self,
        key_func_or_app: Callable[[], str] | Flask | None = None,
        /,
        *,
        key_func: Callable[[], str] | None = None,
        app: Flask | None = None,
        default_limits: Sequence[str | Callable[[], str]] | None = None,
        default_limits_per_method: bool | None = None,
        default_limits_exempt_when: Callable[[], bool] | None = None,
        default_limits_deduct_when: Callable[[Response], bool] | None = None,
        default_limits_cost: int | Callable[[], int] | None = None,
        application_limits: Sequence[str | Callable[[], str]] | None = None,
        application_limits_per_method: bool | None = None,
        application_limits_exempt_when: Callable[[], bool] | None = None,
        application_limits_deduct_when: Callable[[Response], bool] | None = None,
        application_limits_cost: int | Callable[[], int] | None = None,
        headers_enabled: bool | None = None,
        strategy: str | None = None,
        storage_uri: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        swallow_errors: bool | None = None,
        in_memory_fallback_enabled: bool | None = None,
        in_memory_fallback: Sequence[Any] | None = None,
        on_breach: Callable[[Any], Response | None] | None = None,
        key_prefix: str = "",
        enabled: bool = True,
        security_logger: SecurityLogger | None = None,
        header_name_mapping: Mapping[Any, str] | None = None,
        fail_on_first_breach: bool | None = None,
        meta_limits: Sequence[str | Callable[[], str]] | None = None,
        on_meta_breach: Callable[[Any], Response | None] | None = None,
    ) -> None:
        if isinstance(key_func_or_app, Flask):  # the flask-limiter 1.x/2.x order: Limiter(app, key_func=...)
            app = key_func_or_app
        elif key_func_or_app is not None:
            key_func = key_func_or_app
        self._key_func: Callable[[], str] = key_func or get_remote_address
        self._settings: dict[str, Any] = dict(
            default_limits=default_limits,
            default_limits_per_method=default_limits_per_method,
            application_limits=application_limits,
            application_limits_per_method=application_limits_per_method,
            headers_enabled=headers_enabled,
            strategy=strategy,
            storage_uri=storage_uri,
            swallow_errors=swallow_errors,
            in_memory_fallback_enabled=in_memory_fallback_enabled,
            in_memory_fallback=in_memory_fallback,
            key_prefix=key_prefix,
            header_name_mapping=dict(header_name_mapping) if header_name_mapping else None,
            fail_on_first_breach=fail_on_first_breach,
            meta_limits=meta_limits,
        )
        self.on_meta_breach = on_meta_breach
        self._default_extra: dict[str, Any] = dict(exempt_when=default_limits_exempt_when,
                                                   deduct_when=default_limits_deduct_when,
                                                   cost=default_limits_cost or 1)
        self._application_extra: dict[str, Any] = dict(exempt_when=application_limits_exempt_when,
                                       deduct_when=application_limits_deduct_when,
                                       cost=application_limits_cost or 1)
        self._storage_options = dict(storage_options or {})
        self.storage_options: dict[str, Any] = dict(self._storage_options)
        self.enabled = enabled
        self.on_breach = on_breach
        self.security_logger = security_logger
        self._route_limits: dict[str, list[_Limit]] = {}
        self._blueprint_limits: dict[str, list[_Limit]] = {}
        self._route_exemptions: dict[str, int] = {}
        self._blueprint_exemptions: dict[str, int] = {}
        self._request_filters: list[Callable[[], bool]] = []
        self._defaults: list[_Limit] = []
        self._application: list[_Limit] = []
        self._meta: list[_Limit] = []
        self._fallback: list[_Limit] = []
        self._fallback_limiter: RateLimiter | None = None
        # The limits of a (view, blueprint, method), worked out on its first request; cleared
        # whenever a limit or an exemption is registered.
        self._plans: dict[tuple[Any, str | None, str], list[_Limit]] = {}
        self.limiter: RateLimiter | None = None
        self.headers_enabled = True
        self.fail_on_first_breach = True
        self._header_names: dict[str, str] = {}
        self.storage_uri = "memory://"
        self.strategy = "fixed-window"
        self._policy = "deny"
        self._prefix: str | None = None
        self.app = app
        if app is not None:
            self.init_app(app)

    # -- set-up
    def init_app(self, app: Flask) -> None:
        """Read missing settings from ``app.config``, open the store and hook the app."""
        c = app.config
        s = self._settings

        def pick(name: str, config_name: str, default: Any) -> Any:
            return s[name] if s[name] is not None else c.get(config_name, default)

        # A flask-limiter setting this Limiter does not implement is refused here, never ignored:
        # a limit the operator believes is in force must be.
        unknown = sorted(k for k in c if k.startswith("RATELIMIT_") and k not in _CONFIG_KEYS)
        if unknown:
            raise ConfigurationError(
                f"unsupported flask-limiter settings {', '.join(unknown)}: bulwark.flask reads "
                f"{', '.join(sorted(_CONFIG_KEYS))}"
            )

        self.enabled = self.enabled and bool(c.get("RATELIMIT_ENABLED", True))
        self.headers_enabled = bool(pick("headers_enabled", "RATELIMIT_HEADERS_ENABLED", True))
        self.storage_uri = pick("storage_uri", "RATELIMIT_STORAGE_URI", "memory://")
        self.strategy = pick("strategy", "RATELIMIT_STRATEGY", "fixed-window")
        fallback = _limit_list(pick("in_memory_fallback", "RATELIMIT_IN_MEMORY_FALLBACK", None))
        # While the store is down: these limits, counted in this process (flask-limiter's
        # in_memory_fallback). Core reports the outage (policy "allow" with the error); the
        # fallback limits then decide.
        self._fallback = [self._limit(v) for v in fallback]
        self._fallback_limiter = new_limiter("memory://", self.strategy, "deny", None) if fallback else None
        if fallback:
            policy = "allow"
        elif pick("in_memory_fallback_enabled", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False):
            policy = "local"
        elif pick("swallow_errors", "RATELIMIT_SWALLOW_ERRORS", False):
            policy = "allow"
        else:
            policy = "deny"
        self._policy = policy
        self._prefix = s["key_prefix"] or c.get("RATELIMIT_KEY_PREFIX", "") or None
        self.fail_on_first_breach = bool(pick("fail_on_first_breach", "RATELIMIT_FAIL_ON_FIRST_BREACH", True))
        # header_name_mapping (or RATELIMIT_HEADER_*) renames the headers core builds.
        mapping = {getattr(k, "value", k): v for k, v in (s["header_name_mapping"] or {}).items()}
        for config_name, header in _HEADER_CONFIG.items():
            if config_name in c and header not in mapping:
                mapping[header] = c[config_name]
        self._header_names = {k: str(v) for k, v in mapping.items() if v and v != k}
        self.storage_options = dict(self._storage_options or c.get("RATELIMIT_STORAGE_OPTIONS") or {})
        self.limiter = new_limiter(self.storage_uri, self.strategy, policy, self._prefix, self.storage_options)

        defaults = pick("default_limits", "RATELIMIT_DEFAULT", None)
        per_method = bool(pick("default_limits_per_method", "RATELIMIT_DEFAULTS_PER_METHOD", False))
        self._defaults = [self._limit(v, per_method=per_method, **self._default_extra) for v in _limit_list(defaults)]
        application = pick("application_limits", "RATELIMIT_APPLICATION", None)
        per_method = bool(pick("application_limits_per_method", "RATELIMIT_APPLICATION_PER_METHOD", False))
        self._application = [
            self._limit(v, shared=True, scope="global", per_method=per_method, **self._application_extra)
            for v in _limit_list(application)
        ]
        meta = pick("meta_limits", "RATELIMIT_META", None)
        self._meta = [self._limit(v, shared=True, scope="meta") for v in _limit_list(meta)]
        for lim in self._meta:
            lim.meta = True
        self._plans.clear()
        app.before_request(self._before_request)
        app.after_request(self._after_request)
        app.extensions["limiter"] = self
        self.app = app

    def _limit(self, value: Any, shared: bool = False, scope: Any = None, **kwargs: Any) -> _Limit:
        if isinstance(value, Limit):
            return value._bind(self, shared=shared, scope=scope, **kwargs)
        return _Limit(self, value, key_func=None, shared=shared, scope=scope, **kwargs)

    # -- decorators (flask-limiter's names and arguments)
    def limit(self, limit_value: str | Callable[[], str], *, key_func: Callable[[], str] | None = None,
              per_method: bool = False, methods: Iterable[str] | None = None,
              error_message: str | Callable[[], str] | None = None,
              exempt_when: Callable[[], bool] | None = None, override_defaults: bool = True,
              deduct_when: Callable[[Response], bool] | None = None,
              on_breach: Callable[[Any], Response | None] | None = None,
              cost: int | Callable[[], int] = 1,
              scope: str | int | Callable[[str], str | int] | None = None) -> _Limit:
        """Limit a view or a blueprint (``@limiter.limit("10 per second")``), or a block
        (``with limiter.limit("1/second"):``)."""
        return _Limit(self, limit_value, key_func=key_func, shared=False, scope=scope, per_method=per_method,
                      methods=methods, error_message=error_message, exempt_when=exempt_when,
                      override_defaults=override_defaults, deduct_when=deduct_when, on_breach=on_breach, cost=cost)

    def shared_limit(self, limit_value: str | Callable[[], str], scope: str | int | Callable[[str], str | int], *,
                     key_func: Callable[[], str] | None = None, per_method: bool = False,
                     methods: Iterable[str] | None = None, error_message: str | Callable[[], str] | None = None,
                     exempt_when: Callable[[], bool] | None = None, override_defaults: bool = True,
                     deduct_when: Callable[[Response], bool] | None = None,
                     on_breach: Callable[[Any], Response | None] | None = None,
                     cost: int | Callable[[], int] = 1) -> _Limit:
        """One limit counted across every view decorated with the same ``scope``."""
        return _Limit(self, limit_value, key_func=key_func, shared=True, scope=scope, per_method=per_method,
                      methods=methods, error_message=error_message, exempt_when=exempt_when,
                      override_defaults=override_defaults, deduct_when=deduct_when, on_breach=on_breach, cost=cost)

    @overload
    def exempt(self, obj: V, *, flags: int = ...) -> V: ...

    @overload
    def exempt(self, obj: None = None, *, flags: int = ...) -> Callable[[V], V]: ...

    def exempt(self, obj: Any = None, *, flags: int = _ALL_EXEMPT) -> Any:
        """Lift the default and application limits from a view or a blueprint."""
        if obj is None:
            return functools.partial(self.exempt, flags=flags)
        if isinstance(obj, flask.Blueprint):
            self._blueprint_exemptions[obj.name] = flags
        else:
            self._route_exemptions[_qualified_name(obj)] = flags
        self._plans.clear()
        return obj

    def request_filter(self, fn: Callable[[], bool]) -> Callable[[], bool]:
        """Register ``fn``; a request for which it returns True is not limited at all."""
        self._request_filters.append(fn)
        return fn

    def reset(self) -> None:
        """Forget every count (in-memory storage only; Redis keys expire on their own)."""
        if not self.storage_uri.startswith("memory://") or self.limiter is None:
            raise NotImplementedError("reset() clears in-memory storage only; expire or delete Redis keys instead")
        self.limiter = new_limiter(self.storage_uri, self.strategy, self._policy, self._prefix, self.storage_options)

    @property
    def current_limit(self) -> Decision | None:
        """The decision reported in the current response's headers."""
        decision: Decision | None = g.get("_bulwark_rate_decision")
        return decision

    # -- per request
    def _limiter(self) -> RateLimiter:
        if self.limiter is None:
            raise RuntimeError("Limiter.init_app(app) was not called")
        return self.limiter

    def _hit(self, lim: _Limit, endpoint: str, test: bool = False) -> Decision | None:
        limiter = self._limiter()
        call = limiter.test if test else limiter.hit
        key, items = lim.key(endpoint), lim.rates.items()
        if key is None or not items:
            return None  # not limited (key_func returned None, or an empty limit string)
        return call(key, *items, cost=lim.hit_cost())

    def _limits_for_request(self, endpoint: str | None = None) -> list[_Limit]:
        if endpoint is None:
            endpoint = request.endpoint
        view = current_app.view_functions.get(endpoint) if endpoint else None
        blueprint, method = request.blueprint, request.method
        plan = self._plans.get((view, blueprint, method))
        if plan is None:
            plan = self._plan(view, blueprint, method)
            if len(self._plans) < 4096:
                self._plans[(view, blueprint, method)] = plan
        return [lim for lim in plan if lim.applies()]

    def _plan(self, view: Any, blueprint: str | None, method: str) -> list[_Limit]:
        """The limits that may apply to ``view`` in ``blueprint`` for ``method`` (each one's
        ``exempt_when`` is still asked per request)."""
        name = _qualified_name(view) if view is not None else ""
        exempt = self._route_exemptions.get(name, 0)
        blueprint_limits: list[_Limit] = []
        if blueprint is not None:
            blueprint_limits, flags = self._blueprint_plan(blueprint)
            exempt |= flags
        route = self._route_limits.get(name) or blueprint_limits
        if name in self._route_exemptions:
            # A view marked exempt drops its own limits too (flask-limiter: exempt wins over
            # limit); its flags then say which default and application limits still apply.
            route = []
        chosen = [] if exempt & ExemptionScope.META else list(self._meta)
        if not exempt & ExemptionScope.APPLICATION:
            chosen.extend(self._application)
        # Route limits that do not cover this method leave the defaults in force (as flask-limiter).
        route = [lim for lim in route if lim.methods is None or method in lim.methods]
        chosen.extend(route)
        if (not route or not all(lim.override_defaults for lim in route)) and not exempt & ExemptionScope.DEFAULT:
            chosen.extend(self._defaults)
        return chosen

    def _blueprint_plan(self, dotted: str) -> tuple[list[_Limit], int]:
        """The blueprint limits and exemption flags for a request in blueprint ``dotted``
        (``parent.child`` when nested; limits and exemptions are registered by each blueprint's
        own name). As flask-limiter: a nested blueprint inherits its ancestors' limits unless it
        has limits of its own that override, or is exempt with ``ANCESTORS``; an ancestor exempt
        with ``DESCENDENTS`` lifts its limits and exemptions onto every blueprint below it."""
        bp = current_app.blueprints.get(dotted)
        if bp is None:
            return [], 0
        own = bp.name
        ancestry = dotted.split(".")
        own_flags = self._blueprint_exemptions.get(own, 0)
        passed_down = [
            a for a in ancestry if a != own and self._blueprint_exemptions.get(a, 0) & ExemptionScope.DESCENDENTS
        ]
        flags = own_flags & ~ExemptionScope.ANCESTORS
        for ancestor in passed_down:
            flags |= self._blueprint_exemptions[ancestor] & ~(ExemptionScope.DESCENDENTS | ExemptionScope.ANCESTORS)
        if flags & ~(ExemptionScope.DEFAULT | ExemptionScope.APPLICATION):
            return [], flags  # exempt (meta limits and more): no blueprint limits at all
        own_limits = self._blueprint_limits.get(own, [])
        if (own_limits and all(lim.override_defaults for lim in own_limits)) or own_flags & ExemptionScope.ANCESTORS:
            return list(own_limits), flags
        inherited = [lim for a in dict.fromkeys(ancestry) if a not in passed_down
                     for lim in self._blueprint_limits.get(a, [])]
        return inherited, flags

    def _before_request(self) -> Response | None:
        endpoint = request.endpoint
        if not self.enabled or endpoint is None or endpoint == "static":
            return None
        if self._request_filters and any(f() for f in self._request_filters):
            return None
        decisions: list[Decision] = []
        # Limits with deduct_when reserve their unit now and give it back after the view when the
        # response does not count: testing first and counting afterwards would let concurrent
        # requests all pass the last unit (12 parallel wrong passwords against "5 per minute").
        deferred: list[tuple[_Limit, str, list[RateLimitItem], int]] = []
        breached: list[tuple[_Limit, str, Decision]] = []
        metas: list[tuple[_Limit, str, list[RateLimitItem]]] = []
        limiter = self._limiter()
        for lim in self._limits_for_request(endpoint):
            key, items = lim.key(endpoint), lim.rates.items()
            if key is None or not items:
                continue  # key_func said "not limited", or the limit string is empty (flask-limiter)
            if lim.meta:
                # A client that breached limits too often is refused everything for a while.
                meta_decision = limiter.test(key, *items)
                if not meta_decision.allowed:
                    return self._meta_breach(lim, key, meta_decision)
                metas.append((lim, key, items))
                continue
            cost = lim.hit_cost()
            decision = limiter.hit(key, *items, cost=cost)
            if lim.deduct_when is not None and decision.allowed:
                if not deferred:
                    g._bulwark_rate_deferred = deferred
                deferred.append((lim, key, items, cost))
            decisions.append(decision)
            if decision.backend_error is not None and not decision.allowed and self._policy == "deny":
                _log.error("rate-limit store unreachable: %s", decision.backend_error)
                raise RateLimiterUnavailable("rate limiting is unavailable; try again later", {"Retry-After": "1"})
            if not decision.allowed:
                breached.append((lim, key, decision))
                if self.fail_on_first_breach:
                    break
        if self._fallback_limiter is not None and any(d.backend_error is not None for d in decisions):
            return self._decide_fallback(endpoint)
        if breached:
            for _, meta_key, meta_items in metas:
                limiter.hit(meta_key, *meta_items)  # one more breach counted against the client
            return self._breach(breached, endpoint)
        if decisions:
            g._bulwark_rate_decision = decisions[0] if len(decisions) == 1 else most_restrictive(decisions)
        return None

    def _count(
        self, limits: Iterable[_Limit], endpoint: str, limiter: RateLimiter
    ) -> tuple[list[Decision], list[tuple[_Limit, str, Decision]]]:
        """Hits each limit that applies (as the request's own limits are hit, without their
        reservations and meta limits): the decisions, and the limits breached (stopping at the
        first unless ``fail_on_first_breach`` is off)."""
        decisions: list[Decision] = []
        breached: list[tuple[_Limit, str, Decision]] = []
        for lim in limits:
            if not lim.applies():
                continue
            key, items = lim.key(endpoint), lim.rates.items()
            if key is None or not items:
                continue
            decision = limiter.hit(key, *items, cost=lim.hit_cost())
            decisions.append(decision)
            if not decision.allowed:
                breached.append((lim, key, decision))
                if self.fail_on_first_breach:
                    break
        return decisions, breached

    def _decide_fallback(self, endpoint: str) -> Response | None:
        """The store is down: the ``in_memory_fallback`` limits decide, in this process."""
        fallback = self._fallback_limiter
        if fallback is None:
            return None
        _log.error("rate-limit store unreachable: in_memory_fallback limits apply")
        decisions, breached = self._count(self._fallback, endpoint, fallback)
        if breached:
            return self._breach(breached, endpoint)
        g._bulwark_rate_decision = most_restrictive(decisions) if decisions else None
        return None

    def _meta_breach(self, lim: _Limit, key: str, decision: Decision) -> Response:
        """Answers a request from a client over a meta limit: ``on_meta_breach`` gets a
        ``RequestLimit``; a Response it returns is sent, else a 429."""
        g._bulwark_rate_decision = decision
        _log_denial(self.security_logger, "rate_limited", limit=limit_text(decision), endpoint=request.endpoint)
        for handler in dict.fromkeys([self.on_meta_breach, lim.on_breach]):
            if handler is not None:
                answer = handler(RequestLimit(decision, key, True))
                if isinstance(answer, Response):
                    return answer
        headers = self._headers(decision) if self.headers_enabled else None
        raise RateLimitExceeded(decision, None, headers)

    def _check_called(self, name: str) -> None:
        """The limits of a function a view called (not the view itself): counted now; a breach
        raises the 429 (or what an ``on_breach`` callback answers) from inside the view."""
        endpoint = request.endpoint or ""
        _, breached = self._count(self._route_limits.get(name, []), endpoint, self._limiter())
        if breached:
            answer = self._breach(breached, endpoint)
            flask.abort(answer)

    def _breach(self, breached: list[tuple[_Limit, str, Decision]], endpoint: str) -> Response:
        """Answers a request some limits refused: every ``on_breach`` callback (the extension's,
        then the limit's, as flask-limiter calls them) gets a ``RequestLimit``; a Response one
        returns is sent, else a 429 for the first limit breached."""
        lim, _, decision = breached[0]
        g._bulwark_rate_decision = decision
        _log_denial(self.security_logger, "rate_limited", limit=limit_text(decision), endpoint=endpoint)
        custom: Response | None = None
        for each, key, each_decision in breached:
            for handler in dict.fromkeys([self.on_breach, each.on_breach]):
                if handler is not None:
                    answer = handler(RequestLimit(each_decision, key, each.shared))
                    if isinstance(answer, Response):
                        custom = answer
        if custom is not None:
            return custom
        headers = self._headers(decision) if self.headers_enabled else None
        raise RateLimitExceeded(decision, lim._message(), headers)

    def _after_request(self, response: Response) -> Response:
        if not self.enabled:
            return response
        for lim, key, items, cost in g.pop("_bulwark_rate_deferred", ()):
            if lim.deduct_when is not None and not lim.deduct_when(response):
                try:
                    self._limiter().refund(key, *items, cost=cost)
                except BackendError as exc:  # the unit stays counted (fail closed); say why
                    _log.error("rate-limit refund failed: %s", exc)
        decision: Decision | None = g.get("_bulwark_rate_decision")
        if self.headers_enabled and decision is not None:
            _add_missing(response, self._headers(decision).items())
        return response

    def _headers(self, decision: Decision) -> dict[str, str]:
        """Core's headers for ``decision``, renamed by ``header_name_mapping``."""
        headers: dict[str, str] = decision.headers()
        if not self._header_names:
            return headers
        return {self._header_names.get(name, name): value for name, value in headers.items()}


#: The configuration keys that rename a rate-limit header, and the header each one renames.
_HEADER_CONFIG = {
    "RATELIMIT_HEADER_LIMIT": "X-RateLimit-Limit",
    "RATELIMIT_HEADER_REMAINING": "X-RateLimit-Remaining",
    "RATELIMIT_HEADER_RESET": "X-RateLimit-Reset",
    "RATELIMIT_HEADER_RETRY_AFTER": "Retry-After",
}

#: The ``RATELIMIT_*`` keys ``Limiter.init_app`` reads; any other one is refused.
_CONFIG_KEYS = frozenset({
    *_HEADER_CONFIG,
    "RATELIMIT_ENABLED",
    "RATELIMIT_HEADERS_ENABLED",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_STORAGE_OPTIONS",
    "RATELIMIT_STRATEGY",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
    "RATELIMIT_SWALLOW_ERRORS",
    "RATELIMIT_KEY_PREFIX",
    "RATELIMIT_DEFAULT",
    "RATELIMIT_DEFAULTS_PER_METHOD",
    "RATELIMIT_APPLICATION",
    "RATELIMIT_APPLICATION_PER_METHOD",
    "RATELIMIT_FAIL_ON_FIRST_BREACH",
    "RATELIMIT_META",
    "RATELIMIT_IN_MEMORY_FALLBACK",
})


def _limit_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(";")) if v]
    return list(value)


# ----------------------------------------------------------------------------- headers, CORS


class SecurityHeaders:
    """Adds ``bulwark.headers.security_headers(**options)`` to every response (a header the
    view set itself is left alone)."""

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        self.headers = security_headers(**options)
        self._pairs = list(self.headers.items())
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Hook the app."""
        app.after_request(self._apply)

    def _apply(self, response: Response) -> Response:
        _add_missing(response, self._pairs)
        return response


def _add_missing(response: Response, pairs: Iterable[tuple[str, str]]) -> None:
    """Adds the headers the response does not have yet, in one pass (werkzeug's per-header
    lookups are linear, and a response carries a dozen of these). The pairs come from core,
    which has already refused control characters in names and values, so werkzeug's own
    per-header check (about 13 µs for the 13 headers of a response) is skipped where its header
    list is the plain list it has always been."""
    headers = response.headers
    store = getattr(headers, "_list", None)
    if type(store) is list:
        have = {name.lower() for name, _ in store}
        store.extend([(name, value) for name, value in pairs if name.lower() not in have])
        return
    # werkzeug's Headers iterate as (name, value) pairs: .keys() is the names.
    have = {name.lower() for name in headers.keys()}  # noqa: SIM118
    headers.extend([(name, value) for name, value in pairs if name.lower() not in have])


class CORS:
    """Answers preflights and adds CORS headers per ``policy`` (a ``bulwark.headers.CORSPolicy``
    or its keyword arguments). A preflight is answered before any other hook (no auth or rate
    limit applies to it): 204 when allowed, 403 when not. ``Vary`` is always set."""

    def __init__(self, app: Flask | None = None, policy: CORSPolicy | None = None, *,
                 security_logger: SecurityLogger | None = None, **policy_options: Any) -> None:
        if policy is None:
            if "origins" not in policy_options:
                raise ValueError("CORS needs a CORSPolicy or origins=[...]")
            policy = CORSPolicy(**policy_options)
        elif policy_options:
            raise ValueError("give either a CORSPolicy or its options, not both")
        self.policy = policy
        self.security_logger = security_logger
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Hook the app (the preflight hook runs first)."""
        app.before_request_funcs.setdefault(None, []).insert(0, self._preflight)
        app.after_request(self._apply)

    def _preflight(self) -> Response | None:
        method = request.headers.get("Access-Control-Request-Method")
        origin = request.headers.get("Origin")
        if request.method != "OPTIONS" or method is None or origin is None:
            return None
        requested = request.headers.get("Access-Control-Request-Headers", "")
        decision = self.policy.check_preflight(origin, method, requested)
        g._bulwark_cors_done = True
        if decision.allowed:
            resp = Response(status=204)
            resp.headers.remove("Content-Type")
        else:
            _log_denial(self.security_logger, "cors_denied", origin=origin, requested_method=method)
            resp = Response(error_body("cors_denied", "origin or method not allowed"), status=403,
                            mimetype="application/json")
        _merge_headers(resp, decision.headers)
        return resp

    def _apply(self, response: Response) -> Response:
        if g.get("_bulwark_cors_done"):
            return response
        _merge_headers(response, self.policy.check_request(request.headers.get("Origin")).headers)
        return response


def _merge_headers(response: Response, headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if name == "Vary" and "Vary" in response.headers:
            have = [v.strip() for v in response.headers["Vary"].split(",")]
            extra = [v.strip() for v in value.split(",") if v.strip() not in have]
            response.headers["Vary"] = ", ".join(have + extra)
        else:
            response.headers[name] = value


# ----------------------------------------------------------------------------- validation


def _validator(schema: Any) -> Callable[[Any], Any]:
    """A function that validates data with a pydantic model or a marshmallow schema, raising
    ``InvalidRequestBody`` with per-field messages (never the submitted values)."""
    if isinstance(schema, type) and hasattr(schema, "model_validate"):  # pydantic 2
        import pydantic

        def run_pydantic(data: Any) -> Any:
            try:
                return schema.model_validate(data)
            except pydantic.ValidationError as exc:
                fields: dict[str, list[str]] = {}
                for err in exc.errors(include_input=False, include_url=False):
                    where = ".".join(str(p) for p in err.get("loc", ())) or "_schema"
                    fields.setdefault(where, []).append(str(err.get("msg", "invalid")))
                raise InvalidRequestBody("request validation failed", fields=fields) from None

        return run_pydantic
    try:
        import marshmallow
    except ImportError:  # pragma: no cover - depends on what is installed
        marshmallow = None  # type: ignore[assignment]
    if marshmallow is not None:
        instance = schema() if isinstance(schema, type) and issubclass(schema, marshmallow.Schema) else schema
        if isinstance(instance, marshmallow.Schema):

            def run_marshmallow(data: Any) -> Any:
                try:
                    return instance.load(data)
                except marshmallow.ValidationError as exc:
                    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
                    raise InvalidRequestBody("request validation failed", fields=messages) from None

            return run_marshmallow
    raise TypeError(f"validate_input needs a pydantic model class or a marshmallow schema, not {schema!r}")


def json_body() -> Any:
    """The request's JSON body, or None when it is missing or cannot be parsed, whatever its
    shape: werkzeug's ``get_json(silent=True)`` catches ``ValueError`` but not the
    ``RecursionError`` of a body nested about 1,000 levels deep, which would be a 500."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def validate_input(schema: Any, *, location: str = "json", arg: str | None = None) -> Callable[[F], F]:
    """Decorator: validate the JSON body (``location="json"``), the query string (``"args"``) or
    a form (``"form"``) with a pydantic model or a marshmallow schema; 400 with the field errors
    on failure. The result is ``flask.g.validated_data`` (and the keyword ``arg`` if given)."""
    if location not in ("json", "args", "form"):
        raise ValueError("location must be 'json', 'args' or 'form'")
    validate = _validator(schema)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if location == "json":
                data = json_body()
                if data is None:
                    raise InvalidRequestBody("the body must be a JSON document (Content-Type: application/json)",
                                             fields={})
            else:
                source = request.args if location == "args" else request.form
                data = {k: (v[0] if len(v) == 1 else v) for k, v in source.to_dict(flat=False).items()}
            g.validated_data = validate(data)
            if arg is not None:
                kwargs[arg] = g.validated_data
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


from .constants import HeaderNames  # noqa: E402  (needs ExemptionScope above)
