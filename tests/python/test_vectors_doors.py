"""The known-answer files of ../shared/vectors run through the Python and the C door (ctypes on
libbulwark.so), not only through core: each door must give core's answer on every vector it can
express. The JWT algorithms' Wycheproof files go through the message-signature check
(`jwt_verify_message` / `bw_jwt_verify_message`), the AEAD files through `bw_aead_*_with_nonce`,
and the AES-CBC file through Fernet tokens built around each 128-bit vector (Fernet is
AES-128-CBC plus HMAC-SHA256). RFC 9106's Argon2 vectors use a secret key and associated data,
which no door takes (password hashing never needs them): they run in core only."""

from __future__ import annotations

import base64
import ctypes
import hashlib
import hmac
import json
import struct

import pytest

from bulwark import _native, fernet, jwt
from conftest import load_vectors

OK = 0

SIGNATURE_FILES = [
    ("ecdsa_secp256r1_sha256_p1363_test.json", "ES256", False),
    ("ecdsa_secp384r1_sha384_p1363_test.json", "ES384", False),
    ("ecdsa_secp256r1_sha256_test.json", "ES256", True),
    ("ecdsa_secp384r1_sha384_test.json", "ES384", True),
    ("ed25519_test.json", "EdDSA", False),
    ("rsa_signature_2048_sha256_test.json", "RS256", False),
    ("rsa_pss_2048_sha256_mgf1_32_test.json", "PS256", False),
]


def _c_verify(clib):
    fn = clib.bw_jwt_verify_message
    c = ctypes
    fn.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                   c.c_uint32, c.POINTER(c.c_bool)]
    fn.restype = c.c_uint32

    def verify(alg: str, key: bytes, msg: bytes, sig: bytes) -> tuple[int, bool]:
        out = c.c_bool(False)
        rc = fn(alg.encode(), len(alg), key, len(key), msg, len(msg), sig, len(sig), 1, c.byref(out))
        return rc, out.value

    return verify


@pytest.mark.parametrize(("file", "alg", "der"), SIGNATURE_FILES)
def test_wycheproof_signatures_through_both_doors(clib, file, alg, der):
    doc = load_vectors(f"wycheproof/{file}")
    c_verify = _c_verify(clib)
    checked = valid = 0
    for group in doc["testGroups"]:
        pem = group["publicKeyPem"].encode()
        for t in group["tests"]:
            msg, sig, result = bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"]), t["result"]
            where = f"{file} tcId {t['tcId']}"
            ours = _native.jwt_verify_message(alg, pem, msg, sig, enforce_minimum_key_length=False)
            rc, c_ours = c_verify(alg, pem, msg, sig)
            assert rc == OK, where
            assert ours == c_ours, f"{where}: the doors disagree"
            if der:
                # JWS carries ECDSA as r || s: a DER signature never verifies, valid or not.
                assert not ours, f"{where}: a DER signature verified as JWS"
            elif result == "valid":
                assert ours, f"{where}: a valid signature was refused"
            elif result == "invalid":
                assert not ours, f"{where}: an invalid signature verified"
            checked += 1
            valid += result == "valid"
    assert checked == doc["numberOfTests"] and valid > 0


@pytest.mark.parametrize(("file", "alg", "bits"), [
    ("hmac_sha256_test.json", "HS256", 256), ("hmac_sha384_test.json", "HS384", 384),
    ("hmac_sha512_test.json", "HS512", 512),
])
def test_wycheproof_hmac_through_both_doors(clib, file, alg, bits):
    doc = load_vectors(f"wycheproof/{file}")
    c_verify = _c_verify(clib)
    checked = 0
    for group in doc["testGroups"]:
        whole = group["tagSize"] == bits
        for t in group["tests"]:
            key, msg, tag = (bytes.fromhex(t[k]) for k in ("key", "msg", "tag"))
            where = f"{file} tcId {t['tcId']}"
            checked += 1
            rc, c_ours = c_verify(alg, key, msg, tag)
            if not key:
                # An empty secret is no key at all: refused by both doors.
                with pytest.raises(jwt.InvalidKeyError):
                    _native.jwt_verify_message(alg, key, msg, tag, enforce_minimum_key_length=False)
                assert rc == 410, where  # BW_ERR_INVALID_KEY
                continue
            ours = _native.jwt_verify_message(alg, key, msg, tag, enforce_minimum_key_length=False)
            assert rc == OK and ours == c_ours, where
            # JWS never truncates a tag: a truncated one is refused, valid or not.
            assert ours == (whole and t["result"] == "valid"), where
            if whole and t["result"] == "valid":
                assert _native.jwt_sign_message(alg, key, msg, enforce_minimum_key_length=False) == tag, where
    assert checked == doc["numberOfTests"]


def test_message_signatures_refuse_misfit_keys_in_both_doors(clib):
    c_verify = _c_verify(clib)
    with pytest.raises(jwt.InvalidKeyError):
        _native.jwt_verify_message("HS256", b"short", b"m", b"t")  # 5 bytes: too short by default
    with pytest.raises(jwt.InvalidAlgorithmError):
        _native.jwt_verify_message("none", b"k" * 32, b"m", b"")
    assert c_verify("none", b"k" * 32, b"m", b"")[0] == 409  # BW_ERR_ALGORITHM_NOT_ALLOWED
    pem = load_vectors("wycheproof/ed25519_test.json")["testGroups"][0]["publicKeyPem"].encode()
    # A public key is never an HMAC secret, in either door.
    with pytest.raises(jwt.InvalidKeyError):
        _native.jwt_verify_message("HS256", pem, b"m", b"t")
    assert c_verify("HS256", pem, b"m", b"t")[0] == 410  # BW_ERR_INVALID_KEY


@pytest.mark.parametrize(("file", "alg_id"), [
    ("aes_gcm_test.json", 1), ("chacha20_poly1305_test.json", 2), ("xchacha20_poly1305_test.json", 2),
])
def test_wycheproof_aead_through_the_c_door(clib, file, alg_id):
    """Every vector with a 256-bit key, a 96-bit nonce and a full tag decrypts (or is refused)
    as Wycheproof says and encrypts to its ciphertext; every other shape is refused, never
    truncated to fit."""
    doc = load_vectors(f"wycheproof/{file}")
    processed = refused = 0
    for group in doc["testGroups"]:
        for t in group["tests"]:
            key, iv, ad, msg = (bytes.fromhex(t[k]) for k in ("key", "iv", "aad", "msg"))
            ct, tag = bytes.fromhex(t["ct"]), bytes.fromhex(t["tag"])
            sealed = ct + tag
            out, n = ctypes.create_string_buffer(max(len(sealed), 1)), ctypes.c_size_t()
            rc = clib.bw_aead_decrypt_with_nonce(alg_id, key, len(key), iv, len(iv), sealed, len(sealed), ad, len(ad),
                                                 out, len(out), ctypes.byref(n))
            fits = len(key) == 32 and len(iv) == 12 and len(tag) == 16
            where = f"{file} tcId {t['tcId']}"
            if not fits:
                assert rc != OK, f"{where}: a {len(key)}-byte key / {len(iv)}-byte nonce / {len(tag)}-byte tag was used"
                refused += 1
                continue
            processed += 1
            if t["result"] == "valid":
                assert rc == OK and out.raw[: n.value] == msg, where
                enc, m = ctypes.create_string_buffer(len(msg) + 16), ctypes.c_size_t()
                assert clib.bw_aead_encrypt_with_nonce(alg_id, key, 32, iv, 12, msg, len(msg), ad, len(ad),
                                                       enc, len(enc), ctypes.byref(m)) == OK
                assert enc.raw[: m.value] == sealed, where
            else:
                assert rc == 300, where  # BW_ERR_VERIFICATION_FAILED
    if file.startswith("xchacha"):
        assert processed <= 1 and refused > 100  # 24-byte nonces: Bulwark has no XChaCha20
    else:
        assert processed >= 50


def _fernet_token(enc_key: bytes, iv: bytes, ciphertext: bytes) -> tuple[bytes, bytes]:
    """(Fernet key, token) carrying ``ciphertext`` under ``enc_key`` with a fresh signing key."""
    signing = hashlib.sha256(enc_key + iv).digest()[:16]
    body = b"\x80" + struct.pack(">Q", 1_700_000_000) + iv + ciphertext
    tag = hmac.new(signing, body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(signing + enc_key), base64.urlsafe_b64encode(body + tag)


def test_wycheproof_aes_cbc_through_fernet_in_both_doors(clib):
    doc = load_vectors("wycheproof/aes_cbc_pkcs5_test.json")
    checked = other_sizes = 0
    for group in doc["testGroups"]:
        for t in group["tests"]:
            key, iv, msg, ct = (bytes.fromhex(t[k]) for k in ("key", "iv", "msg", "ct"))
            if len(key) != 16:
                other_sizes += 1  # Fernet is AES-128: 192- and 256-bit keys are core-only vectors
                continue
            where = f"aes_cbc_pkcs5 tcId {t['tcId']}"
            fkey, token = _fernet_token(key, iv, ct)
            out, n = ctypes.create_string_buffer(len(ct) + 1), ctypes.c_size_t()
            rc = clib.bw_fernet_decrypt(fkey, len(fkey), token, len(token), None, out, len(out), ctypes.byref(n))
            if t["result"] == "valid":
                assert fernet.Fernet(fkey).decrypt(token) == msg, where
                assert rc == OK and out.raw[: n.value] == msg, where
            else:  # bad padding: the same refusal as a bad MAC, in both doors
                with pytest.raises(fernet.InvalidToken):
                    fernet.Fernet(fkey).decrypt(token)
                assert rc == 300, where
            checked += 1
    assert checked >= 50 and checked + other_sizes == doc["numberOfTests"]


def test_rsa_jwk_without_crt_members_through_both_doors(clib):
    """RFC 7515 A.2's RSA key as a JWK with only n, e and d (RFC 7518 section 6.3.2 makes the CRT
    members optional): core recovers p, q, dp, dq and qi, so the bare JWK signs exactly what the
    full one signs, in Python and through C, and the recovered numbers are PyJWT's."""
    import jwt as pyjwt

    full = next(ex["jwk"] for ex in load_vectors("rfc/rfc7515_jws.json")["examples"] if ex["alg"] == "RS256")
    bare = {k: v for k, v in full.items() if k not in ("p", "q", "dp", "dq", "qi")}
    claims = {"sub": "crt", "n": 1}
    want = jwt.encode(claims, full, algorithm="RS256")
    assert jwt.encode(claims, bare, algorithm="RS256") == want
    assert jwt.encode(claims, json.dumps(bare), algorithm="RS256") == want
    ours = jwt.algorithms.RSAAlgorithm.from_jwk(bare).private_numbers()
    theirs = pyjwt.algorithms.RSAAlgorithm.from_jwk(bare).private_numbers()
    assert (ours.p, ours.q, ours.dmp1, ours.dmq1, ours.iqmp) == (
        theirs.p, theirs.q, theirs.dmp1, theirs.dmq1, theirs.iqmp)
    # Some CRT members without the others, or a d that is not n's: refused in both doors.
    partial = dict(bare, p=full["p"])
    wrong = dict(bare, d=full["dp"])
    for bad, words in ((partial, "all parameters"), (wrong, "inconsistent RSA JWK")):
        with pytest.raises(jwt.InvalidKeyError, match=words):
            jwt.encode(claims, bad, algorithm="RS256")
        with pytest.raises(jwt.InvalidKeyError, match=words):
            jwt.algorithms.RSAAlgorithm.from_jwk(bad)

    c = ctypes
    body = json.dumps(claims, separators=(",", ":")).encode()

    def c_encode(key: dict) -> tuple[int, bytes]:
        raw = json.dumps(key).encode()
        out, n = c.create_string_buffer(4096), c.c_size_t(0)
        rc = clib.bw_jwt_encode(b"RS256", 5, raw, len(raw), body, len(body), None, 0, out, len(out), c.byref(n))
        return rc, out.raw[: n.value]

    rc, token = c_encode(bare)
    assert rc == OK
    assert token == c_encode(full)[1]
    assert jwt.decode(token.decode(), bare, algorithms=["RS256"]) == claims
    bad_key = 410  # BW_ERR_INVALID_KEY
    assert c_encode(partial)[0] == bad_key
    assert c_encode(wrong)[0] == bad_key
