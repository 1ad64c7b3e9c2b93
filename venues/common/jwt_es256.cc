#include "venues/common/jwt_es256.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstring>

#include "venues/common/signing.h"

namespace hs::venues {

namespace {

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int B64UrlValue(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The PEM as OpenSSL wants it: CDP's JSON key file stores the PEM with "\n" escapes, and
// people paste that into an environment variable as it is.
std::string NormalizePem(std::string_view pem) {
  std::string s(pem);
  if (s.find('\n') == std::string::npos && s.find("\\n") != std::string::npos) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
        out.push_back('\n');
        ++i;
      } else {
        out.push_back(s[i]);
      }
    }
    s.swap(out);
  }
  return s;
}

// OpenSSL's reason for the last failure ("no start line", "bad decrypt"): library text about
// the format, never the input.
std::string OpenSslReason() {
  const unsigned long e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return r != nullptr ? r : "unknown reason";
}

bool IsP256(EVP_PKEY* k) {
  if (EVP_PKEY_base_id(k) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(k, group, sizeof group, &len) != 1) return false;
  return std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0;
}

std::string BioText(BIO* b) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(b, &mem);
  return mem != nullptr ? std::string(mem->data, mem->length) : std::string();
}

void AppendJsonString(std::string* out, std::string_view s) {
  // Key names and uris are plain ASCII; escape the two characters JSON requires anyway.
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

size_t Base64UrlEncode(const unsigned char* d, size_t len, char* out) noexcept {
  size_t o = 0;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    const uint32_t v = (uint32_t{d[i]} << 16) | (uint32_t{d[i + 1]} << 8) | d[i + 2];
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
    out[o++] = kB64Url[(v >> 6) & 63];
    out[o++] = kB64Url[v & 63];
  }
  if (len - i == 1) {
    const uint32_t v = uint32_t{d[i]} << 16;
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
  } else if (len - i == 2) {
    const uint32_t v = (uint32_t{d[i]} << 16) | (uint32_t{d[i + 1]} << 8);
    out[o++] = kB64Url[(v >> 18) & 63];
    out[o++] = kB64Url[(v >> 12) & 63];
    out[o++] = kB64Url[(v >> 6) & 63];
  }
  return o;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4, '\0');
  out.resize(Base64UrlEncode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data()));
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = B64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero (a canonical encoding).
  return (acc & ((1u << bits) - 1)) == 0;
}

// ---- Es256Signer ----

struct Es256Signer::Key {
  PkeyPtr pkey;
};

Es256Signer::Es256Signer(std::unique_ptr<Key> k) : key_(std::move(k)) {}
Es256Signer::~Es256Signer() = default;

absl::StatusOr<std::unique_ptr<Es256Signer>> Es256Signer::FromPem(std::string_view pem) {
  std::string text = NormalizePem(pem);
  if (text.find("-----BEGIN") == std::string::npos)
    return absl::InvalidArgumentError("the ES256 private key is not PEM text (no -----BEGIN line)");
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  PkeyPtr k(bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  OPENSSL_cleanse(text.data(), text.size());
  if (!k) return absl::InvalidArgumentError("the ES256 private key PEM does not parse (" + OpenSslReason() + ")");
  if (!IsP256(k.get())) return absl::InvalidArgumentError("the ES256 private key is not an EC P-256 (prime256v1) key");
  auto key = std::make_unique<Key>();
  key->pkey = std::move(k);
  return std::unique_ptr<Es256Signer>(new Es256Signer(std::move(key)));
}

bool Es256Signer::SignRaw(std::string_view input, unsigned char out[64]) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  unsigned char der[80];
  size_t der_len = sizeof der;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey.get()) == 1 &&
            EVP_DigestSign(ctx, der, &der_len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return false;
  }
  // DER SEQUENCE { INTEGER r, INTEGER s } → r || s, each left-padded to 32 bytes.
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (sig == nullptr) {
    ERR_clear_error();
    return false;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  return ok;
}

std::string Es256Signer::SignCdp(std::string_view key_name, std::string_view uri, int64_t now_s) const {
  unsigned char rnd[16];
  if (RAND_bytes(rnd, sizeof rnd) != 1) return {};
  char nonce[32];
  HexEncode(rnd, sizeof rnd, nonce);
  return SignCdpWithNonce(key_name, uri, now_s, std::string_view(nonce, sizeof nonce));
}

std::string Es256Signer::SignCdpWithNonce(std::string_view key_name, std::string_view uri, int64_t now_s,
                                          std::string_view nonce) const {
  std::string header = R"({"alg":"ES256","kid":)";
  AppendJsonString(&header, key_name);
  header += R"(,"nonce":)";
  AppendJsonString(&header, nonce);
  header += R"(,"typ":"JWT"})";
  std::string claims = R"({"sub":)";
  AppendJsonString(&claims, key_name);
  claims += R"(,"iss":"cdp","nbf":)" + std::to_string(now_s) + R"(,"exp":)" + std::to_string(now_s + kCdpJwtLifetimeS);
  if (!uri.empty()) {
    claims += R"(,"uri":)";
    AppendJsonString(&claims, uri);
  }
  claims += "}";
  std::string token = Base64UrlEncode(header) + "." + Base64UrlEncode(claims);
  unsigned char sig[64];
  if (!SignRaw(token, sig)) return {};
  token.push_back('.');
  const size_t at = token.size();
  token.resize(at + 86);
  token.resize(at + Base64UrlEncode(sig, sizeof sig, token.data() + at));
  return token;
}

std::string Es256Signer::PublicKeyPem() const {
  BIO* b = BIO_new(BIO_s_mem());
  if (b == nullptr) return {};
  std::string out;
  if (PEM_write_bio_PUBKEY(b, key_->pkey.get()) == 1) out = BioText(b);
  BIO_free(b);
  return out;
}

// ---- Es256Verifier ----

struct Es256Verifier::Key {
  PkeyPtr pkey;
};

Es256Verifier::Es256Verifier(std::unique_ptr<Key> k) : key_(std::move(k)) {}
Es256Verifier::~Es256Verifier() = default;

absl::StatusOr<std::unique_ptr<Es256Verifier>> Es256Verifier::FromPublicPem(std::string_view pem) {
  const std::string text = NormalizePem(pem);
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  PkeyPtr k(bio != nullptr ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  if (!k) return absl::InvalidArgumentError("the ES256 public key PEM does not parse (" + OpenSslReason() + ")");
  if (!IsP256(k.get())) return absl::InvalidArgumentError("the ES256 public key is not an EC P-256 key");
  auto key = std::make_unique<Key>();
  key->pkey = std::move(k);
  return std::unique_ptr<Es256Verifier>(new Es256Verifier(std::move(key)));
}

absl::StatusOr<JwtParts> Es256Verifier::Verify(std::string_view token) const {
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return absl::UnauthenticatedError("jwt: not three dot-separated parts");
  JwtParts parts;
  std::string sig;
  if (!Base64UrlDecode(token.substr(0, d1), &parts.header_json) ||
      !Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1), &parts.claims_json) ||
      !Base64UrlDecode(token.substr(d2 + 1), &sig))
    return absl::UnauthenticatedError("jwt: a part is not base64url");
  // The header must name ES256; anything else (none, HS256) is refused before any crypto.
  if (parts.header_json.find(R"("alg":"ES256")") == std::string::npos)
    return absl::UnauthenticatedError("jwt: header alg is not ES256");
  if (sig.size() != 64) return absl::UnauthenticatedError("jwt: signature is not 64 bytes");
  ECDSA_SIG* es = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
  if (es == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(es, r, s) != 1) {
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return absl::InternalError("jwt: out of memory");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  if (der_len <= 0) {
    ERR_clear_error();
    return absl::UnauthenticatedError("jwt: signature does not encode");
  }
  const std::string_view input = token.substr(0, d2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr &&
                  EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey.get()) == 1 &&
                  EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ERR_clear_error();
  if (!ok) return absl::UnauthenticatedError("jwt: bad signature");
  return parts;
}

absl::Status GenerateP256KeyPair(std::string* private_pem, std::string* public_pem) {
  PkeyPtr k(EVP_EC_gen("P-256"));
  if (!k) return absl::InternalError("P-256 key generation failed (" + OpenSslReason() + ")");
  // SEC1 "EC PRIVATE KEY", the format CDP hands out.
  OSSL_ENCODER_CTX* ectx =
      OSSL_ENCODER_CTX_new_for_pkey(k.get(), EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr);
  BIO* b = BIO_new(BIO_s_mem());
  const bool ok = ectx != nullptr && b != nullptr && OSSL_ENCODER_to_bio(ectx, b) == 1;
  if (ok) *private_pem = BioText(b);
  OSSL_ENCODER_CTX_free(ectx);
  BIO_free(b);
  if (!ok) return absl::InternalError("P-256 private key encoding failed (" + OpenSslReason() + ")");
  BIO* pb = BIO_new(BIO_s_mem());
  const bool pok = pb != nullptr && PEM_write_bio_PUBKEY(pb, k.get()) == 1;
  if (pok) *public_pem = BioText(pb);
  BIO_free(pb);
  if (!pok) return absl::InternalError("P-256 public key encoding failed (" + OpenSslReason() + ")");
  return absl::OkStatus();
}

}  // namespace hs::venues
