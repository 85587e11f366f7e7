/* C tests of API keys, redaction, security headers and CORS: success, NULLs, malformed and
 * non-UTF-8 input, too-small buffers, refused CORS configurations and decision tables.
 * Built with -Werror and ASan/UBSan by `make test`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define TXT(s) (s), strlen(s)

static const uint8_t PEPPER[32] = "0123456789abcdef0123456789abcdef";

static void test_apikey(void) {
    char key[BW_APIKEY_MAX_LEN], id[64], id2[64], stored[BW_APIKEY_HASH_LEN + 1], other[BW_APIKEY_MAX_LEN];
    size_t key_len = 0, id_len = 0, id2_len = 0, stored_len = 0, other_len = 0, need_key = 0, need_id = 0;
    bool ok = false;
    CHECK_RC(bw_apikey_generate(TXT("bw_live"), key, sizeof key, &key_len, id, sizeof id, &id_len), BW_OK);
    CHECK(key_len == 7 + 1 + 40 + 1 + 6 && strncmp(key, "bw_live_", 8) == 0);
    CHECK(id_len == 7 + 1 + 8 && strncmp(key, id, id_len) == 0);
    CHECK_RC(bw_apikey_parse(key, key_len, id2, sizeof id2, &id2_len), BW_OK);
    CHECK(strcmp(id, id2) == 0);
    CHECK_RC(bw_apikey_hash(PEPPER, sizeof PEPPER, key, key_len, stored, sizeof stored, &stored_len), BW_OK);
    CHECK(stored_len == BW_APIKEY_HASH_LEN && strstr(stored, key) == NULL);
    CHECK_RC(bw_apikey_verify(PEPPER, sizeof PEPPER, key, key_len, stored, stored_len, &ok), BW_OK);
    CHECK(ok);
    CHECK_RC(bw_apikey_generate(TXT("bw_live"), other, sizeof other, &other_len, id2, sizeof id2, &id2_len), BW_OK);
    CHECK_RC(bw_apikey_verify(PEPPER, sizeof PEPPER, other, other_len, stored, stored_len, &ok), BW_OK);
    CHECK(!ok);
    /* a typo is caught by the checksum, without any lookup */
    key[20] = key[20] == 'a' ? 'b' : 'a';
    CHECK_RC(bw_apikey_parse(key, key_len, id2, sizeof id2, &id2_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "checksum") != NULL);
    CHECK_RC(bw_apikey_verify(PEPPER, sizeof PEPPER, key, key_len, stored, stored_len, &ok), BW_ERR_INVALID_INPUT);
    /* bad prefixes, short pepper, bad stored hash, buffers, NULLs */
    CHECK_RC(bw_apikey_generate(TXT("Bad-Prefix"), key, sizeof key, &key_len, id, sizeof id, &id_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_apikey_generate(NULL, 0, key, sizeof key, &key_len, id, sizeof id, &id_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_apikey_generate(TXT("bw"), NULL, 0, &need_key, NULL, 0, &need_id), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(need_key == 2 + 1 + 40 + 1 + 6 + 1 && need_id == 2 + 1 + 8 + 1);
    CHECK_RC(bw_apikey_generate(TXT("bw"), key, sizeof key, NULL, id, sizeof id, &id_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_apikey_hash(PEPPER, 16, other, other_len, stored, sizeof stored, &stored_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "pepper") != NULL);
    CHECK_RC(bw_apikey_verify(PEPPER, sizeof PEPPER, other, other_len, TXT("abcd"), &ok), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_apikey_verify(PEPPER, sizeof PEPPER, other, other_len, stored, stored_len, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_apikey_parse("\xff\xfe", 2, id2, sizeof id2, &id2_len), BW_ERR_INVALID_UTF8);
}

static void test_redaction(void) {
    char out[512], small[4];
    size_t n = 0;
    CHECK_RC(bw_redact_json(NULL, TXT("{\"user\":\"ann\",\"Password\":\"hunter2\",\"list\":[{\"api_key\":\"k\"}]}"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "{\"user\":\"ann\",\"Password\":\"[REDACTED]\",\"list\":[{\"api_key\":\"[REDACTED]\"}]}") == 0);
    CHECK(strstr(out, "hunter2") == NULL);
    CHECK_RC(bw_redact_json(NULL, TXT("{\"password\": "), out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "not valid JSON") != NULL);
    CHECK_RC(bw_redact_json(NULL, "{\"a\":\"\xff\"}", 8, out, sizeof out, &n), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_redact_query(NULL, TXT("?q=shoes&access_token=abc123&page=2"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "?q=shoes&access_token=[REDACTED]&page=2") == 0);
    CHECK_RC(bw_redact_header(NULL, TXT("Authorization"), TXT("Bearer eyJhbGciOi.secret.sig"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "Bearer [REDACTED]") == 0);
    /* An unknown first word may be the secret itself (found by fuzzing). */
    CHECK_RC(bw_redact_header(NULL, TXT("Authorization"), TXT("s3cr3t-key-123 extra"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "[REDACTED]") == 0);
    CHECK_RC(bw_redact_header(NULL, TXT("User-Agent"), TXT("curl/8.5"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "curl/8.5") == 0);
    CHECK_RC(bw_redact_text(NULL, TXT("login with token abcdefghijkl ok"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "login with token [REDACTED] ok") == 0);
    /* Key/value secrets inside free text, and URL passwords (the security audit). */
    CHECK_RC(bw_redact_text(NULL, TXT("body {\"password\": \"hunter2\"} via postgres://app:pa55@db/x?client_secret=s3"), out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "body {\"password\": \"[REDACTED]\"} via postgres://app:[REDACTED]@db/x?client_secret=[REDACTED]") == 0);
    /* JSON of any depth is redacted (deep parts dropped), never refused: a hostile body is logged. */
    {
        size_t depth = 100000, len = 0;
        char *deep = malloc(2 * depth + 64);
        CHECK(deep != NULL);
        len += (size_t)sprintf(deep, "{\"password\":\"p\",\"x\":");
        memset(deep + len, '[', depth);
        len += depth;
        memset(deep + len, ']', depth);
        len += depth;
        deep[len++] = '}';
        CHECK_RC(bw_redact_json(NULL, deep, len, out, sizeof out, &n), BW_OK);
        CHECK(strcmp(out, "{\"password\":\"[REDACTED]\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[TRUNCATED: nested too deep]\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}") == 0);
        free(deep);
    }
    CHECK_RC(bw_redact_text(NULL, TXT("k=1"), small, sizeof small, &n), BW_OK);
    CHECK_RC(bw_redact_json(NULL, TXT("{\"token\":\"k\"}"), small, sizeof small, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n == strlen("{\"token\":\"[REDACTED]\"}") + 1);
    CHECK_RC(bw_redact_json(NULL, NULL, 3, out, sizeof out, &n), BW_ERR_NULL_PARAMETER);
    /* caller-added field names, matched like the defaults */
    {
        bw_redactor *r = NULL;
        CHECK_RC(bw_redactor_new(TXT("employee_number, Internal-Note"), &r), BW_OK);
        CHECK_RC(bw_redact_json(r, TXT("{\"Employee-Number\":7,\"internal_note\":\"x\",\"password\":\"p\",\"ok\":1}"), out, sizeof out, &n),
                 BW_OK);
        CHECK(strcmp(out, "{\"Employee-Number\":\"[REDACTED]\",\"internal_note\":\"[REDACTED]\",\"password\":\"[REDACTED]\",\"ok\":1}") == 0);
        CHECK_RC(bw_redact_query(r, TXT("employeeNumber=7&a=1"), out, sizeof out, &n), BW_OK);
        CHECK(strcmp(out, "employeeNumber=[REDACTED]&a=1") == 0);
        CHECK_RC(bw_redact_json(NULL, TXT("{\"employee_number\":7}"), out, sizeof out, &n), BW_OK);
        CHECK(strcmp(out, "{\"employee_number\":7}") == 0);
        CHECK_RC(bw_redactor_new(TXT("x"), NULL), BW_ERR_NULL_PARAMETER);
        CHECK_RC(bw_redactor_free(r), BW_OK);
        CHECK_RC(bw_redactor_free(NULL), BW_OK);
    }
    CHECK_RC(bw_redact_text(NULL, NULL, 0, out, sizeof out, &n), BW_OK);
    CHECK(n == 0 && out[0] == '\0');
}

static void test_security_headers(void) {
    char out[1024];
    size_t n = 0, needed = 0;
    bw_security_headers_options o;
    CHECK_RC(bw_security_headers(NULL, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n") != NULL);
    CHECK(strstr(out, "X-Content-Type-Options: nosniff\r\n") != NULL);
    CHECK(strstr(out, "X-Frame-Options: DENY\r\n") != NULL);
    CHECK(strstr(out, "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n") != NULL);
    CHECK(strstr(out, "Referrer-Policy: no-referrer\r\n") != NULL);
    CHECK(strstr(out, "X-XSS-Protection: 0\r\n") != NULL);
    CHECK(strstr(out, "Cache-Control: no-store\r\n") != NULL);
    CHECK_RC(bw_security_headers_options_default(&o, sizeof o), BW_OK);
    CHECK(o.hsts_max_age == 31536000 && o.hsts_include_subdomains && !o.hsts_preload && o.no_store);
    o.hsts_preload = true;
    o.no_store = false;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "includeSubDomains; preload") != NULL && strstr(out, "Cache-Control") == NULL);
    o.hsts_max_age = 0;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "Strict-Transport-Security") == NULL);
    CHECK_RC(bw_security_headers(NULL, NULL, 0, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 200);
    CHECK_RC(bw_security_headers_options_default(NULL, 64), BW_ERR_NULL_PARAMETER);
}

/* The options struct can grow: CSP and frame options set, replaced or omitted; a caller built
 * against the first, shorter layout (size up to no_store) gets the defaults for the rest whatever
 * lies past its struct; a size that does not cover the size field is refused. */
static void test_security_headers_grow(void) {
    char out[1024];
    size_t n = 0, old_size = offsetof(bw_security_headers_options, no_store) + sizeof(bool);
    bw_security_headers_options o;
    CHECK_RC(bw_security_headers_options_default(&o, sizeof o), BW_OK);
    CHECK(o.size == sizeof o && o.nosniff && o.xss_protection_off && o.content_security_policy == NULL);
    o.content_security_policy = "default-src 'self'", o.content_security_policy_len = 18;
    o.frame_options = "", o.frame_options_len = 0; /* omit */
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "Content-Security-Policy: default-src 'self'\r\n") != NULL);
    CHECK(strstr(out, "X-Frame-Options") == NULL);
    o.referrer_policy = "strict-origin\r\nSet-Cookie: x=1", o.referrer_policy_len = 30;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    o.referrer_policy = NULL, o.referrer_policy_len = 3;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_ERR_NULL_PARAMETER);
    /* an older caller: only the first fields are its own; garbage after them must not be read */
    memset(&o, 0xA5, sizeof o);
    o.size = old_size, o.hsts_max_age = 60, o.hsts_include_subdomains = false, o.hsts_preload = false,
    o.no_store = true;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "Strict-Transport-Security: max-age=60\r\n") != NULL);
    CHECK(strstr(out, "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n") != NULL);
    CHECK(strstr(out, "X-Frame-Options: DENY\r\n") != NULL);
    /* _default writes only the bytes the caller says it has */
    memset(&o, 0xA5, sizeof o);
    CHECK_RC(bw_security_headers_options_default(&o, old_size), BW_OK);
    CHECK(o.size == old_size && o.hsts_max_age == 31536000 && ((const unsigned char *)&o)[old_size] == 0xA5);
    o.size = 0;
    CHECK_RC(bw_security_headers(&o, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "size") != NULL);
    CHECK_RC(bw_security_headers_options_default(&o, 4), BW_ERR_INVALID_INPUT);
}

static void test_cors(void) {
    bw_cors_policy *p = NULL, *bad = NULL;
    char out[512];
    size_t n = 0;
    bool allowed = false;
    CHECK_RC(bw_cors_policy_new(TXT("https://app.example.com, https://*.example.org"), NULL, 0, NULL, 0, TXT("X-Request-Id"), true, 600, &p), BW_OK);
    CHECK_RC(bw_cors_check_request(p, TXT("https://app.example.com"), &allowed, out, sizeof out, &n), BW_OK);
    CHECK(allowed && strstr(out, "Access-Control-Allow-Origin: https://app.example.com\r\n") != NULL);
    CHECK(strstr(out, "Access-Control-Expose-Headers: X-Request-Id\r\n") != NULL);
    CHECK(strstr(out, "Access-Control-Allow-Credentials: true\r\n") != NULL && strstr(out, "Vary: Origin\r\n") != NULL);
    CHECK_RC(bw_cors_check_request(p, TXT("https://x.y.example.org"), &allowed, out, sizeof out, &n), BW_OK);
    CHECK(allowed);
    CHECK_RC(bw_cors_check_request(p, TXT("https://example.org.evil.com"), &allowed, out, sizeof out, &n), BW_OK);
    CHECK(!allowed && strstr(out, "Access-Control-Allow-Origin") == NULL && strstr(out, "Vary: Origin") != NULL);
    CHECK_RC(bw_cors_check_request(p, TXT("null"), &allowed, out, sizeof out, &n), BW_OK);
    CHECK(!allowed);
    /* Only browser-serialised origins match (found by fuzzing): no upper case, no padded port. */
    CHECK_RC(bw_cors_check_request(p, TXT("https://APP.example.com"), &allowed, out, sizeof out, &n), BW_OK);
    CHECK(!allowed && strstr(out, "Access-Control-Allow-Origin") == NULL);
    CHECK_RC(bw_cors_check_request(p, NULL, 0, &allowed, out, sizeof out, &n), BW_OK);
    CHECK(allowed);
    CHECK_RC(bw_cors_check_preflight(p, TXT("https://app.example.com"), TXT("POST"), TXT("content-type"), &allowed, out, sizeof out, &n),
             BW_OK);
    CHECK(allowed && strstr(out, "Access-Control-Allow-Methods: GET, HEAD, POST\r\n") != NULL);
    CHECK(strstr(out, "Access-Control-Max-Age: 600\r\n") != NULL);
    CHECK_RC(bw_cors_check_preflight(p, TXT("https://app.example.com"), TXT("DELETE"), NULL, 0, &allowed, out, sizeof out, &n), BW_OK);
    CHECK(!allowed);
    CHECK_RC(bw_cors_check_request(p, TXT("https://app.example.com"), NULL, out, sizeof out, &n), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_cors_check_request(NULL, TXT("https://app.example.com"), &allowed, out, sizeof out, &n), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_cors_check_request(p, TXT("https://app.example.com"), &allowed, out, 5, &n), BW_ERR_BUFFER_TOO_SMALL);
    /* refused configurations */
    CHECK_RC(bw_cors_policy_new(TXT("*"), NULL, 0, NULL, 0, NULL, 0, true, 0, &bad), BW_ERR_INVALID_INPUT);
    CHECK(bad == NULL && strstr(last_message(), "credentials") != NULL);
    CHECK_RC(bw_cors_policy_new(TXT("example.com"), NULL, 0, NULL, 0, NULL, 0, false, 0, &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_cors_policy_new(TXT("https://a.*.com"), NULL, 0, NULL, 0, NULL, 0, false, 0, &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_cors_policy_new(TXT("https://ok.com"), TXT("GET POST"), NULL, 0, NULL, 0, false, 0, &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_cors_policy_new(TXT("https://ok.com"), NULL, 0, NULL, 0, NULL, 0, false, 0, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_cors_policy_free(p), BW_OK);
    CHECK_RC(bw_cors_policy_free(NULL), BW_OK);
}

/* IP allow/deny lists and the client address behind trusted proxies. */
static void test_ip_lists(void) {
    bw_ip_set *allow = NULL, *deny = NULL, *proxies = NULL, *bad = NULL;
    bool yes = false;
    char out[64];
    size_t n = 0;

    CHECK_RC(bw_ip_set_new(TXT("192.0.2.0/24, 2001:db8::/32"), &allow), BW_OK);
    CHECK_RC(bw_ip_set_new(TXT("192.0.2.66"), &deny), BW_OK);
    CHECK_RC(bw_ip_set_new(TXT("10.0.0.0/8"), &proxies), BW_OK);
    CHECK_RC(bw_ip_set_contains(allow, TXT("192.0.2.9"), &yes), BW_OK);
    CHECK(yes);
    CHECK_RC(bw_ip_set_contains(allow, TXT("::ffff:192.0.2.9"), &yes), BW_OK);
    CHECK(yes);
    CHECK_RC(bw_ip_set_contains(allow, TXT("[2001:db8::1]:443"), &yes), BW_OK);
    CHECK(yes);
    CHECK_RC(bw_ip_set_contains(allow, TXT("198.51.100.1"), &yes), BW_OK);
    CHECK(!yes);
    CHECK_RC(bw_ip_permitted(allow, deny, TXT("192.0.2.10"), &yes), BW_OK);
    CHECK(yes);
    CHECK_RC(bw_ip_permitted(allow, deny, TXT("192.0.2.66"), &yes), BW_OK);
    CHECK(!yes);
    CHECK_RC(bw_ip_permitted(NULL, deny, TXT("198.51.100.1"), &yes), BW_OK);
    CHECK(yes);
    CHECK_RC(bw_ip_permitted(NULL, NULL, TXT("198.51.100.1"), &yes), BW_OK);
    CHECK(yes);
    /* Bad input: malformed networks, addresses, NULLs. */
    CHECK_RC(bw_ip_set_new(TXT("10.0.0.1/8"), &bad), BW_ERR_INVALID_INPUT);
    CHECK(bad == NULL && strstr(last_message(), "host bits") != NULL);
    CHECK_RC(bw_ip_set_new(TXT("10.0.0.0/33"), &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_ip_set_new("10.0.0.0/8\xff", 11, &bad), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_ip_set_new(TXT("10.0.0.0/8"), NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_ip_set_contains(NULL, TXT("1.2.3.4"), &yes), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_ip_set_contains(allow, TXT("not-an-ip"), &yes), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_ip_permitted(allow, NULL, TXT("1.2.3.4"), NULL), BW_ERR_NULL_PARAMETER);

    /* Nobody trusted: the peer, whatever the header says. */
    CHECK_RC(bw_client_address(TXT("198.51.100.1"), NULL, 0, TXT("6.6.6.6"), NULL, 0, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "198.51.100.1") == 0 && n == 12);
    /* Through trusted networks, from the right. */
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("X-Forwarded-For"), TXT("6.6.6.6, 203.0.113.9, 10.0.0.7"),
                               proxies, 0, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "203.0.113.9") == 0);
    /* A hop count, and RFC 7239. */
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("x-forwarded-for"), TXT("6.6.6.6, 203.0.113.9"), NULL, 1, out,
                               sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "203.0.113.9") == 0);
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("Forwarded"), TXT("for=\"[2001:db8::17]:4711\";proto=https"),
                               proxies, 0, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "2001:db8::17") == 0);
    /* Refusals: an entry that is not an address, both settings, a bad header name, a small buffer. */
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("X-Forwarded-For"), TXT("unknown"), proxies, 0, out, sizeof out,
                               &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("X-Forwarded-For"), TXT("1.2.3.4"), proxies, 1, out, sizeof out,
                               &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("X-Real-IP"), TXT("1.2.3.4"), NULL, 1, out, sizeof out, &n),
             BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_client_address(TXT("10.0.0.5"), TXT("X-Forwarded-For"), TXT("1.2.3.4"), NULL, 33, out, sizeof out,
                               &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_client_address(TXT("nope"), NULL, 0, NULL, 0, NULL, 0, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_client_address(TXT("198.51.100.1"), NULL, 0, NULL, 0, NULL, 0, out, 4, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 13);
    CHECK_RC(bw_ip_set_free(allow), BW_OK);
    CHECK_RC(bw_ip_set_free(deny), BW_OK);
    CHECK_RC(bw_ip_set_free(proxies), BW_OK);
    CHECK_RC(bw_ip_set_free(NULL), BW_OK);
}

/* API versions: a deprecated version served with its headers, 410 past the sunset, 400 with the
 * supported list, the URL prefix taken off the path, a route narrowed, and bad input typed. */
static void test_versioning(void) {
    static const char policy_json[] =
        "{\"versions\": [{\"version\": \"2.0\"}, {\"version\": \"1.0\", \"deprecated\": 1000, \"sunset\": 2000,"
        " \"link\": \"https://docs.example.com/v1\"}], \"sources\": [\"header:API-Version\", \"url\"]}";
    bw_version_policy *policy = NULL, *route = NULL, *bad = NULL;
    bw_version_decision *d = NULL;
    uint16_t status = 0;
    char out[512];
    size_t n = 0;

    CHECK_RC(bw_version_policy_new(policy_json, strlen(policy_json), &policy), BW_OK);
    /* "1" is version 1.0: served before the sunset, with the deprecation headers. */
    CHECK_RC(bw_version_decide(policy, TXT("1"), TXT("/orders"), NULL, 0, 1500, &status, &d), BW_OK);
    CHECK(status == 200);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_VERSION, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "1.0") == 0);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_HEADERS, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "API-Version: 1.0\r\nDeprecation: @1000\r\nSunset: Thu, 01 Jan 1970 00:33:20 GMT\r\n"
                      "Link: <https://docs.example.com/v1>; rel=\"deprecation\"; type=\"text/html\"\r\n") == 0);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_BODY, out, sizeof out, &n), BW_OK);
    CHECK(n == 0 && out[0] == '\0');
    CHECK_RC(bw_version_decision_text(d, 99, out, sizeof out, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_HEADERS, out, 4, &n), BW_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(bw_version_decision_free(d), BW_OK);
    /* Past the sunset: 410. Only the status is wanted here. */
    CHECK_RC(bw_version_decide(policy, TXT("1.0"), NULL, 0, NULL, 0, 2000, &status, NULL), BW_OK);
    CHECK(status == 410);
    /* The URL prefix: version 2, the route sees /orders/7. */
    CHECK_RC(bw_version_decide(policy, NULL, 0, TXT("/v2/orders/7"), NULL, 0, 1500, &status, &d), BW_OK);
    CHECK(status == 200);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_PATH, out, sizeof out, &n), BW_OK);
    CHECK(strcmp(out, "/orders/7") == 0);
    CHECK_RC(bw_version_decision_free(d), BW_OK);
    /* Unknown, conflicting, missing: 400 with the supported list. */
    CHECK_RC(bw_version_decide(policy, TXT("3"), NULL, 0, NULL, 0, 1500, &status, &d), BW_OK);
    CHECK(status == 400);
    CHECK_RC(bw_version_decision_text(d, BW_VERSION_FIELD_BODY, out, sizeof out, &n), BW_OK);
    CHECK(strstr(out, "\"error\":\"unsupported_api_version\"") != NULL);
    CHECK(strstr(out, "\"supported\":[\"2.0\",\"1.0\"]") != NULL);
    CHECK_RC(bw_version_decision_free(d), BW_OK);
    CHECK_RC(bw_version_decide(policy, TXT("2"), TXT("/v1/x"), NULL, 0, 1500, &status, NULL), BW_OK);
    CHECK(status == 400);
    CHECK_RC(bw_version_decide(policy, NULL, 0, TXT("/orders"), NULL, 0, 1500, &status, NULL), BW_OK);
    CHECK(status == 400);
    /* A route that serves only 2.0. */
    CHECK_RC(bw_version_policy_restrict(policy, TXT("2.0"), &route), BW_OK);
    CHECK_RC(bw_version_decide(route, TXT("1.0"), NULL, 0, NULL, 0, 1500, &status, NULL), BW_OK);
    CHECK(status == 400);
    CHECK_RC(bw_version_decide(route, TXT("2"), NULL, 0, NULL, 0, 1500, &status, NULL), BW_OK);
    CHECK(status == 200);
    CHECK_RC(bw_version_policy_restrict(policy, TXT("3.0"), &bad), BW_ERR_INVALID_INPUT);
    CHECK(bad == NULL);
    /* Bad configuration and NULLs. */
    CHECK_RC(bw_version_policy_new(TXT("{\"versions\": [{\"version\": \"2\"}, {\"version\": \"2.0\"}]}"), &bad),
             BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "twice") != NULL);
    CHECK_RC(bw_version_policy_new(TXT("{\"versions\": [], \"sources\": 7}"), &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_version_policy_new(TXT("not json"), &bad), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_version_policy_new(TXT("{}"), NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_version_decide(NULL, TXT("2"), NULL, 0, NULL, 0, 0, &status, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_version_decide(policy, TXT("2"), NULL, 0, NULL, 0, 0, NULL, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_version_decide(policy, "2\xff", 2, NULL, 0, NULL, 0, 0, &status, NULL), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_version_decision_text(NULL, 0, out, sizeof out, &n), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_version_policy_free(route), BW_OK);
    CHECK_RC(bw_version_policy_free(policy), BW_OK);
    CHECK_RC(bw_version_policy_free(NULL), BW_OK);
    CHECK_RC(bw_version_decision_free(NULL), BW_OK);
}

int main(void) {
    test_apikey();
    test_redaction();
    test_security_headers();
    test_security_headers_grow();
    test_cors();
    test_ip_lists();
    test_versioning();
    return check_summary("test_web");
}
