"""API versioning and deprecation, decided in core: which version a request asks for (a header,
a ``/v2/`` URL prefix or an ``Accept`` parameter), whether it is still served, and the
``Deprecation`` (RFC 9745), ``Sunset`` (RFC 8594) and ``Link: <...>; rel="deprecation"`` headers.

    from datetime import datetime, timezone
    from bulwark.versioning import Deprecation, VersionPolicy

    policy = VersionPolicy(
        supported=["2.0"],
        deprecated={"1.0": Deprecation(since=datetime(2026, 1, 1, tzinfo=timezone.utc),
                                       sunset=datetime(2027, 1, 1, tzinfo=timezone.utc),
                                       link="https://api.example.com/changes/v1")},
    )
    decision = policy.decide({"API-Version": "1"}, "/orders")
    decision.status      # 200 until the sunset, 410 after; 400 for an unknown version
    decision.headers     # [("API-Version", "1.0"), ("Deprecation", "@1767225600"), ...]

``2``, ``2.0`` and ``v2.0.0`` are one version; other names (``2024-06-01``) compare exactly. A
malformed version, one not listed, a request naming two different versions, or none without a
``default`` is 400 with the supported list. Mistakes in the policy raise ``InvalidInputError``.
Web integration: ``bulwark.flask.APIVersioning`` / ``api_version`` and
``bulwark.asgi.VersioningMiddleware`` / ``APIVersion``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any, Optional, Protocol, Union

from bulwark._native import _VersionPolicy

__all__ = ["Deprecation", "VersionDecision", "VersionPolicy"]

When = Union[datetime, date, int]


class Headers(Protocol):
    """What ``decide`` reads headers from: a dict, Flask's ``request.headers``, any mapping."""

    def get(self, key: str, /) -> Optional[str]: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


def _unix(value: When, name: str) -> int:
    """Unix seconds of a datetime (naive is refused: a deprecation date must say its zone), a
    date (midnight UTC) or an int."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a datetime, a date or Unix seconds")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name} is a naive datetime: give it a timezone (e.g. timezone.utc)")
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp())
    if isinstance(value, int):
        return value
    raise TypeError(f"{name} must be a datetime, a date or Unix seconds")


@dataclasses.dataclass(frozen=True)
class Deprecation:
    """A version deprecated from ``since``, answered 410 Gone from ``sunset`` (optional), with a
    page about it (``link``, optional)."""

    since: When
    sunset: Optional[When] = None
    link: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class VersionDecision:
    """Core's decision for one request: ``status`` 200 (serve), 400 or 410; ``version`` served
    (as the policy names it); ``path`` without a URL-prefix version; ``headers`` to add to the
    answer either way; ``body`` the JSON of a refusal."""

    status: int
    version: Optional[str]
    path: Optional[str]
    headers: list[tuple[str, str]]
    body: Optional[bytes]

    @property
    def allowed(self) -> bool:
        """Whether the request is served."""
        return self.status == 200


class VersionPolicy:
    """The versions a service serves and where requests name them.

    ``supported``: versions served without deprecation. ``deprecated``: version -> ``Deprecation``.
    ``default``: the version of a request that names none (without it such a request is 400).
    ``header`` (default ``API-Version``; None to not read one), ``url_prefix`` (read ``/v2/...``)
    and ``media_type_param`` (read ``Accept: application/json; version=2``) say where the version
    is read from; sources that disagree are a 400."""

    def __init__(
        self,
        supported: Iterable[str] = (),
        deprecated: Optional[Mapping[str, Deprecation]] = None,
        *,
        default: Optional[str] = None,
        header: Optional[str] = "API-Version",
        url_prefix: bool = False,
        media_type_param: Optional[str] = None,
    ) -> None:
        if isinstance(supported, str):
            supported = [supported]
        versions: list[dict[str, Any]] = []
        for name in supported:
            if not isinstance(name, str):
                raise TypeError(f"versions are strings, got {type(name).__name__}")
            versions.append({"version": name})
        for name, dep in (deprecated or {}).items():
            if not isinstance(dep, Deprecation):
                raise TypeError(f"deprecated[{name!r}] must be a Deprecation")
            versions.append({
                "version": name,
                "deprecated": _unix(dep.since, "since"),
                "sunset": None if dep.sunset is None else _unix(dep.sunset, "sunset"),
                "link": dep.link,
            })
        sources = []
        if header is not None:
            sources.append(f"header:{header}")
        if url_prefix:
            sources.append("url")
        if media_type_param is not None:
            sources.append(f"media_type:{media_type_param}")
        if not sources:
            raise ValueError("read the version from at least one of header, url_prefix, media_type_param")
        spec = {"versions": versions, "default": default, "sources": sources}
        self._native = _VersionPolicy(json.dumps(spec))
        self.header = header

    @classmethod
    def _wrap(cls, native: _VersionPolicy, header: Optional[str]) -> VersionPolicy:
        policy = cls.__new__(cls)
        policy._native = native
        policy.header = header
        return policy

    @property
    def versions(self) -> list[str]:
        """The versions listed, in order."""
        return list(self._native.versions)

    def restricted(self, versions: Iterable[str]) -> VersionPolicy:
        """The policy of a route that serves only ``versions`` (each listed here): another listed
        version is a 400 there, naming what the route serves."""
        names = [versions] if isinstance(versions, str) else list(versions)
        return VersionPolicy._wrap(self._native.restricted(names), self.header)

    def decide(self, headers: Headers, path: str = "", now: Optional[float] = None) -> VersionDecision:
        """Decide a request from its headers (a case-insensitive mapping such as Flask's, or a
        plain dict) and path, at ``now`` (Unix seconds; default the clock)."""
        header = _get(headers, self.header) if self.header else None
        accept = _get(headers, "Accept")
        when = int(time.time() if now is None else now)
        status, version, new_path, extra, body = self._native.decide(header, path, accept, when)
        return VersionDecision(status, version, new_path, extra, None if body is None else body.encode())


def _get(headers: Headers, name: Optional[str]) -> Optional[str]:
    if name is None:
        return None
    value = headers.get(name)
    if value is None and not hasattr(headers, "getlist"):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value
