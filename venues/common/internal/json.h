// hs::venues::internal — small simdjson On-Demand helpers shared by the venues' *_parse.cc
// files, and only by them (STYLE §2: simdjson stays inside the parsers).
//
// Everything returns a ParseStatus; nothing throws (simdjson's error-code API only) and nothing
// allocates. Views returned point into the parser's buffers or the input frame: borrowed
// until the next parse.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/base/decimal.h"
#include "venues/common/parse_status.h"

// Returns the ParseStatus of `expr` from the enclosing function unless it is kOk.
#define HS_PARSE_TRY(expr)                              \
  do {                                                  \
    const ::hs::venues::ParseStatus hs_st_ = (expr);            \
    if (hs_st_ != ::hs::venues::ParseStatus::kOk) return hs_st_; \
  } while (0)

namespace hs::venues::internal {

namespace od = simdjson::ondemand;

// Key comparison against a literal without unescaping (keys we look for never need escapes).
template <size_t N>
inline bool KeyIs(const od::raw_json_string& k, const char (&lit)[N]) noexcept {
  const char* r = k.raw();
  return std::memcmp(r, lit, N - 1) == 0 && r[N - 1] == '"';
}

inline ParseStatus GetString(od::value v, std::string_view* out) noexcept {
  return v.get_string().get(*out) ? ParseStatus::kBadField : ParseStatus::kOk;
}

inline ParseStatus GetUint(od::value v, uint64_t* out) noexcept {
  return v.get_uint64().get(*out) ? ParseStatus::kBadField : ParseStatus::kOk;
}

inline ParseStatus GetInt(od::value v, int64_t* out) noexcept {
  return v.get_int64().get(*out) ? ParseStatus::kBadField : ParseStatus::kOk;
}

// A decimal sent as a JSON string ("25.35190000"), parsed straight from the input bytes: no
// unescaping copy (decimal text never holds escapes; one that does is a bad number).
template <typename T>
inline ParseStatus GetDecimalString(od::value v, T* out, Sign sign = Sign::kNonNegative) noexcept {
  od::raw_json_string r;
  if (v.get_raw_json_string().get(r)) return ParseStatus::kBadField;
  const char* const begin = r.raw();
  if (sign == Sign::kNonNegative) {
#if defined(__SSE4_1__)
    // The common case in one vector: 16 bytes from the string's start are readable (the
    // document's padding follows its last byte).
    uint64_t acc = 0;
    int len = 0;
    if (decimal_internal::Decimal16(begin, T::kDecimals, &acc, &len) && begin[len] == '"') {
      *out = T::FromRaw(static_cast<int64_t>(acc));
      return ParseStatus::kOk;
    }
#endif
    // One pass from the opening quote; the document's padding bounds the scan (stage 1 indexed
    // this string's closing quote).
    int64_t raw = 0;
    std::string_view text;
    DecimalError err = DecimalError::kOk;
    const char* end = begin;
    while (*end != '"') ++end;
    if (decimal_internal::ParseQuotedRaw(begin - 1, end + 1, T::kDecimals, &raw, &text, &err) == nullptr)
      return ParseStatus::kBadNumber;
    *out = T::FromRaw(raw);
    return ParseStatus::kOk;
  }
  const char* e = begin;
  while (*e != '"') {
    if (*e == '\\') return ParseStatus::kBadNumber;
    ++e;
  }
  const ParseResult<T> res = ParseDecimal<T>(std::string_view(begin, static_cast<size_t>(e - begin)), sign);
  if (!res.ok()) return ParseStatus::kBadNumber;
  *out = res.value;
  return ParseStatus::kOk;
}

// The raw text of a JSON number token (Kraken sends prices as numbers and checksums use the
// digits): trims the trailing whitespace simdjson may include.
inline ParseStatus GetNumberText(od::value v, std::string_view* out) noexcept {
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::number) return ParseStatus::kBadField;
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' || tok.back() == '\t'))
    tok.remove_suffix(1);
  *out = tok;
  return ParseStatus::kOk;
}

}  // namespace hs::venues::internal
