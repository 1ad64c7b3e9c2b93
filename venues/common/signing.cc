#define OPENSSL_SUPPRESS_DEPRECATED 1  // SHA256_CTX: see signing.h
#include "venues/common/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <cstring>

namespace hs::venues {

static_assert(sizeof(SHA256_CTX) <= 128, "SHA256_CTX must fit the midstate buffers");

HmacSha256::~HmacSha256() {
  OPENSSL_cleanse(inner_, sizeof inner_);
  OPENSSL_cleanse(outer_, sizeof outer_);
}

void HmacSha256::SetKey(std::string_view key) noexcept {
  unsigned char k[64] = {};
  if (key.size() > 64) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), k);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[64];
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x36;
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, pad, 64);
  std::memcpy(inner_, &c, sizeof c);
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x5c;
  SHA256_Init(&c);
  SHA256_Update(&c, pad, 64);
  std::memcpy(outer_, &c, sizeof c);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(&c, sizeof c);
  has_key_ = true;
}

void HmacSha256::Sign(const void* data, size_t len, unsigned char out[kDigestSize]) const noexcept {
  SHA256_CTX c;
  std::memcpy(&c, inner_, sizeof c);
  SHA256_Update(&c, data, len);
  unsigned char inner_digest[32];
  SHA256_Final(inner_digest, &c);
  std::memcpy(&c, outer_, sizeof c);
  SHA256_Update(&c, inner_digest, sizeof inner_digest);
  SHA256_Final(out, &c);
}

void HmacSha256::SignHex(const void* data, size_t len, char out[2 * kDigestSize]) const noexcept {
  unsigned char d[kDigestSize];
  Sign(data, len, d);
  HexEncode(d, sizeof d, out);
}

HmacSha256::Prefix HmacSha256::MakePrefix(std::string_view prefix) const noexcept {
  Prefix p;
  SHA256_CTX c;
  std::memcpy(&c, inner_, sizeof c);
  SHA256_Update(&c, prefix.data(), prefix.size());
  std::memcpy(p.inner, &c, sizeof c);
  OPENSSL_cleanse(&c, sizeof c);
  return p;
}

void HmacSha256::SignHexWithPrefix(const Prefix& prefix, const void* data, size_t len, char out[64]) const noexcept {
  SHA256_CTX c;
  std::memcpy(&c, prefix.inner, sizeof c);
  SHA256_Update(&c, data, len);
  unsigned char d[32];
  SHA256_Final(d, &c);
  std::memcpy(&c, outer_, sizeof c);
  SHA256_Update(&c, d, sizeof d);
  SHA256_Final(d, &c);
  HexEncode(d, sizeof d, out);
}

void HexEncode(const unsigned char* data, size_t len, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < len; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
}

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  HexEncode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  std::string buf(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
  buf.resize(len);
  *out = std::move(buf);
  return true;
}

std::string HmacSha256Raw(std::string_view key, std::string_view msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha512Raw(std::string_view key, std::string_view msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256Raw(std::string_view msg) {
  unsigned char out[32];
  SHA256(reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

bool ReadSecretEnv(const std::string& var, std::string* out) {
  out->clear();
  if (var.empty()) return false;
  const char* v = std::getenv(var.c_str());
  if (v == nullptr || *v == '\0') return false;
  *out = v;
  return true;
}

}  // namespace hs::venues
