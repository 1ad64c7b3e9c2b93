// hs::venues — appends text into a caller-owned fixed buffer (order encoding on the hot path).
// No allocation, no locale, no printf. Overflow is sticky: ok() turns false and further
// appends are dropped, so one check after encoding suffices.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/base/decimal.h"

namespace hs::venues {

// Decimal digits of v into out (no NUL); returns the count (1..20). Two digits per step.
inline int U64ToChars(uint64_t v, char* out) noexcept {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char tmp[20];
  int n = 20;
  while (v >= 100) {
    const unsigned r = static_cast<unsigned>(v % 100);
    v /= 100;
    tmp[--n] = kPairs[2 * r + 1];
    tmp[--n] = kPairs[2 * r];
  }
  if (v >= 10) {
    tmp[--n] = kPairs[2 * v + 1];
    tmp[--n] = kPairs[2 * v];
  } else {
    tmp[--n] = static_cast<char>('0' + v);
  }
  const int len = 20 - n;
  std::memcpy(out, tmp + n, static_cast<size_t>(len));
  return len;
}

class TextWriter {
 public:
  TextWriter(char* buf, size_t cap) noexcept : begin_(buf), p_(buf), end_(buf + cap) {}

  TextWriter& Str(std::string_view s) noexcept {
    if (static_cast<size_t>(end_ - p_) < s.size()) {
      ok_ = false;
      return *this;
    }
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  TextWriter& Char(char c) noexcept {
    if (p_ == end_) {
      ok_ = false;
      return *this;
    }
    *p_++ = c;
    return *this;
  }
  TextWriter& U64(uint64_t v) noexcept {
    char tmp[20];
    const int n = U64ToChars(v, tmp);
    if (end_ - p_ < n) {
      ok_ = false;
      return *this;
    }
    std::memcpy(p_, tmp, static_cast<size_t>(n));
    p_ += n;
    return *this;
  }
  TextWriter& I64(int64_t v) noexcept {
    if (v < 0) {
      Char('-');
      return U64(0 - static_cast<uint64_t>(v));
    }
    return U64(static_cast<uint64_t>(v));
  }
  // Fixed-point value with exactly `decimals` fraction digits. Fails (ok()=false) when the
  // value has digits beyond `decimals`: an order is never silently rounded.
  template <typename T>
  TextWriter& Fixed(T v, int decimals) noexcept {
    if (end_ - p_ < kMaxDecimalText) {
      ok_ = false;
      return *this;
    }
    const int n = FormatFixed(v, decimals, p_);
    if (n < 0) {
      ok_ = false;
      return *this;
    }
    p_ += n;
    return *this;
  }
  char* Reserve(size_t n) noexcept {  // returns where n bytes go, or nullptr
    if (static_cast<size_t>(end_ - p_) < n) {
      ok_ = false;
      return nullptr;
    }
    char* r = p_;
    p_ += n;
    return r;
  }

  bool ok() const noexcept { return ok_; }
  size_t size() const noexcept { return static_cast<size_t>(p_ - begin_); }
  std::string_view view() const noexcept { return {begin_, size()}; }
  void Clear() noexcept {
    p_ = begin_;
    ok_ = true;
  }

 private:
  char* begin_;
  char* p_;
  char* end_;
  bool ok_ = true;
};

}  // namespace hs::venues
