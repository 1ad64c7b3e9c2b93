// hs::risk — the pre-trade limits ([risk] in the config), as plain values the app fills in and
// tests build directly. Zero means "no limit" wherever a limit is optional (noted per field).
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"

namespace hs::risk {

struct InstrumentLimits {
  AssetId base;   // what the instrument trades (from the instruments table)
  AssetId quote;
  Qty max_order_qty;            // per order; 0 = the global max_order_qty only
  Notional max_order_notional;  // per order; 0 = the global max_order_notional only
  Notional min_order_notional;  // per order, at the limit price; 0 = none
};

struct VenueLimits {
  // Instrument allowlist: false = this venue may not be sent orders for the instrument.
  std::array<bool, kMaxInstruments> allowed{};
  int max_open_orders = 0;          // orders open at once on the venue; 0 = no limit
  int order_rate = 0;               // new orders + cancels per order_rate_window; 0 = no throttle
  Nanos order_rate_window;          // > 0 when order_rate > 0
  int cancel_reserve = 0;           // of order_rate, kept for cancels: new orders stop at order_rate - cancel_reserve
  // Per asset on this venue: |holding after a complete fill| must stay <= this; 0 = no limit.
  std::array<Amount, kMaxAssets> max_position{};
};

// Liquidation limits (issue 15; [risk.liquidation]): distances are |mark − liq| / mark per
// isolated position, 1 − MM/equity of a cross account (margin/margin_math.h).
// delever_distance < reduce_distance <= min_distance.
struct LiquidationLimits {
  bool enabled = false;
  Rate min_distance;      // pre-trade: a new order may not leave a position closer than this...
                          // ...unless it leaves it no nearer to liquidation (with some distance
                          // left), or is reduce-only and shrinks the position by at most its size
  Rate reduce_distance;   // below: the venue goes REDUCING (the core raises it each breaker round)
  Rate delever_distance;  // below: risk/deleverage.h sends reduce-only IOC orders
  Notional max_delever_notional_per_s;
};

struct Limits {
  int venues = 0;
  int instruments = 0;
  int assets = 0;
  Notional max_order_notional;   // per order, at the limit price rounded up; > 0
  Qty max_order_qty;             // per order; 0 = no cap
  // Price collar: |limit - reference| <= collar × reference. A non-cancel intent with no valid
  // reference is refused. 0 = collar off (the reference is then not required).
  Rate collar;
  // Per asset over every venue: |total holding after a complete fill| <= this; 0 = no limit.
  std::array<Amount, kMaxAssets> max_position{};
  // Repeated-execution throttle: more than repeat_max orders on the same (venue, instrument,
  // side) within repeat_window is refused. 0 = off.
  int repeat_max = 0;
  Nanos repeat_window;
  bool self_trade_prevention = true;
  // Daily traded notional cap (sum over every order sent, at its limit price, in the quote of
  // its instrument); the day starts at day_start (offset from 00:00 UTC). 0 = no cap.
  Notional daily_notional_cap;
  Nanos day_start;  // 0..24h
  std::array<InstrumentLimits, kMaxInstruments> instrument{};
  std::array<VenueLimits, kMaxVenues> venue{};
  LiquidationLimits liquidation;
};

}  // namespace hs::risk
