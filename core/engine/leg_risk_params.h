// hs::engine — the leg tracker's parameters ([execution] in the config): plain values.
#pragma once

#include "core/base/clock.h"
#include "core/base/fixed_point.h"

namespace hs::engine {

struct LegRiskParams {
  bool enabled = true;
  // A hedge buys or sells the residual on the best usable venue at no worse than the reference
  // ± this fraction (IOC), up to `hedge_attempts` orders within `hedge_timeout` of the group's end.
  Rate hedge_slippage = Rate::FromRaw(10'0000);  // 10 bps
  int hedge_attempts = 3;
  Nanos hedge_timeout = Nanos::FromMillis(2'000);
  // Then the filled side is unwound on its own venue at no worse than the reference ± this
  // fraction, up to `unwind_attempts` orders; after that the residual stays open (counted).
  Rate unwind_slippage = Rate::FromRaw(50'0000);  // 50 bps
  int unwind_attempts = 3;
};

}  // namespace hs::engine
