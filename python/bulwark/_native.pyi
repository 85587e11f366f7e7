"""Type stubs for the native half of the bulwark package (checked by mypy.stubtest)."""

from typing import List, Optional, Tuple, Union

_Digest = Union[str, bytes, bytearray, memoryview]

__all__ = [
    "__version__",
    "argon2_check_params",
    "argon2_hash",
    "argon2_parse",
    "argon2_verify",
    "bcrypt_checkpw",
    "bcrypt_gensalt",
    "bcrypt_hashpw",
    "password_calibrate",
    "password_hash",
    "password_identify",
    "password_is_common",
    "password_needs_rehash",
    "password_policy_check",
    "password_verify",
    "password_verify_and_update",
    "compare_digest",
    "random_base32",
    "token_bytes",
    "token_hex",
    "token_urlsafe",
]

__version__: str

def token_bytes(nbytes: Optional[int] = None) -> bytes:
    """Random bytes from the OS CSPRNG (as secrets.token_bytes); 32 when nbytes is None."""

def token_urlsafe(nbytes: Optional[int] = None) -> str:
    """URL-safe text token of nbytes random bytes, base64url without padding."""

def token_hex(nbytes: Optional[int] = None) -> str:
    """Text token of nbytes random bytes as lower-case hex."""

def random_base32(length: int = 32) -> str:
    """Random base32 secret of length characters (at least 32) for TOTP/HOTP."""

def compare_digest(a: _Digest, b: _Digest) -> bool:
    """Constant-time equality of two ASCII str or two bytes-like objects."""

def bcrypt_gensalt(rounds: int = 12, prefix: Optional[bytes] = None) -> bytes:
    """bcrypt.gensalt: a $2b$ (or $2a$) salt string for the given cost."""

def bcrypt_hashpw(password: bytes, salt: bytes) -> bytes:
    """bcrypt.hashpw: hash with the salt's prefix, cost and salt."""

def bcrypt_checkpw(password: bytes, hashed_password: bytes) -> bool:
    """bcrypt.checkpw: constant-time check of password against a bcrypt hash."""

def argon2_check_params(time_cost: int, memory_cost: int, parallelism: int, hash_len: int, salt_len: int) -> None:
    """Validate Argon2 parameters; raises InvalidInputError naming the bad one."""

def argon2_hash(
    password: bytes,
    time_cost: int,
    memory_cost: int,
    parallelism: int,
    hash_len: int,
    salt_len: int,
    salt: Optional[bytes] = None,
    variant: str = "argon2id",
) -> str:
    """Argon2 PHC string of password; a fresh salt unless one is given."""

def argon2_verify(hash: str, password: bytes) -> bool:
    """Whether password matches an Argon2 PHC string of any variant."""

def argon2_parse(hash: str) -> Tuple[str, int, int, int, int, int, int]:
    """(variant, version, time_cost, memory_cost, parallelism, hash_len, salt_len)."""

def password_hash(password: bytes) -> str:
    """Hash with the preferred scheme (Argon2id)."""

def password_verify(password: bytes, hash: str) -> bool:
    """Verify against a hash of any supported scheme."""

def password_needs_rehash(hash: str) -> bool:
    """Whether a hash falls short of the preferred scheme and parameters."""

def password_verify_and_update(password: bytes, hash: str) -> Tuple[bool, Optional[str]]:
    """(valid, new hash or None)."""

def password_identify(hash: str) -> str:
    """The scheme of a stored hash."""

def password_calibrate(target: float, max_memory_cost: int) -> Tuple[int, int, int, int, int]:
    """(t, m, p, hash_len, salt_len) taking about target seconds."""

def password_policy_check(
    password: str,
    min_len: int,
    max_len: int,
    require_lowercase: bool,
    require_uppercase: bool,
    require_digit: bool,
    require_symbol: bool,
    reject_common: bool,
) -> List[Tuple[str, str]]:
    """Every violation as (code, message)."""

def password_is_common(password: str) -> bool:
    """Whether password is on the bundled common-password list."""
