// hs::risk — everything a pre-trade check may read (DESIGN §7: Check(intent, RiskContext)).
//
// The decision core fills one per decision from its own parts: views (pointers to arrays it
// owns), never copies. The gate reads nothing else: no clock, no other thread's state. Arrays
// are indexed by dense ids; `venue_position` and `resting` are row-major [venue][...].
#pragma once

#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/margin/margin_book.h"
#include "risk/throttles.h"
#include "risk/trading_state.h"

namespace hs::risk {

// The engine's own resting (GTC) orders on one (venue, instrument): the highest buy and the
// lowest sell price among them (self-trade prevention).
struct RestingTop {
  int buys = 0;
  int sells = 0;
  Price best_buy;   // valid when buys > 0
  Price best_sell;  // valid when sells > 0
};

struct RiskContext {
  Nanos now;                                  // the decision's input time (wall ns)
  const TradingStates* states = nullptr;
  const Price* reference = nullptr;           // [instrument]: the oracle's value
  const bool* reference_valid = nullptr;      // [instrument]: quorum now
  const Amount* position = nullptr;           // [asset]: holding over every venue (free + locked)
  const Amount* venue_position = nullptr;     // [venue * kMaxAssets + asset]
  const int* open_orders = nullptr;           // [venue]: orders sent and not final
  const RestingTop* resting = nullptr;        // [venue * kMaxInstruments + instrument]
  const OrderRateWindow* rate = nullptr;      // [venue]
  const RepeatThrottle* repeat = nullptr;
  const DailyNotional* daily = nullptr;
  // For REDUCING: per asset, the sign of (weight - target) at the allocator's last run (+1 above
  // target, -1 below, 0 in band or unknown); nullptr without allocation.
  const int8_t* drift_sign = nullptr;         // [asset]
  AssetId valuation_asset;
  // Perpetual positions and margin (issue 15): the liquidation check reads distances here.
  // nullptr: no perpetuals configured (the check passes).
  const margin::MarginBook* margin = nullptr;
};

}  // namespace hs::risk
