#include "risk/risk_gate.h"

namespace hs::risk {

const char* GateVerdictName(GateVerdict v) noexcept {
  switch (v) {
    case GateVerdict::kAccept:
      return "accept";
    case GateVerdict::kHalted:
      return "halted";
    case GateVerdict::kReducingOnly:
      return "reducing_only";
    case GateVerdict::kMaxOrderNotional:
      return "max_order_notional";
    case GateVerdict::kMaxOrderQty:
      return "max_order_qty";
    case GateVerdict::kNonPositive:
      return "non_positive";
    case GateVerdict::kUnknownVenue:
      return "unknown_venue";
  }
  return "?";
}

GateVerdict RiskGate::Check(const OrderIntent& intent, bool reduces_risk) const noexcept {
  if (!intent.venue.valid() || intent.venue.value >= kMaxVenues) return GateVerdict::kUnknownVenue;
  const TradingState s = effective_state(intent.venue);
  if (s == TradingState::kHalted) return GateVerdict::kHalted;
  if (s == TradingState::kReducing && !reduces_risk) return GateVerdict::kReducingOnly;
  if (!intent.qty.is_positive() || !intent.limit_px.is_positive()) return GateVerdict::kNonPositive;
  if (limits_.max_order_qty.is_positive() && intent.qty > limits_.max_order_qty) return GateVerdict::kMaxOrderQty;
  // Worst case notional at the limit price, rounded up: the check never under-counts.
  if (MulNotional(intent.limit_px, intent.qty, Rounding::kCeil) > limits_.max_order_notional)
    return GateVerdict::kMaxOrderNotional;
  return GateVerdict::kAccept;
}

}  // namespace hs::risk
