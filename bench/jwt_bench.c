/* C benchmark of the JWT verifier handle (`make bench`): verifications per second of one
 * bw_jwt_verifier for HS256, RS256 (RSA 2048), ES256 and EdDSA tokens, keys made with
 * bw_jwt_generate_key_pair. Prints "alg verifications_per_second" lines for bench/compare.py. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bulwark.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
    static const char *ALGS[] = {"HS256", "RS256", "ES256", "EdDSA"};
    static const char SECRET[] = "0123456789abcdef0123456789abcdef";
    static const char CLAIMS[] = "{\"sub\":\"user-123\",\"role\":\"admin\",\"exp\":4102444800}";
    char priv[BW_JWT_PEM_CAPACITY], pub[BW_JWT_PEM_CAPACITY], tok[1024], out[256];
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++) {
        const char *alg = ALGS[i];
        size_t priv_len = 0, pub_len = 0, tok_len = 0, out_len = 0;
        const uint8_t *sk = (const uint8_t *)SECRET, *vk = (const uint8_t *)SECRET;
        size_t sk_len = 32, vk_len = 32;
        if (alg[0] != 'H') {
            if (bw_jwt_generate_key_pair(alg, strlen(alg), priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len) != BW_OK) return 1;
            sk = (const uint8_t *)priv, sk_len = priv_len, vk = (const uint8_t *)pub, vk_len = pub_len;
        }
        if (bw_jwt_encode(alg, strlen(alg), sk, sk_len, CLAIMS, strlen(CLAIMS), NULL, 0, tok, sizeof tok, &tok_len) != BW_OK) return 1;
        bw_jwt_verifier_options o;
        bw_jwt_verifier *v = NULL;
        if (bw_jwt_verifier_options_default(&o, sizeof o) != BW_OK) return 1;
        o.algorithms = alg, o.algorithms_len = strlen(alg), o.key = vk, o.key_len = vk_len;
        if (bw_jwt_verifier_new(&o, &v) != BW_OK) return 1;
        long iters = 0;
        double start = now(), elapsed;
        do {
            if (bw_jwt_verifier_verify(v, tok, tok_len, out, sizeof out, &out_len) != BW_OK) return 1;
            iters++;
            elapsed = now() - start;
        } while (elapsed < 1.0);
        printf("%s %.0f\n", alg, (double)iters / elapsed);
        bw_jwt_verifier_free(v);
    }
    return 0;
}
