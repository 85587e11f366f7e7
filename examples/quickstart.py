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
