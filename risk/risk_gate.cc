#include "risk/risk_gate.h"

namespace hs::risk {

const char* TradingStateName(TradingState s) noexcept {
  switch (s) {
    case TradingState::kActive:
      return "ACTIVE";
    case TradingState::kReducing:
      return "REDUCING";
    case TradingState::kHalted:
      return "HALTED";
  }
  return "?";
}

const char* VerdictName(Verdict v) noexcept {
  switch (v) {
    case Verdict::kAccept:
      return "accept";
    case Verdict::kHalted:
      return "halted";
    case Verdict::kReducingOnly:
      return "reducing_only";
    case Verdict::kMaxOrderNotional:
      return "max_order_notional";
    case Verdict::kMaxOrderQty:
      return "max_order_qty";
    case Verdict::kNonPositive:
      return "non_positive";
    case Verdict::kUnknownVenue:
      return "unknown_venue";
  }
  return "?";
}

Verdict RiskGate::Check(const OrderIntent& intent, bool reduces_risk) const noexcept {
  if (!intent.venue.valid() || intent.venue.value >= kMaxVenues) return Verdict::kUnknownVenue;
  const TradingState s = effective_state(intent.venue);
  if (s == TradingState::kHalted) return Verdict::kHalted;
  if (s == TradingState::kReducing && !reduces_risk) return Verdict::kReducingOnly;
  if (!intent.qty.is_positive() || !intent.limit_px.is_positive()) return Verdict::kNonPositive;
  if (limits_.max_order_qty.is_positive() && intent.qty > limits_.max_order_qty) return Verdict::kMaxOrderQty;
  // Worst case notional at the limit price, rounded up: the check never under-counts.
  if (MulNotional(intent.limit_px, intent.qty, Rounding::kCeil) > limits_.max_order_notional)
    return Verdict::kMaxOrderNotional;
  return Verdict::kAccept;
}

}  // namespace hs::risk
