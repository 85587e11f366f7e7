"""Security headers for API responses and CORS decisions.

``security_headers()`` returns the OWASP-recommended set as a dict; pass ``None`` / ``False`` to
switch one off or a string to change it. ``X-XSS-Protection: 0`` switches the legacy XSS auditor
off on purpose: ``1; mode=block`` is deprecated, ignored by current browsers and abusable in the
old ones that honour it.

``CORSPolicy(origins=[...], allow_credentials=..., ...)`` refuses ``*`` with credentials at
construction, admits the ``null`` origin only when listed, and always sets ``Vary``.
"""

from typing import Any, Dict, List, NamedTuple, Optional

from bulwark._native import CORSPolicy as _NativeCORSPolicy
from bulwark._native import security_headers_defaults, security_headers_list

__all__ = ["CORSDecision", "CORSPolicy", "security_headers"]


_DEFAULTS: Dict[str, Any] = security_headers_defaults()  # core's, the one source


def security_headers(
    *,
    hsts_max_age: Optional[int] = _DEFAULTS["hsts_max_age"],
    hsts_include_subdomains: bool = _DEFAULTS["hsts_include_subdomains"],
    hsts_preload: bool = _DEFAULTS["hsts_preload"],
    nosniff: bool = _DEFAULTS["nosniff"],
    frame_options: Optional[str] = _DEFAULTS["frame_options"],
    content_security_policy: Optional[str] = _DEFAULTS["content_security_policy"],
    referrer_policy: Optional[str] = _DEFAULTS["referrer_policy"],
    cross_origin_resource_policy: Optional[str] = _DEFAULTS["cross_origin_resource_policy"],
    no_store: bool = _DEFAULTS["no_store"],
    xss_protection_off: bool = _DEFAULTS["xss_protection_off"],
) -> Dict[str, str]:
    """The security headers to add to every response, as ``{name: value}``."""
    return dict(
        security_headers_list(
            hsts_max_age,
            hsts_include_subdomains,
            hsts_preload,
            nosniff,
            frame_options,
            content_security_policy,
            referrer_policy,
            cross_origin_resource_policy,
            no_store,
            xss_protection_off,
        )
    )


class CORSDecision(NamedTuple):
    """Whether a request is allowed, and the headers to add to the response either way."""

    allowed: bool
    headers: Dict[str, str]


class CORSPolicy:
    """A validated CORS policy (raises ``InvalidInputError``, a ValueError, for refused settings)."""

    def __init__(
        self,
        origins: List[str],
        methods: Optional[List[str]] = None,
        headers: Optional[List[str]] = None,
        expose_headers: Optional[List[str]] = None,
        allow_credentials: bool = False,
        max_age: Optional[int] = 600,
    ) -> None:
        self._policy = _NativeCORSPolicy(list(origins), methods, headers, expose_headers, allow_credentials, max_age)

    def check_request(self, origin: Optional[str]) -> CORSDecision:
        """Decide an actual request (``origin`` None when there is no Origin header)."""
        allowed, headers = self._policy.check_request(origin)
        return CORSDecision(allowed, dict(headers))

    def check_preflight(self, origin: str, method: str, request_headers: str = "") -> CORSDecision:
        """Decide a preflight from its Origin, Access-Control-Request-Method and -Headers."""
        allowed, headers = self._policy.check_preflight(origin, method, request_headers)
        return CORSDecision(allowed, dict(headers))
