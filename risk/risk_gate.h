// hs::risk — the first-cut gate, no longer used by the engine (the decision core checks every
// intent with PreTradeGate, risk/pre_trade.h). It is kept as the baseline that
// bench/core/risk_benchmark.cc measures the full check list against in the same run: a state
// check, qty and price above zero, max order qty and notional. Pure, no clock, no allocation.
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
