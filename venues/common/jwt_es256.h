// hs::venues — ES256 JSON Web Tokens (ECDSA P-256 over SHA-256, RFC 7515/7518) as Coinbase's
// CDP API keys use them (ORDERS.md §2.3), and the verification the simulator and tests need.
//
// A CDP key is a key name ("organizations/{org}/apiKeys/{id}", the JWT's `kid` and `sub`) and
// an EC P-256 private key in PEM. A token is
//   base64url(header) "." base64url(claims) "." base64url(r || s)
// with header {"alg":"ES256","kid":<key name>,"nonce":<32 random hex>,"typ":"JWT"} and claims
// {"sub":<key name>,"iss":"cdp","nbf":now,"exp":now+120[,"uri":"<METHOD> <host><path>"]}
// (websocket tokens carry no `uri`). OpenSSL signs in DER; the JOSE form is the raw 32-byte r
// and s, big-endian, concatenated.
//
// Signing allocates (OpenSSL contexts) and costs tens of microseconds: it belongs on cold paths
// (timers, start-up), never inside a duty cycle's order path — coinbase_orders.h keeps a pool
// of tokens signed ahead. The private key lives only inside Es256Signer (an OpenSSL EVP_PKEY,
// freed on destruction); no function here writes key bytes, PEM text or key names into an
// error message. Not thread-safe per object: each venue thread owns its signer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hs::venues {

inline constexpr int64_t kCdpJwtLifetimeS = 120;  // "Your JWT expires after 2 minutes"

// base64url without padding (RFC 7515 §2). Encode returns the text length; out must hold
// 4 * ceil(len / 3) bytes.
size_t Base64UrlEncode(const unsigned char* data, size_t len, char* out) noexcept;
std::string Base64UrlEncode(std::string_view bytes);
// False on characters outside the url-safe alphabet, padding, or an impossible length.
bool Base64UrlDecode(std::string_view text, std::string* out);

class Es256Signer {
 public:
  // Loads an EC P-256 private key from PEM text (SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY";
  // a PEM pasted with literal "\n" escapes, as CDP's JSON key file holds it, is accepted too).
  // InvalidArgument for anything else; the message never contains the text.
  static absl::StatusOr<std::unique_ptr<Es256Signer>> FromPem(std::string_view pem);
  ~Es256Signer();
  Es256Signer(const Es256Signer&) = delete;
  Es256Signer& operator=(const Es256Signer&) = delete;

  // A CDP token for `key_name`, valid from now_s for kCdpJwtLifetimeS; `uri` empty = no uri
  // claim (websocket). Returns the token, or an empty string when OpenSSL fails (counted by
  // the caller; the reason is not secret but also not useful on a hot log).
  std::string SignCdp(std::string_view key_name, std::string_view uri, int64_t now_s) const;
  // The same with a caller-chosen nonce (tests); nonce must be plain text (no quotes).
  std::string SignCdpWithNonce(std::string_view key_name, std::string_view uri, int64_t now_s,
                               std::string_view nonce) const;
  // Signs `signing_input` ("<b64 header>.<b64 claims>") → 64-byte r||s. False on failure.
  bool SignRaw(std::string_view signing_input, unsigned char out[64]) const;
  // The matching public key as "PUBLIC KEY" PEM (SubjectPublicKeyInfo).
  std::string PublicKeyPem() const;

 private:
  struct Key;
  explicit Es256Signer(std::unique_ptr<Key> k);
  std::unique_ptr<Key> key_;
};

// What a verified token says, decoded (JSON text; the caller parses the claims it checks).
struct JwtParts {
  std::string header_json;
  std::string claims_json;
};

class Es256Verifier {
 public:
  // Loads a P-256 public key ("PUBLIC KEY" PEM). InvalidArgument otherwise.
  static absl::StatusOr<std::unique_ptr<Es256Verifier>> FromPublicPem(std::string_view pem);
  ~Es256Verifier();
  Es256Verifier(const Es256Verifier&) = delete;
  Es256Verifier& operator=(const Es256Verifier&) = delete;

  // Checks the token's shape, that its header says ES256, and its signature. Unauthenticated
  // with a short reason ("bad signature", "not three parts", ...) otherwise. Claims (time,
  // uri, subject) are the caller's to check.
  absl::StatusOr<JwtParts> Verify(std::string_view token) const;

 private:
  struct Key;
  explicit Es256Verifier(std::unique_ptr<Key> k);
  std::unique_ptr<Key> key_;
};

// A fresh P-256 key pair as PEM texts: SEC1 "EC PRIVATE KEY" (the CDP key format) and
// "PUBLIC KEY". For throwaway simulator keys and tests.
absl::Status GenerateP256KeyPair(std::string* private_pem, std::string* public_pem);

}  // namespace hs::venues
