"""bulwark.otp beside pyotp: RFC 4226 / 6238 vectors (Python and C doors), codes identical to
pyotp's for random secrets x times x digits x digests in both directions, URIs byte-identical and
parsed by each other, replay protection (verify_once, ReplayGuard in memory and shared through
Redis), QR codes decoded back to the URI, and clear errors for malformed secrets and URIs."""

import base64
import ctypes
import datetime
import hashlib
import hmac
import io
import os
import random
import re
import threading
import time

import pyotp
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from bulwark import otp
from bulwark.exceptions import BackendError, InvalidInputError, ReplayedCodeError

from conftest import load_vectors

REDIS_URL = os.environ.get("BULWARK_REDIS_URL")
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


class Params(ctypes.Structure):
    """bw_otp_params; its first field is its size, set by __init__."""

    _fields_ = [("size", ctypes.c_size_t), ("algorithm", ctypes.c_uint32), ("digits", ctypes.c_uint32), ("period", ctypes.c_uint64),
                ("t0", ctypes.c_uint64), ("allow_short_secret", ctypes.c_bool)]

    def __init__(self, **fields):
        super().__init__(size=ctypes.sizeof(self), **fields)


def c_code(clib, fn, secret: str, params: Params, at: int) -> str:
    buf, n = ctypes.create_string_buffer(16), ctypes.c_size_t()
    s = secret.encode()
    assert getattr(clib, fn)(s, len(s), ctypes.byref(params), at, buf, 16, ctypes.byref(n)) == 0
    return buf.value.decode()


def test_rfc4226_vectors_python_and_c(clib):
    v = load_vectors("rfc/rfc4226_hotp.json")
    secret = b32(v["secret_ascii"].encode())
    hotp = otp.HOTP(secret)
    for t in v["vectors"]:
        assert hotp.at(t["count"]) == t["hotp"]
        assert hotp.verify(t["hotp"], t["count"]) and not hotp.verify(t["hotp"], t["count"] + 1)
        assert c_code(clib, "bw_hotp_code", secret, Params(), t["count"]) == t["hotp"]


def test_rfc6238_vectors_python_and_c(clib):
    v = load_vectors("rfc/rfc6238_totp.json")
    assert len(v["vectors"]) == 18
    for t in v["vectors"]:
        secret = b32(v["seeds"][t["mode"]]["ascii"].encode())
        totp = otp.TOTP(secret, digits=8, digest=DIGESTS[t["mode"]])
        assert totp.at(t["time"]) == t["totp"], t
        assert totp.verify(t["totp"], for_time=t["time"])
        assert totp.verify_and_get_timecode(t["totp"], for_time=t["time"]) == int(t["T_hex"], 16)
        p = Params(algorithm=list(DIGESTS).index(t["mode"]) + 1, digits=8)
        assert c_code(clib, "bw_totp_code", secret, p, t["time"]) == t["totp"]


def test_codes_match_pyotp_both_ways():
    rng = random.Random(6238)
    for _ in range(300):
        secret = pyotp.random_base32(rng.choice([32, 40, 48, 64]))
        digits = rng.randint(6, 10)
        digest_name = rng.choice(list(DIGESTS))
        interval = rng.choice([15, 30, 60, 90])
        at = rng.randrange(0, 4_000_000_000)
        ours = otp.TOTP(secret, digits=digits, digest=DIGESTS[digest_name], interval=interval)
        theirs = pyotp.TOTP(secret, digits=digits, digest=DIGESTS[digest_name], interval=interval)
        assert ours.at(at) == theirs.at(at)
        assert ours.timecode(at) == theirs.timecode(at)
        assert ours.verify(theirs.at(at), for_time=at) and theirs.verify(ours.at(at), for_time=at)
        prev = theirs.at(at - interval)
        assert ours.verify(prev, for_time=at, valid_window=1) == theirs.verify(prev, for_time=at, valid_window=1)
        assert ours.verify(prev, for_time=at) == theirs.verify(prev, for_time=at)
        h_ours = otp.HOTP(secret, digits=digits, digest=digest_name.lower(), initial_count=3)
        h_theirs = pyotp.HOTP(secret, digits=digits, digest=DIGESTS[digest_name], initial_count=3)
        count = rng.randrange(0, 2**40)
        assert h_ours.at(count) == h_theirs.at(count)
        assert h_ours.verify(h_theirs.at(count), count)
    # Secrets from our generator work in pyotp, and datetimes are read as pyotp reads them.
    s = otp.random_base32()
    when = datetime.datetime(2030, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    naive = datetime.datetime(2030, 5, 6, 7, 8, 9)
    for t in (when, naive, 1_900_000_000.7):
        assert otp.TOTP(s).at(t) == pyotp.TOTP(s).at(t)
    assert otp.TOTP(s).at(time.time()) == pyotp.TOTP(s).at(time.time()) or otp.TOTP(s).now() == pyotp.TOTP(s).now()


def test_seed_code_runs_unchanged_after_the_import():
    from bulwark import otp as pyotp_compat

    secret = pyotp_compat.random_base32()
    assert len(secret) == 32 and re.fullmatch("[A-Z2-7]{32}", secret)
    token = pyotp.TOTP(secret).now()  # what the user's app shows
    assert pyotp_compat.TOTP(secret).verify(token)
    assert pyotp_compat.TOTP(secret).verify(int(token)) == (token[0] != "0")  # as pyotp: str(otp)
    full_width = "".join(chr(0xFF10 + int(d)) for d in token)  # NFKC-normalised, as pyotp
    assert pyotp_compat.TOTP(secret).verify(full_width) == pyotp.TOTP(secret).verify(full_width)
    assert not pyotp_compat.TOTP(secret).verify("x" * 5000)
    hexs = pyotp_compat.random_hex()
    assert len(hexs) == 40 and re.fullmatch("[A-F0-9]{40}", hexs)
    for bad in (lambda: pyotp_compat.random_base32(31), lambda: pyotp_compat.random_hex(39)):
        with pytest.raises(ValueError):
            bad()
    assert set(pyotp_compat.random_base32(64, chars="AB")) <= {"A", "B"}


NAMES = ["alice@example.com", "Bob Smith", "ü/ñ:x+y", "a&b=c?d#e", "x%41"]
ISSUERS = [None, "ACME Co", "Big:Corp", "Ünïcode & Sons", "a/b"]


def test_uris_identical_to_pyotp_and_parsed_by_each_other():
    secret = pyotp.random_base32()
    for name in NAMES:
        for issuer in ISSUERS:
            for digits, digest, interval in [(6, hashlib.sha1, 30), (8, hashlib.sha256, 60), (7, hashlib.sha512, 45)]:
                ours = otp.TOTP(secret, digits=digits, digest=digest, name=name, issuer=issuer, interval=interval)
                theirs = pyotp.TOTP(secret, digits=digits, digest=digest, name=name, issuer=issuer, interval=interval)
                uri = ours.provisioning_uri()
                assert uri == theirs.provisioning_uri()
                back = pyotp.parse_uri(uri)
                mine = otp.parse_uri(theirs.provisioning_uri())
                for o in (back, mine):
                    assert (o.secret, o.name, o.issuer, o.digits, o.interval) == (
                        secret, name, issuer, digits, interval)
                assert mine.at(1_800_000_000) == back.at(1_800_000_000)
            h_uri = otp.HOTP(secret, name=name, issuer=issuer, initial_count=5).provisioning_uri()
            assert h_uri == pyotp.HOTP(secret, name=name, issuer=issuer, initial_count=5).provisioning_uri()
            h = otp.parse_uri(h_uri)
            assert isinstance(h, otp.HOTP) and h.initial_count == 5
    img = "https://example.com/logo.png"
    assert otp.TOTP(secret).provisioning_uri("a", image=img) == pyotp.TOTP(secret).provisioning_uri(name="a", image=img)
    assert otp.HOTP(secret).provisioning_uri("a", initial_count=9, issuer_name="I") == \
        pyotp.HOTP(secret).provisioning_uri(name="a", initial_count=9, issuer_name="I")


def test_malformed_secrets_and_uris_give_clear_errors():
    for bad, part in [("JBSWY3DP!ABCDEFGHJBSWY3DPABCDEFGH", "not base32"), ("A" * 33, "length"),
                      ("JBSWY3DPEHPK3PXP", "128"), ("", "empty")]:
        with pytest.raises(InvalidInputError, match=part):
            otp.TOTP(bad)
    # Short secrets work when the caller opts in (pyotp refuses under 112 bits, so check by hand).
    key = base64.b32decode("JBSWY3DPEHPK3PXP")
    mac = hmac.new(key, (59 // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    o = mac[-1] & 0xF
    want = str((int.from_bytes(mac[o:o + 4], "big") & 0x7FFFFFFF) % 10**6).zfill(6)
    assert otp.TOTP("jbsw y3dp ehpk 3pxp", allow_short_secret=True).at(59) == want
    # lenient: lower case, spaces, padding
    s = pyotp.random_base32()
    spaced = " ".join(s[i:i + 4] for i in range(0, 32, 4)).lower() + "===="
    assert otp.TOTP(spaced).at(1e9) == pyotp.TOTP(s).at(1e9)
    for digits in (5, 11):
        with pytest.raises(ValueError):
            otp.TOTP(s, digits=digits)
    for digest in (hashlib.md5, "sha3_256"):
        with pytest.raises(ValueError):
            otp.TOTP(s, digest=digest)
    # As pyotp: a time less than one step before the epoch rounds toward zero (step 0).
    assert otp.TOTP(s).at(-1) == otp.TOTP(s).at(-29.5) == otp.TOTP(s).at(0)
    with pytest.raises(ValueError):
        otp.TOTP(s).at(-30)
    with pytest.raises(ValueError):
        otp.TOTP(s).at(datetime.datetime(1960, 1, 1, tzinfo=datetime.timezone.utc))
    with pytest.raises(ValueError):
        otp.HOTP(s).at(-1)
    uris = {
        "https://totp/a?secret=" + s: "otpauth",
        "otpauth://totp/a": "No secret",
        "otpauth://totp/a?secret=" + s + "&algorithm=MD5": "algorithm",
        "otpauth://totp/a?secret=" + s + "&digits=12": "Digits",
        "otpauth://totp/a?secret=" + s + "&secret=" + s: "duplicate",
        "otpauth://totp/X:a?secret=" + s + "&issuer=Y": "issuer",
        "otpauth://motp/a?secret=" + s: "type",
        "otpauth://totp/a?secret=" + s + "&period=soon": "whole number",
    }
    for uri, part in uris.items():
        with pytest.raises(ValueError, match=part):
            otp.parse_uri(uri)
        with pytest.raises(ValueError):
            pyotp.parse_uri(uri)  # pyotp refuses the same URIs
    with pytest.raises(ValueError, match="https"):
        otp.TOTP(s).provisioning_uri("a", image="http://example.com/x.png")
    # Found by fuzzing (parse -> build -> parse): what cannot be written back is refused on read.
    # pyotp raises TypeError for the first two (its constructors have no such parameter).
    for uri, part in {
        "otpauth://totp/a?secret=" + s + "&counter=7": "only for hotp",
        "otpauth://hotp/a?secret=" + s + "&period=60": "only for totp",
        "otpauth://totp/a?secret=" + s + "&image=http%3A%2F%2Fx%2Fy.png": "image",
        "otpauth://totp/a?secret=%3D%3D%3D%3D": "secret is empty",
    }.items():
        with pytest.raises(ValueError, match=part):
            otp.parse_uri(uri)
    with pytest.raises(ValueError, match="longer than"):
        otp.TOTP(s).provisioning_uri("\u00e9" * 800)
    # pyotp reads URIs with an empty account or no label at all (Steam's have none).
    for uri in ("otpauth://totp/ACME:?secret=" + s, "otpauth://totp?secret=" + s):
        assert otp.parse_uri(uri).at(0) == pyotp.parse_uri(uri).at(0)


def test_verify_once_replay_table():
    totp = otp.TOTP(otp.random_base32())
    now = 1_700_000_010
    step = totp.timecode(now)
    code, prev, nxt = totp.at(now), totp.at(now - 30), totp.at(now + 30)
    assert totp.verify_once(code, None, for_time=now) == step
    assert totp.verify_once(code, step, for_time=now + 5) is None  # the same code twice
    assert totp.verify_once(prev, step, for_time=now) is None  # older after newer
    assert totp.verify_once(nxt, step, for_time=now) == step + 1  # window edge, later step
    assert totp.verify_once(totp.at(now + 60), None, for_time=now) is None  # outside the window
    assert totp.verify_once(totp.at(now + 60), None, valid_window=2, for_time=now) == step + 2
    with pytest.raises(ReplayedCodeError):
        totp.verify_once(code, step, for_time=now, raise_errors=True)
    with pytest.raises(otp.OTPVerificationError):
        totp.verify_once("12345x", step - 5, for_time=now, raise_errors=True)
    with pytest.raises(otp.OTPVerificationError):
        totp.verify_and_get_timecode("12345x", for_time=now)
    assert not totp.verify(code, for_time=now, valid_window=-1)


def _guard_checks(guard_a, guard_b, account):
    totp = otp.TOTP(otp.random_base32())
    now = 1_700_000_010
    code = totp.at(now)
    assert guard_a.verify(totp, account, code, for_time=now) == totp.timecode(now)
    with pytest.raises(ReplayedCodeError):
        guard_b.verify(totp, account, code, for_time=now + 3)
    with pytest.raises(ReplayedCodeError):
        guard_a.verify(totp, account, totp.at(now - 30), for_time=now)
    with pytest.raises(otp.OTPVerificationError):
        guard_a.verify(totp, account, "x", for_time=now)
    assert guard_b.verify(totp, account, totp.at(now + 30), for_time=now + 30) == totp.timecode(now) + 1


def test_replay_guard_in_memory_one_winner_among_threads():
    guard = otp.ReplayGuard()
    _guard_checks(guard, guard, "alice")
    totp = otp.TOTP(otp.random_base32())
    code = totp.now()
    results = []
    barrier = threading.Barrier(8)

    def race():
        barrier.wait()
        try:
            results.append(guard.verify(totp, "race", code, valid_window=1))
        except ReplayedCodeError:
            results.append("replayed")

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r != "replayed" for r in results) == 1 and results.count("replayed") == 7


@pytest.mark.skipif(not REDIS_URL, reason="BULWARK_REDIS_URL not set: run through `make test`")
def test_replay_guard_shared_through_redis():
    prefix = f"test:otp:{time.time_ns()}:"
    a = otp.ReplayGuard(REDIS_URL, prefix=prefix)
    b = otp.ReplayGuard(REDIS_URL, prefix=prefix)  # as a second server
    _guard_checks(a, b, "carol")
    totp = otp.TOTP(otp.random_base32())
    with pytest.raises(BackendError):  # fail closed when Redis cannot be reached
        otp.ReplayGuard("redis://127.0.0.1:1/0", timeout=0.2).verify(totp, "x", totp.now())


def _decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, found
    return found[0].text


def _rasterize_svg(svg: str, px: int = 8) -> Image.Image:
    """Draws Bulwark's SVG (a viewBox in modules, one path of unit squares) with Pillow."""
    dim = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    img = Image.new("L", (dim * px, dim * px), 255)
    draw = ImageDraw.Draw(img)
    path = re.search(r'<path d="([^"]*)"', svg).group(1)
    for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", path):
        x, y = int(x), int(y)
        draw.rectangle([x * px, y * px, (x + 1) * px - 1, (y + 1) * px - 1], fill=0)
    assert path == "".join(f"M{x},{y}h1v1h-1z" for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", path))
    return img


def test_qr_codes_decode_to_the_uri():
    totp = otp.TOTP(otp.random_base32(), name="alice@example.com", issuer="ACME Co")
    uri = totp.provisioning_uri()
    png = totp.qr_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert _decode(Image.open(io.BytesIO(png))) == uri
    svg = totp.qr_svg()
    assert svg.startswith("<svg") and _decode(_rasterize_svg(svg)) == uri
    hotp = otp.HOTP(otp.random_base32(), name="bob", initial_count=3)
    assert _decode(Image.open(io.BytesIO(hotp.qr_png(scale=3)))) == hotp.provisioning_uri()
    with pytest.raises(InvalidInputError):
        totp.qr_png(scale=0)


def test_c_door_verify_and_uri(clib):
    secret = pyotp.random_base32()
    s = secret.encode()
    code = pyotp.TOTP(secret).at(1_700_000_000 - 30).encode()
    step, ok = ctypes.c_uint64(), ctypes.c_bool()
    p = Params()
    assert clib.bw_totp_verify(s, len(s), ctypes.byref(p), code, len(code), 1_700_000_000, 1, ctypes.byref(ok),
                               ctypes.byref(step)) == 0
    assert ok.value and step.value == 1_700_000_000 // 30 - 1
    # a wrong code is an answer (BW_OK, valid false), the same as pyotp's False and core's None
    step.value = 7
    assert clib.bw_totp_verify(s, len(s), ctypes.byref(p), code, len(code), 1_700_000_000, 0, ctypes.byref(ok),
                               ctypes.byref(step)) == 0
    assert not ok.value and step.value == 7
    buf, n = ctypes.create_string_buffer(512), ctypes.c_size_t()
    name, issuer = "alice@example.com".encode(), "ACME Co".encode()
    assert clib.bw_totp_provisioning_uri(s, len(s), ctypes.byref(p), name, len(name), issuer, len(issuer), buf, 512,
                                         ctypes.byref(n)) == 0
    assert buf.value.decode() == pyotp.TOTP(secret).provisioning_uri(name="alice@example.com", issuer_name="ACME Co")


def test_pyotp_modules_steam_bytes_secrets_and_frozen_clocks():
    """pyotp's module layout and the names its users reach for, against pyotp itself."""
    import hashlib

    from bulwark.otp import contrib, hotp, totp, utils
    from bulwark.otp import otp as otp_module

    assert totp.TOTP is otp.TOTP and hotp.HOTP is otp.HOTP and otp_module.OTP is otp.OTP
    secret = "FMXNK4QEGKVPULRTADY6JIDK5VHUBGZW"
    steam, theirs = contrib.Steam(secret), pyotp.contrib.Steam(secret)
    for t in (0, 30, 1_662_884_261, 1_700_000_000):
        assert steam.at(t) == theirs.at(t)
    assert steam.verify(theirs.at(1_700_000_000), for_time=1_700_000_000)
    assert type(otp.parse_uri(steam.provisioning_uri("ann", "Steam"))) is contrib.Steam
    assert utils.strings_equal("123456", "\uff11\uff12\uff13\uff14\uff15\uff16")  # full-width digits
    assert not utils.strings_equal("123456", "123457")
    for args in [(secret, "ann"), (secret, "ann", None, "ACME", "sha256", 8, 60), (secret, "ann", 5, "ACME")]:
        assert utils.build_uri(*args) == pyotp.utils.build_uri(*args)
    # Secrets as bytes, as pyotp takes them.
    b = base64.b32encode(b"12345678901234567890")
    assert otp.TOTP(b, 8).at(59) == pyotp.TOTP(b, digits=8).at(59) == "94287082"
    with pytest.raises(ValueError, match="18 bytes"):
        otp.OTP(s=secret, digest=hashlib.md5)
    # A test that freezes datetime.datetime (pyotp's Timecop, freezegun) moves Bulwark's clock too.
    real = datetime.datetime

    class Frozen(datetime.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ARG003
            return cls.fromtimestamp(1_297_553_958)

    t = otp.TOTP(secret)
    datetime.datetime = Frozen
    try:
        assert t.now() == t.at(1_297_553_958)
        assert t.verify(t.at(1_297_553_958))
    finally:
        datetime.datetime = real
    assert not t.verify(t.at(1_297_553_958))
