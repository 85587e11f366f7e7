//! C door for constant-time comparison (`bulwark::ct`).

use crate::guard::{ffi_guard, out, slice};
use crate::result::bw_result;

/// Compares `a[0..a_len]` and `b[0..b_len]` in constant time (time depends only on the lengths),
/// as Python's `hmac.compare_digest`. Different lengths compare unequal; that is not an error.
///
/// `*out_equal` receives the answer. `a` / `b` may be NULL only with length 0; `out_equal` must
/// not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_constant_time_eq(
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    out_equal: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let a = unsafe { slice(a, a_len, "a") }?;
        // SAFETY: as above.
        let b = unsafe { slice(b, b_len, "b") }?;
        // SAFETY: the caller guarantees out_equal is NULL or valid for a write.
        let out_equal = unsafe { out(out_equal, "out_equal") }?;
        *out_equal = bulwark::ct::eq(a, b);
        Ok(())
    })
}
