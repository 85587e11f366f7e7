//! Text encodings the SDK's formats share: base64url without padding (JWT, tokens, key files),
//! standard base64, base32 (RFC 4648, for OTP secrets) and lower-case hex.
//!
//! Decoders are strict where the format is (base64url: no padding, no stray characters) and
//! lenient only where users type the text by hand ([`base32_decode_lenient`]).

use crate::error::{Error, Result};
use data_encoding::{Encoding, BASE32, BASE32_NOPAD, BASE64, BASE64URL_NOPAD, HEXLOWER_PERMISSIVE};

/// Encodes bytes as base64url without padding (RFC 4648 §5), as JWT and `secrets.token_urlsafe`.
///
/// ```
/// assert_eq!(bulwark::encoding::b64url_encode(b"\xfb\xff"), "-_8");
/// ```
#[must_use]
pub fn b64url_encode(data: &[u8]) -> String {
    BASE64URL_NOPAD.encode(data)
}

/// Decodes unpadded base64url (RFC 4648 §5).
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for padding, characters outside the
/// base64url alphabet, an impossible length, or non-zero trailing bits.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>> {
    decode_with(&BASE64URL_NOPAD, text, "base64url (no padding)")
}

/// Encodes bytes as standard padded base64 (RFC 4648 §4).
#[must_use]
pub fn b64_encode(data: &[u8]) -> String {
    BASE64.encode(data)
}

/// Decodes standard padded base64 (RFC 4648 §4).
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for characters outside the alphabet, bad
/// padding or an impossible length.
pub fn b64_decode(text: &str) -> Result<Vec<u8>> {
    decode_with(&BASE64, text, "base64")
}

/// Encodes bytes as upper-case base32 without padding (RFC 4648 §6), the form OTP apps expect.
///
/// ```
/// assert_eq!(bulwark::encoding::base32_encode(b"foobar"), "MZXW6YTBOI");
/// ```
#[must_use]
pub fn base32_encode(data: &[u8]) -> String {
    BASE32_NOPAD.encode(data)
}

/// Decodes base32 as people type it: case-insensitive, spaces and hyphens ignored, padding
/// optional. The result is strict in everything else (alphabet, length, trailing bits).
///
/// ```
/// let key = bulwark::encoding::base32_decode_lenient("mzxw 6ytb-oi").unwrap();
/// assert_eq!(key, b"foobar");
/// ```
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for characters outside the base32 alphabet,
/// a length no base32 text can have, or non-zero trailing bits.
pub fn base32_decode_lenient(text: &str) -> Result<Vec<u8>> {
    base32_clean_and_decode(text, &BASE32)
}

/// As [`base32_decode_lenient`], but unused trailing bits are ignored rather than refused, as
/// authenticator apps, pyotp and Python's `base64.b32decode` read OTP secrets.
///
/// ```
/// // 26 characters carry 130 bits: the last two are ignored.
/// let key = bulwark::encoding::base32_decode_ignoring_trailing_bits("AAAAAAAAAAAAAAAAAAAAAAAAAB").unwrap();
/// assert_eq!(key, [0u8; 16]);
/// ```
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for characters outside the alphabet or a
/// length no base32 text can have.
pub fn base32_decode_ignoring_trailing_bits(text: &str) -> Result<Vec<u8>> {
    static BASE32_ANY_TRAILING: std::sync::LazyLock<Option<Encoding>> =
        std::sync::LazyLock::new(|| {
            let mut spec = BASE32.specification();
            spec.check_trailing_bits = false;
            spec.encoding().ok()
        });
    let encoding = BASE32_ANY_TRAILING
        .as_ref()
        .ok_or_else(|| Error::internal("the base32 decoder could not be built"))?;
    base32_clean_and_decode(text, encoding)
}

/// Drops spaces, hyphens and tabs, upper-cases, re-pads to a multiple of 8 (so the padded,
/// strict decoder checks the length) and decodes with `encoding`.
fn base32_clean_and_decode(text: &str, encoding: &Encoding) -> Result<Vec<u8>> {
    let mut cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let unpadded_len = cleaned.trim_end_matches('=').len();
    cleaned.truncate(unpadded_len);
    if cleaned.contains('=') {
        return Err(Error::invalid_input(
            "base32: '=' padding is only allowed at the end",
        ));
    }
    // 1, 3 or 6 characters past a multiple of 8 cannot come from whole bytes (the padded
    // decoder would call this a padding error, which misleads whoever typed the text).
    if matches!(cleaned.len() % 8, 1 | 3 | 6) {
        return Err(Error::invalid_input(format!(
            "base32: invalid length: {} characters is not a possible length",
            cleaned.len()
        )));
    }
    let padded_len = cleaned.len().div_ceil(8) * 8;
    cleaned.extend(std::iter::repeat_n('=', padded_len - cleaned.len()));
    decode_with(encoding, &cleaned, "base32")
}

/// Encodes bytes as lower-case hex.
///
/// ```
/// assert_eq!(bulwark::encoding::hex_encode(&[0x00, 0xab]), "00ab");
/// ```
#[must_use]
pub fn hex_encode(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(data)
}

/// Decodes hex (either case).
///
/// # Errors
/// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an odd length or a non-hex character.
pub fn hex_decode(text: &str) -> Result<Vec<u8>> {
    decode_with(&HEXLOWER_PERMISSIVE, text, "hex")
}

fn decode_with(encoding: &Encoding, text: &str, name: &str) -> Result<Vec<u8>> {
    encoding.decode(text.as_bytes()).map_err(|e| {
        let what = match e.kind {
            data_encoding::DecodeKind::Length => "invalid length",
            data_encoding::DecodeKind::Symbol => "invalid character",
            data_encoding::DecodeKind::Trailing => "non-zero trailing bits",
            data_encoding::DecodeKind::Padding => "invalid padding",
        };
        Error::invalid_input(format!("{name}: {what} at position {}", e.position))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // RFC 4648 §10 test vectors.
    const RFC4648: [(&str, &str, &str, &str); 7] = [
        ("", "", "", ""),
        ("f", "Zg==", "MY", "66"),
        ("fo", "Zm8=", "MZXQ", "666f"),
        ("foo", "Zm9v", "MZXW6", "666f6f"),
        ("foob", "Zm9vYg==", "MZXW6YQ", "666f6f62"),
        ("fooba", "Zm9vYmE=", "MZXW6YTB", "666f6f6261"),
        ("foobar", "Zm9vYmFy", "MZXW6YTBOI", "666f6f626172"),
    ];

    #[test]
    fn rfc4648_vectors_round_trip() {
        for (plain, b64, b32, hex) in RFC4648 {
            assert_eq!(b64_encode(plain.as_bytes()), b64);
            assert_eq!(b64_decode(b64).unwrap(), plain.as_bytes());
            assert_eq!(b64url_encode(plain.as_bytes()), b64.trim_end_matches('='));
            assert_eq!(
                b64url_decode(b64.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
            assert_eq!(base32_encode(plain.as_bytes()), b32);
            assert_eq!(base32_decode_lenient(b32).unwrap(), plain.as_bytes());
            assert_eq!(
                base32_decode_lenient(&b32.to_lowercase()).unwrap(),
                plain.as_bytes()
            );
            assert_eq!(hex_encode(plain.as_bytes()), hex);
            assert_eq!(hex_decode(&hex.to_uppercase()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64url_uses_url_alphabet_and_rejects_others() {
        assert_eq!(b64url_encode(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(b64url_decode("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        for bad in ["+/+/", "Zg==", "Zg=", "Z", "Zh", "a b c", "Zm9v\n"] {
            let err = b64url_decode(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.message().starts_with("base64url"), "{}", err.message());
        }
    }

    #[test]
    fn base32_lenient_accepts_typing_and_rejects_garbage() {
        assert_eq!(base32_decode_lenient("MZXW 6YTB OI").unwrap(), b"foobar");
        assert_eq!(
            base32_decode_lenient("mzxw6ytboi======").unwrap(),
            b"foobar"
        );
        assert_eq!(base32_decode_lenient("").unwrap(), b"");
        for bad in ["MZXW1", "MZ=XW", "M", "MZX", "MZXW6YTBO", "MZ!"] {
            assert_eq!(
                base32_decode_lenient(bad).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hex_rejects_odd_and_non_hex() {
        assert!(hex_decode("abc").is_err());
        assert!(hex_decode("zz").is_err());
    }
}
