#include "risk/trading_state.h"

#include <cstring>

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

bool ParseTradingState(const char* s, TradingState* out) noexcept {
  for (TradingState t : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted}) {
    if (std::strcmp(s, TradingStateName(t)) == 0) {
      *out = t;
      return true;
    }
  }
  return false;
}

void TradingStates::ClearBreakers() noexcept {
  br_global_ = TradingState::kActive;
  br_venue_.fill(TradingState::kActive);
  br_instrument_.fill(TradingState::kActive);
}

void TradingStates::Clear() noexcept {
  killed_ = false;
  op_global_ = TradingState::kActive;
  op_venue_.fill(TradingState::kActive);
  ClearBreakers();
}

}  // namespace hs::risk
