//! C ABI for password hashing (Argon2id, bcrypt), migration and password policy.

use crate::guard::{
    check_out_buffer, ffi_guard, out, read_sized, reserve_text, slice, slice_mut, text,
    write_bytes, write_defaults, write_sized, write_text,
};
use crate::result::{bw_result, Failure};
use bulwark::password::{self, Argon2Params, CostLimits, Hasher, Policy, Scheme};
use std::ffi::c_char;
use std::time::Duration;
use zeroize::Zeroizing;

/// A buffer of this many bytes holds any hash string the library produces, NUL included.
pub const BW_PASSWORD_HASH_MAX_LEN: usize = 256;
/// Length of a bcrypt hash string (without the NUL).
pub const BW_BCRYPT_HASH_LEN: usize = 60;
/// Longest bcrypt password in bytes; longer ones are `BW_ERR_INVALID_INPUT`, never truncated.
pub const BW_BCRYPT_MAX_PASSWORD_LEN: usize = 72;

/// Policy violation flag: shorter than `min_len` characters.
pub const BW_POLICY_TOO_SHORT: u32 = 1;
/// Policy violation flag: longer than `max_len` characters.
pub const BW_POLICY_TOO_LONG: u32 = 1 << 1;
/// Policy violation flag: no lower-case letter (when required).
pub const BW_POLICY_MISSING_LOWERCASE: u32 = 1 << 2;
/// Policy violation flag: no upper-case letter (when required).
pub const BW_POLICY_MISSING_UPPERCASE: u32 = 1 << 3;
/// Policy violation flag: no digit (when required).
pub const BW_POLICY_MISSING_DIGIT: u32 = 1 << 4;
/// Policy violation flag: no symbol (when required).
pub const BW_POLICY_MISSING_SYMBOL: u32 = 1 << 5;
/// Policy violation flag: on the bundled list of common passwords.
pub const BW_POLICY_COMMON: u32 = 1 << 6;

/// Argon2 parameters: passes, memory in KiB, lanes, hash length and salt length in bytes.
/// Fill it with `bw_argon2_params_default(&p, sizeof p)` and change what you need.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_argon2_params {
    /// `sizeof` the struct as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// Passes over memory (1..=1024). Default 3.
    pub t_cost: u32,
    /// Memory in KiB (8 per lane ..= 2 GiB). Default 65536 (64 MiB).
    pub m_cost: u32,
    /// Lanes, computed in parallel (1..=255). Default 4.
    pub parallelism: u32,
    /// Hash length in bytes (4..=1024, and with the salt a hash string within
    /// `BW_PASSWORD_HASH_MAX_LEN`). Default 32.
    pub hash_len: u32,
    /// Salt length in bytes (8..=1024). Default 16.
    pub salt_len: u32,
}

impl From<Argon2Params> for bw_argon2_params {
    fn from(p: Argon2Params) -> Self {
        Self {
            size: std::mem::size_of::<Self>(),
            t_cost: p.t_cost(),
            m_cost: p.m_cost(),
            parallelism: p.parallelism(),
            hash_len: p.hash_len(),
            salt_len: p.salt_len(),
        }
    }
}

impl bw_argon2_params {
    /// Core's parameters, refused when the hashes they make would not fit the
    /// `BW_PASSWORD_HASH_MAX_LEN` buffer this door promises suffices.
    fn to_core(self) -> Result<Argon2Params, Failure> {
        let params = Argon2Params::new(
            self.t_cost,
            self.m_cost,
            self.parallelism,
            self.hash_len,
            self.salt_len,
        )?;
        let needed = params.encoded_len(bulwark::password::Argon2Variant::Argon2id) + 1;
        if needed > BW_PASSWORD_HASH_MAX_LEN {
            return Err(bulwark::Error::invalid_input(format!(
                "argon2: hash_len {} and salt_len {} make a {needed}-byte hash string, over \
                 BW_PASSWORD_HASH_MAX_LEN ({BW_PASSWORD_HASH_MAX_LEN})",
                self.hash_len, self.salt_len
            ))
            .into());
        }
        Ok(params)
    }
}

/// A password policy. Fill it with `bw_password_policy_default(&p, sizeof p)` (8..=128
/// characters, common passwords refused, no composition rules) and change what you need.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_password_policy {
    /// `sizeof` the struct as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// Fewest characters (Unicode scalar values). Default 8.
    pub min_len: usize,
    /// Most characters. Default 128.
    pub max_len: usize,
    /// Require a lower-case letter. Default false.
    pub require_lowercase: bool,
    /// Require an upper-case letter. Default false.
    pub require_uppercase: bool,
    /// Require a digit. Default false.
    pub require_digit: bool,
    /// Require a symbol. Default false.
    pub require_symbol: bool,
    /// Refuse passwords on the bundled list of the 30,000 most common ones. Default true.
    pub reject_common: bool,
}

impl From<&Policy> for bw_password_policy {
    fn from(p: &Policy) -> Self {
        Self {
            size: std::mem::size_of::<Self>(),
            min_len: p.min_len,
            max_len: p.max_len,
            require_lowercase: p.require_lowercase,
            require_uppercase: p.require_uppercase,
            require_digit: p.require_digit,
            require_symbol: p.require_symbol,
            reject_common: p.reject_common,
        }
    }
}

impl From<&bw_password_policy> for Policy {
    fn from(p: &bw_password_policy) -> Self {
        Policy {
            min_len: p.min_len,
            max_len: p.max_len,
            require_lowercase: p.require_lowercase,
            require_uppercase: p.require_uppercase,
            require_digit: p.require_digit,
            require_symbol: p.require_symbol,
            reject_common: p.reject_common,
        }
    }
}

impl From<CostLimits> for bw_cost_limits {
    fn from(d: CostLimits) -> Self {
        Self {
            size: std::mem::size_of::<Self>(),
            argon2_m_cost: d.argon2_m_cost,
            argon2_t_cost: d.argon2_t_cost,
            argon2_work: d.argon2_work,
            argon2_parallelism: d.argon2_parallelism,
            bcrypt_cost: d.bcrypt_cost,
        }
    }
}

crate::guard::sized_struct! {
    bw_argon2_params => Argon2Params::DEFAULT.into();
    bw_password_policy => (&Policy::default()).into();
    bw_cost_limits => CostLimits::DEFAULT.into();
}

/// Returns `BW_PASSWORD_HASH_MAX_LEN`, for callers that cannot read C macros (ctypes, cffi).
#[no_mangle]
pub extern "C" fn bw_password_hash_max_len() -> usize {
    BW_PASSWORD_HASH_MAX_LEN
}

/// Writes the default Argon2id parameters (RFC 9106 low-memory profile, as argon2-cffi:
/// t=3, m=65536 KiB, p=4, 32-byte hash, 16-byte salt) into `*out`, `size` bytes of it (pass
/// `sizeof *out`; `out->size` is set to it). `out` must not be NULL.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_argon2_params_default(
    out_params: *mut bw_argon2_params,
    size: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees out_params is NULL or valid for `size` bytes.
        unsafe { write_defaults(out_params, size, "out_params") }
    })
}

/// Writes the default password policy into `*out`, `size` bytes of it (pass `sizeof *out`).
/// `out` must not be NULL.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_policy_default(
    out_policy: *mut bw_password_policy,
    size: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees out_policy is NULL or valid for `size` bytes.
        unsafe { write_defaults(out_policy, size, "out_policy") }
    })
}

/// Hashes `password[0..password_len]` with the preferred scheme (Argon2id, default parameters,
/// fresh salt) into `out` as a NUL-terminated PHC string (`$argon2id$v=19$m=65536,t=3,p=4$…`).
///
/// A buffer of `BW_PASSWORD_HASH_MAX_LEN` bytes always suffices; a smaller one that cannot hold
/// the result gives `BW_ERR_BUFFER_TOO_SMALL` with the capacity needed in `*out_len`, before any
/// hashing. `password` may be NULL only with length 0. Slow on purpose (tens to hundreds of ms);
/// thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_hash(
    password: *const u8,
    password_len: usize,
    out_hash: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe {
            hash_into(
                &Hasher::default(),
                password,
                password_len,
                out_hash,
                cap,
                out_len,
            )
        }
    })
}

/// Hashes with Argon2id and explicit parameters (`params` NULL means the defaults). Output and
/// buffer contract as `bw_password_hash`. Out-of-range parameters are `BW_ERR_INVALID_INPUT`
/// naming the parameter. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_argon2_hash(
    password: *const u8,
    password_len: usize,
    params: *const bw_argon2_params,
    out_hash: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees params is NULL or valid for the size it declares.
        let params = match unsafe { read_sized(params, "params") }? {
            Some(p) => p.to_core()?,
            None => Argon2Params::DEFAULT,
        };
        let hasher = Hasher::new(Scheme::Argon2id(params))?;
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe { hash_into(&hasher, password, password_len, out_hash, cap, out_len) }
    })
}

/// Argon2d for `bw_argon2_hash_raw`.
pub const BW_ARGON2_D: u32 = 0;
/// Argon2i for `bw_argon2_hash_raw`.
pub const BW_ARGON2_I: u32 = 1;
/// Argon2id for `bw_argon2_hash_raw`.
pub const BW_ARGON2_ID: u32 = 2;

/// The raw Argon2 tag (`params->hash_len` bytes, 4..=1024) of `password` with a caller-chosen
/// `salt` (8..=1024 bytes), for key derivation and interop (argon2-cffi's `hash_secret_raw`);
/// `variant` is `BW_ARGON2_D`, `BW_ARGON2_I` or `BW_ARGON2_ID`, `version` 0x13 (or 0: the
/// same) or the legacy 0x10. `params->salt_len` is not used (the salt's own length is). Store
/// passwords with `bw_password_hash` instead. Byte buffer contract as `bw_random_bytes`
/// (`BW_ERR_BUFFER_TOO_SMALL` with the size needed). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_argon2_hash_raw(
    password: *const u8,
    password_len: usize,
    salt: *const u8,
    salt_len: usize,
    params: *const bw_argon2_params,
    variant: u32,
    version: u32,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each (ptr, len) pair and the params struct.
        let (password, salt, p) = unsafe {
            (
                slice(password, password_len, "password")?,
                slice(salt, salt_len, "salt")?,
                read_sized(params, "params")?.ok_or_else(|| Failure::null("params"))?,
            )
        };
        let variant = match variant {
            BW_ARGON2_D => password::Argon2Variant::Argon2d,
            BW_ARGON2_I => password::Argon2Variant::Argon2i,
            BW_ARGON2_ID => password::Argon2Variant::Argon2id,
            other => {
                return Err(bulwark::Error::invalid_input(format!(
                    "unknown Argon2 variant {other} (BW_ARGON2_D, BW_ARGON2_I or BW_ARGON2_ID)"
                ))
                .into())
            }
        };
        let salt_bytes = u32::try_from(salt.len()).unwrap_or(u32::MAX);
        let params = Argon2Params::new(p.t_cost, p.m_cost, p.parallelism, p.hash_len, salt_bytes)?;
        let version = if version == 0 {
            password::argon2id::VERSION_13
        } else {
            version
        };
        let tag = password::argon2id::hash_raw(password, salt, &params, variant, version)?;
        // SAFETY: the caller guarantees the output buffer.
        unsafe { write_bytes(&tag, out, cap, out_len) }
    })
}

/// Hashes with bcrypt (`$2b$`, cost 4..=31, fresh salt) into `out`: 60 characters plus NUL.
///
/// A password over 72 bytes or containing a NUL byte is `BW_ERR_INVALID_INPUT` (never
/// truncated). Buffer contract as `bw_password_hash` (61 bytes suffice). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_bcrypt_hash(
    password: *const u8,
    password_len: usize,
    cost: u32,
    out_hash: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        let hasher = Hasher::new(Scheme::Bcrypt { cost })?;
        // SAFETY: the caller guarantees the pointer contracts documented above.
        unsafe { hash_into(&hasher, password, password_len, out_hash, cap, out_len) }
    })
}

/// Checks `password` against a stored hash of any supported scheme (`$argon2id$`, `$argon2i$`,
/// `$argon2d$`, `$2a$`, `$2b$`, `$2y$`), in constant time.
///
/// A wrong password is `BW_OK` with `*out_valid = false`. A malformed or unknown hash, or one
/// costlier than the default `bw_cost_limits`, is `BW_ERR_INVALID_INPUT`
/// (`bw_last_error_message` says what is wrong); `hash` that is not UTF-8
/// is `BW_ERR_INVALID_UTF8`. `out_valid` must not be NULL. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_verify(
    password: *const u8,
    password_len: usize,
    hash: *const c_char,
    hash_len: usize,
    out_valid: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let password = unsafe { slice(password, password_len, "password") }?;
        // SAFETY: as above.
        let hash = unsafe { text(hash, hash_len, "hash") }?;
        // SAFETY: the caller guarantees out_valid is NULL or valid for a write.
        let out_valid = unsafe { out(out_valid, "out_valid") }?;
        *out_valid = password::verify(password, hash)?;
        Ok(())
    })
}

/// The most a stored hash may ask a verification to spend (a hash above any limit is
/// `BW_ERR_INVALID_INPUT` before any work). `bw_password_verify` uses the defaults; fill one with
/// `bw_password_cost_limits_default(&l, sizeof l)` and change what you need for
/// `bw_password_verify_within`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct bw_cost_limits {
    /// `sizeof` the struct as the caller's header declares it (fields may be added at the end).
    pub size: usize,
    /// Most Argon2 memory in KiB. Default 262144 (256 MiB, 4x the default parameters).
    pub argon2_m_cost: u32,
    /// Most Argon2 passes. Default 24.
    pub argon2_t_cost: u32,
    /// Most Argon2 work, passes x KiB. Default 1572864 (8x the default parameters).
    pub argon2_work: u64,
    /// Most Argon2 lanes. Default 16.
    pub argon2_parallelism: u32,
    /// Highest bcrypt cost. Default 14 (4x the default cost 12).
    pub bcrypt_cost: u32,
}

/// Writes the default cost limits (core's `CostLimits::DEFAULT`) into `*out_limits`, `size`
/// bytes of it (pass `sizeof *out_limits`).
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_cost_limits_default(
    out_limits: *mut bw_cost_limits,
    size: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees out_limits is NULL or valid for `size` bytes.
        unsafe { write_defaults(out_limits, size, "out_limits") }
    })
}

/// As `bw_password_verify`, refusing with `BW_ERR_INVALID_INPUT` a hash that asks for more than
/// `*limits` (NULL: the defaults, as `bw_password_verify`). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_verify_within(
    password: *const u8,
    password_len: usize,
    hash: *const c_char,
    hash_len: usize,
    limits: *const bw_cost_limits,
    out_valid: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let password = unsafe { slice(password, password_len, "password") }?;
        // SAFETY: as above.
        let hash = unsafe { text(hash, hash_len, "hash") }?;
        // SAFETY: the caller guarantees limits is NULL or valid for the size it declares.
        let limits =
            unsafe { read_sized(limits, "limits") }?.map_or(CostLimits::DEFAULT, |l| CostLimits {
                argon2_m_cost: l.argon2_m_cost,
                argon2_t_cost: l.argon2_t_cost,
                argon2_work: l.argon2_work,
                argon2_parallelism: l.argon2_parallelism,
                bcrypt_cost: l.bcrypt_cost,
            });
        // SAFETY: the caller guarantees out_valid is NULL or valid for a write.
        let out_valid = unsafe { out(out_valid, "out_valid") }?;
        *out_valid = Hasher::default()
            .with_cost_limits(limits)?
            .verify(password, hash)?;
        Ok(())
    })
}

/// Sets `*out_needs_rehash` when a stored hash falls short of the preferred scheme: bcrypt or
/// another Argon2 variant, or Argon2id with less memory, fewer passes, or a shorter salt or hash
/// than the defaults. Cheap (no hashing). Malformed hash: `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_needs_rehash(
    hash: *const c_char,
    hash_len: usize,
    out_needs_rehash: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees hash is valid for hash_len bytes (or NULL with 0).
        let hash = unsafe { text(hash, hash_len, "hash") }?;
        // SAFETY: the caller guarantees out_needs_rehash is NULL or valid for a write.
        let out_needs = unsafe { out(out_needs_rehash, "out_needs_rehash") }?;
        *out_needs = password::needs_rehash(hash)?;
        Ok(())
    })
}

/// Verifies, and when the password is right but the hash needs a rehash (for example an old
/// bcrypt hash), also writes a new Argon2id hash to store in place of the old one.
///
/// `*out_valid` tells whether the password is right. `*out_new_len` is the new hash's length, or
/// 0 (with `new_hash[0] = '\0'` when `cap > 0`) when there is nothing to replace. When a rehash is
/// due and `cap` is too small, returns `BW_ERR_BUFFER_TOO_SMALL` with the capacity needed in
/// `*out_new_len` before verifying; `BW_PASSWORD_HASH_MAX_LEN` bytes always suffice. `new_hash`
/// may be NULL with `cap` 0. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_verify_and_update(
    password: *const u8,
    password_len: usize,
    hash: *const c_char,
    hash_len: usize,
    out_valid: *mut bool,
    new_hash: *mut c_char,
    cap: usize,
    out_new_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let password = unsafe { slice(password, password_len, "password") }?;
        // SAFETY: as above.
        let hash = unsafe { text(hash, hash_len, "hash") }?;
        if out_valid.is_null() {
            return Err(Failure::null("out_valid"));
        }
        if out_new_len.is_null() {
            return Err(Failure::null("out_new_len"));
        }
        check_out_buffer(new_hash, cap)?;
        let hasher = Hasher::default();
        if hasher.needs_rehash(hash)? {
            // Room for the new hash is checked before the (slow) verification.
            // SAFETY: the caller guarantees new_hash/cap and out_new_len as documented.
            unsafe { reserve_text(new_hash, cap, out_new_len, hasher.hash_len()) }?;
        }
        let (valid, replacement) = hasher.verify_and_update(password, hash)?;
        let replacement = Zeroizing::new(replacement.unwrap_or_default());
        if replacement.is_empty() {
            if cap > 0 {
                // SAFETY: cap > 0, so check_out_buffer ensured new_hash is not NULL.
                unsafe { *new_hash = 0 };
            }
            // SAFETY: checked non-NULL above; the caller guarantees it is valid for a write.
            unsafe { *out_new_len = 0 };
        } else {
            // SAFETY: the caller guarantees new_hash/cap and out_new_len as documented.
            unsafe { write_text(&replacement, new_hash, cap, out_new_len) }?;
        }
        // SAFETY: checked non-NULL above; the caller guarantees it is valid for a write.
        unsafe { *out_valid = valid };
        Ok(())
    })
}

/// Picks Argon2id parameters that take about `target_ms` milliseconds per hash on this machine
/// (memory first, up to `max_m_cost` KiB, then passes; never below OWASP's 19 MiB / t=2 floor)
/// and writes them to `*out_params`. Takes several hashes' time. `target_ms` must be 1..=60000
/// and `max_m_cost` 19456..=2097152, else `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_calibrate(
    target_ms: u32,
    max_m_cost: u32,
    out_params: *mut bw_argon2_params,
) -> bw_result {
    ffi_guard!({
        if out_params.is_null() {
            return Err(Failure::null("out_params"));
        }
        let params: bw_argon2_params =
            password::calibrate(Duration::from_millis(u64::from(target_ms)), max_m_cost)?.into();
        // SAFETY: the caller guarantees out_params is valid for the size it declares.
        unsafe { write_sized(out_params, params, "out_params") }
    })
}

/// Checks `password[0..password_len]` (UTF-8) against a policy (`policy` NULL means the
/// default) and sets `*out_violations` to the OR of every `BW_POLICY_*` flag it breaks (0 when it
/// passes). A policy with `min_len` 0 or above `max_len` is `BW_ERR_INVALID_INPUT`; a password
/// that is not UTF-8 is `BW_ERR_INVALID_UTF8`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_password_policy_check(
    policy: *const bw_password_policy,
    password: *const c_char,
    password_len: usize,
    out_violations: *mut u32,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees policy is NULL or valid for the size it declares.
        let policy = unsafe { read_sized(policy, "policy") }?
            .as_ref()
            .map(Policy::from)
            .unwrap_or_default();
        policy.validate()?;
        // SAFETY: the caller guarantees password is valid for password_len bytes (or NULL with 0).
        let password = unsafe { text(password, password_len, "password") }?;
        // SAFETY: the caller guarantees out_violations is NULL or valid for a write.
        let out_violations = unsafe { out(out_violations, "out_violations") }?;
        *out_violations = policy
            .check(password)
            .iter()
            .fold(0, |acc, v| acc | v.flag());
        Ok(())
    })
}

/// Returns the stable code of one `BW_POLICY_*` flag (`"too_short"`, `"common"`, …) as a static
/// string, or `"unknown"` for anything else. Never NULL; do not free it.
#[no_mangle]
pub extern "C" fn bw_password_violation_str(flag: u32) -> *const c_char {
    let s: &'static str = match flag {
        BW_POLICY_TOO_SHORT => "too_short\0",
        BW_POLICY_TOO_LONG => "too_long\0",
        BW_POLICY_MISSING_LOWERCASE => "missing_lowercase\0",
        BW_POLICY_MISSING_UPPERCASE => "missing_uppercase\0",
        BW_POLICY_MISSING_DIGIT => "missing_digit\0",
        BW_POLICY_MISSING_SYMBOL => "missing_symbol\0",
        BW_POLICY_COMMON => "common\0",
        _ => "unknown\0",
    };
    s.as_ptr().cast()
}

/// Shared body of the hashing functions: size check first, then hash, then copy out.
///
/// # Safety
/// `password` valid for `password_len` bytes (or NULL with 0); `out_hash`/`cap`/`out_len` as in
/// `write_text`.
unsafe fn hash_into(
    hasher: &Hasher,
    password: *const u8,
    password_len: usize,
    out_hash: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let password = unsafe { slice(password, password_len, "password") }?;
    // SAFETY: forwarded caller guarantee.
    unsafe { reserve_text(out_hash, cap, out_len, hasher.hash_len()) }?;
    let hash = Zeroizing::new(hasher.hash(password)?);
    // SAFETY: forwarded caller guarantee.
    unsafe { write_text(&hash, out_hash, cap, out_len) }
}

/// Derives `key_len` bytes into `out_key` with bcrypt_pbkdf (OpenBSD's, as OpenSSH key files use
/// it): `rounds` rounds of the bcrypt core over `password` and `salt`. The password may hold any
/// bytes (NUL included). An empty password or salt, zero rounds, or a `key_len` of 0 or over 512
/// is `BW_ERR_INVALID_INPUT`; `out_key` must hold `key_len` bytes and is written on success only.
/// Fewer than 50 rounds are accepted but weak (the count is linear, like PBKDF2's). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_bcrypt_pbkdf(
    password: *const u8,
    password_len: usize,
    salt: *const u8,
    salt_len: usize,
    rounds: u32,
    out_key: *mut u8,
    key_len: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let password = unsafe { slice(password, password_len, "password") }?;
        // SAFETY: as above.
        let salt = unsafe { slice(salt, salt_len, "salt") }?;
        if out_key.is_null() {
            return Err(Failure::null("out_key"));
        }
        let key = password::bcrypt::pbkdf(password, salt, rounds, key_len)?;
        // SAFETY: out_key is non-NULL and the caller guarantees key_len writable bytes.
        let out = unsafe { slice_mut(out_key, key_len, "out_key") }?;
        out.copy_from_slice(&key);
        Ok(())
    })
}
