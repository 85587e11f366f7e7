"""OAuth 2.0 for API services, decided in core: the authorization-code flow with PKCE for
server-side apps and SPAs, client credentials for machine-to-machine calls, and the resource
server's checks (RFC 9068 JWT access tokens, RFC 7662 introspection, scopes).

    from bulwark.oauth import OAuthClient

    client = OAuthClient("web-app", client_secret=SECRET, issuer="https://idp.example",
                         authorization_endpoint="https://idp.example/authorize",
                         token_endpoint="https://idp.example/token",
                         redirect_uri="https://app.example/callback", store="redis://localhost/0")
    url, pending = client.authorize(session_id, ["openid", "orders:read"])   # redirect the user
    ...
    tokens = client.callback(request.query_string, session_id)               # on /callback

``state``, ``nonce`` and the PKCE verifier are generated from the OS CSPRNG and kept in the store
(memory, or Redis for a fleet) bound to the session, single-use and expiring: a replayed or
forged callback raises ``ReplayedCodeError``. The server's refusals raise ``OAuthError``
(``.error``, ``.description``); a callback from another issuer (RFC 9207) raises
``InvalidIssuerError``. HTTP goes through ``urllib`` unless a ``transport`` is given.

Resource servers::

    verifier = AccessTokenVerifier(jwks=JWKS_JSON, algorithms=["RS256"],
                                   issuer="https://idp.example", audience="orders-api")
    token = verifier.verify(bearer)        # RFC 9068: typ at+jwt, iss, aud, exp, client_id, ...
    token.require("orders:read")           # InsufficientScopeError -> answer 403

``bulwark.flask.require_scope`` and ``bulwark.asgi.RequireScope`` do this per route.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from bulwark import _native
from bulwark._native import PendingAuthorization
from bulwark.exceptions import BackendError

__all__ = [
    "AccessToken",
    "AccessTokenVerifier",
    "AuthorizationStore",
    "ClientCredentials",
    "Introspector",
    "OAuthClient",
    "PendingAuthorization",
    "TokenResponse",
    "Transport",
    "code_challenge",
    "code_verifier",
    "parse_scope",
    "require_scopes",
    "urllib_transport",
    "verify_code_challenge",
]

#: ``(url, form body, headers) -> (status, body)``: one POST to the authorization server.
Transport = Callable[[str, str, Sequence[tuple[str, str]]], tuple[int, str]]

_MAX_BODY = 256 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Token and introspection endpoints answer directly; a redirect is an answer, not a hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def urllib_transport(timeout: float = 10.0) -> Transport:
    """A transport on the standard library: POST, no redirects followed, bodies over 256 KiB
    refused, the server's status and body handed to core whatever they are."""
    opener = urllib.request.build_opener(_NoRedirect())

    def post(url: str, body: str, headers: Sequence[tuple[str, str]]) -> tuple[int, str]:
        # Core only ever hands over https:// endpoints (http:// to loopback): checked when the
        # client was made.
        request = urllib.request.Request(url, data=body.encode(), headers=dict(headers), method="POST")  # noqa: S310
        try:
            with opener.open(request, timeout=timeout) as response:
                status, data = response.status, response.read(_MAX_BODY + 1)
        except urllib.error.HTTPError as err:
            with err:
                status, data = err.code, err.read(_MAX_BODY + 1)
        except (urllib.error.URLError, OSError) as err:
            raise BackendError(f"{url}: {err}") from None
        if len(data) > _MAX_BODY:
            raise BackendError(f"{url}: the answer is over 256 KiB")
        return status, data.decode("utf-8", errors="replace")

    return post


def code_verifier(length: int = 43) -> str:
    """A fresh PKCE code verifier: ``length`` (43 to 128) characters from the OS CSPRNG."""
    return _native.pkce_verifier(length)


def code_challenge(verifier: str, method: str = "S256") -> str:
    """The challenge of ``verifier``: ``S256`` (``plain`` only when named)."""
    return _native.pkce_challenge(verifier, method)


def verify_code_challenge(verifier: str, challenge: str, method: str = "S256") -> bool:
    """The authorization server's check, in constant time (a malformed verifier is no match)."""
    return _native.pkce_verify(verifier, challenge, method)


def parse_scope(value: str) -> list[str]:
    """The scopes of a space-separated ``scope`` value, each checked (``InvalidInputError``
    for a malformed one)."""
    return _native.oauth_parse_scope(value)


def require_scopes(granted: Iterable[str], needed: Iterable[str]) -> None:
    """Raise ``InsufficientScopeError`` naming what ``granted`` lacks of ``needed``."""
    _native.oauth_require_scopes(list(granted), list(needed))


@dataclasses.dataclass(frozen=True)
class TokenResponse:
    """A token endpoint's answer (RFC 6749 5.1); ``raw`` holds every member as sent."""

    access_token: str = dataclasses.field(repr=False)
    token_type: str
    expires_in: Optional[int]
    refresh_token: Optional[str] = dataclasses.field(repr=False)
    scope: Optional[list[str]]
    id_token: Optional[str] = dataclasses.field(repr=False)
    raw: dict[str, Any] = dataclasses.field(repr=False)
    #: The ``nonce`` of the authorization request (code flow), for ``OAuthClient.check_id_token``.
    nonce: Optional[str] = dataclasses.field(default=None, repr=False)
    #: The ID token's claims, when the client checked it (``id_token_key`` / ``id_token_jwks``).
    id_claims: Optional[dict[str, Any]] = dataclasses.field(default=None, repr=False)

    @classmethod
    def _from(
        cls, t: tuple[str, str, Optional[int], Optional[str], Optional[list[str]], Optional[str], str]
    ) -> TokenResponse:
        return cls(t[0], t[1], t[2], t[3], t[4], t[5], json.loads(t[6]))

    @classmethod
    def parse(cls, status: int, body: str) -> TokenResponse:
        """Parse a token endpoint's answer (``OAuthError`` for its error, ``DecodeError`` for a
        200 that is not a token, ``BackendError`` for another status)."""
        return cls._from(_native.oauth_parse_token_response(status, body))


@dataclasses.dataclass(frozen=True)
class AccessToken:
    """The caller, as a resource server knows it once its token checked out."""

    subject: Optional[str]
    client_id: Optional[str]
    scopes: list[str]
    expires_at: Optional[int]
    claims: dict[str, Any] = dataclasses.field(repr=False)

    @classmethod
    def _from(cls, t: tuple[Optional[str], Optional[str], list[str], Optional[int], str]) -> AccessToken:
        return cls(t[0], t[1], t[2], t[3], json.loads(t[4]))

    def has_scope(self, scope: str) -> bool:
        """Whether the token carries ``scope``."""
        return scope in self.scopes

    def require(self, *scopes: str) -> None:
        """Raise ``InsufficientScopeError`` unless the token carries every one of ``scopes``."""
        require_scopes(self.scopes, scopes)


class AuthorizationStore:
    """Where pending authorizations live: ``memory://`` (one process) or a Redis URI (every
    process of a fleet refuses a replayed callback)."""

    def __init__(self, storage: str = "memory://", *, prefix: str = "bulwark:oauth:") -> None:
        self._native = _native._AuthorizationStore(storage, prefix)

    def begin(self, binding: str, redirect_uri: str, ttl: float = 600) -> PendingAuthorization:
        """A new pending authorization for ``binding`` (the session), kept ``ttl`` seconds."""
        return self._native.begin(binding, redirect_uri, ttl)

    def finish(self, state: str, binding: str) -> PendingAuthorization:
        """Take the pending authorization of ``state`` for ``binding``, once."""
        return self._native.finish(state, binding)


class OAuthClient:
    """A client of one authorization server: the code flow with PKCE, refresh, and the
    requests ``ClientCredentials`` sends. Endpoints are https (http only to localhost)."""

    def __init__(self, client_id: str, *, token_endpoint: str, client_secret: Optional[str] = None,
                 authorization_endpoint: Optional[str] = None, redirect_uri: Optional[str] = None,
                 issuer: Optional[str] = None, require_iss: bool = False,
                 store: Union[str, AuthorizationStore] = "memory://",
                 transport: Optional[Transport] = None, timeout: float = 10.0,
                 id_token_key: Union[str, bytes, None] = None, id_token_jwks: Optional[str] = None,
                 id_token_algorithms: Sequence[str] = ("RS256",)) -> None:
        config = {"client_id": client_id, "client_secret": client_secret,
                  "authorization_endpoint": authorization_endpoint, "token_endpoint": token_endpoint,
                  "redirect_uri": redirect_uri, "issuer": issuer, "require_iss": require_iss}
        self._native = _native._Client(json.dumps(config))
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.issuer = issuer
        self.store = store if isinstance(store, AuthorizationStore) else AuthorizationStore(store)
        self.transport = transport or urllib_transport(timeout)
        if id_token_key is not None and id_token_jwks is not None:
            raise ValueError("give one of id_token_key and id_token_jwks")
        self._id_token_keys: Optional[tuple[Union[str, bytes, None], Optional[str]]] = (
            None if id_token_key is None and id_token_jwks is None else (id_token_key, id_token_jwks))
        self._id_token_algorithms = tuple(id_token_algorithms)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], client_id: str, **options: Any) -> OAuthClient:
        """A client from the server's metadata (RFC 8414 / OpenID discovery document): its
        endpoints and issuer, and ``require_iss`` when it advertises RFC 9207 support."""
        return cls(client_id, token_endpoint=metadata["token_endpoint"],
                   authorization_endpoint=metadata.get("authorization_endpoint"),
                   issuer=metadata.get("issuer"),
                   require_iss=bool(metadata.get("authorization_response_iss_parameter_supported")),
                   **options)

    def authorize(self, binding: str, scopes: Iterable[str] = (), *, ttl: float = 600,
                  redirect_uri: Optional[str] = None, **extra: str) -> tuple[str, PendingAuthorization]:
        """Start the code flow for ``binding`` (the user's session): the URL to redirect to, and
        the pending authorization (also kept in the store). ``extra``: ``prompt``,
        ``login_hint``, ..."""
        return self._native.authorize(self.store._native, binding, list(scopes), list(extra.items()), ttl,
                                      redirect_uri)

    def callback(self, query: Union[str, bytes], binding: str) -> TokenResponse:
        """Finish the code flow from the callback's query string: the server's error, a wrong
        ``iss``, a state that is unknown, used, expired or another session's are refused before
        the code is exchanged (with the PKCE verifier) for tokens. An ID token is checked (keys,
        issuer, audience, the request's nonce) when the client has ``id_token_key`` or
        ``id_token_jwks``."""
        if isinstance(query, bytes):
            query = query.decode("utf-8")
        answer, pending = self._native.exchange_code(self.store._native, query, binding, self.transport)
        tokens = dataclasses.replace(TokenResponse._from(answer), nonce=pending.nonce)
        if tokens.id_token is not None and self._id_token_keys is not None:
            key, jwks = self._id_token_keys
            claims = self.check_id_token(tokens.id_token, pending.nonce, key=key, jwks=jwks,
                                         algorithms=self._id_token_algorithms)
            tokens = dataclasses.replace(tokens, id_claims=claims)
        return tokens

    def refresh(self, refresh_token: str, scopes: Iterable[str] = ()) -> TokenResponse:
        """New tokens for a refresh token (optionally fewer scopes)."""
        return TokenResponse._from(self._native.refresh(refresh_token, list(scopes), self.transport))

    def check_id_token(self, id_token: str, nonce: str, *, key: Union[str, bytes, None] = None,
                       jwks: Optional[str] = None, algorithms: Sequence[str] = ("RS256",)) -> dict[str, Any]:
        """Verify an OpenID Connect ID token (signature by ``key`` or ``jwks``, issuer, this
        client as audience, expiry) and its ``nonce`` against the request's, in constant time."""
        if self.issuer is None:
            raise ValueError("checking an ID token needs the issuer")
        if (key is None) == (jwks is None):
            raise ValueError("give one of key and jwks")
        material = (jwks if jwks is not None else key) or b""
        data = material.encode() if isinstance(material, str) else material
        claims = _native.oauth_check_id_token(id_token, data, list(algorithms), self.issuer, self.client_id,
                                              nonce, jwks is not None)
        result: dict[str, Any] = json.loads(claims)
        return result


class ClientCredentials:
    """Client-credentials tokens for machine-to-machine calls: fetched on first use, cached,
    fetched again ``refresh_before`` seconds before expiry, one fetch at a time across threads,
    up to ``max_attempts`` tries when the server cannot be reached or answers 5xx / 429 (an
    ``OAuthError`` such as ``invalid_client`` is not retried)."""

    def __init__(self, client: OAuthClient, scopes: Iterable[str] = (), *, refresh_before: float = 30.0,
                 max_attempts: int = 3, backoff: float = 0.2) -> None:
        transport = client.transport
        self._native = _native._TokenSource(client._native, list(scopes), transport, refresh_before,
                                            max_attempts, backoff)

    def token_response(self) -> TokenResponse:
        """The current token response (cached or new)."""
        return TokenResponse._from(self._native.token())

    def token(self) -> str:
        """A valid access token."""
        return self.token_response().access_token

    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` for the next call."""
        return {"Authorization": f"Bearer {self.token()}"}

    def invalidate(self) -> None:
        """Forget the cached token (after a resource server refused it)."""
        self._native.invalidate()


class AccessTokenVerifier:
    """Verifies JWT access tokens per RFC 9068: the signature by ``key`` (PEM, JWK or HMAC
    secret) or ``jwks`` (a JWK set, chosen by ``kid``), ``typ`` at+jwt, ``iss``, ``aud``, and
    ``exp``, ``iat``, ``sub``, ``client_id``, ``jti`` present."""

    def __init__(self, *, issuer: str, audience: str, algorithms: Sequence[str],
                 key: Union[str, bytes, None] = None, jwks: Union[str, Mapping[str, Any], None] = None) -> None:
        if (key is None) == (jwks is None):
            raise ValueError("give one of key and jwks")
        if jwks is not None:
            text = jwks if isinstance(jwks, str) else json.dumps(jwks)
            self._native = _native._AccessTokenVerifier(text.encode(), list(algorithms), issuer, audience, True)
        else:
            data = key.encode() if isinstance(key, str) else key
            self._native = _native._AccessTokenVerifier(data or b"", list(algorithms), issuer, audience, False)

    def verify(self, token: str, now: Optional[float] = None) -> AccessToken:
        """The verified token; the JWT exceptions (``ExpiredSignatureError``, ...) otherwise."""
        return AccessToken._from(self._native.verify(token, now))


class Introspector:
    """Opaque tokens by RFC 7662 introspection at ``endpoint``, authenticating as ``client``;
    answers cached (at most ``capacity``, keyed by the token's SHA-256) for up to ``max_ttl``
    seconds, never past the token's ``exp``; inactive ones for ``negative_ttl``."""

    def __init__(self, client: OAuthClient, endpoint: str, *, capacity: int = 10_000, max_ttl: float = 60.0,
                 negative_ttl: float = 10.0, issuer: Optional[str] = None, audience: Optional[str] = None) -> None:
        self._native = _native._Introspector(client._native, endpoint, client.transport, capacity, max_ttl,
                                             negative_ttl, issuer, audience)

    def verify(self, token: str) -> AccessToken:
        """The token when active; ``VerificationError`` when not, ``BackendError`` when the
        server cannot answer."""
        return AccessToken._from(self._native.verify(token))
