//! An RSA private key's two primes and CRT parameters, recovered from its modulus `n`, public
//! exponent `e` and private exponent `d` alone (RFC 7518 section 6.3.2 lets a private JWK carry
//! only `d`; PyJWT and `cryptography` accept such keys).
//!
//! The method is the standard one (NIST SP 800-56B rev. 2, appendix C.2; Boneh, "Twenty years of
//! attacks on the RSA cryptosystem"): `k = d·e − 1` is a multiple of `λ(n)`; for small bases `g`,
//! the sequence `g^r, g^2r, …, g^k` (with `k = 2^s·r`, `r` odd) reaches 1 mod `n`, and the element
//! just before the first 1, when it is not `±1`, is a square root of 1 that shares a factor with
//! `n`. Each base succeeds with probability at least one half. All arithmetic is aws-lc's
//! `BIGNUM` code; the exponentiations by the secret-derived `r` are its constant-time ones, and
//! every intermediate number is wiped when freed.
//!
//! ```
//! use bulwark_aws_lc::rsa::recover_factors;
//! // n = 61 * 53, e = 17, d = 413 (a textbook key, far too small for use).
//! let f = recover_factors(&3233u16.to_be_bytes(), &[17], &413u16.to_be_bytes())?;
//! assert_eq!((f.p(), f.q()), (&[61u8][..], &[53u8][..]));
//! # Ok::<(), bulwark_aws_lc::rsa::RsaError>(())
//! ```

use aws_lc_sys as sys;
use std::os::raw::c_int;
use std::ptr;
use zeroize::Zeroize;

/// Why the factors could not be recovered (the key is inconsistent or out of bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsaError(pub &'static str);

impl std::fmt::Display for RsaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RsaError {}

/// The largest modulus read, in bits: the work grows with the cube of its size, and aws-lc's RSA
/// key pairs stop at 8192 bits too.
pub const MAX_MODULUS_BITS: u32 = 8192;

/// How many bases are tried before giving up: each finds the factors with probability at least
/// one half, so a consistent key fails with probability below 2^-64.
const MAX_BASES: u64 = 64;

/// The recovered private values, big-endian without leading zeros; wiped when dropped.
pub struct RsaFactors {
    p: Vec<u8>,
    q: Vec<u8>,
    dp: Vec<u8>,
    dq: Vec<u8>,
    qi: Vec<u8>,
}

impl RsaFactors {
    /// The larger prime (`cryptography`'s order: `p > q`).
    #[must_use]
    pub fn p(&self) -> &[u8] {
        &self.p
    }
    /// The smaller prime.
    #[must_use]
    pub fn q(&self) -> &[u8] {
        &self.q
    }
    /// `d mod (p − 1)`.
    #[must_use]
    pub fn dp(&self) -> &[u8] {
        &self.dp
    }
    /// `d mod (q − 1)`.
    #[must_use]
    pub fn dq(&self) -> &[u8] {
        &self.dq
    }
    /// `q⁻¹ mod p`.
    #[must_use]
    pub fn qi(&self) -> &[u8] {
        &self.qi
    }
}

impl Drop for RsaFactors {
    fn drop(&mut self) {
        for v in [
            &mut self.p,
            &mut self.q,
            &mut self.dp,
            &mut self.dq,
            &mut self.qi,
        ] {
            v.zeroize();
        }
    }
}

impl std::fmt::Debug for RsaFactors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaFactors(<redacted>)")
    }
}

/// An aws-lc `BIGNUM`, cleared (`BN_clear_free`) when dropped.
struct Bn(*mut sys::BIGNUM);

impl Bn {
    fn new() -> Result<Self, RsaError> {
        // SAFETY: allocates a fresh BIGNUM (zero); NULL only when out of memory, checked.
        let p = unsafe { sys::BN_new() };
        if p.is_null() {
            return Err(OOM);
        }
        Ok(Self(p))
    }

    fn from_be(bytes: &[u8]) -> Result<Self, RsaError> {
        // SAFETY: `bytes` is `bytes.len()` readable bytes; a NULL `ret` asks for a new BIGNUM,
        // NULL only when out of memory, checked.
        let p = unsafe { sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) };
        if p.is_null() {
            return Err(OOM);
        }
        Ok(Self(p))
    }

    fn word(w: u64) -> Result<Self, RsaError> {
        let n = Self::new()?;
        // SAFETY: `n.0` is a valid BIGNUM.
        ok(unsafe { sys::BN_set_word(n.0, w as sys::BN_ULONG) })?;
        Ok(n)
    }

    fn bits(&self) -> u32 {
        // SAFETY: `self.0` is a valid BIGNUM.
        unsafe { sys::BN_num_bits(self.0) }
    }

    fn cmp(&self, other: &Self) -> c_int {
        // SAFETY: both are valid BIGNUMs.
        unsafe { sys::BN_cmp(self.0, other.0) }
    }

    fn is_one(&self) -> bool {
        // SAFETY: `self.0` is a valid BIGNUM.
        unsafe { sys::BN_is_one(self.0) == 1 }
    }

    fn to_be(&self) -> Result<Vec<u8>, RsaError> {
        // SAFETY: `self.0` is a valid BIGNUM.
        let len = unsafe { sys::BN_num_bytes(self.0) } as usize;
        let mut out = vec![0u8; len];
        // SAFETY: `out` has exactly the `len` bytes the number needs.
        ok(unsafe { sys::BN_bn2bin_padded(out.as_mut_ptr(), len, self.0) })?;
        Ok(out)
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from BN_new / BN_bin2bn and is freed once, here.
        unsafe { sys::BN_clear_free(self.0) }
    }
}

/// An aws-lc `BN_CTX` (scratch numbers for the operations).
struct Ctx(*mut sys::BN_CTX);

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from BN_CTX_new and is freed once, here.
        unsafe { sys::BN_CTX_free(self.0) }
    }
}

/// Montgomery constants for one modulus.
struct Mont(*mut sys::BN_MONT_CTX);

impl Drop for Mont {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from BN_MONT_CTX_new_for_modulus and is freed once, here.
        unsafe { sys::BN_MONT_CTX_free(self.0) }
    }
}

const OOM: RsaError = RsaError("aws-lc could not allocate a number");

fn ok(rc: c_int) -> Result<(), RsaError> {
    if rc == 1 {
        Ok(())
    } else {
        Err(RsaError("aws-lc refused an arithmetic operation"))
    }
}

/// `p`, `q`, `d mod (p−1)`, `d mod (q−1)` and `q⁻¹ mod p` of the key `(n, e, d)`, each
/// big-endian.
///
/// # Errors
/// [`RsaError`] when `n` is even, larger than [`MAX_MODULUS_BITS`] or not a product of two
/// primes, when `e` or `d` is out of range, or when `d` is not `e`'s inverse for `n`.
pub fn recover_factors(n: &[u8], e: &[u8], d: &[u8]) -> Result<RsaFactors, RsaError> {
    let (n, e, d) = (Bn::from_be(n)?, Bn::from_be(e)?, Bn::from_be(d)?);
    let (one, two) = (Bn::word(1)?, Bn::word(2)?);
    // SAFETY: `n.0` is a valid BIGNUM.
    if unsafe { sys::BN_is_odd(n.0) } != 1 || n.bits() < 3 {
        return Err(RsaError("the RSA modulus must be odd and greater than 4"));
    }
    if n.bits() > MAX_MODULUS_BITS {
        return Err(RsaError("the RSA modulus is larger than 8192 bits"));
    }
    if e.cmp(&two) <= 0 || e.cmp(&n) >= 0 || d.cmp(&one) <= 0 || d.cmp(&n) >= 0 {
        return Err(RsaError(
            "the RSA exponents must lie between 2 and the modulus",
        ));
    }
    // SAFETY: allocates a scratch context; NULL only when out of memory, checked.
    let ctx = Ctx(unsafe { sys::BN_CTX_new() });
    if ctx.0.is_null() {
        return Err(OOM);
    }
    // SAFETY: `n` is odd and greater than 1, as Montgomery arithmetic needs; `ctx` is valid.
    let mont = Mont(unsafe { sys::BN_MONT_CTX_new_for_modulus(n.0, ctx.0) });
    if mont.0.is_null() {
        return Err(OOM);
    }
    let n_minus_1 = Bn::new()?;
    // k = d·e − 1 = 2^s · r with r odd.
    let (k, r) = (Bn::new()?, Bn::new()?);
    // SAFETY: every pointer is a valid BIGNUM or context; outputs are distinct from inputs.
    unsafe {
        ok(sys::BN_sub(n_minus_1.0, n.0, one.0))?;
        ok(sys::BN_mul(k.0, d.0, e.0, ctx.0))?;
        ok(sys::BN_sub_word(k.0, 1))?;
    }
    // SAFETY: `k.0` is a valid BIGNUM.
    let s = unsafe { sys::BN_count_low_zero_bits(k.0) };
    if s == 0 {
        return Err(RsaError("d is not the inverse of e for this modulus"));
    }
    // SAFETY: valid BIGNUMs; `s` is between 1 and k's bit length.
    ok(unsafe { sys::BN_rshift(r.0, k.0, s) })?;

    let (y, x, factor) = (Bn::new()?, Bn::new()?, Bn::new()?);
    let mut found = false;
    'bases: for g in 2..2 + MAX_BASES {
        let g = Bn::word(g)?;
        // SAFETY: valid BIGNUMs, context and Montgomery constants for `n`; `g < n` (n > 4 and
        // at most 65 < n for any real modulus; smaller moduli are reduced below).
        unsafe {
            if g.cmp(&n) >= 0 {
                break;
            }
            ok(sys::BN_mod_exp_mont_consttime(
                y.0, g.0, r.0, n.0, ctx.0, mont.0,
            ))?;
        }
        if y.is_one() || y.cmp(&n_minus_1) == 0 {
            continue;
        }
        for _ in 0..s {
            // SAFETY: valid BIGNUMs and context; `x` is distinct from `y`.
            ok(unsafe { sys::BN_mod_sqr(x.0, y.0, n.0, ctx.0) })?;
            if x.is_one() {
                // y is a square root of 1 other than ±1: gcd(y − 1, n) is a proper factor.
                // SAFETY: valid BIGNUMs and context; outputs distinct from inputs.
                unsafe {
                    ok(sys::BN_sub(x.0, y.0, one.0))?;
                    ok(sys::BN_gcd(factor.0, x.0, n.0, ctx.0))?;
                }
                found = true;
                break 'bases;
            }
            if x.cmp(&n_minus_1) == 0 {
                continue 'bases;
            }
            // SAFETY: both are valid BIGNUMs.
            if unsafe { sys::BN_copy(y.0, x.0) }.is_null() {
                return Err(OOM);
            }
        }
        // g^k is not 1: d·e − 1 is not a multiple of λ(n).
        return Err(RsaError("d is not the inverse of e for this modulus"));
    }
    if !found || factor.is_one() || factor.cmp(&n) >= 0 {
        return Err(RsaError(
            "the RSA modulus could not be factored from e and d",
        ));
    }
    let (other, rem) = (Bn::new()?, Bn::new()?);
    // SAFETY: valid BIGNUMs and context; `factor` is not zero.
    ok(unsafe { sys::BN_div(other.0, rem.0, n.0, factor.0, ctx.0) })?;
    // SAFETY: `rem.0` is a valid BIGNUM.
    if unsafe { sys::BN_is_zero(rem.0) } != 1 {
        return Err(RsaError(
            "the RSA modulus could not be factored from e and d",
        ));
    }
    let (p, q) = if factor.cmp(&other) > 0 {
        (factor, other)
    } else {
        (other, factor)
    };
    for prime in [&p, &q] {
        let mut is_prime: c_int = 0;
        // SAFETY: valid BIGNUM and context; no callback. 64 rounds: aws-lc's count for
        // validating numbers from elsewhere.
        ok(unsafe {
            sys::BN_primality_test(&mut is_prime, prime.0, 64, ctx.0, 1, ptr::null_mut())
        })?;
        if is_prime != 1 {
            return Err(RsaError(
                "the RSA modulus is not a product of two primes (multi-prime keys are not supported)",
            ));
        }
    }
    let (pm1, qm1, dp, dq, qi) = (Bn::new()?, Bn::new()?, Bn::new()?, Bn::new()?, Bn::new()?);
    // SAFETY: valid BIGNUMs and context; divisors are at least 2 (p, q are odd primes > 2 or 2,
    // and n is odd so both are odd); outputs distinct from inputs; `qi`'s return is checked.
    unsafe {
        ok(sys::BN_sub(pm1.0, p.0, one.0))?;
        ok(sys::BN_sub(qm1.0, q.0, one.0))?;
        ok(sys::BN_div(ptr::null_mut(), dp.0, d.0, pm1.0, ctx.0))?;
        ok(sys::BN_div(ptr::null_mut(), dq.0, d.0, qm1.0, ctx.0))?;
        if sys::BN_mod_inverse(qi.0, q.0, p.0, ctx.0).is_null() {
            return Err(RsaError("the RSA primes are not coprime"));
        }
    }
    Ok(RsaFactors {
        p: p.to_be()?,
        q: q.to_be()?,
        dp: dp.to_be()?,
        dq: dq.to_be()?,
        qi: qi.to_be()?,
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::KeyPair as _;

    /// A generated key's primes and CRT values come back from n, e, d alone.
    #[test]
    fn recovers_generated_keys() {
        for size in [
            aws_lc_rs::rsa::KeySize::Rsa2048,
            aws_lc_rs::rsa::KeySize::Rsa3072,
        ] {
            let pair = KeyPair::generate(size).expect("generate");
            let der = pair.as_der().expect("der");
            let parts = pkcs8_rsa_parts(der.as_ref());
            let f = recover_factors(&parts[0], &parts[1], &parts[2]).expect("recover");
            let key = |v: &[u8]| (v.len(), v.to_vec());
            let file_p_larger = key(&parts[3]) > key(&parts[4]);
            let (p, q, dp, dq) = if file_p_larger {
                (&parts[3], &parts[4], &parts[5], &parts[6])
            } else {
                (&parts[4], &parts[3], &parts[6], &parts[5])
            };
            assert_eq!(
                (f.p(), f.q(), f.dp(), f.dq()),
                (&p[..], &q[..], &dp[..], &dq[..])
            );
            if file_p_larger {
                assert_eq!(f.qi(), &parts[7][..]);
            }
            // aws-lc checks the whole set (p·q = n, the CRT values, a test signature).
            let again = KeyPair::from_components(&aws_lc_rs::rsa::KeyPairComponents {
                public_key: aws_lc_rs::rsa::PublicKeyComponents {
                    n: &parts[0][..],
                    e: &parts[1][..],
                },
                d: &parts[2][..],
                p: f.p(),
                q: f.q(),
                dP: f.dp(),
                dQ: f.dq(),
                qInv: f.qi(),
            })
            .expect("consistent");
            assert_eq!(again.public_key().as_ref(), pair.public_key().as_ref());
        }
    }

    #[test]
    fn refuses_inconsistent_and_out_of_range_values() {
        let n = 3233u16.to_be_bytes();
        assert!(recover_factors(&n, &[17], &414u16.to_be_bytes()).is_err());
        assert!(recover_factors(&n, &[17], &[1]).is_err());
        assert!(recover_factors(&n, &[1], &413u16.to_be_bytes()).is_err());
        assert!(recover_factors(&3232u16.to_be_bytes(), &[17], &[5]).is_err());
        assert!(recover_factors(&[], &[17], &[5]).is_err());
        assert!(recover_factors(&[0xff; 1025], &[1, 0, 1], &[5]).is_err());
        // 3 · 5 · 7 = 105, e = 5, d = 5 (λ = 12, 25 ≡ 1): three primes are refused.
        assert!(recover_factors(&[105], &[5], &[5]).is_err());
        assert_eq!(
            format!(
                "{:?}",
                recover_factors(&n, &[17], &413u16.to_be_bytes()).unwrap()
            ),
            "RsaFactors(<redacted>)"
        );
    }

    /// The integers of a PKCS#8 RSA private key, in RFC 8017's order (n, e, d, p, q, dp, dq, qi),
    /// big-endian without leading zeros: a minimal DER walk, enough for aws-lc's own output.
    fn pkcs8_rsa_parts(der: &[u8]) -> Vec<Vec<u8>> {
        fn header(b: &[u8]) -> (u8, usize, usize) {
            let tag = b[0];
            let first = b[1] as usize;
            if first < 0x80 {
                (tag, 2, first)
            } else {
                let n = first & 0x7f;
                let len = b[2..2 + n].iter().fold(0usize, |a, &x| a << 8 | x as usize);
                (tag, 2 + n, len)
            }
        }
        // PrivateKeyInfo ::= SEQUENCE { version, algorithm SEQUENCE, privateKey OCTET STRING }
        let (_, h, _) = header(der);
        let mut rest = &der[h..];
        for _ in 0..2 {
            let (_, h, l) = header(rest);
            rest = &rest[h + l..];
        }
        let (tag, h, l) = header(rest);
        assert_eq!(tag, 0x04);
        let inner = &rest[h..h + l];
        let (_, h, _) = header(inner);
        let mut body = &inner[h..];
        let mut out = Vec::new();
        while !body.is_empty() {
            let (tag, h, l) = header(body);
            assert_eq!(tag, 0x02);
            let mut v = body[h..h + l].to_vec();
            while v.len() > 1 && v[0] == 0 {
                v.remove(0);
            }
            out.push(v);
            body = &body[h + l..];
        }
        out.remove(0); // version
        out
    }
}
