#include "venues/common/signing.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "tests/support/test_support.h"

namespace hs::venues {
namespace {

std::string JsonField(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"");
  if (!std::regex_search(text, m, re)) return "";
  return m[1];
}

// vectors.json → binance_rest_hmac_sha256 (the official REST example).
TEST(Signing, BinanceRestVector) {
  const std::string v = testing::VenueFixture("vectors.json");
  const size_t at = v.find("\"binance_rest_hmac_sha256\"");
  ASSERT_NE(at, std::string::npos);
  const std::string block = v.substr(at, 800);
  const std::string secret = JsonField(block, "secret_key");
  const std::string payload = JsonField(block, "payload");
  const std::string expected = JsonField(block, "expected_signature_hex");
  ASSERT_EQ(expected, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  HmacSha256 h(secret);
  char hex[64];
  h.SignHex(payload.data(), payload.size(), hex);
  EXPECT_EQ(std::string(hex, 64), expected);
  EXPECT_EQ(HexEncode(HmacSha256Raw(secret, payload)), expected);
}

// The midstate signer agrees with OpenSSL's one-shot HMAC for any key and message (seeded),
// including keys longer than the block size.
TEST(Signing, MidstateMatchesOneShot) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 500; ++i) {
    std::string key(rng() % 150, '\0'), msg(rng() % 700, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    for (char& c : msg) c = static_cast<char>(rng());
    HmacSha256 h(key);
    unsigned char d[32];
    h.Sign(msg.data(), msg.size(), d);
    ASSERT_EQ(std::string(reinterpret_cast<char*>(d), 32), HmacSha256Raw(key, msg)) << "key len " << key.size();
  }
}

TEST(Signing, Base64RoundTripAndRejects) {
  const std::vector<std::string> inputs = {"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\x00\xff\x10", 3)};
  for (const std::string& s : inputs) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &back));
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  std::string out;
  EXPECT_FALSE(Base64Decode("abc", &out));
  EXPECT_FALSE(Base64Decode("a$c=", &out));
}

TEST(Signing, SecretsFromEnvironmentOnly) {
  std::string v;
  unsetenv("HS_TEST_SECRET_X");
  EXPECT_FALSE(ReadSecretEnv("HS_TEST_SECRET_X", &v));
  setenv("HS_TEST_SECRET_X", "", 1);
  EXPECT_FALSE(ReadSecretEnv("HS_TEST_SECRET_X", &v));
  setenv("HS_TEST_SECRET_X", "s3cr3t", 1);
  EXPECT_TRUE(ReadSecretEnv("HS_TEST_SECRET_X", &v));
  EXPECT_EQ(v, "s3cr3t");
  EXPECT_FALSE(ReadSecretEnv("", &v));
}

}  // namespace
}  // namespace hs::venues
