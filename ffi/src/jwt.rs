//! C door for JWTs: `bw_jwt_encode`, `bw_jwt_unverified_header` and the reusable, thread-safe
//! `bw_jwt_verifier` handle.

use crate::guard::{
    ffi_guard, opt_ref, out, read_sized, slice, text, write_bytes, write_defaults, write_text,
};
use crate::result::{bw_result, Failure};
use bulwark::jwt::{self, Algorithm, EncodeOptions, JwkSet, SigningKey, Validation, Verifier};
use std::ffi::c_char;

/// Flag: accept HMAC secrets shorter than the hash output (refused by default, RFC 7518 §3.2).
pub const BW_JWT_ALLOW_SHORT_HMAC_KEY: u32 = 1;
/// Flag (verifier): do not check `exp`.
pub const BW_JWT_NO_VERIFY_EXP: u32 = 2;
/// Flag (verifier): do not check `nbf`.
pub const BW_JWT_NO_VERIFY_NBF: u32 = 4;
/// Flag (verifier): do not check `iat`.
pub const BW_JWT_NO_VERIFY_IAT: u32 = 8;
/// Flag (verifier): `aud` must be one string equal to the one expected audience (PyJWT's
/// `strict_aud`).
pub const BW_JWT_STRICT_AUDIENCE: u32 = 16;

const KNOWN_FLAGS: u32 = BW_JWT_ALLOW_SHORT_HMAC_KEY
    | BW_JWT_NO_VERIFY_EXP
    | BW_JWT_NO_VERIFY_NBF
    | BW_JWT_NO_VERIFY_IAT
    | BW_JWT_STRICT_AUDIENCE;

/// Whether `flags` (which may hold only `BW_JWT_ALLOW_SHORT_HMAC_KEY`, the one flag that applies
/// to `what`) allow short HMAC secrets.
fn allow_short_hmac_only(flags: u32, what: &str) -> Result<bool, Failure> {
    if flags & !BW_JWT_ALLOW_SHORT_HMAC_KEY != 0 {
        return Err(bulwark::Error::invalid_input(format!(
            "only BW_JWT_ALLOW_SHORT_HMAC_KEY applies to {what}"
        ))
        .into());
    }
    Ok(flags & BW_JWT_ALLOW_SHORT_HMAC_KEY != 0)
}

fn check_flags(flags: u32) -> Result<(), Failure> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(bulwark::Error::invalid_input(format!(
            "unknown flag bits {:#x}",
            flags & !KNOWN_FLAGS
        ))
        .into());
    }
    Ok(())
}

/// A text list: a JSON array of strings, or comma-separated names (blank items dropped).
fn list(s: &str, what: &str) -> Result<Vec<String>, Failure> {
    if s.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<String>>(s).map_err(|e| {
            bulwark::Error::invalid_input(format!("{what} is not a JSON array of strings: {e}"))
                .into()
        });
    }
    Ok(crate::guard::comma_list(s))
}

fn signing_key(alg: Algorithm, key: &[u8]) -> Result<SigningKey, Failure> {
    Ok(SigningKey::for_algorithm(alg, key)?)
}

/// Signs `claims_json` (one JSON object, signed verbatim) into a compact JWT, written
/// NUL-terminated into `out` (text buffer contract as `bw_token_urlsafe`).
///
/// `alg` is the JOSE name (`"HS256"`, `"RS256"`, `"PS256"`, `"ES256"`, `"ES512"`, `"ES256K"`, `"EdDSA"`, …;
/// `none` does not exist). `key` is the HMAC secret for HS*, otherwise a private key as PEM
/// (PKCS#8, PKCS#1, SEC1) or as a JWK object. `header_json` (NULL with 0: none) adds header
/// members such as `kid`; the header always has `alg` and, unless set to null, `typ: "JWT"`.
/// HMAC secrets shorter than the hash output are `BW_ERR_INVALID_KEY` (see
/// `bw_jwt_encode_with_flags`). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_encode(
    alg: *const c_char,
    alg_len: usize,
    key: *const u8,
    key_len: usize,
    claims_json: *const c_char,
    claims_len: usize,
    header_json: *const c_char,
    header_len: usize,
    out_token: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees, as documented on bw_jwt_encode_with_flags.
        unsafe {
            encode(
                alg,
                alg_len,
                key,
                key_len,
                claims_json,
                claims_len,
                header_json,
                header_len,
                0,
                out_token,
                cap,
                out_len,
            )
        }
    })
}

/// As `bw_jwt_encode`, with `flags` (`BW_JWT_ALLOW_SHORT_HMAC_KEY` is the only one that applies
/// to signing; others are `BW_ERR_INVALID_INPUT`).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_encode_with_flags(
    alg: *const c_char,
    alg_len: usize,
    key: *const u8,
    key_len: usize,
    claims_json: *const c_char,
    claims_len: usize,
    header_json: *const c_char,
    header_len: usize,
    flags: u32,
    out_token: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        allow_short_hmac_only(flags, "signing")?;
        // SAFETY: forwarded caller guarantees.
        unsafe {
            encode(
                alg,
                alg_len,
                key,
                key_len,
                claims_json,
                claims_len,
                header_json,
                header_len,
                flags,
                out_token,
                cap,
                out_len,
            )
        }
    })
}

/// # Safety
/// Every `(ptr, len)` pair must be valid for reads (or NULL with 0); `out_token` / `out_len` as
/// `write_text`.
#[allow(clippy::too_many_arguments)]
unsafe fn encode(
    alg: *const c_char,
    alg_len: usize,
    key: *const u8,
    key_len: usize,
    claims_json: *const c_char,
    claims_len: usize,
    header_json: *const c_char,
    header_len: usize,
    flags: u32,
    out_token: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantees.
    let (alg, key, claims, header) = unsafe {
        (
            text(alg, alg_len, "alg")?,
            slice(key, key_len, "key")?,
            text(claims_json, claims_len, "claims_json")?,
            text(header_json, header_len, "header_json")?,
        )
    };
    let token = sign_with(alg, key, header, flags, |alg, key, header, options| {
        jwt::encode_json(alg, key, claims, header, options)
    })?;
    // SAFETY: forwarded caller guarantee on the output buffer.
    unsafe { write_text(&token, out_token, cap, out_len) }
}

/// What `bw_jwt_encode*` and `bw_jws_encode` share around core's signing: the algorithm by
/// name, the key typed for it, the flags as options, an empty header as none.
fn sign_with(
    alg: &str,
    key: &[u8],
    header: &str,
    flags: u32,
    sign: impl FnOnce(
        Algorithm,
        &jwt::SigningKey,
        Option<&str>,
        EncodeOptions,
    ) -> bulwark::Result<String>,
) -> Result<String, Failure> {
    let alg: Algorithm = alg.parse()?;
    let key = signing_key(alg, key)?;
    let options = EncodeOptions {
        allow_short_hmac_key: flags & BW_JWT_ALLOW_SHORT_HMAC_KEY != 0,
    };
    Ok(sign(
        alg,
        &key,
        (!header.is_empty()).then_some(header),
        options,
    )?)
}

/// Signs any bytes as a compact JWS (the payload is not read as claims: PyJWT's `PyJWS`), with
/// the key and header rules of `bw_jwt_encode_with_flags`. Verify with
/// `bw_jwt_verifier_verify_jws`. Text buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jws_encode(
    alg: *const c_char,
    alg_len: usize,
    key: *const u8,
    key_len: usize,
    payload: *const u8,
    payload_len: usize,
    header_json: *const c_char,
    header_len: usize,
    flags: u32,
    out_token: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        check_flags(flags)?;
        // SAFETY: the caller guarantees each (ptr, len) pair.
        let (alg, key, payload, header) = unsafe {
            (
                text(alg, alg_len, "alg")?,
                slice(key, key_len, "key")?,
                slice(payload, payload_len, "payload")?,
                text(header_json, header_len, "header_json")?,
            )
        };
        let token = sign_with(alg, key, header, flags, |alg, key, header, options| {
            jwt::encode_bytes(alg, key, payload, header, options)
        })?;
        // SAFETY: the caller guarantees the output buffer.
        unsafe { write_text(&token, out_token, cap, out_len) }
    })
}

/// Writes a token's header JSON, NOT verified, into `out` (for picking a key by `kid`; never
/// trust it). Malformed tokens are `BW_ERR_MALFORMED`. Text buffer contract as
/// `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_unverified_header(
    token: *const c_char,
    token_len: usize,
    out_header: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (token, token_len).
        let token = unsafe { text(token, token_len, "token") }?;
        let header = jwt::unverified_header(token)?;
        let json =
            serde_json::to_string(&header).map_err(|e| bulwark::Error::internal(e.to_string()))?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&json, out_header, cap, out_len) }
    })
}

/// Options of `bw_jwt_verifier_new`. Fill with `bw_jwt_verifier_options_default(&o, sizeof o)`
/// (or zero it and set `size = sizeof o`), then set what you need. Text members are
/// `(ptr, len)`; lists are comma-separated or a JSON array of strings.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_jwt_verifier_options {
    /// `sizeof(bw_jwt_verifier_options)` as the caller's header declares it (fields may be added
    /// at the end).
    pub size: usize,
    /// Accepted algorithms, e.g. `"RS256"` or `"ES256,EdDSA"`. Required; never mix HS* with
    /// public-key algorithms.
    pub algorithms: *const c_char,
    /// Length of `algorithms`.
    pub algorithms_len: usize,
    /// The key: the HMAC secret for HS* allow-lists, else a public (or private) key as PEM or a
    /// JWK object. Exactly one of `key` and `jwks` must be given.
    pub key: *const u8,
    /// Length of `key`.
    pub key_len: usize,
    /// A JWK set (`{"keys": [...]}`); the key is picked by the token's `kid`.
    pub jwks: *const c_char,
    /// Length of `jwks`.
    pub jwks_len: usize,
    /// Accepted issuers (`iss`); empty: not checked.
    pub issuers: *const c_char,
    /// Length of `issuers`.
    pub issuers_len: usize,
    /// Accepted audiences (`aud`); empty: tokens carrying an `aud` are refused.
    pub audiences: *const c_char,
    /// Length of `audiences`.
    pub audiences_len: usize,
    /// The required subject (`sub`); empty: any string.
    pub subject: *const c_char,
    /// Length of `subject`.
    pub subject_len: usize,
    /// Claims that must be present, e.g. `"exp,sub"`.
    pub required_claims: *const c_char,
    /// Length of `required_claims`.
    pub required_claims_len: usize,
    /// Clock skew tolerated by the `exp`/`nbf`/`iat` checks, in seconds.
    pub leeway_seconds: u32,
    /// Largest token accepted in bytes; 0 means the default (8192).
    pub max_token_len: usize,
    /// `BW_JWT_*` flags.
    pub flags: u32,
}

crate::guard::sized_struct! {
    bw_jwt_verifier_options => bw_jwt_verifier_options {
        size: 0,
        algorithms: std::ptr::null(),
        algorithms_len: 0,
        key: std::ptr::null(),
        key_len: 0,
        jwks: std::ptr::null(),
        jwks_len: 0,
        issuers: std::ptr::null(),
        issuers_len: 0,
        audiences: std::ptr::null(),
        audiences_len: 0,
        subject: std::ptr::null(),
        subject_len: 0,
        required_claims: std::ptr::null(),
        required_claims_len: 0,
        leeway_seconds: 0,
        max_token_len: 0,
        flags: 0,
    };
}

/// Writes the default options (no key, every check on) into `*out_options`, `size` bytes of it
/// (pass `sizeof *out_options`; `out_options->size` is set to it).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_options_default(
    out_options: *mut bw_jwt_verifier_options,
    size: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees out_options is NULL or valid for `size` bytes.
        unsafe { write_defaults(out_options, size, "out_options") }
    })
}

/// A JWT verifier (opaque): keys plus validation rules, fixed at creation. Immutable, so one
/// handle may be used from many threads at once. Free with `bw_jwt_verifier_free`.
#[allow(non_camel_case_types)]
pub struct bw_jwt_verifier(Verifier);

fn validation_from(o: &bw_jwt_verifier_options) -> Result<Validation, Failure> {
    check_flags(o.flags)?;
    // SAFETY: the caller of bw_jwt_verifier_new guarantees every (ptr, len) member.
    let (algs, issuers, audiences, subject, required) = unsafe {
        (
            text(o.algorithms, o.algorithms_len, "algorithms")?,
            text(o.issuers, o.issuers_len, "issuers")?,
            text(o.audiences, o.audiences_len, "audiences")?,
            text(o.subject, o.subject_len, "subject")?,
            text(o.required_claims, o.required_claims_len, "required_claims")?,
        )
    };
    let algorithms = list(algs, "algorithms")?
        .iter()
        .map(|a| a.parse::<Algorithm>())
        .collect::<bulwark::Result<Vec<_>>>()?;
    let mut v = Validation::new(&algorithms);
    v.leeway = f64::from(o.leeway_seconds);
    let issuers = list(issuers, "issuers")?;
    v.issuers = (!issuers.is_empty()).then_some(issuers);
    let audiences = list(audiences, "audiences")?;
    v.audiences = (!audiences.is_empty()).then_some(audiences);
    v.subject = (!subject.is_empty()).then(|| subject.to_owned());
    v.required = list(required, "required_claims")?;
    if o.max_token_len > 0 {
        v.max_token_len = o.max_token_len;
    }
    v.verify_exp = o.flags & BW_JWT_NO_VERIFY_EXP == 0;
    v.verify_nbf = o.flags & BW_JWT_NO_VERIFY_NBF == 0;
    v.verify_iat = o.flags & BW_JWT_NO_VERIFY_IAT == 0;
    v.strict_audience = o.flags & BW_JWT_STRICT_AUDIENCE != 0;
    v.allow_short_hmac_key = o.flags & BW_JWT_ALLOW_SHORT_HMAC_KEY != 0;
    Ok(v)
}

/// Creates a verifier. Refused with `BW_ERR_INVALID_INPUT`: an empty or mixed (HS* with
/// public-key) allow-list (whatever the key), both or neither of `key` and `jwks`, unknown flags; with
/// `BW_ERR_ALGORITHM_NOT_ALLOWED`: `none` or an unknown name in the list; with
/// `BW_ERR_INVALID_KEY`: an unusable key or JWK set, or a key no allowed algorithm uses.
/// `options` must not be NULL; `*out_verifier` is written on success only.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_new(
    options: *const bw_jwt_verifier_options,
    out_verifier: *mut *mut bw_jwt_verifier,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees options is NULL or valid for the size it declares.
        let o =
            unsafe { read_sized(options, "options") }?.ok_or_else(|| Failure::null("options"))?;
        let o = &o;
        // SAFETY: the caller guarantees out_verifier is NULL or valid for a write.
        let slot = unsafe { out(out_verifier, "out_verifier") }?;
        let validation = validation_from(o)?;
        // SAFETY: the caller guarantees the key and jwks members.
        let (key, jwks) = unsafe {
            (
                slice(o.key, o.key_len, "key")?,
                text(o.jwks, o.jwks_len, "jwks")?,
            )
        };
        let verifier = match (key.is_empty(), jwks.is_empty()) {
            (false, true) => Verifier::from_material(key, validation)?,
            (true, false) => Verifier::with_jwks(JwkSet::from_json(jwks)?, validation)?,
            _ => {
                return Err(
                    bulwark::Error::invalid_input("give exactly one of key and jwks").into(),
                )
            }
        };
        *slot = Box::into_raw(Box::new(bw_jwt_verifier(verifier)));
        Ok(())
    })
}

/// Verifies `token` now and writes its claims JSON (exactly as signed) NUL-terminated into
/// `out_claims` (text buffer contract as `bw_token_urlsafe`). Each refusal has its own code:
/// `BW_ERR_MALFORMED`, `BW_ERR_ALGORITHM_NOT_ALLOWED`, `BW_ERR_INVALID_KEY`,
/// `BW_ERR_VERIFICATION_FAILED` (signature), `BW_ERR_EXPIRED`, `BW_ERR_NOT_YET_VALID`,
/// `BW_ERR_ISSUED_IN_FUTURE`, `BW_ERR_INVALID_AUDIENCE`, `BW_ERR_INVALID_ISSUER`,
/// `BW_ERR_INVALID_SUBJECT`, `BW_ERR_MISSING_CLAIM`, `BW_ERR_INVALID_CLAIM`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_verify(
    verifier: *const bw_jwt_verifier,
    token: *const c_char,
    token_len: usize,
    out_claims: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: forwarded caller guarantees.
        unsafe { verify(verifier, token, token_len, None, out_claims, cap, out_len) }
    })
}

/// As `bw_jwt_verifier_verify`, as of `now_unix` (seconds since the epoch) instead of the
/// system clock: for tests and for re-checking logged tokens.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_verify_at(
    verifier: *const bw_jwt_verifier,
    token: *const c_char,
    token_len: usize,
    now_unix: i64,
    out_claims: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // Unix seconds fit an f64 exactly for the next 285 million years.
        #[allow(clippy::cast_precision_loss)]
        let now = now_unix as f64;
        // SAFETY: forwarded caller guarantees.
        unsafe {
            verify(
                verifier,
                token,
                token_len,
                Some(now),
                out_claims,
                cap,
                out_len,
            )
        }
    })
}

/// # Safety
/// `verifier` NULL or from `bw_jwt_verifier_new` and not freed; `(token, token_len)` readable;
/// output as `write_text`.
unsafe fn verify(
    verifier: *const bw_jwt_verifier,
    token: *const c_char,
    token_len: usize,
    now: Option<f64>,
    out_claims: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let v = unsafe { opt_ref(verifier) }.ok_or_else(|| Failure::null("verifier"))?;
    // SAFETY: forwarded caller guarantee.
    let token = unsafe { text(token, token_len, "token") }?;
    let decoded = match now {
        Some(t) => v.0.verify_at(token, t)?,
        None => v.0.verify(token)?,
    };
    // SAFETY: forwarded caller guarantee.
    unsafe { write_text(&decoded.payload_json, out_claims, cap, out_len) }
}

/// Verifies a JWS whose payload is any bytes (signed with `bw_jws_encode`): form, header,
/// algorithm (the verifier's allow-list) and signature, no claims. Writes the payload bytes into
/// `(out_payload, cap)` and its length into `*out_len` (`BW_ERR_BUFFER_TOO_SMALL` with the size
/// needed when it does not fit). Refusals as `bw_jwt_verifier_verify`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_verify_jws(
    verifier: *const bw_jwt_verifier,
    token: *const c_char,
    token_len: usize,
    out_payload: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the handle and the token.
        let (v, token) = unsafe {
            (
                opt_ref(verifier).ok_or_else(|| Failure::null("verifier"))?,
                text(token, token_len, "token")?,
            )
        };
        let jws = v.0.verify_jws(token)?;
        // SAFETY: the caller guarantees the output buffer.
        unsafe { write_bytes(&jws.payload, out_payload, cap, out_len) }
    })
}

/// Frees a verifier; NULL is a no-op. Do not use the handle afterwards.
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verifier_free(verifier: *mut bw_jwt_verifier) -> bw_result {
    ffi_guard!({
        if !verifier.is_null() {
            // SAFETY: the caller guarantees it came from bw_jwt_verifier_new and is freed once.
            drop(unsafe { Box::from_raw(verifier) });
        }
        Ok(())
    })
}

/// Generates a key pair for `alg` (RS256 to PS512: RSA 2048, ES256: P-256, ES384: P-384, ES512:
/// P-521, ES256K: secp256k1, EdDSA:
/// Ed25519) and writes the PKCS#8 private key and the SPKI public key as NUL-terminated PEM.
/// `BW_JWT_PEM_CAPACITY` bytes are always enough for each. If either buffer is too small, both
/// `*private_len` and `*public_len` receive the capacities needed and nothing is written
/// (`BW_ERR_BUFFER_TOO_SMALL`). HS* algorithms are `BW_ERR_INVALID_INPUT` (use
/// `bw_random_bytes`). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_generate_key_pair(
    alg: *const c_char,
    alg_len: usize,
    private_pem: *mut c_char,
    private_cap: usize,
    private_len: *mut usize,
    public_pem: *mut c_char,
    public_cap: usize,
    public_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees (alg, alg_len).
        let alg: Algorithm = unsafe { text(alg, alg_len, "alg") }?.parse()?;
        let (private, public) = jwt::generate_pem(alg)?;
        // SAFETY: the caller guarantees both length pointers are NULL or writable.
        let (plen, publen) = unsafe {
            (
                out(private_len, "private_len")?,
                out(public_len, "public_len")?,
            )
        };
        let (need_private, need_public) = (private.len() + 1, public.len() + 1);
        if private_cap < need_private || public_cap < need_public {
            *plen = need_private;
            *publen = need_public;
            return Err(crate::guard::too_small(
                private_cap.min(public_cap),
                need_private.max(need_public),
            ));
        }
        // SAFETY: the caller guarantees the buffers; capacities were checked above.
        unsafe {
            write_text(&private, private_pem, private_cap, plen)?;
            write_text(&public, public_pem, public_cap, publen)
        }
    })
}

/// Capacity that always holds one PEM key written by `bw_jwt_generate_key_pair`.
pub const BW_JWT_PEM_CAPACITY: usize = 4096;

/// Whether verified claims grant access by core's one rule (`bulwark::jwt::Grants` with its
/// default claim names): `*out_allowed = true` when the claims hold at least one of `roles`
/// (from the `roles` list or the `role` string) and every one of `permissions` (from the
/// `permissions` list and the space-separated OAuth `scope` / `scp`). `roles` and `permissions`
/// are comma-separated or JSON arrays of strings; empty (or NULL with 0) asks for nothing. A role
/// or permission missing is `BW_OK` with `false` (answer 403); `claims_json` that is not one JSON
/// object (as `bw_jwt_verifier_verify` writes it) is `BW_ERR_MALFORMED`. `out_allowed` must not
/// be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_claims_allow(
    claims_json: *const c_char,
    claims_len: usize,
    roles: *const c_char,
    roles_len: usize,
    permissions: *const c_char,
    permissions_len: usize,
    out_allowed: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let claims = unsafe { text(claims_json, claims_len, "claims_json") }?;
        // SAFETY: as above.
        let roles = list(unsafe { text(roles, roles_len, "roles") }?, "roles")?;
        // SAFETY: as above.
        let permissions = list(
            unsafe { text(permissions, permissions_len, "permissions") }?,
            "permissions",
        )?;
        // SAFETY: the caller guarantees out_allowed is NULL or valid for a write.
        let out_allowed = unsafe { out(out_allowed, "out_allowed") }?;
        *out_allowed = jwt::Grants::default().allows(&claims_object(claims)?, &roles, &permissions);
        Ok(())
    })
}

/// Verified claims as `bw_jwt_verifier_verify` writes them: one JSON object, else `Malformed`.
fn claims_object(claims: &str) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    serde_json::from_str(claims).map_err(|e| {
        bulwark::Error::new(
            bulwark::ErrorKind::Malformed,
            format!("claims_json is not a JSON object: {e}"),
        )
        .into()
    })
}

/// Reads one string claim (`sub`, `iss`, `jti`, ...) of verified claims, for a gateway that
/// passes it on (as the nginx module passes the subject upstream): `*out_found = false` (and an
/// empty text) when the claim is absent, `BW_ERR_INVALID_CLAIM` when it is present but not a
/// string, `BW_ERR_MALFORMED` when `claims_json` is not one JSON object. Text buffer contract as
/// `bw_token_urlsafe`; `out_found` must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_claim_string(
    claims_json: *const c_char,
    claims_len: usize,
    name: *const c_char,
    name_len: usize,
    out_found: *mut bool,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let claims = unsafe { text(claims_json, claims_len, "claims_json") }?;
        // SAFETY: as above.
        let name = unsafe { text(name, name_len, "name") }?;
        // SAFETY: the caller guarantees out_found is NULL or valid for a write.
        let out_found = unsafe { out(out_found, "out_found") }?;
        let value = match claims_object(claims)?.get(name) {
            None => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(bulwark::Error::new(
                    bulwark::ErrorKind::InvalidClaim,
                    format!("claim {name:?} is not a string"),
                )
                .into())
            }
        };
        // SAFETY: the caller guarantees buf is valid for cap bytes and out_len for a write.
        unsafe { write_text(value.as_deref().unwrap_or(""), buf, cap, out_len) }?;
        *out_found = value.is_some();
        Ok(())
    })
}

/// Checks a signature over any message as JWS encodes it for `alg` (the HMAC tag whole, RSA
/// PKCS#1 v1.5 or PSS, ECDSA as fixed-size `r || s`, Ed25519), with `key` typed by `alg` as in
/// `bw_jwt_verifier_new` (HMAC secret, or a public or private key as PEM or JWK): for webhook
/// signatures and other detached signatures. Tokens go through `bw_jwt_verifier_verify`, which
/// also checks their header and claims. A signature that does not verify is `BW_OK` with
/// `*out_valid = false`; a key that does not fit `alg` (or an HMAC secret shorter than `alg` needs,
/// unless `flags` has `BW_JWT_ALLOW_SHORT_HMAC_KEY`) is `BW_ERR_INVALID_KEY`; an unknown or
/// `none` algorithm is `BW_ERR_ALGORITHM_NOT_ALLOWED`. `out_valid` must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_jwt_verify_message(
    alg: *const c_char,
    alg_len: usize,
    key: *const u8,
    key_len: usize,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    flags: u32,
    out_valid: *mut bool,
) -> bw_result {
    ffi_guard!({
        let allow_short = allow_short_hmac_only(flags, "a signature check")?;
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let alg: Algorithm = unsafe { text(alg, alg_len, "alg") }?.parse()?;
        // SAFETY: as above.
        let key = unsafe { slice(key, key_len, "key") }?;
        // SAFETY: as above.
        let message = unsafe { slice(message, message_len, "message") }?;
        // SAFETY: as above.
        let signature = unsafe { slice(signature, signature_len, "signature") }?;
        // SAFETY: the caller guarantees out_valid is NULL or valid for a write.
        let out_valid = unsafe { out(out_valid, "out_valid") }?;
        let key = jwt::VerifyingKey::for_algorithm(alg, key)?;
        *out_valid = key.verify_message(alg, message, signature, allow_short)?;
        Ok(())
    })
}
