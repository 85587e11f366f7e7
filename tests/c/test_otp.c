/* C tests of one-time passwords: secrets, TOTP codes and windows with the matched step,
 * verify_once replays, parameters, HOTP look-ahead, provisioning URIs built and parsed, QR codes,
 * NULLs and small buffers, and the replay guard (8 threads racing one code in memory; two guards
 * sharing Redis when BULWARK_REDIS_URL is set, as `make test` does). The RFC vectors run through
 * this library from pytest (tests/python/test_otp.py reads ../shared/vectors). Built with -Werror
 * and ASan/UBSan. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

#define TXT(s) (s), strlen(s)

static const char SECRET[] = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
static const uint64_t NOW = 1700000010u;

static void test_secret(void) {
    char buf[BW_OTP_SECRET_LEN + 1], other[BW_OTP_SECRET_LEN + 1];
    size_t n = 0;
    CHECK_RC(bw_totp_generate_secret(buf, sizeof buf, &n), BW_OK);
    CHECK(n == BW_OTP_SECRET_LEN && strlen(buf) == BW_OTP_SECRET_LEN);
    CHECK(strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == BW_OTP_SECRET_LEN);
    CHECK_RC(bw_totp_generate_secret(other, sizeof other, &n), BW_OK);
    CHECK(strcmp(buf, other) != 0);
    CHECK_RC(bw_totp_generate_secret(buf, 10, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n == BW_OTP_SECRET_LEN + 1);
    CHECK_RC(bw_totp_generate_secret(NULL, 0, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(bw_totp_generate_secret(buf, sizeof buf, NULL), BW_ERR_NULL_PARAMETER);
}

static void test_totp_window_and_replay(void) {
    char code[BW_OTP_CODE_CAPACITY], prev[BW_OTP_CODE_CAPACITY];
    size_t n = 0;
    uint64_t step = 0, last = 0;
    bool ok = false;
    const uint64_t want = NOW / 30;
    CHECK_RC(bw_totp_code(TXT(SECRET), NULL, NOW, code, sizeof code, &n), BW_OK);
    CHECK(n == 6 && strlen(code) == 6);
    ok = false;
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == want);
    CHECK_RC(bw_totp_code(TXT(SECRET), NULL, NOW - 30, prev, sizeof prev, &n), BW_OK);
    ok = false;
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT(prev), NOW, 1, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == want - 1);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT(prev), NOW, 0, &ok, &step), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT("12345x"), NOW, 1, &ok, &step), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT(code), NOW, 1001, &ok, &step), BW_ERR_INVALID_INPUT);
    /* verify_once: first use, the same code again, an older code, a later step */
    ok = false;
    CHECK_RC(bw_totp_verify_once(TXT(SECRET), NULL, TXT(code), NOW, 1, NULL, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == want);
    last = step;
    CHECK_RC(bw_totp_verify_once(TXT(SECRET), NULL, TXT(code), NOW + 5, 1, &last, &ok, &step), BW_ERR_OTP_REPLAYED);
    CHECK_RC(bw_totp_verify_once(TXT(SECRET), NULL, TXT(prev), NOW, 1, &last, &ok, &step), BW_ERR_OTP_REPLAYED);
    CHECK_RC(bw_totp_verify_once(TXT(SECRET), NULL, TXT("000000x"), NOW, 1, &last, &ok, &step), BW_OK);
    CHECK(!ok);
    last = want - 1;
    ok = false;
    CHECK_RC(bw_totp_verify_once(TXT(SECRET), NULL, TXT(code), NOW, 1, &last, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == want);
    CHECK(strcmp(bw_result_str(BW_ERR_OTP_REPLAYED), "one-time code already used") == 0);
}

static void test_params_and_secrets(void) {
    char code[BW_OTP_CODE_CAPACITY];
    size_t n = 0;
    uint64_t step = 0;
    bool ok = false;
    bw_otp_params p = {.size = sizeof p};
    p.algorithm = BW_OTP_SHA512, p.digits = 8, p.period = 60, p.t0 = 100;
    CHECK_RC(bw_totp_code(TXT(SECRET), &p, NOW, code, sizeof code, &n), BW_OK);
    CHECK(n == 8);
    ok = false;
    CHECK_RC(bw_totp_verify(TXT(SECRET), &p, TXT(code), NOW, 0, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == (NOW - 100) / 60);
    /* The same code under other parameters does not verify. */
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_OK);
    CHECK(!ok);
    p.digits = 10;
    CHECK_RC(bw_totp_code(TXT(SECRET), &p, NOW, code, sizeof code, &n), BW_OK);
    CHECK(n == 10);
    CHECK_RC(bw_totp_code(TXT(SECRET), &p, 99, code, sizeof code, &n), BW_ERR_INVALID_INPUT); /* before T0 */
    p.digits = 11;
    CHECK_RC(bw_totp_code(TXT(SECRET), &p, NOW, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
    p.digits = 6, p.algorithm = 9;
    CHECK_RC(bw_totp_code(TXT(SECRET), &p, NOW, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
    /* Lenient base32, strict length: 80-bit secrets only with the opt-out. */
    CHECK_RC(bw_totp_code(TXT("jbsw y3dp-ehpk 3pxp jbswy3dpehpk3pxp"), NULL, NOW, code, sizeof code, &n), BW_OK);
    CHECK_RC(bw_totp_code(TXT("JBSWY3DPEHPK3PXP"), NULL, NOW, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "128") != NULL);
    bw_otp_params shortp = {.size = sizeof shortp};
    shortp.allow_short_secret = true;
    CHECK_RC(bw_totp_code(TXT("JBSWY3DPEHPK3PXP"), &shortp, NOW, code, sizeof code, &n), BW_OK);
    CHECK_RC(bw_totp_code(TXT("JBSWY3DP!"), &shortp, NOW, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_totp_code(TXT(""), &shortp, NOW, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
    /* NULLs, bad UTF-8, small buffers */
    CHECK_RC(bw_totp_code(NULL, 5, NULL, NOW, code, sizeof code, &n), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, NULL, 6, NOW, 1, &ok, &step), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, TXT("123456"), NOW, 1, &ok, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_totp_verify(TXT(SECRET), NULL, "\xff\xfe", 2, NOW, 1, &ok, &step), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_totp_code(TXT(SECRET), NULL, NOW, code, 3, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 7);
}

static void test_hotp(void) {
    char code[BW_OTP_CODE_CAPACITY];
    size_t n = 0;
    uint64_t matched = 0;
    bool ok = false;
    CHECK_RC(bw_hotp_code(TXT(SECRET), NULL, 7, code, sizeof code, &n), BW_OK);
    ok = false;
    CHECK_RC(bw_hotp_verify(TXT(SECRET), NULL, TXT(code), 7, 0, &ok, &matched), BW_OK);
    CHECK(ok);
    CHECK(matched == 7);
    ok = false;
    CHECK_RC(bw_hotp_verify(TXT(SECRET), NULL, TXT(code), 3, 10, &ok, &matched), BW_OK);
    CHECK(ok);
    CHECK(matched == 7);
    /* the caller stores matched + 1: the code no longer works */
    CHECK_RC(bw_hotp_verify(TXT(SECRET), NULL, TXT(code), matched + 1, 10, &ok, &matched), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_hotp_verify(TXT(SECRET), NULL, TXT(code), UINT64_MAX, 1, &ok, &matched), BW_ERR_INVALID_INPUT);
}

static void test_uris(void) {
    char uri[512];
    size_t n = 0;
    bw_otp_params p = {.size = sizeof p};
    bw_otp_uri u = {.size = sizeof u};
    CHECK_RC(bw_totp_provisioning_uri(TXT(SECRET), NULL, TXT("alice@example.com"), TXT("ACME Co"), uri, sizeof uri, &n), BW_OK);
    CHECK(strcmp(uri, "otpauth://totp/ACME%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME%20Co") == 0);
    CHECK_RC(bw_otp_parse_uri(uri, n, &u), BW_OK);
    CHECK(u.kind == BW_OTP_TOTP && u.has_issuer && strcmp(u.issuer, "ACME Co") == 0 && u.issuer_len == 7);
    CHECK(strcmp(u.account, "alice@example.com") == 0 && strcmp(u.secret, SECRET) == 0);
    CHECK(u.params.algorithm == BW_OTP_SHA1 && u.params.digits == 6 && u.params.period == 30);
    p.algorithm = BW_OTP_SHA256, p.digits = 8;
    CHECK_RC(bw_hotp_provisioning_uri(TXT(SECRET), &p, TXT("bob"), NULL, 0, 5, uri, sizeof uri, &n), BW_OK);
    CHECK(strcmp(uri, "otpauth://hotp/bob?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=5&algorithm=SHA256&digits=8") == 0);
    CHECK_RC(bw_otp_parse_uri(uri, n, &u), BW_OK);
    CHECK(u.kind == BW_OTP_HOTP && !u.has_issuer && u.issuer_len == 0 && u.counter == 5);
    CHECK(u.params.algorithm == BW_OTP_SHA256 && u.params.digits == 8);
    /* The URI's secret and parameters work directly for codes. */
    char a[BW_OTP_CODE_CAPACITY], b[BW_OTP_CODE_CAPACITY];
    CHECK_RC(bw_hotp_code(u.secret, u.secret_len, &u.params, 5, a, sizeof a, &n), BW_OK);
    CHECK_RC(bw_hotp_code(TXT(SECRET), &p, 5, b, sizeof b, &n), BW_OK);
    CHECK(strcmp(a, b) == 0);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/a?secret=JBSWY3DP&digits=9"), &u), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "Digits") != NULL);
    /* Control characters in names are refused: %00 would make strlen disagree with the length. */
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/Evil%00Corp:alice?secret=JBSWY3DP"), &u), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "control character") != NULL);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/ACME:al%00ice?secret=JBSWY3DP&issuer=ACME"), &u), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/alice?secret=JBSWY3DP&issuer=A%0ABank"), &u), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_totp_provisioning_uri(TXT(SECRET), NULL, "al\0ice", 6, TXT("ACME"), uri, sizeof uri, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_parse_uri(TXT("https://x/y"), &u), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/a"), &u), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "No secret") != NULL);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/a?secret=JBSWY3DP"), NULL), BW_ERR_NULL_PARAMETER);
    /* Found by fuzzing: parse refuses what build could not write back. */
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/a?secret=JBSWY3DP&counter=7"), &u), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "only for hotp") != NULL);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://hotp/a?secret=JBSWY3DP&period=60"), &u), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/ACME:?secret=JBSWY3DP&digits=9"), &u), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/a?secret=%3D%3D%3D%3D"), &u), BW_ERR_INVALID_INPUT);
    /* an account name longer than the struct's field is refused, not truncated */
    char longuri[600];
    snprintf(longuri, sizeof longuri, "otpauth://totp/%0300d?secret=JBSWY3DP", 7);
    CHECK_RC(bw_otp_parse_uri(TXT(longuri), &u), BW_ERR_INVALID_INPUT);
    /* An empty account is written as pyotp writes it (Steam's URIs have none). */
    CHECK_RC(bw_totp_provisioning_uri(TXT(SECRET), NULL, TXT(""), NULL, 0, uri, sizeof uri, &n), BW_OK);
    CHECK(strncmp(uri, "otpauth://totp/?secret=", 23) == 0);
    CHECK_RC(bw_totp_provisioning_uri(TXT(SECRET), NULL, TXT("a"), NULL, 0, uri, 10, &n), BW_ERR_BUFFER_TOO_SMALL);
}

static void test_qr(void) {
    const char *uri = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME";
    size_t need = 0, n = 0;
    CHECK_RC(bw_otp_qr_svg(TXT(uri), NULL, 0, &need), BW_ERR_BUFFER_TOO_SMALL);
    char *svg = malloc(need);
    CHECK(svg != NULL);
    if (svg) {
        CHECK_RC(bw_otp_qr_svg(TXT(uri), svg, need, &n), BW_OK);
        CHECK(n + 1 == need && strncmp(svg, "<svg", 4) == 0 && strstr(svg, "</svg>") != NULL);
        free(svg);
    }
    CHECK_RC(bw_otp_qr_png(TXT(uri), 4, NULL, 0, &need), BW_ERR_BUFFER_TOO_SMALL);
    uint8_t *png = malloc(need);
    CHECK(png != NULL);
    if (png) {
        CHECK_RC(bw_otp_qr_png(TXT(uri), 4, png, need, &n), BW_OK);
        CHECK(n == need && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
        free(png);
    }
    uint8_t small[16];
    CHECK_RC(bw_otp_qr_png(TXT(uri), 0, small, sizeof small, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_otp_qr_svg(NULL, 0, NULL, 0, &n), BW_ERR_INVALID_INPUT);
}

typedef struct {
    const bw_replay_guard *guard;
    const char *code;
    bw_result rc;
} racer;

static void *race(void *arg) {
    racer *r = arg;
    uint64_t step = 0;
    bool ok = false;
    r->rc = bw_replay_guard_verify(r->guard, TXT("race"), TXT(SECRET), NULL, TXT(r->code), NOW, 1, &ok, &step);
    if (r->rc == BW_OK && !ok) r->rc = BW_ERR_VERIFICATION_FAILED; /* a right code must never read as wrong */
    return NULL;
}

static void test_replay_guard(const char *uri) {
    bw_replay_guard *g = NULL, *g2 = NULL;
    char code[BW_OTP_CODE_CAPACITY];
    size_t n = 0;
    uint64_t step = 0;
    bool ok = false;
    char account[64];
    snprintf(account, sizeof account, "acct-%ld-%d", (long)time(NULL), rand());
    CHECK_RC(bw_replay_guard_new(TXT(uri), &g), BW_OK);
    CHECK_RC(bw_replay_guard_new(TXT(uri), &g2), BW_OK);
    CHECK_RC(bw_totp_code(TXT(SECRET), NULL, NOW, code, sizeof code, &n), BW_OK);
    ok = false;
    CHECK_RC(bw_replay_guard_verify(g, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_OK);
    CHECK(ok);
    CHECK(step == NOW / 30);
    /* The second guard shares Redis; in memory the guards are separate. */
    bw_result second = bw_replay_guard_verify(g2, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step);
    CHECK(second == (strncmp(uri, "redis", 5) == 0 ? BW_ERR_OTP_REPLAYED : BW_OK));
    CHECK_RC(bw_replay_guard_verify(g, TXT(account), TXT(SECRET), NULL, TXT(code), NOW + 3, 1, &ok, &step), BW_ERR_OTP_REPLAYED);
    CHECK_RC(bw_replay_guard_verify(g, TXT(account), TXT(SECRET), NULL, TXT("000000x"), NOW, 1, &ok, &step), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_replay_guard_verify(NULL, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_replay_guard_verify(g, TXT(""), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_replay_guard_free(g2), BW_OK);
    CHECK_RC(bw_replay_guard_free(g), BW_OK);
    if (strncmp(uri, "memory", 6) == 0) {
        /* 8 threads race one code on one guard: exactly one wins. */
        pthread_t t[8];
        racer r[8];
        int wins = 0, replays = 0;
        CHECK_RC(bw_replay_guard_new(TXT(uri), &g), BW_OK);
        for (int i = 0; i < 8; i++) {
            r[i] = (racer){g, code, BW_ERR_INTERNAL};
            CHECK(pthread_create(&t[i], NULL, race, &r[i]) == 0);
        }
        for (int i = 0; i < 8; i++) {
            pthread_join(t[i], NULL);
            wins += r[i].rc == BW_OK;
            replays += r[i].rc == BW_ERR_OTP_REPLAYED;
        }
        CHECK(wins == 1 && replays == 7);
        CHECK_RC(bw_replay_guard_free(g), BW_OK);
    }
    CHECK_RC(bw_replay_guard_new(TXT("ftp://x"), &g), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_replay_guard_free(NULL), BW_OK);
}

/* The replay guard with options on every Redis topology `make test` starts: a code used through
 * one guard is refused through another (a second process's, as far as Redis can tell). */
static void test_replay_guard_topologies(void) {
    static const char *VARS[] = {"BULWARK_REDIS_TLS_URL", "BULWARK_REDIS_CLUSTER_URL", "BULWARK_REDIS_SENTINEL_URL"};
    char code[BW_OTP_CODE_CAPACITY], account[64];
    size_t n = 0;
    uint64_t step = 0;
    bool ok = false;
    bw_redis_options r = {.size = sizeof r};
    r.breaker_failures = 5, r.breaker_cooldown_ms = 500;
    CHECK_RC(bw_totp_code(TXT(SECRET), NULL, NOW, code, sizeof code, &n), BW_OK);
    for (size_t i = 0; i < 3; i++) {
        const char *url = getenv(VARS[i]);
        if (!url) {
            fprintf(stderr, "!!!!!! SKIPPED: %s is not set; the replay guard was NOT tested there !!!!!!\n", VARS[i]);
            continue;
        }
        bw_replay_guard *g = NULL, *g2 = NULL;
        snprintf(account, sizeof account, "topo-%ld-%d", (long)time(NULL), rand());
        /* Generous deadlines: under valgrind a TLS handshake alone can take over 500 ms. */
        CHECK_RC(bw_replay_guard_new_with_options(TXT(url), TXT("ctest:otp:"), 10000, &r, &g), BW_OK);
        CHECK_RC(bw_replay_guard_new_with_options(TXT(url), NULL, 0, 10000, NULL, &g2), BW_OK);
        CHECK_RC(bw_replay_guard_verify(g, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_OK);
        CHECK(ok);
        CHECK_RC(bw_replay_guard_verify(g, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step),
                 BW_ERR_OTP_REPLAYED);
        /* Another prefix is another namespace: g2 (the default prefix) has not seen it. */
        CHECK_RC(bw_replay_guard_verify(g2, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step), BW_OK);
        CHECK_RC(bw_replay_guard_verify(g2, TXT(account), TXT(SECRET), NULL, TXT(code), NOW, 1, &ok, &step),
                 BW_ERR_OTP_REPLAYED);
        CHECK_RC(bw_replay_guard_free(g), BW_OK);
        CHECK_RC(bw_replay_guard_free(g2), BW_OK);
    }
    bw_replay_guard *g = NULL;
    CHECK_RC(bw_replay_guard_new_with_options(TXT("rediss://h/0?ssl_ca_certs=/nonexistent.pem"), NULL, 0, 0, NULL, &g),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_replay_guard_new_with_options(TXT("redis://h/0"), TXT("a{b"), 0, NULL, &g), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_replay_guard_new_with_options(TXT("redis://h/0"), NULL, 0, 0, NULL, NULL), BW_ERR_NULL_PARAMETER);
    CHECK(g == NULL);
}

/* Steam Guard codes (pyotp's contrib.Steam examples) and their URIs. */
static void test_steam(void) {
    static const char *const CODES[4] = {"C5V56", "QJY8Y", "R3WQY", "JG3T3"};
    const char *secret = "FMXNK4QEGKVPULRTADY6JIDK5VHUBGZW";
    char code[BW_OTP_CODE_CAPACITY], uri[512];
    size_t n = 0;
    bool valid = false;
    uint64_t step = 0;
    bw_otp_params p;
    memset(&p, 0, sizeof p);
    p.size = sizeof p;
    p.encoding = BW_OTP_STEAM;
    for (int i = 0; i < 4; i++) {
        CHECK_RC(bw_totp_code(TXT(secret), &p, (uint64_t)(30 * i), code, sizeof code, &n), BW_OK);
        CHECK(n == 5 && strcmp(code, CODES[i]) == 0);
    }
    CHECK_RC(bw_totp_verify(TXT(secret), &p, TXT("QJY8Y"), 30, 0, &valid, &step), BW_OK);
    CHECK(valid && step == 1);
    CHECK_RC(bw_totp_verify(TXT(secret), &p, TXT("qjy8y"), 30, 0, &valid, &step), BW_OK);
    CHECK(!valid);
    CHECK_RC(bw_totp_provisioning_uri(TXT(secret), &p, TXT("ann"), TXT("Steam"), uri, sizeof uri, &n), BW_OK);
    CHECK(strstr(uri, "&encoder=steam") != NULL && strstr(uri, "digits") == NULL);
    bw_otp_uri u = {.size = sizeof u};
    CHECK_RC(bw_otp_parse_uri(TXT("otpauth://totp/Steam:?secret=FMXNK4QEGKVPULRTADY6JIDK5VHUBGZW&period=15&digits=7&encoder=steam"), &u), BW_OK);
    CHECK(u.params.encoding == BW_OTP_STEAM && u.params.period == 30 && u.account_len == 0);
    CHECK_RC(bw_totp_code(u.secret, u.secret_len, &u.params, 60, code, sizeof code, &n), BW_OK);
    CHECK(strcmp(code, CODES[2]) == 0);
    p.encoding = 7;
    CHECK_RC(bw_totp_code(TXT(secret), &p, 0, code, sizeof code, &n), BW_ERR_INVALID_INPUT);
}

int main(void) {
    srand((unsigned)time(NULL));
    test_secret();
    test_totp_window_and_replay();
    test_params_and_secrets();
    test_hotp();
    test_uris();
    test_qr();
    test_steam();
    test_replay_guard("memory://");
    const char *redis = getenv("BULWARK_REDIS_URL");
    if (redis && *redis) {
        test_replay_guard(redis);
        test_replay_guard_topologies();
    } else {
        fprintf(stderr, "\n!!!!!! SKIPPED: BULWARK_REDIS_URL is not set; the Redis replay guard was NOT tested !!!!!!\n\n");
    }
    return check_summary("test_otp");
}
