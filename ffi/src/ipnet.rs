//! C door for IP allow and deny lists and the client address behind trusted proxies
//! (`bulwark::ipnet`).

use crate::guard::{ffi_guard, opt_ref, out, text, write_text};
use crate::result::bw_result;
use bulwark::ipnet::{self, IpSet};
use std::ffi::c_char;

/// A set of IPv4 and IPv6 networks (opaque): lookups take time bounded by the address length,
/// whatever the number of entries. Immutable once made, so it may be shared between threads.
/// Create with `bw_ip_set_new`, free with `bw_ip_set_free`.
#[allow(non_camel_case_types)]
pub struct bw_ip_set(IpSet);

/// Creates a set from networks separated by commas and/or whitespace (`"10.0.0.0/8,
/// 2001:db8::/32 192.0.2.7"`; an address alone is a /32 or /128) into `*out_set`. A malformed
/// entry, a prefix longer than the address or host bits set (`10.0.0.1/8`) is
/// `BW_ERR_INVALID_INPUT` naming the entry. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_ip_set_new(
    networks: *const c_char,
    networks_len: usize,
    out_set: *mut *mut bw_ip_set,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees networks is valid for networks_len bytes (or NULL with 0).
        let networks = unsafe { text(networks, networks_len, "networks") }?;
        // SAFETY: the caller guarantees out_set is NULL or valid for a write.
        let slot = unsafe { out(out_set, "out_set") }?;
        *slot = Box::into_raw(Box::new(bw_ip_set(IpSet::parse(networks)?)));
        Ok(())
    })
}

/// Frees a set. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_ip_set_free(set: *mut bw_ip_set) -> bw_result {
    ffi_guard!({
        if !set.is_null() {
            // SAFETY: the caller guarantees a live handle from this library, freed once.
            drop(unsafe { Box::from_raw(set) });
        }
        Ok(())
    })
}

/// Sets `*out_contains` to whether `address` (`192.0.2.1`, `2001:db8::1`, with or without a
/// port or brackets; an IPv4-mapped IPv6 address counts as its IPv4 address) is in `set`. An
/// address that does not parse is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_ip_set_contains(
    set: *const bw_ip_set,
    address: *const c_char,
    address_len: usize,
    out_contains: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees set is NULL or a live handle.
        let set = unsafe { opt_ref(set) }.ok_or_else(|| crate::result::Failure::null("set"))?;
        // SAFETY: the caller guarantees address is valid for address_len bytes (or NULL with 0).
        let address = ipnet::parse_addr(unsafe { text(address, address_len, "address") }?)?;
        // SAFETY: the caller guarantees out_contains is NULL or valid for a write.
        *unsafe { out(out_contains, "out_contains") }? = set.0.contains(address);
        Ok(())
    })
}

/// Decides `address` by core's one allow/deny rule (`bulwark::ipnet::permitted`): refused when
/// in `deny`; with an `allow` set, passed only when in it; NULL for either means no such list.
/// Sets `*out_permitted`. An address that does not parse is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_ip_permitted(
    allow: *const bw_ip_set,
    deny: *const bw_ip_set,
    address: *const c_char,
    address_len: usize,
    out_permitted: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each set is NULL or a live handle.
        let (allow, deny) = unsafe { (opt_ref(allow), opt_ref(deny)) };
        // SAFETY: the caller guarantees address is valid for address_len bytes (or NULL with 0).
        let address = ipnet::parse_addr(unsafe { text(address, address_len, "address") }?)?;
        // SAFETY: the caller guarantees out_permitted is NULL or valid for a write.
        *unsafe { out(out_permitted, "out_permitted") }? =
            ipnet::permitted(allow.map(|s| &s.0), deny.map(|s| &s.0), address);
        Ok(())
    })
}

/// Writes the client's address for a request from `peer` (the socket's address) carrying
/// `header_value` (the value of the header named `header`, `Forwarded` (RFC 7239) or
/// `X-Forwarded-For`; several lines joined with `,`; NULL with 0 when absent). The header is
/// believed only through trusted proxies: those in `trusted` (walking from the right past every
/// trusted address), or exactly `hops` proxies (1..=32). With `trusted` NULL and `hops` 0 the
/// client is `peer`, whatever the header says; both given is `BW_ERR_INVALID_INPUT`. An entry
/// that must be read and is not an address is `BW_ERR_INVALID_INPUT` (answer 400). The address
/// is written as text (buffer contract as `bw_token_urlsafe`; 46 bytes always suffice).
/// Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_client_address(
    peer: *const c_char,
    peer_len: usize,
    header: *const c_char,
    header_len: usize,
    header_value: *const c_char,
    header_value_len: usize,
    trusted: *const bw_ip_set,
    hops: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length (or NULL with 0).
        let peer = ipnet::parse_addr(unsafe { text(peer, peer_len, "peer") }?)?;
        // SAFETY: as above.
        let header = unsafe { text(header, header_len, "header") }?;
        // SAFETY: as above.
        let value = unsafe { text(header_value, header_value_len, "header_value") }?;
        // SAFETY: the caller guarantees trusted is NULL or a live handle.
        let trusted = unsafe { opt_ref(trusted) };
        let value = (!value.is_empty()).then_some(value);
        let client =
            ipnet::client_address_via(peer, value, header, trusted.map(|s| &s.0), hops as usize)?;
        // SAFETY: the caller guarantees (buf, cap) and out_len as the text contract says.
        unsafe { write_text(&client.to_string(), buf, cap, out_len) }
    })
}
