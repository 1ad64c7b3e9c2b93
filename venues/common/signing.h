// hs::venues — request signing primitives: HMAC-SHA256/512, hex and base64.
//
// HmacSha256 precomputes the key's inner and outer SHA-256 states once (cold path), so signing
// an order costs two state copies and the compression of the message: no allocation, no
// OpenSSL object creation on the hot path. The low-level SHA256_CTX API is used on purpose
// (deprecated in OpenSSL 3, still shipped): it is a plain struct that copies with memcpy,
// whereas EVP_MD_CTX_copy allocates. Keys are held only in these objects and are never
// printed; the object wipes them on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hs::venues {

class HmacSha256 {
 public:
  static constexpr size_t kDigestSize = 32;
  HmacSha256() = default;
  explicit HmacSha256(std::string_view key) { SetKey(key); }
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  void SetKey(std::string_view key) noexcept;
  bool has_key() const noexcept { return has_key_; }

  void Sign(const void* data, size_t len, unsigned char out[kDigestSize]) const noexcept;
  // Writes 64 lowercase hex characters (no NUL).
  void SignHex(const void* data, size_t len, char out[2 * kDigestSize]) const noexcept;

  // A message prefix absorbed once: signing prefix+data then costs only data's blocks.
  struct Prefix {
    alignas(16) unsigned char inner[128] = {};
  };
  Prefix MakePrefix(std::string_view prefix) const noexcept;
  // HMAC of (prefix + data), as 64 lowercase hex characters.
  void SignHexWithPrefix(const Prefix& prefix, const void* data, size_t len, char out[2 * kDigestSize]) const noexcept;

 private:
  alignas(16) unsigned char inner_[128] = {};  // SHA256_CTX after the ipad block
  alignas(16) unsigned char outer_[128] = {};  // SHA256_CTX after the opad block
  bool has_key_ = false;
};

void HexEncode(const unsigned char* data, size_t len, char* out) noexcept;  // lowercase
std::string HexEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// Returns false on invalid input.
bool Base64Decode(std::string_view text, std::string* out);

// One-shot forms for cold paths (logins, token requests).
std::string HmacSha256Raw(std::string_view key, std::string_view msg);
std::string HmacSha512Raw(std::string_view key, std::string_view msg);
std::string Sha256Raw(std::string_view msg);

// Reads a credential from the environment. Returns false (and leaves out empty) when unset or
// empty. The value is never logged; error messages name the variable only.
bool ReadSecretEnv(const std::string& var, std::string* out);

}  // namespace hs::venues
