// hs::risk — the first-cut gate (being replaced by PreTradeGate, risk/pre_trade.h): trading states and pre-trade checks. Pure and synchronous: no I/O, no clock, no
// allocation; owned and called by the decision core only.
//
// States (DESIGN §7): ACTIVE, REDUCING (only risk-reducing orders), HALTED (nothing but
// cancels), global and per venue; the stricter of the two applies. A kill latches HALTED until
// an operator resumes. This first cut checks state, max order notional and max order qty; the
// other checks of DESIGN §7 (collars, position limits, throttles, breakers) extend Check().
#pragma once

#include <array>
#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"
#include "risk/trading_state.h"

namespace hs::risk {

enum class GateVerdict : uint8_t {
  kAccept = 0,
  kHalted,              // global or venue state is HALTED
  kReducingOnly,        // state is REDUCING and the order does not reduce risk
  kMaxOrderNotional,
  kMaxOrderQty,
  kNonPositive,         // qty or price <= 0
  kUnknownVenue,
};
const char* GateVerdictName(GateVerdict v) noexcept;

struct GateLimits {
  Notional max_order_notional;
  Qty max_order_qty;  // zero = no qty cap
};

class RiskGate {
 public:
  explicit RiskGate(GateLimits limits) noexcept : limits_(limits) { venue_state_.fill(TradingState::kActive); }

  // Checks one intent. `reduces_risk` is the caller's claim that the order only reduces
  // exposure (REDUCING admits it). Returns kAccept or the first failing check.
  [[nodiscard]] GateVerdict Check(const OrderIntent& intent, bool reduces_risk = false) const noexcept;

  TradingState global_state() const noexcept { return global_; }
  TradingState venue_state(VenueId v) const noexcept { return venue_state_[v.value]; }
  TradingState effective_state(VenueId v) const noexcept {
    return venue_state_[v.value] > global_ ? venue_state_[v.value] : global_;
  }
  void SetGlobal(TradingState s) noexcept { global_ = s; }
  void SetVenue(VenueId v, TradingState s) noexcept { venue_state_[v.value] = s; }
  const GateLimits& limits() const noexcept { return limits_; }

 private:
  GateLimits limits_;
  TradingState global_ = TradingState::kActive;
  std::array<TradingState, kMaxVenues> venue_state_{};
};

}  // namespace hs::risk
