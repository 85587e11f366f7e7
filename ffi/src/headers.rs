//! C door for HTTP security (`bulwark::headers`): security response headers, CORS decisions
//! and bearer tokens out of `Authorization` headers.

use crate::guard::{comma_list, ffi_guard, out, read_sized, text, write_defaults, write_text};
use crate::result::{bw_result, Failure};
use bulwark::headers::{CorsConfig, CorsDecision, CorsPolicy, SecurityHeaders};
use std::ffi::c_char;

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
            origins: comma_list(origins),
            methods: if methods_len == 0 {
                d.methods
            } else {
                comma_list(methods)
            },
            headers: if headers_len == 0 {
                d.headers
            } else {
                comma_list(headers)
            },
            expose_headers: comma_list(expose),
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
