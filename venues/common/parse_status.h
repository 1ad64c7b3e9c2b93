// hs::venues — outcome of parsing one venue message (shared by every venue's parser).
#pragma once

#include <cstdint>

namespace hs::venues {

enum class ParseStatus : uint8_t {
  kOk = 0,
  kBadJson,       // not JSON, truncated, binary garbage
  kMissingField,  // a required field is absent
  kBadField,      // a field has the wrong JSON type
  kBadNumber,     // a decimal or integer that does not parse (or overflows, or is too precise)
  kTooManyLevels, // more book levels than the preallocated capacity
  kUnknown,       // valid JSON, but not a message this parser knows
};

inline const char* ParseStatusName(ParseStatus s) noexcept {
  switch (s) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kBadJson:
      return "bad_json";
    case ParseStatus::kMissingField:
      return "missing_field";
    case ParseStatus::kBadField:
      return "bad_field";
    case ParseStatus::kBadNumber:
      return "bad_number";
    case ParseStatus::kTooManyLevels:
      return "too_many_levels";
    case ParseStatus::kUnknown:
      return "unknown";
  }
  return "?";
}

}  // namespace hs::venues
