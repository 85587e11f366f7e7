//! Constant-time comparison of secrets.
//!
//! Comparing a MAC, token or API key with `==` leaks, through timing, how many leading bytes
//! matched. [`eq`] takes the same time whatever the contents; only the lengths may be learnt
//! (as with Python's `hmac.compare_digest`), which is public for every format the SDK uses.

/// Returns whether `a` and `b` are equal, in time that depends only on their lengths.
///
/// Inputs of different lengths are unequal (not an error).
///
/// ```
/// assert!(bulwark::ct::eq(b"tag-1234", b"tag-1234"));
/// assert!(!bulwark::ct::eq(b"tag-1234", b"tag-1235"));
/// assert!(!bulwark::ct::eq(b"short", b"longer"));
/// ```
#[must_use]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    // aws-lc-rs compares with AWS-LC's CRYPTO_memcmp; a length mismatch returns early, which
    // only reveals the (public) lengths.
    #[allow(deprecated)]
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok();
    same
}

#[cfg(test)]
mod tests {
    use super::eq;

    #[test]
    fn equal_and_unequal() {
        assert!(eq(b"", b""));
        assert!(eq(b"abc", b"abc"));
        assert!(!eq(b"abc", b"abd"));
        assert!(!eq(b"abc", b"ab"));
        assert!(!eq(b"", b"a"));
        // Differences in the first and last byte are both found.
        assert!(!eq(b"xbc", b"abc"));
        let a = vec![7u8; 4096];
        let mut b = a.clone();
        assert!(eq(&a, &b));
        if let Some(last) = b.last_mut() {
            *last ^= 1;
        }
        assert!(!eq(&a, &b));
    }
}
