/* C tests of password hashing, verification, migration and policy. Success, NULL pointers, zero
 * lengths, too-small buffers, malformed hashes, non-UTF-8 text, over-long and NUL-containing
 * bcrypt passwords. Built with -Werror and ASan/UBSan by `make test`. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define PW(s) (const uint8_t *)(s), strlen(s)
#define TXT(s) (s), strlen(s)

/* Cheap Argon2id parameters for the logic tests. */
static bw_argon2_params fast_params(void) {
    bw_argon2_params p;
    CHECK_RC(bw_argon2_params_default(&p, sizeof p), BW_OK);
    p.t_cost = 1;
    p.m_cost = 1024;
    p.parallelism = 1;
    return p;
}

static void test_defaults(void) {
    bw_argon2_params p;
    bw_password_policy pol;
    CHECK_RC(bw_argon2_params_default(&p, sizeof p), BW_OK);
    CHECK(p.t_cost == 3 && p.m_cost == 65536 && p.parallelism == 4 && p.hash_len == 32 && p.salt_len == 16);
    CHECK_RC(bw_argon2_params_default(NULL, 64), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_policy_default(&pol, sizeof pol), BW_OK);
    CHECK(pol.min_len == 8 && pol.max_len == 128 && pol.reject_common && !pol.require_digit);
    CHECK_RC(bw_password_policy_default(NULL, 64), BW_ERR_NULL_PARAMETER);
    CHECK(bw_password_hash_max_len() == BW_PASSWORD_HASH_MAX_LEN);
}

static void test_default_hash_and_verify(void) {
    char hash[BW_PASSWORD_HASH_MAX_LEN];
    size_t len = 0;
    bool ok = false, stale = true;
    CHECK_RC(bw_password_hash(PW("correct horse battery"), hash, sizeof hash, &len), BW_OK);
    CHECK(len == strlen(hash));
    CHECK(strncmp(hash, "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
    CHECK_RC(bw_password_verify(PW("correct horse battery"), hash, len, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_password_verify(PW("correct horse batterY"), hash, len, &ok), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_password_needs_rehash(hash, len, &stale), BW_OK);
    CHECK(!stale);
}

static void test_hash_buffers_and_nulls(void) {
    bw_argon2_params p = fast_params();
    char hash[BW_PASSWORD_HASH_MAX_LEN];
    char small[20];
    size_t len = 0, needed = 0;
    bool ok = false;
    /* size query and too small: the needed size is exact and nothing is hashed */
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, NULL, 0, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 60 && needed < BW_PASSWORD_HASH_MAX_LEN);
    memset(small, 'z', sizeof small);
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, small, sizeof small, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == needed && small[0] == 'z');
    {
        char *exact = malloc(needed);
        CHECK(exact != NULL);
        if (exact) {
            CHECK_RC(bw_argon2_hash(PW("pw"), &p, exact, needed, &len), BW_OK);
            CHECK(len + 1 == needed && exact[len] == '\0');
            CHECK(strncmp(exact, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0);
            CHECK_RC(bw_password_verify(PW("pw"), exact, len, &ok), BW_OK);
            CHECK(ok);
            /* Found by fuzzing: a duplicated t in place of p used to verify (p defaulted). */
            exact[26] = 't';
            CHECK(strncmp(exact, "$argon2id$v=19$m=1024,t=1,t=1$", 30) == 0);
            CHECK_RC(bw_password_verify(PW("pw"), exact, len, &ok), BW_ERR_INVALID_INPUT);
            free(exact);
        }
    }
    /* empty password: NULL with length 0 is allowed and verifies */
    CHECK_RC(bw_argon2_hash(NULL, 0, &p, hash, sizeof hash, &len), BW_OK);
    CHECK_RC(bw_password_verify(NULL, 0, hash, len, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_password_verify(PW("x"), hash, len, &ok), BW_OK);
    CHECK(!ok);
    /* NULL pointers with lengths, NULL outputs */
    CHECK_RC(bw_argon2_hash(NULL, 3, &p, hash, sizeof hash, &len), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "password is NULL") == 0);
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, NULL, 64, &len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_hash(NULL, 1, hash, sizeof hash, &len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_hash(PW("pw"), NULL, 0, NULL), BW_ERR_NULL_PARAMETER);
    /* bad parameters name themselves */
    p.t_cost = 0;
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "time_cost") != NULL);
    p = fast_params();
    p.m_cost = 4;
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "memory_cost") != NULL);
    p = fast_params();
    p.salt_len = 4;
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    p = fast_params();
    p.hash_len = 3;
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    /* Short tags and longer ones (argon2-cffi allows them) hash and verify ... */
    static const uint32_t LENS[] = {4, 65, 128};
    for (size_t i = 0; i < 3; i++) {
        bool ok = false;
        p = fast_params();
        p.hash_len = LENS[i];
        CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_OK);
        CHECK_RC(bw_password_verify(PW("pw"), hash, len, &ok), BW_OK);
        CHECK(ok);
    }
    /* ... up to hashes that fit BW_PASSWORD_HASH_MAX_LEN, the buffer this door promises suffices. */
    p = fast_params();
    p.hash_len = 1024;
    CHECK_RC(bw_argon2_hash(PW("pw"), &p, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "BW_PASSWORD_HASH_MAX_LEN") != NULL);
}

static void test_bcrypt(void) {
    char hash[BW_PASSWORD_HASH_MAX_LEN];
    uint8_t long_pw[73];
    const uint8_t nul_pw[] = {'a', 0, 'b'};
    size_t len = 0;
    bool ok = false;
    CHECK_RC(bw_bcrypt_hash(PW("hunter2"), 4, hash, sizeof hash, &len), BW_OK);
    CHECK(len == BW_BCRYPT_HASH_LEN && strncmp(hash, "$2b$04$", 7) == 0);
    CHECK_RC(bw_password_verify(PW("hunter2"), hash, len, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_password_verify(PW("hunter3"), hash, len, &ok), BW_OK);
    CHECK(!ok);
    /* 72 bytes is fine, 73 is an error, never a truncation */
    memset(long_pw, 'a', sizeof long_pw);
    CHECK_RC(bw_bcrypt_hash(long_pw, 72, 4, hash, sizeof hash, &len), BW_OK);
    CHECK_RC(bw_password_verify(long_pw, 72, hash, len, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_bcrypt_hash(long_pw, 73, 4, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "72 bytes") != NULL);
    CHECK_RC(bw_password_verify(long_pw, 73, hash, 60, &ok), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_hash(nul_pw, sizeof nul_pw, 4, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "NUL") != NULL);
    /* Checking a password with a NUL byte is a plain mismatch, never an error. */
    CHECK_RC(bw_bcrypt_hash(PW("a"), 4, hash, sizeof hash, &len), BW_OK);
    ok = true;
    CHECK_RC(bw_password_verify(nul_pw, sizeof nul_pw, hash, len, &ok), BW_OK);
    CHECK(!ok);
    /* cost bounds, buffer sizes */
    CHECK_RC(bw_bcrypt_hash(PW("pw"), 3, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_hash(PW("pw"), 32, hash, sizeof hash, &len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_hash(PW("pw"), 4, hash, 60, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 61);
}

/* A stored hash cannot ask for more work than the verifier allows: refused before hashing
 * (were these computed, the test would run for days). */
static void test_cost_limits(void) {
    char hash[BW_PASSWORD_HASH_MAX_LEN];
    size_t len = 0;
    bool ok = true;
    bw_cost_limits limits;
    CHECK_RC(bw_password_cost_limits_default(&limits, sizeof limits), BW_OK);
    CHECK(limits.bcrypt_cost == 14 && limits.argon2_m_cost == 262144 && limits.argon2_t_cost == 24);
    CHECK(limits.argon2_work == 1572864ULL && limits.argon2_parallelism == 16);
    CHECK_RC(bw_password_cost_limits_default(NULL, 64), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_bcrypt_hash(PW("pw"), 4, hash, sizeof hash, &len), BW_OK);
    memcpy(hash, "$2b$31$", 7);
    CHECK_RC(bw_password_verify(PW("pw"), hash, len, &ok), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "limit") != NULL);
    CHECK_RC(bw_password_verify_within(PW("pw"), hash, len, NULL, &ok), BW_ERR_INVALID_INPUT);
    static const char *ARGON[] = {
        "$argon2id$v=19$m=2097152,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU",
        "$argon2id$v=19$m=65536,t=1024,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU",
    };
    for (size_t i = 0; i < 2; i++) {
        CHECK_RC(bw_password_verify(PW("pw"), ARGON[i], strlen(ARGON[i]), &ok), BW_ERR_INVALID_INPUT);
        CHECK(strstr(last_message(), "limit") != NULL);
    }
    /* Lower limits refuse what the defaults accept; limits below the default hasher's own
     * parameters are refused themselves. */
    CHECK_RC(bw_bcrypt_hash(PW("pw"), 5, hash, sizeof hash, &len), BW_OK);
    CHECK_RC(bw_password_verify_within(PW("pw"), hash, len, &limits, &ok), BW_OK);
    CHECK(ok);
    limits.bcrypt_cost = 4;
    CHECK_RC(bw_password_verify_within(PW("pw"), hash, len, &limits, &ok), BW_ERR_INVALID_INPUT);
    limits.bcrypt_cost = 14;
    limits.argon2_m_cost = 1024;
    CHECK_RC(bw_password_verify_within(PW("pw"), hash, len, &limits, &ok), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_password_verify_within(PW("pw"), hash, len, NULL, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_verify_within(NULL, 2, hash, len, NULL, &ok), BW_ERR_NULL_PARAMETER);
}

static void test_malformed_hashes(void) {
    static const char *bad[] = {
        "",
        "plaintext",
        "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE",   /* 59 chars */
        "$2b$03$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",  /* cost 3 */
        "$2x$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",  /* $2x$ */
        "$2b$04$c!Wp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm",  /* bad base64 */
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ",                    /* no hash */
        "$argon2id$v=19$m=999999999,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", /* huge m */
        "$argon2xx$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    };
    bool ok = true, stale = false;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_RC(bw_password_verify(PW("pw"), bad[i], strlen(bad[i]), &ok), BW_ERR_INVALID_INPUT);
        CHECK(strlen(last_message()) > 10);
        CHECK_RC(bw_password_needs_rehash(bad[i], strlen(bad[i]), &stale), BW_ERR_INVALID_INPUT);
    }
    {
        const char not_utf8[] = {'$', '2', 'b', '$', (char)0xff, (char)0xfe};
        CHECK_RC(bw_password_verify(PW("pw"), not_utf8, sizeof not_utf8, &ok), BW_ERR_INVALID_UTF8);
        CHECK(strstr(last_message(), "UTF-8") != NULL);
    }
    CHECK_RC(bw_password_verify(PW("pw"), NULL, 10, &ok), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_verify(PW("pw"), "$2b$", 4, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_needs_rehash("x", 1, NULL), BW_ERR_NULL_PARAMETER);
}

static void test_migration(void) {
    char old[BW_PASSWORD_HASH_MAX_LEN], fresh[BW_PASSWORD_HASH_MAX_LEN], tiny[8];
    size_t old_len = 0, new_len = 99;
    bool ok = false, stale = false;
    CHECK_RC(bw_bcrypt_hash(PW("migrate me"), 4, old, sizeof old, &old_len), BW_OK);
    CHECK_RC(bw_password_needs_rehash(old, old_len, &stale), BW_OK);
    CHECK(stale);
    /* too small for the new hash: refused before verifying, with the size needed */
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), old, old_len, &ok, tiny, sizeof tiny, &new_len),
             BW_ERR_BUFFER_TOO_SMALL);
    CHECK(new_len > 90 && new_len <= BW_PASSWORD_HASH_MAX_LEN);
    /* wrong password: not valid, nothing to store */
    CHECK_RC(bw_password_verify_and_update(PW("wrong"), old, old_len, &ok, fresh, sizeof fresh, &new_len), BW_OK);
    CHECK(!ok && new_len == 0 && fresh[0] == '\0');
    /* right password: valid, and a new Argon2id hash to store */
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), old, old_len, &ok, fresh, sizeof fresh, &new_len), BW_OK);
    CHECK(ok && new_len == strlen(fresh));
    CHECK(strncmp(fresh, "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
    CHECK_RC(bw_password_verify(PW("migrate me"), fresh, new_len, &ok), BW_OK);
    CHECK(ok);
    /* an up-to-date hash needs no buffer at all */
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), fresh, new_len, &ok, NULL, 0, &old_len), BW_OK);
    CHECK(ok && old_len == 0);
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), fresh, new_len, &ok, NULL, 0, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), fresh, new_len, NULL, NULL, 0, &old_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_verify_and_update(PW("migrate me"), fresh, new_len, &ok, NULL, 5, &old_len), BW_ERR_NULL_PARAMETER);
}

static void test_calibrate(void) {
    bw_argon2_params p = {.size = sizeof p};
    CHECK_RC(bw_password_calibrate(1, 65536, &p), BW_OK);
    CHECK(p.m_cost == 19456 && p.t_cost == 2 && p.parallelism == 4);
    CHECK_RC(bw_password_calibrate(0, 65536, &p), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_password_calibrate(100, 1024, &p), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_password_calibrate(100, 65536, NULL), BW_ERR_NULL_PARAMETER);
}

static void test_policy(void) {
    bw_password_policy pol;
    uint32_t v = 0xffffffffu;
    CHECK_RC(bw_password_policy_check(NULL, TXT("correct horse battery staple"), &v), BW_OK);
    CHECK(v == 0);
    CHECK_RC(bw_password_policy_check(NULL, TXT("password"), &v), BW_OK);
    CHECK(v == BW_POLICY_COMMON);
    CHECK_RC(bw_password_policy_check(NULL, TXT("qwerty"), &v), BW_OK);
    CHECK(v == (BW_POLICY_TOO_SHORT | BW_POLICY_COMMON));
    CHECK_RC(bw_password_policy_default(&pol, sizeof pol), BW_OK);
    pol.require_lowercase = pol.require_uppercase = pol.require_digit = true;
    CHECK_RC(bw_password_policy_check(&pol, TXT("ab"), &v), BW_OK);
    CHECK(v == (BW_POLICY_TOO_SHORT | BW_POLICY_MISSING_UPPERCASE | BW_POLICY_MISSING_DIGIT));
    CHECK_RC(bw_password_policy_check(&pol, TXT("Tr0ub4dor&3x"), &v), BW_OK);
    CHECK(v == 0);
    /* length counts characters, not bytes: 8 characters in 12 bytes pass */
    CHECK_RC(bw_password_policy_check(NULL, TXT("\xc3\xbc" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9!"), &v), BW_OK);
    CHECK(v == 0);
    CHECK_RC(bw_password_policy_check(NULL, NULL, 0, &v), BW_OK);
    CHECK(v == BW_POLICY_TOO_SHORT);
    CHECK_RC(bw_password_policy_check(NULL, "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 8, &v), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_password_policy_check(NULL, NULL, 8, &v), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_password_policy_check(NULL, TXT("password"), NULL), BW_ERR_NULL_PARAMETER);
    pol.min_len = 0;
    CHECK_RC(bw_password_policy_check(&pol, TXT("password"), &v), BW_ERR_INVALID_INPUT);
    pol.min_len = 20;
    pol.max_len = 10;
    CHECK_RC(bw_password_policy_check(&pol, TXT("password"), &v), BW_ERR_INVALID_INPUT);
    CHECK(strcmp(bw_password_violation_str(BW_POLICY_COMMON), "common") == 0);
    CHECK(strcmp(bw_password_violation_str(BW_POLICY_TOO_SHORT), "too_short") == 0);
    CHECK(strcmp(bw_password_violation_str(0), "unknown") == 0);
    CHECK(strcmp(bw_password_violation_str(3), "unknown") == 0);
}

/* bcrypt_pbkdf: pyca/bcrypt's answer for the same inputs, NUL bytes in the password included. */
static void test_bcrypt_pbkdf(void) {
    static const uint8_t EXPECTED[32] = {0x5b, 0xbf, 0x0c, 0xc2, 0x93, 0x58, 0x7f, 0x1c, 0x36, 0x35, 0x55,
                                         0x5c, 0x27, 0x79, 0x65, 0x98, 0xd4, 0x7e, 0x57, 0x90, 0x71, 0xbf,
                                         0x42, 0x7e, 0x9d, 0x8f, 0xbe, 0x84, 0x2a, 0xba, 0x34, 0xd9};
    uint8_t key[32], other[32];
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 4, key, sizeof key), BW_OK);
    CHECK(memcmp(key, EXPECTED, sizeof key) == 0);
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"pass\0word", 9, (const uint8_t *)"salt", 4, 4, other, sizeof other), BW_OK);
    CHECK(memcmp(key, other, sizeof key) != 0);
    CHECK_RC(bw_bcrypt_pbkdf(NULL, 0, (const uint8_t *)"salt", 4, 4, key, sizeof key), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 0, key, sizeof key), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 4, key, 0), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 4, NULL, 32), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_bcrypt_pbkdf((const uint8_t *)"p", 1, (const uint8_t *)"s", 1, 4, key, 513), BW_ERR_INVALID_INPUT);
}

/* An Argon2 hash without v= (written before Argon2 1.3) is Argon2 1.0, as libargon2 reads it. */
static void test_argon2_without_version(void) {
    static const char LEGACY[] = "$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$VWE4EJhMifp204kQ0uBerA";
    bool ok = false;
    CHECK_RC(bw_password_verify(PW("password"), TXT(LEGACY), &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_password_verify(PW("passwore"), TXT(LEGACY), &ok), BW_OK);
    CHECK(!ok);
}

/* Raw Argon2 tags (argon2-cffi's hash_secret_raw): deterministic for the same inputs, different
 * per variant and version, any tag length from 4, bad input refused. */
static void test_argon2_raw(void) {
    static const uint8_t SALT[] = "saltsaltsalt";
    uint8_t a[64], b[64];
    size_t a_len = 0, b_len = 0;
    bw_argon2_params p = fast_params();
    p.hash_len = 4;
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_I, 0x13, a, sizeof a, &a_len), BW_OK);
    CHECK(a_len == 4);
    p.hash_len = 40;
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0, a, sizeof a, &a_len), BW_OK);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0x13, b, sizeof b, &b_len), BW_OK);
    CHECK(a_len == 40 && b_len == 40 && memcmp(a, b, 40) == 0);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_D, 0x13, b, sizeof b, &b_len), BW_OK);
    CHECK(memcmp(a, b, 40) != 0);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0x10, b, sizeof b, &b_len), BW_OK);
    CHECK(memcmp(a, b, 40) != 0);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0x13, b, 8, &b_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(b_len == 40);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 7, &p, BW_ARGON2_ID, 0x13, b, sizeof b, &b_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, 7, 0x13, b, sizeof b, &b_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0x12, b, sizeof b, &b_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, NULL, BW_ARGON2_ID, 0x13, b, sizeof b, &b_len),
             BW_ERR_NULL_PARAMETER);
    p.hash_len = 3;
    CHECK_RC(bw_argon2_hash_raw(PW("pw"), SALT, 12, &p, BW_ARGON2_ID, 0x13, b, sizeof b, &b_len), BW_ERR_INVALID_INPUT);
}

int main(void) {
    test_defaults();
    test_default_hash_and_verify();
    test_hash_buffers_and_nulls();
    test_bcrypt();
    test_cost_limits();
    test_malformed_hashes();
    test_migration();
    test_calibrate();
    test_policy();
    test_bcrypt_pbkdf();
    test_argon2_without_version();
    test_argon2_raw();
    return check_summary("test_password");
}
