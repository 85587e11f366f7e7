"""The reference service (examples/api_service) as a real process over HTTP on loopback: the
`make demo` scenario, two processes sharing one Redis limit, a bounded load test, and hostile
requests."""

import concurrent.futures
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "api_service"))

import demo  # noqa: E402
from demo import call, service  # noqa: E402

REDIS_URL = os.environ.get("BULWARK_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")


def test_demo_scenario_against_the_real_service(tmp_path):
    lines = []
    with service(str(tmp_path)) as base:
        facts = demo.run_scenario(base, say=lines.append)
    assert any(line.startswith("10.") for line in lines)
    audit = (tmp_path / "audit.log").read_text()
    assert '"password":"[REDACTED]"' in audit
    assert facts["password"] not in audit and facts["api_key"] not in audit
    secrets = tmp_path / "secrets.json"
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_hostile_requests_get_clear_4xx_never_5xx(tmp_path):
    with service(str(tmp_path), {"BULWARK_LOGIN_IP_LIMIT": "1000 per minute"}) as base:
        cases = [
            ("POST", "/auth/register", b"not json", {"Content-Type": "application/json"}, 400),
            ("POST", "/auth/register", {"username": ["x"], "password": 5}, None, 400),
            ("POST", "/auth/register", {"username": "a b", "password": "correct horse battery"}, None, 400),
            ("POST", "/auth/register", {"username": "x" * 65, "password": "correct horse battery"}, None, 400),
            ("POST", "/auth/register", {"username": "big", "password": "p" * 100_000}, None, 413),
            ("POST", "/auth/login", {"username": "nobody", "password": "whatever it is"}, None, 401),
            ("POST", "/auth/login", {"username": "nobody", "password": "x", "otp": "1" * 17}, None, 400),
            ("POST", "/auth/refresh", {"refresh_token": "forged"}, None, 401),
            ("POST", "/auth/refresh", {"refresh_token": "bw_refresh_" + "A" * 40 + "_AAAAAA"}, None, 401),
            ("GET", "/me", None, {"X-API-Key": "bw_demo_garbage"}, 401),
            ("GET", "/me", None, {"Authorization": "Bearer " + "e" * 9000}, 401),
            ("GET", "/admin/users", None, {"Authorization": "Basic YWRtaW46YWRtaW4="}, 401),
            ("DELETE", "/api-keys/whatever", None, None, 401),
            ("GET", "/nope", None, None, 404),
            ("GET", "/api/status", None, {"API-Version": "9"}, 400),
            ("GET", "/api/status", None, {"API-Version": "1.0\u00e9".encode().decode("latin-1")}, 400),
            ("GET", "/api/versions", None, {"API-Version": "1.0"}, 400),
            ("GET", "/api/versions", None, {"API-Version": "2"}, 200),
        ]
        for method, path, body, headers, want in cases:
            if isinstance(body, bytes):
                import urllib.request

                req = urllib.request.Request(base + path, data=body, headers=headers or {}, method=method)
                try:
                    with urllib.request.urlopen(req) as r:
                        status = r.status
                except urllib.error.HTTPError as e:
                    status = e.code
            else:
                status = call(base, method, path, body, headers).status
            assert status == want, (method, path, status)


def _statuses(base, n, threads):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: call(base, "GET", "/api/status").status, range(n)))


@needs_redis
def test_two_service_processes_share_one_redis_limit_exactly(tmp_path):
    env = {"BULWARK_REDIS_URL": REDIS_URL, "BULWARK_DEFAULT_LIMITS": "25 per hour",
           "BULWARK_RATELIMIT_PREFIX": f"test:service:{time.time_ns()}:"}
    with service(str(tmp_path / "one"), env) as one, service(str(tmp_path / "two"), env) as two:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(lambda b: call(b, "GET", "/api/status").status, one if i % 2 else two)
                       for i in range(60)]
            statuses = [f.result() for f in futures]
    assert statuses.count(200) == 25, statuses
    assert statuses.count(429) == 35


def test_bounded_load_the_limit_holds_and_the_service_answers_429s(tmp_path):
    with service(str(tmp_path), {"BULWARK_DEFAULT_LIMITS": "100 per hour"}) as base:
        started = time.monotonic()
        statuses = _statuses(base, 400, threads=16)
        elapsed = time.monotonic() - started
        assert statuses.count(200) == 100, statuses
        assert statuses.count(429) == 300  # every other answer is a clean 429, no error, no drop
        r = call(base, "GET", "/health")  # the service is still healthy afterwards
        assert r.status == 200
    print(f"load: 400 requests from 16 threads in {elapsed:.2f}s")
