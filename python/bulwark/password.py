"""Scheme-agnostic password hashing, migration and policy.

``hash`` uses the preferred scheme (Argon2id, RFC 9106 low-memory parameters); ``verify`` reads
the scheme from the stored hash (argon2id/argon2i/argon2d, bcrypt $2a$/$2b$/$2y$);
``verify_and_update`` returns a new Argon2id hash when the stored one is stale, so old bcrypt
hashes migrate on the next successful login. A wrong password is ``False``; a malformed hash
raises :class:`bulwark.InvalidInputError` (a ValueError) that says what is wrong.

>>> from bulwark import password
>>> ok, new_hash = password.verify_and_update("s3cret", stored_hash)  # doctest: +SKIP
>>> if ok and new_hash:
...     save(new_hash)  # doctest: +SKIP
"""

from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from bulwark import _native
from bulwark.argon2 import Parameters, Type

__all__ = [
    "Policy",
    "Violation",
    "calibrate",
    "check_policy",
    "hash",
    "identify",
    "is_common",
    "needs_rehash",
    "verify",
    "verify_and_update",
    "CostLimits",
    "DEFAULT_COST_LIMITS",
]


def _secret(password: Union[str, bytes]) -> bytes:
    if isinstance(password, bytes):
        return password
    if isinstance(password, str):
        return password.encode("utf-8")
    raise TypeError(f"password must be str or bytes, not {type(password).__name__}")


def _hash_text(hash: Union[str, bytes]) -> str:
    if isinstance(hash, str):
        return hash
    if isinstance(hash, bytes):
        return hash.decode("utf-8", errors="replace")
    raise TypeError(f"hash must be str or bytes, not {type(hash).__name__}")


def hash(password: Union[str, bytes]) -> str:
    """Hash with Argon2id (t=3, m=64 MiB, p=4, 16-byte salt, 32-byte hash); str is UTF-8 encoded."""
    return _native.password_hash(_secret(password))


class CostLimits(NamedTuple):
    """The most a stored hash may ask a verification to spend; a hash above any limit raises
    ``InvalidInputError`` before any work (a stored hash carries its own cost, so one written by
    an attacker could otherwise make each login take minutes and gigabytes)."""

    argon2_memory_cost: int
    """Argon2 memory, KiB."""
    argon2_time_cost: int
    """Argon2 passes."""
    argon2_work: int
    """Argon2 passes times memory (KiB)."""
    argon2_parallelism: int
    """Argon2 lanes."""
    bcrypt_cost: int
    """bcrypt cost (log2 of the rounds)."""


DEFAULT_COST_LIMITS = CostLimits(*_native.password_default_cost_limits())
"""4x the default Argon2id memory (256 MiB), 8x its work, 16 lanes; bcrypt cost 14."""


def verify(password: Union[str, bytes], hash: Union[str, bytes], *, limits: Optional[CostLimits] = None) -> bool:
    """True if ``password`` matches ``hash`` (any supported scheme), False if not. A hash costlier
    than ``limits`` (default ``DEFAULT_COST_LIMITS``) raises ``InvalidInputError``."""
    return _native.password_verify(_secret(password), _hash_text(hash), limits)


def needs_rehash(hash: Union[str, bytes]) -> bool:
    """True when ``hash`` is another scheme or weaker than the preferred Argon2id parameters."""
    return _native.password_needs_rehash(_hash_text(hash))


def verify_and_update(
    password: Union[str, bytes], hash: Union[str, bytes], *, limits: Optional[CostLimits] = None
) -> Tuple[bool, Optional[str]]:
    """``(valid, new_hash)``: ``new_hash`` is a fresh Argon2id hash to store when the password is
    right and the stored hash is stale, else None. ``limits`` as for ``verify``."""
    return _native.password_verify_and_update(_secret(password), _hash_text(hash), limits)


def identify(hash: Union[str, bytes]) -> str:
    """The scheme of a stored hash: ``"argon2id"``, ``"argon2i"``, ``"argon2d"`` or ``"bcrypt"``."""
    return _native.password_identify(_hash_text(hash))


def calibrate(target: float = 0.5, max_memory_cost: int = 1024 * 1024) -> Parameters:
    """Argon2id parameters taking about ``target`` seconds per hash on this machine (memory
    first, up to ``max_memory_cost`` KiB, then passes; never below 19 MiB / t=2). Use them with
    ``bulwark.argon2.PasswordHasher.from_parameters``."""
    t, m, p, hash_len, salt_len = _native.password_calibrate(float(target), int(max_memory_cost))
    return Parameters(Type.ID, 19, salt_len, hash_len, t, m, p)


class Violation(NamedTuple):
    """One way a password fails a policy: a stable ``code`` and a human ``message``."""

    code: str
    message: str


_POLICY_DEFAULTS: Dict[str, Any] = _native.password_policy_defaults()  # core's, the one source


@dataclass(frozen=True)
class Policy:
    """Password policy: length bounds in characters, optional composition rules, and the
    common-password blocklist (30,000 entries). ``check`` returns every violation."""

    min_len: int = _POLICY_DEFAULTS["min_len"]
    max_len: int = _POLICY_DEFAULTS["max_len"]
    require_lowercase: bool = _POLICY_DEFAULTS["require_lowercase"]
    require_uppercase: bool = _POLICY_DEFAULTS["require_uppercase"]
    require_digit: bool = _POLICY_DEFAULTS["require_digit"]
    require_symbol: bool = _POLICY_DEFAULTS["require_symbol"]
    reject_common: bool = _POLICY_DEFAULTS["reject_common"]

    def with_classes(self) -> "Policy":
        """This policy plus the upper/lower/digit composition rule."""
        return Policy(
            self.min_len, self.max_len, True, True, True, self.require_symbol, self.reject_common
        )

    def check(self, password: str) -> List[Violation]:
        """Every violation of ``password`` (empty when it passes)."""
        if not isinstance(password, str):
            raise TypeError(f"password must be str, not {type(password).__name__}")
        pairs = _native.password_policy_check(
            password,
            self.min_len,
            self.max_len,
            self.require_lowercase,
            self.require_uppercase,
            self.require_digit,
            self.require_symbol,
            self.reject_common,
        )
        return [Violation(code, message) for code, message in pairs]


def check_policy(password: str, policy: Optional[Policy] = None) -> List[Violation]:
    """Every violation of ``password`` against ``policy`` (the default Policy when None)."""
    return (policy or Policy()).check(password)


def is_common(password: str) -> bool:
    """True if ``password`` is on the bundled common-password list (case-insensitive)."""
    return _native.password_is_common(password)
