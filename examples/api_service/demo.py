"""Drive the reference service through a full scenario over HTTP, printing each step.

``python examples/api_service/demo.py`` starts the service on a free loopback port with a fresh
data folder, runs the scenario and stops it. ``--url http://127.0.0.1:8000`` drives a service
that is already running (``make serve``); give it the admin's password the service was set up with
(``BULWARK_ADMIN_PASSWORD``: ``make serve`` creates the admin ``alice`` with it).
Every step checks the answer; the first unexpected one stops the demo with an error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bulwark import otp, token_hex
from app import V1_DEPRECATED, V1_SUNSET  # the service's API 1.0 dates

HERE = Path(__file__).resolve().parent


class Reply:
    """One HTTP answer: status, headers and the JSON body (None when empty)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.json: Any = json.loads(body) if body and headers.get("Content-Type", "").startswith("application/json") else None


def call(base: str, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None) -> Reply:
    """One request with urllib (no client library needed)."""
    data = None if body is None else json.dumps(body).encode()
    h = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Reply(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return Reply(err.code, err.headers, err.read())


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for an access token."""
    return {"Authorization": f"Bearer {token}"}


def expect(reply: Reply, status: int, what: str) -> Reply:
    if reply.status != status:
        raise AssertionError(f"{what}: expected HTTP {status}, got {reply.status}: {reply.body[:300]!r}")
    return reply


def run_scenario(base: str, say: Callable[[str], None] = print, hammer_limit: int = 5,
                 admin_password: str | None = None) -> dict[str, Any]:
    """The whole walk-through against ``base``; returns what a test may want to look at further.
    The service must have the admin ``alice`` (created with ``server.py --create-admin alice``)
    whose password is ``admin_password`` (default: ``BULWARK_ADMIN_PASSWORD``)."""
    admin_password = admin_password or os.environ.get("BULWARK_ADMIN_PASSWORD")
    if not admin_password:
        raise SystemExit("set BULWARK_ADMIN_PASSWORD to the password of the service's admin 'alice'")
    run = token_hex(3)  # user names unique per run, so the scenario can be repeated on one service
    alice, bob = "alice", f"bob-{run}"
    strong = "correct horse battery staple " + run

    say("1. health and security headers")
    r = expect(call(base, "GET", "/health"), 200, "health")
    for name in ("Strict-Transport-Security", "X-Content-Type-Options", "Content-Security-Policy", "Cache-Control"):
        say(f"   {name}: {r.headers.get(name)}")
        assert r.headers.get(name), name
    r = expect(call(base, "GET", "/api/status"), 200, "status")
    say(f"   API version served without asking: {r.json['api_version']}")
    r = call(base, "GET", "/api/status", headers={"API-Version": "1.0"})
    expect(r, 200 if time.time() < V1_SUNSET.timestamp() else 410, "API 1.0")
    say(f"   API-Version 1.0: {r.status}, Deprecation: {r.headers.get('Deprecation')}, "
        f"Sunset: {r.headers.get('Sunset')}")
    assert r.headers.get("Deprecation") == f"@{int(V1_DEPRECATED.timestamp())}"
    r = expect(call(base, "GET", "/api/status", headers={"API-Version": "3"}), 400, "API 3")
    say(f"   API-Version 3: 400, supported {r.json['supported']}")

    say("2. register: a weak password is refused by the policy, strong ones pass; no name buys a role")
    r = expect(call(base, "POST", "/auth/register", {"username": bob, "password": "password123"}), 400, "weak")
    say(f"   400 {r.json['fields']['password']}")
    for variant in (alice, "ALICE", "\uff41lice"):  # the admin's name, in capitals, full-width
        expect(call(base, "POST", "/auth/register", {"username": variant, "password": strong}), 409, "admin's name")
    say("   409 for 'alice', 'ALICE' and a full-width 'ａlice': the admin's name is taken in every spelling")
    r = expect(call(base, "POST", "/auth/register", {"username": "\u0430lice", "password": strong}), 400, "look-alike")
    say("   400 for a Cyrillic look-alike of 'alice'")
    r = expect(call(base, "POST", "/auth/register", {"username": bob, "password": strong}), 201, "register bob")
    say(f"   201 {r.json}")
    assert r.json["role"] == "user", r.json
    expect(call(base, "POST", "/auth/register", {"username": bob.upper(), "password": strong}), 409, "duplicate")
    say("   409 for the same name again, in capitals")

    say("3. login: wrong password 401, right one gives tokens")
    r = expect(call(base, "POST", "/auth/login", {"username": bob, "password": "not it at all"}), 401, "bad login")
    say(f"   401 {r.json}")
    r = expect(call(base, "POST", "/auth/login", {"username": bob, "password": strong}), 200, "login")
    tokens = r.json
    say(f"   200 access token {tokens['access_token'][:24]}..., refresh token, expires_in={tokens['expires_in']}")

    say("4. bearer tokens: /me with, without and tampered")
    r = expect(call(base, "GET", "/me", headers=bearer(tokens["access_token"])), 200, "me")
    say(f"   200 {r.json}")
    r = expect(call(base, "GET", "/me"), 401, "me without token")
    say(f"   401 WWW-Authenticate: {r.headers.get('WWW-Authenticate')}")
    assert r.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'
    head, payload, sig = tokens["access_token"].split(".")
    forged = f"{head}.{payload}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    expect(call(base, "GET", "/me", headers=bearer(forged)), 401, "tampered")
    say("   401 for a token with its signature changed")

    say("5. roles: bob is refused the admin route, alice is let in")
    r = expect(call(base, "GET", "/admin/users", headers=bearer(tokens["access_token"])), 403, "bob admin")
    say(f"   403 {r.json}")
    ra = expect(call(base, "POST", "/auth/login", {"username": alice, "password": admin_password}), 200,
               "alice login")
    r = expect(call(base, "GET", "/admin/users", headers=bearer(ra.json["access_token"])), 200, "admin")
    say(f"   200 {len(r.json['users'])} users listed for alice")

    say("6. two-factor: enroll, confirm, then login needs a fresh code (replays refused)")
    r = expect(call(base, "POST", "/totp/enroll", headers=bearer(tokens["access_token"])), 200, "enroll")
    uri = r.json["provisioning_uri"]
    say(f"   provisioning URI {uri.split('secret=')[0]}secret=<hidden>...; QR SVG of {len(r.json['qr_svg'])} bytes")
    totp = otp.parse_uri(uri)
    expect(call(base, "POST", "/totp/confirm", {"otp": "000000" if totp.now() != "000000" else "111111"},
                bearer(tokens["access_token"])), 400, "wrong confirm")
    code = totp.now()
    expect(call(base, "POST", "/totp/confirm", {"otp": code}, bearer(tokens["access_token"])), 200, "confirm")
    say("   400 for a wrong first code, 200 for the right one: two-factor on")
    r = expect(call(base, "POST", "/auth/login", {"username": bob, "password": strong}), 401, "no code")
    say(f"   401 {r.json['error']} without a code")
    r = expect(call(base, "POST", "/auth/login", {"username": bob, "password": strong, "otp": code}), 401, "replay")
    say("   401 for the code already used to confirm (replay)")
    next_code = totp.at(time.time() + totp.interval)
    r = expect(call(base, "POST", "/auth/login", {"username": bob, "password": strong, "otp": next_code}), 200,
               "login with code")
    tokens = r.json
    say("   200 with the next code (inside the one-step window)")
    expect(call(base, "POST", "/auth/login", {"username": bob, "password": strong, "otp": next_code}), 401,
           "replay of login code")
    say("   401 for that same code a second time")

    say("7. API keys: create (shown once), use, list, revoke")
    r = expect(call(base, "POST", "/api-keys", {"name": "ci"}, bearer(tokens["access_token"])), 201, "create key")
    key, key_id = r.json["key"], r.json["key_id"]
    say(f"   201 key_id={key_id} key={key[:12]}...")
    r = expect(call(base, "GET", "/me", headers={"X-API-Key": key}), 200, "me by key")
    say(f"   200 /me via {r.json['authenticated_by']}")
    r = expect(call(base, "GET", "/api-keys", headers=bearer(tokens["access_token"])), 200, "list keys")
    assert key not in r.body.decode() and r.json["keys"][0]["key_id"] == key_id
    say(f"   200 {r.json['keys']}")
    expect(call(base, "DELETE", f"/api-keys/{key_id}", headers=bearer(tokens["access_token"])), 204, "revoke")
    expect(call(base, "GET", "/me", headers={"X-API-Key": key}), 401, "revoked key")
    say("   204 revoked; the key now gets 401")

    say("8. refresh tokens rotate; a reused one ends the session family")
    old = tokens["refresh_token"]
    r = expect(call(base, "POST", "/auth/refresh", {"refresh_token": old}), 200, "refresh")
    new = r.json["refresh_token"]
    expect(call(base, "GET", "/me", headers=bearer(r.json["access_token"])), 200, "new access token")
    expect(call(base, "POST", "/auth/refresh", {"refresh_token": old}), 401, "reuse")
    expect(call(base, "POST", "/auth/refresh", {"refresh_token": new}), 401, "family revoked")
    say("   200 new pair; the old token again: 401, and the new one is revoked with it")

    say("9. CORS: preflight from the allowed origin and from another one")
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    r = expect(call(base, "OPTIONS", "/auth/login", headers={"Origin": "http://localhost:3000", **pre}), 204, "cors")
    say(f"   204 Access-Control-Allow-Origin: {r.headers.get('Access-Control-Allow-Origin')}")
    expect(call(base, "OPTIONS", "/auth/login", headers={"Origin": "https://evil.example", **pre}), 403, "cors evil")
    say("   403 for https://evil.example")

    say(f"10. brute force: failed logins for one account are limited ({hammer_limit} per minute)")
    target = f"mallory-{run}"
    statuses = [call(base, "POST", "/auth/login", {"username": target, "password": f"guess {i}"}).status
                for i in range(hammer_limit)]
    r = expect(call(base, "POST", "/auth/login", {"username": target, "password": "one more"}), 429, "limited")
    say(f"   statuses {statuses} then 429, Retry-After: {r.headers.get('Retry-After')}s, {r.json}")
    assert statuses == [401] * hammer_limit, statuses
    return {"bob": bob, "password": strong, "api_key": key, "alice_token": ra.json["access_token"]}


@contextmanager
def service(data_dir: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start ``server.py`` on a free loopback port; yields its base URL, stops it afterwards.
    The admin ``alice`` is created first (``--create-admin``) with ``BULWARK_ADMIN_PASSWORD``, or
    with a fresh random password that is put into this process's environment for the scenario."""
    os.environ.setdefault("BULWARK_ADMIN_PASSWORD", "admin " + token_hex(12))
    # A fresh key prefix per service (unless the caller shares one): with BULWARK_REDIS_URL set,
    # counts left in Redis by an earlier run must not decide this one.
    full_env = {**os.environ, "BULWARK_ADMIN_USERS": "alice",
                "BULWARK_RATELIMIT_PREFIX": f"demo:{token_hex(6)}:", **(env or {})}
    server = [sys.executable, str(HERE / "server.py"), "--data-dir", data_dir]
    created = subprocess.run([*server, "--create-admin", "alice"], env=full_env, capture_output=True, text=True)
    if created.returncode != 0 and "exists already" not in created.stderr:
        raise RuntimeError(f"--create-admin failed: {created.stderr.strip()}")
    proc = subprocess.Popen([*server, "--port", "0", "--quiet"], stdout=subprocess.PIPE, env=full_env, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the service did not start (exit code {proc.wait(timeout=10)})")
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="drive this running service instead of starting one")
    args = parser.parse_args()
    if args.url:
        facts = run_scenario(args.url.rstrip("/"))
        print("demo finished: every step answered as expected")
        return
    with tempfile.TemporaryDirectory(prefix="bulwark-service-") as data:
        with service(data) as base:
            print(f"reference service at {base} (data in {data})")
            facts = run_scenario(base)
        audit = (Path(data) / "audit.log").read_text()
        print("11. audit log (secrets redacted):")
        for line in audit.splitlines()[-4:]:
            print("   " + line)
        assert facts["password"] not in audit and facts["api_key"] not in audit, "a secret reached the audit log"
        print("   no password, code, token or API key appears in the audit log")
    print("demo finished: every step answered as expected")


if __name__ == "__main__":
    main()
