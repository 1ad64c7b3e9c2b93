// hs::engine — the cash-and-carry's parameters ([allocation.basis]; see basis_carry.h).
#pragma once

#include "core/base/clock.h"
#include "core/base/fixed_point.h"

namespace hs::engine {

struct BasisParams {
  bool enabled = false;
  Rate min_funding_rate;
  Rate exit_funding_rate;
  Notional max_notional;  // per asset, at the spot reference
  Nanos interval = Nanos::FromMillis(1000);
  Notional min_trade;
  Notional max_trade;
  Rate max_cost;
  Nanos max_book_age = Nanos::FromMillis(2000);
};

}  // namespace hs::engine
