//! API versioning and deprecation: which version a request asks for (a header, a URL prefix or a
//! media-type parameter), whether the service still serves it, and what the answer must say.
//!
//! A [`VersionPolicy`] is a table of versions, each supported, deprecated (RFC 9745 `Deprecation`,
//! RFC 8594 `Sunset`, `Link: <…>; rel="deprecation"`) or past its sunset. [`VersionPolicy::decide`]
//! turns one request into a [`VersionDecision`]: serve it (with the headers to add), 400 with the
//! supported list for an unknown or malformed version, or 410 Gone past the sunset. The web doors
//! only read the request and write the decision.
//!
//! ```
//! use bulwark::versioning::{Deprecation, VersionPolicy, VersionRequest, VersionSource};
//! let policy = VersionPolicy::builder()
//!     .supported("2.0")
//!     .deprecated("1.0", Deprecation::new(1_767_225_600).sunset(1_798_761_600)
//!         .link("https://api.example.com/changes/v1"))
//!     .source(VersionSource::Header("API-Version".into()))
//!     .build()?;
//! let now = 1_780_000_000; // between deprecation and sunset
//! let ok = policy.decide(&VersionRequest { header: Some("2.0"), ..Default::default() }, now);
//! assert_eq!((ok.status(), ok.version()), (200, Some("2.0")));
//! let old = policy.decide(&VersionRequest { header: Some("1"), ..Default::default() }, now);
//! assert_eq!(old.status(), 200); // "1" is version "1.0"
//! assert!(old.headers().iter().any(|(n, v)| n == "Deprecation" && v == "@1767225600"));
//! let gone = policy.decide(&VersionRequest { header: Some("1.0"), ..Default::default() },
//!     1_800_000_000);
//! assert_eq!(gone.status(), 410);
//! let unknown = policy.decide(&VersionRequest { header: Some("3.0"), ..Default::default() }, now);
//! assert_eq!(unknown.status(), 400);
//! assert_eq!(unknown.supported(), ["2.0", "1.0"]);
//! # Ok::<(), bulwark::Error>(())
//! ```

use crate::{Error, Result};
use serde_json::{json, Value};

/// Longest version name accepted, in bytes: longer is malformed, never truncated.
pub const MAX_VERSION_LEN: usize = 32;
/// Most versions one policy may list.
pub const MAX_VERSIONS: usize = 256;

/// When a version was (or will be) deprecated, when it stops being served, and where the
/// migration notes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// Unix second the version is deprecated from (RFC 9745 `Deprecation: @<seconds>`).
    pub since: i64,
    /// Unix second from which the version is answered 410 Gone (RFC 8594 `Sunset`).
    pub sunset: Option<i64>,
    /// A page about the deprecation, sent as `Link: <url>; rel="deprecation"`.
    pub link: Option<String>,
}

impl Deprecation {
    /// Deprecated from `since` (Unix seconds), with no sunset and no link yet.
    #[must_use]
    pub fn new(since: i64) -> Self {
        Self {
            since,
            sunset: None,
            link: None,
        }
    }

    /// Adds the sunset: from this Unix second the version is answered 410 Gone.
    #[must_use]
    pub fn sunset(mut self, at: i64) -> Self {
        self.sunset = Some(at);
        self
    }

    /// Adds the page that explains the deprecation (`Link: <url>; rel="deprecation"`).
    #[must_use]
    pub fn link(mut self, url: impl Into<String>) -> Self {
        self.link = Some(url.into());
        self
    }
}

/// Where a request's version is read from, tried in the policy's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// A request header, `API-Version` by default (the door reads the header of this name).
    Header(String),
    /// The first path segment, `v` then the version: `/v2/orders` asks for version 2, and the
    /// route sees `/orders`.
    UrlPrefix,
    /// A parameter of the `Accept` media type, `application/json; version=2.0` (named here).
    MediaType(String),
}

/// What a door read off one request: the version header's value (the header named by the
/// policy's [`VersionSource::Header`]), the path and the `Accept` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct VersionRequest<'a> {
    /// The version header's value, if the request has it.
    pub header: Option<&'a str>,
    /// The request path (for [`VersionSource::UrlPrefix`]); empty when not known.
    pub path: &'a str,
    /// The `Accept` header (for [`VersionSource::MediaType`]).
    pub accept: Option<&'a str>,
}

/// A version name compared by meaning: dotted numbers equal whatever trailing zeros and a
/// leading `v` (`2` = `2.0` = `v2.0.0`); anything else (dates, `beta`) exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Numeric(Vec<u32>),
    Text(String),
}

fn parse_version(raw: &str) -> Result<Key> {
    let text = raw.trim();
    if text.is_empty() || text.len() > MAX_VERSION_LEN {
        return Err(Error::invalid_input(format!(
            "an API version is 1 to {MAX_VERSION_LEN} characters (got {})",
            text.len()
        )));
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(Error::invalid_input(
            "an API version is letters, digits, '.', '-' and '_' only",
        ));
    }
    let numeric = text
        .strip_prefix(['v', 'V'])
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(text);
    let parts: Option<Vec<u32>> = numeric
        .split('.')
        .map(|p| {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    Ok(match parts {
        Some(mut parts) => {
            while parts.len() > 1 && parts.last() == Some(&0) {
                parts.pop();
            }
            Key::Numeric(parts)
        }
        None => Key::Text(text.to_owned()),
    })
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    key: Key,
    deprecation: Option<Deprecation>,
}

/// Builds a [`VersionPolicy`]; every mistake is reported by [`VersionPolicyBuilder::build`].
#[derive(Debug, Clone, Default)]
pub struct VersionPolicyBuilder {
    entries: Vec<(String, Option<Deprecation>)>,
    default: Option<String>,
    sources: Vec<VersionSource>,
}

impl VersionPolicyBuilder {
    /// Adds a version served with no deprecation.
    #[must_use]
    pub fn supported(mut self, name: impl Into<String>) -> Self {
        self.entries.push((name.into(), None));
        self
    }

    /// Adds a deprecated version: served with `Deprecation`, `Sunset` and `Link` headers until
    /// its sunset, 410 Gone after.
    #[must_use]
    pub fn deprecated(mut self, name: impl Into<String>, deprecation: Deprecation) -> Self {
        self.entries.push((name.into(), Some(deprecation)));
        self
    }

    /// The version a request that names none is served (without one, such a request is 400).
    #[must_use]
    pub fn default_version(mut self, name: impl Into<String>) -> Self {
        self.default = Some(name.into());
        self
    }

    /// Adds a place the version is read from; with none, the `API-Version` header.
    #[must_use]
    pub fn source(mut self, source: VersionSource) -> Self {
        self.sources.push(source);
        self
    }

    /// The policy.
    ///
    /// # Errors
    /// `InvalidInput` for no versions, more than [`MAX_VERSIONS`], a malformed or repeated
    /// version (`2` and `2.0` are the same), a sunset not after the deprecation, a link that is
    /// not an absolute `https://` or `http://` URL or holds a space, `<`, `>` or control
    /// character, a default that is not listed, an empty or invalid header or parameter name,
    /// or the same source twice.
    pub fn build(self) -> Result<VersionPolicy> {
        if self.entries.is_empty() {
            return Err(Error::invalid_input(
                "a version policy lists at least one version",
            ));
        }
        if self.entries.len() > MAX_VERSIONS {
            return Err(Error::invalid_input(format!(
                "a version policy lists at most {MAX_VERSIONS} versions"
            )));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(self.entries.len());
        for (name, deprecation) in self.entries {
            let key = parse_version(&name)
                .map_err(|e| Error::invalid_input(format!("version {name:?}: {}", e.message())))?;
            if let Some(other) = entries.iter().find(|e| e.key == key) {
                return Err(Error::invalid_input(format!(
                    "version {name:?} is listed twice (as {:?})",
                    other.name
                )));
            }
            if let Some(d) = &deprecation {
                if d.sunset.is_some_and(|s| s <= d.since) {
                    return Err(Error::invalid_input(format!(
                        "version {name:?}: the sunset must come after the deprecation"
                    )));
                }
                if let Some(link) = &d.link {
                    check_link(link)?;
                }
            }
            entries.push(Entry {
                name: name.trim().to_owned(),
                key,
                deprecation,
            });
        }
        let default = match self.default {
            None => None,
            Some(name) => {
                let key = parse_version(&name)?;
                Some(entries.iter().position(|e| e.key == key).ok_or_else(|| {
                    Error::invalid_input(format!("the default version {name:?} is not listed"))
                })?)
            }
        };
        let mut sources = self.sources;
        if sources.is_empty() {
            sources.push(VersionSource::Header(DEFAULT_HEADER.to_owned()));
        }
        for (i, source) in sources.iter().enumerate() {
            match source {
                VersionSource::Header(name) | VersionSource::MediaType(name) => {
                    if name.is_empty()
                        || name.len() > 64
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    {
                        return Err(Error::invalid_input(format!(
                            "{name:?} is not a usable header or parameter name"
                        )));
                    }
                }
                VersionSource::UrlPrefix => {}
            }
            let same = |a: &VersionSource, b: &VersionSource| {
                std::mem::discriminant(a) == std::mem::discriminant(b)
            };
            if sources.iter().take(i).any(|s| same(s, source)) {
                return Err(Error::invalid_input(
                    "each version source (header, URL prefix, media type) is listed once",
                ));
            }
        }
        Ok(VersionPolicy {
            entries,
            default,
            sources,
        })
    }
}

/// The header read when the policy names no source.
pub const DEFAULT_HEADER: &str = "API-Version";

fn check_link(link: &str) -> Result<()> {
    let scheme_ok = link.starts_with("https://") || link.starts_with("http://");
    if !scheme_ok
        || link.len() > 2048
        || link
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>' | '"'))
    {
        return Err(Error::invalid_input(
            "a deprecation link is an absolute http(s) URL without spaces, quotes or angle brackets",
        ));
    }
    Ok(())
}

/// The versions a service serves and how to read them off a request. Immutable, shareable
/// between threads.
#[derive(Debug, Clone)]
pub struct VersionPolicy {
    entries: Vec<Entry>,
    default: Option<usize>,
    sources: Vec<VersionSource>,
}

/// What to do with one request: serve it (200, maybe with deprecation headers), 400 or 410.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDecision {
    status: u16,
    version: Option<String>,
    path: Option<String>,
    headers: Vec<(String, String)>,
    error: Option<String>,
    supported: Vec<String>,
}

impl VersionDecision {
    /// 200 to serve the request, 400 for a malformed, unknown or conflicting version, 410 Gone
    /// for one past its sunset.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the request is served.
    #[must_use]
    pub fn allowed(&self) -> bool {
        self.status == 200
    }

    /// The version served, as the policy names it (`"2.0"` for a request that said `2`).
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// With a URL-prefix version, the path without it (`/v2/orders` → `/orders`).
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Headers to add to the answer, served or not: the version served (under the policy's
    /// header name), and for a deprecated version `Deprecation`, `Sunset` and `Link`.
    #[must_use]
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Why the request is refused, in words (none when served).
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The versions the answer lists as served (on a refusal; those not past their sunset).
    #[must_use]
    pub fn supported(&self) -> &[String] {
        &self.supported
    }

    /// The refusal's code: `unsupported_api_version` (400) or `api_version_gone` (410).
    #[must_use]
    pub fn error_code(&self) -> Option<&'static str> {
        match self.status {
            200 => None,
            410 => Some("api_version_gone"),
            _ => Some("unsupported_api_version"),
        }
    }

    /// The JSON body of a refusal, `{"error": code, "message": why, "supported": [...]}`, in the
    /// shape of every Bulwark refusal; `None` when served.
    #[must_use]
    pub fn body_json(&self) -> Option<String> {
        let message = self.error.as_deref()?;
        let body: Value = json!({
            "error": self.error_code(),
            "message": message,
            "supported": self.supported,
        });
        Some(body.to_string())
    }
}

impl VersionPolicy {
    /// A builder.
    #[must_use]
    pub fn builder() -> VersionPolicyBuilder {
        VersionPolicyBuilder::default()
    }

    /// A policy from its JSON description, for the C and Python doors:
    /// `{"versions": [{"version": "2.0"}, {"version": "1.0", "deprecated": 1767225600,
    /// "sunset": 1798761600, "link": "https://…"}], "default": "1.0",
    /// "sources": ["header:API-Version", "url", "media_type:version"]}` (dates in Unix
    /// seconds; `sources` defaults to the `API-Version` header).
    ///
    /// ```
    /// use bulwark::versioning::{VersionPolicy, VersionRequest};
    /// let p = VersionPolicy::from_json(r#"{"versions": [{"version": "2.0"}],
    ///     "sources": ["url"]}"#)?;
    /// let d = p.decide(&VersionRequest { path: "/v2/orders", ..Default::default() }, 0);
    /// assert_eq!(d.path(), Some("/orders"));
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for JSON that is not such an object (unknown keys included, dates that
    /// are not integers), and as [`VersionPolicyBuilder::build`].
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = |what: &str| Error::invalid_input(format!("version policy JSON: {what}"));
        let value: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let obj = value.as_object().ok_or_else(|| bad("not an object"))?;
        if let Some(k) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "versions" | "default" | "sources"))
        {
            return Err(bad(&format!("unknown key {k:?}")));
        }
        let mut builder = Self::builder();
        let versions = obj
            .get("versions")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("\"versions\" is a list"))?;
        for v in versions {
            let v = v
                .as_object()
                .ok_or_else(|| bad("each version is an object"))?;
            if let Some(k) = v
                .keys()
                .find(|k| !matches!(k.as_str(), "version" | "deprecated" | "sunset" | "link"))
            {
                return Err(bad(&format!("unknown version key {k:?}")));
            }
            let name = v
                .get("version")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("each version has a string \"version\""))?;
            let date = |key: &str| -> Result<Option<i64>> {
                match v.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(d) => d
                        .as_i64()
                        .map(Some)
                        .ok_or_else(|| bad(&format!("{key:?} is a whole number of Unix seconds"))),
                }
            };
            let link = match v.get("link") {
                None | Some(Value::Null) => None,
                Some(l) => Some(l.as_str().ok_or_else(|| bad("\"link\" is a string"))?),
            };
            builder = match (date("deprecated")?, date("sunset")?) {
                (None, None) if link.is_none() => builder.supported(name),
                (Some(since), sunset) => {
                    let mut d = Deprecation::new(since);
                    d.sunset = sunset;
                    d.link = link.map(str::to_owned);
                    builder.deprecated(name, d)
                }
                (None, _) => {
                    return Err(bad(&format!(
                        "version {name:?} has a sunset or link but no \"deprecated\" date"
                    )))
                }
            };
        }
        match obj.get("default") {
            None | Some(Value::Null) => {}
            Some(d) => {
                builder = builder
                    .default_version(d.as_str().ok_or_else(|| bad("\"default\" is a string"))?);
            }
        }
        if let Some(sources) = obj.get("sources") {
            for s in sources
                .as_array()
                .ok_or_else(|| bad("\"sources\" is a list"))?
            {
                let s = s.as_str().ok_or_else(|| bad("each source is a string"))?;
                builder = builder.source(match s.split_once(':') {
                    None if s == "url" => VersionSource::UrlPrefix,
                    None if s == "header" => VersionSource::Header(DEFAULT_HEADER.to_owned()),
                    None if s == "media_type" => VersionSource::MediaType("version".to_owned()),
                    Some(("header", name)) => VersionSource::Header(name.to_owned()),
                    Some(("media_type", name)) => VersionSource::MediaType(name.to_owned()),
                    _ => {
                        return Err(bad(&format!(
                            "source {s:?}: use \"header[:Name]\", \"url\" or \"media_type[:param]\""
                        )))
                    }
                });
            }
        }
        builder.build()
    }

    /// The name of the header versions are read from, if the policy reads one.
    #[must_use]
    pub fn header_name(&self) -> Option<&str> {
        self.sources.iter().find_map(|s| match s {
            VersionSource::Header(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Where versions are read from, in order.
    #[must_use]
    pub fn sources(&self) -> &[VersionSource] {
        &self.sources
    }

    /// The versions listed, in the order given.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// The same policy for a route that serves only `versions` (each listed in this policy):
    /// another listed version is answered 400 there, naming what the route serves. The default
    /// stays only if the route serves it.
    ///
    /// # Errors
    /// `InvalidInput` for an empty list, a malformed version or one this policy does not list.
    pub fn restricted<S: AsRef<str>>(&self, versions: &[S]) -> Result<Self> {
        if versions.is_empty() {
            return Err(Error::invalid_input("a route serves at least one version"));
        }
        let mut entries = Vec::with_capacity(versions.len());
        for v in versions {
            let key = parse_version(v.as_ref())?;
            let entry = self.entries.iter().find(|e| e.key == key).ok_or_else(|| {
                Error::invalid_input(format!(
                    "version {:?} is not in the service's version policy",
                    v.as_ref()
                ))
            })?;
            if !entries.iter().any(|e: &Entry| e.key == key) {
                entries.push(entry.clone());
            }
        }
        let default = self
            .default
            .and_then(|i| self.entries.get(i))
            .and_then(|d| entries.iter().position(|e| e.key == d.key));
        Ok(Self {
            entries,
            default,
            sources: self.sources.clone(),
        })
    }

    /// The version `request` asks for, read from every source; sources that disagree are an
    /// error, a request that names none gives `None`.
    fn requested(&self, request: &VersionRequest<'_>) -> Result<Option<(Key, Option<String>)>> {
        let mut found: Option<(Key, Option<String>)> = None;
        for source in &self.sources {
            let (raw, path) = match source {
                VersionSource::Header(_) => (request.header.map(str::to_owned), None),
                VersionSource::UrlPrefix => match url_version(request.path) {
                    Some((v, rest)) => (Some(v.to_owned()), Some(rest)),
                    None => (None, None),
                },
                VersionSource::MediaType(param) => (media_version(request.accept, param)?, None),
            };
            let Some(raw) = raw else { continue };
            let key = parse_version(&raw)?;
            match &mut found {
                Some((k, _)) if *k != key => {
                    return Err(Error::invalid_input(
                        "the request names two different API versions",
                    ))
                }
                Some((_, p)) => {
                    if p.is_none() {
                        *p = path;
                    }
                }
                None => found = Some((key, path)),
            }
        }
        Ok(found)
    }

    /// Decides `request` at Unix second `now`.
    #[must_use]
    pub fn decide(&self, request: &VersionRequest<'_>, now: i64) -> VersionDecision {
        let live: Vec<String> = self
            .entries
            .iter()
            .filter(|e| !past_sunset(e, now))
            .map(|e| e.name.clone())
            .collect();
        let refuse = |status: u16, error: String, headers: Vec<(String, String)>| VersionDecision {
            status,
            version: None,
            path: None,
            headers,
            error: Some(error),
            supported: live.clone(),
        };
        let (entry, path) = match self.requested(request) {
            Err(e) => return refuse(400, e.message().to_owned(), Vec::new()),
            Ok(None) => match self.default.and_then(|i| self.entries.get(i)) {
                Some(entry) => (entry, None),
                None => {
                    return refuse(
                        400,
                        format!("the request names no API version{}", self.hint()),
                        Vec::new(),
                    )
                }
            },
            Ok(Some((key, path))) => match self.entries.iter().find(|e| e.key == key) {
                Some(entry) => (entry, path),
                None => {
                    return refuse(400, "unsupported API version".to_owned(), Vec::new());
                }
            },
        };
        let mut headers = Vec::new();
        if let Some(name) = self.header_name() {
            headers.push((name.to_owned(), entry.name.clone()));
        }
        if let Some(d) = &entry.deprecation {
            headers.push(("Deprecation".to_owned(), format!("@{}", d.since)));
            if let Some(sunset) = d.sunset {
                headers.push(("Sunset".to_owned(), http_date(sunset)));
            }
            if let Some(link) = &d.link {
                headers.push((
                    "Link".to_owned(),
                    format!("<{link}>; rel=\"deprecation\"; type=\"text/html\""),
                ));
            }
        }
        if past_sunset(entry, now) {
            return refuse(
                410,
                format!("API version {} is no longer served", entry.name),
                headers,
            );
        }
        VersionDecision {
            status: 200,
            version: Some(entry.name.clone()),
            path,
            headers,
            error: None,
            supported: Vec::new(),
        }
    }

    fn hint(&self) -> String {
        let names: Vec<String> = self
            .sources
            .iter()
            .map(|s| match s {
                VersionSource::Header(h) => format!("the {h} header"),
                VersionSource::UrlPrefix => "a /v<version>/ path prefix".to_owned(),
                VersionSource::MediaType(p) => format!("an Accept parameter {p}="),
            })
            .collect();
        format!(" (send it in {})", names.join(" or "))
    }
}

fn past_sunset(entry: &Entry, now: i64) -> bool {
    entry
        .deprecation
        .as_ref()
        .and_then(|d| d.sunset)
        .is_some_and(|s| now >= s)
}

/// `/v2/orders` → (`2`, `/orders`); a first segment that is not `v` + a digit is no version.
fn url_version(path: &str) -> Option<(&str, String)> {
    let rest = path.strip_prefix('/')?;
    let (segment, tail) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    let version = segment.strip_prefix(['v', 'V'])?;
    if !version.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let tail = if tail.is_empty() { "/" } else { tail };
    Some((version, tail.to_owned()))
}

/// The `param` of the media types in `accept`; the same value in several is one version,
/// different values an error.
fn media_version(accept: Option<&str>, param: &str) -> Result<Option<String>> {
    let Some(accept) = accept else {
        return Ok(None);
    };
    let mut found: Option<String> = None;
    for range in accept.split(',') {
        for p in range.split(';').skip(1) {
            let Some((name, value)) = p.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case(param) {
                continue;
            }
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            match &found {
                Some(f) if parse_version(f)? != parse_version(value)? => {
                    return Err(Error::invalid_input(
                        "the Accept header names two different API versions",
                    ))
                }
                Some(_) => {}
                None => found = Some(value.to_owned()),
            }
        }
    }
    Ok(found)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110) for a Unix second.
#[must_use]
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = DAYS
        .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Thu");
    let month_name = MONTHS
        .get(usize::try_from(month - 1).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> VersionPolicy {
        VersionPolicy::builder()
            .supported("2.0")
            .supported("2024-06-01")
            .deprecated(
                "1.0",
                Deprecation::new(1_000)
                    .sunset(2_000)
                    .link("https://example.com/v1"),
            )
            .source(VersionSource::Header("API-Version".into()))
            .source(VersionSource::UrlPrefix)
            .source(VersionSource::MediaType("version".into()))
            .build()
            .unwrap()
    }

    fn req<'a>(
        header: Option<&'a str>,
        path: &'a str,
        accept: Option<&'a str>,
    ) -> VersionRequest<'a> {
        VersionRequest {
            header,
            path,
            accept,
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    }

    #[test]
    fn sources_and_equivalence() {
        let p = policy();
        for r in [
            req(Some("2"), "/x", None),
            req(None, "/v2/orders", None),
            req(None, "/V2.0.0/orders", None),
            req(None, "/x", Some("application/json; version=\"2.0\"")),
            req(Some("v2"), "/v2.0/orders", Some("text/html;version=2")),
        ] {
            let d = p.decide(&r, 1_500);
            assert_eq!((d.status(), d.version()), (200, Some("2.0")), "{r:?}");
        }
        let d = p.decide(&req(None, "/v2/orders", None), 0);
        assert_eq!(d.path(), Some("/orders"));
        assert_eq!(p.decide(&req(None, "/v2", None), 0).path(), Some("/"));
        let d = p.decide(&req(Some("2024-06-01"), "/", None), 0);
        assert_eq!(d.version(), Some("2024-06-01"));
        assert_eq!(p.decide(&req(Some("2024-6-1"), "/", None), 0).status(), 400);
    }

    #[test]
    fn refusals() {
        let p = policy();
        for bad in ["", "3", "2.0;drop", "x".repeat(33).as_str(), "１"] {
            let d = p.decide(&req(Some(bad), "/", None), 1_500);
            assert_eq!(d.status(), 400, "{bad:?}");
            let body: Value = serde_json::from_str(&d.body_json().unwrap()).unwrap();
            assert_eq!(body["supported"], json!(["2.0", "2024-06-01", "1.0"]));
        }
        // No version and no default.
        let d = p.decide(&req(None, "/orders", None), 0);
        assert_eq!(d.status(), 400);
        assert!(d.error().unwrap().contains("API-Version header"));
        // Conflicting sources.
        assert_eq!(p.decide(&req(Some("2"), "/v1/x", None), 0).status(), 400);
        let accept = Some("a/b;version=2, c/d;version=1");
        assert_eq!(p.decide(&req(None, "/", accept), 0).status(), 400);
    }

    #[test]
    fn deprecation_and_sunset() {
        let p = policy();
        let d = p.decide(&req(Some("1"), "/", None), 1_500);
        assert_eq!(d.status(), 200);
        assert_eq!(
            d.headers(),
            [
                ("API-Version".to_owned(), "1.0".to_owned()),
                ("Deprecation".to_owned(), "@1000".to_owned()),
                (
                    "Sunset".to_owned(),
                    "Thu, 01 Jan 1970 00:33:20 GMT".to_owned()
                ),
                (
                    "Link".to_owned(),
                    "<https://example.com/v1>; rel=\"deprecation\"; type=\"text/html\"".to_owned()
                ),
            ]
        );
        let gone = p.decide(&req(Some("1"), "/", None), 2_000);
        assert_eq!(gone.status(), 410);
        assert_eq!(gone.supported(), ["2.0", "2024-06-01"]);
        assert!(gone.headers().iter().any(|(n, _)| n == "Sunset"));
    }

    #[test]
    fn defaults_and_routes() {
        let p = VersionPolicy::builder()
            .supported("1.0")
            .supported("2.0")
            .default_version("1")
            .build()
            .unwrap();
        assert_eq!(
            p.decide(&VersionRequest::default(), 0).version(),
            Some("1.0")
        );
        let route = p.restricted(&["2.0"]).unwrap();
        assert_eq!(route.decide(&VersionRequest::default(), 0).status(), 400);
        let d = route.decide(&req(Some("1.0"), "/", None), 0);
        assert_eq!((d.status(), d.supported()), (400, &["2.0".to_owned()][..]));
        assert!(p.restricted(&["3"]).is_err());
        assert!(p.restricted::<&str>(&[]).is_err());
    }

    #[test]
    fn json_configuration() {
        let p = VersionPolicy::from_json(
            r#"{"versions": [{"version": "2.0"}, {"version": "1.0", "deprecated": 1000,
                "sunset": 2000, "link": "https://example.com/v1"}], "default": "2",
                "sources": ["header:X-Version", "url", "media_type:v"]}"#,
        )
        .unwrap();
        assert_eq!(p.header_name(), Some("X-Version"));
        let d = p.decide(&req(None, "/", Some("application/json;v=1")), 1_500);
        assert_eq!(d.version(), Some("1.0"));
        assert_eq!(d.headers()[0], ("X-Version".to_owned(), "1.0".to_owned()));
        assert_eq!(
            p.decide(&VersionRequest::default(), 0).version(),
            Some("2.0")
        );
        for bad in [
            "[]",
            "{}",
            r#"{"versions": [{"version": "1"}], "extra": 1}"#,
            r#"{"versions": [{"version": "1", "deprecated": 1.5}]}"#,
            r#"{"versions": [{"version": "1", "sunset": 5}]}"#,
            r#"{"versions": [{"version": 1}]}"#,
            r#"{"versions": [{"version": "1"}], "sources": ["cookie"]}"#,
            r#"{"versions": [{"version": "1", "deprecated": "2020-01-01"}]}"#,
        ] {
            assert_eq!(
                VersionPolicy::from_json(bad).unwrap_err().kind(),
                crate::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_configuration() {
        let b = VersionPolicy::builder;
        assert!(b().build().is_err());
        assert!(b().supported("2").supported("2.0").build().is_err());
        assert!(b().supported("a b").build().is_err());
        assert!(b().supported("1").default_version("2").build().is_err());
        assert!(b()
            .deprecated("1", Deprecation::new(5).sunset(5))
            .build()
            .is_err());
        for link in ["ftp://x", "https://a b", "https://x>", "/relative"] {
            assert!(b()
                .deprecated("1", Deprecation::new(5).link(link))
                .build()
                .is_err());
        }
        assert!(b()
            .supported("1")
            .source(VersionSource::Header("Bad Header".into()))
            .build()
            .is_err());
        assert!(b()
            .supported("1")
            .source(VersionSource::UrlPrefix)
            .source(VersionSource::UrlPrefix)
            .build()
            .is_err());
    }
}
