//! The panic boundary and the pointer helpers every entry point uses.
//!
//! Every `extern "C"` body is `ffi_guard!({ ... })`: the body returns `Result<(), Failure>`,
//! a failure becomes its code plus a thread-local message, and a panic becomes `BW_ERR_PANIC`
//! instead of unwinding into C (undefined behaviour). A test checks that no entry point lacks it.

use crate::result::{bw_result, set_last_error, Failure};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Wraps an entry point's body: `ffi_guard!({ ...; Ok(()) })`.
macro_rules! ffi_guard {
    ($body:block) => {
        $crate::guard::run(|| -> ::core::result::Result<(), $crate::result::Failure> { $body })
    };
}
pub(crate) use ffi_guard;

/// Runs `body`, converting its failure or panic into a result code (and the detail message).
pub(crate) fn run(body: impl FnOnce() -> Result<(), Failure>) -> bw_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => bw_result::BW_OK,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            set_last_error(&format!(
                "internal error: panic caught at the C boundary: {what}"
            ));
            bw_result::BW_ERR_PANIC
        }
    }
}

/// Borrows `(ptr, len)` as a byte slice. NULL with length 0 is the empty slice.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn slice<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    check_len(len, name)?;
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes that outlive 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `(ptr, len)` as a writable byte slice. NULL with length 0 is the empty slice.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for writes of `len` bytes for `'a`, not aliased.
pub(crate) unsafe fn slice_mut<'a>(
    ptr: *mut u8,
    len: usize,
    name: &str,
) -> Result<&'a mut [u8], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    check_len(len, name)?;
    // SAFETY: non-NULL, and the caller guarantees `len` writable, unaliased bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Borrows an out-parameter.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for writes of a `T` for `'a`.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid and aligned for a write of T.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// Checks, before any expensive work, that `(buf, cap)` can take `needed` bytes. When it cannot,
/// sets `*out_len` to `needed` and fails with `BW_ERR_BUFFER_TOO_SMALL`; NULL `out_len`, or NULL
/// `buf` with a capacity, is `BW_ERR_NULL_PARAMETER`.
///
/// # Safety
/// `out_len` must be NULL or valid for a write.
pub(crate) unsafe fn reserve<T>(
    buf: *mut T,
    cap: usize,
    out_len: *mut usize,
    needed: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    let out_len = unsafe { out(out_len, "out_len") }?;
    check_out_buffer(buf, cap)?;
    if cap < needed {
        *out_len = needed;
        return Err(too_small(cap, needed));
    }
    Ok(())
}

/// [`reserve`] for a text of `text_len` bytes plus its NUL.
///
/// # Safety
/// As [`reserve`].
pub(crate) unsafe fn reserve_text(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    text_len: usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    unsafe { reserve(buf, cap, out_len, text_len.saturating_add(1)) }
}

/// Reserves exactly `needed` bytes of the caller's `(buf, cap)`, lets `fill` write them, and sets
/// `*out_len` to `needed` on success (too small a buffer is reported before `fill` runs).
///
/// # Safety
/// As [`write_bytes`].
pub(crate) unsafe fn write_exact(
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
    needed: usize,
    fill: impl FnOnce(&mut [u8]) -> bulwark::Result<()>,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    unsafe { reserve(buf, cap, out_len, needed) }?;
    // SAFETY: reserve checked cap >= needed and buf non-NULL when needed > 0.
    let dest = unsafe { slice_mut(buf, needed, "buf") }?;
    fill(dest)?;
    // SAFETY: reserve checked out_len is not NULL.
    unsafe { *out_len = needed };
    Ok(())
}

/// Copies `data` into the caller's `(buf, cap)` and sets `*out_len` to its length; too small a
/// buffer gives `BW_ERR_BUFFER_TOO_SMALL` with the size needed.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes; `out_len` NULL or valid for a write.
pub(crate) unsafe fn write_bytes(
    data: &[u8],
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    unsafe { reserve(buf, cap, out_len, data.len()) }?;
    // SAFETY: forwarded caller guarantee on (buf, cap); cap >= data.len().
    let dest = unsafe { slice_mut(buf, cap, "buf") }?;
    if let Some(d) = dest.get_mut(..data.len()) {
        d.copy_from_slice(data);
    }
    // SAFETY: checked non-NULL by reserve.
    unsafe { *out_len = data.len() };
    Ok(())
}

/// Writes `text` plus a NUL into the caller's `(buf, cap)`.
///
/// On success `*out_len` is the text's length (without the NUL). When `cap` is too small
/// (`buf` may then be NULL), nothing is written to `buf`, `*out_len` is the capacity needed
/// (length + 1) and the result is `BW_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `cap` bytes; `out_len` NULL or valid for a write.
pub(crate) unsafe fn write_text(
    text: &str,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller guarantee.
    unsafe { reserve_text(buf, cap, out_len, text.len()) }?;
    // SAFETY: forwarded caller guarantee on (buf, cap); cap > text.len() so buf is not NULL.
    let dest = unsafe { slice_mut(buf.cast::<u8>(), cap, "buf") }?;
    let (body, rest) = dest.split_at_mut(text.len());
    body.copy_from_slice(text.as_bytes());
    if let Some(nul) = rest.first_mut() {
        *nul = 0;
    }
    // SAFETY: checked non-NULL by reserve_text.
    unsafe { *out_len = text.len() };
    Ok(())
}

/// Borrows `(ptr, len)` as UTF-8 text. NULL with length 0 is "".
///
/// # Safety
/// As [`slice`].
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded caller guarantee.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, name) }?;
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            bw_result::BW_ERR_INVALID_UTF8,
            format!(
                "{name} is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A `#[repr(C)]` struct of the ABI whose first field is `size: size_t`: the caller sets it to
/// `sizeof` the struct as its header declares it, so that later versions can add fields at the
/// end and a program built against an older header keeps working (the library reads and writes
/// only the bytes the caller declared; the fields past them take their defaults).
pub(crate) trait SizedStruct: Copy {
    /// The struct's defaults, `size` set to the library's own size.
    fn defaults() -> Self;
    /// Sets the `size` field.
    fn set_size(&mut self, size: usize);
}

/// Implements [`SizedStruct`] for structs whose first field is `size`.
macro_rules! sized_struct {
    ($($t:ty => $default:expr;)+) => {$(
        impl $crate::guard::SizedStruct for $t {
            fn defaults() -> Self {
                let mut d: Self = $default;
                d.set_size(::std::mem::size_of::<Self>());
                d
            }
            fn set_size(&mut self, size: usize) {
                self.size = size;
            }
        }
        const _: () = assert!(::std::mem::offset_of!($t, size) == 0, "size must be the first field");
    )+};
}
pub(crate) use sized_struct;

/// The `size` a caller declared for its struct at `ptr`, checked to cover at least the field.
///
/// # Safety
/// `ptr` must be non-NULL and valid for reads of a `size_t`.
unsafe fn declared_size<T>(ptr: *const T, name: &str) -> Result<usize, Failure> {
    // SAFETY: forwarded caller guarantee (the first field is a size_t at offset 0).
    let size = unsafe { ptr.cast::<usize>().read_unaligned() };
    if size < std::mem::size_of::<usize>() {
        return Err(Failure::new(
            bw_result::BW_ERR_INVALID_INPUT,
            format!(
                "{name}->size is {size}: set it to sizeof the struct (its first field), or fill \
                 the struct with its _default function"
            ),
        ));
    }
    Ok(size)
}

/// Checks, before any work, that a sized output struct is there and declares its size (so a
/// call that would count or consume something never does so and then fails to report it).
///
/// # Safety
/// `ptr` must be NULL or valid for reads of a `size_t`.
pub(crate) unsafe fn check_sized_out<T: SizedStruct>(
    ptr: *mut T,
    name: &str,
) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL; forwarded caller guarantee.
    unsafe { declared_size(ptr, name) }.map(drop)
}

/// Reads a caller's sized input struct: the `size` bytes it declared, the rest from the
/// defaults. NULL is `None` (the caller wants the defaults).
///
/// # Safety
/// `ptr` must be NULL or valid for reads of the `size` bytes its first field declares (at most
/// `size_of::<T>()` are read).
pub(crate) unsafe fn read_sized<T: SizedStruct>(
    ptr: *const T,
    name: &str,
) -> Result<Option<T>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller guarantees the declared bytes are readable.
    let size = unsafe { declared_size(ptr, name) }?;
    let mut value = T::defaults();
    let n = size.min(std::mem::size_of::<T>());
    // SAFETY: `n` bytes are readable at `ptr` (declared by the caller, capped at T's size) and
    // writable in `value`; the two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), (&raw mut value).cast::<u8>(), n);
    }
    value.set_size(std::mem::size_of::<T>());
    Ok(Some(value))
}

/// Writes `value` into a caller's sized output struct: only the `size` bytes it declared (its
/// own `size` field is kept). NULL is `BW_ERR_NULL_PARAMETER`.
///
/// # Safety
/// `ptr` must be NULL or valid for reads and writes of the `size` bytes its first field
/// declares.
pub(crate) unsafe fn write_sized<T: SizedStruct>(
    ptr: *mut T,
    mut value: T,
    name: &str,
) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL, and the caller guarantees the declared bytes are valid.
    let size = unsafe { declared_size(ptr, name) }?;
    value.set_size(size);
    let n = size.min(std::mem::size_of::<T>());
    // SAFETY: `n` bytes are writable at `ptr` (declared by the caller, capped at T's size) and
    // readable in `value`; the two do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping((&raw const value).cast::<u8>(), ptr.cast::<u8>(), n);
    }
    Ok(())
}

/// Fills a caller's sized struct with its defaults, writing `size` bytes (the caller passes
/// `sizeof` its struct; the `size` field is set to it).
///
/// # Safety
/// `ptr` must be NULL or valid for writes of `size` bytes.
pub(crate) unsafe fn write_defaults<T: SizedStruct>(
    ptr: *mut T,
    size: usize,
    name: &str,
) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    if size < std::mem::size_of::<usize>() {
        return Err(Failure::new(
            bw_result::BW_ERR_INVALID_INPUT,
            format!("size {size} is smaller than the {name} struct's size field: pass sizeof"),
        ));
    }
    let mut value = T::defaults();
    value.set_size(size);
    let n = size.min(std::mem::size_of::<T>());
    // SAFETY: the caller guarantees `size` (>= n) bytes are writable at `ptr`.
    unsafe {
        std::ptr::copy_nonoverlapping((&raw const value).cast::<u8>(), ptr.cast::<u8>(), n);
    }
    Ok(())
}

/// Borrows an optional input struct: NULL means "use the defaults".
///
/// # Safety
/// `ptr` must be NULL or valid for reads of a `T`.
pub(crate) unsafe fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: forwarded caller guarantee.
    unsafe { ptr.as_ref() }
}

/// An output buffer may be NULL only with capacity 0 (a size query); NULL with a capacity is a
/// caller bug, reported before any size check.
pub(crate) fn check_out_buffer<T>(buf: *mut T, cap: usize) -> Result<(), Failure> {
    if buf.is_null() && cap > 0 {
        return Err(Failure::null("buf"));
    }
    Ok(())
}

/// The failure for an output buffer of `cap` bytes when `needed` are required.
pub(crate) fn too_small(cap: usize, needed: usize) -> Failure {
    Failure::new(
        bw_result::BW_ERR_BUFFER_TOO_SMALL,
        format!("output buffer holds {cap} bytes; {needed} are needed"),
    )
}

fn check_len(len: usize, name: &str) -> Result<(), Failure> {
    if len > isize::MAX as usize {
        return Err(Failure::new(
            bw_result::BW_ERR_INVALID_INPUT,
            format!("{name}: length {len} is larger than any object can be"),
        ));
    }
    Ok(())
}

/// Frees a handle this library made with `Box::into_raw`; NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or a live handle of type `T` from this library, freed once.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: forwarded caller guarantee.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// The items of a comma-separated list, trimmed, blank ones dropped.
pub(crate) fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}
