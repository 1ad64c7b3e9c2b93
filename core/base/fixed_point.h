// hs::base — exact money: Price, Qty, Notional and Rate as distinct types over int64.
//
// Each type stores a raw count at one compile-time scale (DESIGN §3, STYLE §5):
//   Price    10^-9 of the quote asset per unit  (max ~9.2e9)
//   Qty      10^-8 of the base asset             (max ~9.2e10)
//   Notional 10^-9 of the quote asset            (max ~9.2e9)
//   Amount   10^-9 of any asset: balances, fees, PnL (one scale whatever the asset)
//   Rate     10^-8, a dimensionless fraction (fees, edges: 0.001 = 100000)
// Only what the domain allows compiles: same-type add, subtract, compare and negate. Anything
// that multiplies, divides or rescales is a named function with a named rounding direction.
// The per-instrument precision (tick, lot) lives in the instrument table, not in the values.
// Not here: parsing and formatting text (decimal.h).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace hs {

template <typename Tag, int kScaleDigits>
class FixedPoint {
 public:
  static constexpr int kDecimals = kScaleDigits;
  static constexpr int64_t kScale = [] {
    int64_t s = 1;
    for (int i = 0; i < kScaleDigits; ++i) s *= 10;
    return s;
  }();

  constexpr FixedPoint() noexcept = default;
  static constexpr FixedPoint FromRaw(int64_t raw) noexcept { return FixedPoint(raw); }
  // Whole units only (config defaults, tests); fractional values come from text.
  static constexpr FixedPoint FromUnits(int64_t units) noexcept { return FixedPoint(units * kScale); }
  static constexpr FixedPoint Zero() noexcept { return FixedPoint(0); }
  static constexpr FixedPoint Max() noexcept { return FixedPoint(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t raw() const noexcept { return raw_; }
  constexpr bool is_zero() const noexcept { return raw_ == 0; }
  constexpr bool is_positive() const noexcept { return raw_ > 0; }
  constexpr bool is_negative() const noexcept { return raw_ < 0; }

  constexpr FixedPoint operator-() const noexcept { return FixedPoint(-raw_); }
  constexpr FixedPoint operator+(FixedPoint o) const noexcept { return FixedPoint(raw_ + o.raw_); }
  constexpr FixedPoint operator-(FixedPoint o) const noexcept { return FixedPoint(raw_ - o.raw_); }
  constexpr FixedPoint& operator+=(FixedPoint o) noexcept {
    raw_ += o.raw_;
    return *this;
  }
  constexpr FixedPoint& operator-=(FixedPoint o) noexcept {
    raw_ -= o.raw_;
    return *this;
  }
  constexpr auto operator<=>(const FixedPoint&) const noexcept = default;

  // For statistics, logs and metrics only; never for a value that becomes an order.
  constexpr double ToDoubleForStats() const noexcept { return static_cast<double>(raw_) / kScale; }

 private:
  constexpr explicit FixedPoint(int64_t raw) noexcept : raw_(raw) {}
  int64_t raw_ = 0;
};

struct PriceTag {};
struct QtyTag {};
struct NotionalTag {};
struct RateTag {};
struct AmountTag {};

using Price = FixedPoint<PriceTag, 9>;
using Qty = FixedPoint<QtyTag, 8>;
using Notional = FixedPoint<NotionalTag, 9>;
using Rate = FixedPoint<RateTag, 8>;
using Amount = FixedPoint<AmountTag, 9>;

enum class Rounding : uint8_t { kFloor, kCeil };

namespace fp_internal {
__extension__ typedef __int128 Int128;  // __extension__: -Wpedantic accepts the GNU type
__extension__ typedef unsigned __int128 UInt128;
// Divides a 128-bit value by a positive divisor with the named direction.
constexpr Int128 Div(Int128 num, Int128 den, Rounding r) noexcept {
  // Fast path: most products fit 64 bits, and a 64-bit division by the (usually constant)
  // scale compiles to a multiply; the 128-bit path calls __divti3 (~10x slower).
  if (num >= INT64_MIN && num <= INT64_MAX && den > 0 && den <= INT64_MAX) {
    const int64_t n = static_cast<int64_t>(num);
    const int64_t d = static_cast<int64_t>(den);
    int64_t q = n / d;
    const int64_t rem = n % d;
    if (rem != 0) {
      if (r == Rounding::kFloor && n < 0) --q;
      if (r == Rounding::kCeil && n > 0) ++q;
    }
    return q;
  }
#if defined(__x86_64__)
  // 128÷64 with a 64-bit quotient: one `divq` instead of a __divti3 call (2-4x faster here).
  // Only when the quotient fits, which `divq` requires (it faults otherwise).
  if (!std::is_constant_evaluated() && den > 0 && den <= INT64_MAX) {
    const bool negative = num < 0;
    const UInt128 mag = negative ? -static_cast<UInt128>(num) : static_cast<UInt128>(num);
    const uint64_t hi = static_cast<uint64_t>(mag >> 64);
    const uint64_t lo = static_cast<uint64_t>(mag);
    const uint64_t d = static_cast<uint64_t>(den);
    if (hi < d) {
      uint64_t q;
      uint64_t rem;
      __asm__("divq %4" : "=a"(q), "=d"(rem) : "a"(lo), "d"(hi), "rm"(d) : "cc");
      Int128 qq = static_cast<Int128>(q);
      if (negative) qq = -qq;
      if (rem != 0) {
        if (r == Rounding::kFloor && negative) --qq;
        if (r == Rounding::kCeil && !negative) ++qq;
      }
      return qq;
    }
  }
#endif
  Int128 q = num / den;
  Int128 rem = num % den;
  if (rem != 0) {
    const bool negative = (num < 0) != (den < 0);
    if (r == Rounding::kFloor && negative) --q;
    if (r == Rounding::kCeil && !negative) ++q;
  }
  return q;
}
constexpr int64_t Saturate(Int128 v) noexcept {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}
}  // namespace fp_internal

// price × qty → notional through a 128-bit intermediate, rounded as named.
// Saturates at the int64 range (a notional that large is rejected by risk long before).
constexpr Notional MulNotional(Price p, Qty q, Rounding r) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(p.raw()) * q.raw();  // scale 10^-17
  return Notional::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Qty::kScale, r)));
}

// price × qty <= limit, decided by a 128-bit multiply-compare (no division, no rounding).
constexpr bool NotionalAtMost(Price p, Qty q, Notional limit) noexcept {
  return static_cast<fp_internal::Int128>(p.raw()) * q.raw() <= static_cast<fp_internal::Int128>(limit.raw()) * Qty::kScale;
}
constexpr bool NotionalAtLeast(Price p, Qty q, Notional floor) noexcept {
  return static_cast<fp_internal::Int128>(p.raw()) * q.raw() >= static_cast<fp_internal::Int128>(floor.raw()) * Qty::kScale;
}

// notional × rate → notional (fees, edges).
constexpr Notional MulRate(Notional n, Rate rate, Rounding r) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(n.raw()) * rate.raw();
  return Notional::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Rate::kScale, r)));
}

// qty × rate → qty (fees charged in the base asset).
constexpr Qty MulRate(Qty q, Rate rate, Rounding r) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(q.raw()) * rate.raw();
  return Qty::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Rate::kScale, r)));
}

// price × rate → price (collars, fee-adjusted prices).
constexpr Price MulRate(Price p, Rate rate, Rounding r) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(p.raw()) * rate.raw();
  return Price::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Rate::kScale, r)));
}

// notional ÷ price → qty: how much base a quote amount buys at a price. REQUIRES: p > 0.
constexpr Qty QtyForNotional(Notional n, Price p, Rounding r) noexcept {
  const fp_internal::Int128 num = static_cast<fp_internal::Int128>(n.raw()) * Qty::kScale;
  return Qty::FromRaw(fp_internal::Saturate(fp_internal::Div(num, p.raw(), r)));
}

// quote ÷ qty → average price of a fill. REQUIRES: qty > 0.
constexpr Price AveragePrice(Amount quote, Qty qty, Rounding r) noexcept {
  const fp_internal::Int128 num = static_cast<fp_internal::Int128>(quote.raw()) * Qty::kScale;
  return Price::FromRaw(fp_internal::Saturate(fp_internal::Div(num, qty.raw(), r)));
}

// Conversions into asset amounts. Qty (10^-8) and Notional (10^-9) convert exactly.
constexpr Amount AmountFromQty(Qty q) noexcept { return Amount::FromRaw(q.raw() * 10); }
constexpr Amount AmountFromNotional(Notional n) noexcept { return Amount::FromRaw(n.raw()); }
// Amount → Qty drops the 10^-9 digit in the named direction.
constexpr Qty QtyFromAmount(Amount a, Rounding r) noexcept {
  return Qty::FromRaw(static_cast<int64_t>(fp_internal::Div(a.raw(), 10, r)));
}
constexpr Notional NotionalFromAmount(Amount a) noexcept { return Notional::FromRaw(a.raw()); }

// amount × price → amount (valuing an asset balance in the quote asset).
constexpr Amount MulPrice(Amount a, Price p, Rounding r) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(a.raw()) * p.raw();
  return Amount::FromRaw(fp_internal::Saturate(fp_internal::Div(prod, Price::kScale, r)));
}

// Tick and lot rounding. REQUIRES: tick/lot > 0.
constexpr Price FloorToTick(Price p, Price tick) noexcept {
  return Price::FromRaw(static_cast<int64_t>(fp_internal::Div(p.raw(), tick.raw(), Rounding::kFloor)) * tick.raw());
}
constexpr Price CeilToTick(Price p, Price tick) noexcept {
  return Price::FromRaw(static_cast<int64_t>(fp_internal::Div(p.raw(), tick.raw(), Rounding::kCeil)) * tick.raw());
}
constexpr Qty FloorToLot(Qty q, Qty lot) noexcept {
  return Qty::FromRaw(static_cast<int64_t>(fp_internal::Div(q.raw(), lot.raw(), Rounding::kFloor)) * lot.raw());
}
constexpr bool IsMultipleOf(int64_t raw, int64_t step) noexcept { return step > 0 && raw % step == 0; }

template <typename T>
constexpr T Min(T a, T b) noexcept {
  return b < a ? b : a;
}
template <typename T>
constexpr T Max(T a, T b) noexcept {
  return a < b ? b : a;
}

}  // namespace hs
