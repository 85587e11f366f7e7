//! `application/x-www-form-urlencoded`: what OAuth request bodies and redirect queries are.

use crate::{Error, Result};
use zeroize::Zeroizing;

/// Percent-encodes `text`, keeping only RFC 3986's unreserved characters (space is `%20`).
#[must_use]
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `name=value&…` (the body may hold secrets, so it is zeroized).
#[derive(Default)]
pub(crate) struct FormBuilder(Zeroizing<String>);

impl FormBuilder {
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(&encode(name));
        self.0.push('=');
        self.0.push_str(&Zeroizing::new(encode(value)));
    }

    pub(crate) fn finish(self) -> Zeroizing<String> {
        self.0
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let (Some(hi), Some(lo)) = (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(Error::invalid_input("a malformed %-escape in the query"));
                };
                out.push(hi << 4 | lo);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Error::invalid_input("the query is not UTF-8"))
}

/// Parses a query or form body into (name, value) pairs; a name given twice is an error
/// (RFC 6749 3.1), as are malformed escapes and bodies over 64 KiB.
///
/// # Errors
/// `InvalidInput` as above.
pub fn parse(text: &str) -> Result<Vec<(String, String)>> {
    if text.len() > 64 * 1024 {
        return Err(Error::invalid_input("the query is over 64 KiB"));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = decode(name)?;
        if out.iter().any(|(n, _)| *n == name) {
            return Err(Error::invalid_input(format!(
                "the parameter {:?} is given twice",
                name.chars().take(64).collect::<String>()
            )));
        }
        out.push((name, decode(value)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(encode("a b/é~"), "a%20b%2F%C3%A9~");
        let parsed = parse("a=1+2&b=%C3%A9&c&d=").unwrap();
        assert_eq!(
            parsed,
            [
                ("a".into(), "1 2".into()),
                ("b".into(), "é".into()),
                ("c".into(), String::new()),
                ("d".into(), String::new())
            ]
        );
        assert!(parse("a=%").is_err());
        assert!(parse("a=%zz").is_err());
        assert!(parse("a=%FF").is_err());
        assert!(parse("a=1&a=2").is_err());
    }
}
