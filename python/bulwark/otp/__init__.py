"""Two-factor codes with pyotp's names: ``from bulwark import otp as pyotp`` and code written for
pyotp runs unchanged. Codes are computed natively (HMAC from AWS-LC, key prepared once per
object), every code of a verification window is compared in constant time, and Bulwark adds what
pyotp leaves to the caller::

    totp = otp.TOTP(otp.random_base32(), name="alice@example.com", issuer="Example")
    uri = totp.provisioning_uri()            # for the authenticator app
    svg = totp.qr_svg()                      # or totp.qr_png(): show it on the enrolment page
    step = totp.verify_once(code, last_used_step=user.last_step)   # replay-protected
    if step is None: deny()
    user.last_step = step

``ReplayGuard("redis://...")`` keeps the last used step per account for a whole fleet instead.

Differences from pyotp (deliberate): secrets under 128 bits are refused unless
``allow_short_secret=True`` (pyotp refuses under 112); base32 may contain spaces and hyphens;
``interval`` may exceed 120 seconds. pyotp's modules are here too (``otp.totp``, ``otp.hotp``,
``otp.otp``, ``otp.utils``, ``otp.contrib.Steam``), so ``import pyotp.utils`` code keeps working.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import math
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar, Union

from .. import _native
from ..exceptions import BulwarkError, ReplayedCodeError, VerificationError

__all__ = [
    "random_base32",
    "random_hex",
    "TOTP",
    "HOTP",
    "OTP",
    "parse_uri",
    "ReplayGuard",
    "PyOTPError",
    "OTPVerificationError",
    "ReplayedCodeError",
    "contrib",
    "hotp",
    "otp",
    "totp",
    "utils",
]

__version__ = _native.__version__

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TIMESTAMP_LIMIT = 253402300800  # 10000-01-01 00:00:00 UTC, exclusive (as pyotp)
_DIGESTS = {"sha1": "SHA1", "sha256": "SHA256", "sha512": "SHA512"}
_MAX_COMPARISON_LENGTH = 1024

TimeArg = Union[int, float, datetime.datetime]


class PyOTPError(BulwarkError):
    """Base of the OTP errors (pyotp's name)."""


class OTPVerificationError(PyOTPError, VerificationError):
    """A code did not verify (pyotp's ``verify_and_get_timecode`` raises it)."""


def _choice_string(length: int, chars: Sequence[str]) -> str:
    """``length`` characters drawn uniformly from ``chars`` with the OS CSPRNG (via AWS-LC)."""
    n = len(chars)
    if n == 0:
        raise ValueError("chars must not be empty")
    limit = 256 - 256 % n  # reject bytes past the largest multiple of n: no modulo bias
    out: list[str] = []
    while len(out) < length:
        for b in _native.token_bytes(length - len(out) + 8):
            if b < limit:
                out.append(chars[b % n])
                if len(out) == length:
                    break
    return "".join(out)


def random_base32(length: int = 32, chars: Sequence[str] = _B32) -> str:
    """A random base32 secret of ``length`` characters (at least 32: 160 bits), as pyotp."""
    if length < 32:
        raise ValueError("Secrets should be at least 160 bits")
    if chars == _B32:
        return _native.random_base32(length)
    return _choice_string(length, chars)


def random_hex(length: int = 40, chars: Sequence[str] = "ABCDEF0123456789") -> str:
    """A random hex string of ``length`` characters (at least 40: 160 bits), as pyotp."""
    if length < 40:
        raise ValueError("Secrets should be at least 160 bits")
    return _choice_string(length, chars)


def _algorithm(digest: Any) -> str:
    """pyotp's ``digest`` (``hashlib.sha256``, a hash object, or a name) as SHA1/SHA256/SHA512."""
    if digest is None:
        return "SHA1"
    if isinstance(digest, str):
        name = digest
    else:
        made = digest() if callable(digest) else digest
        if getattr(made, "digest_size", 20) < 18:  # pyotp's floor, and its words
            raise ValueError("selected digest function must generate digest size greater than or equals to 18 bytes")
        name = getattr(digest, "name", None) or made.name
    key = name.lower().replace("-", "").replace("_", "")
    if key not in _DIGESTS:
        raise ValueError(f"unsupported digest {name!r}: use sha1, sha256 or sha512")
    return _DIGESTS[key]


def _normalize(otp: Any) -> str:
    s = str(otp)
    if len(s) > _MAX_COMPARISON_LENGTH:
        return ""
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


def _secret_text(s: str | bytes) -> str:
    """A base32 secret given as str or as ASCII bytes (as pyotp takes both)."""
    return s.decode("ascii") if isinstance(s, (bytes, bytearray)) else s


def _now() -> int:
    """Now in Unix seconds, as the native calls read it (a test's frozen ``datetime`` included)."""
    return _native.otp_now()


def _timestamp(for_time: TimeArg) -> int:
    """pyotp's reading of a time: Unix seconds (int/float) or a datetime (naive = local time)."""
    error = "for_time must be at or after the Unix epoch and before year 10000 UTC"
    ts: float
    if isinstance(for_time, datetime.datetime):
        try:
            if for_time.tzinfo:
                ts = calendar.timegm(for_time.utctimetuple())
            else:
                ts = for_time.replace(microsecond=0).timestamp()
        except (OverflowError, OSError, ValueError) as e:
            raise ValueError(error) from e
    else:
        ts = for_time
    if not 0 <= ts < _TIMESTAMP_LIMIT:
        raise ValueError(error)
    return int(ts)


_O = TypeVar("_O", bound="OTP")


def _new_otp(cls: type[_O], s: str | bytes, digits: int, digest: Any, interval: int, allow_short_secret: bool) -> _O:
    """The native key of an OTP object; core checks the secret, the digits and the interval."""
    return _native.NativeOtp.__new__(cls, _secret_text(s), digits, _algorithm(digest), interval, 0, allow_short_secret)


class OTP(_native.NativeOtp):
    """What TOTP and HOTP share: the secret (base32), digits, digest, name and issuer. The key is
    prepared natively once, when the object is made."""

    def __new__(cls, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                issuer: str | None = None, *args: Any, allow_short_secret: bool = False, **kwargs: Any) -> OTP:
        return _new_otp(cls, s, digits, digest, 30, allow_short_secret)

    def __init__(self, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                 issuer: str | None = None, *args: Any, **kwargs: Any) -> None:
        self.secret = _secret_text(s)
        self.digits = digits
        self.digest = digest if digest is not None else hashlib.sha1
        self.name = name or "Secret"
        self.issuer = issuer
        self._algorithm = _algorithm(digest)

    def generate_otp(self, input: int) -> str:
        """The code of counter ``input`` (pyotp's name)."""
        if input < 0:
            raise ValueError("input must be positive integer")
        return self._code(input)

    def byte_secret(self) -> bytes:
        """The decoded secret."""
        s = "".join(self.secret.split()).replace("-", "").upper().rstrip("=")
        return base64.b32decode(s + "=" * (-len(s) % 8))

    def _uri(self, kind: str, name: str | None, issuer_name: str | None, counter: int,
             period: int, image: str | None) -> str:
        return _native.otp_build_uri(kind, self.secret, name if name else self.name,
                                     issuer_name if issuer_name else self.issuer,
                                     self._algorithm, self.digits, period, counter, image)


class TOTP(OTP):
    """Time-based codes (RFC 6238), as ``pyotp.TOTP``."""

    def __new__(cls, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                issuer: str | None = None, interval: int = 30, *,
                allow_short_secret: bool = False) -> TOTP:
        if not interval > 0:
            raise ValueError("interval must be positive")
        return _new_otp(cls, s, digits, digest, interval, allow_short_secret)

    def __init__(self, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                 issuer: str | None = None, interval: int = 30, *,
                 allow_short_secret: bool = False) -> None:
        self.interval = interval
        super().__init__(s, digits, digest, name, issuer)

    def timecode(self, for_time: TimeArg) -> int:
        """The time step of ``for_time``, rounded toward zero as pyotp does (so a time less than one
        step before the epoch is step 0; earlier ones make ``at`` raise ``ValueError``)."""
        if isinstance(for_time, (int, float)) and not isinstance(for_time, bool) and for_time < 0:
            if math.isinf(for_time):
                raise ValueError("for_time must be a finite number")
            return int(for_time / self.interval)
        return _timestamp(for_time) // self.interval

    def at(self, for_time: TimeArg, counter_offset: int = 0) -> str:
        """The code at ``for_time`` (Unix seconds or datetime), ``counter_offset`` steps away."""
        return self.generate_otp(self.timecode(for_time) + counter_offset)

    def now(self) -> str:
        """The current code."""
        return self._code(_now() // self.interval)

    # verify(otp, for_time=None, valid_window=0) -> bool is native (NativeOtp.verify): one call
    # for the common case, an ASCII code checked now; the rest comes here.
    def _verify_slow(self, otp: Any, for_time: TimeArg | None, valid_window: int) -> bool:
        if valid_window < 0:
            return False
        t = _now() if for_time is None else _timestamp(for_time)
        return self._verify_at(_normalize(otp), t, valid_window) is not None

    def verify_and_get_timecode(self, otp: Any, for_time: TimeArg | None = None,
                                valid_window: int = 0) -> int:
        """The matched step; raises ``OTPVerificationError`` for a wrong code (as pyotp)."""
        if valid_window < 0:
            raise ValueError("valid_window cannot be negative")
        t = _now() if for_time is None else _timestamp(for_time)
        step = self._verify_at(_normalize(otp), t, valid_window)
        if step is None:
            raise OTPVerificationError("OTP verification failed")
        return step

    def verify_once(self, otp: Any, last_used_step: int | None, valid_window: int = 1,
                    for_time: TimeArg | None = None, *, raise_errors: bool = False) -> int | None:
        """Replay-protected verification: the step to store if ``otp`` is valid for a step after
        ``last_used_step`` (None when nothing was accepted yet), else None. A code already used,
        or older than the last one used, is refused even inside the window. With
        ``raise_errors=True`` a used code raises ``ReplayedCodeError`` and a wrong one
        ``OTPVerificationError`` instead of returning None."""
        if valid_window < 0:
            raise ValueError("valid_window cannot be negative")
        if last_used_step is not None and last_used_step < 0:
            last_used_step = None
        t = _now() if for_time is None else _timestamp(for_time)
        try:
            step = self._verify_once(_normalize(otp), t, valid_window, last_used_step)
        except ReplayedCodeError:
            if raise_errors:
                raise
            return None
        if step is None and raise_errors:
            raise OTPVerificationError("OTP verification failed")
        return step

    def provisioning_uri(self, name: str | None = None, issuer_name: str | None = None,
                         image: str | None = None, **kwargs: Any) -> str:
        """The ``otpauth://totp/`` URI for authenticator apps (byte for byte as pyotp)."""
        if kwargs:
            raise TypeError(f"unsupported URI parameters: {sorted(kwargs)}")
        return self._uri("totp", name, issuer_name, 0, self.interval, image)

    def qr_svg(self, name: str | None = None, issuer_name: str | None = None) -> str:
        """The provisioning URI as a QR code, an SVG document to put in a page."""
        return _native.otp_qr_svg(self.provisioning_uri(name, issuer_name))

    def qr_png(self, name: str | None = None, issuer_name: str | None = None, scale: int = 8) -> bytes:
        """The provisioning URI as a QR code, a PNG image (``scale`` pixels per module)."""
        return _native.otp_qr_png(self.provisioning_uri(name, issuer_name), scale)


class HOTP(OTP):
    """Counter-based codes (RFC 4226), as ``pyotp.HOTP``."""

    def __new__(cls, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                issuer: str | None = None, initial_count: int = 0, *,
                allow_short_secret: bool = False) -> HOTP:
        return _new_otp(cls, s, digits, digest, 30, allow_short_secret)

    def __init__(self, s: str | bytes, digits: int = 6, digest: Any = None, name: str | None = None,
                 issuer: str | None = None, initial_count: int = 0, *,
                 allow_short_secret: bool = False) -> None:
        self.initial_count = initial_count
        super().__init__(s, digits, digest, name, issuer)

    def at(self, count: int) -> str:
        """The code of counter ``initial_count + count``."""
        return self.generate_otp(self.initial_count + count)

    # pyotp's HOTP.verify takes a counter where TOTP.verify takes a time: the same names, so the
    # signatures differ from the shared native base on purpose.
    def verify(self, otp: Any, counter: int) -> bool:  # type: ignore[override]
        """Whether ``otp`` is the code of ``counter`` (constant time)."""
        c = self.initial_count + counter
        if c < 0:
            raise ValueError("input must be positive integer")
        return self._verify_counter(_normalize(otp), c, 0) is not None

    def verify_window(self, otp: Any, counter: int, look_ahead: int = 10) -> int | None:
        """The matched counter in ``counter .. counter + look_ahead`` (resynchronisation), or
        None. Store the result + 1 as the next counter so that no code works twice."""
        c = self.initial_count + counter
        if c < 0 or look_ahead < 0:
            raise ValueError("counter and look_ahead must not be negative")
        m = self._verify_counter(_normalize(otp), c, look_ahead)
        return None if m is None else m - self.initial_count

    def provisioning_uri(self, name: str | None = None, initial_count: int | None = None,
                         issuer_name: str | None = None, image: str | None = None,
                         **kwargs: Any) -> str:
        """The ``otpauth://hotp/`` URI (byte for byte as pyotp)."""
        if kwargs:
            raise TypeError(f"unsupported URI parameters: {sorted(kwargs)}")
        count = initial_count if initial_count is not None else self.initial_count
        return self._uri("hotp", name, issuer_name, count, 30, image)

    def qr_svg(self, name: str | None = None, issuer_name: str | None = None) -> str:
        """The provisioning URI as a QR code (SVG)."""
        return _native.otp_qr_svg(self.provisioning_uri(name, issuer_name=issuer_name))

    def qr_png(self, name: str | None = None, issuer_name: str | None = None, scale: int = 8) -> bytes:
        """The provisioning URI as a QR code (PNG)."""
        return _native.otp_qr_png(self.provisioning_uri(name, issuer_name=issuer_name), scale)


def parse_uri(uri: str, *, allow_short_secret: bool = False) -> OTP:
    """A TOTP or HOTP from an ``otpauth://`` URI (pyotp's rules; clear errors when malformed)."""
    f = _native.otp_parse_uri(uri)
    if f["encoder"] == "steam":  # five characters every 30 s, whatever digits and period say
        return contrib.Steam(f["secret"], name=f["name"], issuer=f["issuer"], allow_short_secret=allow_short_secret)
    common: dict[str, Any] = dict(digits=f["digits"], digest=f["algorithm"].lower(), name=f["name"],
                                  issuer=f["issuer"], allow_short_secret=allow_short_secret)
    if f["kind"] == "totp":
        return TOTP(f["secret"], interval=f["period"], **common)
    return HOTP(f["secret"], initial_count=f["counter"], **common)


class ReplayGuard:
    """The last accepted step per account, in memory or in Redis (shared by every server): the
    first request to use a code wins, atomically; the same code again, or an older one, raises
    ``ReplayedCodeError``. Redis unreachable raises ``BackendError`` (fail closed).

    ``storage`` is ``memory://`` or Redis in any topology: ``redis://``, ``rediss://`` (TLS),
    ``redis+cluster://host:port,...``, ``redis+sentinel://host:port,.../service``. ``redis``
    keywords: ``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``, ``breaker_failures``,
    ``breaker_cooldown`` (see ``RateLimiter``)."""

    def __init__(self, storage: str = "memory://", *, prefix: str | None = None,
                 timeout: float = 0.5, max_accounts: int = 1 << 20, **redis: Any) -> None:
        self._native = _native.NativeReplayGuard(storage, prefix, timeout, max_accounts, **redis)

    def verify(self, totp: TOTP, account: str, otp: Any, for_time: TimeArg | None = None,
               valid_window: int = 1) -> int:
        """The matched step; ``OTPVerificationError`` for a wrong code, ``ReplayedCodeError`` for
        a used one."""
        if valid_window < 0:
            raise ValueError("valid_window cannot be negative")
        t = _now() if for_time is None else _timestamp(for_time)
        step = self._native.verify(totp, account, _normalize(otp), t, valid_window)
        if step is None:
            raise OTPVerificationError("OTP verification failed")
        return step


# pyotp's submodules, after the names they re-export exist.
from . import contrib, hotp, otp, totp, utils  # noqa: E402
