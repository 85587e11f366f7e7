/*
 * The request path of the nginx module in plain C (no nginx types), so the C tests can run it
 * under AddressSanitizer/UBSan with hostile input (tests/test_gateway.c). Every decision is
 * Bulwark's: the bearer token, the signature and claims, roles and permissions, the subject.
 * This file only calls the C ABI and converts.
 */
#ifndef BULWARK_GATEWAY_H
#define BULWARK_GATEWAY_H

#include <stddef.h>

#include "bulwark.h"

/* Largest subject passed upstream; a longer `sub` is refused (401), never cut. */
#define BWG_SUBJECT_CAPACITY 1024
/* Room for the reason of a refusal (core's message, redacted). */
#define BWG_REASON_CAPACITY 512

/* Outcome of bwg_authenticate. */
typedef struct {
    /* 0: authenticated and authorized; else the HTTP status to answer (401, 403, 500). */
    int status;
    /* The verified `sub` (NUL-terminated; empty when the token has none). */
    char subject[BWG_SUBJECT_CAPACITY];
    size_t subject_len;
    /* Why it was refused (for the log; redacted by Bulwark). */
    char reason[BWG_REASON_CAPACITY];
} bwg_auth;

/*
 * Authenticates one request from its Authorization header value (NULL with 0: no header) with
 * `verifier`, then requires one of `roles` and all of `permissions` (comma-separated; empty asks
 * for nothing): 401 without a bearer token or with one Bulwark refuses, 403 when a role or
 * permission is missing, 500 when the library fails. Never reads past `authorization_len`.
 */
void bwg_authenticate(const bw_jwt_verifier *verifier, const char *authorization, size_t authorization_len,
                      const char *roles, size_t roles_len, const char *permissions, size_t permissions_len,
                      bwg_auth *out);

/*
 * Calls `each` for every "Name: value\r\n" line of `lines` (what bw_security_headers,
 * bw_limiter_headers and bw_cors_check_* write), in order. Returns 0, or the first non-zero
 * value `each` returned, or -1 when a line is malformed (no ": ", an empty name, no CRLF).
 */
int bwg_each_header(const char *lines, size_t len,
                    int (*each)(void *arg, const char *name, size_t name_len, const char *value, size_t value_len),
                    void *arg);

/* The latest Bulwark error message of this thread, redacted, into `buf` (always NUL-terminated). */
void bwg_last_error(char *buf, size_t cap);

#endif
