//! The HMAC behind Bulwark's OTP window checks: aws-lc's own keyed `HMAC_CTX`, copied once per
//! check and restarted between the tags of the window.
//!
//! Why not `aws_lc_rs::hmac::sign`: it copies the whole keyed context (about 1.2 KB, three digest
//! states sized for SHA-3) into a fresh one for every tag and wipes it afterwards. For an 8-byte
//! counter under HMAC-SHA-1 that bookkeeping costs about as much as the two compression blocks of
//! the HMAC itself, and a window check computes three or more tags under one key. Here the copy
//! happens once per check; between tags `HMAC_Init_ex(ctx, NULL, 0, NULL, NULL)` restarts from the
//! stored pads (aws-lc's and OpenSSL's documented way to reuse a key). The HMAC computation is
//! aws-lc's, as everywhere else in Bulwark.
//!
//! Every unsafe block says why it is sound, and the tests compare every tag with aws-lc-rs's
//! one-shot HMAC.
//!
//! ```
//! use bulwark_aws_lc::hmac_window::{Hash, WindowKey, MAX_TAG_LEN};
//! let key = WindowKey::new(Hash::Sha1, b"12345678901234567890")?;
//! let mut signer = key.signer()?;
//! let mut out = [0u8; MAX_TAG_LEN];
//! assert_eq!(signer.sign(&0u64.to_be_bytes(), &mut out)?.len(), 20);
//! # Ok::<(), bulwark_aws_lc::hmac_window::HmacError>(())
//! ```

/// The hash under the HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1 (RFC 4226's default for OTP).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// aws-lc refused an operation it never refuses on a working build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HmacError(pub &'static str);

impl std::fmt::Display for HmacError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for HmacError {}

use aws_lc_sys as sys;
use std::mem::MaybeUninit;
use std::os::raw::c_uint;
use std::ptr;

/// The longest tag (HMAC-SHA-512).
pub const MAX_TAG_LEN: usize = 64;

/// An aws-lc `HMAC_CTX`, wiped (`HMAC_CTX_cleanup` zeroes all of it) when dropped.
struct Ctx(sys::HMAC_CTX);

impl Ctx {
    /// A zeroed context, not keyed yet.
    fn new() -> Self {
        let mut ctx = MaybeUninit::<sys::HMAC_CTX>::uninit();
        // SAFETY: `HMAC_CTX_init` zeroes every byte of the struct it is given, and a zeroed
        // HMAC_CTX is a valid unkeyed context; so the value is initialised when it returns.
        unsafe {
            sys::HMAC_CTX_init(ctx.as_mut_ptr());
            Self(ctx.assume_init())
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a valid HMAC_CTX (from `HMAC_CTX_init`, maybe keyed); cleanup only
        // overwrites it with zeroes.
        unsafe { sys::HMAC_CTX_cleanup(&mut self.0) }
    }
}

/// An HMAC key with its pads hashed once, only read afterwards.
pub struct WindowKey {
    ctx: Ctx,
    tag_len: usize,
}

// SAFETY: an HMAC_CTX is flat: digest states plus pointers to aws-lc's static, immutable digest
// and method tables. After `new` the key's context is only read (the const source of
// `HMAC_CTX_copy_ex`), so moving it to or sharing it between threads is sound.
unsafe impl Send for WindowKey {}
// SAFETY: as above: `&WindowKey` only ever reads the context.
unsafe impl Sync for WindowKey {}

impl WindowKey {
    /// `key` prepared for `algorithm`'s HMAC.
    ///
    /// # Errors
    /// [`HmacError`] if aws-lc refuses to key the context (it does so only on a broken build).
    pub fn new(algorithm: Hash, key: &[u8]) -> Result<Self, HmacError> {
        // SAFETY: takes no arguments; idempotent library start-up (CPU feature detection) that
        // aws-lc-rs also runs before its first call.
        unsafe { sys::CRYPTO_library_init() };
        // SAFETY: each returns a pointer to a static EVP_MD that lives as long as the program.
        let (md, tag_len) = unsafe {
            match algorithm {
                Hash::Sha1 => (sys::EVP_sha1(), 20),
                Hash::Sha256 => (sys::EVP_sha256(), 32),
                Hash::Sha512 => (sys::EVP_sha512(), 64),
            }
        };
        let mut ctx = Ctx::new();
        // SAFETY: `ctx.0` is a valid zeroed context; `key` is `key.len()` readable bytes (aws-lc
        // copies what it needs and does not keep the pointer); `md` is static; no engine.
        let keyed = unsafe {
            sys::HMAC_Init_ex(
                &mut ctx.0,
                key.as_ptr().cast(),
                key.len(),
                md,
                ptr::null_mut(),
            )
        };
        if keyed != 1 {
            return Err(HmacError("aws-lc could not key an HMAC context"));
        }
        Ok(Self { ctx, tag_len })
    }

    /// A working copy of the keyed context, for the tags of one check.
    ///
    /// # Errors
    /// [`HmacError`] if aws-lc refuses the copy (it never does for a keyed context).
    pub fn signer(&self) -> Result<Signer, HmacError> {
        let mut ctx = Ctx::new();
        // SAFETY: both contexts are valid; the source is only read (a memcpy of the struct).
        let copied = unsafe { sys::HMAC_CTX_copy_ex(&mut ctx.0, &self.ctx.0) };
        if copied != 1 {
            return Err(HmacError("aws-lc could not copy an HMAC context"));
        }
        Ok(Signer {
            ctx,
            tag_len: self.tag_len,
        })
    }
}

/// One check's keyed context: any number of tags, one after another. Wiped when dropped.
pub struct Signer {
    ctx: Ctx,
    tag_len: usize,
}

impl Signer {
    /// The HMAC of `message` under the key, written to the front of `out`.
    ///
    /// # Errors
    /// [`HmacError`] if aws-lc reports a failure (it does not for a keyed context).
    pub fn sign<'o>(
        &mut self,
        message: &[u8],
        out: &'o mut [u8; MAX_TAG_LEN],
    ) -> Result<&'o [u8], HmacError> {
        let mut len: c_uint = 0;
        // SAFETY: `self.ctx.0` was copied from a keyed context, so a NULL key and digest restart
        // it from its stored pads (after the previous tag's `HMAC_Final` too). `message` is
        // `message.len()` readable bytes; `out` has room for the longest tag (64 bytes) and
        // `len` is a valid place for its length.
        let done = unsafe {
            sys::HMAC_Init_ex(
                &mut self.ctx.0,
                ptr::null(),
                0,
                ptr::null(),
                ptr::null_mut(),
            ) == 1
                && sys::HMAC_Update(&mut self.ctx.0, message.as_ptr(), message.len()) == 1
                && sys::HMAC_Final(&mut self.ctx.0, out.as_mut_ptr(), &mut len) == 1
        };
        if !done || usize::try_from(len).ok() != Some(self.tag_len) {
            return Err(HmacError("aws-lc could not compute an HMAC"));
        }
        out.get(..self.tag_len)
            .ok_or(HmacError("HMAC tag longer than its buffer"))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use aws_lc_rs::hmac;

    /// Every tag of a reused context equals aws-lc-rs's one-shot HMAC, for each hash, for keys
    /// shorter and longer than a block, over many messages in a row (so restarts are covered).
    #[test]
    fn reused_context_matches_aws_lc_rs() {
        let keys: [&[u8]; 3] = [b"12345678901234567890", &[0x42; 64], &[0x17; 200]];
        for (alg, theirs) in [
            (Hash::Sha1, hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
            (Hash::Sha256, hmac::HMAC_SHA256),
            (Hash::Sha512, hmac::HMAC_SHA512),
        ] {
            for key in keys {
                let ours = WindowKey::new(alg, key).expect("key");
                let reference = hmac::Key::new(theirs, key);
                let mut signer = ours.signer().expect("signer");
                let mut out = [0u8; MAX_TAG_LEN];
                for counter in 0u64..50 {
                    let message = counter.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes();
                    let tag = signer.sign(&message, &mut out).expect("sign");
                    assert_eq!(tag, hmac::sign(&reference, &message).as_ref());
                }
                // A second signer from the same key starts from the key, not from the first's state.
                let mut again = ours.signer().expect("signer");
                let tag = again.sign(b"", &mut out).expect("sign");
                assert_eq!(tag, hmac::sign(&reference, b"").as_ref());
            }
        }
    }

    #[test]
    fn shared_across_threads() {
        let key = std::sync::Arc::new(WindowKey::new(Hash::Sha1, &[7; 20]).expect("key"));
        let reference = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &[7; 20]);
        let expected: Vec<Vec<u8>> = (0u64..200)
            .map(|c| hmac::sign(&reference, &c.to_be_bytes()).as_ref().to_vec())
            .collect();
        let expected = std::sync::Arc::new(expected);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (key, expected) = (key.clone(), expected.clone());
                std::thread::spawn(move || {
                    let mut signer = key.signer().expect("signer");
                    let mut out = [0u8; MAX_TAG_LEN];
                    for (c, want) in (0u64..).zip(expected.iter()) {
                        assert_eq!(
                            signer.sign(&c.to_be_bytes(), &mut out).expect("sign"),
                            &want[..]
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
    }
}
