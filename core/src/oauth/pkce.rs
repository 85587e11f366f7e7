//! PKCE (RFC 7636): code verifiers from the CSPRNG, S256 challenges, the server's check in
//! constant time. `plain` exists only when asked for by name.

use crate::{Error, Result};
use zeroize::Zeroizing;

/// Shortest code verifier RFC 7636 allows (characters).
pub const MIN_VERIFIER_LEN: usize = 43;
/// Longest code verifier RFC 7636 allows (characters).
pub const MAX_VERIFIER_LEN: usize = 128;

/// How a challenge is derived from the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeMethod {
    /// `BASE64URL(SHA-256(verifier))`: the one to use.
    S256,
    /// The verifier itself: only for clients that cannot hash, and only when named.
    Plain,
}

impl ChallengeMethod {
    /// The method's name on the wire (`S256`, `plain`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

impl std::str::FromStr for ChallengeMethod {
    type Err = Error;

    /// `S256` or `plain`, exactly as RFC 7636 spells them.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "S256" => Ok(Self::S256),
            "plain" => Ok(Self::Plain),
            _ => Err(Error::invalid_input(
                "the PKCE code_challenge_method is S256 or plain",
            )),
        }
    }
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Checks a verifier's form: 43 to 128 characters of `[A-Za-z0-9-._~]`.
///
/// # Errors
/// `InvalidInput` otherwise.
pub fn check_verifier(verifier: &str) -> Result<()> {
    if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len())
        || !verifier.bytes().all(unreserved)
    {
        return Err(Error::invalid_input(
            "a PKCE code verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    Ok(())
}

/// A PKCE code verifier: secret until the code is exchanged, zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(Zeroizing<String>);

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([REDACTED])")
    }
}

impl CodeVerifier {
    /// A fresh verifier: 32 bytes from the OS CSPRNG, base64url (43 characters, 256 bits).
    ///
    /// # Errors
    /// `Backend` when the OS random source fails.
    pub fn generate() -> Result<Self> {
        Self::generate_len(MIN_VERIFIER_LEN)
    }

    /// A fresh verifier of `len` characters (43 to 128), each carrying 6 random bits.
    ///
    /// # Errors
    /// `InvalidInput` for a length outside 43..=128; `Backend` when the OS random source fails.
    pub fn generate_len(len: usize) -> Result<Self> {
        if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&len) {
            return Err(Error::invalid_input(
                "a PKCE code verifier is 43 to 128 characters",
            ));
        }
        let bytes = Zeroizing::new(crate::random::token_bytes(len.div_ceil(4) * 3)?);
        let mut text = Zeroizing::new(crate::encoding::b64url_encode(&bytes));
        text.truncate(len);
        Ok(Self(text))
    }

    /// A verifier the caller already has (checked: 43 to 128 unreserved characters).
    ///
    /// # Errors
    /// `InvalidInput` for a malformed verifier.
    pub fn new(verifier: &str) -> Result<Self> {
        check_verifier(verifier)?;
        Ok(Self(Zeroizing::new(verifier.to_owned())))
    }

    /// The verifier, for the token request.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The challenge for the authorization request.
    #[must_use]
    pub fn challenge(&self, method: ChallengeMethod) -> String {
        challenge_of(&self.0, method)
    }
}

fn challenge_of(verifier: &str, method: ChallengeMethod) -> String {
    match method {
        ChallengeMethod::S256 => crate::encoding::b64url_encode(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
        ),
        ChallengeMethod::Plain => verifier.to_owned(),
    }
}

/// The authorization server's check: whether `verifier` (from the token request) matches the
/// `challenge` stored with the code, compared in constant time. A malformed verifier is no
/// match (the server answers `invalid_grant` either way).
///
/// ```
/// use bulwark::oauth::pkce::{verify_challenge, ChallengeMethod, CodeVerifier};
/// let v = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?; // RFC 7636 B
/// let c = v.challenge(ChallengeMethod::S256);
/// assert_eq!(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// assert!(verify_challenge(v.as_str(), &c, ChallengeMethod::S256));
/// assert!(!verify_challenge(&"x".repeat(43), &c, ChallengeMethod::S256));
/// # Ok::<(), bulwark::Error>(())
/// ```
#[must_use]
pub fn verify_challenge(verifier: &str, challenge: &str, method: ChallengeMethod) -> bool {
    if check_verifier(verifier).is_err() {
        return false;
    }
    let expected = challenge_of(verifier, method);
    crate::ct::eq(expected.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers() {
        let v = CodeVerifier::generate().unwrap();
        assert_eq!(v.as_str().len(), 43);
        check_verifier(v.as_str()).unwrap();
        assert_ne!(v, CodeVerifier::generate().unwrap());
        for len in [43, 44, 64, 127, 128] {
            assert_eq!(CodeVerifier::generate_len(len).unwrap().as_str().len(), len);
        }
        assert!(CodeVerifier::generate_len(42).is_err());
        assert!(CodeVerifier::generate_len(129).is_err());
        assert!(CodeVerifier::new(&"a".repeat(42)).is_err());
        assert!(CodeVerifier::new(&format!("{}+", "a".repeat(43))).is_err());
        assert!(CodeVerifier::new(&"~".repeat(128)).is_ok());
        assert_eq!(format!("{v:?}"), "CodeVerifier([REDACTED])");
    }

    #[test]
    fn methods() {
        assert_eq!(
            "S256".parse::<ChallengeMethod>().unwrap(),
            ChallengeMethod::S256
        );
        assert_eq!(
            "plain".parse::<ChallengeMethod>().unwrap(),
            ChallengeMethod::Plain
        );
        assert!("s256".parse::<ChallengeMethod>().is_err());
        let v = "a".repeat(50);
        assert!(verify_challenge(&v, &v, ChallengeMethod::Plain));
        assert!(!verify_challenge(&v, &v, ChallengeMethod::S256));
    }
}
