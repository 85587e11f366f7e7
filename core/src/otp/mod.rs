//! One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with SHA-1, SHA-256 or SHA-512,
//! 6 to 10 digits, any period and a T0 offset; verification that compares every code of the
//! window in constant time and returns the matched step; replay protection (`verify_once`, and a
//! [`ReplayGuard`] shared through Redis); `otpauth://` URIs; QR codes as SVG and PNG.
//!
//! HMAC comes from aws-lc, the SDK's one crypto backend: codes through aws-lc-rs, window checks
//! through aws-lc's HMAC context reused across the window (the `bulwark-aws-lc` crate, the
//! SDK's only unsafe code, kept out of this crate). The dynamic
//! truncation of RFC 4226 on top of it is a few lines of arithmetic (this is why the module does
//! not use `totp-rs`, which would bring a second HMAC/SHA stack, exits its window check at the
//! first match and returns no step).
//!
//! ```
//! use bulwark::otp::{Secret, Totp};
//!
//! let secret = Secret::generate().unwrap();            // 160 bits
//! let totp = Totp::new(&secret, Default::default()).unwrap();
//! let code = totp.code_at(1_700_000_000).unwrap();
//! assert_eq!(totp.verify(&code, 1_700_000_000, 1).unwrap(), Some(1_700_000_000 / 30));
//! // A wrong code is a value, not an error: None.
//! assert_eq!(totp.verify("000000x", 1_700_000_000, 1).unwrap(), None);
//! // Replay protection: the step just used cannot be used again.
//! let step = totp.verify_once(&code, 1_700_000_000, 1, None).unwrap().unwrap();
//! let again = totp.verify_once(&code, 1_700_000_010, 1, Some(step)).unwrap_err();
//! assert_eq!(again.kind(), bulwark::ErrorKind::Replayed);
//! ```

#[cfg(feature = "qr")]
mod qr;
mod replay;
mod uri;
use bulwark_aws_lc::hmac_window as window_hmac;

#[cfg(feature = "qr")]
pub use qr::{qr_png, qr_svg};
pub use replay::{ReplayGuard, ReplayGuardOptions};
pub use uri::{build_uri, parse_uri, OtpAuthUri, OtpKind};

use crate::{Error, ErrorKind, Result};
use aws_lc_rs::hmac;
use zeroize::Zeroizing;

/// The system clock as whole Unix seconds: the time every `_now` call of this module uses (OTP
/// steps are whole seconds; [`crate::jwt::unix_now`] is the same clock as `f64` for fractional
/// leeway, and the rate limiter's [`crate::ratelimit::SystemClock`] reads it in microseconds).
#[must_use]
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Secrets shorter than this (128 bits) are refused unless the caller opts out.
pub const MIN_SECRET_BYTES: usize = 16;
/// Bytes of a generated secret (160 bits, as RFC 4226 recommends and pyotp generates).
pub const DEFAULT_SECRET_BYTES: usize = 20;
/// The widest verification window accepted (steps each side), to bound the work per call.
pub const MAX_WINDOW: u64 = 1000;

/// The HMAC hash of an OTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA-1: what authenticator apps support everywhere (the default).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in `otpauth://` URIs: `SHA1`, `SHA256`, `SHA512`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            Self::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha512 => hmac::HMAC_SHA512,
        }
    }

    fn window_hash(self) -> window_hmac::Hash {
        match self {
            Self::Sha1 => window_hmac::Hash::Sha1,
            Self::Sha256 => window_hmac::Hash::Sha256,
            Self::Sha512 => window_hmac::Hash::Sha512,
        }
    }
}

/// aws-lc refused to key, copy or run an HMAC context (only on a broken build).
fn hmac_failed(e: window_hmac::HmacError) -> Error {
    Error::internal(e.to_string())
}

impl std::str::FromStr for Algorithm {
    type Err = Error;

    /// `SHA1`/`sha1`/`SHA-1`, and likewise for SHA-256 and SHA-512.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(Error::invalid_input(format!(
                "unsupported OTP algorithm {s:?}: use SHA1, SHA256 or SHA512"
            ))),
        }
    }
}

/// An OTP secret (the HMAC key). Zeroized on drop; `Debug` shows only its length.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

impl Secret {
    /// A new random secret of 160 bits from the OS CSPRNG.
    ///
    /// # Errors
    /// `Backend` if the random source fails.
    pub fn generate() -> Result<Self> {
        Ok(Self(Zeroizing::new(crate::random::token_bytes(
            DEFAULT_SECRET_BYTES,
        )?)))
    }

    /// A secret from raw bytes; at least 128 bits.
    ///
    /// # Errors
    /// `InvalidInput` for fewer than [`MIN_SECRET_BYTES`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        check_len(bytes.len(), MIN_SECRET_BYTES)?;
        Ok(Self(Zeroizing::new(bytes.to_vec())))
    }

    /// Parses base32 as people and apps write it: any case, spaces and hyphens ignored, padding
    /// optional, unused trailing bits ignored (as pyotp and Google Authenticator do). At least
    /// 128 bits.
    ///
    /// ```
    /// let s = bulwark::otp::Secret::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp").unwrap();
    /// assert_eq!(s.to_base32(), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    /// assert!(bulwark::otp::Secret::from_base32("JBSWY3DPEHPK3PXP").is_err()); // 80 bits
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for characters outside the alphabet, an impossible length, or fewer than
    /// 128 bits.
    pub fn from_base32(text: &str) -> Result<Self> {
        Self::from_base32_min(text, MIN_SECRET_BYTES)
    }

    /// As [`Secret::from_base32`] but accepting secrets under 128 bits (at least one byte): only
    /// for existing enrolments made with short secrets.
    ///
    /// # Errors
    /// `InvalidInput` for malformed base32 or an empty secret.
    pub fn from_base32_allow_short(text: &str) -> Result<Self> {
        Self::from_base32_min(text, 1)
    }

    fn from_base32_min(text: &str, min: usize) -> Result<Self> {
        let bytes = Zeroizing::new(decode_base32_secret(text)?);
        check_len(bytes.len(), min)?;
        Ok(Self(bytes))
    }

    /// The secret as upper-case base32 without padding (the `secret=` of a URI).
    #[must_use]
    pub fn to_base32(&self) -> String {
        crate::encoding::base32_encode(&self.0)
    }

    /// The raw key bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

fn check_len(len: usize, min: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::invalid_input("the OTP secret is empty"));
    }
    if len < min {
        return Err(Error::invalid_input(format!(
            "the OTP secret has {} bits; at least {} are required (opt out only for existing \
             enrolments)",
            len * 8,
            min * 8
        )));
    }
    Ok(())
}

/// Base32 as [`crate::encoding::base32_decode_ignoring_trailing_bits`] reads it, with messages
/// that say it is the OTP secret that is wrong.
fn decode_base32_secret(text: &str) -> Result<Vec<u8>> {
    crate::encoding::base32_decode_ignoring_trailing_bits(text)
        .map_err(|e| Error::invalid_input(format!("the OTP secret is not base32: {}", e.message())))
}

/// How a code is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Decimal digits (RFC 4226): `digits` of them, zero-padded.
    #[default]
    Decimal,
    /// Steam Guard's five characters from `23456789BCDFGHJKMNPQRTVWXY` (what pyotp's
    /// `contrib.Steam` makes; `digits` does not apply).
    Steam,
}

/// Steam Guard's alphabet and code length.
const STEAM_CHARS: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";
const STEAM_LEN: u32 = 5;

impl Encoding {
    /// The name in `otpauth://` URIs' `encoder` parameter (`None` for the default).
    #[must_use]
    pub fn uri_name(self) -> Option<&'static str> {
        match self {
            Self::Decimal => None,
            Self::Steam => Some("steam"),
        }
    }
}

/// The parameters shared by HOTP and TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The HMAC hash (default SHA-1).
    pub algorithm: Algorithm,
    /// Digits per code, 6 to 10 (default 6).
    pub digits: u32,
    /// Seconds per TOTP step (default 30; unused by HOTP).
    pub period: u64,
    /// The Unix time at which TOTP step 0 starts (RFC 6238's T0, default 0; unused by HOTP).
    pub t0: u64,
    /// How codes are written (default decimal digits).
    pub encoding: Encoding,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            t0: 0,
            encoding: Encoding::Decimal,
        }
    }
}

/// An HOTP generator and verifier (RFC 4226) with its key prepared once.
pub struct Hotp {
    key: hmac::Key,
    /// The same key as aws-lc's reusable context, for checks over a window of counters.
    window_key: window_hmac::WindowKey,
    digits: u32,
    algorithm: Algorithm,
    encoding: Encoding,
}

impl std::fmt::Debug for Hotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hotp")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .finish_non_exhaustive()
    }
}

impl Hotp {
    /// An HOTP for `secret` with `params.algorithm`, `params.digits` and `params.encoding`
    /// (Steam codes are always five characters, whatever `digits` says).
    ///
    /// # Errors
    /// `InvalidInput` for decimal digits outside 6..=10.
    pub fn new(secret: &Secret, params: Params) -> Result<Self> {
        let digits = match params.encoding {
            Encoding::Decimal => params.digits,
            Encoding::Steam => STEAM_LEN,
        };
        if params.encoding == Encoding::Decimal && !(6..=10).contains(&params.digits) {
            return Err(Error::invalid_input(format!(
                "OTP digits must be between 6 and 10, got {}",
                params.digits
            )));
        }
        Ok(Self {
            key: hmac::Key::new(params.algorithm.hmac(), secret.as_bytes()),
            window_key: window_hmac::WindowKey::new(
                params.algorithm.window_hash(),
                secret.as_bytes(),
            )
            .map_err(hmac_failed)?,
            digits,
            algorithm: params.algorithm,
            encoding: params.encoding,
        })
    }

    /// How codes are written.
    #[must_use]
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The number of digits (characters, for Steam) per code.
    #[must_use]
    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// The HMAC hash.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The code for `counter`, zero-padded to the digit count.
    ///
    /// ```
    /// // RFC 4226 Appendix D, counter 0.
    /// let s = bulwark::otp::Secret::from_bytes(b"12345678901234567890").unwrap();
    /// let h = bulwark::otp::Hotp::new(&s, Default::default()).unwrap();
    /// assert_eq!(h.code(0), "755224");
    /// ```
    #[must_use]
    pub fn code(&self, counter: u64) -> String {
        let n = self.number(counter);
        match self.encoding {
            Encoding::Decimal => format!("{n:0width$}", width = self.digits as usize),
            Encoding::Steam => {
                let mut rest = n;
                (0..STEAM_LEN)
                    .map(|_| {
                        let c = STEAM_CHARS
                            .get((rest % 26) as usize)
                            .copied()
                            .unwrap_or(b'2');
                        rest /= 26;
                        char::from(c)
                    })
                    .collect()
            }
        }
    }

    /// How many distinct codes there are: the truncated number is taken modulo this.
    fn modulus(&self) -> u64 {
        match self.encoding {
            Encoding::Decimal => 10u64.pow(self.digits),
            Encoding::Steam => 26u64.pow(STEAM_LEN),
        }
    }

    /// The code as a number.
    fn number(&self, counter: u64) -> u64 {
        self.truncate(hmac::sign(&self.key, &counter.to_be_bytes()).as_ref())
    }

    /// RFC 4226 dynamic truncation of an HMAC tag, modulo 10^digits.
    fn truncate(&self, mac: &[u8]) -> u64 {
        let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
        let mut word = [0u8; 4];
        // Every HMAC output here is at least 20 bytes, so offset + 4 <= 19 is always in range.
        if let Some(bytes) = mac.get(offset..offset + 4) {
            word.copy_from_slice(bytes);
        }
        let binary = u64::from(u32::from_be_bytes(word) & 0x7fff_ffff);
        binary % self.modulus()
    }

    /// Whether `code` is the code of `counter`, compared in constant time (false also if the
    /// HMAC backend fails, which aws-lc does not do for a keyed context).
    #[must_use]
    pub fn verify(&self, code: &str, counter: u64) -> bool {
        self.scan(code, counter, counter, None)
            .is_ok_and(|(found, _)| found)
    }

    /// Checks `code` against counters `counter ..= counter + look_ahead` (a resynchronisation
    /// window), every one of them in constant time with no early exit, and returns the matched
    /// counter (`None` when none matches: a wrong code is an answer, not an error); the caller
    /// stores `matched + 1` as the next counter, so no code works twice.
    ///
    /// # Errors
    /// `InvalidInput` for a look-ahead over [`MAX_WINDOW`] or a counter range past `u64::MAX`.
    pub fn verify_window(&self, code: &str, counter: u64, look_ahead: u64) -> Result<Option<u64>> {
        check_window(look_ahead)?;
        let last = counter
            .checked_add(look_ahead)
            .ok_or_else(|| Error::invalid_input("the HOTP counter window passes 2^64"))?;
        let (found, matched) = self.scan(code, counter, last, None)?;
        Ok(found.then_some(matched))
    }

    /// Compares `code` with the code of every counter in `first..=last` without exiting early;
    /// returns whether one matched and the highest matching counter (above `floor` if given).
    /// Codes are compared as numbers with branch-free arithmetic; a `code` that is not exactly
    /// `digits` ASCII digits matches nothing (its shape is the caller's input, not a secret).
    fn scan(&self, code: &str, first: u64, last: u64, floor: Option<u64>) -> Result<(bool, u64)> {
        let Some(given) = self.parse_code(code) else {
            return Ok((false, 0));
        };
        let mut signer = self.window_key.signer().map_err(hmac_failed)?;
        let mut tag = [0u8; window_hmac::MAX_TAG_LEN];
        let mut found = 0u64;
        let mut matched = 0u64;
        let mut c = first;
        loop {
            let number = self.truncate(
                signer
                    .sign(&c.to_be_bytes(), &mut tag)
                    .map_err(hmac_failed)?,
            );
            let diff = std::hint::black_box(number ^ given);
            let eq = ((diff | diff.wrapping_neg()) >> 63) ^ 1; // 1 when diff == 0
            let above = floor.map_or(1, |f| u64::from(c > f));
            let take = (eq & above).wrapping_neg(); // all ones when this counter counts
            matched = (c & take) | (matched & !take);
            found |= take & 1;
            if c == last {
                break;
            }
            c += 1;
        }
        tag.fill(0);
        Ok((found == 1, matched))
    }

    /// `code` as a number if it is exactly `digits` ASCII digits (for Steam, five characters of
    /// its alphabet, the first the least significant).
    fn parse_code(&self, code: &str) -> Option<u64> {
        if code.len() != self.digits as usize {
            return None;
        }
        match self.encoding {
            Encoding::Decimal => code.bytes().try_fold(0u64, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
            }),
            Encoding::Steam => code.bytes().rev().try_fold(0u64, |n, b| {
                let i = STEAM_CHARS.iter().position(|&c| c == b)?;
                Some(n * 26 + i as u64)
            }),
        }
    }
}

fn check_window(window: u64) -> Result<()> {
    if window > MAX_WINDOW {
        return Err(Error::invalid_input(format!(
            "an OTP window of {window} steps is too wide (at most {MAX_WINDOW})"
        )));
    }
    Ok(())
}

/// A TOTP generator and verifier (RFC 6238) with its key prepared once.
#[derive(Debug)]
pub struct Totp {
    hotp: Hotp,
    period: u64,
    t0: u64,
}

impl Totp {
    /// A TOTP for `secret` with `params` (algorithm, digits, period, T0).
    ///
    /// # Errors
    /// `InvalidInput` for digits outside 6..=10 or a zero period.
    pub fn new(secret: &Secret, params: Params) -> Result<Self> {
        if params.period == 0 {
            return Err(Error::invalid_input(
                "the TOTP period must be at least 1 second",
            ));
        }
        Ok(Self {
            hotp: Hotp::new(secret, params)?,
            period: params.period,
            t0: params.t0,
        })
    }

    /// The period in seconds.
    #[must_use]
    pub fn period(&self) -> u64 {
        self.period
    }

    /// The HOTP underneath (the code of step N is the HOTP code of counter N).
    #[must_use]
    pub fn hotp(&self) -> &Hotp {
        &self.hotp
    }

    /// The digits per code.
    #[must_use]
    pub fn digits(&self) -> u32 {
        self.hotp.digits
    }

    /// The time step of Unix time `time`: `(time - T0) / period`.
    ///
    /// # Errors
    /// `InvalidInput` for a time before T0.
    pub fn step(&self, time: u64) -> Result<u64> {
        time.checked_sub(self.t0)
            .map(|t| t / self.period)
            .ok_or_else(|| Error::invalid_input("the time lies before the TOTP's T0"))
    }

    /// The code of step `step`.
    #[must_use]
    pub fn code_at_step(&self, step: u64) -> String {
        self.hotp.code(step)
    }

    /// The code on screen now (system clock).
    ///
    /// # Errors
    /// As [`Totp::code_at`].
    pub fn code_now(&self) -> Result<String> {
        self.code_at(unix_now())
    }

    /// As [`Totp::verify`], now (system clock): the call a login handler makes.
    ///
    /// ```
    /// use bulwark::otp::{Params, Secret, Totp};
    /// let totp = Totp::new(&Secret::generate()?, Params::default())?;
    /// let code = totp.code_now()?;
    /// assert!(totp.verify_now(&code, 1)?.is_some());
    /// assert!(totp.verify_now("12345x", 1)?.is_none()); // not a code at all: a wrong code
    /// # Ok::<(), bulwark::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Totp::verify`].
    pub fn verify_now(&self, code: &str, window: u64) -> Result<Option<u64>> {
        self.verify(code, unix_now(), window)
    }

    /// As [`Totp::verify_once`], now (system clock).
    ///
    /// # Errors
    /// As [`Totp::verify_once`].
    pub fn verify_once_now(
        &self,
        code: &str,
        window: u64,
        last_used_step: Option<u64>,
    ) -> Result<Option<u64>> {
        self.verify_once(code, unix_now(), window, last_used_step)
    }

    /// The code at Unix time `time`.
    ///
    /// # Errors
    /// `InvalidInput` for a time before T0.
    pub fn code_at(&self, time: u64) -> Result<String> {
        Ok(self.hotp.code(self.step(time)?))
    }

    /// Checks `code` against every step within `window` steps of `time`'s (each side), all in
    /// constant time with no early exit, and returns the matched step (`None` for a code valid at
    /// no step of the window: a wrong code is an answer, not an error).
    ///
    /// # Errors
    /// `InvalidInput` for a window over [`MAX_WINDOW`] or a time before T0.
    pub fn verify(&self, code: &str, time: u64, window: u64) -> Result<Option<u64>> {
        let (found, step) = self.scan(code, time, window, None)?;
        Ok(found.then_some(step))
    }

    /// As [`Totp::verify`], accepting the code only for a step later than `last_used_step` (the
    /// one stored after the previous success; `None` if there was none). Returns the step to
    /// store, or `None` for a code valid at no step of the window. A code valid in the window but
    /// not after the last used step is [`ErrorKind::Replayed`], whether it is the same code
    /// again or an older one: a replay is an attack to report, so it is an error.
    ///
    /// # Errors
    /// `Replayed` as above; `InvalidInput` as for [`Totp::verify`].
    pub fn verify_once(
        &self,
        code: &str,
        time: u64,
        window: u64,
        last_used_step: Option<u64>,
    ) -> Result<Option<u64>> {
        let (found, step) = self.scan(code, time, window, last_used_step)?;
        if found {
            return Ok(Some(step));
        }
        // Not fresh: tell a replay (valid but used) from a wrong code.
        if self.scan(code, time, window, None)?.0 {
            return Err(Error::new(
                ErrorKind::Replayed,
                "the code was already used (or is older than the last one used)",
            ));
        }
        Ok(None)
    }

    fn scan(&self, code: &str, time: u64, window: u64, floor: Option<u64>) -> Result<(bool, u64)> {
        check_window(window)?;
        let step = self.step(time)?;
        let first = step.saturating_sub(window);
        let last = step.saturating_add(window);
        self.hotp.scan(code, first, last, floor)
    }
}

#[cfg(test)]
mod tests;
