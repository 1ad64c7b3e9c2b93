#include "core/journal/journal_format.h"

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

}  // namespace hs::journal
