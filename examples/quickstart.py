"""Bulwark quickstart from Python (run by `make demo`): every feature, one short step each."""

import bulwark

print(f"Bulwark {bulwark.__version__} (Python)")

# 1. Secure random tokens, as Python's `secrets` module (drop-in names).
print("session token:", bulwark.token_urlsafe(32))
print("request id:   ", bulwark.token_hex(16))
print("raw key bytes:", len(bulwark.token_bytes(32)), "bytes")

# 2. A base32 secret for TOTP enrolment (as pyotp.random_base32()).
print("TOTP secret:  ", bulwark.random_base32())

# 3. Compare secrets in constant time (as hmac.compare_digest), never with ==.
presented, stored = b"tok_3f9a", b"tok_3f9a"
print("presented token matches:", bulwark.compare_digest(presented, stored))

# 4. Bad input raises a typed exception; every Bulwark exception is a BulwarkError.
try:
    bulwark.random_base32(16)
except bulwark.InvalidInputError as exc:  # also a ValueError
    print("random_base32(16) refused:", exc)

# 5. Passwords: Argon2id by default; verify reads the scheme from the stored hash.
from bulwark import password  # noqa: E402

stored = password.hash("correct horse battery staple")
print("argon2id hash:", stored[:40] + "...")
print("right password:", password.verify("correct horse battery staple", stored))
print("wrong password:", password.verify("Tr0ub4dor&3", stored))

# 6. Drop-in for pyca/bcrypt and argon2-cffi: change only the import.
from bulwark import argon2, bcrypt  # noqa: E402

legacy = bcrypt.hashpw("secret_password".encode(), bcrypt.gensalt(rounds=10))
print("bcrypt hash:  ", legacy.decode())
ph = argon2.PasswordHasher()
try:
    ph.verify(ph.hash("s3cret"), "guess")
except argon2.VerifyMismatchError:
    print("argon2.PasswordHasher: wrong password raises VerifyMismatchError, as in argon2-cffi")

# 7. Migration: an old bcrypt hash becomes Argon2id on the next successful login.
ok, new_hash = password.verify_and_update("secret_password", legacy)
print("login ok:", ok, "| store new hash:", (new_hash or "")[:32] + "...")
print("new hash needs rehash:", password.needs_rehash(new_hash))

# 8. Password policy: every violation, each with a stable code and a message.
for v in password.Policy().with_classes().check("qwerty"):
    print(f"policy: {v.code:18s} {v.message}")

# 9. Encryption with a keyring: ciphertexts name their key, so they survive rotation.
from bulwark.aead import AESGCM, Keyring  # noqa: E402

ring = Keyring.generate()                  # in production: Keyring.from_env("APP_KEYRING")
blob = ring.encrypt(b"customer SSN 078-05-1120", aad=b"user:42")
new_id = ring.rotate()                     # new primary; old keys still decrypt
print(f"keyring: rotated to key {new_id}; old ciphertext still opens:",
      ring.decrypt(blob, aad=b"user:42").decode())

# 10. Drop-in for cryptography: Fernet tokens and AESGCM ciphertexts interoperate both ways.
from bulwark.fernet import Fernet  # noqa: E402

f = Fernet(Fernet.generate_key())
token = f.encrypt(b"secret data")
print("fernet token:", token[:24].decode() + "...", "->", f.decrypt(token, ttl=60))
key = AESGCM.generate_key(bit_length=256)
print("AESGCM round trip:", AESGCM(key).decrypt(b"\0" * 12, AESGCM(key).encrypt(b"\0" * 12, b"hi", None), None))

# 11. API keys: give the key to the client once; store only its keyed hash and the public id.
from bulwark import apikey, headers, redact  # noqa: E402

issued = apikey.generate("bw_live")
hasher = apikey.KeyHasher(b"pepper from your secret store (32+ bytes)")
stored = hasher.hash(issued.key)
print("api key id (safe to log):", issued.key_id, "| verifies:", hasher.verify(issued.key, stored))
print("a one-character typo still passes the checksum:", apikey.is_well_formed(issued.key[:-1] + "x"))

# 12. Redacted security logs: secrets never reach the log line.
print("redacted:", redact.redact_json({"user": "ann", "password": "hunter2", "api_key": issued.key}))
print("redacted:", redact.redact_text(f"GET /me Authorization: Bearer {issued.key}"))

# 13. Security headers and CORS for every response.
for name, value in headers.security_headers().items():
    print(f"header: {name}: {value}")
cors = headers.CORSPolicy(["https://app.example.com"], allow_credentials=True)
print("CORS from https://evil.example:", cors.check_request("https://evil.example").allowed)

# 14. JWTs with PyJWT's API: change only the import (`from bulwark import jwt`).
import datetime  # noqa: E402

from bulwark import jwt  # noqa: E402

secret = bulwark.token_bytes(32)  # HS256 needs >= 32 bytes (RFC 7518); shorter secrets are refused
claims = {"sub": "user-42", "exp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=15)}
access = jwt.encode(claims, secret, algorithm="HS256")
print("JWT:", access[:40] + "...", "->", jwt.decode(access, secret, algorithms=["HS256"])["sub"])
try:
    jwt.decode(jwt.encode({"sub": "x", "exp": 1}, secret), secret, algorithms=["HS256"])
except jwt.ExpiredSignatureError as e:
    print("expired token refused:", e)
private_pem, public_pem = jwt.generate_key_pair("EdDSA")
signed = jwt.encode({"sub": "svc"}, private_pem, algorithm="EdDSA", headers={"kid": "2026-11"})
print("EdDSA token verified with the public key:", jwt.decode(signed, public_pem, algorithms=["EdDSA"]))
try:
    jwt.decode(signed, public_pem, algorithms=["HS256"])  # the classic alg-confusion attempt
except jwt.InvalidTokenError as e:
    print("wrong algorithm refused:", type(e).__name__)

# 15. Rate limiting: in process now, shared by the fleet through Redis later, same code.
import os  # noqa: E402

from bulwark import ratelimit  # noqa: E402

limiter = ratelimit.RateLimiter("memory://", strategy="sliding-window")
results = [limiter.hit("login:203.0.113.9", "3/minute", "100/day").allowed for _ in range(4)]
print("login attempts allowed:", results)
denied = limiter.hit("login:203.0.113.9", "3/minute")
print("429 headers:", {k: v for k, v in denied.headers().items() if k in ("Retry-After", "RateLimit")})
if os.environ.get("BULWARK_REDIS_URL"):
    shared = ratelimit.RateLimiter(os.environ["BULWARK_REDIS_URL"], strategy="gcra")
    print("shared through Redis:", shared.hit("api:key-1", "10/second").allowed)

# 16. Two-factor (TOTP): enrol with a URI and a QR code, then verify with replay protection.
#     pyotp code runs unchanged after `from bulwark import otp as pyotp`.
import tempfile  # noqa: E402

from bulwark import otp  # noqa: E402

totp = otp.TOTP(otp.random_base32(), name="alice@example.com", issuer="Example")
uri = totp.provisioning_uri()
print("enrolment URI:", uri.split("secret=")[0] + "secret=…")
qr_path = os.path.join(tempfile.gettempdir(), "bulwark-enrol.svg")
with open(qr_path, "w", encoding="utf-8") as f:
    f.write(totp.qr_svg())  # or totp.qr_png() for an <img> tag / a file
print("QR code written to", qr_path)
code = totp.now()  # what the authenticator app shows
print("code accepted:", totp.verify(code, valid_window=1))
last_step = totp.verify_once(code, last_used_step=None)  # store this step with the user
print("same code again (replay) accepted:", totp.verify_once(code, last_used_step=last_step) is not None)
guard = otp.ReplayGuard(os.environ.get("BULWARK_REDIS_URL", "memory://"))  # the fleet shares it
code2 = totp.now()
guard.verify(totp, "alice", code2)
try:
    guard.verify(totp, "alice", code2)
except otp.ReplayedCodeError:
    print("the replay guard refused the code the second time")

# 17. Web frameworks: Flask decorators and ASGI middlewares on the same core (Flask is an extra:
#     `pip install bulwark[flask]`). `make demo` then runs examples/api_service, a whole service.
import asyncio  # noqa: E402
import time  # noqa: E402

from flask import Flask, g  # noqa: E402

from bulwark.asgi import RateLimitMiddleware, SecurityHeadersMiddleware  # noqa: E402
from bulwark.flask import JWTAuth, Limiter, SecurityHeaders  # noqa: E402
from bulwark.flask.util import get_remote_address  # noqa: E402  (was: flask_limiter.util)

app = Flask("quickstart")
auth = JWTAuth(app, key=secret, algorithms=["HS256"])
web_limiter = Limiter(get_remote_address, app=app, default_limits=["2 per minute"])
SecurityHeaders(app)


@app.get("/orders")
@auth.require_auth(role="customer")
def orders():
    return {"orders": [], "for": g.jwt_claims["sub"]}


client = app.test_client()
customer = jwt.encode({"sub": "ann", "roles": ["customer"], "exp": int(time.time()) + 60}, secret, algorithm="HS256")
print("Flask without a token:", client.get("/orders").status_code,
      client.get("/orders").headers["WWW-Authenticate"])
limited = client.get("/orders", headers={"Authorization": f"Bearer {customer}"})
print("Flask, third request in a minute:", limited.status_code, limited.json, "Retry-After", limited.headers["Retry-After"])


async def hello(scope, receive, send):  # any ASGI app: Starlette, FastAPI, or this
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hi"})


asgi_app = SecurityHeadersMiddleware(RateLimitMiddleware(hello, limits=["1 per minute"]))


async def asgi_request():
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "client": ("198.51.100.7", 5000)}
    await asgi_app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]).get(b"x-frame-options")


print("ASGI twice:", asyncio.run(asgi_request()), asyncio.run(asgi_request()))


# 18. API versions: a deprecated version is served with RFC 9745 / RFC 8594 headers, an unknown
#     one is 400 with the supported list, past the sunset 410 (bulwark.flask.APIVersioning per app).
from bulwark.versioning import Deprecation, VersionPolicy  # noqa: E402

versions = VersionPolicy(supported=["2.0"], default="2.0",
                         deprecated={"1.0": Deprecation(since=1_767_225_600, sunset=1_798_761_600)})
print("API-Version 1:", versions.decide({"API-Version": "1"}, now=1_780_000_000).headers)
print("API-Version 3:", versions.decide({"API-Version": "3"}).status)

# 19. OAuth 2.0: PKCE for the code flow, RFC 9068 access tokens and scopes on the resource server.
#     examples/oauth_demo.py runs both flows against a real authorization server.
from bulwark.oauth import AccessTokenVerifier, code_challenge, code_verifier  # noqa: E402

pkce = code_verifier()
print("PKCE:", len(pkce), "characters ->", code_challenge(pkce))
at = jwt.encode({"iss": "https://idp.example", "aud": "orders-api", "sub": "u1", "client_id": "web",
                 "iat": int(time.time()), "exp": int(time.time()) + 300, "jti": "j1", "scope": "orders:read"},
                secret, algorithm="HS256", headers={"typ": "at+jwt"})
resource = AccessTokenVerifier(key=secret, algorithms=["HS256"], issuer="https://idp.example", audience="orders-api")
print("access token scopes:", resource.verify(at).scopes)
