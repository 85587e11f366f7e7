/* The nginx module's request path over the C ABI; see bulwark_gateway.h. */
#include "bulwark_gateway.h"

#include <stdlib.h>
#include <string.h>

void bwg_last_error(char *buf, size_t cap) {
    char raw[BWG_REASON_CAPACITY];
    size_t len = 0;
    if (cap == 0) return;
    buf[0] = '\0';
    if (bw_last_error_message(raw, sizeof raw, &len) != BW_OK) {
        /* Longer than the room here: say so rather than cut a message that may hold a secret. */
        strncpy(buf, "(message too long)", cap - 1);
        buf[cap - 1] = '\0';
        return;
    }
    if (bw_redact_text(NULL, raw, len, buf, cap, &len) != BW_OK) {
        strncpy(buf, "(message not shown: could not redact it)", cap - 1);
        buf[cap - 1] = '\0';
    }
}

static void refuse(bwg_auth *out, int status, const char *reason) {
    out->status = status;
    out->subject[0] = '\0';
    out->subject_len = 0;
    if (reason) {
        strncpy(out->reason, reason, sizeof out->reason - 1);
        out->reason[sizeof out->reason - 1] = '\0';
    } else {
        bwg_last_error(out->reason, sizeof out->reason);
    }
}

void bwg_authenticate(const bw_jwt_verifier *verifier, const char *authorization, size_t authorization_len,
                      const char *roles, size_t roles_len, const char *permissions, size_t permissions_len,
                      bwg_auth *out) {
    bool found = false, allowed = false;
    size_t offset = 0, token_len = 0, claims_len = 0;
    char claims_small[2048];
    char *claims = claims_small;
    size_t claims_cap = sizeof claims_small;
    bw_result rc;

    if (authorization == NULL || authorization_len == 0) {
        refuse(out, 401, "no Authorization header");
        return;
    }
    rc = bw_bearer_token(authorization, authorization_len, &found, &offset, &token_len);
    if (rc != BW_OK) {
        refuse(out, 401, NULL);
        return;
    }
    if (!found) {
        refuse(out, 401, "no bearer token in the Authorization header");
        return;
    }
    /* The claims come back exactly as signed (the decoded payload), shorter than the token. */
    if (token_len + 1 > sizeof claims_small) {
        claims = malloc(token_len + 1);
        if (claims == NULL) {
            refuse(out, 500, "out of memory");
            return;
        }
        claims_cap = token_len + 1;
    }
    rc = bw_jwt_verifier_verify(verifier, authorization + offset, token_len, claims, claims_cap, &claims_len);
    if (rc != BW_OK) {
        refuse(out, rc == BW_ERR_PANIC || rc == BW_ERR_INTERNAL ? 500 : 401, NULL);
        goto done;
    }
    rc = bw_jwt_claims_allow(claims, claims_len, roles, roles_len, permissions, permissions_len, &allowed);
    if (rc != BW_OK) {
        refuse(out, 500, NULL);
        goto done;
    }
    if (!allowed) {
        refuse(out, 403, "the token lacks the required role or permission");
        goto done;
    }
    rc = bw_jwt_claim_string(claims, claims_len, "sub", 3, &found, out->subject, sizeof out->subject,
                             &out->subject_len);
    if (rc != BW_OK) {
        refuse(out, 401, NULL);
        goto done;
    }
    out->status = 0;
    out->reason[0] = '\0';
done:
    memset(claims, 0, claims_cap);
    if (claims != claims_small) free(claims);
}

int bwg_each_header(const char *lines, size_t len,
                    int (*each)(void *arg, const char *name, size_t name_len, const char *value, size_t value_len),
                    void *arg) {
    size_t i = 0;
    while (i < len) {
        const char *line = lines + i;
        size_t rest = len - i, end = 0, colon = 0;
        while (end + 1 < rest && !(line[end] == '\r' && line[end + 1] == '\n')) end++;
        if (end + 1 >= rest) return -1; /* no CRLF */
        while (colon < end && line[colon] != ':') colon++;
        if (colon == 0 || colon + 1 >= end || line[colon + 1] != ' ') return -1;
        int r = each(arg, line, colon, line + colon + 2, end - colon - 2);
        if (r != 0) return r;
        i += end + 2;
    }
    return 0;
}
