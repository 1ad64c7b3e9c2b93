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
#include <cstring>
#include <string_view>

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

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

// The exact, fully checked parser: every error classified, every overflow caught. The fast
// path below defers to it for anything unusual.
DecimalError ParseRawChecked(std::string_view text, int scale, Sign sign, int64_t* out) noexcept;

inline bool IsDigit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

// True when the 8 bytes at p are all ASCII digits.
inline bool EightDigits(uint64_t chunk) noexcept {
  return ((chunk & 0xF0F0F0F0F0F0F0F0ull) | (((chunk + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
         0x3333333333333333ull;
}
// The value of 8 ASCII digits (little-endian load), by pairwise multiply-combine.
inline uint64_t EightDigitsValue(uint64_t chunk) noexcept {
  chunk -= 0x3030303030303030ull;
  chunk = (chunk * 10) + (chunk >> 8);  // pairs
  chunk = (((chunk & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
           (((chunk >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
          32;
  return chunk;
}

// Parses text into a raw count at 10^-scale. Inline: it sits inside every venue parser.
// Fast path: when integer digits + scale <= 18 the value cannot overflow int64, so digits
// accumulate unchecked (eight fraction digits at a time). Everything else — errors, digits
// beyond the scale, huge values — goes to ParseRawChecked, which decides exactly.
inline DecimalError ParseRaw(std::string_view text, int scale, Sign sign, int64_t* out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p != end && *p == '-') {
    if (sign == Sign::kNonNegative) return DecimalError::kSignNotAllowed;
    negative = true;
    ++p;
  }
  uint64_t acc = 0;
  const char* const int_begin = p;
  while (p != end && IsDigit(*p)) {
    acc = acc * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  const long int_digits = p - int_begin;
  if (int_digits == 0 || int_digits + scale > 18) return ParseRawChecked(text, scale, sign, out);
  int frac = 0;
  if (p != end) {
    if (*p != '.') return ParseRawChecked(text, scale, sign, out);
    ++p;
    while (end - p >= 8 && frac + 8 <= scale) {
      uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if (!EightDigits(chunk)) break;
      acc = acc * 100000000ull + EightDigitsValue(chunk);
      p += 8;
      frac += 8;
    }
    while (p != end && frac < scale && IsDigit(*p)) {
      acc = acc * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
      ++frac;
    }
    // No fraction digits, digits beyond the scale, or anything else: let the checked path judge.
    if (p != end || frac == 0) return ParseRawChecked(text, scale, sign, out);
  }
  acc *= kPow10[scale - frac];
  *out = negative ? -static_cast<int64_t>(acc) : static_cast<int64_t>(acc);
  return DecimalError::kOk;
}
#if defined(__SSE4_1__)
// The common case of a decimal in one 16-byte vector: `begin` is its first byte and 16 bytes
// from it are readable. Reads 1+ integer digits, then optionally '.' and 1..scale fraction
// digits, and stops at the first byte after them, which must lie within the 16; integer digits
// + scale must be <= 18. On success *acc is the value at 10^-scale and *len the number's length
// (the caller checks the byte at begin[*len]: a closing quote, a JSON delimiter). Returns false
// for anything else; the caller then takes the scalar path, which decides.
//
// The digits are gathered right-aligned, the dot squeezed out, by one byte shuffle; then the
// usual multiply-add ladder (10, 100, 10^4) turns 16 digit bytes into two 8-digit halves.
// Always inlined: a call per decimal costs more than the ladder itself.
[[gnu::always_inline]] inline bool Decimal16(const char* begin, int scale, uint64_t* acc, int* len) noexcept {
  const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin));
  const __m128i d = _mm_sub_epi8(chunk, _mm_set1_epi8('0'));
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
  // Bits 16..31 set: a stop past the vector, so every count below is at most 16.
  const uint32_t non_digit = ~static_cast<uint32_t>(_mm_movemask_epi8(is_digit));
  const int int_len = __builtin_ctz(non_digit);
  if (int_len == 0 || int_len == 16 || int_len + scale > 18) return false;
  int frac_len = 0;
  int stop = int_len;
  if (begin[int_len] == '.') {
    frac_len = __builtin_ctz(non_digit >> (int_len + 1));
    stop = int_len + 1 + frac_len;
    if (frac_len == 0 || frac_len > scale || stop >= 16) return false;
  }
  const int n = int_len + frac_len;  // digits, at most 15
  // Lane j takes digit t = j - (16 - n); digits after the dot sit one byte further on. Lanes
  // with t < 0 have the top bit set, which the shuffle turns into zero.
  const __m128i t = _mm_sub_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                 _mm_set1_epi8(static_cast<char>(16 - n)));
  const __m128i src = _mm_sub_epi8(t, _mm_cmpgt_epi8(t, _mm_set1_epi8(static_cast<char>(int_len - 1))));
  __m128i v = _mm_shuffle_epi8(d, src);
  v = _mm_maddubs_epi16(v, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  v = _mm_madd_epi16(v, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  v = _mm_packus_epi32(v, v);
  v = _mm_madd_epi16(v, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  const uint64_t hi = static_cast<uint32_t>(_mm_cvtsi128_si32(v));
  const uint64_t lo = static_cast<uint32_t>(_mm_extract_epi32(v, 1));
  *acc = (hi * 100000000ull + lo) * kPow10[scale - frac_len];
  *len = stop;
  return true;
}
#endif

// The scalar path of ParseQuotedRaw (everything the vector path does not take). Out of line:
// the vector path is what runs per level, inlined into the scanners.
[[gnu::noinline]] inline const char* ParseQuotedRawScalar(const char* p, const char* end, int scale, int64_t* raw,
                                                          std::string_view* text, DecimalError* err) noexcept {
  if (p == end || *p != '"') {
    *err = DecimalError::kBadChar;
    return nullptr;
  }
  const char* const begin = ++p;
  uint64_t acc = 0;
  while (p != end && IsDigit(*p)) {
    acc = acc * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  const long int_digits = p - begin;
  int frac = 0;
  bool fast = int_digits > 0 && int_digits + scale <= 18;
  if (fast && p != end && *p == '.') {
    ++p;
    while (end - p >= 8 && frac + 8 <= scale) {
      uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if (!EightDigits(chunk)) break;
      acc = acc * 100000000ull + EightDigitsValue(chunk);
      p += 8;
      frac += 8;
    }
    while (p != end && frac < scale && IsDigit(*p)) {
      acc = acc * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
      ++frac;
    }
    fast = frac > 0;
  }
  if (fast && p != end && *p == '"') {
    *raw = static_cast<int64_t>(acc * kPow10[scale - frac]);
    *text = std::string_view(begin, static_cast<size_t>(p - begin));
    return p + 1;
  }
  // Slow path: find the closing quote, then let the checked parser judge the text.
  const char* q = p;
  while (q != end && *q != '"') {
    if (*q == '\\') {
      *err = DecimalError::kBadChar;
      return nullptr;
    }
    ++q;
  }
  if (q == end) {
    *err = DecimalError::kBadChar;
    return nullptr;
  }
  const std::string_view t(begin, static_cast<size_t>(q - begin));
  const DecimalError e = ParseRawChecked(t, scale, Sign::kNonNegative, raw);
  if (e != DecimalError::kOk) {
    *err = e;
    return nullptr;
  }
  *text = t;
  return q + 1;
}

// Parses the decimal inside a JSON string in one pass: `p` points at the opening quote; on
// success returns the pointer after the closing quote and sets *raw and *text. On failure
// returns nullptr and sets *err (kBadChar for a non-string or an escape). Never reads past
// `end`. Non-negative values only (venue prices and sizes).
inline const char* ParseQuotedRaw(const char* p, const char* end, int scale, int64_t* raw, std::string_view* text,
                                  DecimalError* err) noexcept {
#if defined(__SSE4_1__)
  if (end - p >= 17 && *p == '"') {
    const char* const begin = p + 1;
    uint64_t acc = 0;
    int len = 0;
    if (Decimal16(begin, scale, &acc, &len) && begin[len] == '"') {
      *raw = static_cast<int64_t>(acc);
      *text = std::string_view(begin, static_cast<size_t>(len));
      return begin + len + 1;
    }
  }
#endif
  return ParseQuotedRawScalar(p, end, scale, raw, text, err);
}

// Parses the non-negative decimal that starts at p and ends at the first byte that is neither a
// digit nor '.' (a JSON number token: Kraken sends prices as numbers). Returns that first byte
// (at most `end`) and sets *raw and *text, or nullptr when the text is not a decimal at
// `scale` (an exponent, a sign, digits beyond the scale, ...). The caller checks what follows.
inline const char* ParseNumberRaw(const char* p, const char* end, int scale, int64_t* raw,
                                  std::string_view* text) noexcept {
#if defined(__SSE4_1__)
  if (end - p >= 16) {
    uint64_t acc = 0;
    int len = 0;
    if (Decimal16(p, scale, &acc, &len) && p[len] != '.' && !IsDigit(p[len])) {
      *raw = static_cast<int64_t>(acc);
      *text = std::string_view(p, static_cast<size_t>(len));
      return p + len;
    }
  }
#endif
  const char* q = p;
  while (q != end && (IsDigit(*q) || *q == '.')) ++q;
  const std::string_view t(p, static_cast<size_t>(q - p));
  if (ParseRaw(t, scale, Sign::kNonNegative, raw) != DecimalError::kOk) return nullptr;
  *text = t;
  return q;
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
