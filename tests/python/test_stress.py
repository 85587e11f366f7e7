"""Every Python API at once from 8 threads (as pyca/bcrypt's multithreading test does), with every
result checked: hashing, AEAD, keyrings, Fernet, JWT, TOTP, rate limiting, API keys, redaction.
A wrong answer, a lost count or a crash under contention fails here."""

import concurrent.futures
import os
import threading
import time

import bulwark
from bulwark import apikey, jwt, otp, ratelimit, redact
from bulwark import argon2 as bw_argon2
from bulwark import bcrypt as bw_bcrypt
from bulwark.aead import AESGCM, ChaCha20Poly1305, Keyring
from bulwark.fernet import Fernet, InvalidToken

WORKERS = 8
ROUNDS = 40

_hasher = bw_argon2.PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
_aes = AESGCM(AESGCM.generate_key(256))
_chacha = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
_ring = Keyring.generate()
_fernet = Fernet(Fernet.generate_key())
_jwt_key = bulwark.token_bytes(32)
_es_private, _es_public = jwt.generate_key_pair("ES256")
_totp = otp.TOTP(otp.random_base32())
_key_hasher = apikey.KeyHasher(b"stress-test pepper of 32 bytes.....")
_limiter = ratelimit.RateLimiter("memory://", "fixed-window")
_moving = ratelimit.MovingWindowRateLimiter(ratelimit.storage_from_string("memory://"))
_allowed = [0]
_allowed_lock = threading.Lock()


def one_round(i: int) -> int:
    """One pass over every API; returns how many checks it made."""
    tag = f"{i}-{threading.get_ident()}".encode()
    checks = 0

    salt = bw_bcrypt.gensalt(4)
    h = bw_bcrypt.hashpw(b"pw-" + tag, salt)
    assert bw_bcrypt.checkpw(b"pw-" + tag, h) and not bw_bcrypt.checkpw(b"other", h)
    a = _hasher.hash(b"pw-" + tag)
    assert _hasher.verify(a, b"pw-" + tag)
    checks += 3

    nonce = os.urandom(12)
    for aead in (_aes, _chacha):
        ct = aead.encrypt(nonce, tag * 100, b"aad")
        assert aead.decrypt(nonce, ct, b"aad") == tag * 100
        checks += 1
    sealed = _ring.encrypt(tag, aad=b"ring")
    assert _ring.decrypt(sealed, aad=b"ring") == tag
    token = _fernet.encrypt(tag)
    assert _fernet.decrypt(token, ttl=60) == tag
    try:
        _fernet.decrypt(token[:-4] + b"AAAA")
        raise AssertionError("a damaged Fernet token decrypted")
    except InvalidToken:
        pass
    checks += 3

    claims = {"sub": tag.decode(), "exp": int(time.time()) + 60}
    assert jwt.decode(jwt.encode(claims, _jwt_key, algorithm="HS256"), _jwt_key, algorithms=["HS256"]) == claims
    es = jwt.encode(claims, _es_private, algorithm="ES256")
    assert jwt.decode(es, _es_public, algorithms=["ES256"])["sub"] == tag.decode()
    try:
        jwt.decode(es, _es_public, algorithms=["HS256"])
        raise AssertionError("an algorithm outside the allow-list verified")
    except jwt.InvalidTokenError:
        pass
    checks += 3

    now = int(time.time())
    code = _totp.at(now)
    assert _totp.verify(code, for_time=now) and _totp.verify(code, for_time=now + 30, valid_window=1)
    assert _totp.verify_once(code, None, for_time=now) == now // 30
    checks += 2

    issued = apikey.generate("bw_test")
    assert _key_hasher.verify(issued.key, _key_hasher.hash(issued.key))
    assert apikey.parse(issued.key).key_id == issued.key_id
    line = redact.redact_json({"user": "u", "password": tag.decode(), "api_key": issued.key})
    assert line == {"user": "u", "password": "[REDACTED]", "api_key": "[REDACTED]"}
    assert issued.key not in redact.redact_text(f"Authorization: Bearer {issued.key}")
    checks += 4

    if _limiter.hit("shared-key", "100000/hour").allowed:
        with _allowed_lock:
            _allowed[0] += 1
    assert _moving.hit(ratelimit.parse("1000000/hour"), "k", str(i % 7))
    assert bulwark.compare_digest(tag, bytes(tag)) and not bulwark.compare_digest(tag, tag + b"x")
    checks += 2
    return checks


def test_every_api_from_eight_threads_at_once():
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        done = list(pool.map(one_round, range(WORKERS * ROUNDS)))
    assert done == [19] * (WORKERS * ROUNDS)  # every round made every check
    # Every hit on the one shared key was counted exactly once.
    assert _allowed[0] == WORKERS * ROUNDS
    left = _limiter.test("shared-key", "100000/hour")
    assert left.allowed and left.remaining == 100000 - WORKERS * ROUNDS - 1  # as if this one were counted


def test_a_tight_limit_admits_exactly_its_amount_under_contention():
    limiter = ratelimit.RateLimiter("memory://", "moving-window")
    barrier = threading.Barrier(WORKERS)

    def hammer(_):
        barrier.wait()
        return sum(limiter.hit("tight", "50/minute").allowed for _ in range(25))

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        assert sum(pool.map(hammer, range(WORKERS))) == 50
