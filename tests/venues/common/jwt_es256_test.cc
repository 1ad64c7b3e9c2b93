// ES256 JWTs for Coinbase CDP keys. ECDSA signatures are randomized, so there is no fixed
// expected token: every check verifies with OpenSSL through Es256Verifier; the known-answer
// part is the signing input for a fixed key, nonce and time.
#include "venues/common/jwt_es256.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hs::venues {
namespace {

using json = nlohmann::json;

constexpr char kKeyName[] = "organizations/org-1/apiKeys/key-1";
constexpr char kUri[] = "POST api.coinbase.com/api/v3/brokerage/orders";

// A throwaway P-256 key (openssl ecparam -name prime256v1 -genkey -noout), used only here.
constexpr char kFixedPrivate[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIB6W6Xk1NfzN1SIqELpGD3qjx76WFcjx+/+Ncd9WXvwvoAoGCCqGSM49\n"
    "AwEHoUQDQgAENs27O4swbTjNDeUdu2/MTEJ+8lUUYAD7CSVr+0XYOxd+x5BFAnOp\n"
    "3TI6LduFvmIqshAyKnH530FyY4ePHp6YFg==\n"
    "-----END EC PRIVATE KEY-----\n";

class Jwt : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GenerateP256KeyPair(&priv_, &pub_).ok());
    auto s = Es256Signer::FromPem(priv_);
    ASSERT_TRUE(s.ok()) << s.status();
    signer_ = std::move(*s);
    auto v = Es256Verifier::FromPublicPem(pub_);
    ASSERT_TRUE(v.ok()) << v.status();
    verifier_ = std::move(*v);
  }
  std::string priv_, pub_;
  std::unique_ptr<Es256Signer> signer_;
  std::unique_ptr<Es256Verifier> verifier_;
};

TEST(Base64Url, RoundTripsEveryLengthWithoutPadding) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    const std::string enc = Base64UrlEncode(bytes);
    EXPECT_EQ(enc.find('='), std::string::npos);
    EXPECT_EQ(enc.find('+'), std::string::npos);
    EXPECT_EQ(enc.find('/'), std::string::npos);
    std::string back;
    ASSERT_TRUE(Base64UrlDecode(enc, &back)) << n;
    EXPECT_EQ(back, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 251));
  }
  // RFC 4648 §10 vectors in the url alphabet.
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("Zm9vYg==", &out)) << "padding is not base64url";
  EXPECT_FALSE(Base64UrlDecode("Zm9v+g", &out)) << "standard alphabet";
  EXPECT_FALSE(Base64UrlDecode("Z", &out)) << "impossible length";
}

TEST_F(Jwt, SignedTokenVerifiesAndCarriesTheCdpHeaderAndClaims) {
  const std::string token = signer_->SignCdp(kKeyName, kUri, 1'700'000'000);
  ASSERT_FALSE(token.empty());
  auto parts = verifier_->Verify(token);
  ASSERT_TRUE(parts.ok()) << parts.status();
  const json h = json::parse(parts->header_json);
  EXPECT_EQ(h["alg"], "ES256");
  EXPECT_EQ(h["kid"], kKeyName);
  EXPECT_EQ(h["typ"], "JWT");
  ASSERT_TRUE(h["nonce"].is_string());
  EXPECT_EQ(h["nonce"].get<std::string>().size(), 32u);
  const json c = json::parse(parts->claims_json);
  EXPECT_EQ(c["sub"], kKeyName);
  EXPECT_EQ(c["iss"], "cdp");
  EXPECT_EQ(c["nbf"], 1'700'000'000);
  EXPECT_EQ(c["exp"], 1'700'000'120) << "two-minute life";
  EXPECT_EQ(c["uri"], kUri);
  // The signature part is the raw 64-byte r||s: 86 base64url characters.
  EXPECT_EQ(token.size() - token.rfind('.') - 1, 86u);
  // Websocket tokens carry no uri; each token has its own nonce.
  const std::string ws = signer_->SignCdp(kKeyName, "", 1'700'000'000);
  auto wparts = verifier_->Verify(ws);
  ASSERT_TRUE(wparts.ok());
  EXPECT_FALSE(json::parse(wparts->claims_json).contains("uri"));
  EXPECT_NE(json::parse(wparts->header_json)["nonce"], h["nonce"]);
}

TEST_F(Jwt, TamperedTokensAreRefused) {
  const std::string token = signer_->SignCdp(kKeyName, kUri, 1'700'000'000);
  const size_t d1 = token.find('.');
  const size_t d2 = token.rfind('.');
  // Another uri in the claims, same signature.
  std::string forged_claims = token.substr(0, d1 + 1) +
                              Base64UrlEncode(R"({"sub":"organizations/org-1/apiKeys/key-1","iss":"cdp","nbf":1700000000,)"
                                              R"("exp":1700000120,"uri":"POST api.coinbase.com/api/v3/brokerage/orders/batch_cancel"})") +
                              token.substr(d2);
  EXPECT_EQ(verifier_->Verify(forged_claims).status().code(), absl::StatusCode::kUnauthenticated);
  // One signature character flipped.
  std::string flipped = token;
  flipped[d2 + 5] = flipped[d2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifier_->Verify(flipped).ok());
  // alg none.
  const std::string none = Base64UrlEncode(R"({"alg":"none"})") + token.substr(d1, d2 - d1) + ".";
  EXPECT_FALSE(verifier_->Verify(none).ok());
  // Shapes.
  EXPECT_FALSE(verifier_->Verify("").ok());
  EXPECT_FALSE(verifier_->Verify("a.b").ok());
  EXPECT_FALSE(verifier_->Verify(token + ".x").ok());
  EXPECT_FALSE(verifier_->Verify(token.substr(0, token.size() - 2)).ok()) << "short signature";
  // Another key's public key refuses it.
  std::string p2, pub2;
  ASSERT_TRUE(GenerateP256KeyPair(&p2, &pub2).ok());
  auto other = Es256Verifier::FromPublicPem(pub2);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Verify(token).ok());
}

TEST_F(Jwt, FixedKeyLoadsFromPemAndFromCdpsEscapedForm) {
  auto s = Es256Signer::FromPem(kFixedPrivate);
  ASSERT_TRUE(s.ok()) << s.status();
  // The PEM as CDP's JSON key file stores it: one line, literal \n.
  std::string escaped;
  for (const char* p = kFixedPrivate; *p; ++p) escaped += *p == '\n' ? std::string("\\n") : std::string(1, *p);
  auto s2 = Es256Signer::FromPem(escaped);
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_EQ((*s)->PublicKeyPem(), (*s2)->PublicKeyPem());
  auto v = Es256Verifier::FromPublicPem((*s)->PublicKeyPem());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE((*v)->Verify((*s2)->SignCdp(kKeyName, kUri, 1)).ok());
  // Known answer where ECDSA allows one: the signing input is deterministic for a fixed nonce
  // and time, and the signature verifies against the fixed key's public half.
  const std::string t = (*s)->SignCdpWithNonce(kKeyName, kUri, 1'700'000'000, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(t.substr(0, t.rfind('.')),
            Base64UrlEncode(R"({"alg":"ES256","kid":"organizations/org-1/apiKeys/key-1","nonce":"00112233445566778899aabbccddeeff","typ":"JWT"})") +
                "." +
                Base64UrlEncode(R"({"sub":"organizations/org-1/apiKeys/key-1","iss":"cdp","nbf":1700000000,"exp":1700000120,"uri":"POST api.coinbase.com/api/v3/brokerage/orders"})"));
  EXPECT_TRUE((*v)->Verify(t).ok());
}

TEST_F(Jwt, MalformedKeysGiveAClearErrorWithoutTheKeyText) {
  const std::string secretish = "-----BEGIN EC PRIVATE KEY-----\nSECRETSECRETSECRET\n-----END EC PRIVATE KEY-----\n";
  auto s = Es256Signer::FromPem(secretish);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("does not parse"), std::string::npos) << s.status();
  EXPECT_EQ(s.status().message().find("SECRET"), std::string::npos) << "no key text in errors";
  auto s2 = Es256Signer::FromPem("hunter2-not-a-pem");
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(s2.status().message().find("not PEM"), std::string::npos);
  // A public key is not a private key; an RSA-free world still needs the curve checked.
  EXPECT_FALSE(Es256Signer::FromPem(pub_).ok());
  EXPECT_FALSE(Es256Verifier::FromPublicPem(priv_.substr(0, 40)).ok());
}

}  // namespace
}  // namespace hs::venues
