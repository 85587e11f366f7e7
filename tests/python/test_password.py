"""Passwords from Python: bulwark.bcrypt beside pyca/bcrypt, bulwark.argon2 beside argon2-cffi
(same inputs, both directions), bulwark.password migration and policy, the GIL released while
hashing, and round-trips through the C library."""

import ctypes
import threading
import time

import argon2 as cffi_argon2
import bcrypt as pyca_bcrypt
import pytest

import bulwark
from bulwark import argon2, bcrypt, password
from conftest import load_vectors

FAST = dict(time_cost=1, memory_cost=1024, parallelism=1)


# ----------------------------------------------------------------------------- bcrypt


def test_seed_snippet_runs_unchanged():
    hashed = bcrypt.hashpw("secret_password".encode(), bcrypt.gensalt())
    assert hashed.startswith(b"$2b$12$") and len(hashed) == 60
    assert bcrypt.checkpw("secret_password".encode(), hashed)
    assert not bcrypt.checkpw(b"wrong", hashed)


def test_pyca_vectors():
    doc = load_vectors("bcrypt/bcrypt_pyca.json")
    checked = 0
    for group in doc["groups"]:
        for v in group["vectors"]:
            pw, salt, expected = bytes.fromhex(v["password_hex"]), v["salt"].encode(), v["hash"].encode()
            if b"\x00" in pw:
                with pytest.raises(ValueError, match="NUL"):
                    bcrypt.hashpw(pw, salt)
                continue
            assert bcrypt.hashpw(pw, salt) == expected
            assert bcrypt.checkpw(pw, expected)
            assert password.verify(pw, expected)
            checked += 1
    assert checked == 26


@pytest.mark.parametrize("pw", [b"", b"a", b"hunter2", "pässwörd".encode(), b"x" * 72, bytes(range(1, 73))])
@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_interop_with_pyca_both_ways(pw, prefix):
    ours = bcrypt.hashpw(pw, bcrypt.gensalt(4, prefix))
    theirs = pyca_bcrypt.hashpw(pw, pyca_bcrypt.gensalt(4, prefix))
    assert pyca_bcrypt.checkpw(pw, ours)
    assert bcrypt.checkpw(pw, theirs)
    assert password.verify(pw, theirs.decode())
    # Same salt, same hash.
    assert bcrypt.hashpw(pw, theirs) == theirs
    assert pyca_bcrypt.hashpw(pw, ours) == ours


def test_gensalt_like_pyca():
    for rounds in (4, 10, 31):
        s = bcrypt.gensalt(rounds)
        assert s.startswith(b"$2b$%02d$" % rounds) and len(s) == 29
    assert bcrypt.gensalt(prefix=b"2a").startswith(b"$2a$12$")
    for bad in (3, 32):
        with pytest.raises(ValueError):
            pyca_bcrypt.gensalt(bad)
        with pytest.raises(ValueError):
            bcrypt.gensalt(bad)
    with pytest.raises(ValueError):  # pyca raises OverflowError here; a ValueError is clearer
        bcrypt.gensalt(-1)
    with pytest.raises(ValueError, match="Supported prefixes"):
        bcrypt.gensalt(12, b"2y")


def test_bcrypt_errors_match_pyca_types():
    salt = bcrypt.gensalt(4)
    for call in (lambda m: m.hashpw("str", salt), lambda m: m.checkpw("str", salt)):
        with pytest.raises(TypeError):
            call(pyca_bcrypt)
        with pytest.raises(TypeError, match="encoded"):
            call(bcrypt)
    # Over 72 bytes: ValueError in both, never truncated.
    with pytest.raises(ValueError):
        pyca_bcrypt.hashpw(b"a" * 73, salt)
    with pytest.raises(ValueError, match="72 bytes"):
        bcrypt.hashpw(b"a" * 73, salt)
    with pytest.raises(bulwark.BulwarkError):
        bcrypt.checkpw(b"a" * 73, bcrypt.hashpw(b"a" * 72, salt))
    # Malformed salts and hashes: ValueError in both.
    for bad in [b"", b"$2b$04$", b"$2b$04$short", b"$2b$99$" + b"a" * 22, b"nonsense" * 5, b"$2x$04$" + b"a" * 22]:
        with pytest.raises(ValueError):
            bcrypt.hashpw(b"pw", bad)
        with pytest.raises(ValueError):
            bcrypt.checkpw(b"pw", bad)


# ----------------------------------------------------------------------------- argon2


def test_argon2_defaults_match_argon2_cffi():
    ours, theirs = argon2.PasswordHasher(), cffi_argon2.PasswordHasher()
    for attr in ("time_cost", "memory_cost", "parallelism", "hash_len", "salt_len"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    h = ours.hash("correct horse")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert theirs.verify(h, "correct horse")
    assert not theirs.check_needs_rehash(h)
    h2 = theirs.hash("correct horse")
    assert ours.verify(h2, "correct horse")
    assert not ours.check_needs_rehash(h2)


@pytest.mark.parametrize("kind", [cffi_argon2.Type.ID, cffi_argon2.Type.I, cffi_argon2.Type.D])
@pytest.mark.parametrize("pw", ["", "pässwörd", "x" * 200, b"\x00\xff binary"])
def test_argon2_interop_both_ways(kind, pw):
    theirs = cffi_argon2.PasswordHasher(**FAST, type=kind)
    ours = argon2.PasswordHasher(**FAST, type=argon2.Type[kind.name])
    h_theirs, h_ours = theirs.hash(pw), ours.hash(pw)
    assert ours.verify(h_theirs, pw) is True
    assert theirs.verify(h_ours, pw) is True
    assert password.verify(pw if isinstance(pw, bytes) else pw.encode(), h_theirs)
    # Same salt and parameters: byte-identical hashes.
    salt = b"saltsaltsaltsalt"
    assert ours.hash(pw, salt=salt) == theirs.hash(pw, salt=salt)
    with pytest.raises(cffi_argon2.exceptions.VerifyMismatchError):
        theirs.verify(h_ours, "other")
    with pytest.raises(argon2.VerifyMismatchError):
        ours.verify(h_theirs, "other")


def test_argon2_exceptions_and_needs_rehash_like_cffi():
    ours = argon2.PasswordHasher(**FAST)
    theirs = cffi_argon2.PasswordHasher(**FAST)
    h = theirs.hash("pw")
    assert issubclass(argon2.VerifyMismatchError, argon2.VerificationError)
    assert issubclass(argon2.InvalidHashError, ValueError)
    assert issubclass(argon2.VerifyMismatchError, bulwark.BulwarkError)
    bad_hashes = ["", "nonsense", h[:-5] + "!!!!!", h.replace("argon2id", "argon2x"),
                  h.rsplit("$", 1)[0], "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
                  # Found by fuzzing: parameters not exactly m, t, p (libargon2 refuses them too).
                  h.replace("p=1", "t=1"), h.replace(",p=1", ""), h.replace("m=1024,t=1", "t=1,m=1024"),
                  h.replace("p=1", "p=1,keyid=AAAA")]
    for bad in bad_hashes:
        with pytest.raises((cffi_argon2.exceptions.VerificationError, cffi_argon2.exceptions.InvalidHashError)) as t:
            theirs.verify(bad, "pw")
        with pytest.raises((argon2.VerificationError, argon2.InvalidHashError)) as o:
            ours.verify(bad, "pw")
        assert type(o.value).__name__ == type(t.value).__name__, bad
        assert not isinstance(o.value, argon2.VerifyMismatchError)
    # An unknown version: argon2-cffi reports a mismatch, we say what is wrong; both are
    # VerificationError, which is what callers catch.
    with pytest.raises(argon2.VerificationError, match="unknown version"):
        ours.verify(h.replace("v=19", "v=99"), "pw")
    # check_needs_rehash: any difference in parameters, as argon2-cffi.
    for other in [dict(FAST, time_cost=2), dict(FAST, memory_cost=2048), dict(FAST, parallelism=2)]:
        h_other = cffi_argon2.PasswordHasher(**other).hash("pw")
        assert ours.check_needs_rehash(h_other) == theirs.check_needs_rehash(h_other) is True
    assert ours.check_needs_rehash(h) == theirs.check_needs_rehash(h) is False
    p = argon2.extract_parameters(h)
    q = cffi_argon2.extract_parameters(h)
    assert (p.time_cost, p.memory_cost, p.parallelism, p.salt_len, p.hash_len, p.version) == (
        q.time_cost, q.memory_cost, q.parallelism, q.salt_len, q.hash_len, q.version)
    assert p.type.name == q.type.name
    with pytest.raises(argon2.UnsupportedParametersError, match="time_cost"):
        argon2.PasswordHasher(time_cost=0)
    with pytest.raises(ValueError, match="memory_cost"):
        argon2.PasswordHasher(memory_cost=2**31)
    with pytest.raises(TypeError):
        argon2.PasswordHasher(time_cost="3")
    with pytest.raises(TypeError):
        ours.hash(12345)


def test_hostile_argon2_hash_is_refused_before_allocating():
    # A hash claiming 4 TiB of memory must be refused, not attempted.
    evil = "$argon2id$v=19$m=4294967295,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    with pytest.raises(argon2.VerificationError, match="memory_cost"):
        argon2.PasswordHasher().verify(evil, "pw")
    with pytest.raises(bulwark.InvalidInputError):
        password.verify("pw", evil)


# ----------------------------------------------------------------------------- password


def test_migration_from_pyca_bcrypt_to_argon2id():
    old = pyca_bcrypt.hashpw(b"migrate me", pyca_bcrypt.gensalt(4))
    assert password.identify(old) == "bcrypt"
    assert password.needs_rehash(old)
    assert password.verify_and_update("wrong", old) == (False, None)
    ok, new = password.verify_and_update("migrate me", old)
    assert ok and new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert password.identify(new) == "argon2id"
    assert not password.needs_rehash(new)
    assert password.verify_and_update("migrate me", new) == (True, None)
    # The new hash is an ordinary argon2-cffi hash.
    assert cffi_argon2.PasswordHasher().verify(new, "migrate me")


def test_generic_verify_and_errors():
    h = password.hash("pw")
    assert password.verify("pw", h) is True
    assert password.verify(b"pw", h.encode()) is True
    assert password.verify("px", h) is False
    with pytest.raises(bulwark.InvalidInputError, match="unknown password hash scheme"):
        password.verify("pw", "md5$abc")
    with pytest.raises(ValueError):
        password.needs_rehash("$2b$04$tooshort")
    with pytest.raises(TypeError):
        password.verify(None, h)


POLICY_TABLE = [
    (password.Policy(), "correct horse battery staple", []),
    (password.Policy(), "short", ["too_short"]),
    (password.Policy(), "password", ["common"]),
    (password.Policy(), "Qwerty", ["too_short", "common"]),
    (password.Policy(), "ünïcödé!", []),
    (password.Policy().with_classes(), "ab", ["too_short", "missing_uppercase", "missing_digit"]),
    (password.Policy().with_classes(), "Tr0ub4dor&3x", []),
    (password.Policy(require_symbol=True), "no symbols here", ["missing_symbol"]),
    (password.Policy(reject_common=False), "password", []),
    (password.Policy(max_len=10), "x" * 11, ["too_long"]),
]


@pytest.mark.parametrize("policy,pw,codes", POLICY_TABLE)
def test_policy_table(policy, pw, codes):
    got = policy.check(pw)
    assert [v.code for v in got] == codes
    assert all(v.message.endswith(".") for v in got)
    assert password.check_policy(pw, policy) == got


def test_policy_errors_and_blocklist():
    with pytest.raises(ValueError, match="min_len"):
        password.Policy(min_len=0).check("anything")
    with pytest.raises(TypeError):
        password.Policy().check(b"bytes")
    assert password.is_common("Dragon") and not password.is_common("correct horse battery staple")


def test_calibrate_returns_usable_parameters():
    p = password.calibrate(0.001, 64 * 1024)
    assert (p.memory_cost, p.time_cost, p.type) == (19 * 1024, 2, argon2.Type.ID)
    h = argon2.PasswordHasher.from_parameters(p).hash("pw")
    assert cffi_argon2.PasswordHasher().verify(h, "pw")
    with pytest.raises(ValueError):
        password.calibrate(-1)
    with pytest.raises(ValueError):
        password.calibrate(0.1, 1024)


# ----------------------------------------------------------------------------- GIL


def _max_overlap(fn, workers=4):
    """Run fn in `workers` threads started together; return the most calls in flight at once."""
    barrier = threading.Barrier(workers)
    spans = []
    lock = threading.Lock()

    def run():
        barrier.wait()
        start = time.perf_counter()
        fn()
        end = time.perf_counter()
        with lock:
            spans.append((start, end))

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    live = peak = 0
    for _, delta in events:
        live += delta
        peak = max(peak, live)
    return peak


@pytest.mark.parametrize(
    "name,fn",
    [
        ("bcrypt.hashpw", lambda: bcrypt.hashpw(b"pw", b"$2b$10$cVWp4XaNU8a4v1uMRum2SO")),
        ("bcrypt.checkpw", lambda: bcrypt.checkpw(b"pw", b"$2b$10$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm")),
        ("argon2 hash", lambda: argon2.PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1).hash("pw")),
        ("password.hash", lambda: password.hash("pw")),
    ],
)
def test_hashing_releases_the_gil(name, fn):
    # With the GIL held during hashing, the calls could never be in flight together: each
    # thread's start would wait for the previous call to finish. Overlap proves release.
    assert _max_overlap(fn) >= 2, name


# ----------------------------------------------------------------------------- C door


def _c_hash(clib, fn, pw, *extra):
    buf = ctypes.create_string_buffer(256)
    n = ctypes.c_size_t()
    rc = fn(pw, len(pw), *extra, buf, len(buf), ctypes.byref(n))
    assert rc == 0, rc
    return buf.value[: n.value]


def _c_verify(clib, pw, h):
    ok = ctypes.c_bool()
    rc = clib.bw_password_verify(pw, len(pw), h, len(h), ctypes.byref(ok))
    return rc, ok.value


def test_hash_in_python_verify_in_c(clib):
    for h in [
        cffi_argon2.PasswordHasher(**FAST).hash("pässwörd").encode(),
        argon2.PasswordHasher(**FAST).hash("pässwörd").encode(),
        pyca_bcrypt.hashpw("pässwörd".encode(), pyca_bcrypt.gensalt(4)),
        bcrypt.hashpw("pässwörd".encode(), bcrypt.gensalt(4)),
    ]:
        assert _c_verify(clib, "pässwörd".encode(), h) == (0, True)
        assert _c_verify(clib, b"wrong", h) == (0, False)
    assert _c_verify(clib, b"pw", b"$2b$04$garbage")[0] == 101  # BW_ERR_INVALID_INPUT


def test_hash_in_c_verify_in_python(clib):
    h = _c_hash(clib, clib.bw_password_hash, "pässwörd".encode()).decode()
    assert cffi_argon2.PasswordHasher().verify(h, "pässwörd")
    assert password.verify("pässwörd", h)
    hb = _c_hash(clib, clib.bw_bcrypt_hash, b"hunter2", 4)
    assert pyca_bcrypt.checkpw(b"hunter2", hb)
    assert bcrypt.checkpw(b"hunter2", hb)
    stale = ctypes.c_bool()
    assert clib.bw_password_needs_rehash(hb, len(hb), ctypes.byref(stale)) == 0 and stale.value


def test_bcrypt_kdf_matches_pyca_and_refuses_what_it_refuses():
    import os
    import random
    import warnings

    import bcrypt as pyca

    rng = random.Random(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(25):
            pw, salt = os.urandom(rng.randint(1, 90)), os.urandom(rng.randint(1, 40))
            n, rounds = rng.randint(1, 512), rng.randint(1, 6)
            assert bcrypt.kdf(pw, salt, n, rounds, True) == pyca.kdf(pw, salt, n, rounds, True)
    with pytest.warns(UserWarning, match="round"):
        bcrypt.kdf(b"password", b"salt", 10, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bcrypt.kdf(b"password", b"salt", 10, 50)  # enough rounds: no warning
    for args, error in [
        (("pw", b"salt", 10, 60), TypeError),
        ((b"pw", "salt", 10, 60), TypeError),
        ((b"", b"salt", 10, 60), ValueError),
        ((b"pw", b"", 10, 60), ValueError),
        ((b"pw", b"salt", 0, 60), ValueError),
        ((b"pw", b"salt", 513, 60), ValueError),
        ((b"pw", b"salt", 10, 0), ValueError),
        ((b"pw", b"salt", -3, 60), OverflowError),
    ]:
        with pytest.raises(error):
            bcrypt.kdf(*args)
        with pytest.raises(error):
            pyca.kdf(*args)


def test_argon2_cffi_modules_profiles_and_helpers_match_argon2_cffi():
    import base64

    import argon2 as real
    from argon2 import _utils as real_utils

    from bulwark.argon2 import _password_hasher, _utils, profiles

    for name in ("RFC_9106_HIGH_MEMORY", "RFC_9106_LOW_MEMORY", "PRE_21_2", "CHEAPEST"):
        ours, theirs = getattr(profiles, name), getattr(real.profiles, name)
        assert (ours.type.value, ours.version, ours.salt_len, ours.hash_len, ours.time_cost, ours.memory_cost,
                ours.parallelism) == (theirs.type.value, theirs.version, theirs.salt_len, theirs.hash_len,
                                      theirs.time_cost, theirs.memory_cost, theirs.parallelism)
    assert profiles.get_default_parameters() == profiles.RFC_9106_LOW_MEMORY
    for n in range(0, 70):
        text_len = len(base64.b64encode(b"x" * n).rstrip(b"="))
        assert _utils._decoded_str_len(text_len) == real_utils._decoded_str_len(text_len) == n
    assert _utils._check_types(a=(b"x", bytes), b=(None, (str, _utils.NoneType))) is None
    assert _utils._check_types(a=("x", bytes)) == real_utils._check_types(a=("x", bytes))
    assert _password_hasher._ensure_bytes("é", "latin1") == b"\xe9"
    with pytest.raises(TypeError, match="'time_cost' must be a int"):
        argon2.PasswordHasher("1")  # type: ignore[arg-type]


def test_argon2_hashes_without_a_version_verify_as_argon2_1_0_both_ways():
    import argon2 as real
    from argon2.low_level import Type as RealType
    from argon2.low_level import hash_secret

    v10 = hash_secret(b"password", b"somesalt", time_cost=1, memory_cost=8, parallelism=1, hash_len=16,
                      type=RealType.I, version=16)
    legacy = v10.replace(b"v=16$", b"").decode()
    ph = argon2.PasswordHasher()
    assert ph.verify(legacy, "password") and real.PasswordHasher().verify(legacy, "password")
    with pytest.raises(argon2.VerifyMismatchError):
        ph.verify(legacy, "passwore")
    assert argon2.extract_parameters(legacy) == argon2.Parameters(
        argon2.Type.I, 18, salt_len=8, hash_len=16, time_cost=1, memory_cost=8, parallelism=1
    )
    assert ph.check_needs_rehash(legacy)  # an old version: rehash on the next login


def test_low_level_hashes_interoperate_with_argon2_cffi_both_ways():
    """argon2.low_level side by side with argon2-cffi's: the same raw tags and encoded strings
    for every variant and version, short tags and long salts included, each verifying the
    other's; wrong types, variants and parameters refused the way argon2-cffi refuses them."""
    from argon2 import low_level as cffi_low

    from bulwark.argon2 import low_level as ours

    for hash_len, salt in [(4, b"12345678"), (9, b"saltsalt"), (32, b"s" * 16), (70, b"x" * 100)]:
        for t in ("D", "I", "ID"):
            for version in (19, 16):
                args = (b"secret\x00pw", salt, 1, 16, 2, hash_len)
                raw = ours.hash_secret_raw(*args, getattr(ours.Type, t), version)
                assert raw == cffi_low.hash_secret_raw(*args, getattr(cffi_low.Type, t), version)
                encoded = ours.hash_secret(*args, getattr(ours.Type, t), version)
                assert encoded == cffi_low.hash_secret(*args, getattr(cffi_low.Type, t), version)
                assert cffi_low.verify_secret(encoded, b"secret\x00pw", getattr(cffi_low.Type, t))
                assert ours.verify_secret(encoded, b"secret\x00pw", getattr(ours.Type, t)) is True
                with pytest.raises(argon2.VerifyMismatchError):
                    ours.verify_secret(encoded, b"secret\x00pv", getattr(ours.Type, t))
    with pytest.raises(argon2.VerificationError):
        ours.verify_secret(ours.hash_secret(b"pw", b"saltsalt", 1, 8, 1, 16, ours.Type.I), b"pw", ours.Type.D)
    with pytest.raises(argon2.HashingError):
        ours.hash_secret(b"pw", b"saltsalt", 1, 1, 1, 16, ours.Type.I)  # memory below 8 KiB per lane
    with pytest.raises(TypeError):
        ours.hash_secret_raw("text", b"saltsalt", 1, 8, 1, 16, ours.Type.I)
    with pytest.raises(TypeError):
        ours.verify_secret(b"$argon2i$...", "text", ours.Type.I)
    with pytest.raises(NotImplementedError, match="hash_secret_raw"):
        ours.ffi.new("uint8_t[]", 8)
    # A hash without v= is Argon2 1.0 for both.
    old = cffi_low.hash_secret(b"pw", b"saltsalt", 1, 8, 1, 16, cffi_low.Type.I, 16).replace(b"v=16$", b"")
    assert ours.verify_secret(old, b"pw", ours.Type.I) and cffi_low.verify_secret(old, b"pw", cffi_low.Type.I)


def test_legacy_argon2_functions_warn_and_work():
    with pytest.warns(DeprecationWarning, match="argon2.hash_password is deprecated"):
        h = argon2.hash_password(b"pw", None, 1, 8, 1, 16)
    assert h.startswith(b"$argon2i$v=19$m=8,t=1,p=1$")
    with pytest.warns(DeprecationWarning, match="argon2.verify_password is deprecated"):
        assert argon2.verify_password(h, b"pw")
    with pytest.warns(DeprecationWarning, match="argon2.hash_password_raw is deprecated"):
        assert len(argon2.hash_password_raw(b"pw", b"saltsalt", 1, 8, 1, 12)) == 12
    # Short tags through PasswordHasher too (argon2-cffi allows hash_len down to 4).
    ph = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=4, salt_len=8)
    assert ph.verify(ph.hash("pw"), "pw") and cffi_argon2.PasswordHasher().verify(ph.hash("pw"), "pw")


def test_raw_argon2_tags_agree_across_the_c_door_python_and_argon2_cffi(clib):
    """bw_argon2_hash_raw (C), low_level.hash_secret_raw (Python) and argon2-cffi give one tag."""
    from argon2 import low_level as cffi_low

    from bulwark.argon2 import low_level as ours

    class Params(ctypes.Structure):
        _fields_ = [("size", ctypes.c_size_t), ("t_cost", ctypes.c_uint32), ("m_cost", ctypes.c_uint32),
                    ("parallelism", ctypes.c_uint32), ("hash_len", ctypes.c_uint32), ("salt_len", ctypes.c_uint32)]

    clib.bw_argon2_hash_raw.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                        ctypes.POINTER(Params), ctypes.c_uint32, ctypes.c_uint32,
                                        ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    clib.bw_argon2_hash_raw.restype = ctypes.c_uint32
    salt = b"a salt of 20 bytes.."
    for code, t, version in ((0, "D", 19), (1, "I", 16), (2, "ID", 19)):
        p = Params(ctypes.sizeof(Params), 2, 32, 2, 24, 16)
        out, n = ctypes.create_string_buffer(64), ctypes.c_size_t()
        assert clib.bw_argon2_hash_raw(b"pw\x00x", 4, salt, len(salt), ctypes.byref(p), code, version, out, 64,
                                       ctypes.byref(n)) == 0
        c_tag = out.raw[: n.value]
        assert c_tag == ours.hash_secret_raw(b"pw\x00x", salt, 2, 32, 2, 24, getattr(ours.Type, t), version)
        assert c_tag == cffi_low.hash_secret_raw(b"pw\x00x", salt, 2, 32, 2, 24, getattr(cffi_low.Type, t), version)
