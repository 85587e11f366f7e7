/* One rate limiter and one JWT verifier shared by 8 pthreads at once (issue 10): every verify of
 * a good token returns its claims, every forged token is refused, and the limiter admits exactly
 * its limit across all threads, in memory and (when BULWARK_REDIS_URL is set) through Redis.
 * Threads count their own results; the main thread checks them (CHECK is not thread-safe). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

#define TXT(s) (s), strlen(s)
#define THREADS 8
#define ROUNDS 250

struct shared {
    const bw_jwt_verifier *hs;
    const bw_jwt_verifier *es;
    const bw_limiter *limiter;
    const char *hs_token;
    const char *es_token;
    const char *forged;
    pthread_barrier_t *start;
};

struct result {
    const struct shared *s;
    int id;
    int good_ok;      /* valid tokens verified with the right claims */
    int forged_refused;
    int allowed;      /* limiter hits admitted */
    int denied;
    int errors;       /* any unexpected result code */
};

static void *worker(void *arg) {
    struct result *r = arg;
    const struct shared *s = r->s;
    char claims[256], key[32];
    size_t n = 0;
    bw_decision d = {.size = sizeof d};
    pthread_barrier_wait(s->start);
    for (int i = 0; i < ROUNDS; i++) {
        const bw_jwt_verifier *v = (i % 2) ? s->es : s->hs;
        const char *tok = (i % 2) ? s->es_token : s->hs_token;
        if (bw_jwt_verifier_verify(v, tok, strlen(tok), claims, sizeof claims, &n) == BW_OK &&
            strstr(claims, "\"sub\":\"shared\"") != NULL)
            r->good_ok++;
        else
            r->errors++;
        bw_result rc = bw_jwt_verifier_verify(s->hs, s->forged, strlen(s->forged), claims, sizeof claims, &n);
        if (rc == BW_ERR_VERIFICATION_FAILED) r->forged_refused++;
        else r->errors++;
        /* Every thread hits the same key; a few also their own. */
        if (bw_limiter_hit(s->limiter, TXT("shared-key"), 1, &d) != BW_OK || d.backend_error != BW_OK) {
            r->errors++;
        } else if (d.allowed) {
            r->allowed++;
        } else {
            r->denied++;
        }
        snprintf(key, sizeof key, "own-%d", r->id);
        if (bw_limiter_hit(s->limiter, key, strlen(key), 1, &d) != BW_OK || !d.allowed) r->errors++;
    }
    return NULL;
}

static bw_result hs_token(const char *secret, const char *claims, char *out, size_t cap) {
    size_t n = 0;
    return bw_jwt_encode(TXT("HS256"), (const uint8_t *)secret, 32, claims, strlen(claims), NULL, 0, out, cap, &n);
}

static void run(const char *storage, const char *label) {
    static const char SECRET[] = "0123456789abcdef0123456789abcdef";
    char claims[128], hs[512], es[1024], forged[512];
    char priv[BW_JWT_PEM_CAPACITY], pub[BW_JWT_PEM_CAPACITY];
    size_t priv_len = 0, pub_len = 0, n = 0;
    bw_jwt_verifier *hsv = NULL, *esv = NULL;
    bw_limiter *limiter = NULL;
    bw_jwt_verifier_options o;
    bw_limiter_options lo;
    pthread_barrier_t start;
    pthread_t t[THREADS];
    struct result r[THREADS];
    struct shared s;
    char prefix[64];

    snprintf(claims, sizeof claims, "{\"sub\":\"shared\",\"exp\":%lld}", (long long)time(NULL) + 3600);
    CHECK_RC(hs_token(SECRET, claims, hs, sizeof hs), BW_OK);
    CHECK_RC(bw_jwt_generate_key_pair(TXT("ES256"), priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len), BW_OK);
    CHECK_RC(bw_jwt_encode(TXT("ES256"), (const uint8_t *)priv, priv_len, claims, strlen(claims), NULL, 0, es,
                           sizeof es, &n), BW_OK);
    /* The same claims signed with another secret: a forgery the HS256 verifier must refuse. */
    CHECK_RC(hs_token("fedcba9876543210fedcba9876543210", claims, forged, sizeof forged), BW_OK);

    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5, o.key = (const uint8_t *)SECRET, o.key_len = 32;
    o.required_claims = "exp", o.required_claims_len = 3;
    CHECK_RC(bw_jwt_verifier_new(&o, &hsv), BW_OK);
    o.algorithms = "ES256", o.key = (const uint8_t *)pub, o.key_len = pub_len;
    CHECK_RC(bw_jwt_verifier_new(&o, &esv), BW_OK);

    memset(&lo, 0, sizeof lo);
    lo.size = sizeof lo;
    snprintf(prefix, sizeof prefix, "test:c-threads:%lld:%d:", (long long)time(NULL), rand());
    lo.prefix = prefix, lo.prefix_len = strlen(prefix);
    CHECK_RC(bw_limiter_new(storage, strlen(storage), BW_RL_MOVING_WINDOW, TXT("1000/hour"), &lo, &limiter), BW_OK);
    if (hsv == NULL || esv == NULL || limiter == NULL) {
        fprintf(stderr, "set-up failed: %s\n", last_message());
        return;
    }

    s.hs = hsv, s.es = esv, s.limiter = limiter, s.hs_token = hs, s.es_token = es, s.forged = forged;
    s.start = &start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].s = &s, r[i].id = i;
        CHECK(pthread_create(&t[i], NULL, worker, &r[i]) == 0);
    }
    int allowed = 0, denied = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK(r[i].errors == 0);
        CHECK(r[i].good_ok == ROUNDS);
        CHECK(r[i].forged_refused == ROUNDS);
        allowed += r[i].allowed, denied += r[i].denied;
    }
    pthread_barrier_destroy(&start);
    printf("  %s: %d threads x %d rounds: %d admitted, %d refused on the shared key\n", label, THREADS, ROUNDS,
           allowed, denied);
    CHECK(allowed == 1000);
    CHECK(denied == THREADS * ROUNDS - 1000);
    CHECK_RC(bw_limiter_free(limiter), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(hsv), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(esv), BW_OK);
}

int main(void) {
    srand((unsigned)time(NULL));
    run("memory://", "memory");
    const char *redis = getenv("BULWARK_REDIS_URL");
    if (redis != NULL && *redis != '\0') {
        run(redis, "redis");
    } else {
        printf("  redis: skipped (BULWARK_REDIS_URL not set; `make test` sets it)\n");
    }
    return check_summary("test_threads");
}
