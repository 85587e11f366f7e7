/* C benchmark of the AEAD entry points (`make bench`): bytes per second of bw_aead_seal
 * (key set up on every call, as the one-shot API must; random nonce) and bw_keyring_encrypt (key
 * expanded once, random nonce per call) at 64 B and 1 MiB. Prints "name size bytes_per_second" lines
 * that bench/compare.py puts in BENCHMARKS.md beside `openssl speed -evp aes-256-gcm`. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bulwark.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
    static const size_t sizes[] = {64, 1u << 20};
    uint8_t key[32] = {0};
    bw_keyring *ring = NULL;
    if (bw_keyring_new_random(BW_AEAD_AES_256_GCM, &ring) != BW_OK) return 1;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s], out_len = 0;
        uint8_t *in = calloc(n, 1), *out = malloc(n + BW_KEYRING_OVERHEAD);
        if (!in || !out) return 1;
        for (int which = 0; which < 2; which++) {
            long iters = 0;
            double start = now(), elapsed;
            do {
                bw_result rc = which == 0
                    ? bw_aead_seal(BW_AEAD_AES_256_GCM, key, 32, in, n, NULL, 0, out, n + BW_AEAD_OVERHEAD, &out_len)
                    : bw_keyring_encrypt(ring, in, n, NULL, 0, out, n + BW_KEYRING_OVERHEAD, &out_len);
                if (rc != BW_OK) return 1;
                iters++;
                elapsed = now() - start;
            } while (elapsed < 1.0);
            printf("%s %zu %.0f\n", which == 0 ? "bw_aead_seal" : "bw_keyring_encrypt", n, (double)iters * (double)n / elapsed);
        }
        free(in);
        free(out);
    }
    bw_keyring_free(ring);
    return 0;
}
