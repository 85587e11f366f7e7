"""API keys, redaction, security headers and CORS from Python, and through the C library."""

import ctypes
import io
import json
import logging
import re

import pytest

import bulwark
from bulwark import apikey, headers, redact

PEPPER = b"p" * 32
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


# ----------------------------------------------------------------------------- API keys


def test_key_format_parse_and_verify():
    k = apikey.generate("bw_live")
    assert re.fullmatch(r"bw_live_[0-9A-Za-z]{40}_[0-9A-Za-z]{6}", k.key)
    assert k.key.startswith(k.key_id) and len(k.key_id) == len("bw_live_") + 8
    assert "hidden" in repr(k) and k.key not in repr(k)
    p = apikey.parse(k.key)
    assert (p.prefix, p.key_id) == ("bw_live", k.key_id)
    h = apikey.KeyHasher(PEPPER)
    stored = h.hash(k.key)
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert h.verify(k.key, stored) is True
    assert h.verify(apikey.generate("bw_live").key, stored) is False
    assert apikey.KeyHasher(b"q" * 32).verify(k.key, stored) is False
    assert "pepper" in repr(h) and "ppp" not in repr(h)


def test_many_keys_distinct_and_parse():
    keys = {apikey.generate("bw_test").key for _ in range(100_000)}
    assert len(keys) == 100_000
    assert all(apikey.is_well_formed(k) for k in list(keys)[:1000])


def test_key_errors():
    k = apikey.generate("bw").key
    typo = k[:10] + ("a" if k[10] != "a" else "b") + k[11:]
    with pytest.raises(ValueError, match="checksum"):
        apikey.parse(typo)
    assert not apikey.is_well_formed(typo) and not apikey.is_well_formed("hello")
    for bad in ["", "BW", "bw-live", "bw__x", "1bw"]:
        with pytest.raises(bulwark.InvalidInputError, match="prefix"):
            apikey.generate(bad)
    with pytest.raises(ValueError, match="32 bytes"):
        apikey.KeyHasher(b"short")
    with pytest.raises(ValueError, match="64 hex"):
        apikey.KeyHasher(PEPPER).verify(k, "nothex")
    with pytest.raises(TypeError):
        apikey.KeyHasher("not bytes" * 4)


# ----------------------------------------------------------------------------- redaction

JSON_TABLE = [
    ({"user": "ann", "password": "hunter2"}, {"user": "ann", "password": "[REDACTED]"}),
    ({"Authorization": "Bearer abc", "X-API-KEY": "k", "nested": {"Client_Secret": {"deep": 1}}},
     {"Authorization": "[REDACTED]", "X-API-KEY": "[REDACTED]", "nested": {"Client_Secret": "[REDACTED]"}}),
    ({"items": [{"token": "t1"}, {"name": "ok", "otp": "123456"}]},
     {"items": [{"token": "[REDACTED]"}, {"name": "ok", "otp": "[REDACTED]"}]}),
    ({"note": f"user sent {JWT} today"}, {"note": "user sent [REDACTED] today"}),
    ({"count": 3, "flag": True, "none": None}, {"count": 3, "flag": True, "none": None}),
]


@pytest.mark.parametrize("given,expected", JSON_TABLE)
def test_redact_json_table(given, expected):
    assert redact.redact_json(given) == expected
    text = redact.redact_json(json.dumps(given))
    assert json.loads(text) == expected
    assert list(json.loads(text)) == list(given)  # key order kept


def test_redact_values_queries_headers_and_bad_input():
    key = apikey.generate("bw_live").key
    line = f"GET /x?api_key={key} Authorization: Bearer sk-abcdefghijkl jwt={JWT}"
    out = redact.redact_text(line)
    assert key not in out and "sk-abcdefghijkl" not in out and JWT not in out
    assert redact.redact_query("?q=1&Refresh-Token=abc&page=2") == "?q=1&Refresh-Token=[REDACTED]&page=2"
    assert redact.redact_headers({"Cookie": "sid=1", "Accept": "json", "Authorization": "Basic dXNlcjpwYXNz"}) == {
        "Cookie": "[REDACTED]", "Accept": "json", "Authorization": "Basic [REDACTED]"}
    assert redact.redact_headers([("x-auth-token", "t")]) == [("x-auth-token", "[REDACTED]")]
    # Only known schemes are kept: an unknown first word may be the secret itself.
    assert redact.redact_headers({"Authorization": "s3cr3t-key-123 extra"}) == {"Authorization": "[REDACTED]"}
    r = redact.Redactor(["employee_number"])
    assert redact.redact_json({"Employee-Number": 7}, r) == {"Employee-Number": "[REDACTED]"}
    assert r.is_sensitive("EMPLOYEE_NUMBER") and not redact.Redactor().is_sensitive("employee_number")
    with pytest.raises(bulwark.InvalidInputError, match="UTF-8"):
        redact.redact_text(b"caf\xe9 password")
    with pytest.raises(ValueError, match="not valid JSON"):
        redact.redact_json('{"password": "x"')
    with pytest.raises(TypeError):
        redact.redact_text(42)


def test_logging_filter_and_security_logger():
    stream = io.StringIO()
    logger = logging.getLogger("bulwark.test.redaction")
    logger.handlers[:] = [logging.StreamHandler(stream)]
    logger.setLevel(logging.INFO)
    logger.addFilter(redact.RedactingFilter())
    logger.info("login with %s", f"Bearer {JWT}")
    assert JWT not in stream.getvalue() and "Bearer [REDACTED]" in stream.getvalue()

    sec_stream = io.StringIO()
    sec = logging.getLogger("bulwark.test.security")
    sec.handlers[:] = [logging.StreamHandler(sec_stream)]
    sec.setLevel(logging.INFO)
    s = redact.SecurityLogger(sec)
    line = s.log_auth_attempt(False, "ann", "203.0.113.9", password="hunter2")
    event = json.loads(line)
    assert event["event"] == "auth_attempt" and event["success"] is False and event["ip"] == "203.0.113.9"
    assert event["password"] == "[REDACTED]" and "hunter2" not in sec_stream.getvalue()
    line = s.log_suspicious_activity("brute_force", {"attempts": 12, "api_key": "k", "path": "/login"})
    assert json.loads(line)["details"] == {"attempts": 12, "api_key": "[REDACTED]", "path": "/login"}
    assert sec_stream.getvalue().count("\n") == 2


# ----------------------------------------------------------------------------- headers & CORS


def test_security_headers():
    h = headers.security_headers()
    assert h["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
    assert h["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert h["Referrer-Policy"] == "no-referrer" and h["Cache-Control"] == "no-store"
    assert h["X-XSS-Protection"] == "0" and h["Cross-Origin-Resource-Policy"] == "same-origin"
    h2 = headers.security_headers(hsts_preload=True, frame_options=None, no_store=False, hsts_max_age=None)
    assert "X-Frame-Options" not in h2 and "Cache-Control" not in h2 and "Strict-Transport-Security" not in h2
    with pytest.raises(ValueError, match="control"):
        headers.security_headers(referrer_policy="x\r\nSet-Cookie: a=b")


CORS_TABLE = [
    ("https://app.example.com", True),
    ("https://a.b.example.org", True),
    ("https://example.org", False),
    ("https://example.org.evil.com", False),
    ("http://app.example.com", False),
    ("null", False),
    # Browsers serialise origins lower-cased, ports unpadded (found by fuzzing).
    ("https://APP.example.com", False),
    ("https://a.example.org:+443", False),
]


@pytest.mark.parametrize("origin,allowed", CORS_TABLE)
def test_cors_requests(origin, allowed):
    p = headers.CORSPolicy(["https://app.example.com", "https://*.example.org"], allow_credentials=True)
    d = p.check_request(origin)
    assert d.allowed is allowed and d.headers["Vary"] == "Origin"
    assert (d.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_cors_preflight_and_refusals():
    p = headers.CORSPolicy(["https://app.example.com"], methods=["GET", "PUT"], headers=["Content-Type"], max_age=60)
    ok = p.check_preflight("https://app.example.com", "PUT", "content-type")
    assert ok.allowed and ok.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert ok.headers["Access-Control-Max-Age"] == "60"
    assert not p.check_preflight("https://app.example.com", "DELETE").allowed
    assert not p.check_preflight("https://app.example.com", "PUT", "X-Other").allowed
    assert p.check_request(None).allowed
    with pytest.raises(ValueError, match="credentials"):
        headers.CORSPolicy(["*"], allow_credentials=True)
    for bad in [["example.com"], ["https://a.*.com"], ["https://x.com/path"]]:
        with pytest.raises(bulwark.InvalidInputError):
            headers.CORSPolicy(bad)
    assert headers.CORSPolicy(["null"]).check_request("null").allowed
    assert not headers.CORSPolicy(["*"]).check_request("null").allowed


# ----------------------------------------------------------------------------- C door


def test_key_issued_in_python_verified_in_c(clib):
    k = apikey.generate("bw_live")
    stored = apikey.KeyHasher(PEPPER).hash(k.key).encode()
    ok = ctypes.c_bool()
    key = k.key.encode()
    assert clib.bw_apikey_verify(PEPPER, 32, key, len(key), stored, len(stored), ctypes.byref(ok)) == 0 and ok.value
    other = apikey.generate("bw_live").key.encode()
    assert clib.bw_apikey_verify(PEPPER, 32, other, len(other), stored, len(stored), ctypes.byref(ok)) == 0
    assert not ok.value
    doc = json.dumps({"user": "ann", "password": "x"}).encode()
    out, n = ctypes.create_string_buffer(128), ctypes.c_size_t()
    assert clib.bw_redact_json(None, doc, len(doc), out, 128, ctypes.byref(n)) == 0
    assert json.loads(out.value) == redact.redact_json({"user": "ann", "password": "x"})
