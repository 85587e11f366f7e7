"""Writes the small seed corpus under fuzz/corpus/ (run with the project's .venv; idempotent).

Seeds are valid and near-valid inputs of each parser, so the fuzzer starts from the formats'
structure. HMAC tokens use the fuzz targets' fixed secret ('k' x 64) and Fernet tokens their
fixed key, so they verify inside the targets and the fuzzer mutates from valid tokens.
"""
import base64
import hashlib
import json
import pathlib

import bcrypt as pyca_bcrypt
import jwt as pyjwt
from cryptography.fernet import Fernet

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"
SECRET = b"k" * 64
FERNET_KEY = base64.urlsafe_b64encode(bytes(range(1, 33)))


def put(target: str, name: str, data) -> None:
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


claims = {"sub": "ann", "exp": 1_900_000_000, "iat": 1_700_000_000, "n": [1, 2.5, None, True]}
for alg in ("HS256", "HS384", "HS512"):
    put("jwt_decode", f"{alg.lower()}-token", pyjwt.encode(claims, SECRET, algorithm=alg))
put("jwt_decode", "none-token", pyjwt.encode({"sub": "x"}, None, algorithm="none"))
put("jwt_decode", "claims-selector0", b"\x00" + json.dumps(claims).encode())
put("jwt_decode", "claims-selector9", b"\x09" + b'{"sub":"x","nbf":1700000000,"kid":"\\u00e9"}')
put("jwt_decode", "claims-nested", b"\x0b" + b'{"a":{"b":[{"c":[]}]},"exp":1.9e9}')

put("jwks_parse", "oct", json.dumps({"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256",
                                               "k": base64.urlsafe_b64encode(SECRET).rstrip(b"=").decode()}]}))
put("jwks_parse", "ec", json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "kid": "e1",
    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}))
put("jwks_parse", "okp", json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}))
put("jwks_parse", "rsa", json.dumps({"keys": [{"kty": "RSA", "kid": "r1", "e": "AQAB", "n":
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]}))
put("jwks_parse", "mixed", '{"keys":[{"kty":"oct","use":"enc","k":"AA"},{"kty":"XYZ"},{"kty":"EC","crv":"P-521"}]}')

f = Fernet(FERNET_KEY)
put("fernet_decrypt", "token", f.encrypt_at_time(b"hello fernet", 1_700_000_000))
put("fernet_decrypt", "token-empty", f.encrypt_at_time(b"", 1_700_000_000))
put("fernet_decrypt", "other-key", Fernet(Fernet.generate_key()).encrypt(b"x" * 40))
put("fernet_decrypt", "key-text", FERNET_KEY)

put("keyring_decrypt", "sealed-shape", b"\x00\x01\x00\x00\x00\x01" + bytes(range(60)))
put("keyring_decrypt", "json", b"\x01" + json.dumps({"version": 1, "primary": 2, "keys": [
    {"id": 1, "algorithm": "aes-256-gcm", "key": base64.urlsafe_b64encode(bytes(32)).rstrip(b"=").decode()},
    {"id": 2, "algorithm": "chacha20-poly1305", "key": base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()}]}).encode())
put("keyring_decrypt", "plain-aad", b"\x02attack at dawn|user-42")

put("password_verify", "argon2id", b"\x05$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$8Ps0c0pO+fQ3eAvtKUsKYQ")
put("password_verify", "argon2i-v16", b"\x05$argon2i$v=16$m=16,t=2,p=1$c2FsdHNhbHQ$QWxsIHRoZSBzYWx0")
put("password_verify", "bcrypt", b"\x05" + pyca_bcrypt.hashpw(b"correct horse", pyca_bcrypt.gensalt(4)))
put("password_verify", "bcrypt-2y", b"\x06$2y$04$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBy")
put("password_verify", "bcrypt-mode", b"\x00hunter2")
put("password_verify", "argon2-mode", b"\x01hunter2")
put("password_verify", "huge-cost", b"\x05$argon2id$v=19$m=2097152,t=1024,p=255$c2FsdHNhbHQ$8Ps0c0pO+fQ3eAvtKUsKYQ")

put("otp_uri", "totp", "otpauth://totp/Example%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Co")
put("otp_uri", "hotp", "otpauth://hotp/bob?secret=JBSWY3DPEHPK3PXP&counter=7&algorithm=SHA256&digits=8")
put("otp_uri", "full", "otpauth://totp/ACME:j%C3%BCrgen?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&algorithm=SHA512&digits=7&period=60&image=https%3A%2F%2Fexample.com%2Flogo.png")
put("otp_uri", "plus", "otpauth://totp/a+b:c?secret=jbsw y3dp ehpk 3pxp&issuer=a+b")

put("otp_secret", "base32", b"\x00JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
put("otp_secret", "lenient", b"\x01jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp====")
put("otp_secret", "short", b"\x02JBSWY3DP")
put("otp_secret", "code", b"\x03123456")

for i, r in enumerate(["10/second", "100 per minute", "5 per 10 seconds", "10/second; 1000/hour",
                       "1 per day, 7/2 hours", "3/min;3 per minute", "0/second", "18446744073709551615/day"]):
    put("rate_parse", f"r{i}", r)

key = "sk_live_" + "A1b2C3d4E5" * 4
import zlib
def b62(n):
    a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(6):
        out = a[n % 62] + out
        n //= 62
    return out
put("apikey_parse", "valid", b"\x03" + (key + "_" + b62(zlib.crc32(key.encode()))).encode())
put("apikey_parse", "bad-checksum", b"\x04" + (key + "_000000").encode())
put("apikey_parse", "no-prefix", b"\x05_" + b"x" * 40 + b"_abcdef")

put("redact", "json", '{"user":"ann","password":"hunter2","n":[{"Api-Key":"k"}],"x-auth-token":1,"pin":"1234"}')
put("redact", "query", "?q=shoes&access_token=abc&api%5Fkey=zz&next=Bearer%20abcdefghij")
put("redact", "auth-header", "Authorization\nBearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")
put("redact", "auth-odd", "Proxy-Authorization\nmysecretkey123 extra")
put("redact", "cookie", "Cookie\nsession=abc; theme=dark")
put("redact", "jwt-text", '{"msg":"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl seen"}')

for i, o in enumerate(["https://app.example.com", "http://localhost:3000\nPOST\nAuthorization, Content-Type",
                       "https://a.b.example.org", "https://example.org", "https://APP.example.com",
                       "https://app.example.com:443", "null", "https://evil.com\nGET\nX-Custom"]):
    put("cors_origin", f"o{i}", o)
print("seeds written to", ROOT)
