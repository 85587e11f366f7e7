"""Argon2 with argon2-cffi's names: ``from bulwark import argon2`` and existing code runs.

``PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16)``
hashes with Argon2id (RFC 9106's low-memory profile, argon2-cffi's defaults) into PHC strings
that argon2-cffi reads, and verifies any argon2id / argon2i / argon2d hash argon2-cffi writes.
``verify`` returns True or raises :class:`VerifyMismatchError` / :class:`InvalidHashError`.
The GIL is released while hashing.
"""

import enum
import importlib
from dataclasses import dataclass
from typing import Any, Union

from bulwark import _native
from bulwark.exceptions import InvalidInputError as _InvalidInput

from .exceptions import (
    Argon2Error,
    HashingError,
    InvalidHash,
    InvalidHashError,
    UnsupportedParametersError,
    VerificationError,
    VerifyMismatchError,
)

__all__ = [
    "ARGON2_VERSION",
    "DEFAULT_HASH_LENGTH",
    "DEFAULT_MEMORY_COST",
    "DEFAULT_PARALLELISM",
    "DEFAULT_RANDOM_SALT_LENGTH",
    "DEFAULT_TIME_COST",
    "Argon2Error",
    "HashingError",
    "InvalidHash",
    "InvalidHashError",
    "Parameters",
    "PasswordHasher",
    "Type",
    "UnsupportedParametersError",
    "VerificationError",
    "VerifyMismatchError",
    "extract_parameters",
    "hash_password",
    "hash_password_raw",
    "low_level",
    "profiles",
    "verify_password",
]

__version__ = _native.__version__

ARGON2_VERSION = 19
DEFAULT_TIME_COST = 3
DEFAULT_MEMORY_COST = 65536
DEFAULT_PARALLELISM = 4
DEFAULT_HASH_LENGTH = 32
DEFAULT_RANDOM_SALT_LENGTH = 16


class Type(enum.Enum):
    """Argon2 variant (argon2-cffi's ``argon2.Type``)."""

    D = 0
    I = 1  # noqa: E741 (argon2-cffi's name)
    ID = 2


_TYPE_NAMES = {Type.D: "argon2d", Type.I: "argon2i", Type.ID: "argon2id"}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


@dataclass(frozen=True)
class Parameters:
    """Argon2 parameters as argon2-cffi's ``argon2.Parameters`` (``extract_parameters`` result)."""

    type: Type
    version: int
    salt_len: int
    hash_len: int
    time_cost: int
    memory_cost: int
    parallelism: int


def _check_types(**kw: tuple[Any, Any]) -> Union[str, None]:
    """None when every ``name=(value, type or types)`` holds, else one sentence naming each
    argument of the wrong type (a bool is not an int here)."""
    problems = []
    for name, (value, types) in kw.items():
        if isinstance(value, types) and not (isinstance(value, bool) and types is int):
            continue
        wanted = types if isinstance(types, tuple) else (types,)
        names = ", or ".join(t.__name__ for t in wanted)
        problems.append(f"'{name}' must be a {names} (got {type(value).__name__})")
    return ", ".join(problems) + "." if problems else None


def _text(value: Union[str, bytes], encoding: str, what: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidHashError(f"{what} is not ASCII") from None
    if isinstance(value, str):
        return value
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _secret(value: Union[str, bytes], encoding: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(encoding)
    raise TypeError(f"password must be str or bytes, not {type(value).__name__}")


def extract_parameters(hash: Union[str, bytes]) -> Parameters:
    """Parameters of an Argon2 PHC string (raises InvalidHashError when it is malformed)."""
    try:
        variant, version, t, m, p, hash_len, salt_len = _native.argon2_parse(_text(hash, "ascii", "hash"))
    except _InvalidInput as exc:
        raise InvalidHashError(str(exc)) from None
    if "$v=" not in _text(hash, "ascii", "hash"):
        # argon2-cffi's Parameters report 18 for a hash without ``v=`` (verified as Argon2 1.0).
        version = 18
    return Parameters(_NAME_TYPES[variant], version, salt_len, hash_len, t, m, p)


class PasswordHasher:
    """High-level Argon2 hashing with argon2-cffi's interface and defaults.

    Raises ``UnsupportedParametersError`` (a ValueError) at construction for parameters outside
    the supported ranges, naming the parameter.
    """

    def __init__(
        self,
        time_cost: int = DEFAULT_TIME_COST,
        memory_cost: int = DEFAULT_MEMORY_COST,
        parallelism: int = DEFAULT_PARALLELISM,
        hash_len: int = DEFAULT_HASH_LENGTH,
        salt_len: int = DEFAULT_RANDOM_SALT_LENGTH,
        encoding: str = "utf-8",
        type: Type = Type.ID,
    ) -> None:
        wrong = _check_types(
            time_cost=(time_cost, int), memory_cost=(memory_cost, int), parallelism=(parallelism, int),
            hash_len=(hash_len, int), salt_len=(salt_len, int), encoding=(encoding, str), type=(type, Type),
        )
        if wrong:
            raise TypeError(wrong)
        for name, value in (
            ("time_cost", time_cost),
            ("memory_cost", memory_cost),
            ("parallelism", parallelism),
            ("hash_len", hash_len),
            ("salt_len", salt_len),
        ):
            if value < 0 or value > 0xFFFFFFFF:
                raise UnsupportedParametersError(f"argon2: {name} out of range: {value}")
        try:
            _native.argon2_check_params(time_cost, memory_cost, parallelism, hash_len, salt_len)
        except _InvalidInput as exc:
            raise UnsupportedParametersError(str(exc)) from None
        self._parameters = Parameters(type, ARGON2_VERSION, salt_len, hash_len, time_cost, memory_cost, parallelism)
        self.encoding = encoding

    @classmethod
    def from_parameters(cls, params: Parameters) -> "PasswordHasher":
        """A hasher with exactly these parameters (as argon2-cffi)."""
        return cls(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=params.type,
        )

    time_cost = property(lambda self: self._parameters.time_cost, doc="Passes over memory.")
    memory_cost = property(lambda self: self._parameters.memory_cost, doc="Memory in KiB.")
    parallelism = property(lambda self: self._parameters.parallelism, doc="Lanes.")
    hash_len = property(lambda self: self._parameters.hash_len, doc="Hash length in bytes.")
    salt_len = property(lambda self: self._parameters.salt_len, doc="Salt length in bytes.")
    type = property(lambda self: self._parameters.type, doc="Argon2 variant used for new hashes.")

    def hash(self, password: Union[str, bytes], *, salt: Union[bytes, None] = None) -> str:
        """Hash ``password`` (str is encoded with ``self.encoding``) with a fresh salt."""
        p = self._parameters
        try:
            return _native.argon2_hash(
                _secret(password, self.encoding),
                p.time_cost,
                p.memory_cost,
                p.parallelism,
                p.hash_len,
                p.salt_len,
                salt,
                _TYPE_NAMES[p.type],
            )
        except _InvalidInput as exc:
            raise HashingError(str(exc)) from None

    def verify(self, hash: Union[str, bytes], password: Union[str, bytes]) -> bool:
        """Return True if ``password`` matches ``hash``; raise VerifyMismatchError if not.

        The variant is read from the hash itself. As in argon2-cffi, a hash without an Argon2
        prefix raises InvalidHashError and one that is otherwise malformed (or asks for
        parameters beyond the supported limits, or beyond 4x this hasher's memory cost and 8x
        its work, so a stored hash cannot make a login cost minutes) raises VerificationError.
        """
        text = _text(hash, self.encoding, "hash")
        if not text.startswith(("$argon2id$", "$argon2i$", "$argon2d$")):
            # As argon2-cffi: a hash whose variant cannot even be read is "invalid"...
            raise InvalidHashError("not an Argon2 hash: expected $argon2id$, $argon2i$ or $argon2d$")
        try:
            # Hashes costlier than 4x this hasher's memory / 8x its work are refused unverified.
            p = self._parameters
            params = (p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)
            ok = _native.argon2_verify(text, _secret(password, self.encoding), params)
        except _InvalidInput as exc:
            # ...one that names a variant but cannot be used fails verification.
            raise VerificationError(str(exc)) from None
        if not ok:
            raise VerifyMismatchError("The password does not match the supplied hash")
        return True

    def check_needs_rehash(self, hash: Union[str, bytes]) -> bool:
        """True when ``hash`` was made with other parameters than this hasher's."""
        return extract_parameters(hash) != self._parameters

    def __repr__(self) -> str:
        p = self._parameters
        return (
            f"PasswordHasher(time_cost={p.time_cost}, memory_cost={p.memory_cost}, "
            f"parallelism={p.parallelism}, hash_len={p.hash_len}, salt_len={p.salt_len}, type={p.type})"
        )


# argon2-cffi's submodules, once the names they re-export exist.
for _submodule in ("_password_hasher", "_utils", "profiles", "low_level"):
    importlib.import_module(f"{__name__}.{_submodule}")


def _deprecated(name: str) -> None:
    import warnings

    warnings.warn(f"argon2.{name} is deprecated: use argon2.PasswordHasher", DeprecationWarning, stacklevel=3)


def hash_password(
    password: bytes, salt: Union[bytes, None] = None, time_cost: int = DEFAULT_TIME_COST,
    memory_cost: int = DEFAULT_MEMORY_COST, parallelism: int = DEFAULT_PARALLELISM,
    hash_len: int = DEFAULT_HASH_LENGTH, type: Type = Type.I,
) -> bytes:
    """argon2-cffi's deprecated ``hash_password``: ``low_level.hash_secret`` with its defaults
    and a fresh salt (warns DeprecationWarning)."""
    from . import low_level

    _deprecated("hash_password")
    salt = _native.token_bytes(DEFAULT_RANDOM_SALT_LENGTH) if salt is None else salt
    return low_level.hash_secret(password, salt, time_cost, memory_cost, parallelism, hash_len, type)


def hash_password_raw(
    password: bytes, salt: Union[bytes, None] = None, time_cost: int = DEFAULT_TIME_COST,
    memory_cost: int = DEFAULT_MEMORY_COST, parallelism: int = DEFAULT_PARALLELISM,
    hash_len: int = DEFAULT_HASH_LENGTH, type: Type = Type.I,
) -> bytes:
    """argon2-cffi's deprecated ``hash_password_raw``: ``low_level.hash_secret_raw`` with its
    defaults and a fresh salt (warns DeprecationWarning)."""
    from . import low_level

    _deprecated("hash_password_raw")
    salt = _native.token_bytes(DEFAULT_RANDOM_SALT_LENGTH) if salt is None else salt
    return low_level.hash_secret_raw(password, salt, time_cost, memory_cost, parallelism, hash_len, type)


def verify_password(hash: bytes, password: bytes, type: Type = Type.I) -> bool:
    """argon2-cffi's deprecated ``verify_password``: ``low_level.verify_secret`` (warns
    DeprecationWarning)."""
    from . import low_level

    _deprecated("verify_password")
    return low_level.verify_secret(hash, password, type)
