/* C tests of the rate limiter: each strategy, 8 threads hammering one memory limiter admitting
 * exactly the limit, bad input, headers, and (when BULWARK_REDIS_URL is set, as `make test` does)
 * two limiters sharing one limit through Redis plus the failure policies against a dead port.
 * Built with -Werror and ASan/UBSan. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define TXT(s) (s), strlen(s)

static void test_strategies(void) {
    static const uint32_t STRATEGIES[] = {BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW, BW_RL_GCRA};
    for (size_t i = 0; i < 4; i++) {
        bw_limiter *l = NULL;
        bw_decision d = {.size = sizeof d};
        CHECK_RC(bw_limiter_new(TXT("memory://"), STRATEGIES[i], TXT("3/minute"), NULL, &l), BW_OK);
        for (int n = 0; n < 3; n++) {
            CHECK_RC(bw_limiter_hit(l, TXT("alice"), 1, &d), BW_OK);
            CHECK(d.allowed && d.remaining == (uint64_t)(2 - n) && d.limit == 3 && d.backend_error == BW_OK);
        }
        CHECK_RC(bw_limiter_test(l, TXT("alice"), 1, &d), BW_OK);
        CHECK(!d.allowed && d.retry_after_us > 0);
        CHECK_RC(bw_limiter_hit(l, TXT("alice"), 1, &d), BW_OK);
        CHECK(!d.allowed);
        CHECK_RC(bw_limiter_hit(l, TXT("alice"), 4, &d), BW_OK);
        CHECK(!d.allowed && d.retry_after_us == UINT64_MAX);
        /* Other keys are independent; a reset forgets. */
        CHECK_RC(bw_limiter_hit(l, TXT("bob"), 1, &d), BW_OK);
        CHECK(d.allowed);
        CHECK_RC(bw_limiter_reset(l, TXT("alice")), BW_OK);
        CHECK_RC(bw_limiter_hit(l, TXT("alice"), 1, &d), BW_OK);
        CHECK(d.allowed);
        CHECK_RC(bw_limiter_free(l), BW_OK);
    }
}

/* Reserve, then refund: a refunded hit frees its unit in every strategy, on `store_url`; a
 * refund never goes below empty; bad arguments are typed errors. */
static void check_refund(const char *store_url, const bw_limiter_options *o) {
    static const uint32_t STRATEGIES[] = {BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW, BW_RL_GCRA};
    for (size_t i = 0; i < 4; i++) {
        bw_limiter *l = NULL;
        bw_decision d = {.size = sizeof d};
        CHECK_RC(bw_limiter_new(store_url, strlen(store_url), STRATEGIES[i], TXT("2/hour"), o, &l), BW_OK);
        CHECK_RC(bw_limiter_hit(l, TXT("refund-k"), 1, &d), BW_OK);
        CHECK(d.allowed);
        CHECK_RC(bw_limiter_hit(l, TXT("refund-k"), 1, &d), BW_OK);
        CHECK(d.allowed);
        CHECK_RC(bw_limiter_hit(l, TXT("refund-k"), 1, &d), BW_OK);
        CHECK(!d.allowed);
        CHECK_RC(bw_limiter_refund(l, TXT("refund-k"), 1), BW_OK);
        CHECK_RC(bw_limiter_hit(l, TXT("refund-k"), 1, &d), BW_OK);
        CHECK(d.allowed && d.remaining == 0);
        /* Refunding more than was counted empties the key, no further. */
        CHECK_RC(bw_limiter_refund(l, TXT("refund-k"), 100), BW_OK);
        for (int n = 0; n < 3; n++) {
            CHECK_RC(bw_limiter_hit(l, TXT("refund-k"), 1, &d), BW_OK);
            CHECK(d.allowed == (n < 2));
        }
        /* A key never hit: nothing to give back, not an error. */
        CHECK_RC(bw_limiter_refund(l, TXT("never-hit"), 1), BW_OK);
        CHECK_RC(bw_limiter_refund(NULL, TXT("k"), 1), BW_ERR_NULL_PARAMETER);
        CHECK_RC(bw_limiter_refund(l, NULL, 1, 1), BW_ERR_NULL_PARAMETER);
        CHECK_RC(bw_limiter_refund(l, "\xff", 1, 1), BW_ERR_INVALID_UTF8);
        CHECK_RC(bw_limiter_free(l), BW_OK);
    }
}

static void test_bad_input_and_headers(void) {
    bw_limiter *l = NULL;
    bw_decision d = {.size = sizeof d};
    char buf[512];
    size_t n = 0;
    CHECK_RC(bw_limiter_new(TXT("memory://"), BW_RL_GCRA, TXT("10/fortnight"), NULL, &l), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "fortnight") != NULL);
    CHECK_RC(bw_limiter_new(TXT("memcached://x"), BW_RL_GCRA, TXT("1/second"), NULL, &l), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_limiter_new(TXT("memory://"), 99, TXT("1/second"), NULL, &l), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_limiter_new(TXT("memory://"), BW_RL_GCRA, TXT("1/second"), NULL, NULL), BW_ERR_NULL_PARAMETER);
    bw_limiter_options o = {.size = sizeof o};
    o.on_backend_failure = 7;
    CHECK_RC(bw_limiter_new(TXT("memory://"), BW_RL_GCRA, TXT("1/second"), &o, &l), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_limiter_new(TXT("memory://"), BW_RL_FIXED_WINDOW, TXT("2/second; 5 per minute"), NULL, &l), BW_OK);
    CHECK_RC(bw_limiter_hit(NULL, TXT("k"), 1, &d), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_limiter_hit(l, "\xff", 1, 1, &d), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK(!d.allowed && d.rate_index == 0);
    CHECK_RC(bw_limiter_headers(l, &d, buf, sizeof buf, &n), BW_OK);
    CHECK(strstr(buf, "X-RateLimit-Limit: 2\r\n") != NULL);
    CHECK(strstr(buf, "X-RateLimit-Remaining: 0\r\n") != NULL);
    CHECK(strstr(buf, "Retry-After: 1\r\n") != NULL);
    CHECK(strstr(buf, "RateLimit-Policy: \"r1\";q=2;w=1, \"r2\";q=5;w=60\r\n") != NULL);
    CHECK_RC(bw_limiter_headers(l, &d, NULL, 0, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n > 100);
    /* Sized output: a caller whose bw_decision ends after `limit` gets just those bytes written;
     * one that forgot `size` is refused before anything is counted. */
    {
        bw_decision small;
        memset(&small, 0x5A, sizeof small);
        small.size = offsetof(bw_decision, limit) + sizeof small.limit;
        CHECK_RC(bw_limiter_test(l, TXT("fresh"), 1, &small), BW_OK);
        CHECK(small.allowed && small.limit == 2 && small.size == offsetof(bw_decision, limit) + sizeof small.limit);
        CHECK(((const unsigned char *)&small)[offsetof(bw_decision, remaining)] == 0x5A);
        bw_decision unsized;
        memset(&unsized, 0, sizeof unsized);
        CHECK_RC(bw_limiter_hit(l, TXT("never"), 1, &unsized), BW_ERR_INVALID_INPUT);
        CHECK(strstr(last_message(), "size") != NULL);
        bw_decision after = {.size = sizeof after};
        CHECK_RC(bw_limiter_test(l, TXT("never"), 2, &after), BW_OK);
        CHECK(after.allowed); /* the whole per-second limit is still there: the refused call counted nothing */
    }
    CHECK_RC(bw_limiter_free(l), BW_OK);
    CHECK_RC(bw_limiter_free(NULL), BW_OK);
}

struct hammer_arg {
    bw_limiter *limiter;
    long allowed;
};

static void *hammer(void *p) {
    struct hammer_arg *a = p;
    bw_decision d = {.size = sizeof d};
    for (int i = 0; i < 10000; i++) {
        if (bw_limiter_hit(a->limiter, TXT("shared-key"), 1, &d) == BW_OK && d.allowed) a->allowed++;
    }
    return NULL;
}

static long hammer_with_8_threads(bw_limiter *l) {
    pthread_t t[8];
    struct hammer_arg args[8];
    long total = 0;
    for (int i = 0; i < 8; i++) {
        args[i].limiter = l, args[i].allowed = 0;
        CHECK(pthread_create(&t[i], NULL, hammer, &args[i]) == 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        total += args[i].allowed;
    }
    return total;
}

static void test_threads_exact(void) {
    static const uint32_t STRATEGIES[] = {BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW, BW_RL_GCRA};
    for (size_t i = 0; i < 4; i++) {
        bw_limiter *l = NULL;
        /* Per day, not per hour: GCRA refills one request every period/5000, and under valgrind
         * the 80,000 hits take seconds (0.72 s per refill at /hour, 17 s at /day). */
        CHECK_RC(bw_limiter_new(TXT("memory://"), STRATEGIES[i], TXT("5000/day"), NULL, &l), BW_OK);
        long total = hammer_with_8_threads(l);
        if (total != 5000) fprintf(stderr, "strategy %u admitted %ld\n", STRATEGIES[i], total);
        CHECK(total == 5000);
        CHECK_RC(bw_limiter_free(l), BW_OK);
    }
}

static void test_redis(void) {
    const char *url = getenv("BULWARK_REDIS_URL");
    if (!url) {
        printf("!!!!!! SKIPPED: BULWARK_REDIS_URL not set; Redis tests did NOT run (use `make test`)\n");
        return;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ctest:%ld:", (long)time(NULL));
    bw_limiter_options o = {.size = sizeof o};
    o.prefix = prefix, o.prefix_len = strlen(prefix);
    bw_limiter *a = NULL, *b = NULL;
    bw_decision d = {.size = sizeof d};
    CHECK_RC(bw_limiter_new(url, strlen(url), BW_RL_SLIDING_WINDOW, TXT("7/hour"), &o, &a), BW_OK);
    CHECK_RC(bw_limiter_new(url, strlen(url), BW_RL_SLIDING_WINDOW, TXT("7/hour"), &o, &b), BW_OK);
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
        CHECK_RC(bw_limiter_hit(i % 2 ? a : b, TXT("client"), 1, &d), BW_OK);
        CHECK(d.backend_error == BW_OK);
        allowed += d.allowed;
    }
    CHECK(allowed == 7);
    CHECK_RC(bw_limiter_free(a), BW_OK);
    CHECK_RC(bw_limiter_free(b), BW_OK);
    check_refund(url, &o);
    /* Threads against Redis: still exact. */
    CHECK_RC(bw_limiter_new(url, strlen(url), BW_RL_GCRA, TXT("300/hour"), &o, &a), BW_OK);
    {
        pthread_t t[4];
        struct hammer_arg args[4];
        long total = 0;
        for (int i = 0; i < 4; i++) {
            args[i].limiter = a, args[i].allowed = 0;
            CHECK(pthread_create(&t[i], NULL, hammer, &args[i]) == 0);
        }
        (void)total;
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            total += args[i].allowed;
        }
        CHECK(total == 300);
    }
    CHECK_RC(bw_limiter_free(a), BW_OK);
}

static void test_failure_policies(void) {
    /* Port 1 on loopback: nothing listens, the connection is refused at once. */
    static const char *DEAD = "redis://127.0.0.1:1/0";
    bw_limiter_options o = {.size = sizeof o};
    bw_limiter *l = NULL;
    bw_decision d = {.size = sizeof d};
    o.timeout_ms = 200;
    CHECK_RC(bw_limiter_new(TXT(DEAD), BW_RL_FIXED_WINDOW, TXT("2/minute"), &o, &l), BW_OK);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK(!d.allowed && d.backend_error == BW_ERR_BACKEND);
    CHECK(strstr(last_message(), "redis") != NULL);
    CHECK_RC(bw_limiter_free(l), BW_OK);
    o.on_backend_failure = BW_RL_FAIL_OPEN;
    CHECK_RC(bw_limiter_new(TXT(DEAD), BW_RL_FIXED_WINDOW, TXT("2/minute"), &o, &l), BW_OK);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK(d.allowed && d.backend_error == BW_ERR_BACKEND);
    CHECK_RC(bw_limiter_free(l), BW_OK);
    o.on_backend_failure = BW_RL_FAIL_LOCAL;
    CHECK_RC(bw_limiter_new(TXT(DEAD), BW_RL_FIXED_WINDOW, TXT("2/minute"), &o, &l), BW_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
        CHECK(d.allowed == (i < 2) && d.backend_error == BW_ERR_BACKEND);
    }
    CHECK_RC(bw_limiter_free(l), BW_OK);
}

/* limits' storage model: each strategy over memory and (when set) Redis, exact under threads. */
typedef struct {
    bw_counters *c;
    uint32_t strategy;
    int allowed;
    pthread_mutex_t *lock;
} counters_job;

static void *counters_worker(void *arg) {
    counters_job *job = arg;
    for (int i = 0; i < 50; i++) {
        bool ok = false;
        CHECK_RC(bw_counters_hit(job->c, job->strategy, TXT("LIMITER/race/100/1/minute"), 100, 60000000, 1, &ok), BW_OK);
        if (ok) {
            pthread_mutex_lock(job->lock);
            job->allowed++;
            pthread_mutex_unlock(job->lock);
        }
    }
    return NULL;
}

static void check_counters(const char *uri) {
    static const uint32_t S[] = {BW_LIMITS_FIXED_WINDOW, BW_LIMITS_MOVING_WINDOW, BW_LIMITS_SLIDING_WINDOW_COUNTER};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ctest%ld", (long)time(NULL));
    bw_counters *c = NULL;
    CHECK_RC(bw_counters_new(TXT(uri), TXT(prefix), 0, 0, &c), BW_OK);
    for (size_t i = 0; i < 3; i++) {
        bool ok = false;
        double reset = 0;
        uint64_t remaining = 99;
        for (int n = 0; n < 3; n++) {
            CHECK_RC(bw_counters_hit(c, S[i], TXT("LIMITER/alice/3/1/minute"), 3, 60000000, 1, &ok), BW_OK);
            CHECK(ok);
        }
        CHECK_RC(bw_counters_test(c, S[i], TXT("LIMITER/alice/3/1/minute"), 3, 60000000, 1, &ok), BW_OK);
        CHECK(!ok);
        CHECK_RC(bw_counters_hit(c, S[i], TXT("LIMITER/alice/3/1/minute"), 3, 60000000, 1, &ok), BW_OK);
        CHECK(!ok);
        CHECK_RC(bw_counters_window_stats(c, S[i], TXT("LIMITER/alice/3/1/minute"), 3, 60000000, &reset, &remaining),
                 BW_OK);
        CHECK(remaining == 0 && reset > (double)time(NULL) && reset <= (double)time(NULL) + 121);
        CHECK_RC(bw_counters_clear(c, S[i], TXT("LIMITER/alice/3/1/minute"), 60000000), BW_OK);
        CHECK_RC(bw_counters_window_stats(c, S[i], TXT("LIMITER/alice/3/1/minute"), 3, 60000000, &reset, &remaining),
                 BW_OK);
        CHECK(remaining == 3);
        /* 8 threads x 50 hits on a limit of 100: exactly 100 pass. */
        pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        counters_job job = {c, S[i], 0, &lock};
        pthread_t t[8];
        for (int k = 0; k < 8; k++) pthread_create(&t[k], NULL, counters_worker, &job);
        for (int k = 0; k < 8; k++) pthread_join(t[k], NULL);
        CHECK(job.allowed == 100);
        CHECK_RC(bw_counters_clear(c, S[i], TXT("LIMITER/race/100/1/minute"), 60000000), BW_OK);
    }
    bool ok = false;
    uint64_t dropped = 0;
    CHECK_RC(bw_counters_hit(c, 9, TXT("k"), 3, 60000000, 1, &ok), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_counters_hit(c, BW_LIMITS_FIXED_WINDOW, TXT("k"), 3, 0, 1, &ok), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_counters_hit(NULL, BW_LIMITS_FIXED_WINDOW, TXT("k"), 3, 1, 1, &ok), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_counters_hit(c, BW_LIMITS_FIXED_WINDOW, TXT("k"), 3, 1, 1, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_counters_hit(c, BW_LIMITS_FIXED_WINDOW, TXT("k"), 3, 60000000, 1, &ok), BW_OK);
    CHECK_RC(bw_counters_reset(c, &dropped), BW_OK);
    CHECK(dropped == 1);
    CHECK_RC(bw_counters_reset(c, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_counters_free(c), BW_OK);
}

static void test_counters(void) {
    bw_counters *c = NULL;
    CHECK_RC(bw_counters_new(TXT("blah://"), NULL, 0, 0, 0, &c), BW_ERR_INVALID_INPUT);
    CHECK(c == NULL);
    CHECK_RC(bw_counters_free(NULL), BW_OK);
    check_counters("memory://");
    const char *url = getenv("BULWARK_REDIS_URL");
    if (url) {
        check_counters(url);
    } else {
        fprintf(stderr, "!!!!!! SKIPPED: BULWARK_REDIS_URL is not set; Redis counters did NOT run from C !!!!!!\n");
    }
}

/* Every Redis topology `make test` starts (TLS, mutual TLS, cluster, sentinel): two limiters
 * share one limit exactly; every strategy with two rates per decision (two keys per script: one
 * hash slot on a cluster). */
static void check_topology(const char *name, const char *url, const bw_limiter_options *base) {
    char prefix[96];
    snprintf(prefix, sizeof prefix, "ctopo:%s:%ld:%d:", name, (long)time(NULL), rand());
    bw_limiter_options o = *base;
    o.prefix = prefix, o.prefix_len = strlen(prefix);
    static const uint32_t STRATEGIES[] = {BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW, BW_RL_GCRA};
    for (size_t s = 0; s < 4; s++) {
        bw_limiter *a = NULL, *b = NULL;
        bw_decision d = {.size = sizeof d};
        CHECK_RC(bw_limiter_new(url, strlen(url), STRATEGIES[s], TXT("5/hour; 100/day"), &o, &a), BW_OK);
        CHECK_RC(bw_limiter_new(url, strlen(url), STRATEGIES[s], TXT("5/hour; 100/day"), &o, &b), BW_OK);
        int allowed = 0;
        for (int i = 0; i < 12; i++) {
            CHECK_RC(bw_limiter_hit(i % 2 ? a : b, TXT("client"), 1, &d), BW_OK);
            if (d.backend_error != BW_OK) fprintf(stderr, "%s: %s\n", name, last_message());
            CHECK(d.backend_error == BW_OK);
            allowed += d.allowed;
        }
        if (allowed != 5) fprintf(stderr, "%s strategy %u admitted %d\n", name, STRATEGIES[s], allowed);
        CHECK(allowed == 5);
        CHECK_RC(bw_limiter_free(a), BW_OK);
        CHECK_RC(bw_limiter_free(b), BW_OK);
    }
}

static void test_topologies(void) {
    static const char *VARS[] = {"BULWARK_REDIS_TLS_URL", "BULWARK_REDIS_MTLS_URL", "BULWARK_REDIS_CLUSTER_URL",
                                 "BULWARK_REDIS_SENTINEL_URL"};
    bw_limiter_options o = {.size = sizeof o};
    /* A deadline for correctness, not speed: under valgrind a TLS handshake alone can take
     * longer than the default 500 ms. */
    o.timeout_ms = 10000;
    for (size_t i = 0; i < 4; i++) {
        const char *url = getenv(VARS[i]);
        if (!url) {
            printf("!!!!!! SKIPPED: %s not set; that topology was NOT tested from C (use `make test`)\n", VARS[i]);
            continue;
        }
        check_topology(VARS[i], url, &o);
    }
    /* TLS files given in bw_redis_options rather than the URI; the wrong CA is refused (a
     * backend error the policy decides), a missing file is refused when the limiter is made. */
    const char *dir = getenv("BULWARK_REDIS_TLS_DIR");
    const char *tls = getenv("BULWARK_REDIS_TLS_URL");
    if (!dir || !tls) return;
    char host[128], ca[512], other[512];
    const char *q = strchr(tls, '?');
    CHECK(q != NULL && (size_t)(q - tls) < sizeof host);
    if (!q) return;
    memcpy(host, tls, (size_t)(q - tls));
    host[q - tls] = 0;
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    snprintf(other, sizeof other, "%s/other-ca.crt", dir);
    bw_redis_options r = {.size = sizeof r};
    r.ssl_ca_certs = ca, r.ssl_ca_certs_len = strlen(ca);
    o.redis = &r;
    check_topology("tls-by-options", host, &o);
    bw_limiter *l = NULL;
    bw_decision d = {.size = sizeof d};
    r.ssl_ca_certs = other, r.ssl_ca_certs_len = strlen(other);
    CHECK_RC(bw_limiter_new(TXT(host), BW_RL_FIXED_WINDOW, TXT("5/hour"), &o, &l), BW_OK);
    CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK(!d.allowed && d.backend_error == BW_ERR_BACKEND);
    CHECK(strstr(last_message(), "certificate") != NULL);
    CHECK_RC(bw_limiter_free(l), BW_OK);
    r.ssl_ca_certs = "/nonexistent/ca.pem", r.ssl_ca_certs_len = strlen("/nonexistent/ca.pem");
    l = NULL;
    CHECK_RC(bw_limiter_new(TXT(host), BW_RL_FIXED_WINDOW, TXT("5/hour"), &o, &l), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "/nonexistent/ca.pem") != NULL);
    CHECK(l == NULL);
    /* The same settings in the URI and in the options must agree. */
    r.ssl_ca_certs = other, r.ssl_ca_certs_len = strlen(other);
    CHECK_RC(bw_limiter_new(TXT(tls), BW_RL_FIXED_WINDOW, TXT("5/hour"), &o, &l), BW_ERR_INVALID_INPUT);
    r.ssl_ca_certs = NULL, r.ssl_ca_certs_len = 0;
    CHECK_RC(bw_limiter_new(TXT("redis://127.0.0.1:1/0?ssl_cert_reqs=none"), BW_RL_FIXED_WINDOW, TXT("5/hour"), &o, &l),
             BW_ERR_INVALID_INPUT);
    r.size = 3; /* a size that does not even cover the size field */
    CHECK_RC(bw_limiter_new(TXT(host), BW_RL_FIXED_WINDOW, TXT("5/hour"), &o, &l), BW_ERR_INVALID_INPUT);
}

/* The deny cache: a key Redis denied stays denied in this process without a round trip (the
 * key is reset through another limiter to prove it); the local share bounds the fallback; the
 * breaker options are read (BW_BREAKER_NEVER: never opens). */
static void test_deny_cache_share_and_breaker(void) {
    const char *url = getenv("BULWARK_REDIS_URL");
    bw_limiter_options o = {.size = sizeof o};
    bw_limiter *l = NULL, *plain = NULL;
    bw_decision d = {.size = sizeof d};
    if (url) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "cdeny:%ld:%d:", (long)time(NULL), rand());
        o.prefix = prefix, o.prefix_len = strlen(prefix);
        o.deny_cache = true;
        CHECK_RC(bw_limiter_new(url, strlen(url), BW_RL_FIXED_WINDOW, TXT("2/minute"), &o, &l), BW_OK);
        o.deny_cache = false;
        CHECK_RC(bw_limiter_new(url, strlen(url), BW_RL_FIXED_WINDOW, TXT("2/minute"), &o, &plain), BW_OK);
        int allowed = 0;
        for (int i = 0; i < 4; i++) {
            CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
            allowed += d.allowed;
        }
        CHECK(allowed == 2);
        CHECK_RC(bw_limiter_reset(plain, TXT("k")), BW_OK);
        CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
        CHECK(!d.allowed && d.backend_error == BW_OK && d.retry_after_us > 0);
        CHECK_RC(bw_limiter_test(plain, TXT("k"), 1, &d), BW_OK);
        CHECK(d.allowed);
        CHECK_RC(bw_limiter_free(l), BW_OK);
        CHECK_RC(bw_limiter_free(plain), BW_OK);
    } else {
        printf("!!!!!! SKIPPED: BULWARK_REDIS_URL not set; the deny cache was NOT tested from C\n");
    }
    /* A dead Redis under the local policy: a quarter of 8 per process. */
    bw_limiter_options f = {.size = sizeof f};
    bw_redis_options r = {.size = sizeof r};
    f.on_backend_failure = BW_RL_FAIL_LOCAL, f.local_share = 0.25, f.timeout_ms = 100, f.redis = &r;
    r.breaker_failures = BW_BREAKER_NEVER;
    CHECK_RC(bw_limiter_new(TXT("redis://127.0.0.1:1/0"), BW_RL_FIXED_WINDOW, TXT("8/minute"), &f, &l), BW_OK);
    int allowed = 0;
    for (int i = 0; i < 10; i++) {
        CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
        CHECK(d.backend_error == BW_ERR_BACKEND);
        CHECK(strstr(last_message(), "circuit open") == NULL); /* never opens */
        allowed += d.allowed;
    }
    CHECK(allowed == 2);
    CHECK_RC(bw_limiter_free(l), BW_OK);
    r.breaker_failures = 2, r.breaker_cooldown_ms = 60000;
    CHECK_RC(bw_limiter_new(TXT("redis://127.0.0.1:1/0"), BW_RL_FIXED_WINDOW, TXT("8/minute"), &f, &l), BW_OK);
    for (int i = 0; i < 3; i++) CHECK_RC(bw_limiter_hit(l, TXT("k"), 1, &d), BW_OK);
    CHECK(strstr(last_message(), "circuit open") != NULL);
    CHECK_RC(bw_limiter_free(l), BW_OK);
    f.local_share = 1.5;
    l = NULL;
    CHECK_RC(bw_limiter_new(TXT("redis://127.0.0.1:1/0"), BW_RL_FIXED_WINDOW, TXT("8/minute"), &f, &l), BW_ERR_INVALID_INPUT);
    CHECK(l == NULL);
}

int main(void) {
    test_strategies();
    check_refund("memory://", NULL);
    test_bad_input_and_headers();
    test_threads_exact();
    test_redis();
    test_failure_policies();
    test_counters();
    srand((unsigned)time(NULL));
    test_topologies();
    test_deny_cache_share_and_breaker();
    return check_summary("test_ratelimit");
}
