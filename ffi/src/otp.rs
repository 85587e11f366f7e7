//! C door for one-time passwords: TOTP/HOTP codes and verification (with the matched step and
//! replay protection), `otpauth://` URIs, QR codes, and a shared replay guard handle.

use crate::guard::{
    ffi_guard, opt_ref, out, read_sized, text, write_bytes, write_sized, write_text, SizedStruct,
};
use crate::result::{bw_result, Failure};
use bulwark::otp::{
    build_uri, parse_uri, qr_png, qr_svg, Algorithm, Encoding, Hotp, OtpKind, Params, ReplayGuard,
    ReplayGuardOptions, Secret, Totp,
};
use std::ffi::c_char;

/// Algorithm: HMAC-SHA-1 (also what 0 means).
pub const BW_OTP_SHA1: u32 = 1;
/// Algorithm: HMAC-SHA-256.
pub const BW_OTP_SHA256: u32 = 2;
/// Algorithm: HMAC-SHA-512.
pub const BW_OTP_SHA512: u32 = 3;
/// `bw_otp_params.encoding`: decimal digits (also what 0 means).
pub const BW_OTP_DECIMAL: u32 = 0;
/// `bw_otp_params.encoding`: Steam Guard's five characters (`digits` does not apply).
pub const BW_OTP_STEAM: u32 = 1;
/// `bw_otp_uri.kind`: a time-based code (`otpauth://totp/`).
pub const BW_OTP_TOTP: u32 = 1;
/// `bw_otp_uri.kind`: a counter-based code (`otpauth://hotp/`).
pub const BW_OTP_HOTP: u32 = 2;
/// Characters of a secret from `bw_totp_generate_secret` (160 bits of base32).
pub const BW_OTP_SECRET_LEN: usize = 32;
/// A buffer this size holds any code plus its NUL (10 digits at most).
pub const BW_OTP_CODE_CAPACITY: usize = 11;
/// Capacity of each text field of `bw_otp_uri`, NUL included.
pub const BW_OTP_FIELD_CAPACITY: usize = 256;

/// OTP parameters. Set `size` and zero the rest for the defaults (SHA-1, 6 digits, 30 s, T0 = 0,
/// secrets of at least 128 bits): `bw_otp_params p = { sizeof p };`. NULL means the defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_otp_params {
    /// `sizeof(bw_otp_params)` as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// `BW_OTP_SHA1` (or 0), `BW_OTP_SHA256` or `BW_OTP_SHA512`.
    pub algorithm: u32,
    /// Digits per code, 6 to 10; 0 means 6.
    pub digits: u32,
    /// Seconds per TOTP step; 0 means 30.
    pub period: u64,
    /// Unix time at which TOTP step 0 starts (RFC 6238's T0).
    pub t0: u64,
    /// Accept secrets under 128 bits (only for existing enrolments).
    pub allow_short_secret: bool,
    /// `BW_OTP_DECIMAL` (or 0) or `BW_OTP_STEAM` (Steam Guard codes: five characters every 30
    /// seconds; `digits` does not apply).
    pub encoding: u32,
}

/// An `otpauth://` URI taken apart by `bw_otp_parse_uri`. Text fields are NUL-terminated with
/// their length beside them. `secret` is key material: wipe the struct after use. Set `size`
/// before the call: `bw_otp_uri u = { sizeof u };`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_otp_uri {
    /// `sizeof(bw_otp_uri)` as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// `BW_OTP_TOTP` or `BW_OTP_HOTP`.
    pub kind: u32,
    /// The base32 secret as written in the URI.
    pub secret: [c_char; BW_OTP_FIELD_CAPACITY],
    /// Length of `secret`.
    pub secret_len: usize,
    /// The account name.
    pub account: [c_char; BW_OTP_FIELD_CAPACITY],
    /// Length of `account`.
    pub account_len: usize,
    /// The issuer (empty when `has_issuer` is false).
    pub issuer: [c_char; BW_OTP_FIELD_CAPACITY],
    /// Length of `issuer`.
    pub issuer_len: usize,
    /// Whether the URI names an issuer.
    pub has_issuer: bool,
    /// Parameters: algorithm (`BW_OTP_SHA*`), digits and period; t0 is 0.
    pub params: bw_otp_params,
    /// The initial counter (HOTP; 0 otherwise).
    pub counter: u64,
}

/// A replay guard (opaque): remembers the last accepted step per account in memory or in Redis.
/// Safe to share between threads. Free with `bw_replay_guard_free`.
#[allow(non_camel_case_types)]
pub struct bw_replay_guard {
    guard: ReplayGuard,
}

crate::guard::sized_struct! {
    bw_otp_params => bw_otp_params { size: 0, algorithm: 0, digits: 0, period: 0, t0: 0, allow_short_secret: false, encoding: 0 };
    bw_otp_uri => bw_otp_uri {
        size: 0,
        kind: 0,
        secret: [0; BW_OTP_FIELD_CAPACITY],
        secret_len: 0,
        account: [0; BW_OTP_FIELD_CAPACITY],
        account_len: 0,
        issuer: [0; BW_OTP_FIELD_CAPACITY],
        issuer_len: 0,
        has_issuer: false,
        params: bw_otp_params { size: std::mem::size_of::<bw_otp_params>(), algorithm: 0, digits: 0, period: 0, t0: 0, allow_short_secret: false, encoding: 0 },
        counter: 0,
    };
}

fn params_from(p: Option<&bw_otp_params>) -> Result<(Params, bool), Failure> {
    let Some(p) = p else {
        return Ok((Params::default(), false));
    };
    let algorithm = match p.algorithm {
        0 | BW_OTP_SHA1 => Algorithm::Sha1,
        BW_OTP_SHA256 => Algorithm::Sha256,
        BW_OTP_SHA512 => Algorithm::Sha512,
        other => {
            return Err(bulwark::Error::invalid_input(format!(
                "unknown OTP algorithm {other} (BW_OTP_SHA1, BW_OTP_SHA256, BW_OTP_SHA512)"
            ))
            .into())
        }
    };
    let encoding = match p.encoding {
        BW_OTP_DECIMAL => Encoding::Decimal,
        BW_OTP_STEAM => Encoding::Steam,
        other => {
            return Err(bulwark::Error::invalid_input(format!(
                "unknown OTP encoding {other} (BW_OTP_DECIMAL, BW_OTP_STEAM)"
            ))
            .into())
        }
    };
    let params = Params {
        algorithm,
        digits: if p.digits == 0 { 6 } else { p.digits },
        period: if p.period == 0 { 30 } else { p.period },
        t0: p.t0,
        encoding,
    };
    Ok((params, p.allow_short_secret))
}

/// The secret and parameters of a call.
///
/// # Safety
/// `(secret, secret_len)` as `text`; `params` NULL or valid for a read.
unsafe fn inputs(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
) -> Result<(Secret, Params), Failure> {
    // SAFETY: forwarded caller guarantees.
    let (secret, p) = unsafe {
        (
            text(secret, secret_len, "secret")?,
            read_sized(params, "params")?,
        )
    };
    let (params, allow_short) = params_from(p.as_ref())?;
    let secret = if allow_short {
        Secret::from_base32_allow_short(secret)?
    } else {
        Secret::from_base32(secret)?
    };
    Ok((secret, params))
}

/// # Safety
/// As `inputs`.
unsafe fn totp_of(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
) -> Result<Totp, Failure> {
    // SAFETY: forwarded caller guarantees.
    let (secret, params) = unsafe { inputs(secret, secret_len, params) }?;
    Ok(Totp::new(&secret, params)?)
}

/// # Safety
/// As `inputs`.
unsafe fn hotp_of(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
) -> Result<Hotp, Failure> {
    // SAFETY: forwarded caller guarantees.
    let (secret, params) = unsafe { inputs(secret, secret_len, params) }?;
    Ok(Hotp::new(&secret, params)?)
}

/// Writes a new random base32 secret (`BW_OTP_SECRET_LEN` characters, 160 bits, no padding) plus
/// a NUL into `buf`; for TOTP and HOTP alike. Buffer contract as every text output.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_totp_generate_secret(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        let secret = zeroize::Zeroizing::new(Secret::generate()?.to_base32());
        // SAFETY: the caller guarantees (buf, cap) and out_len.
        unsafe { write_text(&secret, buf, cap, out_len) }
    })
}

/// Writes the TOTP code at Unix time `time` (zero-padded digits plus a NUL) into `buf`;
/// `BW_OTP_CODE_CAPACITY` always suffices. `params` may be NULL for the defaults.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_totp_code(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    time: u64,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let totp = unsafe { totp_of(secret, secret_len, params) }?;
        let code = totp.code_at(time)?;
        // SAFETY: the caller guarantees (buf, cap) and out_len.
        unsafe { write_text(&code, buf, cap, out_len) }
    })
}

/// Checks `code` against every step within `window` steps of `time`'s (each side; at most 1000),
/// all compared in constant time. A wrong code is an answer, not an error: `BW_OK` with
/// `*out_valid = false`. When `*out_valid` is true the matched step is in `*out_step` (which is
/// written only then).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_totp_verify(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    code: *const c_char,
    code_len: usize,
    time: u64,
    window: u64,
    out_valid: *mut bool,
    out_step: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (totp, code, valid, slot) = unsafe {
            (
                totp_of(secret, secret_len, params)?,
                text(code, code_len, "code")?,
                out(out_valid, "out_valid")?,
                out(out_step, "out_step")?,
            )
        };
        answer(totp.verify(code, time, window)?, valid, slot);
        Ok(())
    })
}

/// Writes a verification's answer: `*valid`, and the matched step or counter only when valid.
fn answer(matched: Option<u64>, valid: &mut bool, slot: &mut u64) {
    *valid = matched.is_some();
    if let Some(m) = matched {
        *slot = m;
    }
}

/// As `bw_totp_verify`, accepting the code only for a step later than `*last_used_step` (NULL
/// when no code was accepted yet) and writing the step to store next to `*out_step`. A wrong
/// code is `BW_OK` with `*out_valid = false`; a valid code of that step or an earlier one (a
/// replay, to report) is `BW_ERR_OTP_REPLAYED`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_totp_verify_once(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    code: *const c_char,
    code_len: usize,
    time: u64,
    window: u64,
    last_used_step: *const u64,
    out_valid: *mut bool,
    out_step: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (totp, code, last, valid, slot) = unsafe {
            (
                totp_of(secret, secret_len, params)?,
                text(code, code_len, "code")?,
                opt_ref(last_used_step).copied(),
                out(out_valid, "out_valid")?,
                out(out_step, "out_step")?,
            )
        };
        answer(totp.verify_once(code, time, window, last)?, valid, slot);
        Ok(())
    })
}

/// Writes the `otpauth://totp/` provisioning URI (as pyotp writes it) plus a NUL into `buf`.
/// `issuer` may be NULL with length 0 for none.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_totp_provisioning_uri(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    account: *const c_char,
    account_len: usize,
    issuer: *const c_char,
    issuer_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        unsafe {
            provisioning_uri(
                OtpKind::Totp,
                (secret, secret_len),
                params,
                (account, account_len),
                (issuer, issuer_len),
                0,
                (buf, cap, out_len),
            )
        }
    })
}

/// # Safety
/// Each pair and triple as the public functions document.
unsafe fn provisioning_uri(
    kind: OtpKind,
    secret: (*const c_char, usize),
    params: *const bw_otp_params,
    account: (*const c_char, usize),
    issuer: (*const c_char, usize),
    counter: u64,
    dest: (*mut c_char, usize, *mut usize),
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantees.
    let (parsed, account, issuer) = unsafe {
        (
            inputs(secret.0, secret.1, params)?,
            text(account.0, account.1, "account")?,
            text(issuer.0, issuer.1, "issuer")?,
        )
    };
    let (secret, params) = parsed;
    let issuer = (!issuer.is_empty()).then_some(issuer);
    let b32 = zeroize::Zeroizing::new(secret.to_base32());
    let uri = zeroize::Zeroizing::new(build_uri(
        kind, &b32, account, issuer, params, counter, None,
    )?);
    // SAFETY: forwarded caller guarantee on the destination.
    unsafe { write_text(&uri, dest.0, dest.1, dest.2) }
}

/// Writes the HOTP code of `counter` (digits plus a NUL) into `buf`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_hotp_code(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    counter: u64,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let hotp = unsafe { hotp_of(secret, secret_len, params) }?;
        // SAFETY: the caller guarantees (buf, cap) and out_len.
        unsafe { write_text(&hotp.code(counter), buf, cap, out_len) }
    })
}

/// Checks `code` against counters `counter` to `counter + look_ahead` (at most 1000), all in
/// constant time. A wrong code is `BW_OK` with `*out_valid = false`; when it is true the matched
/// counter is in `*out_counter` (written only then): store `*out_counter + 1` as the next
/// counter so that no code works twice.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_hotp_verify(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    code: *const c_char,
    code_len: usize,
    counter: u64,
    look_ahead: u64,
    out_valid: *mut bool,
    out_counter: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (hotp, code, valid, slot) = unsafe {
            (
                hotp_of(secret, secret_len, params)?,
                text(code, code_len, "code")?,
                out(out_valid, "out_valid")?,
                out(out_counter, "out_counter")?,
            )
        };
        answer(hotp.verify_window(code, counter, look_ahead)?, valid, slot);
        Ok(())
    })
}

/// Writes the `otpauth://hotp/` provisioning URI with `initial_count` plus a NUL into `buf`.
/// `issuer` may be NULL with length 0 for none.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_hotp_provisioning_uri(
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    account: *const c_char,
    account_len: usize,
    issuer: *const c_char,
    issuer_len: usize,
    initial_count: u64,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        unsafe {
            provisioning_uri(
                OtpKind::Hotp,
                (secret, secret_len),
                params,
                (account, account_len),
                (issuer, issuer_len),
                initial_count,
                (buf, cap, out_len),
            )
        }
    })
}

fn copy_field(
    dest: &mut [c_char; BW_OTP_FIELD_CAPACITY],
    value: &str,
    name: &str,
) -> Result<usize, Failure> {
    if value.len() >= BW_OTP_FIELD_CAPACITY {
        return Err(bulwark::Error::invalid_input(format!(
            "otpauth URI: the {name} is longer than {} bytes",
            BW_OTP_FIELD_CAPACITY - 1
        ))
        .into());
    }
    dest.fill(0);
    for (d, b) in dest.iter_mut().zip(value.bytes()) {
        *d = b as c_char;
    }
    Ok(value.len())
}

/// Parses an `otpauth://totp/…` or `otpauth://hotp/…` URI into `*out` (pyotp's rules; text
/// fields up to `BW_OTP_FIELD_CAPACITY - 1` bytes). Malformed URIs are `BW_ERR_INVALID_INPUT`
/// with what is wrong in the message.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_otp_parse_uri(
    uri: *const c_char,
    uri_len: usize,
    out_uri: *mut bw_otp_uri,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (uri, uri_len) and out_uri.
        let uri = unsafe { text(uri, uri_len, "uri")? };
        if out_uri.is_null() {
            return Err(Failure::null("out_uri"));
        }
        let parsed = parse_uri(uri)?;
        let mut r = <bw_otp_uri as SizedStruct>::defaults();
        r.kind = match parsed.kind {
            OtpKind::Totp => BW_OTP_TOTP,
            OtpKind::Hotp => BW_OTP_HOTP,
        };
        r.has_issuer = parsed.issuer.is_some();
        r.params.algorithm = match parsed.algorithm {
            Algorithm::Sha1 => BW_OTP_SHA1,
            Algorithm::Sha256 => BW_OTP_SHA256,
            Algorithm::Sha512 => BW_OTP_SHA512,
        };
        // Core's reading of the URI (a Steam URI's digits and period do not apply).
        let params = parsed.params();
        r.params.digits = params.digits;
        r.params.period = params.period;
        r.params.encoding = match params.encoding {
            Encoding::Decimal => BW_OTP_DECIMAL,
            Encoding::Steam => BW_OTP_STEAM,
        };
        r.counter = parsed.counter;
        r.secret_len = copy_field(&mut r.secret, &parsed.secret, "secret")?;
        r.account_len = copy_field(&mut r.account, &parsed.account, "account name")?;
        r.issuer_len = copy_field(
            &mut r.issuer,
            parsed.issuer.as_deref().unwrap_or(""),
            "issuer",
        )?;
        // SAFETY: the caller guarantees out_uri is valid for the size it declares.
        let written = unsafe { write_sized(out_uri, r, "out_uri") };
        zeroize::Zeroize::zeroize(&mut r.secret);
        written
    })
}

/// Writes the QR code of `text` (a provisioning URI) as an SVG document plus a NUL into `buf`.
/// Text too long for a QR code is `BW_ERR_INVALID_INPUT`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_otp_qr_svg(
    text_ptr: *const c_char,
    text_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (text_ptr, text_len).
        let t = unsafe { text(text_ptr, text_len, "text") }?;
        let svg = qr_svg(t)?;
        // SAFETY: the caller guarantees (buf, cap) and out_len.
        unsafe { write_text(&svg, buf, cap, out_len) }
    })
}

/// Writes the QR code of `text` as a grayscale PNG with `scale` pixels per module (1 to 64) into
/// `buf` (bytes, no NUL); `*out_len` is its size, or the size needed with
/// `BW_ERR_BUFFER_TOO_SMALL`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_otp_qr_png(
    text_ptr: *const c_char,
    text_len: usize,
    scale: u32,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (text_ptr, text_len).
        let t = unsafe { text(text_ptr, text_len, "text") }?;
        let png = qr_png(t, scale)?;
        // SAFETY: the caller guarantees (buf, cap) and out_len.
        unsafe { write_bytes(&png, buf, cap, out_len) }
    })
}

/// Creates a replay guard on `storage_uri` (`memory://`, or Redis in any topology:
/// `redis://host:port/db`, `rediss://…`, `redis+cluster://…`, `redis+sentinel://…/service`; keys
/// under `bulwark:otp:`). Free with `bw_replay_guard_free`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_replay_guard_new(
    storage_uri: *const c_char,
    storage_uri_len: usize,
    out_guard: *mut *mut bw_replay_guard,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (uri, slot) = unsafe {
            (
                text(storage_uri, storage_uri_len, "storage_uri")?,
                out(out_guard, "out_guard")?,
            )
        };
        let guard = ReplayGuard::new(uri, &ReplayGuardOptions::default())?;
        *slot = Box::into_raw(Box::new(bw_replay_guard { guard }));
        Ok(())
    })
}

/// As `bw_replay_guard_new`, with the Redis key `prefix` (empty: `bulwark:otp:`), the deadline
/// of one verification in milliseconds (0: 500) and the Redis TLS files and circuit breaker
/// (`redis`, NULL: the defaults). A storage URI may name any Redis topology: `rediss://`,
/// `redis+cluster://host:port,…`, `redis+sentinel://host:port,…/service`. Bad options (an
/// unreadable certificate file too) are `BW_ERR_INVALID_INPUT` here, never at the first code.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_replay_guard_new_with_options(
    storage_uri: *const c_char,
    storage_uri_len: usize,
    prefix: *const c_char,
    prefix_len: usize,
    timeout_ms: u32,
    redis: *const crate::redis_backend::bw_redis_options,
    out_guard: *mut *mut bw_replay_guard,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (uri, prefix, redis, slot) = unsafe {
            (
                text(storage_uri, storage_uri_len, "storage_uri")?,
                text(prefix, prefix_len, "prefix")?,
                crate::guard::read_sized(redis, "redis")?,
                out(out_guard, "out_guard")?,
            )
        };
        let mut options = ReplayGuardOptions {
            redis: crate::redis_backend::redis_options_from(redis.as_ref())?,
            ..ReplayGuardOptions::default()
        };
        if !prefix.is_empty() {
            prefix.clone_into(&mut options.prefix);
        }
        if timeout_ms > 0 {
            options.timeout = std::time::Duration::from_millis(u64::from(timeout_ms));
        }
        let guard = ReplayGuard::new(uri, &options)?;
        *slot = Box::into_raw(Box::new(bw_replay_guard { guard }));
        Ok(())
    })
}

/// Verifies a TOTP `code` for `account` at `time` within `window` steps and records the step:
/// the first request to use a code wins (atomically, across processes with Redis); the same
/// code again, or an older one, is `BW_ERR_OTP_REPLAYED`; a wrong code `BW_OK` with
/// `*out_valid = false` (nothing recorded); Redis unreachable `BW_ERR_BACKEND` (fail closed).
/// The step is in `*out_step` when `*out_valid` is true. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_replay_guard_verify(
    guard: *const bw_replay_guard,
    account: *const c_char,
    account_len: usize,
    secret: *const c_char,
    secret_len: usize,
    params: *const bw_otp_params,
    code: *const c_char,
    code_len: usize,
    time: u64,
    window: u64,
    out_valid: *mut bool,
    out_step: *mut u64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer arguments.
        let (g, account, totp, code, valid, slot) = unsafe {
            (
                opt_ref(guard).ok_or_else(|| Failure::null("guard"))?,
                text(account, account_len, "account")?,
                totp_of(secret, secret_len, params)?,
                text(code, code_len, "code")?,
                out(out_valid, "out_valid")?,
                out(out_step, "out_step")?,
            )
        };
        answer(
            g.guard.verify(&totp, account, code, time, window)?,
            valid,
            slot,
        );
        Ok(())
    })
}

/// Frees a replay guard from `bw_replay_guard_new`; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_replay_guard_free(guard: *mut bw_replay_guard) -> bw_result {
    ffi_guard!({
        if !guard.is_null() {
            // SAFETY: the caller guarantees it came from bw_replay_guard_new and is freed once.
            drop(unsafe { Box::from_raw(guard) });
        }
        Ok(())
    })
}
