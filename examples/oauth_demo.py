"""OAuth 2.0 with Bulwark, end to end over HTTP on loopback: a small authorization server
(examples/oauth_server.py), the reference service as a resource server of its RFC 9068 access
tokens, a machine-to-machine client with client credentials, and a web app with the
authorization-code flow and PKCE.

    .venv/bin/python examples/oauth_demo.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "api_service"))

from demo import bearer, call, expect, service  # noqa: E402

from bulwark.exceptions import OAuthError, ReplayedCodeError  # noqa: E402
from bulwark.oauth import ClientCredentials, Introspector, OAuthClient  # noqa: E402


@contextmanager
def authorization_server() -> Iterator[dict[str, Any]]:
    """Start examples/oauth_server.py on a free loopback port; its metadata and JWKS."""
    proc = subprocess.Popen([sys.executable, str(HERE / "oauth_server.py")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("the authorization server did not start")
        base = f"http://127.0.0.1:{line.split()[1]}"
        with urllib.request.urlopen(base + "/.well-known/oauth-authorization-server") as r:
            meta = json.load(r)
        with urllib.request.urlopen(meta["jwks_uri"]) as r:
            jwks = r.read().decode()
        yield {"base": base, "meta": meta, "jwks": jwks}
    finally:
        proc.kill()
        proc.wait()


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def browser(url: str) -> str:
    """The user's browser at the authorization URL (the server approves at once): the query
    string it is redirected back with."""
    try:
        urllib.request.build_opener(_Stop()).open(url)
    except urllib.error.HTTPError as err:
        if err.code == 302:
            return urllib.parse.urlsplit(err.headers["Location"]).query
        raise
    raise RuntimeError("the authorization server did not redirect")


def run(as_info: dict[str, Any], api: str, say: Callable[[str], None] = print) -> None:
    """The walk-through, against a running authorization server and resource server."""
    meta = as_info["meta"]
    say("1. machine to machine: client credentials, cached and refreshed by Bulwark")
    worker = OAuthClient("worker", client_secret="worker-secret", token_endpoint=meta["token_endpoint"])
    reader = ClientCredentials(worker, ["orders:read"])
    r = expect(call(api, "GET", "/api/orders", headers=reader.headers()), 200, "orders with orders:read")
    say(f"   GET /api/orders: 200 {r.json}")
    r = expect(call(api, "POST", "/api/orders", {}, reader.headers()), 403, "create without orders:write")
    say(f"   POST /api/orders: 403, WWW-Authenticate: {r.headers.get('WWW-Authenticate')}")
    expect(call(api, "GET", "/api/orders"), 401, "no token")
    say("   no token: 401")
    try:
        ClientCredentials(worker, ["admin"]).token()
        raise AssertionError("the server granted admin")
    except OAuthError as err:
        say(f"   asking for a scope the server refuses: OAuthError {err.error}")

    say("2. a web app: authorization code with PKCE, state and nonce single-use and bound to the session")
    web = OAuthClient.from_metadata(meta, "web-app", client_secret="web-secret",
                                    redirect_uri="http://127.0.0.1/callback", id_token_jwks=as_info["jwks"])
    url, _pending = web.authorize("session-42", ["openid", "orders:read", "orders:write"], login_hint="alice")
    say(f"   redirect the user to {url[:90]}...")
    query = browser(url)
    tokens = web.callback(query, "session-42")
    assert tokens.id_claims is not None
    say(f"   callback: tokens for {tokens.id_claims['sub']} (ID token's nonce checked), scopes {tokens.scope}")
    r = expect(call(api, "POST", "/api/orders", {}, bearer(tokens.access_token)), 201, "create with orders:write")
    say(f"   POST /api/orders as the user: 201 {r.json}")
    try:
        web.callback(query, "session-42")
        raise AssertionError("a replayed callback was accepted")
    except ReplayedCodeError:
        say("   the same callback again: refused (ReplayedCodeError), the code is never sent twice")

    say("3. opaque tokens: RFC 7662 introspection, cached for a bounded time")
    opaque = OAuthClient("opaque-client", client_secret="opaque-secret", token_endpoint=meta["token_endpoint"])
    token = ClientCredentials(opaque, ["orders:read"]).token()
    rs = OAuthClient("orders-api", client_secret="rs-secret", token_endpoint=meta["token_endpoint"])
    access = Introspector(rs, meta["introspection_endpoint"], audience="orders-api").verify(token)
    say(f"   active token of {access.client_id} with scopes {access.scopes}")


def main() -> None:
    with authorization_server() as as_info, tempfile.TemporaryDirectory(prefix="bulwark-oauth-") as data:
        jwks = Path(data) / "jwks.json"
        jwks.write_text(as_info["jwks"])
        env = {"BULWARK_OAUTH_ISSUER": as_info["meta"]["issuer"], "BULWARK_OAUTH_JWKS_FILE": str(jwks),
               "BULWARK_OAUTH_AUDIENCE": "orders-api"}
        os.makedirs(Path(data) / "service", exist_ok=True)
        with service(str(Path(data) / "service"), env) as api:
            print(f"authorization server at {as_info['base']}, resource server at {api}")
            run(as_info, api)
    print("OAuth demo finished: every step answered as expected")


if __name__ == "__main__":
    main()
