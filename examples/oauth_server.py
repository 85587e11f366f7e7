"""A small OAuth 2.0 / OpenID Connect authorization server for the demo and the tests, run as its own process
on loopback (``python oauth_server.py`` prints ``PORT <n>``). Written from the RFCs with the
standard library and ``cryptography`` only, so Bulwark is checked against an implementation that
shares none of its code:

- ``GET /.well-known/oauth-authorization-server``: RFC 8414 metadata (RFC 9207 ``iss`` on).
- ``GET /authorize``: the code flow; the user is approved at once (``login_hint`` names them,
  ``deny=1`` refuses with ``access_denied``); PKCE S256 required; redirects with code, state, iss.
- ``POST /token``: ``authorization_code`` (single-use codes, redirect URI and PKCE checked with
  hashlib), ``client_credentials``, ``refresh_token``; access tokens are RFC 9068 JWTs (RS256)
  or, for the client ``opaque-client``, opaque; ID tokens carry the nonce.
- ``POST /introspect``: RFC 7662, authenticated; ``POST /revoke``: RFC 7009.
- ``GET /jwks``: the signing key.
- ``GET /stats``: counters the tests read (token requests per grant).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CLIENTS = {
    # client_id: (secret or None for a public client, redirect URIs)
    "web-app": ("web-secret", ["http://127.0.0.1/callback"]),
    "spa": (None, ["http://127.0.0.1/spa-callback"]),
    "worker": ("worker-secret", []),
    "opaque-client": ("opaque-secret", []),
    "orders-api": ("rs-secret", []),
}
ACCESS_TTL = 300

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "test-key-1"
LOCK = threading.Lock()
CODES: dict[str, dict] = {}
REFRESH: dict[str, dict] = {}
OPAQUE: dict[str, dict] = {}
REVOKED: set[str] = set()
STATS = {"authorization_code": 0, "client_credentials": 0, "refresh_token": 0, "introspect": 0}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def sign(header: dict, claims: dict) -> str:
    head = b64url(json.dumps({"alg": "RS256", "kid": KID, **header}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = KEY.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(sig)}"


class Handler(BaseHTTPRequestHandler):
    server_version = "TestAS/1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, url: str) -> None:
        self.send_response(302)
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/.well-known/oauth-authorization-server":
            self.send_json(200, {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "introspection_endpoint": self.issuer + "/introspect",
                "revocation_endpoint": self.issuer + "/revoke",
                "jwks_uri": self.issuer + "/jwks",
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": True,
            })
        elif url.path == "/jwks":
            pub = KEY.public_key().public_numbers()
            self.send_json(200, {"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
                                           "n": uint(pub.n), "e": uint(pub.e)}]})
        elif url.path == "/authorize":
            self.authorize(urllib.parse.parse_qs(url.query))
        elif url.path == "/stats":
            with LOCK:
                self.send_json(200, dict(STATS))
        else:
            self.send_json(404, {"error": "not_found"})

    def authorize(self, q: dict[str, list[str]]) -> None:
        one = {k: v[0] for k, v in q.items() if len(v) == 1}
        client = CLIENTS.get(one.get("client_id", ""))
        redirect = one.get("redirect_uri", "")
        if client is None or redirect not in client[1]:
            self.send_json(400, {"error": "invalid_request", "error_description": "unknown client or redirect"})
            return
        state = one.get("state", "")

        def back(**params: str) -> None:
            self.redirect(redirect + "?" + urllib.parse.urlencode({**params, "state": state, "iss": self.issuer}))

        if one.get("response_type") != "code":
            back(error="unsupported_response_type")
        elif one.get("code_challenge_method") != "S256" or not one.get("code_challenge"):
            back(error="invalid_request", error_description="PKCE S256 is required")
        elif one.get("deny") == "1":
            back(error="access_denied", error_description="the user said no")
        else:
            code = secrets.token_urlsafe(24)
            with LOCK:
                CODES[code] = {"client_id": one["client_id"], "redirect_uri": redirect,
                               "challenge": one["code_challenge"], "scope": one.get("scope", ""),
                               "nonce": one.get("nonce"), "user": one.get("login_hint", "alice"),
                               "expires": time.time() + 60}
            back(code=code)

    def client_auth(self, form: dict[str, str]) -> str | None:
        """The authenticated client id (Basic for confidential clients, client_id for public)."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                raw = base64.b64decode(auth[6:], validate=True).decode()
            except ValueError:
                return None
            cid, _, secret = raw.partition(":")
            cid, secret = urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret)
            client = CLIENTS.get(cid)
            if client and client[0] is not None and hmac.compare_digest(client[0], secret):
                return cid
            return None
        cid = form.get("client_id", "")
        client = CLIENTS.get(cid)
        return cid if client and client[0] is None else None

    def issue(self, client_id: str, subject: str, scope: str, nonce: str | None = None,
              refresh: bool = False) -> dict:
        now = int(time.time())
        if client_id == "opaque-client":
            access = secrets.token_urlsafe(32)
            with LOCK:
                OPAQUE[access] = {"active": True, "sub": subject, "client_id": client_id, "scope": scope,
                                  "exp": now + ACCESS_TTL, "iat": now, "iss": self.issuer, "aud": ["orders-api"],
                                  "token_type": "Bearer"}
        else:
            access = sign({"typ": "at+jwt"}, {"iss": self.issuer, "sub": subject, "aud": "orders-api",
                                              "client_id": client_id, "iat": now, "exp": now + ACCESS_TTL,
                                              "jti": secrets.token_hex(8), "scope": scope})
        body = {"access_token": access, "token_type": "Bearer", "expires_in": ACCESS_TTL, "scope": scope}
        if refresh:
            rt = secrets.token_urlsafe(32)
            with LOCK:
                REFRESH[rt] = {"client_id": client_id, "sub": subject, "scope": scope}
            body["refresh_token"] = rt
        if "openid" in scope.split():
            body["id_token"] = sign({"typ": "JWT"}, {"iss": self.issuer, "sub": subject, "aud": client_id,
                                                     "iat": now, "exp": now + ACCESS_TTL, "nonce": nonce})
        return body

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
        form = dict(pairs)
        if len(form) != len(pairs):
            self.send_json(400, {"error": "invalid_request", "error_description": "repeated parameter"})
            return
        path = urllib.parse.urlsplit(self.path).path
        client_id = self.client_auth(form)
        if client_id is None:
            self.send_json(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="test"'})
            return
        if path == "/token":
            self.token(client_id, form)
        elif path == "/introspect":
            with LOCK:
                STATS["introspect"] += 1
                info = OPAQUE.get(form.get("token", ""))
                revoked = form.get("token", "") in REVOKED
            if info is None or revoked or info["exp"] <= time.time():
                self.send_json(200, {"active": False})
            else:
                self.send_json(200, info)
        elif path == "/revoke":
            with LOCK:
                REVOKED.add(form.get("token", ""))
            self.send_json(200, {})
        else:
            self.send_json(404, {"error": "not_found"})

    def token(self, client_id: str, form: dict[str, str]) -> None:
        grant = form.get("grant_type")
        if grant in STATS:
            with LOCK:
                STATS[grant] += 1
        if grant == "authorization_code":
            with LOCK:
                entry = CODES.pop(form.get("code", ""), None)  # single use
            if entry is None or entry["expires"] < time.time() or entry["client_id"] != client_id:
                self.send_json(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
                return
            if form.get("redirect_uri") != entry["redirect_uri"]:
                self.send_json(400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"})
                return
            verifier = form.get("code_verifier", "")
            challenge = b64url(hashlib.sha256(verifier.encode()).digest())
            if not (43 <= len(verifier) <= 128) or not hmac.compare_digest(challenge, entry["challenge"]):
                self.send_json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
                return
            self.send_json(200, self.issue(client_id, entry["user"], entry["scope"], entry["nonce"], refresh=True))
        elif grant == "client_credentials":
            if CLIENTS[client_id][0] is None:
                self.send_json(400, {"error": "unauthorized_client"})
                return
            scope = form.get("scope", "")
            if "admin" in scope.split():
                self.send_json(400, {"error": "invalid_scope", "error_description": "admin is not grantable"})
                return
            self.send_json(200, self.issue(client_id, client_id, scope))
        elif grant == "refresh_token":
            with LOCK:
                entry = REFRESH.pop(form.get("refresh_token", ""), None)
            if entry is None or entry["client_id"] != client_id:
                self.send_json(400, {"error": "invalid_grant"})
                return
            self.send_json(200, self.issue(client_id, entry["sub"], form.get("scope") or entry["scope"], refresh=True))
        else:
            self.send_json(400, {"error": "unsupported_grant_type"})


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
