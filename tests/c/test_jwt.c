/* C tests of JWTs: every algorithm round trip through bw_jwt_encode and the verifier handle,
 * each refusal with its own code (the attacks of issue #5 that can be built from C), NULLs,
 * buffers, and one verifier shared by several threads. Built with -Werror and ASan/UBSan. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

#define TXT(s) (s), strlen(s)

/* 64 bytes: long enough for HS512. */
static const char SECRET[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* A verifier for one key and an allow-list, other options zero. */
static bw_result make_verifier(const char *algs, const void *key, size_t key_len, bw_jwt_verifier **out) {
    /* key is a secret or a PEM text: both are bytes to the library. */
    bw_jwt_verifier_options o;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = algs;
    o.algorithms_len = strlen(algs);
    o.key = key;
    o.key_len = key_len;
    return bw_jwt_verifier_new(&o, out);
}

static bw_result hs_encode(const char *claims, char *tok, size_t cap, size_t *len) {
    return bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT(claims), NULL, 0, tok, cap, len);
}

static void test_every_algorithm(void) {
    static const char *ALGS[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                                 "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K", "EdDSA"};
    char priv[BW_JWT_PEM_CAPACITY], pub[BW_JWT_PEM_CAPACITY], tok[2048], claims[256];
    size_t priv_len = 0, pub_len = 0, tok_len = 0, claims_len = 0;
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++) {
        const char *alg = ALGS[i];
        const uint8_t *sk = (const uint8_t *)SECRET, *vk = (const uint8_t *)SECRET;
        size_t sk_len = 64, vk_len = 64;
        if (alg[0] != 'H') {
            CHECK_RC(bw_jwt_generate_key_pair(TXT(alg), priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len), BW_OK);
            CHECK(strncmp(priv, "-----BEGIN PRIVATE KEY-----", 27) == 0);
            CHECK(strncmp(pub, "-----BEGIN PUBLIC KEY-----", 26) == 0);
            sk = (const uint8_t *)priv, sk_len = priv_len, vk = (const uint8_t *)pub, vk_len = pub_len;
        } else {
            CHECK_RC(bw_jwt_generate_key_pair(TXT(alg), priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len), BW_ERR_INVALID_INPUT);
        }
        CHECK_RC(bw_jwt_encode(TXT(alg), sk, sk_len, TXT("{\"sub\":\"alice\",\"n\":12345678901234567890}"),
                               TXT("{\"kid\":\"k1\"}"), tok, sizeof tok, &tok_len), BW_OK);
        CHECK(tok_len == strlen(tok));
        bw_jwt_verifier *v = NULL;
        CHECK_RC(make_verifier(alg, vk, vk_len, &v), BW_OK);
        CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_OK);
        /* The claims come back exactly as signed: the big number is intact. */
        CHECK(strcmp(claims, "{\"sub\":\"alice\",\"n\":12345678901234567890}") == 0);
        /* A flipped signature character is refused. */
        tok[tok_len - 3] = tok[tok_len - 3] == 'A' ? 'B' : 'A';
        CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_VERIFICATION_FAILED);
        CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
    }
    /* The header carries kid, alg and typ, sorted. */
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT("{}"), TXT("{\"kid\":\"k1\"}"), tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_unverified_header(tok, tok_len, claims, sizeof claims, &claims_len), BW_OK);
    CHECK(strcmp(claims, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}") == 0);
}

static void test_attacks(void) {
    char tok[4096], bad[4096], claims[256], priv[BW_JWT_PEM_CAPACITY], pub[BW_JWT_PEM_CAPACITY];
    size_t tok_len = 0, claims_len = 0, priv_len = 0, pub_len = 0;
    bw_jwt_verifier *hs = NULL, *rs = NULL, *v = NULL;
    CHECK_RC(make_verifier("HS256", SECRET, 32, &hs), BW_OK);

    /* alg none, any spelling, with and without a signature. */
    static const char *NONE[] = {
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.c2ln",
        "eyJhbGciOiJOb25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
        "eyJhbGciOiJOT05FIn0.eyJzdWIiOiJhZG1pbiJ9.c2ln",
    };
    for (size_t i = 0; i < 4; i++) {
        CHECK_RC(bw_jwt_verifier_verify(hs, TXT(NONE[i]), claims, sizeof claims, &claims_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    }
    CHECK_RC(bw_jwt_encode(TXT("none"), (const uint8_t *)SECRET, 32, TXT("{}"), NULL, 0, tok, sizeof tok, &tok_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_RC(make_verifier("none", SECRET, 32, &v), BW_ERR_ALGORITHM_NOT_ALLOWED);

    /* Key confusion: the RSA public key PEM never serves as an HMAC secret, an RS256 verifier
     * does not take HS256 tokens, and HS and RS algorithms never share one verifier. */
    CHECK_RC(bw_jwt_generate_key_pair(TXT("RS256"), priv, sizeof priv, &priv_len, pub, sizeof pub, &pub_len), BW_OK);
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)pub, pub_len, TXT("{}"), NULL, 0, tok, sizeof tok, &tok_len), BW_ERR_INVALID_KEY);
    CHECK_RC(make_verifier("HS256", pub, pub_len, &v), BW_ERR_INVALID_KEY);
    CHECK_RC(make_verifier("HS256,RS256", pub, pub_len, &v), BW_ERR_INVALID_INPUT);
    /* A mixed list is an input error whatever the key: an HMAC secret, a PEM or a JWK. */
    CHECK_RC(make_verifier("RS256,HS256", SECRET, 32, &v), BW_ERR_INVALID_INPUT);
    CHECK(v == NULL);
    /* A public JWK as text (hostile spellings too) is never an HMAC secret: HS256 tokens signed
     * with it are neither made nor accepted, and the ES256 verifier takes the same text. */
    static const char *JWKS_AS_SECRET[] = {
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
        "  \n{\"k\\u0074y\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
        "\xEF\xBB\xBF{\"keys\":[{\"KTY\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\"}]}",
    };
    for (size_t i = 0; i < 3; i++) {
        const char *jwk = JWKS_AS_SECRET[i];
        CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)jwk, strlen(jwk), TXT("{}"), NULL, 0, tok, sizeof tok, &tok_len), BW_ERR_INVALID_KEY);
        CHECK_RC(make_verifier("HS256", jwk, strlen(jwk), &v), BW_ERR_INVALID_KEY);
        CHECK(strstr(last_message(), "JWK") != NULL);
        CHECK_RC(make_verifier("ES256,HS256", jwk, strlen(jwk), &v), BW_ERR_INVALID_INPUT);
    }
    CHECK_RC(make_verifier("ES256", JWKS_AS_SECRET[0], strlen(JWKS_AS_SECRET[0]), &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
    v = NULL;
    CHECK_RC(make_verifier("RS256", pub, pub_len, &rs), BW_OK);
    CHECK_RC(hs_encode("{\"sub\":\"admin\"}", tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(rs, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    /* Empty allow-list; algorithm not in the list. */
    CHECK_RC(make_verifier("", SECRET, 32, &v), BW_ERR_INVALID_INPUT);
    CHECK_RC(make_verifier("HS512", SECRET, 64, &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);

    /* Signature stripped, truncated; payload swapped under a valid signature. */
    char *last_dot = strrchr(tok, '.');
    memcpy(bad, tok, (size_t)(last_dot - tok) + 1);
    bad[last_dot - tok + 1] = 0;
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT(bad), claims, sizeof claims, &claims_len), BW_ERR_VERIFICATION_FAILED);
    /* 43 base64url characters cut to 32: still well-formed, but 24 bytes cannot verify. */
    memcpy(bad, tok, tok_len - 11);
    bad[tok_len - 11] = 0;
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT(bad), claims, sizeof claims, &claims_len), BW_ERR_VERIFICATION_FAILED);
    char *first_dot = strchr(tok, '.');
    snprintf(bad, sizeof bad, "%.*s.eyJzdWIiOiJyb290In0%s", (int)(first_dot - tok), tok, last_dot);
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT(bad), claims, sizeof claims, &claims_len), BW_ERR_VERIFICATION_FAILED);

    /* Invalid base64url (padding, illegal characters), wrong segment counts. */
    snprintf(bad, sizeof bad, "%.*s=%s", (int)(first_dot - tok), tok, first_dot);
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT(bad), claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    memcpy(bad, tok, tok_len);
    memcpy(bad + tok_len, "+", 2);
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT(bad), claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT("a.b"), claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_verifier_verify(hs, TXT("a.b.c.d.e"), claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_verifier_verify(hs, "\xff.\xfe.x", 6, claims, sizeof claims, &claims_len), BW_ERR_INVALID_UTF8);

    /* Oversized token; nesting beyond the limit is refused when signing too. */
    char *huge = malloc(9000);
    memset(huge, 'a', 8999);
    huge[8999] = 0;
    CHECK_RC(bw_jwt_verifier_verify(hs, huge, 8999, claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    CHECK(strstr(last_message(), "8192") != NULL);
    free(huge);
    char deep[128] = "{\"a\":";
    for (int i = 0; i < 40; i++) strcat(deep, "[");
    strcat(deep, "1");
    for (int i = 0; i < 40; i++) strcat(deep, "]");
    strcat(deep, "}");
    CHECK_RC(hs_encode(deep, tok, sizeof tok, &tok_len), BW_ERR_INVALID_INPUT);
    /* Found by fuzzing: a number no verifier can read is refused before signing. */
    CHECK_RC(hs_encode("{\"exp\":1.9e333}", tok, sizeof tok, &tok_len), BW_ERR_INVALID_INPUT);
    CHECK(strstr(last_message(), "out of range") != NULL);
    CHECK_RC(hs_encode("not json", tok, sizeof tok, &tok_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(hs_encode("[1]", tok, sizeof tok, &tok_len), BW_ERR_INVALID_INPUT);

    /* Unknown critical header. */
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT("{}"), TXT("{\"crit\":[\"exp\"],\"exp\":1}"), tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(hs, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_MALFORMED);
    CHECK(strstr(last_message(), "crit") != NULL);

    /* Short HMAC secrets: refused unless the caller opts out, on both sides. */
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)"secret", 6, TXT("{}"), NULL, 0, tok, sizeof tok, &tok_len), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jwt_encode_with_flags(TXT("HS256"), (const uint8_t *)"secret", 6, TXT("{}"), NULL, 0, BW_JWT_ALLOW_SHORT_HMAC_KEY, tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_encode_with_flags(TXT("HS256"), (const uint8_t *)"secret", 6, TXT("{}"), NULL, 0, BW_JWT_NO_VERIFY_EXP, tok, sizeof tok, &tok_len), BW_ERR_INVALID_INPUT);
    CHECK_RC(make_verifier("HS256", "secret", 6, &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);

    CHECK_RC(bw_jwt_verifier_free(hs), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(rs), BW_OK);
}

static void test_claims(void) {
    char tok[1024], claims[256];
    size_t tok_len = 0, claims_len = 0;
    bw_jwt_verifier_options o;
    bw_jwt_verifier *v = NULL, *lenient = NULL;
    const int64_t now = 1700000000;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5, o.key = (const uint8_t *)SECRET, o.key_len = 32;
    o.issuers = "[\"https://idp.example\",\"https://old-idp.example\"]";
    o.issuers_len = strlen(o.issuers);
    o.audiences = "api,web";
    o.audiences_len = 7;
    o.required_claims = "exp, sub";
    o.required_claims_len = strlen(o.required_claims);
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_OK);
    o.leeway_seconds = 60;
    CHECK_RC(bw_jwt_verifier_new(&o, &lenient), BW_OK);

#define VERIFY(ver, payload, expected)                                                          \
    do {                                                                                        \
        CHECK_RC(hs_encode(payload, tok, sizeof tok, &tok_len), BW_OK);                          \
        CHECK_RC(bw_jwt_verifier_verify_at(ver, tok, tok_len, now, claims, sizeof claims, &claims_len), expected); \
    } while (0)

    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100}", BW_OK);
    VERIFY(v, "{\"iss\":\"https://old-idp.example\",\"aud\":[\"x\",\"web\"],\"sub\":\"u\",\"exp\":1700000100}", BW_OK);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1699999990}", BW_ERR_EXPIRED);
    VERIFY(lenient, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1699999990}", BW_OK);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100,\"nbf\":1700000010}", BW_ERR_NOT_YET_VALID);
    VERIFY(lenient, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100,\"nbf\":1700000010}", BW_OK);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100,\"iat\":1700000010}", BW_ERR_ISSUED_IN_FUTURE);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100,\"iat\":\"x\"}", BW_ERR_INVALID_CLAIM);
    VERIFY(v, "{\"iss\":\"https://evil.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100}", BW_ERR_INVALID_ISSUER);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"other\",\"sub\":\"u\",\"exp\":1700000100}", BW_ERR_INVALID_AUDIENCE);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"sub\":\"u\",\"exp\":1700000100}", BW_ERR_MISSING_CLAIM);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"exp\":1700000100}", BW_ERR_MISSING_CLAIM);
    CHECK(strstr(last_message(), "sub") != NULL);
    VERIFY(v, "{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":7,\"exp\":1700000100}", BW_ERR_INVALID_SUBJECT);
    /* The real clock: exp in 2011 is long past. */
    CHECK_RC(hs_encode("{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1300000000}", tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_EXPIRED);
    /* Flags switch single checks off. */
    o.leeway_seconds = 0;
    o.flags = BW_JWT_NO_VERIFY_EXP;
    bw_jwt_verifier *noexp = NULL;
    CHECK_RC(bw_jwt_verifier_new(&o, &noexp), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(noexp, tok, tok_len, claims, sizeof claims, &claims_len), BW_OK);
    o.flags = 1u << 20;
    CHECK_RC(bw_jwt_verifier_new(&o, &noexp), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_jwt_verifier_free(noexp), BW_OK);
#undef VERIFY

    /* Buffers: too small reports the size needed; NULLs are refused. */
    CHECK_RC(hs_encode("{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100}", tok, sizeof tok, &tok_len), BW_OK);
    size_t need = 0;
    CHECK_RC(bw_jwt_verifier_verify_at(v, tok, tok_len, now, NULL, 0, &need), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(need == strlen("{\"iss\":\"https://idp.example\",\"aud\":\"api\",\"sub\":\"u\",\"exp\":1700000100}") + 1);
    CHECK_RC(hs_encode("{}", NULL, 0, &need), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(need > 40);
    CHECK_RC(bw_jwt_verifier_verify(NULL, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_verify(v, NULL, 5, claims, sizeof claims, &claims_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_new(NULL, &noexp), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_new(&o, NULL), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_encode(NULL, 5, (const uint8_t *)SECRET, 32, TXT("{}"), NULL, 0, tok, sizeof tok, &tok_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_free(NULL), BW_OK);
    /* Both key and JWKS, or neither. */
    o.flags = 0;
    o.jwks = "{\"keys\":[]}";
    o.jwks_len = strlen(o.jwks);
    CHECK_RC(bw_jwt_verifier_new(&o, &noexp), BW_ERR_INVALID_INPUT);
    o.key = NULL, o.key_len = 0;
    CHECK_RC(bw_jwt_verifier_new(&o, &noexp), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(lenient), BW_OK);
}

static void test_jwks(void) {
    char tok[1024], claims[256];
    size_t tok_len = 0, claims_len = 0;
    /* An oct key under kid "a" and one under "b" (base64url of 32 bytes each). */
    const char *jwks =
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},"
        "{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODk\"}]}";
    bw_jwt_verifier_options o;
    bw_jwt_verifier *v = NULL;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5, o.jwks = jwks, o.jwks_len = strlen(jwks);
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_OK);
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT("{}"), TXT("{\"kid\":\"a\"}"), tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_OK);
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT("{}"), TXT("{\"kid\":\"b\"}"), tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_jwt_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, TXT("{}"), TXT("{\"kid\":\"zz\"}"), tok, sizeof tok, &tok_len), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
}

struct shared {
    bw_jwt_verifier *verifier;
    const char *token;
    int ok;
};

static void *hammer(void *arg) {
    struct shared *s = arg;
    char claims[128];
    size_t n = 0;
    s->ok = 1;
    for (int i = 0; i < 500; i++) {
        if (bw_jwt_verifier_verify(s->verifier, s->token, strlen(s->token), claims, sizeof claims, &n) != BW_OK) s->ok = 0;
    }
    return NULL;
}

static void test_threads(void) {
    char tok[512];
    size_t tok_len = 0;
    bw_jwt_verifier *v = NULL;
    pthread_t threads[4];
    struct shared s[4];
    CHECK_RC(make_verifier("HS256", SECRET, 32, &v), BW_OK);
    CHECK_RC(hs_encode("{\"sub\":\"t\"}", tok, sizeof tok, &tok_len), BW_OK);
    for (int i = 0; i < 4; i++) {
        s[i].verifier = v, s[i].token = tok, s[i].ok = 0;
        CHECK(pthread_create(&threads[i], NULL, hammer, &s[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(s[i].ok);
    }
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
}

/* Bearer tokens out of Authorization headers and role/permission checks on verified claims:
 * core's one rule, as Flask and ASGI apply it. */
static void test_bearer_and_grants(void) {
    char tok[512], claims[256];
    size_t tok_len = 0, claims_len = 0, offset = 99, len = 99;
    bool found = false, allowed = false;
    bw_jwt_verifier *v = NULL;
    char header[600];

    CHECK_RC(bw_bearer_token(TXT("  bearer   abc.def.ghi "), &found, &offset, &len), BW_OK);
    CHECK(found && offset == 11 && len == 11);
    static const char *const NOT_BEARER[] = {"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer\tabc"};
    for (size_t i = 0; i < sizeof NOT_BEARER / sizeof *NOT_BEARER; i++) {
        CHECK_RC(bw_bearer_token(TXT(NOT_BEARER[i]), &found, &offset, &len), BW_OK);
        CHECK(!found && offset == 0 && len == 0);
    }
    CHECK_RC(bw_bearer_token("Bearer \xff", 8, &found, &offset, &len), BW_ERR_INVALID_UTF8);
    CHECK_RC(bw_bearer_token(TXT("Bearer t"), NULL, &offset, &len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_bearer_token(NULL, 3, &found, &offset, &len), BW_ERR_NULL_PARAMETER);

    /* From the header to the claims to the decision, as a C service would. */
    CHECK_RC(hs_encode("{\"sub\":\"ann\",\"roles\":[\"editor\"],\"scope\":\"orders:read orders:write\"}",
                       tok, sizeof tok, &tok_len), BW_OK);
    snprintf(header, sizeof header, "Bearer %s", tok);
    CHECK_RC(bw_bearer_token(TXT(header), &found, &offset, &len), BW_OK);
    CHECK(found && len == tok_len && memcmp(header + offset, tok, len) == 0);
    bw_jwt_verifier_options o;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5, o.key = (const uint8_t *)SECRET, o.key_len = 32;
    o.flags = BW_JWT_NO_VERIFY_EXP;
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, header + offset, len, claims, sizeof claims, &claims_len), BW_OK);
    CHECK_RC(bw_jwt_claims_allow(claims, claims_len, TXT("admin,editor"), TXT("orders:read"), &allowed), BW_OK);
    CHECK(allowed);
    CHECK_RC(bw_jwt_claims_allow(claims, claims_len, TXT("[\"admin\"]"), NULL, 0, &allowed), BW_OK);
    CHECK(!allowed);
    CHECK_RC(bw_jwt_claims_allow(claims, claims_len, NULL, 0, TXT("orders:read,orders:delete"), &allowed), BW_OK);
    CHECK(!allowed);
    CHECK_RC(bw_jwt_claims_allow(claims, claims_len, NULL, 0, NULL, 0, &allowed), BW_OK);
    CHECK(allowed);
    CHECK_RC(bw_jwt_claims_allow(TXT("[1]"), NULL, 0, NULL, 0, &allowed), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_claims_allow(TXT("{}"), TXT("[1]"), NULL, 0, &allowed), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_jwt_claims_allow(TXT("{}"), NULL, 0, NULL, 0, NULL), BW_ERR_NULL_PARAMETER);

    /* The subject a gateway passes upstream, read by core (absent, not a string, too small). */
    char sub[8];
    size_t sub_len = 99;
    CHECK_RC(bw_jwt_claim_string(claims, claims_len, TXT("sub"), &found, sub, sizeof sub, &sub_len), BW_OK);
    CHECK(found && sub_len == 3 && strcmp(sub, "ann") == 0);
    CHECK_RC(bw_jwt_claim_string(claims, claims_len, TXT("iss"), &found, sub, sizeof sub, &sub_len), BW_OK);
    CHECK(!found && sub_len == 0 && sub[0] == 0);
    CHECK_RC(bw_jwt_claim_string(claims, claims_len, TXT("roles"), &found, sub, sizeof sub, &sub_len),
             BW_ERR_INVALID_CLAIM);
    CHECK_RC(bw_jwt_claim_string(TXT("{\"sub\":\"a-long-subject\"}"), TXT("sub"), &found, sub, sizeof sub, &sub_len),
             BW_ERR_BUFFER_TOO_SMALL);
    CHECK(sub_len == 15);
    CHECK_RC(bw_jwt_claim_string(TXT("{\"sub\":\"\\u00e9\"}"), TXT("sub"), &found, sub, sizeof sub, &sub_len), BW_OK);
    CHECK(found && sub_len == 2 && strcmp(sub, "\xc3\xa9") == 0);
    CHECK_RC(bw_jwt_claim_string(TXT("not json"), TXT("sub"), &found, sub, sizeof sub, &sub_len), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_claim_string(TXT("{}"), TXT("sub"), NULL, sub, sizeof sub, &sub_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
}

/* A signature over any message (webhooks): RFC 4231 test case 2, HMAC-SHA256. */
static void test_verify_message(void) {
    static const uint8_t TAG[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                    0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                    0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *msg = "what do ya want for nothing?";
    bool valid = false;
    CHECK_RC(bw_jwt_verify_message(TXT("HS256"), (const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg), TAG, 32,
                                   BW_JWT_ALLOW_SHORT_HMAC_KEY, &valid), BW_OK);
    CHECK(valid);
    CHECK_RC(bw_jwt_verify_message(TXT("HS256"), (const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg) - 1, TAG,
                                   32, BW_JWT_ALLOW_SHORT_HMAC_KEY, &valid), BW_OK);
    CHECK(!valid);
    /* A 4-byte secret is refused unless the caller opts out; unknown flags and NULLs too. */
    CHECK_RC(bw_jwt_verify_message(TXT("HS256"), (const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg), TAG, 32, 0,
                                   &valid), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jwt_verify_message(TXT("HS256"), (const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg), TAG, 32,
                                   BW_JWT_NO_VERIFY_EXP, &valid), BW_ERR_INVALID_INPUT);
    CHECK_RC(bw_jwt_verify_message(TXT("none"), (const uint8_t *)SECRET, 32, NULL, 0, NULL, 0, 0, &valid),
             BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_RC(bw_jwt_verify_message(TXT("HS256"), (const uint8_t *)SECRET, 32, NULL, 0, TAG, 32, 0, NULL),
             BW_ERR_NULL_PARAMETER);
}

/* An OpenSSH public key verifies EdDSA tokens (RFC 8037's key pair: the private JWK signs, the
 * same public key as an ssh-ed25519 line verifies), and is never an HMAC secret. */
static void test_openssh_key(void) {
    static const char JWK[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                              "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
                              "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    static const char SSH[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea ann@host";
    char tok[512], claims[128];
    size_t tok_len = 0, claims_len = 0;
    bw_jwt_verifier *v = NULL;
    CHECK_RC(bw_jwt_encode(TXT("EdDSA"), (const uint8_t *)JWK, strlen(JWK), TXT("{\"sub\":\"ann\"}"), NULL, 0, tok,
                           sizeof tok, &tok_len), BW_OK);
    bw_jwt_verifier_options o;
    CHECK_RC(bw_jwt_verifier_options_default(&o, sizeof o), BW_OK);
    o.algorithms = "EdDSA", o.algorithms_len = 5, o.key = (const uint8_t *)SSH, o.key_len = strlen(SSH);
    o.flags = BW_JWT_NO_VERIFY_EXP;
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify(v, tok, tok_len, claims, sizeof claims, &claims_len), BW_OK);
    CHECK(strcmp(claims, "{\"sub\":\"ann\"}") == 0);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
    o.algorithms = "HS256", o.algorithms_len = 5;
    CHECK_RC(bw_jwt_verifier_new(&o, &v), BW_ERR_INVALID_KEY);
}

/* JWS over any bytes (PyJWS's model): a binary payload with a NUL signs and verifies; the
 * verifier's allow-list, the signature and the output buffer are checked; bad input refused. */
static void test_jws_bytes(void) {
    static const uint8_t PAYLOAD[] = {0x00, 0xff, 'h', 'i', 0x00, 0x80};
    char tok[512];
    uint8_t out[16];
    size_t tok_len = 0, out_len = 0;
    bw_jwt_verifier *v = NULL, *other = NULL;
    CHECK_RC(bw_jws_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, PAYLOAD, sizeof PAYLOAD, NULL, 0, 0, tok,
                           sizeof tok, &tok_len), BW_OK);
    CHECK_RC(make_verifier("HS256", SECRET, 32, &v), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify_jws(v, tok, tok_len, out, sizeof out, &out_len), BW_OK);
    CHECK(out_len == sizeof PAYLOAD && memcmp(out, PAYLOAD, sizeof PAYLOAD) == 0);
    /* Too small a buffer: the size needed, nothing else. */
    CHECK_RC(bw_jwt_verifier_verify_jws(v, tok, tok_len, out, 2, &out_len), BW_ERR_BUFFER_TOO_SMALL);
    CHECK(out_len == sizeof PAYLOAD);
    /* Another algorithm's verifier, a flipped signature, NULLs, a short secret. */
    CHECK_RC(make_verifier("HS384", SECRET, 48, &other), BW_OK);
    CHECK_RC(bw_jwt_verifier_verify_jws(other, tok, tok_len, out, sizeof out, &out_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    tok[tok_len - 2] = tok[tok_len - 2] == 'A' ? 'B' : 'A';
    CHECK_RC(bw_jwt_verifier_verify_jws(v, tok, tok_len, out, sizeof out, &out_len), BW_ERR_VERIFICATION_FAILED);
    CHECK_RC(bw_jwt_verifier_verify_jws(NULL, tok, tok_len, out, sizeof out, &out_len), BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jws_encode(TXT("HS256"), (const uint8_t *)SECRET, 8, PAYLOAD, sizeof PAYLOAD, NULL, 0, 0, tok,
                           sizeof tok, &tok_len), BW_ERR_INVALID_KEY);
    CHECK_RC(bw_jws_encode(TXT("none"), (const uint8_t *)SECRET, 32, PAYLOAD, sizeof PAYLOAD, NULL, 0, 0, tok,
                           sizeof tok, &tok_len), BW_ERR_ALGORITHM_NOT_ALLOWED);
    CHECK_RC(bw_jws_encode(TXT("HS256"), (const uint8_t *)SECRET, 32, NULL, 3, NULL, 0, 0, tok, sizeof tok, &tok_len),
             BW_ERR_NULL_PARAMETER);
    CHECK_RC(bw_jwt_verifier_verify_jws(v, TXT("a.b"), out, sizeof out, &out_len), BW_ERR_MALFORMED);
    CHECK_RC(bw_jwt_verifier_free(v), BW_OK);
    CHECK_RC(bw_jwt_verifier_free(other), BW_OK);
}

int main(void) {
    test_every_algorithm();
    test_attacks();
    test_claims();
    test_jwks();
    test_threads();
    test_bearer_and_grants();
    test_verify_message();
    test_openssh_key();
    test_jws_bytes();
    return check_summary("test_jwt");
}
