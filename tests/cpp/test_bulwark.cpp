// bulwark.hpp: every handle type, both error styles (bulwark::error and try_ results), moves and
// the buffer-growth path, against the real library. Built by `make test` with
// -std=c++17 -Wall -Wextra -Wpedantic -Werror under ASan/UBSan, and under valgrind.
#include "bulwark.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                                          \
    } while (0)

// Runs `expr`, which must throw bulwark::error with `code` and a non-empty message.
#define CHECK_THROWS(expr, code_)                                                                  \
    do {                                                                                           \
        bool caught_ = false;                                                                      \
        try {                                                                                      \
            (void)(expr);                                                                          \
        } catch (const bulwark::error &e_) {                                                       \
            caught_ = e_.code() == (code_) && std::string(e_.what()).size() > 0;                   \
            if (!caught_)                                                                          \
                std::fprintf(stderr, "%s:%d: %s threw %u (%s)\n", __FILE__, __LINE__, #expr,       \
                             (unsigned)e_.code(), e_.what());                                      \
        }                                                                                          \
        CHECK(caught_);                                                                            \
    } while (0)

static_assert(!std::is_copy_constructible_v<bulwark::limiter>, "handles are move-only");
static_assert(std::is_nothrow_move_constructible_v<bulwark::keyring>, "handles move without throwing");

static const std::string SECRET = "an-hs256-secret-of-at-least-32-bytes!";

static void test_errors_and_results() {
    auto r = bulwark::try_bcrypt_hash(std::string(73, 'a'), 4);
    CHECK(!r.ok());
    CHECK(!r);
    CHECK(r.code() == BW_ERR_INVALID_INPUT);
    CHECK(r.message().find("72") != std::string::npos);
    CHECK_THROWS(r.value(), BW_ERR_INVALID_INPUT);
    CHECK_THROWS(bulwark::bcrypt_hash(std::string(73, 'a'), 4), BW_ERR_INVALID_INPUT);

    auto ok = bulwark::try_token_hex(16);
    CHECK(ok.ok() && ok.code() == BW_OK && ok.message().empty());
    CHECK(ok.value().size() == 32);
    CHECK(bulwark::result_str(BW_ERR_RATE_LIMITED).size() > 0);
    CHECK(bulwark::version() == std::string(bw_version()));
}

static void test_random_and_compare() {
    auto a = bulwark::random_bytes(32);
    CHECK(a.size() == 32);
    CHECK(bulwark::random_bytes(0).empty());
    CHECK(bulwark::token_urlsafe(32).size() == 43);
    CHECK(bulwark::random_base32(32).size() == 32);
    CHECK_THROWS(bulwark::random_base32(8), BW_ERR_INVALID_INPUT);
    CHECK(bulwark::constant_time_eq(a, a));
    CHECK(!bulwark::constant_time_eq("abc", "abd"));
    CHECK(bulwark::constant_time_eq(std::string_view(), bulwark::bytes_view()));
}

static void test_passwords() {
    std::string hash = bulwark::bcrypt_hash("correct horse", 4);
    CHECK(hash.size() == BW_BCRYPT_HASH_LEN);
    CHECK(bulwark::password_verify("correct horse", hash));
    CHECK(!bulwark::password_verify("wrong horse", hash));
    CHECK(bulwark::password_needs_rehash(hash));
    auto upd = bulwark::password_verify_and_update("correct horse", hash);
    CHECK(upd.valid && upd.new_hash && upd.new_hash->rfind("$argon2id$", 0) == 0);
    auto same = bulwark::password_verify_and_update("wrong", hash);
    CHECK(!same.valid && !same.new_hash);
    CHECK_THROWS(bulwark::password_verify("x", "not a hash"), BW_ERR_INVALID_INPUT);

    bw_argon2_params p = bulwark::argon2_params_default();
    p.m_cost = 1024;
    p.t_cost = 1;
    p.parallelism = 1;
    std::string a2 = bulwark::argon2_hash("pw", p);
    CHECK(bulwark::password_verify("pw", a2));
    p.t_cost = 0;
    CHECK_THROWS(bulwark::argon2_hash("pw", p), BW_ERR_INVALID_INPUT);

    bw_password_policy pol = bulwark::password_policy_default();
    CHECK(bulwark::password_policy_check(pol, "password") & BW_POLICY_COMMON);
    CHECK(bulwark::password_policy_check(pol, "a long unusual passphrase") == 0);
}

static void test_aead_fernet_keyring() {
    auto key = bulwark::random_bytes(32);
    for (uint32_t alg : {BW_AEAD_AES_256_GCM, BW_AEAD_CHACHA20_POLY1305}) {
        auto sealed = bulwark::aead_seal(alg, key, "attack at dawn", "aad");
        CHECK(sealed.size() == 14 + BW_AEAD_OVERHEAD);
        auto plain = bulwark::aead_open(alg, key, sealed, "aad");
        CHECK(std::string(plain.begin(), plain.end()) == "attack at dawn");
        CHECK_THROWS(bulwark::aead_open(alg, key, sealed, "other"), BW_ERR_VERIFICATION_FAILED);
        sealed[BW_AEAD_NONCE_LEN] ^= 1;
        CHECK(bulwark::try_aead_open(alg, key, sealed, "aad").code() == BW_ERR_VERIFICATION_FAILED);
    }
    CHECK_THROWS(bulwark::aead_seal(BW_AEAD_AES_256_GCM, bulwark::bytes_view(key.data(), 16), "x"),
                 BW_ERR_INVALID_INPUT);
    // Empty plaintext (an empty vector's data() may be null).
    std::vector<uint8_t> nothing;
    auto sealed = bulwark::aead_seal(BW_AEAD_AES_256_GCM, key, nothing);
    CHECK(bulwark::aead_open(BW_AEAD_AES_256_GCM, key, sealed).empty());

    std::string fkey = bulwark::fernet_generate_key();
    CHECK(fkey.size() == BW_FERNET_KEY_LEN);
    std::string token = bulwark::fernet_encrypt(fkey, "secret message");
    auto back = bulwark::fernet_decrypt(fkey, token, 60);
    CHECK(std::string(back.begin(), back.end()) == "secret message");
    CHECK_THROWS(bulwark::fernet_decrypt(bulwark::fernet_generate_key(), token), BW_ERR_VERIFICATION_FAILED);
    CHECK_THROWS(bulwark::fernet_encrypt("short", "x"), BW_ERR_INVALID_INPUT);

    bulwark::keyring ring(BW_AEAD_AES_256_GCM);
    uint32_t first = ring.primary_id();
    auto ct = ring.encrypt("payload", "ctx");
    uint32_t second = ring.rotate();
    CHECK(second != first && ring.primary_id() == second);
    auto pt = ring.decrypt(ct, "ctx");
    CHECK(std::string(pt.begin(), pt.end()) == "payload");
    std::string json = ring.to_json();
    bulwark::keyring copy = bulwark::keyring::from_json(json);
    CHECK(copy.primary_id() == second);
    ring.retire(first);
    auto gone = ring.try_decrypt(ct, "ctx");
    CHECK(gone.code() == BW_ERR_INVALID_INPUT && gone.message().find("not in the keyring") != std::string::npos);
    CHECK(copy.decrypt(ct, "ctx").size() == 7);
    CHECK_THROWS(ring.retire(second), BW_ERR_INVALID_INPUT);
    CHECK(bulwark::keyring::try_from_json("{").code() == BW_ERR_INVALID_INPUT);
    CHECK(bulwark::keyring::try_create(99).code() == BW_ERR_INVALID_INPUT);

    // A moved-from handle is empty and frees nothing; the moved-to one works.
    bulwark::keyring moved = std::move(copy);
    CHECK(!copy && moved);
    CHECK(moved.primary_id() == second);
    moved = bulwark::keyring(BW_AEAD_CHACHA20_POLY1305);
    CHECK(moved.decrypt(moved.encrypt("z")).size() == 1);
}

static void test_jwt() {
    std::string claims = R"({"sub":"alice","roles":["admin"],"scope":"read write","exp":4102444800})";
    std::string token = bulwark::jwt_encode("HS256", SECRET, claims, R"({"kid":"k1"})");
    CHECK(bulwark::jwt_unverified_header(token).find("\"kid\":\"k1\"") != std::string::npos);

    bw_jwt_verifier_options o = bulwark::jwt_verifier_options_default();
    o.algorithms = "HS256";
    o.algorithms_len = 5;
    o.key = reinterpret_cast<const uint8_t *>(SECRET.data());
    o.key_len = SECRET.size();
    bulwark::jwt_verifier v(o);
    std::string verified = v.verify(token);
    CHECK(verified.find("\"alice\"") != std::string::npos);
    CHECK(bulwark::jwt_claims_allow(verified, "admin", "read"));
    CHECK(!bulwark::jwt_claims_allow(verified, "auditor"));
    CHECK(!bulwark::jwt_claims_allow(verified, "", "delete"));
    CHECK_THROWS(bulwark::jwt_claims_allow("[]", "admin"), BW_ERR_MALFORMED);
    CHECK(bulwark::jwt_claim_string(verified, "sub") == std::optional<std::string>("alice"));
    CHECK(!bulwark::jwt_claim_string(verified, "iss"));
    CHECK_THROWS(bulwark::jwt_claim_string(verified, "roles"), BW_ERR_INVALID_CLAIM);

    std::string tampered = token;
    tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
    CHECK(v.try_verify(tampered).code() == BW_ERR_VERIFICATION_FAILED);
    CHECK_THROWS(v.verify("not.a.token"), BW_ERR_MALFORMED);
    CHECK(v.try_verify_at(token, 4102444801).code() == BW_ERR_EXPIRED);
    CHECK(v.verify_at(token, 1700000000).size() > 0);
    // alg none and an algorithm outside the allow-list are refused.
    std::string none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
    CHECK(!v.try_verify(none).ok());

    auto kp = bulwark::jwt_generate_key_pair("EdDSA");
    CHECK(kp.private_pem.find("PRIVATE KEY") != std::string::npos);
    std::string ed = bulwark::jwt_encode("EdDSA", kp.private_pem, R"({"sub":"bob"})");
    bw_jwt_verifier_options eo = bulwark::jwt_verifier_options_default();
    eo.algorithms = "EdDSA";
    eo.algorithms_len = 5;
    eo.key = reinterpret_cast<const uint8_t *>(kp.public_pem.data());
    eo.key_len = kp.public_pem.size();
    auto ev = bulwark::jwt_verifier::try_create(eo);
    CHECK(ev.ok());
    CHECK(ev.value().verify(ed).find("bob") != std::string::npos);
    CHECK(ev.value().try_verify(token).code() == BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_THROWS(bulwark::jwt_generate_key_pair("HS256"), BW_ERR_INVALID_INPUT);

    bw_jwt_verifier_options bad = bulwark::jwt_verifier_options_default();
    bad.algorithms = "HS256,RS256";
    bad.algorithms_len = 11;
    bad.key = o.key;
    bad.key_len = o.key_len;
    CHECK(bulwark::jwt_verifier::try_create(bad).code() == BW_ERR_INVALID_INPUT);

    auto bearer = bulwark::bearer_token("Bearer abc.def.ghi");
    CHECK(bearer && *bearer == "abc.def.ghi");
    CHECK(!bulwark::bearer_token("Basic dXNlcjpwdw=="));
    CHECK_THROWS(bulwark::bearer_token("Bearer \xff"), BW_ERR_INVALID_UTF8);
}

static void test_otp() {
    // RFC 6238 appendix B, SHA-1, 8 digits.
    std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    bw_otp_params p = bulwark::otp_params_default();
    p.digits = 8;
    CHECK(bulwark::totp_code(secret, 59, p) == "94287082");
    auto m = bulwark::totp_verify(secret, "94287082", 59, 1, p);
    CHECK(m.valid && m.step == 1);
    CHECK(!bulwark::totp_verify(secret, "00000000", 59, 1, p).valid);
    // RFC 4226 appendix D.
    CHECK(bulwark::hotp_code(secret, 0) == "755224");
    auto h = bulwark::hotp_verify(secret, "969429", 0, 5);
    CHECK(h.valid && h.step == 3);
    CHECK(bulwark::totp_generate_secret().size() == BW_OTP_SECRET_LEN);
    CHECK(bulwark::totp_provisioning_uri(secret, "alice@example.com", "Example").rfind("otpauth://totp/", 0) == 0);
    CHECK_THROWS(bulwark::totp_code("not base32!", 0), BW_ERR_INVALID_INPUT);

    bulwark::replay_guard guard("memory://");
    std::string code = bulwark::totp_code(secret, 1000);
    CHECK(guard.verify("alice", secret, code, 1000).valid);
    CHECK(guard.try_verify("alice", secret, code, 1000).code() == BW_ERR_OTP_REPLAYED);
    CHECK(bulwark::replay_guard::try_create("ftp://nowhere").code() == BW_ERR_INVALID_INPUT);
    CHECK(bulwark::replay_guard::try_create("memory://", "otp:", 100).ok());
}

static void test_apikeys() {
    auto k = bulwark::apikey_generate("sktest");
    CHECK(k.key.rfind("sktest_", 0) == 0);
    CHECK(bulwark::apikey_parse(k.key) == k.id);
    std::string pepper = "server-side pepper of 32 bytes..";
    std::string stored = bulwark::apikey_hash(pepper, k.key);
    CHECK(stored.size() == BW_APIKEY_HASH_LEN);
    CHECK(bulwark::apikey_verify(pepper, k.key, stored));
    CHECK(!bulwark::apikey_verify(pepper, bulwark::apikey_generate("sktest").key, stored));
    CHECK_THROWS(bulwark::apikey_verify(pepper, k.key + "x", stored), BW_ERR_INVALID_INPUT);
    CHECK_THROWS(bulwark::apikey_parse("garbage"), BW_ERR_INVALID_INPUT);
}

static void test_web() {
    std::string h = bulwark::security_headers();
    CHECK(h.find("Strict-Transport-Security: max-age=31536000") != std::string::npos);
    bw_security_headers_options o = bulwark::security_headers_options_default();
    o.frame_options = "SAMEORIGIN\n";
    o.frame_options_len = 11;
    CHECK(bulwark::try_security_headers(&o).code() == BW_ERR_INVALID_INPUT);

    bulwark::cors_policy cors("https://app.example.com", "GET,POST", "Authorization", "X-Request-Id", true, 600);
    auto d = cors.check_request("https://app.example.com");
    CHECK(d.allowed && d.headers.find("Access-Control-Allow-Origin: https://app.example.com") != std::string::npos);
    CHECK(!cors.check_request("https://evil.example").allowed);
    auto pf = cors.check_preflight("https://app.example.com", "POST", "authorization");
    CHECK(pf.allowed && pf.headers.find("Access-Control-Max-Age: 600") != std::string::npos);
    CHECK(!cors.check_preflight("https://app.example.com", "DELETE").allowed);
    CHECK(bulwark::cors_policy::try_create("*", {}, {}, {}, true).code() == BW_ERR_INVALID_INPUT);

    bulwark::redactor r("session_id");
    CHECK(r.json(R"({"password":"hunter2","session_id":"s","user":"bob"})").find("hunter2") == std::string::npos);
    CHECK(r.json(R"({"session_id":"abc"})").find("abc") == std::string::npos);
    CHECK(r.query("user=bob&token=abc").find("abc") == std::string::npos);
    CHECK(r.header("Authorization", "Bearer abc.def.ghi").find("abc") == std::string::npos);
    CHECK(r.text("password=hunter2 ok").find("hunter2") == std::string::npos);
    // A long input grows the output buffer (the BUFFER_TOO_SMALL path).
    std::string big = "{\"note\":\"" + std::string(5000, 'x') + "\",\"password\":\"p\"}";
    CHECK(r.json(big).size() > 5000);
    auto broken = r.try_json("{not json");
    CHECK(!broken.ok() && !broken.message().empty());
    CHECK(bulwark::redactor::try_create().ok());
    CHECK(bulwark::redactor::try_create("\xff\xfe").code() == BW_ERR_INVALID_UTF8);
}

static void test_limits() {
    bulwark::limiter lim("memory://", "3/minute");
    for (int i = 0; i < 3; i++) CHECK(lim.hit("alice").allowed);
    bw_decision d = lim.hit("alice");
    CHECK(!d.allowed && d.limit == 3 && d.remaining == 0 && d.retry_after_us > 0);
    std::string h = lim.headers(d);
    CHECK(h.find("Retry-After: ") != std::string::npos && h.find("RateLimit-Policy: ") != std::string::npos);
    CHECK(lim.test("bob").allowed);
    lim.refund("alice");
    CHECK(lim.hit("alice").allowed);
    lim.reset("alice");
    CHECK(lim.hit("alice", 3).allowed);
    CHECK(bulwark::limiter::try_create("memory://", "ten per fortnight").code() == BW_ERR_INVALID_INPUT);
    bw_limiter_options lo = bulwark::limiter_options_default();
    lo.local_share = 2.0;
    CHECK(bulwark::limiter::try_create("memory://", "1/second", BW_RL_GCRA, &lo).code() == BW_ERR_INVALID_INPUT);

    bulwark::counters c("memory://", "LIMITER");
    const uint64_t minute = 60000000;
    CHECK(c.hit(BW_LIMITS_FIXED_WINDOW, "k", 2, minute));
    CHECK(c.hit(BW_LIMITS_FIXED_WINDOW, "k", 2, minute));
    CHECK(!c.hit(BW_LIMITS_FIXED_WINDOW, "k", 2, minute));
    CHECK(!c.test(BW_LIMITS_FIXED_WINDOW, "k", 2, minute));
    c.clear(BW_LIMITS_FIXED_WINDOW, "k", minute);
    CHECK(c.test(BW_LIMITS_FIXED_WINDOW, "k", 2, minute));
    CHECK(c.try_hit(99, "k", 2, minute).code() == BW_ERR_INVALID_INPUT);
    CHECK(bulwark::counters::try_create("nope://").code() == BW_ERR_INVALID_INPUT);

    // With Redis (make test sets BULWARK_REDIS_URL): the same limit seen by two handles.
    if (const char *url = std::getenv("BULWARK_REDIS_URL")) {
        std::string key = "cpp-" + bulwark::token_hex(8);
        bulwark::limiter a(url, "2/minute"), b(url, "2/minute");
        CHECK(a.hit(key).allowed && b.hit(key).allowed && !a.hit(key).allowed);
    } else {
        std::printf("!!!!!! SKIPPED: BULWARK_REDIS_URL not set; Redis was NOT tested from C++\n");
    }
}

int main() {
    test_errors_and_results();
    test_random_and_compare();
    test_passwords();
    test_aead_fernet_keyring();
    test_jwt();
    test_otp();
    test_apikeys();
    test_web();
    test_limits();
    std::printf("bulwark.hpp: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
