/* C benchmark of the rate limiter handle (`make bench`): decisions per second of one bw_limiter
 * per strategy, a hit on one of 1,000 keys per call with the limit never reached, from 1 and 2
 * threads on memory:// and, when BULWARK_REDIS_URL is set, from 1 and 4 threads on Redis (the
 * handle is shared; Redis calls wait on the network, so more threads than cores still help).
 * Prints "storage strategy threads decisions_per_second" lines for bench/compare.py. */
#define _POSIX_C_SOURCE 199309L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The calling thread's last error detail (the message is per thread). */
static const char *last_error(char *buf, size_t cap) {
    size_t len = 0;
    if (bw_last_error_message(buf, cap, &len) != BW_OK) snprintf(buf, cap, "(no detail)");
    return buf;
}

typedef struct {
    const bw_limiter *limiter;
    double seconds;
    int thread;
    long decisions;
    int failed;
    char error[256];
} worker;

static void *run(void *arg) {
    worker *w = arg;
    char key[32];
    bw_decision d = {.size = sizeof d};
    double start = now();
    long i = 0;
    do {
        for (int j = 0; j < 64; j++, i++) {
            int n = snprintf(key, sizeof key, "client-%d-%ld", w->thread, i % 1000);
            if (bw_limiter_hit(w->limiter, key, (size_t)n, 1, &d) != BW_OK || !d.allowed ||
                d.backend_error != BW_OK) {
                w->failed = 1;
                last_error(w->error, sizeof w->error);
                return NULL;
            }
        }
    } while (now() - start < w->seconds);
    w->decisions = i;
    return NULL;
}

static int bench(const char *label, const char *uri, uint32_t strategy, const char *name, int threads, double seconds) {
    static const char RATES[] = "1000000000/hour";
    bw_limiter_options o = {.size = sizeof o};
    bw_limiter *l = NULL;
    if (bw_limiter_new(uri, strlen(uri), strategy, RATES, strlen(RATES), &o, &l) != BW_OK) {
        char e[256];
        fprintf(stderr, "bw_limiter_new(%s): %s\n", uri, last_error(e, sizeof e));
        return 1;
    }
    worker w[8];
    pthread_t t[8];
    double start = now();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){l, seconds, i, 0, 0, {0}};
        if (pthread_create(&t[i], NULL, run, &w[i]) != 0) return 1;
    }
    long total = 0;
    int failed = -1;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += w[i].decisions;
        if (w[i].failed && failed < 0) failed = i;
    }
    double elapsed = now() - start;
    bw_limiter_free(l);
    if (failed >= 0) {
        fprintf(stderr, "%s %s: a hit failed: %s\n", label, name, w[failed].error);
        return 1;
    }
    printf("%s %s %d %.0f\n", label, name, threads, (double)total / elapsed);
    return 0;
}

int main(void) {
    static const struct { uint32_t code; const char *name; } S[] = {
        {BW_RL_FIXED_WINDOW, "fixed-window"},
        {BW_RL_SLIDING_WINDOW, "sliding-window"},
        {BW_RL_MOVING_WINDOW, "moving-window"},
        {BW_RL_GCRA, "gcra"},
    };
    const char *redis = getenv("BULWARK_REDIS_URL");
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++) {
        if (bench("memory", "memory://", S[i].code, S[i].name, 1, 1.0)) return 1;
        if (bench("memory", "memory://", S[i].code, S[i].name, 2, 1.0)) return 1;
        if (redis && *redis) {
            if (bench("redis", redis, S[i].code, S[i].name, 1, 1.0)) return 1;
            if (bench("redis", redis, S[i].code, S[i].name, 4, 1.0)) return 1;
        }
    }
    return 0;
}
