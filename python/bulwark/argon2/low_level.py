"""argon2-cffi's ``argon2.low_level``: Argon2 of any variant and version, raw or encoded, on
Bulwark's core (the ``argon2`` crate). Prefer :class:`argon2.PasswordHasher` for passwords.

argon2-cffi's raw CFFI handles (``ffi``, ``core``) are not offered: there is no C context
struct to fill. ``lib`` carries libargon2's constants."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal, NoReturn

from bulwark import _native
from bulwark.exceptions import InvalidInputError as _InvalidInput

from . import ARGON2_VERSION, Type
from .exceptions import HashingError, VerificationError, VerifyMismatchError

__all__ = [
    "ARGON2_VERSION",
    "Type",
    "core",
    "ffi",
    "hash_secret",
    "hash_secret_raw",
    "lib",
    "verify_secret",
]

_NAMES = {Type.D: "argon2d", Type.I: "argon2i", Type.ID: "argon2id"}

lib = SimpleNamespace(
    ARGON2_OK=0,
    ARGON2_VERIFY_MISMATCH=-35,
    ARGON2_DECODING_FAIL=-32,
    ARGON2_DEFAULT_FLAGS=0,
    ARGON2_VERSION_10=0x10,
    ARGON2_VERSION_13=0x13,
    ARGON2_VERSION_NUMBER=0x13,
    ARGON2_MIN_LANES=1,
    ARGON2_MAX_LANES=0xFFFFFF,
    ARGON2_MIN_THREADS=1,
    ARGON2_MAX_THREADS=0xFFFFFF,
    ARGON2_MIN_OUTLEN=4,
    ARGON2_MAX_OUTLEN=0xFFFFFFFF,
    ARGON2_MIN_MEMORY=8,
    ARGON2_MIN_TIME=1,
    ARGON2_MAX_TIME=0xFFFFFFFF,
    ARGON2_MIN_PWD_LENGTH=0,
    ARGON2_MAX_PWD_LENGTH=0xFFFFFFFF,
    ARGON2_MIN_SALT_LENGTH=8,
    ARGON2_MAX_SALT_LENGTH=0xFFFFFFFF,
    Argon2_d=0,
    Argon2_i=1,
    Argon2_id=2,
)
"""libargon2's constants, as argon2-cffi's ``lib`` has them. Bulwark's own bounds are tighter
where a stored hash could otherwise make a verifier work without end (time cost at most 1024,
memory at most 2 GiB, 255 lanes, hash and salt at most 1024 bytes)."""


def _cffi_only(*_: Any, **__: Any) -> NoReturn:
    raise NotImplementedError(
        "argon2-cffi's CFFI interface (ffi, core) is not available in Bulwark: "
        "use hash_secret_raw / hash_secret / verify_secret"
    )


class _NoCFFI:
    """Stands where argon2-cffi's ``ffi`` is: any use raises NotImplementedError."""

    def __getattr__(self, name: str) -> Any:
        _cffi_only()


ffi = _NoCFFI()
core = _cffi_only


def _bytes(value: Any, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        # The wording argon2-cffi's CFFI layer raises, which callers match.
        raise TypeError(f"initializer for ctype 'uint8_t[]' must be a bytes or bytearray, not {type(value).__name__}")
    return bytes(value)


def _hash(
    secret: bytes, salt: bytes, time_cost: int, memory_cost: int, parallelism: int, hash_len: int, type: Type,
    version: int, encoded: bool,
) -> bytes:
    if not isinstance(type, Type):
        raise TypeError(f"type must be argon2.low_level.Type, not {type!r}")
    try:
        return _native.argon2_hash_secret(
            _bytes(secret, "secret"), _bytes(salt, "salt"), time_cost, memory_cost, parallelism, hash_len,
            _NAMES[type], version, encoded,
        )
    except (_InvalidInput, OverflowError) as exc:
        raise HashingError(str(exc)) from None


def hash_secret(
    secret: bytes, salt: bytes, time_cost: int, memory_cost: int, parallelism: int, hash_len: int, type: Type,
    version: int = ARGON2_VERSION,
) -> bytes:
    """The encoded hash (``$argon2i$v=19$m=..,t=..,p=..$salt$hash``) of ``secret``;
    HashingError for parameters Argon2 refuses."""
    return _hash(secret, salt, time_cost, memory_cost, parallelism, hash_len, type, version, True)


def hash_secret_raw(
    secret: bytes, salt: bytes, time_cost: int, memory_cost: int, parallelism: int, hash_len: int, type: Type,
    version: int = ARGON2_VERSION,
) -> bytes:
    """The raw ``hash_len``-byte tag of ``secret``; HashingError for parameters Argon2 refuses."""
    return _hash(secret, salt, time_cost, memory_cost, parallelism, hash_len, type, version, False)


def verify_secret(hash: bytes, secret: bytes, type: Type) -> Literal[True]:
    """True when ``secret`` matches the encoded ``hash`` of variant ``type`` (compared in constant
    time); VerifyMismatchError when it does not; VerificationError for a hash of another variant
    or a malformed one."""
    hash, secret = _bytes(hash, "hash"), _bytes(secret, "secret")
    if not isinstance(type, Type):
        raise TypeError(f"type must be argon2.low_level.Type, not {type!r}")
    text = hash.decode("ascii", "replace")
    if not text.startswith(f"${_NAMES[type]}$"):
        raise VerificationError(f"Decoding failed: not an {_NAMES[type]} hash")
    try:
        ok = _native.argon2_verify(text, secret)
    except _InvalidInput as exc:
        raise VerificationError(str(exc)) from None
    if not ok:
        raise VerifyMismatchError("The password does not match the supplied hash")
    return True
