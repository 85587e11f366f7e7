/* Minimal test harness for the C door: CHECK records a failure and carries on, and
 * check_summary() prints the "N passed, N failed" line and gives the exit code. */
#ifndef BULWARK_TEST_CHECK_H
#define BULWARK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "bulwark.h"

static int check_passed = 0;
static int check_failed = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            check_passed++;                                                      \
        } else {                                                                 \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* Checks that a call returned the expected code, printing both names and the detail if not. */
#define CHECK_RC(call, expected)                                                 \
    do {                                                                         \
        bw_result rc_ = (call);                                                  \
        if (rc_ == (bw_result)(expected)) {                                      \
            check_passed++;                                                      \
        } else {                                                                 \
            char msg_[256];                                                      \
            size_t len_ = 0;                                                     \
            check_failed++;                                                      \
            if (bw_last_error_message(msg_, sizeof msg_, &len_) != BW_OK) msg_[0] = 0; \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u (%s); detail: %s\n", \
                    __FILE__, __LINE__, #call, (unsigned)rc_, bw_result_str(rc_), \
                    (unsigned)(expected), bw_result_str(expected), msg_);        \
        }                                                                        \
    } while (0)

/* The detail message of the latest failure on this thread (static buffer). */
static const char *last_message(void) {
    static char buf[512];
    size_t len = 0;
    if (bw_last_error_message(buf, sizeof buf, &len) != BW_OK) return "<unavailable>";
    return buf;
}

static int check_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
