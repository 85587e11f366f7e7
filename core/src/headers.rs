//! Security response headers for APIs (current OWASP guidance) and CORS decisions.
//!
//! [`SecurityHeaders::default`] gives `Strict-Transport-Security: max-age=31536000;
//! includeSubDomains`, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//! `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`, `Referrer-Policy:
//! no-referrer`, `Cross-Origin-Resource-Policy: same-origin`, `Cache-Control: no-store` and
//! `X-XSS-Protection: 0`. The last one switches the legacy XSS auditor *off*: `1; mode=block` is
//! deprecated, ignored by current browsers, and in the old ones that honour it the auditor could
//! be abused to blank pages or leak data across origins (OWASP Secure Headers).
//!
//! [`CorsPolicy`] decides actual and preflight requests and returns the headers to send; a policy
//! combining `*` with credentials is refused at construction, the `null` origin only passes when
//! listed explicitly, and `Vary: Origin` is always set.
//!
//! ```
//! use bulwark::headers::{CorsConfig, CorsPolicy};
//! let cors = CorsPolicy::new(CorsConfig {
//!     origins: vec!["https://app.example.com".into(), "https://*.example.org".into()],
//!     credentials: true,
//!     ..CorsConfig::default()
//! })?;
//! assert!(cors.check_request(Some("https://a.example.org")).allowed);
//! assert!(!cors.check_request(Some("https://example.org.evil.com")).allowed);
//! # Ok::<(), bulwark::Error>(())
//! ```

use crate::error::{Error, Result};

/// Security headers to add to every API response; each field can be changed or switched off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityHeaders {
    /// HSTS max-age in seconds (`None` omits the header). Default one year.
    pub hsts_max_age: Option<u64>,
    /// HSTS `includeSubDomains`. Default on.
    pub hsts_include_subdomains: bool,
    /// HSTS `preload` (only once the domain is ready for the preload list). Default off.
    pub hsts_preload: bool,
    /// `X-Content-Type-Options: nosniff`. Default on.
    pub nosniff: bool,
    /// `X-Frame-Options` value (`None` omits). Default `DENY`.
    pub frame_options: Option<String>,
    /// `Content-Security-Policy` value (`None` omits). Default `default-src 'none'; frame-ancestors 'none'`.
    pub content_security_policy: Option<String>,
    /// `Referrer-Policy` value (`None` omits). Default `no-referrer`.
    pub referrer_policy: Option<String>,
    /// `Cross-Origin-Resource-Policy` value (`None` omits). Default `same-origin`.
    pub cross_origin_resource_policy: Option<String>,
    /// `Cache-Control: no-store` (for authenticated responses). Default on.
    pub no_store: bool,
    /// `X-XSS-Protection: 0` (switch the legacy auditor off). Default on.
    pub xss_protection_off: bool,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self {
            hsts_max_age: Some(31_536_000),
            hsts_include_subdomains: true,
            hsts_preload: false,
            nosniff: true,
            frame_options: Some("DENY".into()),
            content_security_policy: Some("default-src 'none'; frame-ancestors 'none'".into()),
            referrer_policy: Some("no-referrer".into()),
            cross_origin_resource_policy: Some("same-origin".into()),
            no_store: true,
            xss_protection_off: true,
        }
    }
}

impl SecurityHeaders {
    /// The headers as `(name, value)` pairs, in a fixed order.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when a configured value contains a
    /// control character (CR/LF would allow header injection).
    pub fn headers(&self) -> Result<Vec<(&'static str, String)>> {
        let mut out = Vec::new();
        if let Some(age) = self.hsts_max_age {
            let mut v = format!("max-age={age}");
            if self.hsts_include_subdomains {
                v.push_str("; includeSubDomains");
            }
            if self.hsts_preload {
                v.push_str("; preload");
            }
            out.push(("Strict-Transport-Security", v));
        }
        if self.nosniff {
            out.push(("X-Content-Type-Options", "nosniff".into()));
        }
        let optional = [
            ("X-Frame-Options", &self.frame_options),
            ("Content-Security-Policy", &self.content_security_policy),
            ("Referrer-Policy", &self.referrer_policy),
            (
                "Cross-Origin-Resource-Policy",
                &self.cross_origin_resource_policy,
            ),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                if v.chars().any(char::is_control) {
                    return Err(Error::invalid_input(format!(
                        "{name}: header values cannot contain control characters"
                    )));
                }
                out.push((name, v.clone()));
            }
        }
        if self.no_store {
            out.push(("Cache-Control", "no-store".into()));
        }
        if self.xss_protection_off {
            out.push(("X-XSS-Protection", "0".into()));
        }
        Ok(out)
    }
}

/// What a [`CorsPolicy`] allows. `origins` entries are `*`, `null`, an exact origin
/// (`https://app.example.com`, `http://localhost:3000`) or a wildcard subdomain
/// (`https://*.example.com`, matching one or more labels before `example.com`, not the apex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// Allowed origins (empty: none).
    pub origins: Vec<String>,
    /// Allowed methods. Default GET, HEAD, POST.
    pub methods: Vec<String>,
    /// Allowed request headers (case-insensitive). Default Authorization, Content-Type.
    pub headers: Vec<String>,
    /// Response headers exposed to scripts. Default none.
    pub expose_headers: Vec<String>,
    /// Allow credentials (cookies, Authorization). Default off; never with `*`.
    pub credentials: bool,
    /// Preflight cache lifetime in seconds. Default 600.
    pub max_age: Option<u64>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            origins: Vec::new(),
            methods: vec!["GET".into(), "HEAD".into(), "POST".into()],
            headers: vec!["Authorization".into(), "Content-Type".into()],
            expose_headers: Vec::new(),
            credentials: false,
            max_age: Some(600),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    Any,
    Null,
    Exact(String),
    Subdomain {
        scheme: String,
        suffix: String,
        port: Option<u16>,
    },
}

/// A CORS decision: whether the request is allowed, and the headers to add to the response
/// (always including `Vary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsDecision {
    /// Whether the origin (and, for a preflight, the method and headers) is allowed.
    pub allowed: bool,
    /// Response headers to send, whether or not the request is allowed.
    pub headers: Vec<(String, String)>,
}

/// A validated CORS policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsPolicy {
    rules: Vec<OriginRule>,
    config: CorsConfig,
}

/// Splits `scheme://host[:port]` strictly (lower-case host of letters, digits, `-`, `.`).
fn parse_origin(origin: &str) -> Option<(String, String, Option<u16>)> {
    let (scheme, rest) = origin.split_once("://")?;
    if !(scheme == "http" || scheme == "https") || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        // Decimal digits only, no leading zero (`+443`, `0443` are not serialised origins).
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !p.starts_with('0') => {
            (h, Some(p.parse::<u16>().ok()?))
        }
        Some(_) => return None,
        None => (rest, None),
    };
    let host = host.to_ascii_lowercase();
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'*')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains("..");
    ok.then_some((scheme.to_owned(), host, port))
}

fn header_token_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b))
}

impl CorsPolicy {
    /// Validates `config` into a policy.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput): `*` together with credentials, an origin
    /// that is not `scheme://host[:port]` (or a `*.` wildcard in the first label only), a method
    /// or header name that is not an HTTP token.
    pub fn new(config: CorsConfig) -> Result<Self> {
        let mut rules = Vec::new();
        for o in &config.origins {
            let rule = match o.as_str() {
                "*" => {
                    if config.credentials {
                        return Err(Error::invalid_input(
                            "CORS: allowing any origin (*) together with credentials is refused; list the origins",
                        ));
                    }
                    OriginRule::Any
                }
                "null" => OriginRule::Null,
                _ => {
                    let (scheme, host, port) = parse_origin(o).ok_or_else(|| {
                        Error::invalid_input(format!(
                            "CORS: bad origin {o:?} (expected scheme://host[:port])"
                        ))
                    })?;
                    match host.strip_prefix("*.") {
                        Some(suffix) if !suffix.contains('*') && suffix.contains('.') => {
                            OriginRule::Subdomain {
                                scheme,
                                suffix: format!(".{suffix}"),
                                port,
                            }
                        }
                        Some(_) => {
                            return Err(Error::invalid_input(format!(
                                "CORS: wildcard origin {o:?} needs a registrable domain after *."
                            )))
                        }
                        None if host.contains('*') => {
                            return Err(Error::invalid_input(format!(
                                "CORS: {o:?}: '*' is only allowed as the whole first label"
                            )))
                        }
                        None => OriginRule::Exact(match port {
                            Some(p) => format!("{scheme}://{host}:{p}"),
                            None => format!("{scheme}://{host}"),
                        }),
                    }
                }
            };
            rules.push(rule);
        }
        for m in &config.methods {
            if !header_token_ok(m) {
                return Err(Error::invalid_input(format!("CORS: bad method {m:?}")));
            }
        }
        for h in config.headers.iter().chain(&config.expose_headers) {
            if !header_token_ok(h) {
                return Err(Error::invalid_input(format!("CORS: bad header name {h:?}")));
            }
        }
        Ok(Self { rules, config })
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        if origin == "null" {
            return self.rules.contains(&OriginRule::Null);
        }
        // Browsers send origins lower-cased; another spelling is not a browser's and is refused,
        // so what is echoed in Access-Control-Allow-Origin is always the canonical origin.
        if origin.bytes().any(|b| b.is_ascii_uppercase()) {
            return false;
        }
        let Some((scheme, host, port)) = parse_origin(origin) else {
            return false;
        };
        if host.contains('*') {
            return false;
        }
        let canonical = match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        };
        self.rules.iter().any(|r| match r {
            OriginRule::Any => true,
            OriginRule::Null => false,
            OriginRule::Exact(e) => *e == canonical,
            OriginRule::Subdomain {
                scheme: s,
                suffix,
                port: p,
            } => {
                *s == scheme
                    && *p == port
                    && host.len() > suffix.len()
                    && host.ends_with(suffix.as_str())
            }
        })
    }

    fn allow_origin_headers(&self, origin: &str, out: &mut Vec<(String, String)>) {
        let any = self.rules.contains(&OriginRule::Any) && !self.config.credentials;
        let value = if any
            && !self
                .rules
                .iter()
                .any(|r| matches!(r, OriginRule::Exact(_) | OriginRule::Subdomain { .. }))
        {
            "*".to_owned()
        } else {
            origin.to_owned()
        };
        out.push(("Access-Control-Allow-Origin".into(), value));
        if self.config.credentials {
            out.push(("Access-Control-Allow-Credentials".into(), "true".into()));
        }
    }

    /// Decides an actual (non-preflight) request from `origin` (`None`: no `Origin` header, so
    /// not a cross-origin request: allowed, with only `Vary`).
    #[must_use]
    pub fn check_request(&self, origin: Option<&str>) -> CorsDecision {
        let mut headers = vec![("Vary".to_owned(), "Origin".to_owned())];
        let Some(origin) = origin else {
            return CorsDecision {
                allowed: true,
                headers,
            };
        };
        let allowed = self.origin_allowed(origin);
        if allowed {
            self.allow_origin_headers(origin, &mut headers);
            if !self.config.expose_headers.is_empty() {
                headers.push((
                    "Access-Control-Expose-Headers".into(),
                    self.config.expose_headers.join(", "),
                ));
            }
        }
        CorsDecision { allowed, headers }
    }

    /// Decides a preflight (`OPTIONS` with `Access-Control-Request-Method`): the origin, the
    /// method and every requested header (comma-separated) must be allowed.
    #[must_use]
    pub fn check_preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: &str,
    ) -> CorsDecision {
        let mut headers = vec![(
            "Vary".to_owned(),
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".to_owned(),
        )];
        let method_ok = self
            .config
            .methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
        let headers_ok = request_headers
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .all(|h| {
                self.config
                    .headers
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(h))
            });
        let allowed = self.origin_allowed(origin) && method_ok && headers_ok;
        if allowed {
            self.allow_origin_headers(origin, &mut headers);
            headers.push((
                "Access-Control-Allow-Methods".into(),
                self.config.methods.join(", "),
            ));
            if !self.config.headers.is_empty() {
                headers.push((
                    "Access-Control-Allow-Headers".into(),
                    self.config.headers.join(", "),
                ));
            }
            if let Some(age) = self.config.max_age {
                headers.push(("Access-Control-Max-Age".into(), age.to_string()));
            }
        }
        CorsDecision { allowed, headers }
    }
}

/// Longest `Authorization` header [`bearer_token`] reads: more than any token the JWT decoder
/// accepts (8 KiB), so a longer one is refused before any decoding.
pub const MAX_AUTHORIZATION_LEN: usize = 16 * 1024;

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1; the scheme is
/// case-insensitive), or `None` when the header uses another scheme, has no token, has a space
/// inside the token, or is longer than [`MAX_AUTHORIZATION_LEN`]. Surrounding whitespace is
/// ignored. Every door reads bearer tokens through this one rule.
///
/// ```
/// use bulwark::headers::bearer_token;
/// assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
/// assert_eq!(bearer_token("bearer   abc "), Some("abc"));
/// assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
/// assert_eq!(bearer_token("Bearer a b"), None);
/// ```
#[must_use]
pub fn bearer_token(authorization: &str) -> Option<&str> {
    if authorization.len() > MAX_AUTHORIZATION_LEN {
        return None;
    }
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(d: &'a CorsDecision, name: &str) -> Option<&'a str> {
        d.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn default_security_headers() {
        let h = SecurityHeaders::default().headers().unwrap();
        let find = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(
            find("Strict-Transport-Security"),
            Some("max-age=31536000; includeSubDomains")
        );
        assert_eq!(find("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(find("X-Frame-Options"), Some("DENY"));
        assert_eq!(
            find("Content-Security-Policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
        assert_eq!(find("Referrer-Policy"), Some("no-referrer"));
        assert_eq!(find("Cross-Origin-Resource-Policy"), Some("same-origin"));
        assert_eq!(find("Cache-Control"), Some("no-store"));
        assert_eq!(find("X-XSS-Protection"), Some("0"));
        let custom = SecurityHeaders {
            hsts_preload: true,
            frame_options: None,
            no_store: false,
            ..Default::default()
        };
        let h = custom.headers().unwrap();
        assert!(h
            .iter()
            .any(|(k, v)| *k == "Strict-Transport-Security" && v.ends_with("; preload")));
        assert!(!h
            .iter()
            .any(|(k, _)| *k == "X-Frame-Options" || *k == "Cache-Control"));
        let evil = SecurityHeaders {
            referrer_policy: Some("no-referrer\r\nSet-Cookie: x=1".into()),
            ..Default::default()
        };
        assert!(evil.headers().is_err());
    }

    #[test]
    fn refused_configurations() {
        let bad = |origins: &[&str], credentials: bool| {
            CorsPolicy::new(CorsConfig {
                origins: origins.iter().map(|s| s.to_string()).collect(),
                credentials,
                ..Default::default()
            })
        };
        assert!(bad(&["*"], true)
            .unwrap_err()
            .message()
            .contains("credentials"));
        for o in [
            "example.com",
            "ftp://x.com",
            "https://",
            "https://a.*.com",
            "https://*.com",
            "https://x.com/path",
            "https://x.com:99999",
            "https://*",
        ] {
            assert!(bad(&[o], false).is_err(), "{o}");
        }
        assert!(CorsPolicy::new(CorsConfig {
            methods: vec!["GET POST".into()],
            ..Default::default()
        })
        .is_err());
        assert!(CorsPolicy::new(CorsConfig {
            headers: vec!["X-Ok\r\n".into()],
            ..Default::default()
        })
        .is_err());
        assert!(bad(&["*"], false).is_ok());
    }

    #[test]
    fn request_decision_table() {
        let p = CorsPolicy::new(CorsConfig {
            origins: vec![
                "https://app.example.com".into(),
                "https://*.example.org".into(),
                "http://localhost:3000".into(),
            ],
            credentials: true,
            expose_headers: vec!["X-Request-Id".into()],
            ..Default::default()
        })
        .unwrap();
        let table = [
            ("https://app.example.com", true),
            // Browsers serialise origins lower-cased and without padded ports; other
            // spellings are refused rather than echoed back (found by fuzzing).
            ("https://APP.example.com", false),
            ("http://localhost:+3000", false),
            ("http://localhost:03000", false),
            ("http://app.example.com", false),
            ("https://app.example.com:8443", false),
            ("https://evil.com", false),
            ("https://a.example.org", true),
            ("https://a.b.example.org", true),
            ("https://example.org", false),
            ("https://example.org.evil.com", false),
            ("https://evilexample.org", false),
            ("http://localhost:3000", true),
            ("http://localhost", false),
            ("null", false),
            ("", false),
            ("https://*.example.org", false),
        ];
        for (origin, want) in table {
            let d = p.check_request(Some(origin));
            assert_eq!(d.allowed, want, "{origin}");
            assert_eq!(get(&d, "Vary"), Some("Origin"));
            if want {
                assert_eq!(get(&d, "Access-Control-Allow-Origin"), Some(origin));
                assert_eq!(get(&d, "Access-Control-Allow-Credentials"), Some("true"));
                assert_eq!(
                    get(&d, "Access-Control-Expose-Headers"),
                    Some("X-Request-Id")
                );
            } else {
                assert_eq!(get(&d, "Access-Control-Allow-Origin"), None);
            }
        }
        assert!(p.check_request(None).allowed);
    }

    #[test]
    fn any_origin_and_null_and_preflight() {
        let any = CorsPolicy::new(CorsConfig {
            origins: vec!["*".into()],
            ..Default::default()
        })
        .unwrap();
        let d = any.check_request(Some("https://whoever.net"));
        assert!(d.allowed && get(&d, "Access-Control-Allow-Origin") == Some("*"));
        assert!(
            !any.check_request(Some("null")).allowed,
            "* does not admit null"
        );
        let with_null = CorsPolicy::new(CorsConfig {
            origins: vec!["null".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(with_null.check_request(Some("null")).allowed);
        let p = CorsPolicy::new(CorsConfig {
            origins: vec!["https://app.example.com".into()],
            ..Default::default()
        })
        .unwrap();
        let ok = p.check_preflight(
            "https://app.example.com",
            "POST",
            "content-type, Authorization",
        );
        assert!(ok.allowed);
        assert_eq!(
            get(&ok, "Access-Control-Allow-Methods"),
            Some("GET, HEAD, POST")
        );
        assert_eq!(get(&ok, "Access-Control-Max-Age"), Some("600"));
        assert!(get(&ok, "Vary").unwrap().starts_with("Origin"));
        assert!(
            !p.check_preflight("https://app.example.com", "DELETE", "")
                .allowed
        );
        assert!(
            !p.check_preflight("https://app.example.com", "POST", "X-Custom")
                .allowed
        );
        let no = p.check_preflight("https://evil.com", "GET", "");
        assert!(
            !no.allowed
                && get(&no, "Access-Control-Allow-Origin").is_none()
                && get(&no, "Vary").is_some()
        );
    }

    #[test]
    fn bearer_tokens_by_the_one_rule() {
        assert_eq!(bearer_token("Bearer t"), Some("t"));
        assert_eq!(bearer_token("  BEARER   t  "), Some("t"));
        for refused in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer  ",
            "Token t",
            "Bearer a b",
            "Bearer\tt",
            "Bearerx t",
        ] {
            assert_eq!(bearer_token(refused), None, "{refused:?}");
        }
        let long = format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_LEN));
        assert_eq!(bearer_token(&long), None);
        let fits = format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_LEN - 7));
        assert!(bearer_token(&fits).is_some());
    }
}
