// hs::risk — forced deleveraging (issue 15, DESIGN §7 "forced deleveraging at a bounded rate
// inside price collars").
//
// When a perpetual venue's distance to liquidation (margin::MarginBook::VenueDistance) falls
// below delever_distance, the deleverager proposes reduce-only IOC orders on that venue's
// positions until the distance is back above reduce_distance (hysteresis: once started it keeps
// going while the distance is below reduce_distance). Each order:
//   - reduces one position (reduce_only = true, purpose kDeleverage), largest notional first
//     among the positions whose own Distance is below reduce_distance: on a cross venue that is
//     every position (they share the account's distance); on an isolated one only the positions
//     in danger (reducing a safe isolated position would not move another's liquidation price);
//   - is priced to cross inside the collar: a sell at reference × (1 − collar/2), a buy at
//     reference × (1 + collar/2), snapped to the tick (sell up, buy down: never outside);
//   - is sized by a token bucket of max_delever_notional_per_s (capacity one second's worth,
//     refilled by input time), the position's size, the lot, the gate's per-order notional cap
//     and the instrument's minimum notional (a remainder below the minimum is closed whole when
//     the budget allows);
//   - at most one deleveraging order in flight per (venue, instrument).
// The core asks on every timer input (Plan), sends what passes the gate, and reports sends and
// endings (OnSent, OnDone). Deterministic: time is the input time `now`. No allocation.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/margin/margin_book.h"
#include "core/messages/messages.h"
#include "risk/limits.h"

namespace hs::risk {

struct DeleverInstrument {
  Price tick;
  Qty lot;
  Notional min_notional;
};

class Deleverager {
 public:
  // `max_order_notional` ([instrument], optional): the per-order notional cap the pre-trade gate
  // applies to the instrument (its own, else the global one), so no order is sized for the gate
  // to refuse; nullptr or 0 = no cap beyond the bucket.
  void Configure(const LiquidationLimits& limits, Rate collar, const DeleverInstrument* instruments,
                 int instrument_count, int venue_count, const Notional* max_order_notional = nullptr) noexcept;

  // Proposes up to `max` intents into `out` (client_id, group and stamps left for the core to
  // fill; venue, instrument, side, tif kIoc, purpose kDeleverage, reduce_only, limit_px, qty
  // set). `reference`/`reference_valid` are per instrument (no valid reference: no order for
  // it). Returns how many.
  int Plan(const margin::MarginBook& book, const Price* reference, const bool* reference_valid, Nanos now,
           OrderIntent* out, int max) noexcept;
  // The core sent `intent` (after the gate): charges the bucket, marks it in flight.
  void OnSent(const OrderIntent& intent, Nanos now) noexcept;
  // A deleveraging order on (venue, instrument) ended (any final report).
  void OnDone(VenueId v, InstrumentId i) noexcept;

  // The venue is deleveraging (between crossing delever_distance and recovering above
  // reduce_distance).
  bool active(VenueId v) const noexcept { return v.valid() && v.value < kMaxVenues && active_[v.value]; }
  uint64_t orders() const noexcept { return orders_; }
  Notional notional() const noexcept { return notional_; }

  template <class Ar>
  void Persist(Ar& ar) {
    ar(active_);
    ar(inflight_);
    ar(tokens_);
    ar(last_refill_);
    ar(orders_);
    ar(notional_);
  }

 private:
  LiquidationLimits limits_;
  Rate collar_;
  int venues_ = 0;
  int instruments_ = 0;
  std::array<DeleverInstrument, kMaxInstruments> inst_{};
  std::array<Notional, kMaxInstruments> max_order_{};  // config, not state: not persisted
  std::array<bool, kMaxVenues> active_{};
  std::array<std::array<bool, kMaxInstruments>, kMaxVenues> inflight_{};
  std::array<Notional, kMaxVenues> tokens_{};  // per venue bucket, in the instruments' quote
  std::array<Nanos, kMaxVenues> last_refill_{};
  uint64_t orders_ = 0;
  Notional notional_;
};

}  // namespace hs::risk
