// hs::engine — the rebalancer's parameters (plain values; see rebalancer.h).
#pragma once

#include "core/base/clock.h"
#include "core/base/fixed_point.h"

namespace hs::engine {

struct RebalancerParams {
  Nanos interval = Nanos::FromMillis(1000);  // how often it looks (input time)
  Notional min_trade;                        // smaller corrections wait
  Notional max_trade;                        // per order
  Rate max_cost;                             // all-in cost vs the reference, as a fraction
  Notional pace_per_min;                     // notional per minute of input time
  Nanos max_book_age = Nanos::FromMillis(2000);  // a book older than this is not walked
};

}  // namespace hs::engine
