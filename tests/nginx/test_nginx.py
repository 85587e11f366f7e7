"""The nginx module end to end: a real nginx on loopback with a generated configuration, the
module loaded, proxying to an upstream (a second server of the same nginx that echoes what it
received). Run by `make test` (check-nginx) with BULWARK_NGINX_MODULE set to the built module and
BULWARK_REDIS_URL to a throw-away redis-server.

Checked over HTTP: 401 without or with a bad token (tampered, expired, alg none, wrong key), 403
for a missing role, 200 with the verified subject passed upstream (a spoofed one dropped), the
security headers and CORS, 429 with the RateLimit headers past a limit, one limit shared exactly
by nginx and a Python RateLimiter through Redis, `nginx -t` refusing bad directives by name,
and hostile requests that never cost a worker.
"""

from __future__ import annotations

import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import textwrap
import time
import uuid

import pytest

from bulwark import jwt
from bulwark.ratelimit import RateLimiter
from nginx_runner import NGINX, Nginx, config, free_port

MODULE = os.environ.get("BULWARK_NGINX_MODULE", "")
REDIS_URL = os.environ.get("BULWARK_REDIS_URL", "")
SECRET = "a-gateway-hs256-secret-of-32-bytes!!"

if not MODULE or not pathlib.Path(MODULE).is_file():
    pytest.fail("BULWARK_NGINX_MODULE does not name the built module: run through `make test` (check-nginx)",
                pytrace=False)
if not REDIS_URL:
    pytest.fail("BULWARK_REDIS_URL is not set: run through `make test`", pytrace=False)


def conf_text(d: pathlib.Path, port: int, upstream: int, redis_prefix: str, body: str = "") -> str:
    return config(d, MODULE, textwrap.dedent(f"""\
            large_client_header_buffers 4 32k;

            server {{
                listen 127.0.0.1:{upstream};
                location / {{
                    return 200 "upstream subject=[$http_x_bulwark_subject] user=[$http_x_user]\\n";
                }}
            }}

            server {{
                listen 127.0.0.1:{port};
                bulwark_security_headers on;

                location /public {{
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /api {{
                    bulwark_jwt key_file={d}/hs.key algorithms=HS256 issuer=https://issuer.test audience=api;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /admin {{
                    bulwark_jwt key_file={d}/hs.key algorithms=HS256 issuer=https://issuer.test audience=api
                                subject_header=X-User;
                    bulwark_jwt_require roles=admin permissions=reports:read;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /scoped {{
                    bulwark_jwt key_file={d}/hs.key algorithms=HS256 issuer=https://issuer.test audience=api;
                    bulwark_jwt_require scope=reports:write;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /es {{
                    bulwark_jwt jwks_file={d}/jwks.json algorithms=ES256;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /limited {{
                    bulwark_limit "3/minute" key=$http_x_client;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /shared {{
                    bulwark_limit "10/minute" key=$http_x_client storage={REDIS_URL} prefix={redis_prefix};
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                location /again {{
                    bulwark_limit "3/minute" key=$http_x_client;
                    location /again/first {{ try_files /nonexistent /again/second; }}
                    location /again/second {{ proxy_pass http://127.0.0.1:{upstream}; }}
                }}
                location /cors {{
                    bulwark_cors origins=https://app.example.com methods=GET,POST headers=Authorization,Content-Type
                                 credentials max_age=600;
                    proxy_pass http://127.0.0.1:{upstream};
                }}
                {body}
            }}
        """))


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("nginx")
    (d / "hs.key").write_text(SECRET)
    es = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256)
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    jwk = es.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid="es-1", alg="ES256", use="sig")
    import json

    (d / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    return d, private


@pytest.fixture(scope="module")
def gw(keys):
    d, _ = keys
    prefix = f"gw{uuid.uuid4().hex[:8]}:"
    port, upstream = free_port(), free_port()
    n = Nginx(d, conf_text(d, port, upstream, prefix), port)
    n.prefix = prefix
    yield n
    n.stop()
    log = n.log()
    assert "exited on signal" not in log, log
    assert "[alert]" not in log, log


def token(**overrides) -> str:
    claims = {"sub": "alice", "iss": "https://issuer.test", "aud": "api", "exp": int(time.time()) + 300,
              "roles": ["admin"], "scope": "reports:read"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def bearer(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


# ------------------------------------------------------------------------------- JWT


def test_public_location_passes_with_security_headers(gw):
    status, h, body = gw.request("/public")
    assert status == 200 and body.startswith("upstream")
    assert h["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert h["referrer-policy"] == "no-referrer"


def test_missing_token_is_401_with_challenge(gw):
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer a b"}):
        status, h, _ = gw.request("/api/items", headers)
        assert status == 401, headers
        assert h["www-authenticate"] == 'Bearer error="invalid_token"'
        # The security headers are on refusals too.
        assert h["x-content-type-options"] == "nosniff"


def test_bad_tokens_are_401(gw):
    good = token()
    head, payload, sig = good.split(".")
    tampered_payload = jwt.encode({"sub": "mallory", "iss": "https://issuer.test", "aud": "api",
                                   "exp": int(time.time()) + 300}, SECRET, algorithm="HS256").split(".")[1]
    cases = {
        "tampered": f"{head}.{tampered_payload}.{sig}",
        "flipped signature": f"{head}.{payload}.{sig[:-2]}{'A' if sig[-2] != 'A' else 'B'}{sig[-1]}",
        "expired": token(exp=int(time.time()) - 3600),
        "wrong issuer": token(iss="https://evil.test"),
        "wrong audience": token(aud="other"),
        "wrong key": jwt.encode({"sub": "alice", "iss": "https://issuer.test", "aud": "api"},
                                "another-secret-of-at-least-32-bytes!", algorithm="HS256"),
        "alg none": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + ".",
        "garbage": "not.a.jwt",
    }
    for name, t in cases.items():
        status, h, _ = gw.request("/api/items", bearer(t))
        assert status == 401, name
        assert h["www-authenticate"] == 'Bearer error="invalid_token"', name
    assert "request refused (401)" in gw.log()


def test_good_token_passes_subject_upstream_and_drops_a_spoofed_one(gw):
    status, h, body = gw.request("/api/items", {**bearer(token()), "X-Bulwark-Subject": "root"})
    assert status == 200
    assert "subject=[alice]" in body
    assert "root" not in body
    assert h["strict-transport-security"].startswith("max-age=")


def test_roles_and_permissions(gw):
    status, _, body = gw.request("/admin", {**bearer(token()), "X-User": "spoofed"})
    assert status == 200 and "user=[alice]" in body and "spoofed" not in body
    for claims in ({"roles": ["viewer"]}, {"scope": "reports:write"}, {"roles": None}):
        status, h, _ = gw.request("/admin", bearer(token(**claims)))
        assert status == 403, claims
        assert h["www-authenticate"] == 'Bearer error="insufficient_scope"'


def test_scope_requirement(gw):
    assert gw.request("/scoped", bearer(token()))[0] == 403
    assert gw.request("/scoped", bearer(token(scope="reports:read reports:write", roles=None)))[0] == 200


def test_jwks_and_es256(gw, keys):
    _, private = keys
    t = jwt.encode({"sub": "bob"}, private, algorithm="ES256", headers={"kid": "es-1"})
    status, _, body = gw.request("/es", bearer(t))
    assert status == 200 and "subject=[bob]" in body
    # The HS256 secret cannot sign for the ES256 location (no algorithm confusion).
    status, _, _ = gw.request("/es", bearer(token()))
    assert status == 401
    unknown_kid = jwt.encode({"sub": "bob"}, private, algorithm="ES256", headers={"kid": "nope"})
    assert gw.request("/es", bearer(unknown_kid))[0] == 401


# ------------------------------------------------------------------------- rate limits


def test_limit_then_429_with_ratelimit_headers(gw):
    client = {"X-Client": f"c-{uuid.uuid4().hex}"}
    for i in range(3):
        status, h, _ = gw.request("/limited", client)
        assert status == 200
        assert h["x-ratelimit-limit"] == "3" and h["x-ratelimit-remaining"] == str(2 - i)
        assert "ratelimit-policy" in h and "ratelimit" in h
    status, h, _ = gw.request("/limited", client)
    assert status == 429
    assert int(h["retry-after"]) >= 1
    assert h["x-ratelimit-remaining"] == "0"
    assert "ratelimit" in h and "ratelimit-policy" in h
    # Another key has its own count; an empty key is not limited (as limit_req).
    assert gw.request("/limited", {"X-Client": "someone-else"})[0] == 200
    assert all(gw.request("/limited")[0] == 200 for _ in range(5))


def test_an_internal_redirect_is_counted_once(gw):
    """try_files sends the request through the access phase again (to a location with the same
    inherited limiter): it is still one request, one count."""
    client = {"X-Client": f"r-{uuid.uuid4().hex}"}
    statuses = [gw.request("/again/first", client)[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_one_limit_shared_with_python_through_redis(gw):
    """nginx and a Python RateLimiter on the same Redis and prefix count one limit: exactly 10
    requests pass in all, however the two interleave."""
    client = f"shared-{uuid.uuid4().hex}"
    py = RateLimiter(REDIS_URL, prefix=gw.prefix)

    def from_python(_):
        return py.hit(client, "10/minute").allowed

    def from_nginx(_):
        return gw.request("/shared", {"X-Client": client})[0] == 200

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(from_python if i % 2 else from_nginx, i) for i in range(30)]
        allowed = sum(j.result() for j in jobs)
    assert allowed == 10
    assert not py.hit(client, "10/minute").allowed
    assert gw.request("/shared", {"X-Client": client})[0] == 429


# -------------------------------------------------------------------------------- CORS


def test_cors(gw):
    origin = {"Origin": "https://app.example.com"}
    status, h, _ = gw.request("/cors", {**origin, "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "authorization"}, method="OPTIONS")
    assert status == 204
    assert h["access-control-allow-origin"] == "https://app.example.com"
    assert h["access-control-allow-credentials"] == "true"
    assert h["access-control-max-age"] == "600"
    status, _, _ = gw.request("/cors", {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
                              method="OPTIONS")
    assert status == 403
    status, _, _ = gw.request("/cors", {**origin, "Access-Control-Request-Method": "DELETE"}, method="OPTIONS")
    assert status == 403
    status, h, body = gw.request("/cors", origin)
    assert status == 200 and body.startswith("upstream")
    assert h["access-control-allow-origin"] == "https://app.example.com" and "Origin" in h["vary"]
    status, h, _ = gw.request("/cors", {"Origin": "https://evil.example"})
    assert status == 200 and "access-control-allow-origin" not in h


# ---------------------------------------------------------------------- hostile requests


def test_hostile_requests_never_cost_a_worker(gw):
    hostile = [
        {"Authorization": "Bearer " + "A" * 30000},
        {"Authorization": "Bearer \xff\xfe"},
        {"Authorization": "Bearer " + "a." * 5000 + "b"},
        {"Authorization": "Bearer " + token() + " extra"},
        {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOnsiJCI6MX19.AAAA"},
        {"Authorization": "Bearer " + jwt.encode({"sub": "x" * 2000, "iss": "https://issuer.test", "aud": "api"},
                                                 SECRET, algorithm="HS256")},
        {"Authorization": "Bearer " + jwt.encode({"sub": 42, "iss": "https://issuer.test", "aud": "api"},
                                                 SECRET, algorithm="HS256")},
    ]
    for headers in hostile:
        status, _, _ = gw.request("/api/x", headers)
        assert status in (400, 401), headers["Authorization"][:40]
    # The scheme in any case with extra spaces is still a bearer token (RFC 6750, core's rule).
    assert gw.request("/api/x", {"Authorization": "bEaReR    " + token()})[0] == 200
    # A key as long as nginx lets through, and bytes that are not UTF-8.
    assert gw.request("/limited", {"X-Client": "k" * 20000})[0] == 200
    assert gw.request("/limited", {"X-Client": "\xff\xfe"})[0] in (200, 400, 500)
    # The worker is the same process it was: nothing crashed.
    assert gw.request("/public")[0] == 200
    assert "exited on signal" not in gw.log()


# --------------------------------------------------------------------------- nginx -t


@pytest.mark.parametrize("directive, message", [
    ("bulwark_jwt key_file={d}/hs.key algorithms=HS999;", '"bulwark_jwt": algorithm "HS999" is not accepted'),
    ("bulwark_jwt key_file={d}/hs.key algorithms=none;", '"bulwark_jwt": algorithm "none" is not accepted'),
    ("bulwark_jwt key_file={d}/missing.key algorithms=HS256;", '"bulwark_jwt": cannot open'),
    ("bulwark_jwt key_file={d}/hs.key;", '"bulwark_jwt": algorithms= is required'),
    ("bulwark_jwt key_file={d}/hs.key algorithms=HS256,RS256;", '"bulwark_jwt": the key and algorithms are refused'),
    ("bulwark_jwt key_file={d}/hs.key algorithms=HS256 colour=blue;", '"bulwark_jwt": unknown parameter "colour=blue"'),
    ('bulwark_limit "ten per fortnight" key=$remote_addr;', '"bulwark_limit": the rates, storage or options are refused'),
    ('bulwark_limit "5/minute";', '"bulwark_limit": key= is required'),
    ('bulwark_limit "5/minute" key=$remote_addr storage=ftp://x;', '"bulwark_limit": the rates, storage or options'),
    ('bulwark_limit "5/minute" key=$remote_addr strategy=leaky;', '"bulwark_limit": strategy "leaky" is not'),
    ('bulwark_limit "5/minute" key=$remote_addr local_share=2;', '"bulwark_limit": the rates, storage or options'),
    ("bulwark_jwt_require roles=[1];", '"bulwark_jwt_require": the roles or permissions are refused'),
    ("bulwark_cors origins=* credentials;", '"bulwark_cors": the policy is refused'),
    ("bulwark_cors methods=GET;", '"bulwark_cors": origins= is required'),
    ('bulwark_security_headers on frame_options="DENY\x01";', '"bulwark_security_headers": the header values'),
])
def test_nginx_t_refuses_bad_directives_by_name(keys, directive, message):
    d, _ = keys
    bad = d / f"bad-{uuid.uuid4().hex[:6]}"
    bad.mkdir()
    for name in ("hs.key", "jwks.json"):
        shutil.copy(d / name, bad / name)
    text = conf_text(bad, free_port(), free_port(), "t:", "location /bad { " + directive.format(d=bad) + " }")
    (bad / "nginx.conf").write_text(text)
    r = subprocess.run([NGINX, "-t", "-p", str(bad), "-c", str(bad / "nginx.conf"), "-e", str(bad / "error.log")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert "nginx.conf:" in r.stderr  # nginx points at the line


def test_nginx_t_accepts_the_good_configuration(gw):
    r = subprocess.run([NGINX, "-t", "-p", str(gw.dir), "-c", str(gw.dir / "nginx.conf"), "-e",
                        str(gw.dir / "t.log")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
