"""Redaction of secrets for logs, and a security logger that writes redacted JSON lines.

Field names match case-insensitively and ignoring ``-`` / ``_`` (password, token, api_key,
authorization, cookie, client_secret, private_key, otp, ... and any name containing password,
secret or token); secrets are also found by value (bearer credentials, JWTs, Bulwark API keys).
Removed values become ``"[REDACTED]"``, never a hint of their length.
"""

import contextlib
import datetime
import json
import logging
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from bulwark._native import Redactor
from bulwark.exceptions import InvalidInputError

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "Redactor",
    "SecurityLogger",
    "redact_headers",
    "redact_json",
    "redact_query",
    "redact_text",
]

REDACTED = "[REDACTED]"
_default = Redactor()


def _text(value: Union[str, bytes], what: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if isinstance(value, str):
        return value
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


# Deeper than this, a value is logged as _TOO_DEEP instead of its content (fail closed: whatever
# was nested there, secrets included, is not written). Well inside core's JSON nesting limit.
_MAX_LOG_DEPTH = 32
_TOO_DEEP = "[TRUNCATED: nested too deep]"
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _clean_str(s: str) -> str:
    """``s`` with lone surrogates (not UTF-8, refused by JSON parsers) written as ``\\udXXX``."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _str_of(value: Any) -> str:
    try:
        return _clean_str(str(value))
    except Exception:  # a __str__ that raises must not stop the log line
        return f"<unprintable {type(value).__name__}>"


def _loggable(value: Any, depth: int = 0) -> Any:
    """Any Python value as strict JSON data, without raising: NaN and infinities as strings,
    lone surrogates escaped, keys as strings, other objects as ``str()``, nesting past
    ``_MAX_LOG_DEPTH`` replaced by a marker (so its content, secrets included, is dropped)."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return _NON_FINITE.get(value, value)
    if isinstance(value, str):
        return _clean_str(value)
    if depth >= _MAX_LOG_DEPTH and isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _TOO_DEEP
    if isinstance(value, Mapping):
        try:
            items = list(value.items())
        except Exception:
            return _str_of(value)
        return {(_clean_str(k) if isinstance(k, str) else _str_of(k)): _loggable(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_loggable(v, depth + 1) for v in value]
    return _str_of(value)


def redact_json(value: Any, redactor: Optional[Redactor] = None) -> Any:
    """Redact JSON: text (str/bytes) in, compact JSON text out; a dict or list in, a redacted
    copy out (never raises for such values: values that are not JSON are turned into strings,
    NaN and infinities into ``"NaN"``/``"Infinity"``, and nesting past 32 levels into a marker)."""
    r = redactor or _default
    if isinstance(value, (str, bytes)):
        return r.json(_text(value, "JSON input"))
    return json.loads(r.json(json.dumps(_loggable(value), allow_nan=False)))


def redact_query(query: Union[str, bytes], redactor: Optional[Redactor] = None) -> str:
    """Redact a query string (``a=1&token=x`` -> ``a=1&token=[REDACTED]``)."""
    return (redactor or _default).query(_text(query, "query string"))


def redact_text(text: Union[str, bytes], redactor: Optional[Redactor] = None) -> str:
    """Redact secrets found by value in free text."""
    return (redactor or _default).text(_text(text, "text"))


def redact_headers(
    headers: Union[Mapping[str, str], Iterable[Tuple[str, str]]], redactor: Optional[Redactor] = None
) -> Union[Dict[str, str], List[Tuple[str, str]]]:
    """Redact a header mapping (a dict comes back as a dict) or a list of ``(name, value)`` pairs."""
    r = redactor or _default
    if isinstance(headers, Mapping):
        return {k: r.header(k, _text(v, "header value")) for k, v in headers.items()}
    return [(k, r.header(k, _text(v, "header value"))) for k, v in headers]


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's message (after %-formatting) in place."""

    def __init__(self, name: str = "", redactor: Optional[Redactor] = None) -> None:
        super().__init__(name)
        self.redactor = redactor or _default

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad %-arguments: log the template alone, never the arguments
            message = _str_of(record.msg)
        record.msg = self.redactor.text(_clean_str(message))
        record.args = ()
        return True


class SecurityLogger:
    """Security events as redacted JSON lines on a standard logger (``bulwark.security`` by default):
    ``log_auth_attempt(success, user_id, ip)``, ``log_suspicious_activity(kind, details)`` and
    ``log_event(event, **fields)``."""

    def __init__(self, logger: Union[str, logging.Logger, None] = None, redactor: Optional[Redactor] = None) -> None:
        if isinstance(logger, logging.Logger):
            self.logger = logger
        else:
            self.logger = logging.getLogger(logger or "bulwark.security")
        self.redactor = redactor or _default

    def _emit(self, level: int, event: Dict[str, Any]) -> str:
        """Writes one redacted JSON line and returns it. Total: whatever the fields hold (NaN,
        lone surrogates, deep nesting, objects whose ``str()`` raises), a line is written and
        nothing is raised, so logging can never change the answer a request gets."""
        event = {"timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(), **event}
        try:
            line = self.redactor.json(json.dumps(_loggable(event), allow_nan=False))
        except Exception as exc:  # pragma: no cover - _loggable leaves nothing to fail on
            line = json.dumps({"timestamp": event["timestamp"], "event": _str_of(event.get("event")),
                               "log_error": type(exc).__name__})
        with contextlib.suppress(Exception):  # a broken handler must not turn a request into a 500
            self.logger.log(level, line)
        return line

    def log_auth_attempt(self, success: bool, user_id: Any, ip: Optional[str], **extra: Any) -> str:
        """Log a login outcome (INFO on success, WARNING on failure); returns the JSON line."""
        event = {"event": "auth_attempt", "success": bool(success), "user_id": user_id, "ip": ip, **extra}
        return self._emit(logging.INFO if success else logging.WARNING, event)

    def log_event(self, event: str, level: int = logging.INFO, **fields: Any) -> str:
        """Log any other security event (an account created, two-factor switched on, ...) with
        its fields, secrets redacted; returns the JSON line."""
        return self._emit(level, {"event": event, **fields})

    def log_suspicious_activity(self, kind: str, details: Optional[Mapping[str, Any]] = None, **extra: Any) -> str:
        """Log a suspicious event at WARNING with its details (secrets redacted); returns the line."""
        event = {"event": "suspicious_activity", "kind": kind, "details": dict(details or {}), **extra}
        return self._emit(logging.WARNING, event)
