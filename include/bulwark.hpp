/*
 * bulwark.hpp: C++17 interface of the Bulwark security SDK, header-only over the C ABI
 * (bulwark.h). It converts and owns, nothing more: every decision is the library's.
 *
 *  - Inputs are std::string_view (text) and bulwark::bytes_view (bytes: a vector, an array, a
 *    string_view or a pointer and a length); outputs are std::string and std::vector<uint8_t>.
 *  - Handles (limiter, counters, jwt_verifier, keyring, cors_policy, redactor, replay_guard) are
 *    move-only RAII objects that free their C handle once.
 *  - Two ways to see a failure, for every call:
 *      bulwark::f(...)      returns the value or throws bulwark::error (code() is the bw_result,
 *                           what() the library's message);
 *      bulwark::try_f(...)  never throws a bulwark::error: it returns bulwark::result<T>, which
 *                           holds the value or the code and the message (only std::bad_alloc
 *                           can escape). Handles: try_create(...) and h.try_m(...).
 *  - Secrets returned as std::string (keys, codes, hashes) are the caller's to wipe.
 *
 * Link as for C: c++ -std=c++17 app.cpp $(pkg-config --cflags --libs bulwark)
 * or with CMake: find_package(Bulwark) and target_link_libraries(app PRIVATE Bulwark::bulwark).
 */

#ifndef BULWARK_HPP
#define BULWARK_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "bulwark.hpp needs C++17 or later (C programs include bulwark.h)"
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "bulwark.h"

namespace bulwark {

/// A failed call: the library's result code and its message.
class error : public std::runtime_error {
  public:
    error(bw_result code, const std::string &message)
        : std::runtime_error(message.empty() ? std::string(bw_result_str(code)) : message), code_(code) {}
    /// The bw_result of the failed call.
    bw_result code() const noexcept { return code_; }

  private:
    bw_result code_;
};

/// The outcome of a try_ call: a value, or the bw_result and the message of the failure.
template <class T> class result {
  public:
    result(T value) : state_(std::move(value)) {}
    result(bw_result code, std::string message) : state_(failure{code, std::move(message)}) {}

    /// Whether the call succeeded.
    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    /// BW_OK, or the failure's code.
    bw_result code() const noexcept { return ok() ? BW_OK : std::get<1>(state_).code; }
    /// "" on success, else the library's message for the failure.
    const std::string &message() const noexcept {
        static const std::string none;
        return ok() ? none : std::get<1>(state_).message;
    }
    /// The value; throws bulwark::error when the call failed.
    T &value() & {
        check();
        return std::get<0>(state_);
    }
    const T &value() const & {
        check();
        return std::get<0>(state_);
    }
    T &&value() && {
        check();
        return std::get<0>(std::move(state_));
    }

  private:
    struct failure {
        bw_result code;
        std::string message;
    };
    void check() const {
        if (!ok()) throw error(std::get<1>(state_).code, std::get<1>(state_).message);
    }
    std::variant<T, failure> state_;
};

/// Stands for "no value" in result<empty> (calls that only succeed or fail).
struct empty {};

/// Bytes given to the library: anything with contiguous bytes, not owned.
struct bytes_view {
    const uint8_t *data = nullptr;
    size_t size = 0;
    bytes_view() = default;
    bytes_view(const uint8_t *p, size_t n) : data(p), size(n) {}
    bytes_view(const std::vector<uint8_t> &v) : data(v.data()), size(v.size()) {}
    template <size_t N> bytes_view(const std::array<uint8_t, N> &a) : data(a.data()), size(N) {}
    bytes_view(std::string_view s) : data(reinterpret_cast<const uint8_t *>(s.data())), size(s.size()) {}
    bytes_view(const std::string &s) : bytes_view(std::string_view(s)) {}
    bytes_view(const char *s) : bytes_view(std::string_view(s)) {}
};

/// Both PEM keys of bw_jwt_generate_key_pair.
struct key_pair {
    std::string private_pem;
    std::string public_pem;
};

/// A new API key and its public id (bw_apikey_generate).
struct api_key {
    std::string key;
    std::string id;
};

/// The outcome of an OTP check: whether it matched, and the step (or counter) it matched.
struct otp_match {
    bool valid = false;
    uint64_t step = 0;
};

/// Outcome of bw_password_verify_and_update: valid, and a new hash when it must be stored.
struct password_check {
    bool valid = false;
    std::optional<std::string> new_hash;
};

/// A CORS decision: allowed, and the response header lines to add ("Name: value\r\n").
struct cors_decision {
    bool allowed = false;
    std::string headers;
};

namespace detail {

inline std::string last_message() {
    char small[512];
    size_t n = 0;
    if (bw_last_error_message(small, sizeof small, &n) == BW_OK) return std::string(small, n);
    std::string big(n, '\0');
    if (bw_last_error_message(big.data(), big.size(), &n) != BW_OK) return std::string();
    big.resize(n);
    return big;
}

template <class T> result<T> fail(bw_result code) { return result<T>(code, last_message()); }

// The value by reference, read only after the call that fills it has returned (function
// arguments are evaluated in no fixed order, so a copy taken as an argument could be stale).
template <class T> result<T> done(bw_result code, T &value) {
    if (code != BW_OK) return fail<T>(code);
    return result<T>(std::move(value));
}

inline result<empty> done(bw_result code) {
    if (code != BW_OK) return fail<empty>(code);
    return empty{};
}

// Calls f(buf, cap, &len) with a buffer of `guess` bytes, and once more with the capacity the
// library asked for when that was too small (the C text contract).
template <class F> result<std::string> text(F &&f, size_t guess = 256) {
    std::string out(guess, '\0');
    size_t n = 0;
    bw_result rc = f(out.data(), out.size(), &n);
    if (rc == BW_ERR_BUFFER_TOO_SMALL) {
        out.assign(n, '\0');
        rc = f(out.data(), out.size(), &n);
    }
    if (rc != BW_OK) return fail<std::string>(rc);
    out.resize(n);
    return out;
}

template <class F> result<std::vector<uint8_t>> bytes(F &&f, size_t guess) {
    std::vector<uint8_t> out(guess == 0 ? 1 : guess);
    size_t n = 0;
    bw_result rc = f(out.data(), out.size(), &n);
    if (rc == BW_ERR_BUFFER_TOO_SMALL) {
        out.assign(n, 0);
        rc = f(out.data(), out.size(), &n);
    }
    if (rc != BW_OK) return fail<std::vector<uint8_t>>(rc);
    out.resize(n);
    return out;
}

inline const char *ptr(std::string_view s) { return s.empty() ? nullptr : s.data(); }

// A move-only owner of one C handle, freed once by Free.
template <class H, bw_result (*Free)(H *)> class handle {
  public:
    handle() = default;
    explicit handle(H *h) : h_(h) {}
    handle(handle &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    handle &operator=(handle &&o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    handle(const handle &) = delete;
    handle &operator=(const handle &) = delete;
    ~handle() { reset(); }
    H *get() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_ != nullptr; }

  private:
    void reset() noexcept {
        if (h_) (void)Free(h_);
        h_ = nullptr;
    }
    H *h_ = nullptr;
};

// Makes a handle class C from a C constructor's out-pointer.
template <class C, class H, class F> result<C> make(F &&f) {
    H *h = nullptr;
    bw_result rc = f(&h);
    if (rc != BW_OK) return fail<C>(rc);
    return result<C>(C(h));
}

} // namespace detail

// ------------------------------------------------------------------------------------- version

/// The running library's version text ("0.1.0").
inline std::string version() { return bw_version(); }

/// The name of a result code.
inline std::string result_str(bw_result code) { return bw_result_str(static_cast<uint32_t>(code)); }

// -------------------------------------------------------------------------------------- random

/// `n` bytes from the OS CSPRNG.
inline result<std::vector<uint8_t>> try_random_bytes(size_t n) {
    std::vector<uint8_t> out(n);
    if (n == 0) return out; // nothing to fill (the C call refuses a NULL buffer)
    return detail::done(bw_random_bytes(out.data(), n), out);
}
inline std::vector<uint8_t> random_bytes(size_t n) { return try_random_bytes(n).value(); }

/// A URL-safe base64 token of `nbytes` random bytes (secrets.token_urlsafe).
inline result<std::string> try_token_urlsafe(size_t nbytes) {
    return detail::text([&](char *b, size_t c, size_t *n) { return bw_token_urlsafe(nbytes, b, c, n); });
}
inline std::string token_urlsafe(size_t nbytes) { return try_token_urlsafe(nbytes).value(); }

/// A hex token of `nbytes` random bytes (secrets.token_hex).
inline result<std::string> try_token_hex(size_t nbytes) {
    return detail::text([&](char *b, size_t c, size_t *n) { return bw_token_hex(nbytes, b, c, n); });
}
inline std::string token_hex(size_t nbytes) { return try_token_hex(nbytes).value(); }

/// A random base32 secret of `chars` characters (at least 32).
inline result<std::string> try_random_base32(size_t chars) {
    return detail::text([&](char *b, size_t c, size_t *n) { return bw_random_base32(chars, b, c, n); });
}
inline std::string random_base32(size_t chars) { return try_random_base32(chars).value(); }

/// Whether two byte strings are equal, in time independent of where they differ.
inline result<bool> try_constant_time_eq(bytes_view a, bytes_view b) {
    bool eq = false;
    return detail::done(bw_constant_time_eq(a.data, a.size, b.data, b.size, &eq), eq);
}
inline bool constant_time_eq(bytes_view a, bytes_view b) { return try_constant_time_eq(a, b).value(); }

// ----------------------------------------------------------------------------------- passwords

/// An Argon2id hash of `password` with the library's default parameters (PHC string).
inline result<std::string> try_password_hash(bytes_view password) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) { return bw_password_hash(password.data, password.size, b, c, n); });
}
inline std::string password_hash(bytes_view password) { return try_password_hash(password).value(); }

/// An Argon2 hash with explicit parameters (fill them with bw_argon2_params_default).
inline result<std::string> try_argon2_hash(bytes_view password, const bw_argon2_params &params) {
    return detail::text([&](char *b, size_t c, size_t *n) {
        return bw_argon2_hash(password.data, password.size, &params, b, c, n);
    });
}
inline std::string argon2_hash(bytes_view password, const bw_argon2_params &params) {
    return try_argon2_hash(password, params).value();
}

/// A bcrypt hash at `cost`; a password over 72 bytes is an error, never truncated.
inline result<std::string> try_bcrypt_hash(bytes_view password, uint32_t cost) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) { return bw_bcrypt_hash(password.data, password.size, cost, b, c, n); },
        BW_BCRYPT_HASH_LEN + 1);
}
inline std::string bcrypt_hash(bytes_view password, uint32_t cost) { return try_bcrypt_hash(password, cost).value(); }

/// Whether `password` matches a stored Argon2 or bcrypt hash (false for a wrong password).
inline result<bool> try_password_verify(bytes_view password, std::string_view hash) {
    bool valid = false;
    return detail::done(bw_password_verify(password.data, password.size, detail::ptr(hash), hash.size(), &valid),
                        valid);
}
inline bool password_verify(bytes_view password, std::string_view hash) {
    return try_password_verify(password, hash).value();
}

/// Whether a stored hash should be replaced by one with today's parameters.
inline result<bool> try_password_needs_rehash(std::string_view hash) {
    bool needs = false;
    return detail::done(bw_password_needs_rehash(detail::ptr(hash), hash.size(), &needs), needs);
}
inline bool password_needs_rehash(std::string_view hash) { return try_password_needs_rehash(hash).value(); }

/// Verifies, and on success with outdated parameters gives the new hash to store.
inline result<password_check> try_password_verify_and_update(bytes_view password, std::string_view hash) {
    password_check out;
    std::string buf(BW_PASSWORD_HASH_MAX_LEN, '\0');
    size_t n = 0;
    bw_result rc = bw_password_verify_and_update(password.data, password.size, detail::ptr(hash), hash.size(),
                                                 &out.valid, buf.data(), buf.size(), &n);
    if (rc != BW_OK) return detail::fail<password_check>(rc);
    if (n > 0) {
        buf.resize(n);
        out.new_hash = std::move(buf);
    }
    return out;
}
inline password_check password_verify_and_update(bytes_view password, std::string_view hash) {
    return try_password_verify_and_update(password, hash).value();
}

/// The BW_POLICY_* flags a password breaks under `policy` (0: acceptable).
inline result<uint32_t> try_password_policy_check(const bw_password_policy &policy, std::string_view password) {
    uint32_t violations = 0;
    return detail::done(bw_password_policy_check(&policy, detail::ptr(password), password.size(), &violations),
                        violations);
}
inline uint32_t password_policy_check(const bw_password_policy &policy, std::string_view password) {
    return try_password_policy_check(policy, password).value();
}

/// The library's default password policy.
inline bw_password_policy password_policy_default() {
    bw_password_policy p{};
    return detail::done(bw_password_policy_default(&p, sizeof p), p).value();
}

/// The library's default Argon2 parameters.
inline bw_argon2_params argon2_params_default() {
    bw_argon2_params p{};
    return detail::done(bw_argon2_params_default(&p, sizeof p), p).value();
}

// ------------------------------------------------------------------------------------- AEAD

/// AES-256-GCM or ChaCha20-Poly1305 (BW_AEAD_*) under a fresh random nonce: nonce || ct || tag.
inline result<std::vector<uint8_t>> try_aead_seal(uint32_t algorithm, bytes_view key, bytes_view plaintext,
                                                  bytes_view aad = {}) {
    return detail::bytes(
        [&](uint8_t *b, size_t c, size_t *n) {
            return bw_aead_seal(algorithm, key.data, key.size, plaintext.data, plaintext.size, aad.data, aad.size,
                                b, c, n);
        },
        plaintext.size + BW_AEAD_OVERHEAD);
}
inline std::vector<uint8_t> aead_seal(uint32_t algorithm, bytes_view key, bytes_view plaintext,
                                      bytes_view aad = {}) {
    return try_aead_seal(algorithm, key, plaintext, aad).value();
}

/// Opens what aead_seal made; a wrong key, AAD or a changed byte is BW_ERR_VERIFICATION_FAILED.
inline result<std::vector<uint8_t>> try_aead_open(uint32_t algorithm, bytes_view key, bytes_view sealed,
                                                  bytes_view aad = {}) {
    return detail::bytes(
        [&](uint8_t *b, size_t c, size_t *n) {
            return bw_aead_open(algorithm, key.data, key.size, sealed.data, sealed.size, aad.data, aad.size, b, c,
                                n);
        },
        sealed.size);
}
inline std::vector<uint8_t> aead_open(uint32_t algorithm, bytes_view key, bytes_view sealed, bytes_view aad = {}) {
    return try_aead_open(algorithm, key, sealed, aad).value();
}

// ----------------------------------------------------------------------------------- Fernet

/// A new Fernet key (url-safe base64 text).
inline result<std::string> try_fernet_generate_key() {
    return detail::text([](char *b, size_t c, size_t *n) { return bw_fernet_generate_key(b, c, n); },
                        BW_FERNET_KEY_LEN + 1);
}
inline std::string fernet_generate_key() { return try_fernet_generate_key().value(); }

/// A Fernet token of `plaintext` under `key`.
inline result<std::string> try_fernet_encrypt(std::string_view key, bytes_view plaintext) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) {
            return bw_fernet_encrypt(detail::ptr(key), key.size(), plaintext.data, plaintext.size, b, c, n);
        },
        bw_fernet_token_len(plaintext.size) + 1);
}
inline std::string fernet_encrypt(std::string_view key, bytes_view plaintext) {
    return try_fernet_encrypt(key, plaintext).value();
}

/// The plaintext of a Fernet token; `ttl_seconds` refuses older tokens (BW_ERR_EXPIRED).
inline result<std::vector<uint8_t>> try_fernet_decrypt(std::string_view key, std::string_view token,
                                                       std::optional<uint64_t> ttl_seconds = std::nullopt) {
    const uint64_t *ttl = ttl_seconds ? &*ttl_seconds : nullptr;
    return detail::bytes(
        [&](uint8_t *b, size_t c, size_t *n) {
            return bw_fernet_decrypt(detail::ptr(key), key.size(), detail::ptr(token), token.size(), ttl, b, c, n);
        },
        token.size());
}
inline std::vector<uint8_t> fernet_decrypt(std::string_view key, std::string_view token,
                                           std::optional<uint64_t> ttl_seconds = std::nullopt) {
    return try_fernet_decrypt(key, token, ttl_seconds).value();
}

// --------------------------------------------------------------------------------------- JWT

/// A signed JWT of `claims_json` with `alg` ("HS256", "RS256", "EdDSA", ...) and `key` (the
/// HMAC secret or a PEM / JWK private key); `header_json` adds header fields ("" for none).
inline result<std::string> try_jwt_encode(std::string_view alg, bytes_view key, std::string_view claims_json,
                                          std::string_view header_json = {}) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) {
            return bw_jwt_encode(detail::ptr(alg), alg.size(), key.data, key.size, detail::ptr(claims_json),
                                 claims_json.size(), detail::ptr(header_json), header_json.size(), b, c, n);
        },
        512);
}
inline std::string jwt_encode(std::string_view alg, bytes_view key, std::string_view claims_json,
                              std::string_view header_json = {}) {
    return try_jwt_encode(alg, key, claims_json, header_json).value();
}

/// The header of a token as JSON, unverified (to pick a key by `kid` before verifying).
inline result<std::string> try_jwt_unverified_header(std::string_view token) {
    return detail::text([&](char *b, size_t c, size_t *n) {
        return bw_jwt_unverified_header(detail::ptr(token), token.size(), b, c, n);
    });
}
inline std::string jwt_unverified_header(std::string_view token) { return try_jwt_unverified_header(token).value(); }

/// A new key pair for a public-key algorithm, as PKCS#8 and SPKI PEM.
inline result<key_pair> try_jwt_generate_key_pair(std::string_view alg) {
    key_pair out{std::string(BW_JWT_PEM_CAPACITY, '\0'), std::string(BW_JWT_PEM_CAPACITY, '\0')};
    size_t priv = 0, pub = 0;
    bw_result rc = bw_jwt_generate_key_pair(detail::ptr(alg), alg.size(), out.private_pem.data(),
                                            out.private_pem.size(), &priv, out.public_pem.data(),
                                            out.public_pem.size(), &pub);
    if (rc != BW_OK) return detail::fail<key_pair>(rc);
    out.private_pem.resize(priv);
    out.public_pem.resize(pub);
    return out;
}
inline key_pair jwt_generate_key_pair(std::string_view alg) { return try_jwt_generate_key_pair(alg).value(); }

/// Whether verified claims hold one of `roles` and every one of `permissions` (core's rule).
inline result<bool> try_jwt_claims_allow(std::string_view claims_json, std::string_view roles,
                                         std::string_view permissions = {}) {
    bool allowed = false;
    return detail::done(bw_jwt_claims_allow(detail::ptr(claims_json), claims_json.size(), detail::ptr(roles),
                                            roles.size(), detail::ptr(permissions), permissions.size(), &allowed),
                        allowed);
}
inline bool jwt_claims_allow(std::string_view claims_json, std::string_view roles,
                             std::string_view permissions = {}) {
    return try_jwt_claims_allow(claims_json, roles, permissions).value();
}

/// One string claim ("sub", "iss", ...) of verified claims, or nothing when absent (a claim
/// that is not a string is BW_ERR_INVALID_CLAIM).
inline result<std::optional<std::string>> try_jwt_claim_string(std::string_view claims_json, std::string_view name) {
    bool found = false;
    auto r = detail::text([&](char *b, size_t c, size_t *n) {
        return bw_jwt_claim_string(detail::ptr(claims_json), claims_json.size(), detail::ptr(name), name.size(),
                                   &found, b, c, n);
    });
    if (!r) return result<std::optional<std::string>>(r.code(), r.message());
    if (!found) return std::optional<std::string>();
    return std::optional<std::string>(std::move(r).value());
}
inline std::optional<std::string> jwt_claim_string(std::string_view claims_json, std::string_view name) {
    return try_jwt_claim_string(claims_json, name).value();
}

/// The bearer token in an Authorization header value (RFC 6750), or nothing.
inline result<std::optional<std::string_view>> try_bearer_token(std::string_view authorization) {
    bool found = false;
    size_t offset = 0, len = 0;
    bw_result rc = bw_bearer_token(detail::ptr(authorization), authorization.size(), &found, &offset, &len);
    if (rc != BW_OK) return detail::fail<std::optional<std::string_view>>(rc);
    if (!found) return std::optional<std::string_view>();
    return std::optional<std::string_view>(authorization.substr(offset, len));
}
inline std::optional<std::string_view> bearer_token(std::string_view authorization) {
    return try_bearer_token(authorization).value();
}

/// The default verifier options (size set): fill in algorithms and key or jwks.
inline bw_jwt_verifier_options jwt_verifier_options_default() {
    bw_jwt_verifier_options o{};
    return detail::done(bw_jwt_verifier_options_default(&o, sizeof o), o).value();
}

/// A JWT verifier: keys and rules fixed at creation; verify() gives the claims as JSON.
class jwt_verifier : public detail::handle<bw_jwt_verifier, bw_jwt_verifier_free> {
  public:
    using handle::handle;
    /// A verifier from options (bw_jwt_verifier_options).
    static result<jwt_verifier> try_create(const bw_jwt_verifier_options &options) {
        return detail::make<jwt_verifier, bw_jwt_verifier>(
            [&](bw_jwt_verifier **h) { return bw_jwt_verifier_new(&options, h); });
    }
    explicit jwt_verifier(const bw_jwt_verifier_options &options) : jwt_verifier(try_create(options).value()) {}
    /// The verified claims as JSON, or the reason the token is refused.
    result<std::string> try_verify(std::string_view token) const {
        return detail::text([&](char *b, size_t c, size_t *n) {
            return bw_jwt_verifier_verify(get(), detail::ptr(token), token.size(), b, c, n);
        });
    }
    std::string verify(std::string_view token) const { return try_verify(token).value(); }
    /// As try_verify, with the clock at `now_unix`.
    result<std::string> try_verify_at(std::string_view token, int64_t now_unix) const {
        return detail::text([&](char *b, size_t c, size_t *n) {
            return bw_jwt_verifier_verify_at(get(), detail::ptr(token), token.size(), now_unix, b, c, n);
        });
    }
    std::string verify_at(std::string_view token, int64_t now_unix) const {
        return try_verify_at(token, now_unix).value();
    }
};

// ---------------------------------------------------------------------------------------- OTP

/// OTP parameters with the defaults (SHA-1, 6 digits, 30 s).
inline bw_otp_params otp_params_default() {
    bw_otp_params p{};
    p.size = sizeof p;
    return p;
}

/// A new base32 TOTP secret.
inline result<std::string> try_totp_generate_secret() {
    return detail::text([](char *b, size_t c, size_t *n) { return bw_totp_generate_secret(b, c, n); },
                        BW_OTP_SECRET_LEN + 1);
}
inline std::string totp_generate_secret() { return try_totp_generate_secret().value(); }

/// The TOTP code of `secret` at Unix time `time`.
inline result<std::string> try_totp_code(std::string_view secret, uint64_t time,
                                         const bw_otp_params &params = otp_params_default()) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) {
            return bw_totp_code(detail::ptr(secret), secret.size(), &params, time, b, c, n);
        },
        BW_OTP_CODE_CAPACITY);
}
inline std::string totp_code(std::string_view secret, uint64_t time,
                             const bw_otp_params &params = otp_params_default()) {
    return try_totp_code(secret, time, params).value();
}

/// Whether `code` is the TOTP code at `time`, give or take `window` steps.
inline result<otp_match> try_totp_verify(std::string_view secret, std::string_view code, uint64_t time,
                                         uint64_t window = 1, const bw_otp_params &params = otp_params_default()) {
    otp_match m;
    return detail::done(bw_totp_verify(detail::ptr(secret), secret.size(), &params, detail::ptr(code), code.size(),
                                       time, window, &m.valid, &m.step),
                        m);
}
inline otp_match totp_verify(std::string_view secret, std::string_view code, uint64_t time, uint64_t window = 1,
                             const bw_otp_params &params = otp_params_default()) {
    return try_totp_verify(secret, code, time, window, params).value();
}

/// The otpauth:// URI of a TOTP secret for an authenticator app.
inline result<std::string> try_totp_provisioning_uri(std::string_view secret, std::string_view account,
                                                     std::string_view issuer = {},
                                                     const bw_otp_params &params = otp_params_default()) {
    return detail::text([&](char *b, size_t c, size_t *n) {
        return bw_totp_provisioning_uri(detail::ptr(secret), secret.size(), &params, detail::ptr(account),
                                        account.size(), detail::ptr(issuer), issuer.size(), b, c, n);
    });
}
inline std::string totp_provisioning_uri(std::string_view secret, std::string_view account,
                                         std::string_view issuer = {},
                                         const bw_otp_params &params = otp_params_default()) {
    return try_totp_provisioning_uri(secret, account, issuer, params).value();
}

/// The HOTP code of `secret` at `counter`.
inline result<std::string> try_hotp_code(std::string_view secret, uint64_t counter,
                                         const bw_otp_params &params = otp_params_default()) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) {
            return bw_hotp_code(detail::ptr(secret), secret.size(), &params, counter, b, c, n);
        },
        BW_OTP_CODE_CAPACITY);
}
inline std::string hotp_code(std::string_view secret, uint64_t counter,
                             const bw_otp_params &params = otp_params_default()) {
    return try_hotp_code(secret, counter, params).value();
}

/// Whether `code` is the HOTP code at `counter` .. `counter + look_ahead`; step is the match.
inline result<otp_match> try_hotp_verify(std::string_view secret, std::string_view code, uint64_t counter,
                                         uint64_t look_ahead = 0,
                                         const bw_otp_params &params = otp_params_default()) {
    otp_match m;
    return detail::done(bw_hotp_verify(detail::ptr(secret), secret.size(), &params, detail::ptr(code), code.size(),
                                       counter, look_ahead, &m.valid, &m.step),
                        m);
}
inline otp_match hotp_verify(std::string_view secret, std::string_view code, uint64_t counter,
                             uint64_t look_ahead = 0, const bw_otp_params &params = otp_params_default()) {
    return try_hotp_verify(secret, code, counter, look_ahead, params).value();
}

/// Remembers the last accepted TOTP step per account (memory:// or Redis), refusing replays.
class replay_guard : public detail::handle<bw_replay_guard, bw_replay_guard_free> {
  public:
    using handle::handle;
    /// A guard on `storage_uri` ("memory://", "redis://host:port/db", ...).
    static result<replay_guard> try_create(std::string_view storage_uri) {
        return detail::make<replay_guard, bw_replay_guard>(
            [&](bw_replay_guard **h) { return bw_replay_guard_new(detail::ptr(storage_uri), storage_uri.size(), h); });
    }
    /// A guard with a key prefix, a deadline and Redis options (TLS files, breaker).
    static result<replay_guard> try_create(std::string_view storage_uri, std::string_view prefix,
                                           uint32_t timeout_ms, const bw_redis_options *redis = nullptr) {
        return detail::make<replay_guard, bw_replay_guard>([&](bw_replay_guard **h) {
            return bw_replay_guard_new_with_options(detail::ptr(storage_uri), storage_uri.size(), detail::ptr(prefix),
                                                    prefix.size(), timeout_ms, redis, h);
        });
    }
    explicit replay_guard(std::string_view storage_uri) : replay_guard(try_create(storage_uri).value()) {}
    /// Verifies `code` for `account` once: a code of an already accepted step is refused.
    result<otp_match> try_verify(std::string_view account, std::string_view secret, std::string_view code,
                                 uint64_t time, uint64_t window = 1,
                                 const bw_otp_params &params = otp_params_default()) const {
        otp_match m;
        return detail::done(bw_replay_guard_verify(get(), detail::ptr(account), account.size(), detail::ptr(secret),
                                                   secret.size(), &params, detail::ptr(code), code.size(), time,
                                                   window, &m.valid, &m.step),
                            m);
    }
    otp_match verify(std::string_view account, std::string_view secret, std::string_view code, uint64_t time,
                     uint64_t window = 1, const bw_otp_params &params = otp_params_default()) const {
        return try_verify(account, secret, code, time, window, params).value();
    }
};

// ------------------------------------------------------------------------------------ API keys

/// A new API key with `prefix` ("sk_live"), and its public id.
inline result<api_key> try_apikey_generate(std::string_view prefix) {
    api_key out{std::string(BW_APIKEY_MAX_LEN, '\0'), std::string(BW_APIKEY_MAX_LEN, '\0')};
    size_t klen = 0, ilen = 0;
    bw_result rc = bw_apikey_generate(detail::ptr(prefix), prefix.size(), out.key.data(), out.key.size(), &klen,
                                      out.id.data(), out.id.size(), &ilen);
    if (rc != BW_OK) return detail::fail<api_key>(rc);
    out.key.resize(klen);
    out.id.resize(ilen);
    return out;
}
inline api_key apikey_generate(std::string_view prefix) { return try_apikey_generate(prefix).value(); }

/// The public id of an API key (to find its stored hash).
inline result<std::string> try_apikey_parse(std::string_view key) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) { return bw_apikey_parse(detail::ptr(key), key.size(), b, c, n); },
        BW_APIKEY_MAX_LEN);
}
inline std::string apikey_parse(std::string_view key) { return try_apikey_parse(key).value(); }

/// The hash to store for an API key (keyed by a server-side pepper).
inline result<std::string> try_apikey_hash(bytes_view pepper, std::string_view key) {
    return detail::text(
        [&](char *b, size_t c, size_t *n) {
            return bw_apikey_hash(pepper.data, pepper.size, detail::ptr(key), key.size(), b, c, n);
        },
        BW_APIKEY_HASH_LEN + 1);
}
inline std::string apikey_hash(bytes_view pepper, std::string_view key) { return try_apikey_hash(pepper, key).value(); }

/// Whether a presented key matches a stored hash (constant time).
inline result<bool> try_apikey_verify(bytes_view pepper, std::string_view presented, std::string_view stored) {
    bool valid = false;
    return detail::done(bw_apikey_verify(pepper.data, pepper.size, detail::ptr(presented), presented.size(),
                                         detail::ptr(stored), stored.size(), &valid),
                        valid);
}
inline bool apikey_verify(bytes_view pepper, std::string_view presented, std::string_view stored) {
    return try_apikey_verify(pepper, presented, stored).value();
}

// ------------------------------------------------------------------------------------- keyring

/// Versioned AEAD keys: encrypt under the primary, decrypt under any, rotate and retire.
class keyring : public detail::handle<bw_keyring, bw_keyring_free> {
  public:
    using handle::handle;
    /// A keyring with one random key of `algorithm` (BW_AEAD_*).
    static result<keyring> try_create(uint32_t algorithm) {
        return detail::make<keyring, bw_keyring>([&](bw_keyring **h) { return bw_keyring_new_random(algorithm, h); });
    }
    /// A keyring from its JSON form (as to_json writes it).
    static result<keyring> try_from_json(std::string_view json) {
        return detail::make<keyring, bw_keyring>(
            [&](bw_keyring **h) { return bw_keyring_from_json(detail::ptr(json), json.size(), h); });
    }
    explicit keyring(uint32_t algorithm) : keyring(try_create(algorithm).value()) {}
    static keyring from_json(std::string_view json) { return try_from_json(json).value(); }
    /// The keyring as JSON (key material: store it as a secret).
    result<std::string> try_to_json() const {
        return detail::text([&](char *b, size_t c, size_t *n) { return bw_keyring_to_json(get(), b, c, n); });
    }
    std::string to_json() const { return try_to_json().value(); }
    /// Adds a new primary key; returns its id.
    result<uint32_t> try_rotate() {
        uint32_t id = 0;
        return detail::done(bw_keyring_rotate(get(), &id), id);
    }
    uint32_t rotate() { return try_rotate().value(); }
    /// Removes key `id` (never the primary).
    result<empty> try_retire(uint32_t id) { return detail::done(bw_keyring_retire(get(), id)); }
    void retire(uint32_t id) { try_retire(id).value(); }
    /// The id of the key new ciphertexts use.
    result<uint32_t> try_primary_id() const {
        uint32_t id = 0;
        return detail::done(bw_keyring_primary_id(get(), &id), id);
    }
    uint32_t primary_id() const { return try_primary_id().value(); }
    /// Encrypts under the primary key.
    result<std::vector<uint8_t>> try_encrypt(bytes_view plaintext, bytes_view aad = {}) const {
        return detail::bytes(
            [&](uint8_t *b, size_t c, size_t *n) {
                return bw_keyring_encrypt(get(), plaintext.data, plaintext.size, aad.data, aad.size, b, c, n);
            },
            plaintext.size + BW_KEYRING_OVERHEAD);
    }
    std::vector<uint8_t> encrypt(bytes_view plaintext, bytes_view aad = {}) const {
        return try_encrypt(plaintext, aad).value();
    }
    /// Decrypts under the key the ciphertext names.
    result<std::vector<uint8_t>> try_decrypt(bytes_view ciphertext, bytes_view aad = {}) const {
        return detail::bytes(
            [&](uint8_t *b, size_t c, size_t *n) {
                return bw_keyring_decrypt(get(), ciphertext.data, ciphertext.size, aad.data, aad.size, b, c, n);
            },
            ciphertext.size);
    }
    std::vector<uint8_t> decrypt(bytes_view ciphertext, bytes_view aad = {}) const {
        return try_decrypt(ciphertext, aad).value();
    }
};

// -------------------------------------------------------------------------- web: headers, CORS

/// The default security header options (size set): change what you need.
inline bw_security_headers_options security_headers_options_default() {
    bw_security_headers_options o{};
    return detail::done(bw_security_headers_options_default(&o, sizeof o), o).value();
}

/// The recommended security headers as "Name: value\r\n" lines (options: nullptr = defaults).
inline result<std::string> try_security_headers(const bw_security_headers_options *options = nullptr) {
    return detail::text([&](char *b, size_t c, size_t *n) { return bw_security_headers(options, b, c, n); }, 512);
}
inline std::string security_headers(const bw_security_headers_options *options = nullptr) {
    return try_security_headers(options).value();
}

/// A CORS policy: which origins, methods and headers a browser may use.
class cors_policy : public detail::handle<bw_cors_policy, bw_cors_policy_free> {
  public:
    using handle::handle;
    /// Comma-separated origins, methods and headers ("" methods / headers: the defaults).
    static result<cors_policy> try_create(std::string_view origins, std::string_view methods = {},
                                          std::string_view headers = {}, std::string_view expose_headers = {},
                                          bool credentials = false, uint32_t max_age = 0) {
        return detail::make<cors_policy, bw_cors_policy>([&](bw_cors_policy **h) {
            return bw_cors_policy_new(detail::ptr(origins), origins.size(), detail::ptr(methods), methods.size(),
                                      detail::ptr(headers), headers.size(), detail::ptr(expose_headers),
                                      expose_headers.size(), credentials, max_age, h);
        });
    }
    explicit cors_policy(std::string_view origins, std::string_view methods = {}, std::string_view headers = {},
                         std::string_view expose_headers = {}, bool credentials = false, uint32_t max_age = 0)
        : cors_policy(try_create(origins, methods, headers, expose_headers, credentials, max_age).value()) {}
    /// Decides an actual request from `origin` ("" when the request has no Origin).
    result<cors_decision> try_check_request(std::string_view origin) const {
        cors_decision d;
        auto r = detail::text([&](char *b, size_t c, size_t *n) {
            return bw_cors_check_request(get(), detail::ptr(origin), origin.size(), &d.allowed, b, c, n);
        });
        if (!r) return result<cors_decision>(r.code(), r.message());
        d.headers = std::move(r).value();
        return d;
    }
    cors_decision check_request(std::string_view origin) const { return try_check_request(origin).value(); }
    /// Decides a preflight (OPTIONS) request.
    result<cors_decision> try_check_preflight(std::string_view origin, std::string_view method,
                                              std::string_view request_headers = {}) const {
        cors_decision d;
        auto r = detail::text([&](char *b, size_t c, size_t *n) {
            return bw_cors_check_preflight(get(), detail::ptr(origin), origin.size(), detail::ptr(method),
                                           method.size(), detail::ptr(request_headers), request_headers.size(),
                                           &d.allowed, b, c, n);
        });
        if (!r) return result<cors_decision>(r.code(), r.message());
        d.headers = std::move(r).value();
        return d;
    }
    cors_decision check_preflight(std::string_view origin, std::string_view method,
                                  std::string_view request_headers = {}) const {
        return try_check_preflight(origin, method, request_headers).value();
    }
};

// ------------------------------------------------------------------------------------ redaction

/// Log redaction with the default field list plus the caller's fields.
class redactor : public detail::handle<bw_redactor, bw_redactor_free> {
  public:
    using handle::handle;
    /// Adds comma-separated field names to the defaults ("" for the defaults alone).
    static result<redactor> try_create(std::string_view fields = {}) {
        return detail::make<redactor, bw_redactor>(
            [&](bw_redactor **h) { return bw_redactor_new(detail::ptr(fields), fields.size(), h); });
    }
    explicit redactor(std::string_view fields) : redactor(try_create(fields).value()) {}
    /// JSON with secret fields masked.
    result<std::string> try_json(std::string_view json) const {
        return detail::text(
            [&](char *b, size_t c, size_t *n) { return bw_redact_json(get(), detail::ptr(json), json.size(), b, c, n); },
            json.size() + 1);
    }
    std::string json(std::string_view json) const { return try_json(json).value(); }
    /// A query string with secret parameters masked.
    result<std::string> try_query(std::string_view query) const {
        return detail::text([&](char *b, size_t c, size_t *n) {
            return bw_redact_query(get(), detail::ptr(query), query.size(), b, c, n);
        }, query.size() + 1);
    }
    std::string query(std::string_view query) const { return try_query(query).value(); }
    /// Free text with tokens, keys and secret assignments masked.
    result<std::string> try_text(std::string_view input) const {
        return detail::text([&](char *b, size_t c, size_t *n) {
            return bw_redact_text(get(), detail::ptr(input), input.size(), b, c, n);
        }, input.size() + 1);
    }
    std::string text(std::string_view input) const { return try_text(input).value(); }
    /// A header value, masked when the header carries a secret.
    result<std::string> try_header(std::string_view name, std::string_view value) const {
        return detail::text([&](char *b, size_t c, size_t *n) {
            return bw_redact_header(get(), detail::ptr(name), name.size(), detail::ptr(value), value.size(), b, c, n);
        }, value.size() + 1);
    }
    std::string header(std::string_view name, std::string_view value) const { return try_header(name, value).value(); }
};

// --------------------------------------------------------------------------------- rate limits

/// A rate limiter's options (size set; zero = defaults).
inline bw_limiter_options limiter_options_default() {
    bw_limiter_options o{};
    o.size = sizeof o;
    return o;
}

/// One decision of a limiter (size set).
inline bw_decision decision_init() {
    bw_decision d{};
    d.size = sizeof d;
    return d;
}

/// A rate limiter on memory:// or Redis with its rates ("10/second; 1000/day").
class limiter : public detail::handle<bw_limiter, bw_limiter_free> {
  public:
    using handle::handle;
    /// strategy: BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW or BW_RL_GCRA.
    static result<limiter> try_create(std::string_view storage_uri, std::string_view rates,
                                      uint32_t strategy = BW_RL_SLIDING_WINDOW,
                                      const bw_limiter_options *options = nullptr) {
        return detail::make<limiter, bw_limiter>([&](bw_limiter **h) {
            return bw_limiter_new(detail::ptr(storage_uri), storage_uri.size(), strategy, detail::ptr(rates),
                                  rates.size(), options, h);
        });
    }
    limiter(std::string_view storage_uri, std::string_view rates, uint32_t strategy = BW_RL_SLIDING_WINDOW,
            const bw_limiter_options *options = nullptr)
        : limiter(try_create(storage_uri, rates, strategy, options).value()) {}
    /// Counts `cost` for `key` and decides (a denial is a decision, not an error).
    result<bw_decision> try_hit(std::string_view key, uint64_t cost = 1) const {
        bw_decision d = decision_init();
        return detail::done(bw_limiter_hit(get(), detail::ptr(key), key.size(), cost, &d), d);
    }
    bw_decision hit(std::string_view key, uint64_t cost = 1) const { return try_hit(key, cost).value(); }
    /// Decides without counting.
    result<bw_decision> try_test(std::string_view key, uint64_t cost = 1) const {
        bw_decision d = decision_init();
        return detail::done(bw_limiter_test(get(), detail::ptr(key), key.size(), cost, &d), d);
    }
    bw_decision test(std::string_view key, uint64_t cost = 1) const { return try_test(key, cost).value(); }
    /// Forgets the counts of `key`.
    result<empty> try_reset(std::string_view key) const {
        return detail::done(bw_limiter_reset(get(), detail::ptr(key), key.size()));
    }
    void reset(std::string_view key) const { try_reset(key).value(); }
    /// Gives back `cost` units of an earlier hit.
    result<empty> try_refund(std::string_view key, uint64_t cost = 1) const {
        return detail::done(bw_limiter_refund(get(), detail::ptr(key), key.size(), cost));
    }
    void refund(std::string_view key, uint64_t cost = 1) const { try_refund(key, cost).value(); }
    /// The response header lines of a decision ("Name: value\r\n": X-RateLimit-*, RateLimit).
    result<std::string> try_headers(const bw_decision &d) const {
        return detail::text([&](char *b, size_t c, size_t *n) { return bw_limiter_headers(get(), &d, b, c, n); });
    }
    std::string headers(const bw_decision &d) const { return try_headers(d).value(); }
};

/// Counters in the `limits` storage model, shared with Python code on the same Redis and prefix.
class counters : public detail::handle<bw_counters, bw_counters_free> {
  public:
    using handle::handle;
    static result<counters> try_create(std::string_view storage_uri, std::string_view prefix = {},
                                       uint32_t timeout_ms = 0, size_t max_keys = 0) {
        return detail::make<counters, bw_counters>([&](bw_counters **h) {
            return bw_counters_new(detail::ptr(storage_uri), storage_uri.size(), detail::ptr(prefix), prefix.size(),
                                   timeout_ms, max_keys, h);
        });
    }
    explicit counters(std::string_view storage_uri, std::string_view prefix = {}, uint32_t timeout_ms = 0,
                      size_t max_keys = 0)
        : counters(try_create(storage_uri, prefix, timeout_ms, max_keys).value()) {}
    /// Counts `cost` against `limit` per `period_us` (strategy BW_LIMITS_*); false past it.
    result<bool> try_hit(uint32_t strategy, std::string_view key, uint64_t limit, uint64_t period_us,
                         uint64_t cost = 1) const {
        bool allowed = false;
        return detail::done(
            bw_counters_hit(get(), strategy, detail::ptr(key), key.size(), limit, period_us, cost, &allowed), allowed);
    }
    bool hit(uint32_t strategy, std::string_view key, uint64_t limit, uint64_t period_us, uint64_t cost = 1) const {
        return try_hit(strategy, key, limit, period_us, cost).value();
    }
    /// Whether `cost` more would pass, without counting.
    result<bool> try_test(uint32_t strategy, std::string_view key, uint64_t limit, uint64_t period_us,
                          uint64_t cost = 1) const {
        bool allowed = false;
        return detail::done(
            bw_counters_test(get(), strategy, detail::ptr(key), key.size(), limit, period_us, cost, &allowed),
            allowed);
    }
    bool test(uint32_t strategy, std::string_view key, uint64_t limit, uint64_t period_us, uint64_t cost = 1) const {
        return try_test(strategy, key, limit, period_us, cost).value();
    }
    /// Forgets one key's window.
    result<empty> try_clear(uint32_t strategy, std::string_view key, uint64_t period_us) const {
        return detail::done(bw_counters_clear(get(), strategy, detail::ptr(key), key.size(), period_us));
    }
    void clear(uint32_t strategy, std::string_view key, uint64_t period_us) const {
        try_clear(strategy, key, period_us).value();
    }
};

} // namespace bulwark

#endif // BULWARK_HPP
