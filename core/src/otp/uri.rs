//! `otpauth://` provisioning URIs (Google Authenticator's Key URI Format), written byte for byte
//! as pyotp writes them and parsed with pyotp's rules, with clear errors for malformed input.

use super::{Algorithm, Encoding, Params};
use crate::{Error, Result};

/// URIs longer than this are refused before parsing.
pub const MAX_URI_LEN: usize = 4096;

/// Whether a URI provisions a time- or counter-based OTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// `otpauth://totp/…`
    Totp,
    /// `otpauth://hotp/…`
    Hotp,
}

/// The content of an `otpauth://` URI.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpAuthUri {
    /// TOTP or HOTP.
    pub kind: OtpKind,
    /// The base32 secret, as written in the URI.
    pub secret: String,
    /// The account name (the label after `issuer:`).
    pub account: String,
    /// The issuer (from the label or the `issuer` parameter), if any.
    pub issuer: Option<String>,
    /// The HMAC hash (`algorithm`, default SHA1).
    pub algorithm: Algorithm,
    /// Digits per code (`digits`, default 6; 5 for Steam Guard codes).
    pub digits: u32,
    /// Seconds per step (`period`, default 30; TOTP).
    pub period: u64,
    /// The initial counter (`counter`, HOTP; 0 when absent).
    pub counter: u64,
    /// The `image` parameter (an https URL), if any.
    pub image: Option<String>,
    /// How codes are written (`encoder=steam` for Steam Guard; decimal when absent).
    pub encoding: Encoding,
}

impl std::fmt::Debug for OtpAuthUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is key material: never printed.
        f.debug_struct("OtpAuthUri")
            .field("kind", &self.kind)
            .field("account", &self.account)
            .field("issuer", &self.issuer)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .field("counter", &self.counter)
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}

impl OtpAuthUri {
    /// The algorithm, digits, period and encoding as [`Params`] (T0 is always 0 in URIs).
    #[must_use]
    pub fn params(&self) -> Params {
        Params {
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
            t0: 0,
            encoding: self.encoding,
        }
    }
}

/// Percent-encodes `s` keeping RFC 3986 unreserved characters (and `/` when `keep_slash`), as
/// Python's `quote` / `urlencode` do; spaces become `%20`.
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space in query values), requiring UTF-8.
fn decode(s: &str, plus_is_space: bool, what: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        Error::invalid_input(format!("otpauth URI: bad %-escape in the {what}"))
                    })?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out)
        .map_err(|_| Error::invalid_input(format!("otpauth URI: the {what} is not UTF-8")))?;
    check_no_controls(&text, what)?;
    Ok(text)
}

/// Refuses control characters (`%00`, newlines, escapes...) in a name: a NUL would make the C
/// string a caller reads shorter than the length it is given, and the others spoof what an
/// authenticator app or a log shows.
fn check_no_controls(text: &str, what: &str) -> Result<()> {
    if text.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "otpauth URI: the {what} contains a control character"
        )));
    }
    Ok(())
}

/// Refuses an `image` that is not an `https://host/path` URL (as pyotp's builder does); the
/// parser applies the same rule, so whatever parses can be written again.
fn check_image(image: &str) -> Result<()> {
    let rest = image.strip_prefix("https://").unwrap_or("");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || path.is_empty() {
        return Err(Error::invalid_input(format!(
            "otpauth URI: the image {image:?} is not an https://host/path URL"
        )));
    }
    Ok(())
}

/// Builds a provisioning URI exactly as pyotp's `provisioning_uri` does: label
/// `issuer:account` (each part percent-encoded), then `secret`, `issuer`, `counter` (HOTP),
/// `algorithm` (unless SHA1), `digits` (unless 6), `period` (unless 30, TOTP), `image`.
///
/// ```
/// use bulwark::otp::{build_uri, OtpKind, Params};
/// let uri = build_uri(OtpKind::Totp, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice@example.com",
///                     Some("Example Co"), Params::default(), 0, None).unwrap();
/// assert_eq!(uri, "otpauth://totp/Example%20Co:alice%40example.com?\
///                  secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Co");
/// ```
///
/// # Errors
/// `InvalidInput` for an empty secret or account, control characters in the account, issuer or
/// image, digits outside 6..=10, a zero period, an image that is not an `https://host/path`
/// URL, or a URI over [`MAX_URI_LEN`] bytes.
pub fn build_uri(
    kind: OtpKind,
    secret_base32: &str,
    account: &str,
    issuer: Option<&str>,
    params: Params,
    initial_count: u64,
    image: Option<&str>,
) -> Result<String> {
    if secret_base32.is_empty() {
        return Err(Error::invalid_input("otpauth URI: the secret is empty"));
    }
    let steam = params.encoding == Encoding::Steam;
    if !steam && !(6..=10).contains(&params.digits) {
        return Err(Error::invalid_input("OTP digits must be between 6 and 10"));
    }
    if params.period == 0 {
        return Err(Error::invalid_input(
            "the TOTP period must be at least 1 second",
        ));
    }
    check_no_controls(account, "account name")?;
    if let Some(issuer) = issuer {
        check_no_controls(issuer, "issuer")?;
    }
    if let Some(image) = image {
        check_no_controls(image, "image")?;
    }
    let mut uri = String::from(match kind {
        OtpKind::Totp => "otpauth://totp/",
        OtpKind::Hotp => "otpauth://hotp/",
    });
    if let Some(issuer) = issuer {
        uri.push_str(&encode(issuer, true));
        uri.push(':');
    }
    uri.push_str(&encode(account, true));
    uri.push_str("?secret=");
    uri.push_str(&encode(secret_base32, false));
    if let Some(issuer) = issuer {
        uri.push_str("&issuer=");
        uri.push_str(&encode(issuer, false));
    }
    if kind == OtpKind::Hotp {
        uri.push_str(&format!("&counter={initial_count}"));
    }
    if params.algorithm != Algorithm::Sha1 {
        uri.push_str("&algorithm=");
        uri.push_str(params.algorithm.as_str());
    }
    if !steam && params.digits != 6 {
        uri.push_str(&format!("&digits={}", params.digits));
    }
    if !steam && kind == OtpKind::Totp && params.period != 30 {
        uri.push_str(&format!("&period={}", params.period));
    }
    if let Some(name) = params.encoding.uri_name() {
        uri.push_str("&encoder=");
        uri.push_str(name);
    }
    if let Some(image) = image {
        check_image(image)?;
        uri.push_str("&image=");
        uri.push_str(&encode(image, false));
    }
    if uri.len() > MAX_URI_LEN {
        // Escaping can triple a name: never write what parse_uri would refuse to read.
        return Err(Error::invalid_input(format!(
            "otpauth URI: longer than {MAX_URI_LEN} bytes once encoded"
        )));
    }
    Ok(uri)
}

/// Parses an `otpauth://totp/…` or `otpauth://hotp/…` URI with pyotp's rules: the label splits
/// at its first literal `:` into issuer and account (an encoded `%3A` stays part of a name);
/// `secret` is required; `algorithm` is SHA1, SHA256 or SHA512; `digits` 6, 7 or 8 (a Steam URI,
/// `encoder=steam`, has five-character codes every 30 seconds whatever its `digits` and `period`
/// say); the label may be missing or name no account (as pyotp reads it); a security
/// parameter given twice, or an issuer parameter that contradicts the label, is an error;
/// unknown parameters are ignored. The secret must be valid base32 (its length is checked where
/// it is used, by [`super::Secret::from_base32`]).
///
/// # Errors
/// `InvalidInput` naming what is wrong.
pub fn parse_uri(uri: &str) -> Result<OtpAuthUri> {
    if uri.len() > MAX_URI_LEN {
        return Err(Error::invalid_input(format!(
            "otpauth URI: longer than {MAX_URI_LEN} bytes"
        )));
    }
    let rest = uri
        .strip_prefix("otpauth://")
        .ok_or_else(|| Error::invalid_input("Not an otpauth URI"))?;
    let (rest, _fragment) = rest.split_once('#').unwrap_or((rest, ""));
    // `otpauth://totp/label?query`, or without a label `otpauth://totp?query` (as pyotp reads it).
    let (kind_str, rest) = match rest.find(['/', '?']) {
        Some(i) => {
            let (kind, tail) = rest.split_at(i);
            (kind, tail.strip_prefix('/').unwrap_or(tail))
        }
        None => (rest, ""),
    };
    let kind = match kind_str {
        "totp" => OtpKind::Totp,
        "hotp" => OtpKind::Hotp,
        other => {
            let _ = other; // pyotp's words, which callers compare
            return Err(Error::invalid_input("Not a supported OTP type"));
        }
    };
    let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (mut issuer, account) = match label.split_once(':') {
        Some((i, a)) => (
            Some(decode(i, false, "issuer")?),
            decode(a, false, "account name")?,
        ),
        None => (None, decode(label, false, "account name")?),
    };
    let mut out = OtpAuthUri {
        kind,
        secret: String::new(),
        account,
        issuer: None,
        algorithm: Algorithm::Sha1,
        digits: 6,
        period: 30,
        counter: 0,
        image: None,
        encoding: Encoding::Decimal,
    };
    let mut seen: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k, true, "parameter name")?;
        let value = decode(v, true, "parameter value")?;
        const SECURITY: [&str; 7] = [
            "secret",
            "issuer",
            "algorithm",
            "encoder",
            "digits",
            "period",
            "counter",
        ];
        if let Some(name) = SECURITY.iter().find(|s| **s == key) {
            if seen.contains(name) {
                return Err(Error::invalid_input(format!(
                    "otpauth URI: duplicate {key} parameter"
                )));
            }
            seen.push(name);
        }
        if value.is_empty() {
            continue;
        }
        let number = |what: &str| -> Result<u64> {
            value.parse::<u64>().map_err(|_| {
                Error::invalid_input(format!("otpauth URI: {what} must be a whole number"))
            })
        };
        match key.as_str() {
            // pyotp raises for these on the other kind (TypeError); so do we, with a reason,
            // rather than keep a value the URI's kind has no use for.
            "counter" if kind == OtpKind::Totp => {
                return Err(Error::invalid_input(
                    "otpauth URI: counter is only for hotp (this is a totp URI)",
                ))
            }
            "period" if kind == OtpKind::Hotp => {
                return Err(Error::invalid_input(
                    "otpauth URI: period is only for totp (this is an hotp URI)",
                ))
            }
            "secret" => out.secret = value.clone(),
            "issuer" => {
                if issuer.as_ref().is_some_and(|i| *i != value) {
                    return Err(Error::invalid_input(
                        "If issuer is specified in both label and parameters, it should be equal.",
                    ));
                }
                issuer = Some(value.clone());
            }
            "algorithm" => {
                out.algorithm = match value.as_str() {
                    "SHA1" => Algorithm::Sha1,
                    "SHA256" => Algorithm::Sha256,
                    "SHA512" => Algorithm::Sha512,
                    _ => {
                        return Err(Error::invalid_input(
                            "Invalid value for algorithm, must be SHA1, SHA256 or SHA512",
                        ))
                    }
                }
            }
            "digits" => {
                // Checked after the loop: a Steam URI's digits do not apply.
                // A negative count is out of range like any other (pyotp's reading).
                out.digits = match value.parse::<i64>() {
                    Ok(d) => u32::try_from(d).unwrap_or(u32::MAX),
                    Err(_) => u32::try_from(number("digits")?).unwrap_or(u32::MAX),
                };
            }
            "period" => {
                out.period = number("period")?;
                if out.period == 0 {
                    return Err(Error::invalid_input(
                        "otpauth URI: period must be at least 1",
                    ));
                }
            }
            "counter" => out.counter = number("counter")?,
            "image" => {
                check_image(&value)?;
                out.image = Some(value.clone());
            }
            "encoder" if value == "steam" => out.encoding = Encoding::Steam,
            "encoder" => {
                let shown: String = value.chars().take(32).collect();
                return Err(Error::invalid_input(format!(
                    "otpauth URI: encoder {shown:?} is not supported (only steam)"
                )));
            }
            _ => {}
        }
    }
    if out.encoding == Encoding::Steam {
        // Steam Guard codes are five characters every 30 seconds, whatever the URI says.
        (out.digits, out.period) = (5, 30);
    } else if !(6..=8).contains(&out.digits) {
        return Err(Error::invalid_input("Digits may only be 6, 7, or 8"));
    }
    if out.secret.is_empty() {
        return Err(Error::invalid_input("No secret found in URI"));
    }
    // The secret must at least be base32 (its minimum length is the caller's policy).
    if super::decode_base32_secret(&out.secret)?.is_empty() {
        // Only padding or spaces (found by fuzzing): no key at all.
        return Err(Error::invalid_input("otpauth URI: the secret is empty"));
    }
    out.issuer = issuer;
    Ok(out)
}
