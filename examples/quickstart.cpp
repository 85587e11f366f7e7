// Bulwark quickstart from C++17 (bulwark.hpp, header-only over the C ABI). Build with
//   c++ -std=c++17 quickstart.cpp $(pkg-config --cflags --libs bulwark)
// or with CMake: find_package(Bulwark) and target_link_libraries(app PRIVATE Bulwark::bulwark).
// Failures throw bulwark::error (code() and what()); every call has a try_ twin that returns
// bulwark::result<T> instead of throwing.
#include <bulwark.hpp>

#include <cstdio>
#include <ctime>
#include <string>

int main() {
    std::printf("Bulwark %s (C++)\n", bulwark::version().c_str());

    // 1. Passwords: Argon2id by default, bcrypt hashes verified and upgraded on login.
    std::string hash = bulwark::password_hash("correct horse battery staple");
    std::printf("password ok: %d, wrong: %d\n", bulwark::password_verify("correct horse battery staple", hash),
                bulwark::password_verify("wrong", hash));

    // 2. Encryption with versioned keys: rotate, and old ciphertexts still open.
    bulwark::keyring ring(BW_AEAD_AES_256_GCM);
    auto sealed = ring.encrypt("card ending 4242", "user:42");
    ring.rotate();
    auto opened = ring.decrypt(sealed, "user:42");
    std::printf("decrypted after rotation: %s\n", std::string(opened.begin(), opened.end()).c_str());

    // 3. JWT: issue with an Ed25519 key, verify with its public key and an algorithm allow-list.
    auto keys = bulwark::jwt_generate_key_pair("EdDSA");
    std::string token = bulwark::jwt_encode("EdDSA", keys.private_pem,
                                            R"({"sub":"alice","roles":["admin"],"exp":4102444800})");
    bw_jwt_verifier_options o = bulwark::jwt_verifier_options_default();
    o.algorithms = "EdDSA";
    o.algorithms_len = 5;
    o.key = reinterpret_cast<const uint8_t *>(keys.public_pem.data());
    o.key_len = keys.public_pem.size();
    bulwark::jwt_verifier verifier(o);
    std::string claims = verifier.verify(token);
    std::printf("subject %s, admin: %d\n", bulwark::jwt_claim_string(claims, "sub").value_or("?").c_str(),
                bulwark::jwt_claims_allow(claims, "admin"));
    auto forged = verifier.try_verify(token.substr(0, token.size() - 3) + "AAA");
    std::printf("forged token refused: %s (%s)\n", bulwark::result_str(forged.code()).c_str(),
                forged.message().c_str());

    // 4. Two-factor codes.
    std::string secret = bulwark::totp_generate_secret();
    std::string code = bulwark::totp_code(secret, static_cast<uint64_t>(std::time(nullptr)));
    std::printf("TOTP code accepted: %d\n",
                bulwark::totp_verify(secret, code, static_cast<uint64_t>(std::time(nullptr))).valid);

    // 5. Rate limiting: a denial is a decision with its headers, not an error.
    bulwark::limiter limiter("memory://", "2/minute");
    for (int i = 0; i < 3; i++) {
        bw_decision d = limiter.hit("client-1");
        std::printf("request %d: %s (remaining %llu)\n", i + 1, d.allowed ? "allowed" : "429",
                    static_cast<unsigned long long>(d.remaining));
    }

    // 6. Errors: the exception carries the code and Bulwark's message.
    try {
        bulwark::bcrypt_hash(std::string(100, 'x'), 12);
    } catch (const bulwark::error &e) {
        std::printf("refused: %s\n", e.what());
    }
    return 0;
}
