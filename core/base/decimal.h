// hs::base — decimal text ↔ fixed-point, exactly, without floating point.
//
// Venue prices and sizes arrive as decimal text ("25.35190000", "8477", "-1.5"). They are parsed
// digit by digit straight into the raw integer of a fixed-point type. Anything that is not a
// plain decimal — empty, a lone ".", two dots, an exponent, letters, surrounding whitespace, a
// sign where none is allowed, a value outside int64, or non-zero digits beyond the type's scale —
// is an error value naming what is wrong. Nothing here allocates, throws or reads a locale.
// Not here: JSON tokenizing (venue *_parse.cc), per-instrument tick checks (instrument table).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/fixed_point.h"

namespace hs {

enum class DecimalError : uint8_t {
  kOk = 0,
  kEmpty,            // ""
  kNoDigits,         // ".", "-", "1.", ".5": a side of the dot has no digits
  kMultipleDots,     // "1.2.3"
  kExponent,         // "1e5", "1E-3"
  kWhitespace,       // "  1", "1 "
  kBadChar,          // "abc", "1,5", "+1"
  kSignNotAllowed,   // "-1" where the field must be non-negative
  kOverflow,         // does not fit the type's int64 raw count
  kTooPrecise,       // non-zero digits beyond the scale ("0.0000000001" as Qty)
};

// A stable, human-readable name for an error ("too many decimals for the scale", ...).
const char* DecimalErrorText(DecimalError e) noexcept;

enum class Sign : uint8_t { kNonNegative, kAllowNegative };

template <typename T>
struct [[nodiscard]] ParseResult {
  T value{};
  DecimalError error = DecimalError::kOk;
  constexpr bool ok() const noexcept { return error == DecimalError::kOk; }
};

namespace decimal_internal {
inline constexpr uint64_t kPow10[] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull,
                                      10000000000000000ull,
                                      100000000000000000ull,
                                      1000000000000000000ull};

[[gnu::cold]] DecimalError ClassifyTrailing(char c) noexcept;

// Parses text into a raw count at 10^-scale. Inline: it sits inside every venue parser.
inline DecimalError ParseRaw(std::string_view text, int scale, Sign sign, int64_t* out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  if (p == end) return DecimalError::kEmpty;
  bool negative = false;
  if (*p == '-') {
    if (sign == Sign::kNonNegative) return DecimalError::kSignNotAllowed;
    negative = true;
    ++p;
  }
  // The magnitude may reach 2^63 only for a negative value.
  const uint64_t limit = negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  uint64_t acc = 0;
  const char* const int_begin = p;
  while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
    const uint64_t d = static_cast<uint64_t>(*p - '0');
    if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_add_overflow(acc, d, &acc) || acc > limit)
      return DecimalError::kOverflow;
    ++p;
  }
  const bool has_int = p != int_begin;
  int frac = 0;
  bool has_frac = false;
  if (p != end && *p == '.') {
    ++p;
    const char* const frac_begin = p;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
      const uint64_t d = static_cast<uint64_t>(*p - '0');
      if (frac < scale) {
        if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_add_overflow(acc, d, &acc) || acc > limit)
          return DecimalError::kOverflow;
        ++frac;
      } else if (d != 0) {
        // Keep scanning only to tell "1.2.3" (a syntax error) from a real precision loss.
        const char* q = p;
        while (q != end && static_cast<unsigned char>(*q - '0') < 10) ++q;
        if (q != end) return ClassifyTrailing(*q);
        return DecimalError::kTooPrecise;
      }
      ++p;
    }
    has_frac = p != frac_begin;
    if (!has_frac && p == end) return DecimalError::kNoDigits;  // "1." or "."
  }
  if (p != end) return ClassifyTrailing(*p);
  if (!has_int) return DecimalError::kNoDigits;  // "-", ".5"
  const uint64_t mul = kPow10[scale - frac];
  if (__builtin_mul_overflow(acc, mul, &acc) || acc > limit) return DecimalError::kOverflow;
  *out = negative ? static_cast<int64_t>(0 - acc) : static_cast<int64_t>(acc);
  return DecimalError::kOk;
}
}  // namespace decimal_internal

// Parses decimal text into T (Price, Qty, Notional, Rate) at T's scale.
template <typename T>
inline ParseResult<T> ParseDecimal(std::string_view text, Sign sign = Sign::kNonNegative) noexcept {
  int64_t raw = 0;
  const DecimalError e = decimal_internal::ParseRaw(text, T::kDecimals, sign, &raw);
  if (e != DecimalError::kOk) return {T{}, e};
  return {T::FromRaw(raw), DecimalError::kOk};
}

// Raw form for venue-specific scales (an instrument's precision, a checksum's digits).
inline DecimalError ParseDecimalRaw(std::string_view text, int scale, Sign sign, int64_t* out) noexcept {
  return decimal_internal::ParseRaw(text, scale, sign, out);
}

// Longest text any formatter below writes, plus a terminating NUL.
inline constexpr int kMaxDecimalText = 48;

// Writes raw/10^scale as the shortest exact decimal ("25.3519", "8477", "-1.5", "0").
// Returns the length written to out (at least kMaxDecimalText bytes), NUL-terminated.
int FormatDecimal(int64_t raw, int scale, char* out) noexcept;

// Writes raw/10^scale with exactly `decimals` fraction digits ("23416.10000000"; "8477" when 0).
// Returns the length, or -1 when the value has non-zero digits beyond `decimals` (never rounds).
// REQUIRES: 0 <= decimals <= 18.
int FormatDecimalFixed(int64_t raw, int scale, int decimals, char* out) noexcept;

template <typename T>
inline int Format(T v, char* out) noexcept {
  return FormatDecimal(v.raw(), T::kDecimals, out);
}
template <typename T>
inline int FormatFixed(T v, int decimals, char* out) noexcept {
  return FormatDecimalFixed(v.raw(), T::kDecimals, decimals, out);
}

// Number of decimals needed to write raw/10^scale exactly (0 for integers).
int DecimalsNeeded(int64_t raw, int scale) noexcept;

}  // namespace hs
