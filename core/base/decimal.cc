#include "core/base/decimal.h"

#include <cstring>

namespace hs {

const char* DecimalErrorText(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::kOk:
      return "ok";
    case DecimalError::kEmpty:
      return "empty decimal";
    case DecimalError::kNoDigits:
      return "missing digits";
    case DecimalError::kMultipleDots:
      return "more than one decimal point";
    case DecimalError::kExponent:
      return "exponent notation not allowed";
    case DecimalError::kWhitespace:
      return "whitespace in decimal";
    case DecimalError::kBadChar:
      return "invalid character in decimal";
    case DecimalError::kSignNotAllowed:
      return "negative value not allowed";
    case DecimalError::kOverflow:
      return "decimal out of range";
    case DecimalError::kTooPrecise:
      return "too many decimals for the scale";
  }
  return "unknown decimal error";
}

namespace decimal_internal {

DecimalError ParseRawChecked(std::string_view text, int scale, Sign sign, int64_t* out) noexcept {
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
  while (p != end && IsDigit(*p)) {
    const uint64_t d = static_cast<uint64_t>(*p - '0');
    if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_add_overflow(acc, d, &acc) || acc > limit)
      return DecimalError::kOverflow;
    ++p;
  }
  const bool has_int = p != int_begin;
  int frac = 0;
  if (p != end && *p == '.') {
    ++p;
    const char* const frac_begin = p;
    while (p != end && IsDigit(*p)) {
      const uint64_t d = static_cast<uint64_t>(*p - '0');
      if (frac < scale) {
        if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_add_overflow(acc, d, &acc) || acc > limit)
          return DecimalError::kOverflow;
        ++frac;
      } else if (d != 0) {
        // Keep scanning only to tell "1.2.3" (a syntax error) from a real precision loss.
        const char* q = p;
        while (q != end && IsDigit(*q)) ++q;
        if (q != end) return ClassifyTrailing(*q);
        return DecimalError::kTooPrecise;
      }
      ++p;
    }
    if (p == frac_begin && p == end) return DecimalError::kNoDigits;  // "1." or "."
  }
  if (p != end) return ClassifyTrailing(*p);
  if (!has_int) return DecimalError::kNoDigits;  // "-", ".5"
  const uint64_t mul = kPow10[scale - frac];
  if (__builtin_mul_overflow(acc, mul, &acc) || acc > limit) return DecimalError::kOverflow;
  *out = negative ? static_cast<int64_t>(0 - acc) : static_cast<int64_t>(acc);
  return DecimalError::kOk;
}

DecimalError ClassifyTrailing(char c) noexcept {
  switch (c) {
    case '.':
      return DecimalError::kMultipleDots;
    case 'e':
    case 'E':
      return DecimalError::kExponent;
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      return DecimalError::kWhitespace;
    default:
      return DecimalError::kBadChar;
  }
}
}  // namespace decimal_internal

namespace {
// Writes the decimal digits of v (no sign) and returns the count.
int WriteUnsigned(uint64_t v, char* out) noexcept {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}
}  // namespace

int FormatDecimalFixed(int64_t raw, int scale, int decimals, char* out) noexcept {
  const bool negative = raw < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  const uint64_t unit = decimal_internal::kPow10[scale];
  uint64_t ip = mag / unit;
  uint64_t fp = mag % unit;  // scale digits
  if (decimals < scale) {
    const uint64_t drop = decimal_internal::kPow10[scale - decimals];
    if (fp % drop != 0) return -1;
    fp /= drop;
  }
  int n = 0;
  if (negative && mag != 0) out[n++] = '-';
  n += WriteUnsigned(ip, out + n);
  if (decimals > 0) {
    out[n++] = '.';
    const int have = decimals < scale ? decimals : scale;
    // fp has `have` significant positions, left-padded with zeros.
    for (int i = have - 1; i >= 0; --i) {
      out[n + i] = static_cast<char>('0' + fp % 10);
      fp /= 10;
    }
    n += have;
    for (int i = have; i < decimals; ++i) out[n++] = '0';
  }
  out[n] = '\0';
  return n;
}

int DecimalsNeeded(int64_t raw, int scale) noexcept {
  uint64_t mag = raw < 0 ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  uint64_t fp = mag % decimal_internal::kPow10[scale];
  if (fp == 0) return 0;
  int d = scale;
  while (fp % 10 == 0) {
    fp /= 10;
    --d;
  }
  return d;
}

int FormatDecimal(int64_t raw, int scale, char* out) noexcept {
  return FormatDecimalFixed(raw, scale, DecimalsNeeded(raw, scale), out);
}

}  // namespace hs
