// hs::risk — the state behind the rate checks: order-rate windows per venue, the
// repeated-execution throttle per (venue, instrument, side) and the daily traded notional.
//
// Owned by the decision core: it Records every order it sends (on input time) and hands these
// to the gate, read-only, in the RiskContext. Storage is sized once by Configure (start-up);
// after that nothing allocates. No clock: `now` is always the core's input time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::risk {

// Send times of the last `capacity` orders on one venue (a ring): how many fall inside the
// trailing window is one comparison per order counted, at most capacity.
class OrderRateWindow {
 public:
  // capacity = the venue's order_rate (0 = off: Allows always true, Record does nothing).
  void Configure(int capacity, Nanos window);
  // Orders recorded within (now - window, now]. An order recorded after `now` (input time that
  // stepped back across the core's rings) counts as inside: the throttle never under-counts.
  int CountInWindow(Nanos now) const noexcept;
  // True when fewer than `budget` orders were recorded within the window (budget <= capacity).
  bool Allows(Nanos now, int budget) const noexcept;
  // A time earlier than the newest recorded one is recorded as the newest, so the ring stays
  // in time order (counting stops at the first order outside the window).
  void Record(Nanos now) noexcept;
  int capacity() const noexcept { return static_cast<int>(times_.size()); }
  Nanos window() const noexcept { return window_; }

  // Snapshot (core/engine/snapshot.h): the ring (its capacity comes from params and must match).
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Vector(times_, "order-rate window capacity");
    ar(head_);
    ar(count_);
  }

 private:
  std::vector<Nanos> times_;  // ring, newest at head_ - 1
  size_t head_ = 0;
  size_t count_ = 0;
  Nanos window_;
};

// Per (venue, instrument, side): the last `max` send times; a new order is refused when all
// `max` of them fall inside the window (it would be the max+1-th).
class RepeatThrottle {
 public:
  // max = 0: off. REQUIRES: max <= 65535. A (venue, instrument) outside the configured counts
  // is not tracked: Allows is true, CountInWindow 0, Record does nothing.
  void Configure(int venues, int instruments, int max, Nanos window);
  bool Allows(VenueId v, InstrumentId i, Side s, Nanos now) const noexcept;
  int CountInWindow(VenueId v, InstrumentId i, Side s, Nanos now) const noexcept;
  void Record(VenueId v, InstrumentId i, Side s, Nanos now) noexcept;
  int max() const noexcept { return max_; }
  Nanos window() const noexcept { return window_; }

  // Snapshot (core/engine/snapshot.h): the rings (sized from params, which must match).
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(venues_, "repeat throttle venues");
    ar.Shape(instruments_, "repeat throttle instruments");
    ar.Shape(max_, "repeat throttle max");
    ar.Vector(times_, "repeat throttle ring storage");
    ar.Vector(heads_, "repeat throttle keys");
    ar.Vector(counts_, "repeat throttle keys");
  }

 private:
  size_t Key(VenueId v, InstrumentId i, Side s) const noexcept;
  bool Tracked(VenueId v, InstrumentId i) const noexcept;
  int venues_ = 0;
  int instruments_ = 0;
  int max_ = 0;
  Nanos window_;
  std::vector<Nanos> times_;     // [key][max] rings
  std::vector<uint16_t> heads_;  // [key]
  std::vector<uint16_t> counts_; // [key]
};

// Notional traded since the start of the current trading day. The day starts at `day_start`
// past 00:00 UTC; input times are wall-clock nanoseconds since the epoch.
class DailyNotional {
 public:
  void Configure(Nanos day_start) noexcept { day_start_ = day_start; }
  // What was recorded today as of `now` (zero once a new day has begun).
  Notional used(Nanos now) const noexcept { return DayOf(now) == day_ ? used_ : Notional::Zero(); }
  void Record(Notional n, Nanos now) noexcept;
  // The start of the trading day that contains `now` (wall ns).
  Nanos DayStart(Nanos now) const noexcept;
  int64_t DayOf(Nanos now) const noexcept;

  // Snapshot (core/engine/snapshot.h): the day and its total (the day's start is a param).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(day_);
    ar(used_);
  }

 private:
  Nanos day_start_;
  int64_t day_ = INT64_MIN;
  Notional used_;
};

}  // namespace hs::risk
