//! C door for log redaction (`bulwark::redact`): JSON, query strings, headers and free text.

use crate::guard::{comma_list, ffi_guard, out, text, write_text};
use crate::result::{bw_result, Failure};
use bulwark::redact::Redactor;
use std::ffi::c_char;
use std::sync::OnceLock;
use zeroize::Zeroizing;

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
        *slot = Box::into_raw(Box::new(bw_redactor(Redactor::with_fields(comma_list(
            fields,
        )))));
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
