/* C tests of the foundation entry points: version, result strings, last error, random bytes,
 * tokens, base32 secrets and constant-time comparison. Success, NULL pointers, zero lengths and
 * too-small buffers for each. Built with -Werror and ASan/UBSan by `make test`. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static int is_b64url(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static void test_version_and_result_str(void) {
    const char *v = bw_version();
    char expected[32];
    CHECK(v != NULL && strlen(v) >= 5);
    /* The header's version is the library's: a program can refuse a mismatched library. */
    CHECK(bw_version_number() == BW_VERSION_NUMBER);
    CHECK(BW_VERSION_NUMBER == BW_VERSION_MAJOR * 1000000 + BW_VERSION_MINOR * 1000 + BW_VERSION_PATCH);
    snprintf(expected, sizeof expected, "%d.%d.%d", BW_VERSION_MAJOR, BW_VERSION_MINOR, BW_VERSION_PATCH);
    CHECK(strcmp(v, expected) == 0);
    /* Every size macro is also a function, with the same value. */
    CHECK(bw_fernet_key_len() == BW_FERNET_KEY_LEN && bw_jwt_pem_capacity() == BW_JWT_PEM_CAPACITY);
    CHECK(bw_otp_secret_len() == BW_OTP_SECRET_LEN && bw_otp_code_capacity() == BW_OTP_CODE_CAPACITY);
    CHECK(bw_otp_field_capacity() == BW_OTP_FIELD_CAPACITY && bw_bcrypt_hash_len() == BW_BCRYPT_HASH_LEN);
    CHECK(bw_bcrypt_max_password_len() == BW_BCRYPT_MAX_PASSWORD_LEN && bw_apikey_max_len() == BW_APIKEY_MAX_LEN);
    CHECK(bw_apikey_hash_len() == BW_APIKEY_HASH_LEN && bw_password_hash_max_len() == BW_PASSWORD_HASH_MAX_LEN);
    CHECK(bw_aead_key_len() == BW_AEAD_KEY_LEN && bw_aead_nonce_len() == BW_AEAD_NONCE_LEN && bw_aead_tag_len() == BW_AEAD_TAG_LEN);
    CHECK(strcmp(bw_result_str(BW_OK), "success") == 0);
    CHECK(strcmp(bw_result_str(BW_ERR_NULL_PARAMETER), "a required pointer argument was NULL") == 0);
    CHECK(strcmp(bw_result_str(BW_ERR_BUFFER_TOO_SMALL), "output buffer too small") == 0);
    CHECK(strcmp(bw_result_str(BW_ERR_PANIC), "unknown bw_result code") != 0);
    CHECK(strcmp(bw_result_str(12345), "unknown bw_result code") == 0);
    CHECK(strcmp(bw_result_str(UINT32_MAX), "unknown bw_result code") == 0);
}

static void test_random_bytes(void) {
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_RC(bw_random_bytes(a, sizeof a), BW_OK);
    CHECK_RC(bw_random_bytes(b, sizeof b), BW_OK);
    CHECK(memcmp(a, b, sizeof a) != 0);
    /* zero length: NULL is allowed, a real pointer too */
    CHECK_RC(bw_random_bytes(NULL, 0), BW_OK);
    CHECK_RC(bw_random_bytes(a, 0), BW_OK);
    /* NULL with a length is an error, and the message names the argument */
    CHECK_RC(bw_random_bytes(NULL, 16), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "buf is NULL") == 0);
    /* a length no object can have */
    CHECK_RC(bw_random_bytes(a, SIZE_MAX), BW_ERR_INVALID_INPUT);
    /* a large request works */
    {
        size_t n = 1u << 20;
        uint8_t *big = calloc(n, 1);
        size_t zeros = 0;
        CHECK(big != NULL);
        if (big) {
            CHECK_RC(bw_random_bytes(big, n), BW_OK);
            for (size_t i = 0; i < n; i++) zeros += big[i] == 0;
            CHECK(zeros < n / 128); /* ~n/256 expected */
            free(big);
        }
    }
}

static void test_token_urlsafe(void) {
    char buf[128];
    size_t len = 0;
    CHECK_RC(bw_token_urlsafe(32, buf, sizeof buf, &len), BW_OK);
    CHECK(len == 43);
    CHECK(strlen(buf) == 43);
    CHECK(is_b64url(buf, len));
    /* sizes follow ceil(4n/3) */
    CHECK_RC(bw_token_urlsafe(1, buf, sizeof buf, &len), BW_OK);
    CHECK(len == 2);
    CHECK_RC(bw_token_urlsafe(16, buf, sizeof buf, &len), BW_OK);
    CHECK(len == 22);
    /* zero bytes: empty string, still NUL-terminated */
    buf[0] = 'x';
    CHECK_RC(bw_token_urlsafe(0, buf, 1, &len), BW_OK);
    CHECK(len == 0 && buf[0] == '\0');
    /* size query with NULL buffer, then exactly that capacity */
    len = 0;
    CHECK_RC(bw_token_urlsafe(32, NULL, 0, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 44);
    {
        char exact[44];
        size_t got = 0;
        CHECK_RC(bw_token_urlsafe(32, exact, sizeof exact, &got), BW_OK);
        CHECK(got == 43 && exact[43] == '\0');
    }
    /* one byte short: untouched buffer, needed size reported */
    memset(buf, 'z', sizeof buf);
    CHECK_RC(bw_token_urlsafe(32, buf, 43, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 44);
    CHECK(buf[0] == 'z');
    /* NULL buffer with a capacity, NULL out_len */
    CHECK_RC(bw_token_urlsafe(32, NULL, 64, &len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_token_urlsafe(32, buf, sizeof buf, NULL), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "out_len is NULL") == 0);
    /* absurd sizes are invalid input, not an allocation failure */
    CHECK_RC(bw_token_urlsafe(SIZE_MAX, NULL, 0, &len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_token_urlsafe((size_t)64 * 1024 * 1024 + 1, NULL, 0, &len), BW_ERR_INVALID_INPUT);
}

static void test_token_hex(void) {
    char buf[80];
    size_t len = 0;
    CHECK_RC(bw_token_hex(32, buf, sizeof buf, &len), BW_OK);
    CHECK(len == 64 && strlen(buf) == 64);
    CHECK(strspn(buf, "0123456789abcdef") == 64);
    CHECK_RC(bw_token_hex(32, buf, 64, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 65);
    CHECK_RC(bw_token_hex(0, buf, 1, &len), BW_OK);
    CHECK(len == 0 && buf[0] == '\0');
    CHECK_RC(bw_token_hex(0, NULL, 0, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 1);
    CHECK_RC(bw_token_hex(8, NULL, 0, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_token_hex(SIZE_MAX, buf, sizeof buf, &len), BW_ERR_INVALID_INPUT);
}

static void test_random_base32(void) {
    char buf[64];
    size_t len = 0;
    CHECK_RC(bw_random_base32(32, buf, sizeof buf, &len), BW_OK);
    CHECK(len == 32 && strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == 32);
    CHECK_RC(bw_random_base32(31, buf, sizeof buf, &len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "at least 32") != NULL);
    CHECK_RC(bw_random_base32(0, buf, sizeof buf, &len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_random_base32(32, buf, 32, &len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 33);
    CHECK_RC(bw_random_base32(32, NULL, 10, &len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_random_base32(32, buf, sizeof buf, NULL), BW_ERR_NULL_PARAMETER);
}

static void test_constant_time_eq(void) {
    const uint8_t a[] = "correct horse battery staple";
    const uint8_t b[] = "correct horse battery staple";
    const uint8_t c[] = "correct horse battery stapleX";
    const uint8_t d[] = "Correct horse battery staple";
    bool eq = false;
    CHECK_RC(bw_constant_time_eq(a, sizeof a - 1, b, sizeof b - 1, &eq), BW_OK);
    CHECK(eq == true);
    CHECK_RC(bw_constant_time_eq(a, sizeof a - 1, d, sizeof d - 1, &eq), BW_OK);
    CHECK(eq == false);
    /* different lengths: unequal, not an error */
    eq = true;
    CHECK_RC(bw_constant_time_eq(a, sizeof a - 1, c, sizeof c - 1, &eq), BW_OK);
    CHECK(eq == false);
    /* empty inputs: NULL with length 0 is empty */
    CHECK_RC(bw_constant_time_eq(NULL, 0, NULL, 0, &eq), BW_OK);
    CHECK(eq == true);
    CHECK_RC(bw_constant_time_eq(NULL, 0, a, 1, &eq), BW_OK);
    CHECK(eq == false);
    /* NULL with a length, NULL output */
    CHECK_RC(bw_constant_time_eq(NULL, 3, a, 3, &eq), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "a is NULL") == 0);
    CHECK_RC(bw_constant_time_eq(a, 3, NULL, 3, &eq), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "b is NULL") == 0);
    CHECK_RC(bw_constant_time_eq(a, 3, b, 3, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_constant_time_eq(a, SIZE_MAX, b, 3, &eq), BW_ERR_INVALID_INPUT);
}

static void test_last_error_message(void) {
    char buf[128];
    char tiny[4];
    size_t len = 0;
    size_t needed = 0;
    /* make a known failure */
    CHECK_RC(bw_random_bytes(NULL, 1), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_last_error_message(buf, sizeof buf, &len), BW_OK);
    CHECK(strcmp(buf, "buf is NULL") == 0 && len == strlen("buf is NULL"));
    /* size query and too-small buffer keep the message for the retry */
    CHECK_RC(bw_last_error_message(NULL, 0, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == strlen("buf is NULL") + 1);
    CHECK_RC(bw_last_error_message(tiny, sizeof tiny, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(bw_last_error_message(buf, needed, &len), BW_OK);
    CHECK(strcmp(buf, "buf is NULL") == 0);
    /* a NULL out_len is refused and does not replace the stored message */
    CHECK_RC(bw_last_error_message(buf, sizeof buf, NULL), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "buf is NULL") == 0);
    /* successes do not clear it: it is the detail of the latest failure */
    CHECK_RC(bw_random_bytes((uint8_t *)buf, 8), BW_OK);
    CHECK(strcmp(last_message(), "buf is NULL") == 0);
}

int main(void) {
    test_version_and_result_str();
    test_random_bytes();
    test_token_urlsafe();
    test_token_hex();
    test_random_base32();
    test_constant_time_eq();
    test_last_error_message();
    return check_summary("test_foundation");
}
