"""The foundation from Python: tokens and compare_digest side by side with `secrets` / `hmac`,
the exception hierarchy, and the package metadata."""

import base64
import hmac
import os
import re
import secrets
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest

import bulwark
from bulwark import exceptions


def test_version_matches_cargo():
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "Cargo.toml"), encoding="utf-8") as f:
        cargo_version = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert bulwark.__version__ == cargo_version


def test_import_from_venv_prints_version():
    out = subprocess.run(
        [sys.executable, "-c", "import bulwark; print(bulwark.__version__)"],
        check=True, capture_output=True, text=True,
    )
    assert out.stdout.strip() == bulwark.__version__


@pytest.mark.parametrize("n", [0, 1, 2, 3, 16, 31, 32, 33, 100])
def test_token_lengths_match_secrets(n):
    assert len(bulwark.token_bytes(n)) == len(secrets.token_bytes(n)) == n
    assert len(bulwark.token_hex(n)) == len(secrets.token_hex(n)) == 2 * n
    ours, theirs = bulwark.token_urlsafe(n), secrets.token_urlsafe(n)
    assert len(ours) == len(theirs)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", ours)
    # Decodes back to n bytes with the standard library.
    assert len(base64.urlsafe_b64decode(ours + "=" * (-len(ours) % 4))) == n


def test_defaults_match_secrets():
    assert len(bulwark.token_bytes()) == len(secrets.token_bytes()) == 32
    assert len(bulwark.token_hex()) == len(secrets.token_hex()) == 64
    assert len(bulwark.token_urlsafe()) == len(secrets.token_urlsafe()) == 43
    assert len(bulwark.token_bytes(None)) == 32


def test_types():
    assert isinstance(bulwark.token_bytes(4), bytes)
    assert isinstance(bulwark.token_hex(4), str)
    assert isinstance(bulwark.token_urlsafe(4), str)
    assert re.fullmatch(r"[0-9a-f]{8}", bulwark.token_hex(4))


def test_tokens_are_unique():
    assert len({bulwark.token_urlsafe(16) for _ in range(2000)}) == 2000
    assert len({bulwark.token_bytes(16) for _ in range(2000)}) == 2000


def test_bad_sizes():
    with pytest.raises(ValueError, match="negative"):
        bulwark.token_bytes(-1)
    with pytest.raises(ValueError):
        bulwark.token_hex(-5)
    # Absurd sizes are a clear, typed error rather than a MemoryError.
    with pytest.raises(bulwark.InvalidInputError, match="limit"):
        bulwark.token_urlsafe(2**40)
    with pytest.raises(TypeError):
        bulwark.token_bytes("32")
    with pytest.raises(TypeError):
        bulwark.token_urlsafe(3.5)


def test_random_base32_as_pyotp():
    s = bulwark.random_base32()
    assert len(s) == 32 and re.fullmatch(r"[A-Z2-7]{32}", s)
    assert len(base64.b32decode(s)) == 20
    assert len(bulwark.random_base32(length=64)) == 64
    with pytest.raises(ValueError, match="at least 32"):
        bulwark.random_base32(31)
    with pytest.raises(ValueError):
        bulwark.random_base32(-1)


COMPARE_CASES = [
    (b"", b""),
    (b"abc", b"abc"),
    (b"abc", b"abd"),
    (b"abc", b"ab"),
    (b"\x00" * 64, b"\x00" * 64),
    ("token", "token"),
    ("token", "tokeN"),
    ("", ""),
    (bytearray(b"xyz"), b"xyz"),
    (memoryview(b"xyz"), bytearray(b"xyz")),
    (memoryview(b"xyz"), b"xyq"),
]


@pytest.mark.parametrize("a,b", COMPARE_CASES)
def test_compare_digest_agrees_with_hmac(a, b):
    assert bulwark.compare_digest(a, b) == hmac.compare_digest(a, b)
    assert bulwark.compare_digest(b, a) == hmac.compare_digest(b, a)


@pytest.mark.parametrize("a,b", [("abc", b"abc"), (b"abc", "abc"), (1, 1), (None, b""), (b"a", [97])])
def test_compare_digest_type_errors_like_hmac(a, b):
    with pytest.raises(TypeError):
        hmac.compare_digest(a, b)
    with pytest.raises(TypeError):
        bulwark.compare_digest(a, b)


def test_compare_digest_non_ascii_str_is_type_error_like_hmac():
    with pytest.raises(TypeError):
        hmac.compare_digest("é", "é")
    with pytest.raises(TypeError, match="non-ASCII"):
        bulwark.compare_digest("é", "é")


def test_exception_hierarchy():
    for name in exceptions.__all__:
        cls = getattr(bulwark, name)
        assert issubclass(cls, bulwark.BulwarkError)
        assert issubclass(cls, Exception)
    assert issubclass(bulwark.InvalidInputError, ValueError)
    assert issubclass(bulwark.ExpiredError, bulwark.VerificationError)
    assert not issubclass(bulwark.VerificationError, ValueError)
    # Errors raised from Rust are these classes.
    with pytest.raises(bulwark.BulwarkError) as info:
        bulwark.random_base32(8)
    assert type(info.value) is bulwark.InvalidInputError


def test_public_names():
    assert sorted(bulwark.__all__) == sorted(set(bulwark.__all__))
    for name in bulwark.__all__:
        assert hasattr(bulwark, name), name
    for name in ["token_bytes", "token_urlsafe", "token_hex", "compare_digest", "random_base32"]:
        assert getattr(bulwark, name).__doc__


def test_typed_package():
    import importlib.resources

    files = importlib.resources.files("bulwark")
    assert (files / "py.typed").is_file()
    assert (files / "_native.pyi").is_file()


def test_redis_from_make_test_is_reachable():
    """`make test` starts a throw-away redis-server for the suites that need one."""
    url = os.environ.get("BULWARK_REDIS_URL")
    if not url:
        pytest.skip("BULWARK_REDIS_URL not set: run through `make test` (tests/with-redis.sh)")
    u = urlparse(url)
    assert u.hostname == "127.0.0.1"
    with socket.create_connection((u.hostname, u.port), timeout=2) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(16).startswith(b"+PONG")


def test_every_core_error_kind_has_its_own_exception_class():
    """The door maps each of core's error kinds (ErrorKind::ALL) to a class, by table: a kind
    core adds without a class here fails this test instead of silently becoming the base class."""
    import importlib

    from bulwark import _native

    rows = _native._error_classes()
    assert len(rows) >= 17 and len({code for code, *_ in rows}) == len(rows)
    for code, name, module, cls in rows:
        assert module is not None and cls is not None, f"error kind {name!r} ({code}) has no exception class"
        exc = getattr(importlib.import_module(module), cls)
        assert issubclass(exc, Exception)
        if name != "internal error":
            assert cls != "BulwarkError", name


def test_argument_errors_name_the_parameter_in_pythons_words():
    """A bad argument is refused with its Python name and Python's spelling (no Rust ranges,
    no bare OverflowError from a conversion)."""
    from bulwark import bcrypt, headers, jwt, ratelimit

    cases = [
        (lambda: ratelimit.RateLimiter().hit("k", "5/minute", cost=-1), ValueError, "cost must be a non-negative"),
        (lambda: ratelimit.RateLimiter().refund("k", "5/minute", cost=-1), ValueError, "cost"),
        (lambda: headers.security_headers(hsts_max_age=-1), ValueError, "hsts_max_age"),
        (lambda: jwt.decode("a.b.c", "k" * 32, algorithms=["HS256"], leeway="x"), TypeError, "leeway"),
        (lambda: bcrypt.gensalt(3), ValueError, "between 4 and 31"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words) as info:
            call()
        assert "..=" not in str(info.value)
