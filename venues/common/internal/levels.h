// hs::venues::internal — a strict scanner for the level arrays Binance, Bybit and OKX send:
//   [["price","qty"], ["price","qty","0","4"], ...]
// It runs over the exact span simdjson's array::raw_json() returns (brackets already matched
// by stage 1) and validates everything else itself: JSON whitespace anywhere, string elements
// only, at least price and quantity per level, no escapes inside decimals. On-demand iteration
// costs ~20 ns per level on this machine; this scanner costs a few. Any deviation is an error:
// it never guesses.
#pragma once

#include <string_view>

#include "core/base/decimal.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"

namespace hs::venues::internal {

inline const char* SkipWs(const char* p, const char* end) noexcept {
  while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  return p;
}

// Reads a JSON string with no escapes starting at p (which must point at '"').
inline const char* ScanPlainString(const char* p, const char* end, std::string_view* out, bool* escaped) noexcept {
  if (p == end || *p != '"') return nullptr;
  const char* const begin = ++p;
  while (p != end && *p != '"') {
    if (*p == '\\') *escaped = true;
    ++p;
  }
  if (p == end) return nullptr;
  *out = std::string_view(begin, static_cast<size_t>(p - begin));
  return p + 1;
}

// Parses `arr` (a JSON array of arrays of strings) into out[0..cap). Extra strings after the
// quantity (OKX's order counts) are checked to be strings and skipped.
inline ParseStatus ScanStringLevels(std::string_view arr, WireLevel* out, int cap, int* count) noexcept {
  const char* p = arr.data();
  const char* const end = p + arr.size();
  p = SkipWs(p, end);
  if (p == end || *p != '[') return ParseStatus::kBadField;
  p = SkipWs(p + 1, end);
  int n = 0;
  if (p != end && *p == ']') {
    *count = 0;
    return ParseStatus::kOk;
  }
  for (;;) {
    if (p == end || *p != '[') return ParseStatus::kBadField;
    if (n >= cap) return ParseStatus::kTooManyLevels;
    WireLevel& lv = out[n];
    int fields = 0;
    p = SkipWs(p + 1, end);
    if (p != end && *p == ']') return ParseStatus::kMissingField;
    for (;;) {
      if (fields < 2) {
        // Price then quantity: parsed in the same pass that finds the string's end.
        int64_t raw = 0;
        std::string_view text;
        DecimalError err = DecimalError::kOk;
        const int scale = fields == 0 ? Price::kDecimals : Qty::kDecimals;
        const char* next = decimal_internal::ParseQuotedRaw(p, end, scale, &raw, &text, &err);
        if (next == nullptr) return (p != end && *p == '"') ? ParseStatus::kBadNumber : ParseStatus::kBadField;
        if (fields == 0) {
          lv.px = Price::FromRaw(raw);
          lv.px_text = text;
        } else {
          lv.qty = Qty::FromRaw(raw);
          lv.qty_text = text;
        }
        p = next;
      } else {
        std::string_view s;
        bool escaped = false;
        p = ScanPlainString(p, end, &s, &escaped);
        if (p == nullptr) return ParseStatus::kBadField;  // not a string (number, object, ...)
      }
      ++fields;
      p = SkipWs(p, end);
      if (p != end && *p == ',') {
        p = SkipWs(p + 1, end);
        continue;
      }
      if (p != end && *p == ']') break;
      return ParseStatus::kBadJson;
    }
    if (fields < 2) return ParseStatus::kMissingField;
    ++n;
    p = SkipWs(p + 1, end);
    if (p != end && *p == ',') {
      p = SkipWs(p + 1, end);
      continue;
    }
    if (p != end && *p == ']') break;
    return ParseStatus::kBadJson;
  }
  p = SkipWs(p + 1, end);
  if (p != end) return ParseStatus::kBadJson;
  *count = n;
  return ParseStatus::kOk;
}

}  // namespace hs::venues::internal
