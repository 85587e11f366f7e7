"""Regression tests for the outside security audit (issue 18), from the Python door: each defect
as the audit found it, and hostile variants of the same input. The Rust and C doors have their
own tests of the same items (core/src/**/tests.rs, tests/c/)."""

import asyncio
import concurrent.futures
import hashlib
import hmac
import http.server
import json
import logging
import math
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

import bulwark
import bulwark.flask as bf
from bulwark import bcrypt, jwt, otp, password
from bulwark.argon2 import PasswordHasher, VerificationError
from bulwark.exceptions import InvalidInputError
from bulwark.ratelimit import RateLimiter
from bulwark.redact import RedactingFilter, SecurityLogger, redact_json, redact_text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "api_service"))

import app as service_app  # noqa: E402

REDIS_URL = os.environ.get("BULWARK_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")

EC_JWK = ('{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",'
          '"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}')
SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def b64(data):
    import base64

    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else data.encode()).rstrip(b"=").decode()


def forge_hs256(secret: bytes, payload=None):
    """The attacker's token: HS256 over their claims, keyed with the server's public key text."""
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{b64(json.dumps(payload or {'sub': 'admin'}))}"
    tag = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(tag)}"


# ----------------------------------------------------------------------------- 1. JWT key confusion

JWK_TEXTS = [
    EC_JWK,
    "  \n" + EC_JWK,
    "\ufeff" + EC_JWK,
    EC_JWK.replace('"kty"', '"k\\u0074y"'),
    '{"keys":[' + EC_JWK + "]}",
]


@pytest.mark.parametrize("text", JWK_TEXTS)
@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_public_jwk_as_text_is_never_an_hmac_secret(text, as_bytes):
    key = text.encode() if as_bytes else text
    forged = forge_hs256(text.encode())
    for algorithms in (["RS256", "HS256"], ["ES256", "HS256"], ["HS256"]):
        with pytest.raises(jwt.InvalidKeyError, match="JWK"):
            jwt.decode(forged, key, algorithms=algorithms)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"sub": "admin"}, key, algorithm="HS256")


def test_the_same_jwk_text_still_verifies_its_own_algorithm():
    # The text is an ES256 public key: as such it is used, and the forged HS256 token is refused.
    forged = forge_hs256(EC_JWK.encode())
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged, EC_JWK, algorithms=["ES256"])


@pytest.mark.parametrize("key", [EC_JWK, SECRET, EC_JWK.encode()])
def test_web_verifiers_refuse_a_mixed_allow_list_at_construction(key):
    from bulwark.asgi import JWTBearer

    with pytest.raises(ValueError, match="mixes"):
        bf.JWTAuth(Flask(__name__), key=key, algorithms=["RS256", "HS256"])
    with pytest.raises(ValueError, match="mixes"):
        JWTBearer(key=key, algorithms=["HS256", "ES256"])


def test_web_verifiers_refuse_jwk_text_as_an_hmac_key_at_construction():
    from bulwark.asgi import JWTBearer

    with pytest.raises(jwt.InvalidKeyError, match="JWK"):
        bf.JWTAuth(Flask(__name__), key=EC_JWK, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidKeyError, match="JWK"):
        JWTBearer(key=EC_JWK, algorithms=["HS256"])
    # And the ES256 verifier built from it refuses the forged token with a 401.
    app = Flask(__name__)
    bf.JWTAuth(app, key=EC_JWK, algorithms=["ES256"], options={"require": []})

    @app.get("/me")
    @bf.require_auth
    def me():
        return {"sub": bf.current_claims()["sub"]}

    r = app.test_client().get("/me", headers={"Authorization": "Bearer " + forge_hs256(EC_JWK.encode())})
    assert r.status_code == 401


# ----------------------------------------------------------------------------- 2. admin by a case variant


@pytest.fixture
def service(tmp_path):
    service_app.create_admin(tmp_path, "alice", "correct horse battery staple")
    flask_app = service_app.create_app(tmp_path, admin_users=("alice",), login_ip_limit="1000 per minute",
                                       login_account_limit="5 per minute",
                                       rate_limit_prefix=f"audit:{bulwark.token_hex(4)}:")
    return flask_app.test_client()


@pytest.mark.parametrize("name", ["alice", "ALICE", "Alice", "aLiCe", "\uff41\uff4c\uff49\uff43\uff45"])
def test_no_spelling_of_the_admins_name_can_be_registered(service, name):
    r = service.post("/auth/register", json={"username": name, "password": "another strong passphrase"})
    assert r.status_code == 409, (name, r.status_code, r.json)


@pytest.mark.parametrize("name", ["\u0430lice", "al\u0131ce", "alice\u200b", "al ice", "alice\x00"])
def test_look_alikes_and_invisible_characters_are_refused(service, name):
    r = service.post("/auth/register", json={"username": name, "password": "another strong passphrase"})
    assert r.status_code == 400, (name, r.status_code)


def test_sign_up_never_grants_a_role_and_names_are_unique_case_insensitively(service):
    r = service.post("/auth/register", json={"username": "Bob", "password": "another strong passphrase"})
    assert r.status_code == 201 and r.json == {"id": r.json["id"], "username": "bob", "role": "user"}
    assert service.post("/auth/register", json={"username": "BOB", "password": "x another strong one"}).status_code == 409
    # Any spelling logs in to the one account; the operator-made admin is the only admin.
    r = service.post("/auth/login", json={"username": "BOB", "password": "another strong passphrase"})
    assert r.status_code == 200
    bob = {"Authorization": "Bearer " + r.json["access_token"]}
    assert service.get("/admin/users", headers=bob).status_code == 403
    r = service.post("/auth/login", json={"username": "Alice", "password": "correct horse battery staple"})
    admin = {"Authorization": "Bearer " + r.json["access_token"]}
    users = service.get("/admin/users", headers=admin).json["users"]
    assert [(u["username"], u["role"]) for u in users] == [("alice", "admin"), ("bob", "user")]


def test_create_admin_refuses_to_promote_or_take_a_weak_password(tmp_path):
    service_app.create_admin(tmp_path, "root", "correct horse battery staple")
    with pytest.raises(ValueError, match="exists"):
        service_app.create_admin(tmp_path, "ROOT", "correct horse battery staple")
    with pytest.raises(ValueError, match="policy"):
        service_app.create_admin(tmp_path, "other", "short")


# ----------------------------------------------------------------------------- 3. logging is total


class _Unprintable:
    def __str__(self):
        raise RuntimeError("no")


HOSTILE_VALUES = [
    math.nan, math.inf, -math.inf, "lone \ud800 surrogate", {"\udfff": 1}, _Unprintable(),
    {1: "int key", (1, 2): "tuple key"}, b"bytes \xff", [1, {2, 3}],
]


def _nested(depth, leaf):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("value", HOSTILE_VALUES + [_nested(126, {"password": "p"}), _nested(2000, 1)])
def test_security_logger_never_raises_and_still_redacts(value, caplog):
    logger = SecurityLogger("bulwark.test.audit")
    with caplog.at_level(logging.INFO, logger="bulwark.test.audit"):
        line = logger.log_event("login_failed", body=value, password="hunter2")
        logger.log_auth_attempt(False, "u", "127.0.0.1", request_body=value)
        logger.log_suspicious_activity("odd", {"value": value})
    parsed = json.loads(line)
    assert parsed["event"] == "login_failed" and parsed["password"] == "[REDACTED]"
    assert "hunter2" not in caplog.text and '"p"' not in caplog.text
    assert len(caplog.records) == 3
    # redact_json on the same values never raises either.
    assert isinstance(redact_json({"v": value, "token": "t"}), dict)


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_redact_json_text_of_any_depth_is_redacted_not_refused(depth):
    text = '{"password": "p", "x": ' + "[" * depth + '{"token": "t"}' + "]" * depth + "}"
    out = redact_json(text)
    assert out.startswith('{"password":"[REDACTED]","x":[[') and "[TRUNCATED: nested too deep]" in out
    assert '"t"' not in out


def test_redacting_filter_is_total(caplog):
    log = logging.getLogger("bulwark.test.filter")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="bulwark.test.filter"):
        log.info("surrogate \ud800 and password=%s", "hunter2")
        log.info("bad args %d", "not a number")
    assert "hunter2" not in caplog.text


def _login_flood(client, body, n=8):
    return [client.post("/auth/login", data=body, content_type="application/json").status_code for _ in range(n)]


@pytest.mark.parametrize("body", [
    '{"username": "alice", "password": "wrong password!", "n": NaN}',
    '{"username": "alice", "password": "wrong password!", "x": -Infinity}',
    '{"username": "alice", "password": "wrong password!", "x": "\\ud800"}',
    json.dumps({"username": "alice", "password": "wrong password!", "x": _nested(126, "deep")}),
])
def test_hostile_login_bodies_are_401_then_429_and_audited(service, body, caplog):
    with caplog.at_level(logging.INFO, logger="bulwark.security"):
        statuses = _login_flood(service, body)
        # The right password is refused too once the account limit is reached.
        r = service.post("/auth/login", json={"username": "alice", "password": "correct horse battery staple"})
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    assert r.status_code == 429
    audit = caplog.text
    assert audit.count('"reason":"bad_credentials"') == 5
    assert "wrong password!" not in audit


def test_a_password_that_is_not_a_string_is_a_400(service):
    r = service.post("/auth/login", data='{"username": "alice", "password": NaN}', content_type="application/json")
    assert r.status_code == 400 and r.json["fields"] == {"password": ["a non-empty string is required"]}


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_deeply_nested_json_is_a_400_everywhere(service, depth):
    body = "[" * depth + "]" * depth
    for path in ("/auth/login", "/auth/register", "/auth/refresh"):
        r = service.post(path, data=body, content_type="application/json")
        assert r.status_code in (400, 413), (path, r.status_code)
        assert r.is_json and "error" in r.json


def test_validate_input_answers_400_for_deeply_nested_json():
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str

    app = Flask(__name__)

    @app.post("/items")
    @bf.validate_input(Item)
    def create():
        return {"ok": True}

    client = app.test_client()
    r = client.post("/items", data="[" * 3000 + "]" * 3000, content_type="application/json")
    assert r.status_code == 400 and r.is_json
    assert client.post("/items", json={"name": "x"}).status_code == 200


# ----------------------------------------------------------------------------- 4. login limits under concurrency


def _concurrent_wrong_guesses(storage):
    app = Flask(__name__)
    limiter = bf.Limiter(bf.get_remote_address, app=app, storage_uri=storage,
                         key_prefix=f"audit:{bulwark.token_hex(4)}:")

    @app.post("/login")
    @limiter.limit("5 per minute", deduct_when=lambda response: response.status_code == 401)
    def login():
        time.sleep(0.3)  # the password hash: every request is inside the view at once
        return {"error": "invalid"}, 401

    @app.post("/ok")
    @limiter.limit("2 per minute", deduct_when=lambda response: response.status_code == 401)
    def ok():
        return {"ok": True}

    client = app.test_client()
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(lambda _: client.post("/login").status_code, range(12)))
    # Responses that do not count give their reserved unit back.
    successes = [client.post("/ok").status_code for _ in range(6)]
    return statuses, successes


def test_concurrent_wrong_guesses_cannot_pass_the_limit_in_memory():
    statuses, successes = _concurrent_wrong_guesses("memory://")
    assert statuses == [401] * 5 + [429] * 7
    assert successes == [200] * 6


@needs_redis
def test_concurrent_wrong_guesses_cannot_pass_the_limit_on_redis():
    statuses, successes = _concurrent_wrong_guesses(REDIS_URL)
    assert statuses == [401] * 5 + [429] * 7
    assert successes == [200] * 6


def test_refund_through_the_python_limiter():
    limiter = RateLimiter("memory://", "moving-window")
    assert limiter.hit("k", "1/minute").allowed
    assert not limiter.hit("k", "1/minute").allowed
    limiter.refund("k", "1/minute")
    assert limiter.hit("k", "1/minute").allowed
    with pytest.raises(InvalidInputError):
        limiter.refund("k")


# ----------------------------------------------------------------------------- 5. PyJWKClient


class _SlowJWKS(http.server.BaseHTTPRequestHandler):
    mode = "trickle-body"
    body = b""
    release = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        mode = type(self).mode
        try:
            if mode == "trickle-status":
                for ch in b"HTTP/1.1 200 OK\r\n":
                    self.wfile.write(bytes([ch]))
                    self.wfile.flush()
                    if type(self).release.wait(0.2):
                        return
                return
            if mode == "bad-status":
                self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
                return
            self.send_response(500 if mode == "500" else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if mode == "trickle-body":
                for ch in b'{"keys": []}' * 1000:
                    self.wfile.write(bytes([ch]))
                    self.wfile.flush()
                    if type(self).release.wait(0.2):
                        return
            else:
                self.wfile.write(type(self).body)
        except OSError:
            pass


@pytest.fixture
def slow_idp():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowJWKS)
    server.daemon_threads = True
    _SlowJWKS.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    _SlowJWKS.release.set()
    server.shutdown()
    server.server_close()


def _es256_jwks():
    """A fresh ES256 private key PEM and a JWKS body publishing its public half as kid k1."""
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization

    private, public = jwt.generate_key_pair("ES256")
    pub = serialization.load_pem_public_key(public.encode())
    entry = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(pub))
    entry.update(kid="k1", use="sig")
    return private, json.dumps({"keys": [entry]}).encode()


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-status"])
def test_a_trickling_jwks_endpoint_is_cut_at_one_total_deadline(slow_idp, mode):
    _SlowJWKS.mode = mode
    client = jwt.PyJWKClient(slow_idp, timeout=1, min_refetch_interval=0)
    started = time.monotonic()
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_key("k1")
    # One total deadline, not one per read: the trickle would go on for minutes otherwise.
    assert time.monotonic() - started < 10


def test_cached_keys_are_served_while_a_refresh_hangs(slow_idp):
    private, body = _es256_jwks()
    _SlowJWKS.mode, _SlowJWKS.body = "ok", body
    client = jwt.PyJWKClient(slow_idp, timeout=3, lifespan=0.1, min_refetch_interval=0)
    token = jwt.encode({"sub": "s"}, private, algorithm="ES256", headers={"kid": "k1"})
    assert client.get_signing_key_from_jwt(token).key_id == "k1"
    time.sleep(0.2)
    _SlowJWKS.mode = "trickle-body"
    # A refresh starts (and hangs) in one thread; lookups of the cached kid go on meanwhile.
    refresher = threading.Thread(target=lambda: client.get_jwk_set(refresh=True))
    refresher.start()
    time.sleep(0.3)
    assert refresher.is_alive(), "the refresh should still be hanging on the trickle"
    for _ in range(20):
        assert client.get_signing_key_from_jwt(token).key_id == "k1"
    assert refresher.is_alive(), "cached lookups must not wait for the refresh"
    refresher.join(10)
    assert not refresher.is_alive()
    assert client.get_signing_key("k1").key_id == "k1"  # the failed refresh kept the last good keys


@pytest.mark.parametrize("mode,body", [
    ("bad-status", b""),
    ("500", b'{"keys": []}'),
    ("ok", b"not json"),
    ("ok", b'{"keys": [{"kty": "EC", "x": NaN}]}'),
    ("ok", b'{"keys": [' + b" " * 2_000_000 + b"]}"),
    ("ok", b"[" * 100_000 + b"]" * 100_000),
    ("ok", b'["not", "an", "object"]'),
])
def test_every_failed_refresh_keeps_the_last_good_keys(slow_idp, mode, body):
    private, good = _es256_jwks()
    _SlowJWKS.mode, _SlowJWKS.body = "ok", good
    client = jwt.PyJWKClient(slow_idp, timeout=3, lifespan=0.1, min_refetch_interval=0)
    assert client.get_signing_key("k1").key_id == "k1"
    time.sleep(0.2)
    _SlowJWKS.mode, _SlowJWKS.body = mode, body
    assert client.get_signing_key("k1").key_id == "k1"
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_key("not-there")
    fresh = jwt.PyJWKClient(slow_idp, timeout=3)
    with pytest.raises(jwt.PyJWKClientError):
        fresh.get_signing_keys()


def test_jwt_bearer_does_not_block_the_event_loop_on_a_fetch(slow_idp):
    from bulwark.asgi import JWTBearer
    from starlette.requests import Request

    private, body = _es256_jwks()
    _SlowJWKS.mode = "trickle-body"
    bearer = JWTBearer(key=jwt.PyJWKClient(slow_idp, timeout=1), algorithms=["ES256"])
    token = jwt.encode({"sub": "s", "exp": int(time.time()) + 60}, private, algorithm="ES256", headers={"kid": "k1"})
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"authorization", f"Bearer {token}".encode())],
             "client": ("127.0.0.1", 1), "query_string": b"", "server": ("t", 80), "scheme": "http",
             "root_path": "", "http_version": "1.1"}

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.create_task(ticker())
        from starlette.exceptions import HTTPException

        with pytest.raises(HTTPException) as info:
            await bearer(Request(scope))
        t.cancel()
        return ticks, info.value.status_code

    ticks, status = asyncio.run(main())
    assert status == 401
    assert ticks >= 20, f"the event loop stalled during the JWKS fetch ({ticks} ticks in about 1 s)"


# ----------------------------------------------------------------------------- 6. eviction under a flood


def test_a_flood_of_fresh_keys_does_not_reset_exhausted_keys():
    limiter = RateLimiter("memory://", "fixed-window", max_keys=20_000)
    victims = [f"victim-{i}" for i in range(200)]
    for v in victims:
        for _ in range(4):
            limiter.hit(v, "3/hour")
    for i in range(120_000):
        limiter.hit(f"flood-{i}", "3/hour")
        if i % 2000 == 0:
            for v in victims[:20]:
                assert not limiter.hit(v, "3/hour").allowed
    reset = [v for v in victims if limiter.test(v, "3/hour").allowed]
    assert reset == []


# ----------------------------------------------------------------------------- 7. redaction inside messages


@pytest.mark.parametrize("message,secret", [
    ('body {"user": "ann", "password": "hunter2"}', "hunter2"),
    ("GET /cb?code=1&client_secret=s3cr3tvalue&state=x", "s3cr3tvalue"),
    ("postgres://app:pa55w0rd@db:5432/app", "pa55w0rd"),
    ('{"data": "{\\"password\\": \\"nested-secret\\"}"}', "nested-secret"),
    ("kwargs {'pwd': 'p1', 'Pass_Phrase': 'p2', 'CREDENTIALS': 'p3', 'private-key': 'p4'}", "p1"),
    ("API_KEY=abc123 session: sess-xyz", "abc123"),
    ("API_KEY=abc123 session: sess-xyz", "sess-xyz"),
])
def test_redacting_filter_finds_key_value_secrets_in_messages(message, secret, caplog):
    log = logging.getLogger("bulwark.test.kv")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="bulwark.test.kv"):
        log.info("%s", message)
    assert secret not in caplog.text and "[REDACTED]" in caplog.text
    assert secret not in redact_text(message)


# ----------------------------------------------------------------------------- 8. exact big integers


@pytest.mark.parametrize("value", [2**64 + 1, -(2**70) - 3, 2**53 + 1, 10**40])
def test_big_integers_in_required_claims_stay_exact(value):
    token = jwt.encode({"uid": value, "other": value}, SECRET)
    for options in ({"require": ["uid"]}, {"require": ["uid", "other"]}, None):
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options=options)
        assert claims == {"uid": value, "other": value} and type(claims["uid"]) is int


# ----------------------------------------------------------------------------- 9. stored-hash cost caps

SALT, TAG = "c29tZXNhbHRzb21lc2FsdA", "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU"
COSTLY_ARGON2 = [
    f"$argon2id$v=19$m=2097152,t=1,p=1${SALT}${TAG}",
    f"$argon2id$v=19$m=65536,t=1024,p=1${SALT}${TAG}",
    f"$argon2id$v=19$m=65536,t=3,p=200${SALT}${TAG}",
]


def test_costly_stored_hashes_are_refused_before_any_work():
    cheap = bcrypt.hashpw(b"pw", bcrypt.gensalt(4))
    costly_bcrypt = cheap.replace(b"$04$", b"$31$", 1)
    for h in COSTLY_ARGON2 + [costly_bcrypt.decode()]:
        with pytest.raises(InvalidInputError, match="limit"):
            password.verify("pw", h)
        with pytest.raises(InvalidInputError, match="limit"):
            password.verify_and_update("pw", h)
    with pytest.raises(ValueError, match="limit"):
        bcrypt.checkpw(b"pw", costly_bcrypt)
    for h in COSTLY_ARGON2:
        with pytest.raises(VerificationError, match="limit"):
            PasswordHasher().verify(h, "pw")
    # Settings: a caller who means it raises or lowers the limits.
    assert bcrypt.checkpw(b"pw", cheap.replace(b"$04$", b"$05$", 1)) is False
    strict = password.DEFAULT_COST_LIMITS._replace(bcrypt_cost=4)
    five = bcrypt.hashpw(b"pw", bcrypt.gensalt(5)).decode()
    assert password.verify("pw", five)
    with pytest.raises(InvalidInputError, match="limit"):
        password.verify("pw", five, limits=strict)
    with pytest.raises(InvalidInputError):
        password.verify("pw", five, limits=password.DEFAULT_COST_LIMITS._replace(argon2_memory_cost=8))
    with pytest.raises(ValueError, match="limit"):
        bcrypt.checkpw(b"pw", five.encode(), max_cost=4)
    # A PasswordHasher with strong parameters verifies its own hashes.
    strong = PasswordHasher(time_cost=1, memory_cost=300 * 1024, parallelism=1)
    assert strong.verify(strong.hash("pw"), "pw")


# ----------------------------------------------------------------------------- 10. smaller ones


def test_checkpw_with_a_nul_byte_is_false_and_hashpw_still_refuses_it():
    h = bcrypt.hashpw(b"abc", bcrypt.gensalt(4))
    assert bcrypt.checkpw(b"ab\x00c", h) is False
    assert bcrypt.checkpw(b"abc\x00", h) is False
    with pytest.raises(ValueError):
        bcrypt.hashpw(b"ab\x00c", bcrypt.gensalt(4))


@pytest.mark.parametrize("uri", [
    "otpauth://totp/Evil%00Corp:alice?secret=JBSWY3DPEHPK3PXP",
    "otpauth://totp/ACME:al%00ice?secret=JBSWY3DPEHPK3PXP",
    "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&issuer=A%0D%0ABank",
    "otpauth://totp/ACME:alice%1B%5B2J?secret=JBSWY3DPEHPK3PXP",
])
def test_otpauth_uris_with_control_characters_are_refused(uri):
    with pytest.raises(ValueError, match="control character"):
        otp.parse_uri(uri)


def test_provisioning_uris_refuse_control_characters():
    totp = otp.TOTP(otp.random_base32())
    with pytest.raises(ValueError, match="control character"):
        totp.provisioning_uri(name="al\x00ice", issuer_name="ACME")
    with pytest.raises(ValueError, match="control character"):
        totp.provisioning_uri(name="alice", issuer_name="AC\nME")


# ----------------------------------------------------------------------------- the C door agrees


def test_the_c_door_and_python_share_the_refund_and_caps(clib):
    import ctypes

    ok = ctypes.c_bool(True)
    cheap = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).replace(b"$04$", b"$31$", 1)
    rc = clib.bw_password_verify(b"pw", 2, cheap, len(cheap), ctypes.byref(ok))
    assert rc == 101  # BW_ERR_INVALID_INPUT, as Python's InvalidInputError
    with pytest.raises(ValueError):
        bcrypt.checkpw(b"pw", cheap)


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "ftp://idp.example/jwks.json", "data:,{}", "/jwks.json",
                                 "FILE:///etc/hosts"])
def test_jwks_client_fetches_over_http_only(uri):
    """urllib opens file:, ftp: and data: URLs too; a JWKS URI that is not http(s) is refused
    when the client is made, before anything is read."""
    with pytest.raises(jwt.PyJWKClientError, match="http:// or https://"):
        jwt.PyJWKClient(uri)
    assert jwt.PyJWKClient("HTTPS://idp.example/jwks.json").uri == "HTTPS://idp.example/jwks.json"


# ----------------------------------------------------------------------------- 3. IP lists and proxies


def test_admin_routes_only_from_the_admin_network_behind_trusted_proxies(tmp_path):
    service_app.create_admin(tmp_path, "alice", "correct horse battery staple")
    flask_app = service_app.create_app(tmp_path, admin_users=("alice",), login_ip_limit="1000 per minute",
                                       rate_limit_prefix=f"ip:{bulwark.token_hex(4)}:",
                                       trusted_proxies="10.0.0.0/8", deny_networks="198.51.100.0/24",
                                       admin_networks="192.168.10.0/24")
    c = flask_app.test_client()
    lb = {"REMOTE_ADDR": "10.0.0.5"}

    def call(method, path, xff, **kw):
        return c.open(path, method=method, headers={"X-Forwarded-For": xff, **kw.pop("headers", {})},
                      environ_base=lb, **kw)

    r = call("POST", "/auth/login", "192.168.10.7", json={"username": "alice", "password": "correct horse battery staple"})
    admin = {"Authorization": "Bearer " + r.json["access_token"]}
    assert call("GET", "/admin/users", "192.168.10.7", headers=admin).status_code == 200
    # The same admin token from outside the admin network: 403, whatever the token says.
    r = call("GET", "/admin/users", "203.0.113.5", headers=admin)
    assert r.status_code == 403 and r.json["error"] == "address_not_allowed"
    # A client's own X-Forwarded-For, sent straight to the service (not through a proxy), is ignored.
    r = c.get("/admin/users", headers={**admin, "X-Forwarded-For": "192.168.10.7"},
              environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert r.status_code == 403
    # A denied network is refused everywhere; an unreadable forwarding entry is a 400.
    assert call("GET", "/health", "198.51.100.20").status_code == 403
    assert call("GET", "/health", "unknown").status_code == 400
    assert call("GET", "/health", "203.0.113.5").status_code == 200
