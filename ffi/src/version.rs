//! The library's version as macros and as functions, and every size macro of the header as a
//! function too (for callers that cannot read C macros: ctypes, cffi, other languages' FFIs).

use crate::apikey::{BW_APIKEY_HASH_LEN, BW_APIKEY_MAX_LEN};
use crate::fernet::BW_FERNET_KEY_LEN;
use crate::jwt::BW_JWT_PEM_CAPACITY;
use crate::otp::{BW_OTP_CODE_CAPACITY, BW_OTP_FIELD_CAPACITY, BW_OTP_SECRET_LEN};
use crate::password::{BW_BCRYPT_HASH_LEN, BW_BCRYPT_MAX_PASSWORD_LEN};

/// Major version of the header (breaking changes to the C ABI raise it).
pub const BW_VERSION_MAJOR: u32 = 0;
/// Minor version of the header (additions).
pub const BW_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const BW_VERSION_PATCH: u32 = 0;
/// `MAJOR * 1000000 + MINOR * 1000 + PATCH` of the header; compare with `bw_version_number()` to
/// catch a program compiled against one header but running against another library.
pub const BW_VERSION_NUMBER: u32 = 1000;

/// The version number of the library that is running, in the form of `BW_VERSION_NUMBER`.
#[no_mangle]
pub extern "C" fn bw_version_number() -> u32 {
    BW_VERSION_MAJOR * 1_000_000 + BW_VERSION_MINOR * 1_000 + BW_VERSION_PATCH
}

/// Returns `BW_FERNET_KEY_LEN`.
#[no_mangle]
pub extern "C" fn bw_fernet_key_len() -> usize {
    BW_FERNET_KEY_LEN
}

/// Returns `BW_JWT_PEM_CAPACITY`.
#[no_mangle]
pub extern "C" fn bw_jwt_pem_capacity() -> usize {
    BW_JWT_PEM_CAPACITY
}

/// Returns `BW_OTP_SECRET_LEN`.
#[no_mangle]
pub extern "C" fn bw_otp_secret_len() -> usize {
    BW_OTP_SECRET_LEN
}

/// Returns `BW_OTP_CODE_CAPACITY`.
#[no_mangle]
pub extern "C" fn bw_otp_code_capacity() -> usize {
    BW_OTP_CODE_CAPACITY
}

/// Returns `BW_OTP_FIELD_CAPACITY`.
#[no_mangle]
pub extern "C" fn bw_otp_field_capacity() -> usize {
    BW_OTP_FIELD_CAPACITY
}

/// Returns `BW_BCRYPT_HASH_LEN`.
#[no_mangle]
pub extern "C" fn bw_bcrypt_hash_len() -> usize {
    BW_BCRYPT_HASH_LEN
}

/// Returns `BW_BCRYPT_MAX_PASSWORD_LEN`.
#[no_mangle]
pub extern "C" fn bw_bcrypt_max_password_len() -> usize {
    BW_BCRYPT_MAX_PASSWORD_LEN
}

/// Returns `BW_APIKEY_MAX_LEN`.
#[no_mangle]
pub extern "C" fn bw_apikey_max_len() -> usize {
    BW_APIKEY_MAX_LEN
}

/// Returns `BW_APIKEY_HASH_LEN`.
#[no_mangle]
pub extern "C" fn bw_apikey_hash_len() -> usize {
    BW_APIKEY_HASH_LEN
}
