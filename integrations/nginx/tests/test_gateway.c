/* The nginx module's request path (bulwark_gateway.c) under ASan/UBSan and valgrind: every
 * outcome of bwg_authenticate, header lines as the module splits them, and hostile input, including
 * a seeded random mutation run over Authorization values and header lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bulwark_gateway.h"
#include "../../../tests/c/check.h"

#define TXT(s) (s), strlen(s)
static const char SECRET[] = "a-gateway-hs256-secret-of-32-bytes!!";

static size_t sign(const char *claims, char *out, size_t cap) {
    size_t n = 0;
    bw_result rc = bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, strlen(SECRET), TXT(claims), NULL, 0, out,
                                 cap, &n);
    CHECK(rc == BW_OK);
    return n;
}

static bw_jwt_verifier *verifier(void) {
    bw_jwt_verifier_options o;
    bw_jwt_verifier *v = NULL;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5;
    o.key = (const uint8_t *)SECRET, o.key_len = strlen(SECRET);
    o.flags = BW_JWT_NO_VERIFY_EXP;
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_OK);
    return v;
}

static int auth_status(const bw_jwt_verifier *v, const char *authz, size_t len, const char *roles, bwg_auth *a) {
    bwg_authenticate(v, authz, len, roles, roles ? strlen(roles) : 0, NULL, 0, a);
    return a->status;
}

static void test_authenticate(void) {
    bw_jwt_verifier *v = verifier();
    bwg_auth a;
    char tok[4096], hdr[4200];
    size_t n;

    CHECK(auth_status(v, NULL, 0, NULL, &a) == 401 && strstr(a.reason, "no Authorization") != NULL);
    CHECK(auth_status(v, TXT("Basic dXNlcjpwdw=="), NULL, &a) == 401);
    CHECK(auth_status(v, TXT("Bearer not.a.jwt"), NULL, &a) == 401 && a.reason[0] != 0 && a.subject_len == 0);
    CHECK(auth_status(v, "Bearer \xff\xfe", 9, NULL, &a) == 401);

    n = sign("{\"sub\":\"alice\",\"roles\":[\"admin\"]}", tok, sizeof tok);
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    CHECK(auth_status(v, TXT(hdr), NULL, &a) == 0 && a.subject_len == 5 && strcmp(a.subject, "alice") == 0);
    CHECK(auth_status(v, TXT(hdr), "admin,editor", &a) == 0);
    CHECK(auth_status(v, TXT(hdr), "auditor", &a) == 403 && a.subject_len == 0);
    /* The header is read only within its length: a token cut short is refused. */
    CHECK(auth_status(v, hdr, 7 + n - 1, NULL, &a) == 401);

    /* No sub: authenticated, empty subject. A sub that is not a string, or too long: 401. */
    sign("{\"roles\":[\"admin\"]}", tok, sizeof tok);
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    CHECK(auth_status(v, TXT(hdr), NULL, &a) == 0 && a.subject_len == 0 && a.subject[0] == 0);
    sign("{\"sub\":{\"$\":1}}", tok, sizeof tok);
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    CHECK(auth_status(v, TXT(hdr), NULL, &a) == 401);
    {
        char claims[1200];
        memset(claims, 0, sizeof claims);
        strcpy(claims, "{\"sub\":\"");
        memset(claims + 8, 'x', BWG_SUBJECT_CAPACITY);
        strcat(claims, "\"}");
        sign(claims, tok, sizeof tok);
        snprintf(hdr, sizeof hdr, "Bearer %s", tok);
        CHECK(auth_status(v, TXT(hdr), NULL, &a) == 401 && a.subject_len == 0);
    }
    /* A token longer than the claims buffer on the stack (the heap path). */
    {
        char claims[3000];
        memset(claims, 0, sizeof claims);
        strcpy(claims, "{\"sub\":\"bob\",\"pad\":\"");
        memset(claims + strlen(claims), 'p', 2500);
        strcat(claims, "\"}");
        sign(claims, tok, sizeof tok);
        snprintf(hdr, sizeof hdr, "Bearer %s", tok);
        CHECK(auth_status(v, TXT(hdr), NULL, &a) == 0 && strcmp(a.subject, "bob") == 0);
    }
    /* Invalid roles list from the caller: the library's error, 500. */
    CHECK(auth_status(v, TXT(hdr), "[1]", &a) == 500);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
}

typedef struct {
    int count;
    char names[16][64];
} seen;

static int collect(void *arg, const char *name, size_t name_len, const char *value, size_t value_len) {
    seen *s = arg;
    (void)value;
    (void)value_len;
    if (s->count < 16 && name_len < 64) {
        memcpy(s->names[s->count], name, name_len);
        s->names[s->count][name_len] = 0;
    }
    s->count++;
    return 0;
}

static int stop_at_second(void *arg, const char *name, size_t name_len, const char *value, size_t value_len) {
    (void)name, (void)name_len, (void)value, (void)value_len;
    return ++*(int *)arg == 2 ? 7 : 0;
}

static void test_header_lines(void) {
    seen s = {0};
    char lines[4096];
    size_t n = 0;
    int calls = 0;

    CHECK_RC(bw_security_headers(NULL, lines, sizeof lines, &n), BW_OK);
    CHECK(bwg_each_header(lines, n, collect, &s) == 0);
    CHECK(s.count >= 7 && strcmp(s.names[0], "Strict-Transport-Security") == 0);
    CHECK(bwg_each_header(TXT("A: 1\r\nB: \r\n"), collect, &s) == 0);
    CHECK(bwg_each_header(TXT("A: 1\r\nB: 2\r\nC: 3\r\n"), stop_at_second, &calls) == 7 && calls == 2);
    static const char *const BAD[] = {"A: 1", "A: 1\r", ": v\r\n", "A:v\r\n", "novalue\r\n", "A: 1\n", "\r\n"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) CHECK(bwg_each_header(TXT(BAD[i]), collect, &s) == -1);
    CHECK(bwg_each_header(NULL, 0, collect, &s) == 0);
}

/* A small deterministic PRNG (xorshift), so a failure replays. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_mutations(void) {
    bw_jwt_verifier *v = verifier();
    char tok[1024], hdr[1100], buf[1100];
    size_t n = sign("{\"sub\":\"alice\",\"roles\":[\"admin\"]}", tok, sizeof tok);
    size_t len = (size_t)snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    int passed = 0;
    bwg_auth a;
    seen s;
    for (int i = 0; i < 20000; i++) {
        size_t m = len;
        memcpy(buf, hdr, len);
        for (int k = (int)(next() % 4) + 1; k > 0 && m > 0; k--) {
            size_t at = next() % m;
            switch (next() % 3) {
            case 0: buf[at] = (char)(next() & 0xff); break; /* flip a byte */
            case 1: m = at; break;                           /* truncate */
            default: if (m < sizeof buf) buf[m++] = (char)(next() & 0xff); /* append */
            }
        }
        bwg_authenticate(v, buf, m, "admin", 5, NULL, 0, &a);
        CHECK(a.status == 0 || a.status == 401);
        if (a.status == 0) {
            /* A forged token never passes: only a mutation that left the token whole may. */
            int whole = 0;
            for (size_t at = 0; at + n <= m && !whole; at++) whole = memcmp(buf + at, tok, n) == 0;
            passed++;
            CHECK(whole && strcmp(a.subject, "alice") == 0);
        }
        memset(&s, 0, sizeof s);
        (void)bwg_each_header(buf, m, collect, &s);
    }
    printf("mutations: %d of 20000 still authenticated (token unchanged)\n", passed);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
}

int main(void) {
    (void)last_message;
    test_authenticate();
    test_header_lines();
    test_mutations();
    return check_summary("test_gateway");
}
