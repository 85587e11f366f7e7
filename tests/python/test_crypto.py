"""Encryption from Python: bulwark.aead beside cryptography's AESGCM / ChaCha20Poly1305 and
bulwark.fernet beside cryptography.fernet (same inputs, both directions), the shared vectors,
keyrings, the GIL on large inputs, and round-trips through the C library."""

import ctypes
import os
import sys
import time

import pytest
from cryptography import fernet as cf
from cryptography.exceptions import InvalidTag as CryptographyInvalidTag
from cryptography.hazmat.primitives.ciphers import aead as ca

import bulwark
from bulwark import aead, fernet
from conftest import load_vectors, releases_gil

PAIRS = [(aead.AESGCM, ca.AESGCM), (aead.ChaCha20Poly1305, ca.ChaCha20Poly1305)]


# ----------------------------------------------------------------------------- AEAD


@pytest.mark.parametrize("ours_cls,theirs_cls", PAIRS)
@pytest.mark.parametrize("size", [0, 1, 15, 16, 64, 1024, 65535, 65536, 1 << 20])
@pytest.mark.parametrize("ad", [None, b"", b"header"])
def test_aead_identical_to_cryptography_both_ways(ours_cls, theirs_cls, size, ad):
    key, nonce, data = os.urandom(32), os.urandom(12), os.urandom(size)
    ours, theirs = ours_cls(key), theirs_cls(key)
    ct = ours.encrypt(nonce, data, ad)
    assert ct == theirs.encrypt(nonce, data, ad)
    assert theirs.decrypt(nonce, ct, ad) == data
    assert ours.decrypt(nonce, ct, ad) == data


@pytest.mark.parametrize("ours_cls,theirs_cls", PAIRS)
def test_aead_failures_like_cryptography(ours_cls, theirs_cls):
    key, nonce = ours_cls.generate_key(), os.urandom(12)
    ours, theirs = ours_cls(key), theirs_cls(key)
    ct = ours.encrypt(nonce, b"attack at dawn", b"aad")
    for i in range(len(ct)):
        bad = bytearray(ct)
        bad[i] ^= 1
        with pytest.raises(CryptographyInvalidTag):
            theirs.decrypt(nonce, bytes(bad), b"aad")
        with pytest.raises(aead.InvalidTag) as info:
            ours.decrypt(nonce, bytes(bad), b"aad")
        assert str(info.value) == ""  # no detail, as cryptography
    with pytest.raises(aead.InvalidTag):
        ours.decrypt(nonce, ct, b"other aad")
    with pytest.raises(aead.InvalidTag):
        ours.decrypt(nonce, ct[:15], b"aad")
    assert issubclass(aead.InvalidTag, bulwark.VerificationError)
    # Sizes and types: errors, never a guess.
    with pytest.raises(ValueError, match="12 bytes"):
        ours.encrypt(os.urandom(8), b"x", None)
    with pytest.raises(ValueError, match="32 bytes"):
        ours_cls(os.urandom(16))
    with pytest.raises(TypeError):
        ours_cls("k" * 32)
    with pytest.raises(TypeError):
        ours.encrypt(nonce, "text", None)


def test_generate_key():
    assert len(aead.AESGCM.generate_key(256)) == 32
    assert len(aead.AESGCM.generate_key(bit_length=256)) == 32
    assert aead.AESGCM.generate_key(256) != aead.AESGCM.generate_key(256)
    assert len(aead.ChaCha20Poly1305.generate_key()) == 32
    with pytest.raises(ValueError, match="256"):
        aead.AESGCM.generate_key(128)


def _wycheproof(file, cls):
    doc = load_vectors(f"wycheproof/{file}")
    checked = 0
    for group in doc["testGroups"]:
        if group["keySize"] != 256 or group["ivSize"] != 96:
            continue
        for t in group["tests"]:
            key, iv, ad = (bytes.fromhex(t[k]) for k in ("key", "iv", "aad"))
            ct = bytes.fromhex(t["ct"]) + bytes.fromhex(t["tag"])
            c = cls(key)
            if t["result"] == "valid":
                assert c.decrypt(iv, ct, ad) == bytes.fromhex(t["msg"]), t["tcId"]
            else:
                with pytest.raises(aead.InvalidTag):
                    c.decrypt(iv, ct, ad)
            checked += 1
    return checked


def test_wycheproof_from_python():
    assert _wycheproof("aes_gcm_test.json", aead.AESGCM) >= 50
    assert _wycheproof("chacha20_poly1305_test.json", aead.ChaCha20Poly1305) >= 200


def test_large_inputs_release_the_gil():
    key, nonce = aead.AESGCM.generate_key(256), os.urandom(12)
    c = aead.AESGCM(key)
    big = os.urandom(64 << 20)
    ct = c.encrypt(nonce, big, None)
    assert releases_gil(lambda: c.encrypt(nonce, big, None), tries=20)
    assert releases_gil(lambda: c.decrypt(nonce, ct, None), tries=20)
    ring = aead.Keyring.generate()
    assert releases_gil(lambda: ring.encrypt(big), tries=20)
    # Small inputs stay on the calling thread: the helper tells the two apart.
    assert not releases_gil(lambda: c.encrypt(nonce, b"small", None), tries=50)


# ----------------------------------------------------------------------------- keyring


def test_keyring_rotation_across_serialization(monkeypatch):
    ring = aead.Keyring.generate()
    old = ring.encrypt(b"old secret", aad=b"row:1")
    assert len(old) == len(b"old secret") + 33 and old[0] == 1 and old[1:5] == b"\x00\x00\x00\x01"
    assert ring.rotate() == 2
    new = ring.encrypt(b"new secret")
    monkeypatch.setenv("BULWARK_TEST_KEYRING", ring.to_json())
    restored = aead.Keyring.from_env("BULWARK_TEST_KEYRING")
    assert restored.primary_id == 2 and restored.key_ids == [1, 2]
    assert restored.decrypt(old, aad=b"row:1") == b"old secret"
    assert restored.decrypt(new) == b"new secret"
    restored.retire(1)
    with pytest.raises(bulwark.InvalidInputError, match="not in the keyring"):
        restored.decrypt(old, aad=b"row:1")
    with pytest.raises(ValueError, match="primary"):
        restored.retire(2)
    assert "key" not in repr(restored).lower().replace("keys", "").replace("keyring", "")
    assert aead.Keyring.from_json(ring.to_json()).decrypt(old, b"row:1") == b"old secret"
    chacha = aead.Keyring.generate("ChaCha20-Poly1305")
    assert chacha.decrypt(chacha.encrypt(b"")) == b""


def test_keyring_tampering_and_bad_input():
    ring = aead.Keyring.generate()
    blob = ring.encrypt(b"payload", aad=b"a")
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 1
        with pytest.raises(bulwark.BulwarkError):
            ring.decrypt(bytes(bad), aad=b"a")
    with pytest.raises(aead.InvalidTag):
        ring.decrypt(blob, aad=b"b")
    with pytest.raises(bulwark.InvalidInputError):
        ring.decrypt(blob[:20])
    with pytest.raises(ValueError, match="not set"):
        aead.Keyring.from_env("BULWARK_SURELY_UNSET_VARIABLE")
    with pytest.raises(ValueError, match="not valid JSON"):
        aead.Keyring.from_json("{")
    with pytest.raises(ValueError, match="unknown AEAD algorithm"):
        aead.Keyring.generate("DES")


# ----------------------------------------------------------------------------- Fernet


def _rfc3339(s):
    import datetime

    return int(datetime.datetime.fromisoformat(s).timestamp())


def test_fernet_spec_vectors():
    for v in load_vectors("fernet/verify.json"):
        f = fernet.Fernet(v["secret"])
        assert f.decrypt_at_time(v["token"], v["ttl_sec"], _rfc3339(v["now"])) == v["src"].encode()
    for v in load_vectors("fernet/invalid.json"):
        f = fernet.Fernet(v["secret"])
        with pytest.raises(fernet.InvalidToken):
            f.decrypt_at_time(v["token"].encode(), v["ttl_sec"], _rfc3339(v["now"]))
    for v in load_vectors("fernet/generate.json"):
        # Bulwark's token decrypts in cryptography and vice versa, at the vector's time.
        f = fernet.Fernet(v["secret"])
        assert f.decrypt_at_time(v["token"], 60, _rfc3339(v["now"])) == v["src"].encode()


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000, 100_000])
def test_fernet_interop_both_ways(size):
    key = cf.Fernet.generate_key()
    ours, theirs = fernet.Fernet(key), cf.Fernet(key)
    data = os.urandom(size)
    assert theirs.decrypt(ours.encrypt(data)) == data
    assert ours.decrypt(theirs.encrypt(data)) == data
    t = theirs.encrypt_at_time(data, 1_000_000)
    assert ours.extract_timestamp(t) == theirs.extract_timestamp(t) == 1_000_000
    assert len(ours.encrypt(data)) == len(theirs.encrypt(data))
    # str tokens and str keys work as in cryptography.
    assert fernet.Fernet(key.decode()).decrypt(t.decode()) == data


@pytest.mark.parametrize("ttl,now", [(10, 1005), (10, 1010), (10, 1011), (10, 939), (10, 940), (0, 1000), (0, 1001)])
def test_fernet_time_rules_match_cryptography(ttl, now):
    key = cf.Fernet.generate_key()
    token = cf.Fernet(key).encrypt_at_time(b"x", 1000)
    try:
        expected = cf.Fernet(key).decrypt_at_time(token, ttl, now)
    except cf.InvalidToken:
        expected = None
    try:
        got = fernet.Fernet(key).decrypt_at_time(token, ttl, now)
    except fernet.InvalidToken:
        got = None
    assert got == expected


def test_fernet_errors_like_cryptography():
    key = fernet.Fernet.generate_key()
    assert isinstance(key, bytes) and len(key) == 44
    f = fernet.Fernet(key)
    for bad_key in [b"", b"short", key[:-1], "x" * 44]:
        with pytest.raises(ValueError):
            cf.Fernet(bad_key)
        with pytest.raises(ValueError, match="32 url-safe base64-encoded bytes"):
            fernet.Fernet(bad_key)
    with pytest.raises(TypeError):
        f.encrypt("text")
    with pytest.raises(TypeError):
        f.decrypt(12345)
    for bad in [b"", b"garbage", b"gAAAAA", "not base64 %%%"]:
        with pytest.raises(cf.InvalidToken):
            cf.Fernet(key).decrypt(bad)
        with pytest.raises(fernet.InvalidToken):
            f.decrypt(bad)
    assert issubclass(fernet.InvalidToken, bulwark.VerificationError)


def test_seed_data_encryption_class_runs_unchanged(monkeypatch):
    from bulwark.fernet import Fernet

    class DataEncryption:  # the seed's class, verbatim but for the import above
        def __init__(self):
            key = os.environ.get("ENCRYPTION_KEY")
            if not key:
                raise RuntimeError("ENCRYPTION_KEY is not set")
            self.cipher = Fernet(key.encode())

        def encrypt(self, data: str) -> str:
            return self.cipher.encrypt(data.encode()).decode()

        def decrypt(self, encrypted: str) -> str:
            return self.cipher.decrypt(encrypted.encode()).decode()

    monkeypatch.setenv("ENCRYPTION_KEY", cf.Fernet.generate_key().decode())
    enc = DataEncryption()
    token = enc.encrypt("4111 1111 1111 1111")
    assert enc.decrypt(token) == "4111 1111 1111 1111"
    assert cf.Fernet(os.environ["ENCRYPTION_KEY"]).decrypt(token.encode()) == b"4111 1111 1111 1111"


def test_multifernet_rotation_interop():
    k_old, k_new = cf.Fernet.generate_key(), cf.Fernet.generate_key()
    token = cf.Fernet(k_old).encrypt_at_time(b"rotate me", 12345)
    mf = fernet.MultiFernet([fernet.Fernet(k_new), fernet.Fernet(k_old)])
    assert mf.decrypt(token) == b"rotate me"
    rotated = mf.rotate(token)
    assert cf.Fernet(k_new).decrypt(rotated) == b"rotate me"
    assert cf.Fernet(k_new).extract_timestamp(rotated) == 12345
    theirs = cf.MultiFernet([cf.Fernet(k_new), cf.Fernet(k_old)])
    assert theirs.decrypt(mf.encrypt(b"x")) == b"x"
    with pytest.raises(ValueError):
        fernet.MultiFernet([])
    with pytest.raises(TypeError):
        fernet.MultiFernet([cf.Fernet(k_new)])
    with pytest.raises(fernet.InvalidToken):
        mf.rotate(cf.Fernet(cf.Fernet.generate_key()).encrypt(b"stranger"))


# ----------------------------------------------------------------------------- C door


def _c_out(size):
    return ctypes.create_string_buffer(size), ctypes.c_size_t()


def test_seal_in_c_open_in_python_and_back(clib):
    key, nonce, data = os.urandom(32), os.urandom(12), b"sealed in C" * 10
    buf, n = _c_out(len(data) + 16)
    assert clib.bw_aead_encrypt_with_nonce(1, key, 32, nonce, 12, data, len(data), b"ad", 2, buf, len(buf), ctypes.byref(n)) == 0
    ct = buf.raw[: n.value]
    assert ca.AESGCM(key).decrypt(nonce, ct, b"ad") == data
    assert aead.AESGCM(key).decrypt(nonce, ct, b"ad") == data
    ct2 = ca.ChaCha20Poly1305(key).encrypt(nonce, data, None)
    out, m = _c_out(len(data))
    assert clib.bw_aead_decrypt_with_nonce(2, key, 32, nonce, 12, ct2, len(ct2), None, 0, out, len(out), ctypes.byref(m)) == 0
    assert out.raw[: m.value] == data
    bad = ct2[:-1] + bytes([ct2[-1] ^ 1])
    assert clib.bw_aead_decrypt_with_nonce(2, key, 32, nonce, 12, bad, len(bad), None, 0, out, len(out), ctypes.byref(m)) == 300


def test_fernet_between_c_and_python(clib):
    key = cf.Fernet.generate_key()
    buf, n = _c_out(256)
    assert clib.bw_fernet_encrypt(key, len(key), b"from C", 6, buf, len(buf), ctypes.byref(n)) == 0
    assert cf.Fernet(key).decrypt(buf.value) == b"from C"
    token = cf.Fernet(key).encrypt(b"from Python")
    out, m = _c_out(64)
    ttl = ctypes.c_uint64(60)
    assert clib.bw_fernet_decrypt(key, len(key), token, len(token), ctypes.byref(ttl), out, 64, ctypes.byref(m)) == 0
    assert out.raw[: m.value] == b"from Python"


def test_keyring_json_from_python_used_in_c(clib):
    ring = aead.Keyring.generate()
    ring.rotate()
    js = ring.to_json().encode()
    handle = ctypes.c_void_p()
    assert clib.bw_keyring_from_json(js, len(js), ctypes.byref(handle)) == 0
    try:
        blob = ring.encrypt(b"python sealed", b"ad")
        out, m = _c_out(64)
        assert clib.bw_keyring_decrypt(handle, blob, len(blob), b"ad", 2, out, 64, ctypes.byref(m)) == 0
        assert out.raw[: m.value] == b"python sealed"
        buf, n = _c_out(64)
        assert clib.bw_keyring_encrypt(handle, b"c sealed", 8, None, 0, buf, 64, ctypes.byref(n)) == 0
        assert ring.decrypt(buf.raw[: n.value]) == b"c sealed"
    finally:
        clib.bw_keyring_free(handle)
