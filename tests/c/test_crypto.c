/* C tests of AEAD (AES-256-GCM, ChaCha20-Poly1305), keyrings and Fernet: round trips, tampering,
 * sizes, NULLs, too-small buffers, rotation and retirement across JSON, and handle lifetimes.
 * Built with -Werror and ASan/UBSan by `make test`. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static const uint8_t KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t NONCE[12] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static void test_sizes(void) {
    CHECK(bw_aead_key_len() == BW_AEAD_KEY_LEN && BW_AEAD_KEY_LEN == 32);
    CHECK(bw_aead_nonce_len() == BW_AEAD_NONCE_LEN && BW_AEAD_NONCE_LEN == 12);
    CHECK(bw_aead_tag_len() == BW_AEAD_TAG_LEN && BW_AEAD_TAG_LEN == 16);
    CHECK(bw_keyring_overhead() == BW_KEYRING_OVERHEAD && BW_KEYRING_OVERHEAD == 33);
    CHECK(bw_fernet_token_len(0) == 100 && bw_fernet_token_len(15) == 100 && bw_fernet_token_len(16) == 120);
    CHECK(bw_fernet_token_len(SIZE_MAX) > 0);
}

static void test_aead(uint32_t alg) {
    const char *msg = "attack at dawn";
    uint8_t ct[64], pt[64];
    size_t ct_len = 0, pt_len = 0;
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"hdr", 3, ct,
                             sizeof ct, &ct_len),
             BW_OK);
    CHECK(ct_len == strlen(msg) + BW_AEAD_TAG_LEN);
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, ct_len, (const uint8_t *)"hdr", 3, pt, sizeof pt, &pt_len), BW_OK);
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    /* every byte of ciphertext and tag is authenticated; output is wiped on failure */
    for (size_t i = 0; i < ct_len; i++) {
        ct[i] ^= 0x01;
        memset(pt, 'x', sizeof pt);
        CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, ct_len, (const uint8_t *)"hdr", 3, pt, sizeof pt, &pt_len),
                 BW_ERR_VERIFICATION_FAILED);
        CHECK(pt[0] != 'x' || ct_len - BW_AEAD_TAG_LEN == 0);
        ct[i] ^= 0x01;
    }
    /* wrong aad, wrong nonce */
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, ct_len, (const uint8_t *)"hdX", 3, pt, sizeof pt, &pt_len),
             BW_ERR_VERIFICATION_FAILED);
    CHECK(strcmp(last_message(), "decryption failed") == 0);
    /* empty plaintext and aad: NULL with 0 */
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, NULL, 0, NULL, 0, ct, sizeof ct, &ct_len), BW_OK);
    CHECK(ct_len == BW_AEAD_TAG_LEN);
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, ct_len, NULL, 0, NULL, 0, &pt_len), BW_OK);
    CHECK(pt_len == 0);
    /* sizes and NULLs */
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 16, NONCE, 12, NULL, 0, NULL, 0, ct, sizeof ct, &ct_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "32 bytes") != NULL);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 8, NULL, 0, NULL, 0, ct, sizeof ct, &ct_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "12 bytes") != NULL);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, NULL, 32, NONCE, 12, NULL, 0, NULL, 0, ct, sizeof ct, &ct_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, NULL, 0, NULL, 4, ct, sizeof ct, &ct_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, (const uint8_t *)msg, 5, NULL, 0, ct, sizeof ct, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, (const uint8_t *)msg, 5, NULL, 0, ct, 20, &ct_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(ct_len == 21);
    CHECK_RC(bw_aead_encrypt_with_nonce(alg, KEY, 32, NONCE, 12, (const uint8_t *)msg, 5, NULL, 0, NULL, 0, &ct_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(ct_len == 21);
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, 15, NULL, 0, pt, sizeof pt, &pt_len), BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, NONCE, 12, ct, 21, NULL, 0, pt, 4, &pt_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(pt_len == 5);
}

/* The safe default: a random nonce per call, prepended. The same message twice never gives the
 * same bytes; the output opens with the nonce split off through the caller-nonce API too. */
static void test_aead_seal_and_open(int alg) {
    const char *msg = "card 4111-1111";
    uint8_t a[64], b[64], pt[64];
    size_t a_len = 0, b_len = 0, pt_len = 0, needed = 0;
    CHECK(bw_aead_overhead() == BW_AEAD_OVERHEAD && BW_AEAD_OVERHEAD == 28);
    CHECK_RC(bw_aead_seal(alg, KEY, 32, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"u:42", 4, a, sizeof a,
                          &a_len), BW_OK);
    CHECK(a_len == strlen(msg) + BW_AEAD_OVERHEAD);
    CHECK_RC(bw_aead_seal(alg, KEY, 32, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"u:42", 4, b, sizeof b,
                          &b_len), BW_OK);
    CHECK(b_len == a_len && memcmp(a, b, a_len) != 0); /* fresh nonce each time */
    CHECK_RC(bw_aead_open(alg, KEY, 32, a, a_len, (const uint8_t *)"u:42", 4, pt, sizeof pt, &pt_len), BW_OK);
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    CHECK_RC(bw_aead_decrypt_with_nonce(alg, KEY, 32, a, 12, a + 12, a_len - 12, (const uint8_t *)"u:42", 4, pt,
                                        sizeof pt, &pt_len), BW_OK);
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    /* wrong aad, a flipped bit, too short: one opaque failure, out wiped */
    CHECK_RC(bw_aead_open(alg, KEY, 32, a, a_len, (const uint8_t *)"u:43", 4, pt, sizeof pt, &pt_len),
             BW_ERR_VERIFICATION_FAILED);
    a[3] ^= 1;
    CHECK_RC(bw_aead_open(alg, KEY, 32, a, a_len, (const uint8_t *)"u:42", 4, pt, sizeof pt, &pt_len),
             BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_aead_open(alg, KEY, 32, a, 27, NULL, 0, pt, sizeof pt, &pt_len), BW_ERR_VERIFICATION_FAILED);
    /* buffer contract: the size needed comes back */
    CHECK_RC(bw_aead_seal(alg, KEY, 32, (const uint8_t *)msg, 5, NULL, 0, NULL, 0, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == 5 + BW_AEAD_OVERHEAD);
    CHECK_RC(bw_aead_open(alg, KEY, 32, b, b_len, (const uint8_t *)"u:42", 4, pt, 3, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == strlen(msg));
    CHECK_RC(bw_aead_seal(alg, NULL, 32, NULL, 0, NULL, 0, a, sizeof a, &a_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_aead_seal(alg, KEY, 31, NULL, 0, NULL, 0, a, sizeof a, &a_len), BW_ERR_INVALID_INPUT);
}

static void test_aead_bad_algorithm(void) {
    uint8_t ct[32];
    size_t n = 0;
    CHECK_RC(bw_aead_encrypt_with_nonce(0, KEY, 32, NONCE, 12, NULL, 0, NULL, 0, ct, sizeof ct, &n), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_aead_encrypt_with_nonce(3, KEY, 32, NONCE, 12, NULL, 0, NULL, 0, ct, sizeof ct, &n), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "algorithm") != NULL);
}

static void test_keyring(void) {
    bw_keyring *ring = NULL, *copy = NULL;
    char json[2048];
    size_t json_len = 0, ct_len = 0, pt_len = 0, needed = 0;
    uint8_t old_ct[128], new_ct[128], pt[128];
    uint32_t id = 0;
    const char *msg = "customer SSN 078-05-1120";

    CHECK_RC(bw_keyring_new_random(BW_AEAD_AES_256_GCM, &ring), BW_OK);
    CHECK(ring != NULL);
    CHECK_RC(bw_keyring_primary_id(ring, &id), BW_OK);
    CHECK(id == 1);
    CHECK_RC(bw_keyring_encrypt(ring, (const uint8_t *)msg, strlen(msg), (const uint8_t *)"row:7", 5, old_ct, sizeof old_ct, &ct_len),
             BW_OK);
    CHECK(ct_len == strlen(msg) + BW_KEYRING_OVERHEAD);
    CHECK(old_ct[0] == 1 && old_ct[1] == 0 && old_ct[2] == 0 && old_ct[3] == 0 && old_ct[4] == 1);
    CHECK_RC(bw_keyring_rotate(ring, &id), BW_OK);
    CHECK(id == 2);
    CHECK_RC(bw_keyring_rotate(ring, NULL), BW_OK);
    CHECK_RC(bw_keyring_primary_id(ring, &id), BW_OK);
    CHECK(id == 3);
    CHECK_RC(bw_keyring_encrypt(ring, (const uint8_t *)msg, strlen(msg), NULL, 0, new_ct, sizeof new_ct, &ct_len), BW_OK);
    CHECK(new_ct[4] == 3);

    /* through JSON: size query first, then the real thing */
    CHECK_RC(bw_keyring_to_json(ring, NULL, 0, &needed), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 100 && needed < sizeof json);
    CHECK_RC(bw_keyring_to_json(ring, json, sizeof json, &json_len), BW_OK);
    CHECK(json_len + 1 == needed && strstr(json, "\"primary\":3") != NULL);
    CHECK_RC(bw_keyring_from_json(json, json_len, &copy), BW_OK);
    CHECK_RC(bw_keyring_decrypt(copy, old_ct, strlen(msg) + BW_KEYRING_OVERHEAD, (const uint8_t *)"row:7", 5, pt, sizeof pt, &pt_len),
             BW_OK);
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    CHECK_RC(bw_keyring_decrypt(copy, old_ct, strlen(msg) + BW_KEYRING_OVERHEAD, (const uint8_t *)"row:8", 5, pt, sizeof pt, &pt_len),
             BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_keyring_decrypt(copy, new_ct, ct_len, NULL, 0, pt, sizeof pt, &pt_len), BW_OK);

    /* retire key 1: old ciphertexts now fail with a clear reason; the primary cannot be retired */
    CHECK_RC(bw_keyring_retire(copy, 1), BW_OK);
    CHECK_RC(bw_keyring_decrypt(copy, old_ct, strlen(msg) + BW_KEYRING_OVERHEAD, (const uint8_t *)"row:7", 5, pt, sizeof pt, &pt_len),
             BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "not in the keyring") != NULL);
    CHECK_RC(bw_keyring_retire(copy, 3), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_keyring_retire(copy, 42), BW_ERR_INVALID_INPUT);

    /* tampering, truncation, buffers, NULLs */
    new_ct[20] ^= 0x40;
    CHECK_RC(bw_keyring_decrypt(ring, new_ct, ct_len, NULL, 0, pt, sizeof pt, &pt_len), BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_keyring_decrypt(ring, new_ct, 32, NULL, 0, pt, sizeof pt, &pt_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_keyring_encrypt(ring, (const uint8_t *)msg, strlen(msg), NULL, 0, new_ct, 10, &ct_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(ct_len == strlen(msg) + BW_KEYRING_OVERHEAD);
    CHECK_RC(bw_keyring_encrypt(NULL, (const uint8_t *)msg, 1, NULL, 0, new_ct, sizeof new_ct, &ct_len), BW_ERR_NULL_PARAMETER);
    CHECK(strcmp(last_message(), "keyring is NULL") == 0);
    CHECK_RC(bw_keyring_primary_id(ring, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_keyring_new_random(BW_AEAD_CHACHA20_POLY1305, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_keyring_rotate(NULL, &id), BW_ERR_NULL_PARAMETER);

    /* malformed JSON and environment */
    {
        bw_keyring *bad = NULL;
        const char *garbage = "{\"version\":1,\"primary\":1,\"keys\":[{\"id\":1,\"algorithm\":\"AES-256-GCM\",\"key\":\"AAAA\"}]}";
        CHECK_RC(bw_keyring_from_json(garbage, strlen(garbage), &bad), BW_ERR_INVALID_INPUT);
        CHECK(bad == NULL && strstr(last_message(), "32 bytes") != NULL);
        CHECK_RC(bw_keyring_from_json("", 0, &bad), BW_ERR_INVALID_INPUT);
        CHECK_RC(bw_keyring_from_json("\xff", 1, &bad), BW_ERR_INVALID_UTF8);
        CHECK_RC(bw_keyring_from_env("BULWARK_C_TEST_UNSET", 20, &bad), BW_ERR_INVALID_INPUT);
        CHECK(strstr(last_message(), "not set") != NULL && bad == NULL);
    }
    CHECK_RC(bw_keyring_free(ring), BW_OK);
    CHECK_RC(bw_keyring_free(copy), BW_OK);
    CHECK_RC(bw_keyring_free(NULL), BW_OK);
}

static void test_fernet(void) {
    char key[64], token[256], small[8];
    uint8_t pt[128];
    size_t key_len = 0, token_len = 0, pt_len = 0;
    uint64_t ttl = 60, zero = 0;
    const char *msg = "secret data";
    CHECK_RC(bw_fernet_generate_key(key, sizeof key, &key_len), BW_OK);
    CHECK(key_len == BW_FERNET_KEY_LEN && key[43] == '=');
    CHECK_RC(bw_fernet_generate_key(key, 44, &key_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(key_len == 45);
    CHECK_RC(bw_fernet_generate_key(key, sizeof key, &key_len), BW_OK);
    CHECK_RC(bw_fernet_encrypt(key, key_len, (const uint8_t *)msg, strlen(msg), token, sizeof token, &token_len), BW_OK);
    CHECK(token_len == bw_fernet_token_len(strlen(msg)) && strncmp(token, "gAAAAA", 6) == 0);
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, &ttl, pt, sizeof pt, &pt_len), BW_OK);
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, NULL, pt, sizeof pt, &pt_len), BW_OK);
    /* a TTL of 0 is "expire immediately" once a second has passed; NULL is "no TTL" */
    (void)zero;
    /* tampering of any character is one opaque error */
    token[token_len - 5] = token[token_len - 5] == 'A' ? 'B' : 'A';
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, NULL, pt, sizeof pt, &pt_len), BW_ERR_VERIFICATION_FAILED);
    CHECK(strcmp(last_message(), "invalid token") == 0);
    CHECK_RC(bw_fernet_decrypt(key, key_len, "gAAAA", 5, NULL, pt, sizeof pt, &pt_len), BW_ERR_VERIFICATION_FAILED);
    CHECK(strcmp(last_message(), "invalid token") == 0);
    /* bad keys, buffers, NULLs */
    CHECK_RC(bw_fernet_encrypt("short", 5, (const uint8_t *)msg, 3, token, sizeof token, &token_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "32 url-safe base64-encoded bytes") != NULL);
    CHECK_RC(bw_fernet_encrypt(key, key_len, (const uint8_t *)msg, strlen(msg), small, sizeof small, &token_len),
             BW_ERR_BUFFER_TOO_SMALL);
    CHECK(token_len == bw_fernet_token_len(strlen(msg)) + 1);
    CHECK_RC(bw_fernet_encrypt(key, key_len, (const uint8_t *)msg, strlen(msg), token, sizeof token, &token_len), BW_OK);
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, NULL, pt, 3, &pt_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(pt_len == strlen(msg));
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, NULL, pt, sizeof pt, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_fernet_decrypt(NULL, 44, token, token_len, NULL, pt, sizeof pt, &pt_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_fernet_encrypt(key, key_len, NULL, 0, token, sizeof token, &token_len), BW_OK);
    CHECK_RC(bw_fernet_decrypt(key, key_len, token, token_len, NULL, NULL, 0, &pt_len), BW_OK);
    CHECK(pt_len == 0);
}

int main(void) {
    test_sizes();
    test_aead(BW_AEAD_AES_256_GCM);
    test_aead(BW_AEAD_CHACHA20_POLY1305);
    test_aead_seal_and_open(BW_AEAD_AES_256_GCM);
    test_aead_seal_and_open(BW_AEAD_CHACHA20_POLY1305);
    test_aead_bad_algorithm();
    test_keyring();
    test_fernet();
    return check_summary("test_crypto");
}
