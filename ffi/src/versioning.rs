//! C door for API versioning and deprecation (`bulwark::versioning`).

use crate::guard::{ffi_guard, free_handle, out, text, write_text};
use crate::result::{bw_result, Failure};
use bulwark::versioning::{VersionDecision, VersionPolicy, VersionRequest};
use std::ffi::c_char;

/// The versions a service serves and where requests name them (opaque). Immutable once made,
/// so it may be shared between threads. Create with `bw_version_policy_new`, free with
/// `bw_version_policy_free`.
#[allow(non_camel_case_types)]
pub struct bw_version_policy(VersionPolicy);

/// The decision for one request (opaque), from `bw_version_decide`; read it with
/// `bw_version_decision_text`, free it with `bw_version_decision_free`.
#[allow(non_camel_case_types)]
pub struct bw_version_decision(VersionDecision);

/// `bw_version_decision_text` field: the version served as the policy names it (`"2.0"` for a
/// request that said `2`); empty when refused.
pub const BW_VERSION_FIELD_VERSION: u32 = 0;
/// `bw_version_decision_text` field: with a URL-prefix version, the path without it
/// (`/v2/orders` → `/orders`); else empty.
pub const BW_VERSION_FIELD_PATH: u32 = 1;
/// `bw_version_decision_text` field: the headers to add to the answer, served or refused, as
/// `Name: value\r\n` lines: the version served, and `Deprecation`, `Sunset`, `Link` for a
/// deprecated version.
pub const BW_VERSION_FIELD_HEADERS: u32 = 2;
/// `bw_version_decision_text` field: a refusal's JSON body, `{"error": code, "message": …,
/// "supported": [...]}`; empty when served.
pub const BW_VERSION_FIELD_BODY: u32 = 3;

/// Creates a policy from its JSON description (`policy_json`, `policy_json_len` bytes):
/// `{"versions": [{"version": "2.0"}, {"version": "1.0", "deprecated": 1767225600, "sunset":
/// 1798761600, "link": "https://…"}], "default": "1.0", "sources": ["header:API-Version",
/// "url", "media_type:version"]}` (dates in Unix seconds). Malformed JSON, unknown keys, a
/// malformed or repeated version, a sunset not after the deprecation, or a bad link are
/// `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_version_policy_new(
    policy_json: *const c_char,
    policy_json_len: usize,
    out_policy: *mut *mut bw_version_policy,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy_json is valid for policy_json_len bytes.
        let json = unsafe { text(policy_json, policy_json_len, "policy_json") }?;
        // SAFETY: the caller guarantees out_policy is NULL or valid for a write.
        let slot = unsafe { out(out_policy, "out_policy") }?;
        *slot = Box::into_raw(Box::new(bw_version_policy(VersionPolicy::from_json(json)?)));
        Ok(())
    })
}

/// Creates, into `*out_policy`, the policy of a route that serves only `versions` (comma- or
/// space-separated, each listed in `policy`): another version is answered 400 there. A version
/// `policy` does not list is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_version_policy_restrict(
    policy: *const bw_version_policy,
    versions: *const c_char,
    versions_len: usize,
    out_policy: *mut *mut bw_version_policy,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy is NULL or a live handle.
        let policy = unsafe { policy.as_ref() }.ok_or_else(|| Failure::null("policy"))?;
        // SAFETY: the caller guarantees versions is valid for versions_len bytes.
        let versions = unsafe { text(versions, versions_len, "versions") }?;
        // SAFETY: the caller guarantees out_policy is NULL or valid for a write.
        let slot = unsafe { out(out_policy, "out_policy") }?;
        let list: Vec<&str> = versions
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|v| !v.is_empty())
            .collect();
        *slot = Box::into_raw(Box::new(bw_version_policy(policy.0.restricted(&list)?)));
        Ok(())
    })
}

/// Frees a policy. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_version_policy_free(policy: *mut bw_version_policy) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(policy) };
        Ok(())
    })
}

/// Borrows an optional text argument: NULL with length 0 is absent.
///
/// # Safety
/// As `text`.
unsafe fn optional<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded caller guarantee.
    unsafe { text(ptr, len, name) }.map(Some)
}

/// Decides one request at Unix second `now`: `header` is the value of the policy's version
/// header, `path` the request path, `accept` the `Accept` header (each NULL with length 0 when
/// absent). Sets `*out_status` to 200 (serve it), 400 (malformed, unknown or conflicting
/// version; none given without a default) or 410 (past its sunset), and `*out_decision` to the
/// decision (free it with `bw_version_decision_free`; `out_decision` may be NULL when only
/// the status is wanted). A refused request is a status, not an error. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_version_decide(
    policy: *const bw_version_policy,
    header: *const c_char,
    header_len: usize,
    path: *const c_char,
    path_len: usize,
    accept: *const c_char,
    accept_len: usize,
    now: i64,
    out_status: *mut u16,
    out_decision: *mut *mut bw_version_decision,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy is NULL or a live handle.
        let policy = unsafe { policy.as_ref() }.ok_or_else(|| Failure::null("policy"))?;
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let (header, path, accept) = unsafe {
            (
                optional(header, header_len, "header")?,
                optional(path, path_len, "path")?.unwrap_or(""),
                optional(accept, accept_len, "accept")?,
            )
        };
        // SAFETY: the caller guarantees out_status is NULL or valid for a write.
        let status = unsafe { out(out_status, "out_status") }?;
        let decision = policy.0.decide(
            &VersionRequest {
                header,
                path,
                accept,
            },
            now,
        );
        *status = decision.status();
        if !out_decision.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is valid for a write.
            unsafe { *out_decision = Box::into_raw(Box::new(bw_version_decision(decision))) };
        }
        Ok(())
    })
}

/// Writes one text of a decision (`field` is one of `BW_VERSION_FIELD_*`; another value is
/// `BW_ERR_INVALID_INPUT`) into `buf`, NUL-terminated; an absent text is "". Text buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_version_decision_text(
    decision: *const bw_version_decision,
    field: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees decision is NULL or a live handle.
        let d = &unsafe { decision.as_ref() }
            .ok_or_else(|| Failure::null("decision"))?
            .0;
        let value = match field {
            BW_VERSION_FIELD_VERSION => d.version().unwrap_or("").to_owned(),
            BW_VERSION_FIELD_PATH => d.path().unwrap_or("").to_owned(),
            BW_VERSION_FIELD_HEADERS => d
                .headers()
                .iter()
                .map(|(n, v)| format!("{n}: {v}\r\n"))
                .collect(),
            BW_VERSION_FIELD_BODY => d.body_json().unwrap_or_default(),
            _ => {
                return Err(Failure::new(
                    bw_result::BW_ERR_INVALID_INPUT,
                    format!("unknown version decision field {field}"),
                ))
            }
        };
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&value, buf, cap, out_len) }
    })
}

/// Frees a decision. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_version_decision_free(decision: *mut bw_version_decision) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(decision) };
        Ok(())
    })
}
