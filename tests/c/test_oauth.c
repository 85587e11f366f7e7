/* The OAuth 2.0 door: PKCE, the code flow with a single-use state, client credentials,
 * RFC 9068 access tokens with the scope check, introspection. The HTTP callback here answers
 * as an authorization server would, checking PKCE with bw_pkce_verify (the full flow against a
 * real server over HTTP runs in tests/python/test_oauth.py). */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

#define TXT(s) (s), strlen(s)

static const char ID_KEY[] = "an-id-token-secret-of-32-bytes!!";

/* The "server" behind the callback: what it expects and what it saw. */
struct server {
    char challenge[64];   /* the code_challenge of the pending request */
    char nonce[64];       /* the nonce of the pending request, put in the ID token */
    int no_id_token;      /* answer without an ID token */
    int token_calls;
    int introspect_calls;
    int fail_next;        /* answer 503 this many times first */
    char last_headers[512];
};

/* The value of `name=` in a form body or query (copied into out, %-escapes kept). */
static int form_value(const char *form, const char *name, char *out, size_t cap) {
    size_t n = strlen(name);
    const char *p = form;
    while (p && *p) {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            const char *v = p + n + 1;
            size_t len = strcspn(v, "&");
            if (len >= cap) return 0;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
        p = strchr(p, '&');
        if (p) p++;
    }
    return 0;
}

static bw_result answer(bw_http_response *response, uint16_t status, const char *body) {
    return bw_http_response_set(response, status, body, strlen(body));
}

static bw_result server_post(void *ctx, const char *url, size_t url_len, const char *headers,
                             size_t headers_len, const char *body, size_t body_len,
                             bw_http_response *response) {
    struct server *s = ctx;
    char verifier[160], code[64], token[128];
    (void)url_len;
    (void)body_len;
    snprintf(s->last_headers, sizeof s->last_headers, "%.*s", (int)headers_len, headers);
    if (s->fail_next > 0) {
        s->fail_next--;
        return answer(response, 503, "");
    }
    if (strcmp(url, "https://as.example/introspect") == 0) {
        s->introspect_calls++;
        if (form_value(body, "token", token, sizeof token) && strcmp(token, "opaque-good") == 0)
            return answer(response, 200,
                          "{\"active\":true,\"sub\":\"svc\",\"client_id\":\"c9\",\"scope\":\"orders:read\","
                          "\"exp\":4000000000}");
        return answer(response, 200, "{\"active\":false}");
    }
    if (strcmp(url, "https://as.example/token") != 0) return BW_ERR_BACKEND;
    s->token_calls++;
    if (strstr(body, "grant_type=client_credentials") != NULL)
        return answer(response, 200,
                      "{\"access_token\":\"cc-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    if (!form_value(body, "code", code, sizeof code) || strcmp(code, "CODE1") != 0 ||
        !form_value(body, "code_verifier", verifier, sizeof verifier))
        return answer(response, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"unknown code\"}");
    bool ok = false;
    if (bw_pkce_verify(verifier, strlen(verifier), s->challenge, strlen(s->challenge), BW_PKCE_S256, &ok) != BW_OK ||
        !ok)
        return answer(response, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"PKCE verification failed\"}");
    if (s->no_id_token)
        return answer(response, 200, "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\"}");
    /* An ID token carrying the request's nonce, signed with the secret the client checks it by. */
    char claims[256], id_token[512], reply[1024];
    size_t id_len = 0;
    long now = (long)time(NULL);
    snprintf(claims, sizeof claims,
             "{\"iss\":\"https://as.example\",\"sub\":\"alice\",\"aud\":\"web\",\"iat\":%ld,\"exp\":%ld,"
             "\"nonce\":\"%s\"}", now, now + 300, s->nonce);
    if (bw_jwt_encode("HS256", 5, (const uint8_t *)ID_KEY, strlen(ID_KEY), claims, strlen(claims), NULL, 0, id_token,
                      sizeof id_token, &id_len) != BW_OK)
        return BW_ERR_INTERNAL;
    snprintf(reply, sizeof reply,
             "{\"access_token\":\"at-1\",\"token_type\":\"bearer\",\"expires_in\":600,"
             "\"refresh_token\":\"rt-1\",\"scope\":\"openid orders:read\",\"id_token\":\"%s\"}", id_token);
    return answer(response, 200, reply);
}

static bw_result unreachable_post(void *ctx, const char *url, size_t url_len, const char *headers,
                                  size_t headers_len, const char *body, size_t body_len,
                                  bw_http_response *response) {
    (void)ctx, (void)url, (void)url_len, (void)headers, (void)headers_len, (void)body, (void)body_len;
    (void)response;
    return BW_ERR_BACKEND;
}

static const char CLIENT_JSON[] =
    "{\"client_id\":\"web\",\"client_secret\":\"s3cret\",\"authorization_endpoint\":\"https://as.example/authorize\","
    "\"token_endpoint\":\"https://as.example/token\",\"redirect_uri\":\"https://app.example/cb\","
    "\"issuer\":\"https://as.example\"}";

static void test_pkce(void) {
    char v[64], c[64];
    size_t n = 0;
    bool ok = false;
    CHECK_RC(bw_pkce_verifier(v, sizeof v, &n), BW_OK);
    CHECK(n == BW_PKCE_VERIFIER_LEN);
    /* RFC 7636 appendix B. */
    CHECK_RC(bw_pkce_challenge(TXT("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), BW_PKCE_S256, c, sizeof c, &n), BW_OK);
    CHECK(strcmp(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") == 0);
    CHECK_RC(bw_pkce_verify(TXT("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), TXT(c), BW_PKCE_S256, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_pkce_verify(TXT(v), TXT(c), BW_PKCE_S256, &ok), BW_OK);
    CHECK(!ok);
    CHECK_RC(bw_pkce_verify(TXT(v), TXT(v), BW_PKCE_PLAIN, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_pkce_challenge(TXT("too-short"), BW_PKCE_S256, c, sizeof c, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_pkce_challenge(TXT(v), 7, c, sizeof c, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_pkce_verifier(v, 10, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 44);
    CHECK_RC(bw_pkce_verify(TXT(v), TXT(c), BW_PKCE_S256, NULL), BW_ERR_NULL_PARAMETER);
}

static void test_code_flow(void) {
    bw_oauth_client *client = NULL, *bad = NULL;
    bw_oauth_store *store = NULL;
    bw_oauth_token *token = NULL;
    struct server srv = {0};
    char url[2048], state[128], query[512], out[1024];
    size_t n = 0;
    int64_t expires = 0;

    CHECK_RC(bw_oauth_client_new(TXT(CLIENT_JSON), &client), BW_OK);
    CHECK_RC(bw_oauth_store_new(TXT("memory://"), &store), BW_OK);
    CHECK_RC(bw_oauth_authorize(client, store, TXT("session-1"), TXT("openid orders:read"), 600, url, sizeof url, &n),
             BW_OK);
    static const char prefix[] = "https://as.example/authorize?response_type=code&client_id=web&redirect_uri=";
    CHECK(strncmp(url, prefix, strlen(prefix)) == 0);
    CHECK(strstr(url, "&code_challenge_method=S256") != NULL && strstr(url, "&nonce=") != NULL);
    CHECK(form_value(strchr(url, '?') + 1, "state", state, sizeof state));
    CHECK(form_value(strchr(url, '?') + 1, "code_challenge", srv.challenge, sizeof srv.challenge));

    /* Another session cannot finish it (and the state is burnt). */
    snprintf(query, sizeof query, "?code=CODE1&state=%s&iss=https%%3A%%2F%%2Fas.example", state);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("session-2"), server_post, &srv, &token),
             BW_ERR_VERIFICATION_FAILED);
    CHECK(token == NULL && srv.token_calls == 0);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("session-1"), server_post, &srv, &token),
             BW_ERR_OTP_REPLAYED);

    /* The whole flow. */
    CHECK_RC(bw_oauth_authorize(client, store, TXT("session-1"), TXT("openid orders:read"), 600, url, sizeof url, &n),
             BW_OK);
    CHECK(form_value(strchr(url, '?') + 1, "state", state, sizeof state));
    CHECK(form_value(strchr(url, '?') + 1, "code_challenge", srv.challenge, sizeof srv.challenge));
    CHECK(form_value(strchr(url, '?') + 1, "nonce", srv.nonce, sizeof srv.nonce));
    snprintf(query, sizeof query, "code=CODE1&state=%s&iss=https%%3A%%2F%%2Fas.example", state);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("session-1"), server_post, &srv, &token), BW_OK);
    CHECK(strstr(srv.last_headers, "Authorization: Basic d2ViOnMzY3JldA==\r\n") != NULL); /* web:s3cret */
    CHECK_RC(bw_oauth_token_text(token, BW_OAUTH_TOKEN_ACCESS, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "at-1") == 0);
    CHECK_RC(bw_oauth_token_text(token, BW_OAUTH_TOKEN_REFRESH, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "rt-1") == 0);
    CHECK_RC(bw_oauth_token_text(token, BW_OAUTH_TOKEN_SCOPE, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "openid orders:read") == 0);
    CHECK_RC(bw_oauth_token_text(token, 9, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_token_expires_in(token, &expires), BW_OK);
    CHECK(expires == 600);
    /* The ID token: signature, issuer, audience and the request's nonce (kept by the library). */
    CHECK_RC(bw_oauth_token_text(token, BW_OAUTH_TOKEN_ID, out, sizeof out, &n), BW_OK);
    CHECK(n > 0);
    {
        char claims[512];
        CHECK_RC(bw_oauth_token_check_id_token(token, (const uint8_t *)ID_KEY, strlen(ID_KEY), TXT("HS256"),
                                               TXT("https://as.example"), TXT("web"), claims, sizeof claims, &n),
                 BW_OK);
        CHECK(strstr(claims, srv.nonce) != NULL && strstr(claims, "\"sub\":\"alice\"") != NULL);
        CHECK_RC(bw_oauth_token_check_id_token(token, (const uint8_t *)ID_KEY, strlen(ID_KEY), TXT("HS256"),
                                               TXT("https://as.example"), TXT("another-client"), claims, sizeof claims,
                                               &n), BW_ERR_INVALID_AUDIENCE);
        CHECK_RC(bw_oauth_token_check_id_token(token, (const uint8_t *)"another-secret-of-32-bytes-long!", 32,
                                               TXT("HS256"), TXT("https://as.example"), TXT("web"), claims,
                                               sizeof claims, &n), BW_ERR_VERIFICATION_FAILED);
    }
    CHECK_RC(bw_oauth_token_free(token), BW_OK);
    token = NULL;
    /* The same callback again: replayed. */
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("session-1"), server_post, &srv, &token),
             BW_ERR_OTP_REPLAYED);

    /* An ID token with another request's nonce is refused; no ID token is an input error. */
    CHECK_RC(bw_oauth_authorize(client, store, TXT("s"), TXT("openid"), 600, url, sizeof url, &n), BW_OK);
    CHECK(form_value(strchr(url, '?') + 1, "state", state, sizeof state));
    CHECK(form_value(strchr(url, '?') + 1, "code_challenge", srv.challenge, sizeof srv.challenge));
    strcpy(srv.nonce, "a-nonce-from-another-request");
    snprintf(query, sizeof query, "code=CODE1&state=%s", state);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("s"), server_post, &srv, &token), BW_OK);
    CHECK_RC(bw_oauth_token_check_id_token(token, (const uint8_t *)ID_KEY, strlen(ID_KEY), TXT("HS256"),
                                           TXT("https://as.example"), TXT("web"), out, sizeof out, &n),
             BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_oauth_token_free(token), BW_OK);
    token = NULL;
    CHECK_RC(bw_oauth_authorize(client, store, TXT("s"), TXT("openid"), 600, url, sizeof url, &n), BW_OK);
    CHECK(form_value(strchr(url, '?') + 1, "state", state, sizeof state));
    CHECK(form_value(strchr(url, '?') + 1, "code_challenge", srv.challenge, sizeof srv.challenge));
    srv.no_id_token = 1;
    snprintf(query, sizeof query, "code=CODE1&state=%s", state);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("s"), server_post, &srv, &token), BW_OK);
    CHECK_RC(bw_oauth_token_check_id_token(token, (const uint8_t *)ID_KEY, strlen(ID_KEY), TXT("HS256"),
                                           TXT("https://as.example"), TXT("web"), out, sizeof out, &n),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_token_check_id_token(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, out, sizeof out, &n),
             BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_oauth_token_free(token), BW_OK);
    token = NULL;
    srv.no_id_token = 0;

    /* A wrong verifier: the server refuses, the caller gets its error. */
    CHECK_RC(bw_oauth_authorize(client, store, TXT("s"), TXT("orders:read"), 600, url, sizeof url, &n), BW_OK);
    CHECK(form_value(strchr(url, '?') + 1, "state", state, sizeof state));
    strcpy(srv.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    snprintf(query, sizeof query, "code=CODE1&state=%s", state);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT(query), TXT("s"), server_post, &srv, &token), BW_ERR_OAUTH);
    CHECK(strstr(last_message(), "invalid_grant: PKCE verification failed") != NULL);

    /* Error responses, a mix-up (wrong iss), malformed queries. */
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT("error=access_denied&state=x"), TXT("s"), server_post, &srv,
                                    &token), BW_ERR_OAUTH);
    CHECK(strstr(last_message(), "access_denied") != NULL);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT("code=a&state=b&iss=https%3A%2F%2Fevil.example"), TXT("s"),
                                    server_post, &srv, &token), BW_ERR_INVALID_ISSUER);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT("code=a&code=b&state=c"), TXT("s"), server_post, &srv, &token),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_exchange_code(client, store, TXT("code=a&state=c"), TXT("s"), NULL, NULL, &token),
             BW_ERR_NULL_PARAMETER);

    /* Bad configuration. */
    CHECK_RC(bw_oauth_client_new(TXT("{\"client_id\":\"x\",\"token_endpoint\":\"http://as.example/token\"}"), &bad),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_client_new(TXT("{\"client_id\":\"x\",\"token_endpoint\":\"https://a/t\",\"redirect_uri\":"
                                     "\"javascript:alert(1)\"}"), &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_client_new(TXT("{\"client_id\":\"x\"}"), &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_client_new(TXT("{\"client_id\":\"x\",\"token_endpoint\":\"https://a/t\",\"extra\":1}"), &bad),
             BW_ERR_INVALID_INPUT);
    CHECK(bad == NULL);
    CHECK_RC(bw_oauth_store_new(TXT("ftp://x"), &store), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_authorize(client, store, TXT(""), TXT("a"), 600, url, sizeof url, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_authorize(client, store, TXT("s"), TXT("a\"b"), 600, url, sizeof url, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_authorize(client, store, TXT("s"), TXT("a"), 0, url, sizeof url, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_authorize(NULL, store, TXT("s"), TXT("a"), 60, url, sizeof url, &n), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_http_response_set(NULL, 200, TXT("{}")), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_oauth_store_free(store), BW_OK);
    CHECK_RC(bw_oauth_client_free(client), BW_OK);
    CHECK_RC(bw_oauth_store_free(NULL), BW_OK);
    CHECK_RC(bw_oauth_client_free(NULL), BW_OK);
    CHECK_RC(bw_oauth_token_free(NULL), BW_OK);
}

static void test_client_credentials(void) {
    bw_oauth_client *client = NULL, *public_client = NULL;
    bw_oauth_token_source *source = NULL, *down = NULL;
    struct server srv = {0};
    char out[128];
    size_t n = 0;

    CHECK_RC(bw_oauth_client_new(TXT(CLIENT_JSON), &client), BW_OK);
    CHECK_RC(bw_oauth_token_source_new(client, TXT("orders:read"), server_post, &srv, &source), BW_OK);
    srv.fail_next = 1; /* one 503 first: retried */
    CHECK_RC(bw_oauth_token_source_token(source, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "cc-token") == 0);
    CHECK_RC(bw_oauth_token_source_token(source, out, sizeof out, &n), BW_OK);
    CHECK(srv.token_calls == 1); /* cached */
    CHECK_RC(bw_oauth_token_source_invalidate(source), BW_OK);
    CHECK_RC(bw_oauth_token_source_token(source, out, sizeof out, &n), BW_OK);
    CHECK(srv.token_calls == 2);
    CHECK_RC(bw_oauth_token_source_new(client, TXT("a"), unreachable_post, NULL, &down), BW_OK);
    CHECK_RC(bw_oauth_token_source_token(down, out, sizeof out, &n), BW_ERR_BACKEND);
    CHECK_RC(bw_oauth_token_source_free(down), BW_OK);
    down = NULL;
    CHECK_RC(bw_oauth_client_new(TXT("{\"client_id\":\"spa\",\"token_endpoint\":\"https://as.example/token\"}"),
                                 &public_client), BW_OK);
    CHECK_RC(bw_oauth_token_source_new(public_client, TXT("a"), server_post, &srv, &down), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_token_source_free(source), BW_OK);
    CHECK_RC(bw_oauth_token_source_free(NULL), BW_OK);
    CHECK(down == NULL);
    CHECK_RC(bw_oauth_client_free(public_client), BW_OK);
    CHECK_RC(bw_oauth_client_free(client), BW_OK);
}

static void make_token(const char *typ, const char *scope, long exp, char *tok, size_t cap) {
    char claims[512], header[64];
    size_t n = 0;
    snprintf(claims, sizeof claims,
             "{\"iss\":\"https://as.example\",\"aud\":\"orders-api\",\"sub\":\"u1\",\"client_id\":\"web\","
             "\"iat\":%ld,\"exp\":%ld,\"jti\":\"j1\",\"scope\":\"%s\"}",
             (long)time(NULL) - 10, exp, scope);
    snprintf(header, sizeof header, "{\"typ\":\"%s\"}", typ);
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)"a-32-byte-secret-for-hs256-tests", 32, TXT(claims),
                           TXT(header), tok, cap, &n), BW_OK);
}

static void test_resource_server(void) {
    bw_oauth_verifier *verifier = NULL, *bad = NULL;
    bw_oauth_access *access = NULL;
    bw_oauth_client *client = NULL;
    bw_oauth_introspector *introspector = NULL;
    struct server srv = {0};
    char tok[1024], out[128];
    size_t n = 0;
    long later = (long)time(NULL) + 600;

    CHECK_RC(bw_oauth_verifier_new((const uint8_t *)"a-32-byte-secret-for-hs256-tests", 32, TXT("HS256"),
                                   TXT("https://as.example"), TXT("orders-api"), &verifier), BW_OK);
    make_token("at+jwt", "orders:read profile", later, tok, sizeof tok);
    CHECK_RC(bw_oauth_verify(verifier, TXT(tok), &access), BW_OK);
    CHECK_RC(bw_oauth_access_text(access, BW_OAUTH_ACCESS_SUBJECT, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "u1") == 0);
    CHECK_RC(bw_oauth_access_text(access, BW_OAUTH_ACCESS_CLIENT_ID, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "web") == 0);
    CHECK_RC(bw_oauth_access_text(access, BW_OAUTH_ACCESS_SCOPE, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "orders:read profile") == 0);
    CHECK_RC(bw_oauth_access_require_scopes(access, TXT("orders:read")), BW_OK);
    CHECK_RC(bw_oauth_access_require_scopes(access, TXT("orders:read orders:write")), BW_ERR_INSUFFICIENT_SCOPE);
    CHECK(strstr(last_message(), "orders:write") != NULL);
    CHECK_RC(bw_oauth_access_text(access, 7, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_access_free(access), BW_OK);
    access = NULL;
    make_token("JWT", "orders:read", later, tok, sizeof tok); /* an ID token is not an access token */
    CHECK_RC(bw_oauth_verify(verifier, TXT(tok), &access), BW_ERR_INVALID_CLAIM);
    make_token("at+jwt", "orders:read", (long)time(NULL) - 5, tok, sizeof tok);
    CHECK_RC(bw_oauth_verify(verifier, TXT(tok), &access), BW_ERR_EXPIRED);
    CHECK_RC(bw_oauth_verify(verifier, TXT("not.a.token"), &access), BW_ERR_MALFORMED);
    CHECK(access == NULL);
    CHECK_RC(bw_oauth_verifier_new((const uint8_t *)"k", 1, TXT("none"), TXT("i"), TXT("a"), &bad),
             BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_RC(bw_oauth_verifier_new((const uint8_t *)"a-32-byte-secret-for-hs256-tests", 32, TXT("HS256"), TXT(""),
                                   TXT("a"), &bad), BW_ERR_INVALID_INPUT);

    CHECK_RC(bw_oauth_client_new(TXT(CLIENT_JSON), &client), BW_OK);
    CHECK_RC(bw_oauth_introspector_new(client, TXT("https://as.example/introspect"), server_post, &srv, 0, 0,
                                       &introspector), BW_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_RC(bw_oauth_introspect(introspector, TXT("opaque-good"), &access), BW_OK);
        CHECK_RC(bw_oauth_access_require_scopes(access, TXT("orders:read")), BW_OK);
        CHECK_RC(bw_oauth_access_free(access), BW_OK);
        access = NULL;
    }
    CHECK(srv.introspect_calls == 1); /* cached */
    CHECK_RC(bw_oauth_introspect(introspector, TXT("revoked"), &access), BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_oauth_introspector_new(client, TXT("http://as.example/introspect"), server_post, &srv, 0, 0, &introspector),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_oauth_introspector_free(introspector), BW_OK);
    CHECK_RC(bw_oauth_introspector_free(NULL), BW_OK);
    CHECK_RC(bw_oauth_verifier_free(verifier), BW_OK);
    CHECK_RC(bw_oauth_verifier_free(NULL), BW_OK);
    CHECK_RC(bw_oauth_access_free(NULL), BW_OK);
    CHECK_RC(bw_oauth_client_free(client), BW_OK);
}

int main(void) {
    test_pkce();
    test_code_flow();
    test_client_credentials();
    test_resource_server();
    return check_summary("test_oauth");
}
