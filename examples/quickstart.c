/* Bulwark quickstart from C: build with
 *   cc quickstart.c $(pkg-config --cflags --libs bulwark)
 * (PKG_CONFIG_PATH=<repo>/dist/lib/pkgconfig after `make lib`). Every call returns a bw_result;
 * on failure, bw_last_error_message() says what was wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark.h"

/* Prints the failure and its detail, and returns non-zero, when rc is not BW_OK. */
static int failed(const char *what, bw_result rc) {
    char detail[256];
    size_t len = 0;
    if (rc == BW_OK) return 0;
    if (bw_last_error_message(detail, sizeof detail, &len) != BW_OK) detail[0] = '\0';
    fprintf(stderr, "%s: %s (%s)\n", what, bw_result_str(rc), detail);
    return 1;
}

int main(void) {
    char token[64];
    char hex[40];
    char secret[40];
    size_t len = 0;
    size_t needed = 0;
    bool same = false;
    const char *presented = "tok_3f9a", *stored = "tok_3f9a";
    bw_result rc;

    printf("Bulwark %s (C)\n", bw_version());

    /* 1. Secure random tokens: session ids, reset links, CSRF tokens. */
    if (failed("token_urlsafe", bw_token_urlsafe(32, token, sizeof token, &len))) return 1;
    printf("session token (%zu chars): %s\n", len, token);
    if (failed("token_hex", bw_token_hex(16, hex, sizeof hex, &len))) return 1;
    printf("request id: %s\n", hex);

    /* 2. A base32 secret for TOTP enrolment. */
    if (failed("random_base32", bw_random_base32(32, secret, sizeof secret, &len))) return 1;
    printf("TOTP secret: %s\n", secret);

    /* 3. Ask for the size first when you do not know it: BW_ERR_BUFFER_TOO_SMALL says how much. */
    rc = bw_token_urlsafe(48, NULL, 0, &needed);
    printf("a 48-byte token needs a %zu-byte buffer (%s)\n", needed, bw_result_str(rc));

    /* 4. Compare secrets in constant time, never with memcmp/strcmp. */
    if (failed("constant_time_eq", bw_constant_time_eq((const uint8_t *)presented, strlen(presented),
                                                       (const uint8_t *)stored, strlen(stored), &same)))
        return 1;
    printf("presented token matches: %s\n", same ? "yes" : "no");

    /* 5. Passwords: Argon2id by default; verify reads the scheme from the stored hash. */
    {
        const char *pw = "correct horse battery staple";
        char hash[BW_PASSWORD_HASH_MAX_LEN], fresh[BW_PASSWORD_HASH_MAX_LEN];
        size_t hash_len = 0, fresh_len = 0;
        bool ok = false;
        uint32_t violations = 0;
        if (failed("password_hash", bw_password_hash((const uint8_t *)pw, strlen(pw), hash, sizeof hash, &hash_len)))
            return 1;
        printf("argon2id hash: %.40s...\n", hash);
        if (failed("password_verify", bw_password_verify((const uint8_t *)pw, strlen(pw), hash, hash_len, &ok)))
            return 1;
        printf("right password: %s\n", ok ? "yes" : "no");
        if (failed("password_verify", bw_password_verify((const uint8_t *)"guess", 5, hash, hash_len, &ok)))
            return 1;
        printf("wrong password: %s\n", ok ? "yes" : "no");

        /* 6. Migration: an old bcrypt hash becomes Argon2id on the next successful login. */
        if (failed("bcrypt_hash", bw_bcrypt_hash((const uint8_t *)pw, strlen(pw), 10, hash, sizeof hash, &hash_len)))
            return 1;
        printf("legacy bcrypt hash: %s\n", hash);
        if (failed("verify_and_update", bw_password_verify_and_update((const uint8_t *)pw, strlen(pw), hash, hash_len,
                                                                      &ok, fresh, sizeof fresh, &fresh_len)))
            return 1;
        printf("login ok: %s, store new hash: %.32s...\n", ok ? "yes" : "no", fresh_len ? fresh : "(none)");

        /* 7. bcrypt never truncates: 73 bytes is an error, not a silently shorter password. */
        rc = bw_bcrypt_hash((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 73, 10,
                            hash, sizeof hash, &hash_len);
        printf("bcrypt of a 73-byte password -> %s\n", bw_result_str(rc));

        /* 8. Password policy: every violation as a flag. */
        if (failed("policy_check", bw_password_policy_check(NULL, "qwerty", 6, &violations))) return 1;
        for (uint32_t flag = 1; flag <= BW_POLICY_COMMON; flag <<= 1)
            if (violations & flag) printf("policy: %s\n", bw_password_violation_str(flag));
    }

    /* 10. Encryption with a keyring: ciphertexts name their key, so they survive rotation. */
    {
        bw_keyring *ring = NULL;
        const char *secret = "customer SSN 078-05-1120";
        uint8_t sealed[128], opened[128];
        size_t sealed_len = 0, opened_len = 0;
        uint32_t new_id = 0;
        char key[64], token[256];
        size_t key_len = 0, token_len = 0;
        if (failed("keyring_new", bw_keyring_new_random(BW_AEAD_AES_256_GCM, &ring))) return 1;
        if (failed("keyring_encrypt", bw_keyring_encrypt(ring, (const uint8_t *)secret, strlen(secret),
                                                          (const uint8_t *)"user:42", 7, sealed, sizeof sealed,
                                                          &sealed_len))) {
            bw_keyring_free(ring);
            return 1;
        }
        if (failed("keyring_rotate", bw_keyring_rotate(ring, &new_id))) {
            bw_keyring_free(ring);
            return 1;
        }
        rc = bw_keyring_decrypt(ring, sealed, sealed_len, (const uint8_t *)"user:42", 7, opened, sizeof opened, &opened_len);
        printf("keyring: %zu-byte ciphertext (plaintext + %d); rotated to key %u; old one opens: %s (%.*s)\n",
               sealed_len, (int)BW_KEYRING_OVERHEAD, new_id, bw_result_str(rc), (int)opened_len, (const char *)opened);
        bw_keyring_free(ring);

        /* 11. Fernet tokens that Python's cryptography decrypts, and the reverse. */
        if (failed("fernet_key", bw_fernet_generate_key(key, sizeof key, &key_len))) return 1;
        if (failed("fernet_encrypt", bw_fernet_encrypt(key, key_len, (const uint8_t *)"secret data", 11, token,
                                                       sizeof token, &token_len)))
            return 1;
        printf("fernet token: %.24s... (%zu chars)\n", token, token_len);
    }

    /* 13. API keys: store the keyed hash, log the key id; a redacted log line; security headers. */
    {
        static const uint8_t pepper[32] = "pepper-from-your-secret-store-32";
        char key[BW_APIKEY_MAX_LEN], id[64], stored[BW_APIKEY_HASH_LEN + 1], line[256], hdrs[1024];
        size_t key_len = 0, id_len = 0, stored_len = 0, line_len = 0, hdrs_len = 0;
        bool ok = false;
        const char *log_json = "{\"user\":\"ann\",\"password\":\"hunter2\"}";
        if (failed("apikey_generate", bw_apikey_generate("bw_live", 7, key, sizeof key, &key_len, id, sizeof id, &id_len)))
            return 1;
        if (failed("apikey_hash", bw_apikey_hash(pepper, sizeof pepper, key, key_len, stored, sizeof stored, &stored_len)))
            return 1;
        if (failed("apikey_verify", bw_apikey_verify(pepper, sizeof pepper, key, key_len, stored, stored_len, &ok)))
            return 1;
        printf("api key id (safe to log): %s, verifies: %s\n", id, ok ? "yes" : "no");
        if (failed("redact_json", bw_redact_json(NULL, log_json, strlen(log_json), line, sizeof line, &line_len))) return 1;
        printf("redacted: %s\n", line);
        if (failed("security_headers", bw_security_headers(NULL, hdrs, sizeof hdrs, &hdrs_len))) return 1;
        printf("security headers:\n%s", hdrs);
    }

    /* 14. JWTs: sign with a private key, verify with one reusable (thread-safe) verifier handle. */
    {
        char priv[BW_JWT_PEM_CAPACITY], pub[BW_JWT_PEM_CAPACITY], jwt[512], claims[256];
        size_t priv_len = 0, pub_len = 0, jwt_len = 0, claims_len = 0;
        const char *body = "{\"sub\":\"user-42\",\"iss\":\"https://auth.example\",\"exp\":4102444800}";
        bw_jwt_verifier_options opts;
        bw_jwt_verifier *verifier = NULL;
        if (failed("jwt_keys", bw_jwt_generate_key_pair("ES256", 5, priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len)))
            return 1;
        if (failed("jwt_encode", bw_jwt_encode("ES256", 5, (const uint8_t *)priv, priv_len, body, strlen(body),
                                               "{\"kid\":\"k1\"}", 12, jwt, sizeof jwt, &jwt_len)))
            return 1;
        printf("JWT: %.40s... (%zu chars)\n", jwt, jwt_len);
        if (failed("jwt_verifier_options_default", bw_jwt_verifier_options_default(&opts, sizeof opts))) return 1;
        opts.algorithms = "ES256", opts.algorithms_len = 5;
        opts.key = (const uint8_t *)pub, opts.key_len = pub_len;
        opts.issuers = "https://auth.example", opts.issuers_len = strlen(opts.issuers);
        if (failed("jwt_verifier", bw_jwt_verifier_new(&opts, &verifier))) return 1;
        if (failed("jwt_verify", bw_jwt_verifier_verify(verifier, jwt, jwt_len, claims, sizeof claims, &claims_len))) return 1;
        printf("verified claims: %s\n", claims);
        jwt[jwt_len - 2] = jwt[jwt_len - 2] == 'A' ? 'B' : 'A';
        rc = bw_jwt_verifier_verify(verifier, jwt, jwt_len, claims, sizeof claims, &claims_len);
        printf("tampered token -> %s\n", bw_result_str(rc));
        bw_jwt_verifier_free(verifier);
    }

    /* 15. Rate limiting: one thread-safe limiter handle; memory:// here, redis://host:port/db to
     * share the limit between servers (BULWARK_REDIS_URL, when set). */
    {
        bw_limiter *limiter = NULL;
        bw_decision d = {.size = sizeof d};
        char hdrs[512];
        size_t hdrs_len = 0;
        const char *redis = getenv("BULWARK_REDIS_URL");
        const char *uri = redis ? redis : "memory://";
        if (failed("limiter_new", bw_limiter_new(uri, strlen(uri), BW_RL_SLIDING_WINDOW, "3/minute", 8, NULL, &limiter)))
            return 1;
        printf("rate limit on %s:", redis ? "redis" : "memory");
        for (int i = 0; i < 4; i++) {
            if (failed("limiter_hit", bw_limiter_hit(limiter, "login:203.0.113.9", 17, 1, &d))) return 1;
            printf(" %s", d.allowed ? "allowed" : "denied");
        }
        printf("\n");
        if (failed("limiter_headers", bw_limiter_headers(limiter, &d, hdrs, sizeof hdrs, &hdrs_len))) return 1;
        printf("%s", hdrs);
        if (failed("limiter_reset", bw_limiter_reset(limiter, "login:203.0.113.9", 17))) return 1;
        bw_limiter_free(limiter);
    }

    /* 16. Two-factor (TOTP): enrol with a URI and a QR code file, verify, refuse the replay. */
    {
        char secret[BW_OTP_SECRET_LEN + 1], uri[512], code[BW_OTP_CODE_CAPACITY];
        size_t secret_len = 0, uri_len = 0, code_len = 0, svg_len = 0;
        uint64_t step = 0, again = 0;
        const uint64_t now = (uint64_t)time(NULL);
        if (failed("totp_generate_secret", bw_totp_generate_secret(secret, sizeof secret, &secret_len))) return 1;
        if (failed("totp_provisioning_uri",
                   bw_totp_provisioning_uri(secret, secret_len, NULL, "alice@example.com", 17, "Example", 7, uri,
                                            sizeof uri, &uri_len)))
            return 1;
        printf("enrolment URI: %.*s...\n", 40, uri);
        /* ask for the size (BW_ERR_BUFFER_TOO_SMALL with the size needed), then allocate */
        if (bw_otp_qr_svg(uri, uri_len, NULL, 0, &svg_len) != BW_ERR_BUFFER_TOO_SMALL) return 1;
        char *svg = malloc(svg_len);
        if (svg && bw_otp_qr_svg(uri, uri_len, svg, svg_len, &svg_len) == BW_OK) {
            FILE *f = fopen("/tmp/bulwark-enrol-c.svg", "w");
            if (f) {
                fputs(svg, f);
                fclose(f);
                printf("QR code written to /tmp/bulwark-enrol-c.svg\n");
            }
        }
        free(svg);
        if (failed("totp_code", bw_totp_code(secret, secret_len, NULL, now, code, sizeof code, &code_len))) return 1;
        bool valid = false;
        if (failed("totp_verify_once",
                   bw_totp_verify_once(secret, secret_len, NULL, code, code_len, now, 1, NULL, &valid, &step)))
            return 1;
        printf("code %s at step %llu\n", valid ? "accepted" : "wrong", (unsigned long long)step);
        rc = bw_totp_verify_once(secret, secret_len, NULL, "000000", 6, now, 1, &step, &valid, &again);
        printf("a wrong code -> %s, valid = %s (a wrong code is an answer, not an error)\n", bw_result_str(rc),
               valid ? "true" : "false");
        rc = bw_totp_verify_once(secret, secret_len, NULL, code, code_len, now, 1, &step, &valid, &again);
        printf("the same code again -> %s\n", bw_result_str(rc));
    }

    /* 17. API versions: a deprecated version is served with its Deprecation/Sunset headers, an
     *     unknown one is 400 with the supported list. */
    {
        static const char policy_json[] =
            "{\"versions\": [{\"version\": \"2.0\"}, {\"version\": \"1.0\", \"deprecated\": 1767225600,"
            " \"sunset\": 1798761600}]}";
        bw_version_policy *policy = NULL;
        bw_version_decision *d = NULL;
        uint16_t status = 0;
        char headers[256];
        size_t headers_len = 0;
        if (failed("version_policy_new", bw_version_policy_new(policy_json, strlen(policy_json), &policy))) return 1;
        if (failed("version_decide", bw_version_decide(policy, "1", 1, "/orders", 7, NULL, 0, 1780000000, &status, &d)))
            return 1;
        if (failed("version_decision_text",
                   bw_version_decision_text(d, BW_VERSION_FIELD_HEADERS, headers, sizeof headers, &headers_len)))
            return 1;
        printf("API-Version: 1 -> %u with\n%s", (unsigned)status, headers);
        if (failed("version_decision_free", bw_version_decision_free(d))) return 1;
        if (failed("version_decide", bw_version_decide(policy, "3", 1, "/orders", 7, NULL, 0, 1780000000, &status, NULL)))
            return 1;
        printf("API-Version: 3 -> %u\n", (unsigned)status);
        if (failed("version_policy_free", bw_version_policy_free(policy))) return 1;
    }

    /* 18. OAuth 2.0: a PKCE pair for the code flow (the rest needs an HTTP callback: docs/c-abi.md). */
    {
        char verifier[64], challenge[64];
        size_t vlen = 0, clen = 0;
        bool match = false;
        if (failed("pkce_verifier", bw_pkce_verifier(verifier, sizeof verifier, &vlen))) return 1;
        if (failed("pkce_challenge", bw_pkce_challenge(verifier, vlen, BW_PKCE_S256, challenge, sizeof challenge, &clen)))
            return 1;
        if (failed("pkce_verify", bw_pkce_verify(verifier, vlen, challenge, clen, BW_PKCE_S256, &match))) return 1;
        printf("PKCE verifier of %zu characters, S256 challenge %s, the server's check: %s\n", vlen, challenge,
               match ? "match" : "no match");
    }

    /* 19. Bad input is a clear error, never a crash. */
    rc = bw_random_bytes(NULL, 16);
    printf("bw_random_bytes(NULL, 16) -> %s\n", bw_result_str(rc));
    {
        char detail[256];
        size_t len = 0;
        if (bw_last_error_message(detail, sizeof detail, &len) == BW_OK) printf("  detail: %s\n", detail);
    }
    return 0;
}
