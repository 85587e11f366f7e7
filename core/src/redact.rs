//! Redaction of secrets for logs: by field name in JSON, query strings and header maps, and by
//! value (bearer credentials, JWT-shaped strings, Bulwark API keys) wherever they appear.
//!
//! Output keeps its structure (key order included) and marks what was removed with [`REDACTED`], never the length of
//! the secret. Field names match case-insensitively and ignoring `-`, `_`, `.` and spaces
//! (`API-Key`, `api_key` and `apikey` are one name); names containing `password`, `passwd`,
//! `passphrase`, `secret`, `token`, `apikey`, `privatekey` or `credential` match too
//! (`db_password`, `x-auth-token`). In free text, `name=value`, `name: value`, `"name": "value"`
//! (JSON, also escaped inside a JSON string) and `'name': 'value'` pairs with a sensitive name,
//! and the password of a URL (`postgres://user:pass@host`), are redacted too.
//!
//! ```
//! use bulwark::redact::Redactor;
//! let r = Redactor::default();
//! let out = r.redact_json_str(r#"{"user":"ann","password":"hunter2","n":[{"Api-Key":"k"}]}"#)?;
//! assert_eq!(out, r#"{"user":"ann","password":"[REDACTED]","n":[{"Api-Key":"[REDACTED]"}]}"#);
//! assert_eq!(r.redact_query("q=shoes&access_token=abc"), "q=shoes&access_token=[REDACTED]");
//! # Ok::<(), bulwark::Error>(())
//! ```

use crate::error::{Error, Result};
use regex::Regex;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What replaces a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// Field names redacted by default (matched after [`normalize`]).
pub const DEFAULT_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "authorization",
    "api_key",
    "apikey",
    "x-api-key",
    "cookie",
    "set-cookie",
    "client_secret",
    "private_key",
    "otp",
    "proxy-authorization",
    "session",
    "sessionid",
    "session_key",
    "credentials",
    "csrf_token",
    "ssn",
];

/// Words that make any field name containing them sensitive.
const CONTAINS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "credential",
];

/// Authorization schemes kept in front of [`REDACTED`] by [`Redactor::redact_header`] (the IANA
/// registry plus the common `Token`, `ApiKey` and AWS's): any other first word may itself be
/// the secret (`Authorization: s3cr3t-key`), so it is redacted with the rest.
pub const AUTH_SCHEMES: &[&str] = &[
    "Basic",
    "Bearer",
    "Concealed",
    "Digest",
    "DPoP",
    "GNAP",
    "HOBA",
    "Mutual",
    "Negotiate",
    "NTLM",
    "OAuth",
    "PrivateToken",
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "vapid",
    "Token",
    "ApiKey",
    "AWS4-HMAC-SHA256",
];

/// Lower-cases a field name and drops `-`, `_`, `.` and spaces, so its variants compare equal.
#[must_use]
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The value patterns: bearer-style credentials, JWT-shaped strings, API-key candidates, URL
/// passwords and `name: value` pairs (whose name decides).
struct Patterns {
    bearer: Regex,
    jwt: Regex,
    apikey: Regex,
    url_password: Regex,
    pair: Regex,
}

fn value_patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            // Bearer / Basic / Token credentials, keeping the scheme.
            bearer: Regex::new(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}").ok()?,
            // JWT-shaped: three base64url segments, the first starting like a JSON header.
            jwt: Regex::new(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*").ok()?,
            // Bulwark API key candidates; the checksum decides.
            apikey: Regex::new(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{40}_[0-9A-Za-z]{6}\b")
                .ok()?,
            // scheme://user:password@host: the password goes, the user and host stay.
            url_password: Regex::new(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):([^\s@/]+)@").ok()?,
            // A name (escaped-quoted, quoted or bare), ':' or '=', and a value (an escaped
            // string inside a JSON string, a JSON string, a single-quoted string or a bare
            // token); the name decides whether the value is redacted.
            pair: Regex::new(
                r#"(?x)
                (?P<k> \\"[^"\\]{1,64}\\" | "[^"\\]{1,64}" | '[^'\\]{1,64}' | [A-Za-z_][A-Za-z0-9_.\-]{0,63} )
                (?P<sep> \s*[:=]\s* )
                (?P<v> \\"(?:[^"\\]|\\[^"])*\\" | "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*' | [^\s&;,"'}\]]+ )"#,
            )
            .ok()?,
        })
    })
    .as_ref()
}

/// `[REDACTED]` quoted the way `value` was (escaped, double, single or bare).
fn redacted_like(value: &str) -> String {
    if value.starts_with("\\\"") {
        format!("\\\"{REDACTED}\\\"")
    } else if value.starts_with('"') {
        format!("\"{REDACTED}\"")
    } else if value.starts_with('\'') {
        format!("'{REDACTED}'")
    } else {
        REDACTED.to_owned()
    }
}

/// Redacts secrets by field name and by value, with the default field list plus any added.
#[derive(Debug, Clone)]
pub struct Redactor {
    exact: HashSet<String>,
}

impl Default for Redactor {
    fn default() -> Self {
        Self {
            exact: DEFAULT_FIELDS.iter().map(|f| normalize(f)).collect(),
        }
    }
}

impl Redactor {
    /// The default redactor plus `fields` (matched like the defaults).
    #[must_use]
    pub fn with_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(fields: I) -> Self {
        let mut r = Self::default();
        r.exact
            .extend(fields.into_iter().map(|f| normalize(f.as_ref())));
        r
    }

    /// Whether a field of this name is redacted.
    #[must_use]
    pub fn is_sensitive(&self, name: &str) -> bool {
        let n = normalize(name);
        self.exact.contains(&n) || CONTAINS.iter().any(|w| n.contains(w))
    }

    /// Redacts secrets found by value in free text: bearer/basic credentials (the scheme is kept),
    /// JWT-shaped strings, and well-formed Bulwark API keys.
    #[must_use]
    pub fn redact_text(&self, text: &str) -> String {
        // Fail closed: if the patterns were ever unusable, redact everything rather than nothing.
        let Some(p) = value_patterns() else {
            return REDACTED.to_owned();
        };
        let out = p.bearer.replace_all(text, |c: &regex::Captures<'_>| {
            format!("{} {REDACTED}", c.get(1).map_or("", |m| m.as_str()))
        });
        let out = p.jwt.replace_all(&out, REDACTED);
        let out = p.url_password.replace_all(&out, |c: &regex::Captures<'_>| {
            format!("{}:{REDACTED}@", c.get(1).map_or("", |m| m.as_str()))
        });
        let quotes = |ch: char| matches!(ch, '"' | '\'' | '\\');
        let out = p.pair.replace_all(&out, |c: &regex::Captures<'_>| {
            let (k, sep, v) = (
                c.name("k").map_or("", |m| m.as_str()),
                c.name("sep").map_or("", |m| m.as_str()),
                c.name("v").map_or("", |m| m.as_str()),
            );
            // Already redacted (a second pass, or a credential found above): leave it alone.
            let done = c
                .name("v")
                .and_then(|m| out.get(m.start()..))
                .is_some_and(|rest| rest.trim_start_matches(quotes).starts_with(REDACTED));
            if self.is_sensitive(k.trim_matches(quotes)) && !done {
                format!("{k}{sep}{}", redacted_like(v))
            } else if v.len() > 2 && v.starts_with(['"', '\'']) {
                // A quoted value may itself hold pairs (JSON inside a JSON string): look inside.
                format!("{k}{sep}{}", self.redact_text(v))
            } else {
                c.get(0).map_or("", |m| m.as_str()).to_owned()
            }
        });
        p.apikey
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let m = c.get(0).map_or("", |m| m.as_str());
                if crate::apikey::is_well_formed(m) {
                    REDACTED.to_owned()
                } else {
                    m.to_owned()
                }
            })
            .into_owned()
    }

    /// Redacts a JSON value: sensitive keys (at any depth, inside arrays too) get [`REDACTED`]
    /// whatever their value; other strings are redacted by value.
    #[must_use]
    pub fn redact_json(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if self.is_sensitive(k) {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.redact_json(v)
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::String(s) => Value::String(self.redact_text(s)),
            other => other.clone(),
        }
    }

    /// [`Redactor::redact_json`] on JSON text; the output is compact JSON. JSON of any depth is
    /// accepted: arrays and objects nested deeper than [`MAX_JSON_DEPTH`] are replaced by
    /// [`TOO_DEEP`] (their content, secrets included, is dropped), so a hostile body nested
    /// thousands deep is still logged.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when the text is not JSON (the message
    /// gives the position, never the content).
    pub fn redact_json_str(&self, text: &str) -> Result<String> {
        let text = truncate_deep(text, MAX_JSON_DEPTH);
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            Error::invalid_input(format!(
                "not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        Ok(self.redact_json(&v).to_string())
    }

    /// Redacts a query string (`a=1&token=x`, a leading `?` kept): sensitive keys (compared after
    /// percent-decoding) get [`REDACTED`]; other values are redacted by value.
    #[must_use]
    pub fn redact_query(&self, query: &str) -> String {
        let (lead, body) = query
            .strip_prefix('?')
            .map_or(("", query), |rest| ("?", rest));
        let parts: Vec<String> = body
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => {
                    if self.is_sensitive(&percent_decode(k)) {
                        format!("{k}={REDACTED}")
                    } else {
                        let decoded = percent_decode(v);
                        let cleaned = self.redact_text(&decoded);
                        if cleaned == decoded {
                            pair.to_owned()
                        } else {
                            format!("{k}={REDACTED}")
                        }
                    }
                }
                None => pair.to_owned(),
            })
            .collect();
        format!("{lead}{}", parts.join("&"))
    }

    /// Redacts one header's value: sensitive names get [`REDACTED`], except that
    /// `Authorization`-style values keep a known scheme (`Bearer [REDACTED]`, see
    /// [`AUTH_SCHEMES`]); other values are redacted by value.
    #[must_use]
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        let n = normalize(name);
        if n == "authorization" || n == "proxyauthorization" {
            return match value.trim().split_once(char::is_whitespace) {
                Some((scheme, _))
                    if AUTH_SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(scheme)) =>
                {
                    format!("{scheme} {REDACTED}")
                }
                _ => REDACTED.to_owned(),
            };
        }
        if self.is_sensitive(name) {
            return REDACTED.to_owned();
        }
        self.redact_text(value)
    }

    /// [`Redactor::redact_header`] over a list of headers, keeping names and order.
    #[must_use]
    pub fn redact_headers<N: AsRef<str>, V: AsRef<str>>(
        &self,
        headers: &[(N, V)],
    ) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_ref().to_owned(),
                    self.redact_header(n.as_ref(), v.as_ref()),
                )
            })
            .collect()
    }
}

/// Nesting [`Redactor::redact_json_str`] keeps; deeper arrays and objects become [`TOO_DEEP`].
pub const MAX_JSON_DEPTH: usize = 32;

/// What replaces JSON nested deeper than [`MAX_JSON_DEPTH`].
pub const TOO_DEEP: &str = "[TRUNCATED: nested too deep]";

/// `text` with every array or object that opens below `max_depth` replaced by the string
/// [`TOO_DEEP`] (scanning strings and escapes, so brackets inside strings do not count). Text
/// that is not JSON stays not JSON for the parser to refuse; the dropped part is not checked.
/// Borrowed when nothing is that deep (the common case).
fn truncate_deep(text: &str, max_depth: usize) -> std::borrow::Cow<'_, str> {
    let mut depth = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut skip_from: Option<(usize, usize)> = None; // (start, depth at start) of a dropped value
    for (i, opens) in crate::json_scan::brackets(text.as_bytes()) {
        if opens {
            depth += 1;
            if depth > max_depth && skip_from.is_none() {
                skip_from = Some((i, depth));
            }
            continue;
        }
        if let Some((start, _)) = skip_from.filter(|(_, at)| *at == depth) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(text.get(copied..start).unwrap_or_default());
            o.push('"');
            o.push_str(TOO_DEEP);
            o.push('"');
            copied = i + 1;
            skip_from = None;
        }
        depth = depth.saturating_sub(1);
    }
    match out {
        // An unclosed deep value stays in: the parser refuses the text as it would have.
        Some(mut o) => {
            o.push_str(text.get(copied..).unwrap_or_default());
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    #[test]
    fn value_patterns_compile() {
        assert!(value_patterns().is_some());
    }

    #[test]
    fn json_table() {
        let r = Redactor::default();
        let table = [
            (r#"{"password":"hunter2"}"#, r#"{"password":"[REDACTED]"}"#),
            (r#"{"Password":1234}"#, r#"{"Password":"[REDACTED]"}"#),
            (
                r#"{"API-KEY":{"nested":"x"}}"#,
                r#"{"API-KEY":"[REDACTED]"}"#,
            ),
            (
                r#"{"x_api_key":"k","db_password":"p","refreshToken":"t"}"#,
                r#"{"x_api_key":"[REDACTED]","db_password":"[REDACTED]","refreshToken":"[REDACTED]"}"#,
            ),
            (
                r#"{"users":[{"name":"a","otp":"123456"},{"name":"b","set-cookie":"s=1"}]}"#,
                r#"{"users":[{"name":"a","otp":"[REDACTED]"},{"name":"b","set-cookie":"[REDACTED]"}]}"#,
            ),
            (
                r#"{"note":"sent Bearer abcdefghijklmnop to api"}"#,
                r#"{"note":"sent Bearer [REDACTED] to api"}"#,
            ),
            (r#"["plain", 1, null, true]"#, r#"["plain",1,null,true]"#),
            (
                r#"{"footprint":"otp is not a substring match","hotpot":1}"#,
                r#"{"footprint":"otp is not a substring match","hotpot":1}"#,
            ),
        ];
        for (input, want) in table {
            assert_eq!(r.redact_json_str(input).unwrap(), want, "{input}");
        }
        let e = r.redact_json_str("{\"password\": \"x\"").unwrap_err();
        assert!(e.message().contains("not valid JSON") && !e.message().contains('x'));
    }

    #[test]
    fn json_of_any_depth_is_redacted_deep_parts_dropped() {
        let r = Redactor::default();
        for depth in [33, 200, 5_000, 200_000] {
            let text = format!(
                "{{\"password\":\"p\",\"a\":{}{{\"token\":\"t\",\"s\":\"]}}[\"}}{},\"b\":1}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let out = r.redact_json_str(&text).unwrap();
            assert!(out.contains(TOO_DEEP), "{depth}");
            assert!(!out.contains("\"t\"") && out.starts_with(r#"{"password":"[REDACTED]","a":"#));
            assert!(
                out.ends_with(r#","b":1}"#),
                "{depth}: {}",
                &out[out.len() - 40..]
            );
        }
        // Shallow JSON is untouched; brackets inside strings never count.
        let s = r#"{"s":"[[[[{{{{","n":[[1]]}"#;
        assert_eq!(r.redact_json_str(s).unwrap(), s);
        assert_eq!(
            truncate_deep(s, 1),
            r#"{"s":"[[[[{{{{","n":"[TRUNCATED: nested too deep]"}"#
        );
        // Not JSON stays not JSON.
        assert!(r.redact_json_str(&"[".repeat(100)).is_err());
        assert!(r.redact_json_str("{\"a\":NaN}").is_err());
    }

    #[test]
    fn key_value_secrets_inside_messages() {
        let r = Redactor::default();
        let table = [
            (
                r#"body {"user": "ann", "password": "hunter2"} rejected"#,
                r#"body {"user": "ann", "password": "[REDACTED]"} rejected"#,
            ),
            (
                "GET /cb?code=1&client_secret=s3cr3t&state=x",
                "GET /cb?code=1&client_secret=[REDACTED]&state=x",
            ),
            (
                "db at postgres://app:pa55w0rd@db.internal:5432/app",
                "db at postgres://app:[REDACTED]@db.internal:5432/app",
            ),
            (
                r#"{"data": "{\"Pass-Phrase\": \"open sesame\", \"n\": 1}"}"#,
                r#"{"data": "{\"Pass-Phrase\": \"[REDACTED]\", \"n\": 1}"}"#,
            ),
            (
                "kwargs {'PWD': 'x1', 'Private.Key': 'k', 'api-key': 'a', 'session': 's'}",
                "kwargs {'PWD': '[REDACTED]', 'Private.Key': '[REDACTED]', 'api-key': '[REDACTED]', 'session': '[REDACTED]'}",
            ),
            (
                "CREDENTIALS=abc Client_Secret: xyz user=ann",
                "CREDENTIALS=[REDACTED] Client_Secret: [REDACTED] user=ann",
            ),
            ("user=ann ip=10.0.0.1 at 12:30", "user=ann ip=10.0.0.1 at 12:30"),
        ];
        for (input, want) in table {
            let out = r.redact_text(input);
            assert_eq!(out, want, "{input}");
            assert_eq!(r.redact_text(&out), out, "not idempotent: {input}");
        }
        // A JSON string holding JSON, through the JSON path.
        let out = r
            .redact_json_str(r#"{"payload":"{\"password\":\"p\",\"ok\":1}"}"#)
            .unwrap();
        assert_eq!(
            out,
            r#"{"payload":"{\"password\":\"[REDACTED]\",\"ok\":1}"}"#
        );
    }

    #[test]
    fn values_embedded_in_strings() {
        let r = Redactor::default();
        let key = crate::apikey::generate("bw_live").unwrap();
        let line = format!(
            "login ok jwt={JWT} key {} via bearer zzzzzzzzzzzz",
            key.key()
        );
        let out = r.redact_text(&line);
        assert!(
            !out.contains(JWT) && !out.contains(key.key()) && !out.contains("zzzzzzzzzzzz"),
            "{out}"
        );
        assert_eq!(
            out,
            "login ok jwt=[REDACTED] key [REDACTED] via bearer [REDACTED]"
        );
        // A key-shaped string with a wrong checksum is not a key: left alone.
        let fake = format!("{}X", &key.key()[..key.key().len() - 1]);
        let fake = if crate::apikey::is_well_formed(&fake) {
            format!("{}Y", &key.key()[..key.key().len() - 1])
        } else {
            fake
        };
        assert_eq!(r.redact_text(&fake), fake);
        assert_eq!(r.redact_text("nothing to see"), "nothing to see");
    }

    #[test]
    fn queries_and_headers() {
        let r = Redactor::with_fields(["session_hint"]);
        assert_eq!(
            r.redact_query("?a=1&Access-Token=xyz&b=2"),
            "?a=1&Access-Token=[REDACTED]&b=2"
        );
        assert_eq!(
            r.redact_query("api%5Fkey=k&flag"),
            "api%5Fkey=[REDACTED]&flag"
        );
        assert_eq!(
            r.redact_query(&format!("next=/x&id={JWT}")),
            "next=/x&id=[REDACTED]"
        );
        assert_eq!(
            r.redact_query("session_hint=abc"),
            "session_hint=[REDACTED]"
        );
        assert_eq!(r.redact_query(""), "");
        let h = r.redact_headers(&[
            ("Authorization", "Bearer abc.def.ghi"),
            ("Cookie", "sid=1"),
            ("X-Api-Key", "k"),
            ("User-Agent", "curl/8"),
            ("X-Forwarded-For", "1.2.3.4"),
            ("Authorization", "opaque"),
            // Found by fuzzing: an unknown first word may be the secret itself.
            ("Authorization", "s3cr3t-key-123 extra"),
            ("Proxy-Authorization", "bAsIc dXNlcjpwYXNz"),
        ]);
        assert_eq!(h[0].1, "Bearer [REDACTED]");
        assert_eq!(h[1].1, REDACTED);
        assert_eq!(h[2].1, REDACTED);
        assert_eq!(h[3].1, "curl/8");
        assert_eq!(h[4].1, "1.2.3.4");
        assert_eq!(h[5].1, REDACTED);
        assert_eq!(h[6].1, REDACTED);
        assert_eq!(h[7].1, "bAsIc [REDACTED]");
    }
}
