/* Bulwark quickstart from C: build with
 *   cc quickstart.c $(pkg-config --cflags --libs bulwark)
 * (PKG_CONFIG_PATH=<repo>/dist/lib/pkgconfig after `make lib`). Every call returns a bw_result;
 * on failure, bw_last_error_message() says what was wrong. */
#include <stdio.h>
#include <string.h>

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

    /* 5. Bad input is a clear error, never a crash. */
    rc = bw_random_bytes(NULL, 16);
    printf("bw_random_bytes(NULL, 16) -> %s\n", bw_result_str(rc));
    (void)failed("  detail", rc);
    return 0;
}
