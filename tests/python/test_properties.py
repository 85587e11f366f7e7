"""Property tests (hypothesis) for the round trips: encrypt/decrypt, encode/decode, hash/verify,
URI build/parse, and what must never happen: a changed byte that still decrypts or verifies, a
secret that survives redaction."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bulwark
from bulwark import jwt, otp, redact
from bulwark import argon2 as bw_argon2
from bulwark import bcrypt as bw_bcrypt
from bulwark.aead import AESGCM, ChaCha20Poly1305, InvalidTag, Keyring
from bulwark.fernet import Fernet, InvalidToken

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None)

_KEY = AESGCM.generate_key(256)
_CKEY = ChaCha20Poly1305.generate_key()
_RING = Keyring.generate()
_FERNET = Fernet(Fernet.generate_key())
_JWT_KEY = bulwark.token_bytes(64)  # HS512 needs 64 bytes
_ARGON = bw_argon2.PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)


def _flip(data: bytes, index: int, bit: int) -> bytes:
    i = index % len(data)
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1:]


@FAST
@given(data=st.binary(max_size=2048), aad=st.binary(max_size=64), nonce=st.binary(min_size=12, max_size=12),
       index=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_aead_round_trip_and_any_flipped_bit_is_refused(data, aad, nonce, index, bit):
    for cls, key in ((AESGCM, _KEY), (ChaCha20Poly1305, _CKEY)):
        aead = cls(key)
        ct = aead.encrypt(nonce, data, aad)
        assert len(ct) == len(data) + 16
        assert aead.decrypt(nonce, ct, aad) == data
        with pytest.raises(InvalidTag):
            aead.decrypt(nonce, _flip(ct, index, bit), aad)


@FAST
@given(data=st.binary(max_size=1024), aad=st.binary(max_size=32), index=st.integers(min_value=0),
       bit=st.integers(min_value=0, max_value=7))
def test_keyring_round_trip_and_tamper(data, aad, index, bit):
    sealed = _RING.encrypt(data, aad=aad)
    assert _RING.decrypt(sealed, aad=aad) == data
    with pytest.raises(bulwark.BulwarkError):
        _RING.decrypt(_flip(sealed, index, bit), aad=aad)


@FAST
@given(data=st.binary(max_size=1024), index=st.integers(min_value=0))
def test_fernet_round_trip_and_tamper(data, index):
    token = _FERNET.encrypt(data)
    assert _FERNET.decrypt(token) == data
    i = index % len(token)
    replacement = b"A" if token[i:i + 1] != b"A" else b"B"
    with pytest.raises(InvalidToken):
        _FERNET.decrypt(token[:i] + replacement + token[i + 1:])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@FAST
@given(claims=st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda k: k not in
                              {"exp", "nbf", "iat", "aud", "iss", "sub", "jti"}), json_values, max_size=6),
       alg=st.sampled_from(["HS256", "HS384", "HS512"]))
def test_jwt_encode_decode_round_trip(claims, alg):
    token = jwt.encode(claims, _JWT_KEY, algorithm=alg)
    assert jwt.decode(token, _JWT_KEY, algorithms=[alg]) == claims
    head, payload, sig = token.split(".")
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(f"{head}.{payload}.{flipped}", _JWT_KEY, algorithms=[alg])


@SLOW
@given(password=st.binary(min_size=1, max_size=72).filter(lambda p: b"\0" not in p))
def test_bcrypt_hash_verify(password):
    h = bw_bcrypt.hashpw(password, bw_bcrypt.gensalt(4))
    assert bw_bcrypt.checkpw(password, h)
    assert not bw_bcrypt.checkpw(password + b"x" if len(password) < 72 else password[:-1], h)


@SLOW
@given(password=st.text(min_size=1, max_size=200))
def test_argon2_hash_verify(password):
    h = _ARGON.hash(password)
    assert _ARGON.verify(h, password)
    with pytest.raises(bw_argon2.exceptions.VerifyMismatchError):
        _ARGON.verify(h, password + "x")


label_text = st.text(alphabet=string.ascii_letters + string.digits + " .@_-+&=?/#%é", min_size=1, max_size=30)


@FAST
@given(name=label_text, issuer=label_text.filter(lambda s: ":" not in s), digits=st.sampled_from([6, 7, 8]),
       digest=st.sampled_from(["sha1", "sha256", "sha512"]), interval=st.integers(min_value=1, max_value=300))
def test_otpauth_uri_build_parse_round_trip(name, issuer, digits, digest, interval):
    secret = otp.random_base32()
    totp = otp.TOTP(secret, digits=digits, digest=digest, interval=interval, name=name.replace(":", ""),
                    issuer=issuer)
    parsed = otp.parse_uri(totp.provisioning_uri())
    assert (parsed.secret, parsed.digits, parsed.interval, parsed.issuer) == (secret, digits, interval, issuer)
    assert parsed.name == name.replace(":", "")
    assert parsed.at(1_700_000_000) == totp.at(1_700_000_000)


SENSITIVE = ["password", "token", "api_key", "secret", "authorization", "client_secret", "otp", "new_password"]


@FAST
@given(doc=st.dictionaries(st.sampled_from(SENSITIVE) | st.text(max_size=8), json_values, max_size=6),
       secret=st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=40))
def test_redaction_never_leaks_a_value_under_a_sensitive_key(doc, secret):
    nested = {"outer": {**doc, "password": secret}, "list": [{"token": secret}]}
    out = redact.redact_json(json.dumps(nested))
    assert secret not in out
    parsed = json.loads(out)
    assert parsed["outer"]["password"] == "[REDACTED]" and parsed["list"][0]["token"] == "[REDACTED]"
    query = redact.redact_query(f"a=1&password={secret}&b=2")
    assert secret not in query and query.startswith("a=1&")
