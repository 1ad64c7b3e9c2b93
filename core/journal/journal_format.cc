#define OPENSSL_SUPPRESS_DEPRECATED 1  // SHA256_CTX: the low-level API needs no allocation per chain step
#include "core/journal/journal_format.h"

#include <openssl/sha.h>

#include <cstdio>
#include <cstring>

#include "core/base/crc32.h"

namespace hs::journal {

const char* RecordTypeName(RecordType t) noexcept {
  switch (t) {
    case RecordType::kSessionStart:
      return "session_start";
    case RecordType::kVenueMsg:
      return "venue_msg";
    case RecordType::kControl:
      return "control";
    case RecordType::kIntent:
      return "intent";
    case RecordType::kRiskReject:
      return "risk_reject";
    case RecordType::kSessionEnd:
      return "session_end";
    case RecordType::kBreaker:
      return "breaker";
    case RecordType::kStateChange:
      return "state_change";
    case RecordType::kConfig:
      return "config";
    case RecordType::kSnapshot:
      return "snapshot";
    case RecordType::kCommit:
      return "commit";
  }
  return "unknown";
}

uint32_t RecordCrc(const RecordHeader& h, const void* payload) noexcept {
  uint32_t c = Crc32cUpdate(0, &h, 16);
  return Crc32cUpdate(c, payload, h.length);
}

uint32_t FileHeaderCrc(const FileHeader& h) noexcept {
  FileHeader copy;
  std::memcpy(&copy, &h, sizeof copy);
  copy.header_crc = 0;
  return Crc32c(&copy, sizeof copy);
}

uint32_t SegmentHeaderCrc(const SegmentHeader& h) noexcept {
  SegmentHeader copy;
  std::memcpy(&copy, &h, sizeof copy);
  copy.header_crc = 0;
  return Crc32c(&copy, sizeof copy);
}

std::string SegmentFileName(uint64_t segment) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "seg-%06llu.hsj", static_cast<unsigned long long>(segment));
  return buf;
}

uint64_t ParseSegmentFileName(std::string_view name) noexcept {
  constexpr std::string_view kPrefix = "seg-", kSuffix = ".hsj";
  if (name.size() < kPrefix.size() + 6 + kSuffix.size() || name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix)
    return 0;
  const std::string_view digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() > 19) return 0;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  // Exactly the name SegmentFileName gives (no extra leading zeros): one name per number.
  if (digits.size() > 6 && digits[0] == '0') return 0;
  return n;
}

ChainHash ChainNext(const ChainHash& prev, const void* bytes, size_t n) noexcept {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, prev.data(), prev.size());
  SHA256_Update(&ctx, bytes, n);
  ChainHash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

ChainHash Sha256(const void* bytes, size_t n) noexcept {
  ChainHash out;
  SHA256(static_cast<const unsigned char*>(bytes), n, out.data());
  return out;
}

std::string HashHex(const ChainHash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < h.size(); ++i) {
    s[2 * i] = kHex[h[i] >> 4];
    s[2 * i + 1] = kHex[h[i] & 15];
  }
  return s;
}

std::string NormalizeConfigText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(i, end - i);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    out.append(line);
    out.push_back('\n');
    i = end + 1;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  if (out.empty()) out.push_back('\n');
  return out;
}

}  // namespace hs::journal
