"""bulwark.asgi: the pure ASGI middlewares driven without any framework, then inside FastAPI with
JWTBearer, through Starlette's test client."""

import asyncio
import json
import time

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from bulwark import jwt
from bulwark.asgi import CORSMiddleware, JWTBearer, RateLimitMiddleware, SecurityHeadersMiddleware

KEY = "asgi-test-secret-" + "k" * 32


async def plain_app(scope, receive, send):
    """A bare ASGI app: no framework at all."""
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"vary", b"Accept-Encoding")]})
    await send({"type": "http.response.body", "body": b"hello"})


def drive(app, method="GET", path="/", headers=(), client=("10.0.0.1", 1234)):
    """One request through an ASGI app with nothing but asyncio; (status, headers dict, body)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "path": path, "raw_path": path.encode(), "query_string": b"", "client": client,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    assert start["type"] == "http.response.start"
    hdrs = {}
    for k, v in start["headers"]:
        assert k.decode() not in hdrs, f"duplicate header {k!r}"
        hdrs[k.decode()] = v.decode()
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], hdrs, body


def test_rate_limit_middleware_without_a_framework():
    app = RateLimitMiddleware(plain_app, limits=["3 per minute"], exempt_paths=["/health"])
    results = [drive(app) for _ in range(4)]
    assert [s for s, _, _ in results] == [200, 200, 200, 429]
    status, headers, body = results[-1]
    assert headers["retry-after"] == "60" and headers["x-ratelimit-remaining"] == "0"
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "rate_limited", "message": "rate limit exceeded: 3 per 1 minute",
                                "retry_after": 60}
    assert results[0][1]["x-ratelimit-limit"] == "3" and results[0][1]["x-ratelimit-remaining"] == "2"
    assert drive(app, client=("10.0.0.2", 1))[0] == 200  # another client has its own count
    assert [drive(app, path="/health")[0] for _ in range(5)] == [200] * 5


def test_rate_limit_middleware_per_path_key_func_and_dead_store():
    app = RateLimitMiddleware(plain_app, limits="1/minute", per_path=True,
                              key_func=lambda scope: dict(scope["headers"]).get(b"x-user", b"anon").decode())
    assert drive(app, path="/a", headers=[("X-User", "u")])[0] == 200
    assert drive(app, path="/a", headers=[("X-User", "u")])[0] == 429
    assert drive(app, path="/b", headers=[("X-User", "u")])[0] == 200
    assert drive(app, path="/a", headers=[("X-User", "v")])[0] == 200
    dead = "redis://127.0.0.1:1/0"
    status, _, body = drive(RateLimitMiddleware(plain_app, limits="5/minute", storage_uri=dead))
    assert status == 503 and json.loads(body)["error"] == "rate_limiter_unavailable"
    assert drive(RateLimitMiddleware(plain_app, limits="5/minute", storage_uri=dead,
                                     on_backend_failure="allow"))[0] == 200
    for bad in ([], "abc", ["10 per fortnight"]):
        with pytest.raises(ValueError):
            RateLimitMiddleware(plain_app, limits=bad)
    with pytest.raises(ValueError):
        JWTBearer(key=KEY, algorithms=["none"])
    local = RateLimitMiddleware(plain_app, limits="1/minute", storage_uri=dead, on_backend_failure="local")
    assert [drive(local)[0] for _ in range(2)] == [200, 429]


def test_security_headers_and_cors_without_a_framework():
    app = CORSMiddleware(SecurityHeadersMiddleware(plain_app), origins=["https://app.example"])
    status, headers, body = drive(app, headers=[("Origin", "https://app.example")])
    assert status == 200 and body == b"hello"
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["vary"] == "Accept-Encoding, Origin"
    status, headers, _ = drive(app, headers=[("Origin", "https://evil.example")])
    assert status == 200 and "access-control-allow-origin" not in headers
    pre = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")]
    status, headers, body = drive(app, "OPTIONS", headers=pre)
    assert status == 204 and body == b"" and headers["access-control-allow-origin"] == "https://app.example"
    status, headers, body = drive(app, "OPTIONS", headers=[("Origin", "https://evil.example"),
                                                          ("Access-Control-Request-Method", "POST")])
    assert status == 403 and json.loads(body)["error"] == "cors_denied"
    with pytest.raises(ValueError):
        CORSMiddleware(plain_app, origins=["*"], allow_credentials=True)


def token(ttl=60, **claims):
    return jwt.encode({"sub": "u1", "exp": int(time.time()) + ttl, **claims}, KEY, algorithm="HS256")


@pytest.fixture
def api():
    app = FastAPI()
    user = JWTBearer(key=KEY, algorithms=["HS256"])
    admin = JWTBearer(key=KEY, algorithms=["HS256"], role="admin")
    writer = JWTBearer(key=KEY, algorithms=["HS256"], permission="items:write")

    @app.get("/me")
    def me(claims: dict = Depends(user)):
        return {"sub": claims["sub"]}

    @app.get("/admin")
    def admin_route(claims: dict = Depends(admin)):
        return {"ok": True}

    @app.post("/items")
    def items(claims: dict = Depends(writer)):
        return {"ok": True}

    @app.get("/health")
    def health():
        return {"ok": True}

    app.add_middleware(RateLimitMiddleware, limits=["5 per minute"], exempt_paths=["/health"])
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CORSMiddleware, origins=["https://app.example"], methods=["GET", "POST"])
    return TestClient(app)


def test_fastapi_jwt_bearer(api):
    r = api.get("/me", headers={"Authorization": f"Bearer {token()}"})
    assert r.status_code == 200 and r.json() == {"sub": "u1"}
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-ratelimit-limit"] == "5"
    r = api.get("/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert r.json() == {"detail": {"error": "invalid_token", "message": "authentication required"}}
    assert api.get("/me", headers={"Authorization": f"Bearer {token(ttl=-100)}"}).status_code == 401
    r = api.get("/admin", headers={"Authorization": f"Bearer {token(roles=['user'])}"})
    assert r.status_code == 403 and r.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    assert api.get("/admin", headers={"Authorization": f"Bearer {token(roles=['admin'])}"}).status_code == 200


def test_fastapi_stack_limits_and_cors(api):
    ok = {"Authorization": f"Bearer {token(scope='items:write')}"}
    assert [api.post("/items", headers=ok).status_code for _ in range(6)] == [200] * 5 + [429]
    r = api.get("/me", headers=ok)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert r.headers["x-frame-options"] == "DENY"  # the 429 is answered inside the headers middleware
    assert [api.get("/health").status_code for _ in range(3)] == [200] * 3
    r = api.options("/items", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "https://app.example"


def test_ip_filter_middleware_lists_proxies_and_the_limiter_key():
    from bulwark.asgi import IPFilterMiddleware
    from bulwark.ipnet import TrustedProxies

    lb = ("10.0.0.5", 1)
    app = IPFilterMiddleware(plain_app, allow="203.0.113.0/24, 10.0.0.0/8", deny="203.0.113.66")
    assert drive(app, client=("203.0.113.9", 1))[0] == 200
    status, _, body = drive(app, client=("198.51.100.1", 1))
    assert status == 403 and json.loads(body)["error"] == "address_not_allowed"
    assert drive(app, client=("203.0.113.66", 1))[0] == 403
    # No trusted proxies: a client's X-Forwarded-For changes nothing.
    assert drive(app, client=("198.51.100.1", 1), headers=[("X-Forwarded-For", "203.0.113.9")])[0] == 403
    # Behind trusted load balancers, the address they report is the one decided and limited.
    behind = IPFilterMiddleware(RateLimitMiddleware(plain_app, limits=["2 per minute"]), deny="203.0.113.66",
                                trusted_proxies=TrustedProxies(networks="10.0.0.0/8"))
    fwd = [("X-Forwarded-For", "203.0.113.66")]
    assert drive(behind, client=lb, headers=fwd)[0] == 403
    one = [("X-Forwarded-For", "203.0.113.1")]
    two = [("X-Forwarded-For", "203.0.113.2")]
    assert [drive(behind, client=lb, headers=one)[0] for _ in range(3)] == [200, 200, 429]
    assert drive(behind, client=lb, headers=two)[0] == 200  # another client behind the same proxy
    status, _, body = drive(behind, client=lb, headers=[("X-Forwarded-For", "unknown")])
    assert status == 400 and json.loads(body)["error"] == "invalid_client_address"


def test_fastapi_ip_restrict():
    from bulwark.asgi import IPRestrict

    app = FastAPI()

    @app.get("/internal")
    def internal(address: str = Depends(IPRestrict(allow="10.0.0.0/8"))):
        return {"address": address}

    @app.get("/open")
    def open_route(address: str = Depends(IPRestrict(deny="198.51.100.0/24"))):
        return {"address": address}

    inside = TestClient(app, client=("10.1.2.3", 5000))
    assert inside.get("/internal").json() == {"address": "10.1.2.3"}
    outside = TestClient(app, client=("198.51.100.7", 5000))
    r = outside.get("/internal")
    assert r.status_code == 403 and r.json()["detail"]["error"] == "address_not_allowed"
    assert outside.get("/open").status_code == 403
    # A peer that is not an address (TestClient's default "testclient") cannot be allowed: 403, not 500.
    assert TestClient(app).get("/internal").status_code == 403
