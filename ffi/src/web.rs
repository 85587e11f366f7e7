//! C ABI for API keys, log redaction, security headers and CORS.

use crate::guard::{
    ffi_guard, out, read_sized, reserve_text, slice, text, write_defaults, write_text,
};
use crate::result::{bw_result, Failure};
use bulwark::apikey::{self, KeyHasher};
use bulwark::headers::{CorsConfig, CorsDecision, CorsPolicy, SecurityHeaders};
use bulwark::redact::Redactor;
use std::ffi::c_char;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// A buffer of this many bytes holds any API key (NUL included).
pub const BW_APIKEY_MAX_LEN: usize = 81;
/// Length of a stored API key hash (hex, without the NUL).
pub const BW_APIKEY_HASH_LEN: usize = 64;

fn default_redactor() -> &'static Redactor {
    static R: OnceLock<Redactor> = OnceLock::new();
    R.get_or_init(Redactor::default)
}

/// A redactor with caller-added field names (opaque). Create with `bw_redactor_new`, free with
/// `bw_redactor_free`. Immutable once made, so it may be shared between threads. Every
/// `bw_redact_*` function takes one; NULL means the default field list.
#[allow(non_camel_case_types)]
pub struct bw_redactor(Redactor);

/// The caller's redactor, or the default one for NULL.
///
/// # Safety
/// `ptr` must be NULL or a live handle from this library.
unsafe fn redactor<'a>(ptr: *const bw_redactor) -> &'a Redactor {
    // SAFETY: forwarded caller guarantee.
    unsafe { ptr.as_ref() }.map_or_else(default_redactor, |r| &r.0)
}

/// Creates a redactor that also redacts the comma-separated field names in `fields` (matched like
/// the defaults: case-insensitive, ignoring `-` and `_`), into `*out_redactor`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_redactor_new(
    fields: *const c_char,
    fields_len: usize,
    out_redactor: *mut *mut bw_redactor,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees fields is valid for fields_len bytes (or NULL with 0).
        let fields = unsafe { text(fields, fields_len, "fields") }?;
        // SAFETY: the caller guarantees out_redactor is NULL or valid for a write.
        let slot = unsafe { out(out_redactor, "out_redactor") }?;
        *slot = Box::into_raw(Box::new(bw_redactor(Redactor::with_fields(list(fields)))));
        Ok(())
    })
}

/// Frees a redactor. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_redactor_free(redactor_ptr: *mut bw_redactor) -> bw_result {
    ffi_guard!({
        if !redactor_ptr.is_null() {
            // SAFETY: the caller guarantees a live handle from this library, freed once.
            drop(unsafe { Box::from_raw(redactor_ptr) });
        }
        Ok(())
    })
}

/// Generates an API key `<prefix>_<40 base62>_<6-char checksum>` into `key_buf` and its public
/// key id (`<prefix>_<8 characters>`, safe to log) into `id_buf`, both NUL-terminated.
///
/// The prefix is 1..=32 lower-case letters and digits in `_`-separated words, starting with a
/// letter, else `BW_ERR_INVALID_INPUT`. `BW_APIKEY_MAX_LEN` bytes always hold the key; when either
/// buffer is too small, `BW_ERR_BUFFER_TOO_SMALL` with both needed sizes in `*key_len` and
/// `*id_len`, before anything is generated. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_generate(
    prefix: *const c_char,
    prefix_len: usize,
    key_buf: *mut c_char,
    key_cap: usize,
    key_len: *mut usize,
    id_buf: *mut c_char,
    id_cap: usize,
    id_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees prefix is valid for prefix_len bytes (or NULL with 0).
        let prefix = unsafe { text(prefix, prefix_len, "prefix") }?;
        apikey::check_prefix(prefix)?;
        if key_len.is_null() {
            return Err(Failure::null("key_len"));
        }
        if id_len.is_null() {
            return Err(Failure::null("id_len"));
        }
        let need_key = prefix.len() + 1 + apikey::RANDOM_LEN + 1 + apikey::CHECKSUM_LEN;
        let need_id = prefix.len() + 1 + apikey::ID_LEN;
        // SAFETY: the caller guarantees the buffer contracts documented above.
        let r1 = unsafe { reserve_text(key_buf, key_cap, key_len, need_key) };
        // SAFETY: as above.
        let r2 = unsafe { reserve_text(id_buf, id_cap, id_len, need_id) };
        r1?;
        r2?;
        let key = apikey::generate(prefix)?;
        // SAFETY: as above.
        unsafe { write_text(key.key(), key_buf, key_cap, key_len) }?;
        // SAFETY: as above.
        unsafe { write_text(key.key_id(), id_buf, id_cap, id_len) }
    })
}

/// Checks a presented key's format and checksum and writes its public key id into `id_buf`.
/// A malformed key is `BW_ERR_INVALID_INPUT` (the detail never quotes the key). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_parse(
    key: *const c_char,
    key_len: usize,
    id_buf: *mut c_char,
    id_cap: usize,
    id_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees key is valid for key_len bytes (or NULL with 0).
        let key = unsafe { text(key, key_len, "key") }?;
        let parsed = apikey::parse(key)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&parsed.key_id, id_buf, id_cap, id_len) }
    })
}

/// Writes the value to store for `key`: 64 hex digits of HMAC-SHA256 under `pepper` (at least 32
/// bytes, kept outside the database), NUL-terminated. Malformed key or short pepper:
/// `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_hash(
    pepper: *const u8,
    pepper_len: usize,
    key: *const c_char,
    key_len: usize,
    out_buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (pepper, key) = unsafe {
            (
                slice(pepper, pepper_len, "pepper")?,
                text(key, key_len, "key")?,
            )
        };
        let hasher = KeyHasher::new(pepper)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { reserve_text(out_buf, cap, out_len, BW_APIKEY_HASH_LEN) }?;
        let stored = hasher.hash(key)?;
        // SAFETY: as above.
        unsafe { write_text(&stored, out_buf, cap, out_len) }
    })
}

/// Sets `*out_valid` when `presented` is the key whose stored hash is `stored`, comparing in
/// constant time. A well-formed wrong key is `BW_OK` with `false`; a malformed key or stored hash
/// is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_apikey_verify(
    pepper: *const u8,
    pepper_len: usize,
    presented: *const c_char,
    presented_len: usize,
    stored: *const c_char,
    stored_len: usize,
    out_valid: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (pepper, presented, stored) = unsafe {
            (
                slice(pepper, pepper_len, "pepper")?,
                text(presented, presented_len, "presented")?,
                text(stored, stored_len, "stored")?,
            )
        };
        // SAFETY: the caller guarantees out_valid is NULL or valid for a write.
        let out_valid = unsafe { out(out_valid, "out_valid") }?;
        *out_valid = KeyHasher::new(pepper)?.verify(presented, stored)?;
        Ok(())
    })
}

/// Shared body of the redaction functions: UTF-8 input, computed output, text buffer contract.
///
/// # Safety
/// `input` valid for `len` bytes (or NULL with 0); `(buf, cap)`/`out_len` as `write_text`.
unsafe fn redact_into(
    input: *const c_char,
    len: usize,
    f: impl FnOnce(&str) -> bulwark::Result<String>,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let input = unsafe { text(input, len, "input") }?;
    let redacted = Zeroizing::new(f(input)?);
    // SAFETY: forwarded caller guarantee.
    unsafe { write_text(&redacted, buf, cap, out_len) }
}

/// Redacts JSON text with `redactor_ptr`'s field list (NULL: the defaults; sensitive keys at any depth become
/// `"[REDACTED]"`; secrets inside other strings are redacted by value) into compact JSON.
/// Not JSON: `BW_ERR_INVALID_INPUT`; not UTF-8: `BW_ERR_INVALID_UTF8`. The output size is known
/// only after redaction: `BW_ERR_BUFFER_TOO_SMALL` gives it. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_redact_json(
    redactor_ptr: *const bw_redactor,

    json: *const c_char,
    json_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees redactor_ptr is NULL or a live handle.
        let r = unsafe { redactor(redactor_ptr) };
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe { redact_into(json, json_len, |s| r.redact_json_str(s), buf, cap, out_len) }
    })
}

/// Redacts a query string (`a=1&token=x`): sensitive keys and secret-looking values become
/// `[REDACTED]`. Contracts as `bw_redact_json`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_redact_query(
    redactor_ptr: *const bw_redactor,

    query: *const c_char,
    query_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees redactor_ptr is NULL or a live handle.
        let r = unsafe { redactor(redactor_ptr) };
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe {
            redact_into(
                query,
                query_len,
                |s| Ok(r.redact_query(s)),
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Redacts free text by value (bearer credentials keep their scheme, JWTs and Bulwark API keys
/// become `[REDACTED]`). Contracts as `bw_redact_json`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_redact_text(
    redactor_ptr: *const bw_redactor,

    input: *const c_char,
    input_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees redactor_ptr is NULL or a live handle.
        let r = unsafe { redactor(redactor_ptr) };
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe {
            redact_into(
                input,
                input_len,
                |s| Ok(r.redact_text(s)),
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Redacts one header's value given its name (`Authorization: Bearer x` keeps the scheme;
/// `Cookie`, `X-Api-Key` and other sensitive names become `[REDACTED]`). Contracts as
/// `bw_redact_json`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_redact_header(
    redactor_ptr: *const bw_redactor,

    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees redactor_ptr is NULL or a live handle.
        let r = unsafe { redactor(redactor_ptr) };
        // SAFETY: the caller guarantees name is valid for name_len bytes (or NULL with 0).
        let name = unsafe { text(name, name_len, "name") }?;
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe {
            redact_into(
                value,
                value_len,
                |v| Ok(r.redact_header(name, v)),
                buf,
                cap,
                out_len,
            )
        }
    })
}

/// Options of `bw_security_headers`; fill with `bw_security_headers_options_default(&o, sizeof
/// o)` and change what you need. The text members are `(ptr, len)`: NULL keeps the default value,
/// an empty text (non-NULL, length 0) omits the header, any other text replaces the value (a
/// value with a control character is `BW_ERR_INVALID_INPUT`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_security_headers_options {
    /// `sizeof(bw_security_headers_options)` as the caller's header declares it (fields may be
    /// added at the end; a caller with an older, shorter struct gets the defaults for the rest).
    pub size: usize,
    /// HSTS max-age in seconds; 0 omits the header. Default 31536000.
    pub hsts_max_age: u64,
    /// HSTS includeSubDomains. Default true.
    pub hsts_include_subdomains: bool,
    /// HSTS preload. Default false.
    pub hsts_preload: bool,
    /// `Cache-Control: no-store` (authenticated responses). Default true.
    pub no_store: bool,
    /// `X-Content-Type-Options: nosniff`. Default true.
    pub nosniff: bool,
    /// `X-XSS-Protection: 0`. Default true.
    pub xss_protection_off: bool,
    /// `Content-Security-Policy`. Default `default-src 'none'; frame-ancestors 'none'`.
    pub content_security_policy: *const c_char,
    /// Length of `content_security_policy`.
    pub content_security_policy_len: usize,
    /// `X-Frame-Options`. Default `DENY`.
    pub frame_options: *const c_char,
    /// Length of `frame_options`.
    pub frame_options_len: usize,
    /// `Referrer-Policy`. Default `no-referrer`.
    pub referrer_policy: *const c_char,
    /// Length of `referrer_policy`.
    pub referrer_policy_len: usize,
    /// `Cross-Origin-Resource-Policy`. Default `same-origin`.
    pub cross_origin_resource_policy: *const c_char,
    /// Length of `cross_origin_resource_policy`.
    pub cross_origin_resource_policy_len: usize,
}

crate::guard::sized_struct! {
    bw_security_headers_options => {
        let d = SecurityHeaders::default();
        bw_security_headers_options {
            size: 0,
            hsts_max_age: d.hsts_max_age.unwrap_or(0),
            hsts_include_subdomains: d.hsts_include_subdomains,
            hsts_preload: d.hsts_preload,
            no_store: d.no_store,
            nosniff: d.nosniff,
            xss_protection_off: d.xss_protection_off,
            content_security_policy: std::ptr::null(),
            content_security_policy_len: 0,
            frame_options: std::ptr::null(),
            frame_options_len: 0,
            referrer_policy: std::ptr::null(),
            referrer_policy_len: 0,
            cross_origin_resource_policy: std::ptr::null(),
            cross_origin_resource_policy_len: 0,
        }
    };
}

/// Writes the default options into `*out_options`, `size` bytes of it (pass
/// `sizeof *out_options`; `out_options->size` is set to it).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_security_headers_options_default(
    out_options: *mut bw_security_headers_options,
    size: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees out_options is NULL or valid for `size` bytes.
        unsafe { write_defaults(out_options, size, "out_options") }
    })
}

/// A header value option: NULL keeps `current`, empty omits the header, text replaces it.
///
/// # Safety
/// `(ptr, len)` as `text`.
unsafe fn header_value(
    current: Option<String>,
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<Option<String>, Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(current)
        } else {
            Err(Failure::null(name))
        };
    }
    // SAFETY: forwarded caller guarantee.
    let value = unsafe { text(ptr, len, name) }?;
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

fn header_lines(headers: impl IntoIterator<Item = (String, String)>) -> String {
    headers
        .into_iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect()
}

/// Writes the recommended security headers as `Name: value\r\n` lines (NUL-terminated) into
/// `buf`; `options` NULL means the defaults (HSTS one year with includeSubDomains, nosniff,
/// X-Frame-Options DENY, CSP `default-src 'none'; frame-ancestors 'none'`, Referrer-Policy
/// no-referrer, CORP same-origin, Cache-Control no-store, X-XSS-Protection 0). Text buffer
/// contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_security_headers(
    options: *const bw_security_headers_options,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        let mut h = SecurityHeaders::default();
        // SAFETY: the caller guarantees options is NULL or valid for the size it declares, and
        // each (ptr, len) member.
        if let Some(o) = unsafe { read_sized(options, "options") }? {
            h.hsts_max_age = (o.hsts_max_age > 0).then_some(o.hsts_max_age);
            h.hsts_include_subdomains = o.hsts_include_subdomains;
            h.hsts_preload = o.hsts_preload;
            h.no_store = o.no_store;
            h.nosniff = o.nosniff;
            h.xss_protection_off = o.xss_protection_off;
            // SAFETY: as above.
            unsafe {
                h.content_security_policy = header_value(
                    h.content_security_policy,
                    o.content_security_policy,
                    o.content_security_policy_len,
                    "content_security_policy",
                )?;
                h.frame_options = header_value(
                    h.frame_options,
                    o.frame_options,
                    o.frame_options_len,
                    "frame_options",
                )?;
                h.referrer_policy = header_value(
                    h.referrer_policy,
                    o.referrer_policy,
                    o.referrer_policy_len,
                    "referrer_policy",
                )?;
                h.cross_origin_resource_policy = header_value(
                    h.cross_origin_resource_policy,
                    o.cross_origin_resource_policy,
                    o.cross_origin_resource_policy_len,
                    "cross_origin_resource_policy",
                )?;
            }
        }
        let lines = header_lines(h.headers()?.into_iter().map(|(n, v)| (n.to_owned(), v)));
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&lines, buf, cap, out_len) }
    })
}

/// A CORS policy (opaque). Create with `bw_cors_policy_new`, free with `bw_cors_policy_free`.
/// Immutable once made, so it may be shared between threads.
#[allow(non_camel_case_types)]
pub struct bw_cors_policy(CorsPolicy);

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Creates a CORS policy. `origins`, `methods` and `headers` are comma-separated lists (origins
/// are exact, like `https://app.example.com`, or a scheme plus a `*.example.org` wildcard
/// subdomain, or `*`, or `null`); `methods` / `headers` NULL with length 0
/// take the defaults (GET, HEAD, POST / Authorization, Content-Type); `expose_headers` lists the
/// response headers scripts may read (NULL with 0: none). `max_age` is the preflight
/// cache lifetime in seconds (0 omits it). `*` with `credentials`, malformed origins, methods or
/// header names are `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_cors_policy_new(
    origins: *const c_char,
    origins_len: usize,
    methods: *const c_char,
    methods_len: usize,
    headers: *const c_char,
    headers_len: usize,
    expose_headers: *const c_char,
    expose_headers_len: usize,
    credentials: bool,
    max_age: u32,
    out_policy: *mut *mut bw_cors_policy,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (origins, methods, headers, expose) = unsafe {
            (
                text(origins, origins_len, "origins")?,
                text(methods, methods_len, "methods")?,
                text(headers, headers_len, "headers")?,
                text(expose_headers, expose_headers_len, "expose_headers")?,
            )
        };
        // SAFETY: the caller guarantees out_policy is NULL or valid for a write.
        let slot = unsafe { out(out_policy, "out_policy") }?;
        let d = CorsConfig::default();
        let config = CorsConfig {
            origins: list(origins),
            methods: if methods_len == 0 {
                d.methods
            } else {
                list(methods)
            },
            headers: if headers_len == 0 {
                d.headers
            } else {
                list(headers)
            },
            expose_headers: list(expose),
            credentials,
            max_age: (max_age > 0).then_some(u64::from(max_age)),
        };
        let policy = CorsPolicy::new(config)?;
        *slot = Box::into_raw(Box::new(bw_cors_policy(policy)));
        Ok(())
    })
}

/// Writes a decision: `*out_allowed`, and the response headers as lines into `buf`.
///
/// # Safety
/// As `write_text`; `out_allowed` NULL or valid for a write.
unsafe fn decision_out(
    d: &CorsDecision,
    out_allowed: *mut bool,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    if out_allowed.is_null() {
        return Err(Failure::null("out_allowed"));
    }
    let lines = header_lines(d.headers.iter().cloned());
    // SAFETY: forwarded caller guarantee.
    unsafe { write_text(&lines, buf, cap, out_len) }?;
    // SAFETY: checked non-NULL above.
    unsafe { *out_allowed = d.allowed };
    Ok(())
}

/// Decides an actual request from `origin` (NULL with length 0: no `Origin` header). Sets
/// `*out_allowed` and writes the response headers to add (`Vary: Origin` always; the
/// `Access-Control-Allow-*` ones when allowed) as `Name: value\r\n` lines. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_cors_check_request(
    policy: *const bw_cors_policy,
    origin: *const c_char,
    origin_len: usize,
    out_allowed: *mut bool,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy is NULL or a live handle.
        let policy = unsafe { policy.as_ref() }.ok_or_else(|| Failure::null("policy"))?;
        let origin = if origin.is_null() && origin_len == 0 {
            None
        } else {
            // SAFETY: the caller guarantees origin is valid for origin_len bytes.
            Some(unsafe { text(origin, origin_len, "origin") }?)
        };
        let d = policy.0.check_request(origin);
        // SAFETY: the caller guarantees the output contracts.
        unsafe { decision_out(&d, out_allowed, buf, cap, out_len) }
    })
}

/// Decides a preflight: `origin`, `method` (the `Access-Control-Request-Method`) and
/// `request_headers` (the comma-separated `Access-Control-Request-Headers`, may be empty) must all
/// be allowed. Outputs as `bw_cors_check_request`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_cors_check_preflight(
    policy: *const bw_cors_policy,
    origin: *const c_char,
    origin_len: usize,
    method: *const c_char,
    method_len: usize,
    request_headers: *const c_char,
    request_headers_len: usize,
    out_allowed: *mut bool,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy is NULL or a live handle.
        let policy = unsafe { policy.as_ref() }.ok_or_else(|| Failure::null("policy"))?;
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (origin, method, request_headers) = unsafe {
            (
                text(origin, origin_len, "origin")?,
                text(method, method_len, "method")?,
                text(request_headers, request_headers_len, "request_headers")?,
            )
        };
        let d = policy.0.check_preflight(origin, method, request_headers);
        // SAFETY: the caller guarantees the output contracts.
        unsafe { decision_out(&d, out_allowed, buf, cap, out_len) }
    })
}

/// Frees a CORS policy. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_cors_policy_free(policy: *mut bw_cors_policy) -> bw_result {
    ffi_guard!({
        if !policy.is_null() {
            // SAFETY: the caller guarantees a live handle from this library, freed once.
            drop(unsafe { Box::from_raw(policy) });
        }
        Ok(())
    })
}

/// Finds the token in an `Authorization` header value by core's one rule (RFC 6750: scheme
/// `Bearer` in any case, one token without spaces, surrounding whitespace ignored, at most
/// 16 KiB): `*out_found = true` with the token's `*out_offset` and `*out_len` inside
/// `authorization` (nothing is copied); `*out_found = false` (offset and length 0) for another
/// scheme, a missing token or a malformed header. Not UTF-8 is `BW_ERR_INVALID_UTF8`. Every out
/// pointer must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_bearer_token(
    authorization: *const c_char,
    authorization_len: usize,
    out_found: *mut bool,
    out_offset: *mut usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees authorization is valid for its length (or NULL with 0).
        let header = unsafe { text(authorization, authorization_len, "authorization") }?;
        // SAFETY: the caller guarantees each out pointer is NULL or valid for a write.
        let (found, offset, len) = unsafe {
            (
                out(out_found, "out_found")?,
                out(out_offset, "out_offset")?,
                out(out_len, "out_len")?,
            )
        };
        let token = bulwark::headers::bearer_token(header);
        *found = token.is_some();
        // The token is a sub-slice of the header: its offset is the pointer difference.
        *offset = token.map_or(0, |t| t.as_ptr() as usize - header.as_ptr() as usize);
        *len = token.map_or(0, str::len);
        Ok(())
    })
}
