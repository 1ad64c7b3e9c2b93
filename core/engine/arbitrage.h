// hs::engine — the cross-venue arbitrage finder: a pure function over two books.
//
// Given the asks of the venue we would buy on and the bids of the venue we would sell on, walk
// both ladders from the top while the marginal unit still earns more than both taker fees plus
// the minimum edge, and return the quantity and the two limit prices (the worst level touched
// on each side) that maximize profit. Because asks rise and bids fall, the marginal profit only
// shrinks as we walk, so the greedy walk is optimal. The caller's caps (balances, max notional,
// lot, min notional) bound the result. Integer arithmetic only; no allocation; no clock.
// Caps are tested by 128-bit multiply-compare; an exact (dividing) limit is computed only when
// a cap actually binds, since each 128-bit division costs ~40 cycles on the hot path.
#pragma once

#include <cstdint>

#include "core/base/fixed_point.h"
#include "core/messages/messages.h"

namespace hs::engine {

struct ArbInputs {
  const Level* asks = nullptr;  // buy venue, best (lowest) first
  int ask_count = 0;
  const Level* bids = nullptr;  // sell venue, best (highest) first
  int bid_count = 0;
  Rate buy_fee;                 // taker fee on the buy venue
  Rate sell_fee;                // taker fee on the sell venue
  Rate min_edge;                // required net edge per unit, as a fraction of the buy price
};

struct ArbCaps {
  Qty max_qty = Qty::Max();      // from the sell venue's base balance and the qty limit
  Notional max_buy_notional = Notional::Max();  // quote to spend on the buy venue, at the limit price, fee included
  Notional max_sell_notional = Notional::Max(); // per-leg notional cap at the sell limit price
  Qty lot;                       // result is floored to this; REQUIRES > 0
  Notional min_notional;         // each leg's notional at its limit price must reach this
};

struct ArbPlan {
  Qty qty;               // zero when there is nothing worth doing
  Price buy_limit;       // IOC buy limit on the buy venue
  Price sell_limit;      // IOC sell limit on the sell venue
  Notional expected_profit;  // net of fees at the walked levels (for telemetry)
  bool crossed = false;  // top of book shows an edge at all (an "opportunity")
  bool capped = false;   // an edge exists but caps reduced the quantity to nothing
};

// Net value per unit after the taker fee: selling at p nets p×(1−fee); buying costs p×(1+fee).
Price NetSellPrice(Price p, Rate fee) noexcept;
Price NetBuyCost(Price p, Rate fee) noexcept;

ArbPlan FindArbitrage(const ArbInputs& in, const ArbCaps& caps) noexcept;

// True when the best ask and best bid alone beat both fees and the minimum edge (the cheap
// test that rules out most ticks before any sizing).
bool TopOfBookPays(const ArbInputs& in) noexcept;

}  // namespace hs::engine
