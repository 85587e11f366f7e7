"""Redaction of secrets for logs, and a security logger that writes redacted JSON lines.

Field names match case-insensitively and ignoring ``-`` / ``_`` (password, token, api_key,
authorization, cookie, client_secret, private_key, otp, ... and any name containing password,
secret or token); secrets are also found by value (bearer credentials, JWTs, Bulwark API keys).
Removed values become ``"[REDACTED]"``, never a hint of their length.
"""

import datetime
import json
import logging
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

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


def redact_json(value: Any, redactor: Optional[Redactor] = None) -> Any:
    """Redact JSON: text (str/bytes) in, compact JSON text out; a dict or list in, a redacted
    copy out (values that are not JSON are turned into strings first)."""
    r = redactor or _default
    if isinstance(value, (str, bytes)):
        return r.json(_text(value, "JSON input"))
    return json.loads(r.json(json.dumps(value, default=str)))


def redact_query(query: Union[str, bytes], redactor: Optional[Redactor] = None) -> str:
    """Redact a query string (``a=1&token=x`` -> ``a=1&token=[REDACTED]``)."""
    return (redactor or _default).query(_text(query, "query string"))


def redact_text(text: Union[str, bytes], redactor: Optional[Redactor] = None) -> str:
    """Redact secrets found by value in free text."""
    return (redactor or _default).text(_text(text, "text"))


def redact_headers(
    headers: Union[Mapping[str, str], Iterable[Tuple[str, str]]], redactor: Optional[Redactor] = None
) -> Union[dict, List[Tuple[str, str]]]:
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
        record.msg = self.redactor.text(record.getMessage())
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

    def _emit(self, level: int, event: dict) -> str:
        event = {"timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(), **event}
        line = self.redactor.json(json.dumps(event, default=str))
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
