// STAND-IN, to be dropped at merge: the name functions of risk/breakers.h and risk/pre_trade.h,
// which the breakers and pre-trade work implement in their own files. The operator surface
// (admin parse, ctl breakers/limits) needs them to link on this branch until those land; once
// breakers.cc and pre_trade.cc are in, this file goes (a duplicate symbol says so at link time).
#include <cstring>

#include "risk/breakers.h"
#include "risk/pre_trade.h"

namespace hs::risk {

namespace {
constexpr const char* kBreakerNames[kBreakers] = {"stale",       "integrity",  "divergence",     "vol_spike",
                                                  "drawdown",    "daily_loss", "reject_rate",    "unknown_orders",
                                                  "leg_imbalance", "journal",  "clock"};
constexpr const char* kVerdictNames[kVerdicts] = {
    "accept",         "unknown_venue",      "unknown_instrument", "halted",          "reducing_only",
    "non_positive",   "not_allowed",        "max_order_qty",      "max_order_notional", "min_order_notional",
    "no_reference",   "collar",             "max_position",       "max_venue_position", "max_open_orders",
    "order_rate",     "repeat",             "self_trade",         "daily_notional"};
}  // namespace

const char* BreakerName(BreakerId b) noexcept {
  const auto i = static_cast<size_t>(b);
  return i < static_cast<size_t>(kBreakers) ? kBreakerNames[i] : "?";
}

bool ParseBreakerName(const char* s, BreakerId* out) noexcept {
  if (s == nullptr) return false;
  for (int i = 0; i < kBreakers; ++i) {
    if (std::strcmp(s, kBreakerNames[i]) == 0) {
      *out = static_cast<BreakerId>(i);
      return true;
    }
  }
  return false;
}

const char* BreakerScopeName(BreakerScope s) noexcept {
  switch (s) {
    case BreakerScope::kGlobal: return "global";
    case BreakerScope::kVenue: return "venue";
    case BreakerScope::kInstrument: return "instrument";
  }
  return "?";
}

const char* BreakerActionName(BreakerAction a) noexcept { return a == BreakerAction::kReduce ? "reduce" : "halt"; }

const char* SlotStateName(SlotState s) noexcept {
  switch (s) {
    case SlotState::kOk: return "ok";
    case SlotState::kTripped: return "tripped";
    case SlotState::kLatched: return "latched";
  }
  return "?";
}

const char* VerdictName(Verdict v) noexcept {
  const auto i = static_cast<size_t>(v);
  return i < static_cast<size_t>(kVerdicts) ? kVerdictNames[i] : "?";
}

}  // namespace hs::risk
