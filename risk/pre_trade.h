// hs::risk — the pre-trade gate: every intent the core emits passes Check(intent, context)
// first (DESIGN §7; MiFID II RTS 6 art. 15 and SEC 15c3-5 style controls).
//
// Pure and synchronous: reads only the intent, its Limits and the RiskContext; no I/O, no
// clock, no allocation, no exceptions. Cancels always pass. Otherwise the checks run in the
// order of Verdict below and the first that fails is returned with the value that failed and
// the limit it broke (raw fixed-point, scaled as ValueDecimals says), so a rejection can be
// journaled and described exactly.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/messages/messages.h"
#include "risk/limits.h"
#include "risk/risk_context.h"

namespace hs::risk {

enum class Verdict : uint8_t {
  kAccept = 0,
  kUnknownVenue,        // venue id outside the configured venues
  kUnknownInstrument,   // instrument id outside the configured instruments
  kHalted,              // the state that applies (global, venue, instrument) is HALTED
  kReducingOnly,        // REDUCING, and the order does not reduce risk
  kNonPositive,         // qty or price <= 0
  kNotAllowed,          // the instrument is not on the venue's allowlist
  kMaxOrderQty,         // value: qty; limit: the instrument's cap (or the global one)
  kMaxOrderNotional,    // value: notional at the limit price (rounded up)
  kMinOrderNotional,    // value: notional at the limit price (rounded down)
  kNoReference,         // the collar needs a valid reference and there is none
  kCollar,              // value: |limit - reference| / reference as a Rate; limit: collar
  kMaxPosition,         // value: |asset holding after a complete fill|, over every venue
  kMaxVenuePosition,    // value: the same on the intent's venue
  kMaxOpenOrders,       // value: orders open on the venue
  kOrderRate,           // value: orders in the venue's window; limit: order_rate - cancel_reserve
  kRepeat,              // value: orders on (venue, instrument, side) in the window
  kSelfTrade,           // value: the intent's price; limit: the own resting price it would cross
  kDailyNotional,       // value: today's traded notional with this order; limit: the cap
  kLiquidation,         // value: distance to liquidation after a complete fill (a Rate); limit: min_distance
};
inline constexpr int kVerdicts = static_cast<int>(Verdict::kLiquidation) + 1;
// snake_case names, as status, the journal describer and `ctl limits` print them.
const char* VerdictName(Verdict v) noexcept;
// Decimals of a Decision's value and limit for this verdict (0 = a count).
int ValueDecimals(Verdict v) noexcept;

struct Decision {
  Verdict verdict = Verdict::kAccept;
  uint16_t asset = 0xFFFF;  // kMaxPosition / kMaxVenuePosition: the asset whose limit failed
  int64_t value = 0;        // what failed (raw)
  int64_t limit = 0;        // the limit it broke (raw)
  bool ok() const noexcept { return verdict == Verdict::kAccept; }
};

// True when the intent only reduces risk (REDUCING lets it through): hedges, unwinds,
// deleveraging, reduce-only orders, and rebalance orders that move a position toward its
// target (drift_sign) or into the valuation asset. On a perpetual (ctx.margin says so) a
// reduce-only order counts only when it shrinks the position by at most its size.
bool ReducesRisk(const OrderIntent& in, const InstrumentLimits& inst, const RiskContext& ctx) noexcept;

class PreTradeGate {
 public:
  explicit PreTradeGate(const Limits& limits) noexcept : limits_(limits) {}

  [[nodiscard]] Decision Check(const OrderIntent& intent, const RiskContext& ctx) const noexcept;

  const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// Per-verdict rejection counts (the core keeps one; status and `ctl limits` show it).
struct RejectCounts {
  std::array<uint64_t, kVerdicts> by_verdict{};
  void Count(Verdict v) noexcept { ++by_verdict[static_cast<size_t>(v)]; }
};

// Cold path: "max_order_notional: 6000.000000000 > 5000.000000000" (check name, value, limit,
// and the asset id for position checks). For logs, status and the journal describer.
std::string Describe(const Decision& d);

}  // namespace hs::risk
