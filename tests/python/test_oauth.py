"""OAuth 2.0 end to end against a real authorization server started on loopback
(tests/python/oauth_server.py, written from the RFCs without Bulwark): the code flow with PKCE,
replayed state (also across processes through Redis), a wrong verifier, errors and mix-ups,
client credentials, refresh, RFC 9068 access tokens, introspection, and the Flask and ASGI scope
checks."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from flask import Flask

from bulwark import jwt
from bulwark.asgi import RequireScope
from bulwark.asgi import require_scope as asgi_require_scope
from bulwark.exceptions import (
    BackendError,
    InsufficientScopeError,
    InvalidInputError,
    OAuthError,
    ReplayedCodeError,
    VerificationError,
)
from bulwark.flask import OAuthResourceServer, current_token, require_scope
from bulwark.oauth import (
    AccessTokenVerifier,
    AuthorizationStore,
    ClientCredentials,
    Introspector,
    OAuthClient,
    TokenResponse,
    code_challenge,
    code_verifier,
    require_scopes,
    verify_code_challenge,
)

REDIS_URL = os.environ.get("BULWARK_REDIS_URL")


@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parents[2] / "examples" / "oauth_server.py")],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line
        base = f"http://127.0.0.1:{line.split()[1]}"
        with urllib.request.urlopen(base + "/.well-known/oauth-authorization-server") as r:
            meta = json.load(r)
        with urllib.request.urlopen(base + "/jwks") as r:
            jwks = r.read().decode()
        yield {"base": base, "meta": meta, "jwks": jwks}
    finally:
        proc.kill()
        proc.wait()


def stats(server) -> dict:
    with urllib.request.urlopen(server["base"] + "/stats") as r:
        return json.load(r)


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit(url: str) -> str:
    """The user's browser at the authorization URL: the redirect's query string."""
    opener = urllib.request.build_opener(_Stop())
    try:
        opener.open(url)
    except urllib.error.HTTPError as err:
        assert err.code == 302, err.code
        return urllib.parse.urlsplit(err.headers["Location"]).query
    raise AssertionError("no redirect")


def web_client(server, store="memory://", **extra) -> OAuthClient:
    return OAuthClient.from_metadata(server["meta"], "web-app", client_secret="web-secret",
                                     redirect_uri="http://127.0.0.1/callback", store=store,
                                     id_token_jwks=server["jwks"], **extra)


def verifier(server) -> AccessTokenVerifier:
    return AccessTokenVerifier(jwks=server["jwks"], algorithms=["RS256"], issuer=server["meta"]["issuer"],
                               audience="orders-api")


def test_full_code_flow_with_pkce_and_id_token(server):
    client = web_client(server)
    url, pending = client.authorize("session-1", ["openid", "orders:read"], login_hint="bob")
    assert f"code_challenge={code_challenge(pending.code_verifier)}" in url
    tokens = client.callback(visit(url), "session-1")
    assert tokens.token_type == "Bearer" and tokens.expires_in == 300 and tokens.refresh_token
    assert tokens.id_claims["sub"] == "bob" and tokens.id_claims["nonce"] == pending.nonce
    access = verifier(server).verify(tokens.access_token)
    assert (access.subject, access.client_id, access.scopes) == ("bob", "web-app", ["openid", "orders:read"])
    access.require("orders:read")
    with pytest.raises(InsufficientScopeError, match="orders:write"):
        access.require("orders:write")
    # Refresh: a rotated pair, narrower scope on request.
    again = client.refresh(tokens.refresh_token, ["orders:read"])
    assert verifier(server).verify(again.access_token).scopes == ["orders:read"]
    with pytest.raises(OAuthError) as err:
        client.refresh(tokens.refresh_token)  # used
    assert err.value.error == "invalid_grant"
    assert "web-secret" not in repr(client.__dict__) and tokens.access_token not in repr(tokens)


def test_replayed_state_and_another_session(server):
    client = web_client(server)
    url, _ = client.authorize("session-1", ["orders:read"])
    query = visit(url)
    with pytest.raises(VerificationError, match="another session"):
        client.callback(query, "session-2")
    with pytest.raises(ReplayedCodeError):  # the state was burnt by the wrong session
        client.callback(query, "session-1")
    url, _ = client.authorize("session-1", ["orders:read"])
    query = visit(url)
    client.callback(query, "session-1")
    before = stats(server)["authorization_code"]
    with pytest.raises(ReplayedCodeError):
        client.callback(query, "session-1")
    assert stats(server)["authorization_code"] == before  # refused before the code went out
    iss = urllib.parse.quote(server["meta"]["issuer"], safe="")
    with pytest.raises(ReplayedCodeError):
        client.callback(f"code=x&state=forged&iss={iss}", "session-1")


@pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")
def test_replayed_callback_is_refused_by_another_process(server):
    prefix = f"bulwark:oauth:test:{os.getpid()}:"
    one = web_client(server, store=AuthorizationStore(REDIS_URL, prefix=prefix))
    url, _ = one.authorize("session-9", ["orders:read"])
    query = visit(url)
    # Another process finishes the callback...
    code = (
        "import sys\n"
        "from bulwark.oauth import AuthorizationStore, OAuthClient\n"
        "meta, query, redis, prefix = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]\n"
        "import json; meta = json.loads(meta)\n"
        "c = OAuthClient.from_metadata(meta, 'web-app', client_secret='web-secret',\n"
        "    redirect_uri='http://127.0.0.1/callback', store=AuthorizationStore(redis, prefix=prefix))\n"
        "print(c.callback(query, 'session-9').token_type)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(server["meta"]), query, REDIS_URL, prefix],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "Bearer", out.stderr
    # ...so this one refuses the same callback.
    with pytest.raises(ReplayedCodeError):
        one.callback(query, "session-9")


def test_wrong_verifier_is_refused_by_the_server(server):
    client = web_client(server)
    url_a, _ = client.authorize("s", ["orders:read"])
    _, pending_b = client.authorize("s", ["orders:read"])
    code_a = urllib.parse.parse_qs(visit(url_a))["code"][0]
    # Exchange A's code with B's verifier: the server's PKCE check refuses it.
    url, body, headers = client._native.code_request(code_a, pending_b)
    status, text = client.transport(url, body, headers)
    with pytest.raises(OAuthError) as err:
        TokenResponse.parse(status, text)
    assert (err.value.error, err.value.description) == ("invalid_grant", "PKCE verification failed")


def test_error_responses_mix_up_and_hostile_callbacks(server):
    client = web_client(server)
    url, _ = client.authorize("s", ["orders:read"], deny="1")
    with pytest.raises(OAuthError) as err:
        client.callback(visit(url), "s")
    assert err.value.error == "access_denied" and err.value.description == "the user said no"
    url, _ = client.authorize("s", ["orders:read"])
    query = visit(url).replace("iss=http", "iss=https")
    with pytest.raises(jwt.InvalidIssuerError):
        client.callback(query, "s")
    strict = web_client(server)
    assert strict._native  # require_iss came from the metadata
    with pytest.raises(jwt.InvalidIssuerError):
        strict.callback("code=a&state=b", "s")
    for bad in ["code=a&code=b&state=c&iss=x", "code=%FF&state=a", "code=%E0%A4&state=a", "state=a&iss="]:
        with pytest.raises((InvalidInputError, jwt.InvalidIssuerError)):
            client.callback(bad, "s")
    for scopes in (["a b"], ['a"b'], ["a\\b"], [""]):
        with pytest.raises(InvalidInputError):
            client.authorize("s", scopes)
    with pytest.raises(InvalidInputError):
        client.authorize("s", ["a"], state="mine")  # reserved parameter
    with pytest.raises(InvalidInputError):
        OAuthClient("c", token_endpoint="http://idp.example/token")  # http off loopback
    with pytest.raises(InvalidInputError):
        OAuthClient("c", token_endpoint="https://idp.example/token", redirect_uri="javascript:alert(1)")


def test_public_client_code_flow(server):
    spa = OAuthClient.from_metadata(server["meta"], "spa", redirect_uri="http://127.0.0.1/spa-callback")
    url, _ = spa.authorize("tab-1", ["orders:read"])
    assert "client_id=spa" in url
    tokens = spa.callback(visit(url), "tab-1")
    assert verifier(server).verify(tokens.access_token).client_id == "spa"
    with pytest.raises(InvalidInputError):
        ClientCredentials(spa, ["orders:read"])  # no secret


def test_client_credentials_cache_one_fetch_and_refusals(server):
    worker = OAuthClient("worker", client_secret="worker-secret", token_endpoint=server["meta"]["token_endpoint"])
    source = ClientCredentials(worker, ["orders:read"])
    before = stats(server)["client_credentials"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: source.token(), range(32)))
    assert len(tokens) == 1 and stats(server)["client_credentials"] == before + 1
    assert verifier(server).verify(tokens.pop()).subject == "worker"
    source.invalidate()
    source.token()
    assert stats(server)["client_credentials"] == before + 2
    assert source.headers()["Authorization"].startswith("Bearer ")
    # An OAuth refusal is not retried; a wrong secret is invalid_client.
    with pytest.raises(OAuthError) as err:
        ClientCredentials(worker, ["admin"]).token()
    assert err.value.error == "invalid_scope"
    assert stats(server)["client_credentials"] == before + 3
    bad = OAuthClient("worker", client_secret="wrong", token_endpoint=server["meta"]["token_endpoint"])
    with pytest.raises(OAuthError) as err:
        ClientCredentials(bad).token()
    assert err.value.error == "invalid_client"
    # Nobody listening: every attempt fails, then BackendError.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    down = OAuthClient("worker", client_secret="s", token_endpoint=f"http://127.0.0.1:{dead}/token")
    start = time.monotonic()
    with pytest.raises(BackendError):
        ClientCredentials(down, backoff=0.01).token()
    assert time.monotonic() - start < 5


def test_access_tokens_rfc9068(server):
    worker = OAuthClient("worker", client_secret="worker-secret", token_endpoint=server["meta"]["token_endpoint"])
    token = ClientCredentials(worker, ["orders:read"]).token()
    v = verifier(server)
    with pytest.raises(jwt.ExpiredSignatureError):
        v.verify(token, now=time.time() + 3600)
    other = AccessTokenVerifier(jwks=server["jwks"], algorithms=["RS256"], issuer=server["meta"]["issuer"],
                                audience="billing")
    with pytest.raises(jwt.InvalidAudienceError):
        other.verify(token)
    with pytest.raises(jwt.InvalidAlgorithmError):
        AccessTokenVerifier(jwks=server["jwks"], algorithms=["ES256"], issuer=server["meta"]["issuer"],
                            audience="orders-api").verify(token)
    # An ID token (typ JWT) is not an access token.
    client = web_client(server)
    url, _ = client.authorize("s", ["openid", "orders:read"])
    tokens = client.callback(visit(url), "s")
    with pytest.raises(jwt.PyJWTError):
        v.verify(tokens.id_token)
    # A forged token: alg none, or HS256 signed with the public key as secret.
    head, body, _ = token.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode()
    for forged in (f"{none_header}.{body}.", f"{head}.{body}.AAAA"):
        with pytest.raises(jwt.PyJWTError):
            v.verify(forged)
    with pytest.raises(jwt.InvalidSignatureError):
        client.check_id_token(tokens.id_token, "another-nonce", jwks=server["jwks"])


def test_introspection_cache_and_revocation(server):
    opaque = OAuthClient("opaque-client", client_secret="opaque-secret", token_endpoint=server["meta"]["token_endpoint"])
    token = ClientCredentials(opaque, ["orders:read"]).token()
    assert token.count(".") == 0  # opaque
    rs = OAuthClient("orders-api", client_secret="rs-secret", token_endpoint=server["meta"]["token_endpoint"])
    cached = Introspector(rs, server["meta"]["introspection_endpoint"], issuer=server["meta"]["issuer"],
                          audience="orders-api")
    before = stats(server)["introspect"]
    for _ in range(5):
        assert cached.verify(token).scopes == ["orders:read"]
    assert stats(server)["introspect"] == before + 1
    fresh = Introspector(rs, server["meta"]["introspection_endpoint"], max_ttl=0)
    assert fresh.verify(token).client_id == "opaque-client"
    urllib.request.urlopen(urllib.request.Request(
        server["base"] + "/revoke", data=urllib.parse.urlencode({"token": token}).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(b"orders-api:rs-secret").decode()}))
    with pytest.raises(VerificationError):
        fresh.verify(token)
    with pytest.raises(VerificationError):
        fresh.verify("never-issued")
    wrong = OAuthClient("orders-api", client_secret="nope", token_endpoint=server["meta"]["token_endpoint"])
    with pytest.raises(OAuthError):
        Introspector(wrong, server["meta"]["introspection_endpoint"]).verify(token)


def test_flask_and_asgi_scope_checks(server):
    worker = OAuthClient("worker", client_secret="worker-secret", token_endpoint=server["meta"]["token_endpoint"])
    read = ClientCredentials(worker, ["orders:read"]).token()
    app = Flask(__name__)
    OAuthResourceServer(app, verifier(server))

    @app.get("/orders")
    @require_scope("orders:read")
    def orders():
        return {"caller": current_token().subject}

    @app.post("/orders")
    @require_scope("orders:write")
    def create():
        return {"ok": True}

    c = app.test_client()
    assert c.get("/orders", headers={"Authorization": f"Bearer {read}"}).json == {"caller": "worker"}
    denied = c.post("/orders", headers={"Authorization": f"Bearer {read}"})
    assert denied.status_code == 403
    assert denied.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="orders:write"'
    assert denied.json["error"] == "forbidden" and denied.json["scope"] == "orders:write"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {read}x"}):
        r = c.get("/orders", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'

    api = FastAPI()

    @api.get("/orders")
    def asgi_orders(token=Depends(RequireScope("orders:read", verifier=verifier(server)))):
        return {"caller": token.subject}

    @api.post("/orders")
    def asgi_create(token=Depends(asgi_require_scope("orders:write", verifier=verifier(server)))):
        return {"ok": True}

    t = TestClient(api)
    assert t.get("/orders", headers={"Authorization": f"Bearer {read}"}).json() == {"caller": "worker"}
    r = t.post("/orders", headers={"Authorization": f"Bearer {read}"})
    assert r.status_code == 403 and "insufficient_scope" in r.headers["www-authenticate"]
    assert t.get("/orders").status_code == 401


def test_pkce_matches_authlib_both_ways():
    for _ in range(20):
        v = code_verifier()
        assert code_challenge(v) == create_s256_code_challenge(v)
        assert verify_code_challenge(v, create_s256_code_challenge(v))
    long = code_verifier(128)
    assert len(long) == 128 and code_challenge(long) == create_s256_code_challenge(long)
    assert not verify_code_challenge("x" * 42, code_challenge("x" * 43))
    assert code_challenge("a" * 43, "plain") == "a" * 43
    for bad in ("", "short", "é" * 43, "a" * 129):
        with pytest.raises(InvalidInputError):
            code_challenge(bad)
    with pytest.raises(InvalidInputError):
        code_challenge("a" * 43, "s256")
    with pytest.raises(InvalidInputError):
        code_verifier(42)


def test_token_responses_hostile_json():
    from bulwark.jwt import DecodeError

    for body in ('{"access_token":"a","token_type":"Bearer","expires_in":NaN}',
                 '{"access_token":"a","token_type":"Bearer","access_token":"b"}',
                 '{"access_token":"\\ud800","token_type":"Bearer","expires_in":1e400}',
                 '{"access_token":"a","token_type":"mac"}', "[1]", "x" * 300_000):
        with pytest.raises(DecodeError):
            TokenResponse.parse(200, body)
    with pytest.raises(OAuthError) as err:
        TokenResponse.parse(400, '{"error":"invalid_grant","error_description":"bad \\u0000 <b>"}')
    assert err.value.error == "invalid_grant" and "\x00" not in err.value.description
    with pytest.raises(BackendError):
        TokenResponse.parse(502, "<html>")
    require_scopes(["a", "b"], ["a"])
    with pytest.raises(InsufficientScopeError):
        require_scopes(["a"], ["a", "c"])


def test_reference_service_as_resource_server_through_the_demo(server, tmp_path):
    """examples/oauth_demo.py's walk-through: the reference service configured from the
    environment accepts the authorization server's tokens by scope."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
    import oauth_demo
    from demo import call, service

    jwks = tmp_path / "jwks.json"
    jwks.write_text(server["jwks"])
    env = {"BULWARK_OAUTH_ISSUER": server["meta"]["issuer"], "BULWARK_OAUTH_JWKS_FILE": str(jwks)}
    lines: list[str] = []
    with service(str(tmp_path / "svc"), env) as api:
        oauth_demo.run(server, api, say=lines.append)
        # A token from another issuer's key (HS256 with a guessed secret) is refused.
        forged = jwt.encode({"iss": server["meta"]["issuer"], "aud": "orders-api", "sub": "x", "client_id": "x",
                             "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "j", "scope": "orders:read"},
                            "guess" * 8, algorithm="HS256", headers={"typ": "at+jwt"})
        assert call(api, "GET", "/api/orders", headers={"Authorization": f"Bearer {forged}"}).status == 401
    assert any("403" in line and "insufficient_scope" in line for line in lines)
    assert any("ReplayedCodeError" in line for line in lines)
