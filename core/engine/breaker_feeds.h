// hs::engine — turns the decision core's state into circuit-breaker observations.
//
// A part of the decision core (DESIGN §6–§7), one concern: measuring. Each round (every timer
// input) the core hands it a BreakerInputs view of its own state; Evaluate runs the breakers'
// measurements (integrity and reject windows, volatility ratios, drawdown, the day's loss) and
// feeds one observation per breaker and scope into the BreakerSet, which decides trips and
// clears. The clock check runs on every control input instead (OnControlTime): a step in time is
// caught at the input that shows it. No clock of its own, no allocation; doubles only for the
// volatility statistic.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/reference_price.h"
#include "risk/breaker_metrics.h"
#include "risk/breakers.h"
#include "risk/throttles.h"

namespace hs::engine {

// The vol_spike breaker's measurement: EWMA half-lives (in samples) and the sampling period.
struct VolSpikeParams {
  double short_halflife = 10;
  double long_halflife = 300;
  Nanos sample = Nanos::FromMillis(1000);
  int warmup = 30;
};

struct BreakerInputs {
  Nanos now;
  int venues = 0;
  int instruments = 0;
  const ReferencePrice* reference = nullptr;
  const uint8_t* quorum = nullptr;               // [instrument] (ReferenceParams::min_venues, 0 = 1)
  const bool* lists = nullptr;                   // [venue * kMaxInstruments + instrument]: venue lists it
  const uint64_t* integrity_events = nullptr;    // [venue]: gaps + checksum failures + resyncs, cumulative
  const uint64_t* orders_sent = nullptr;         // [venue], cumulative
  const uint64_t* venue_rejects = nullptr;       // [venue], cumulative
  const Nanos* oldest_unknown = nullptr;         // [venue]: unknown since (0 = none); nullptr = none anywhere
  Amount nav;
  bool nav_complete = false;                     // every held asset priced: NAV is meaningful
  Amount pnl;                                    // in the valuation asset
  Notional residual_notional;                    // leg residuals at the references
  Nanos oldest_residual_age;
};

class BreakerFeeds {
 public:
  // `day_start`: offset of the trading day's start from 00:00 UTC ([risk] day_start_utc).
  BreakerFeeds(const risk::BreakerParams& params, const VolSpikeParams& vol, Nanos day_start) noexcept;

  void Evaluate(const BreakerInputs& in, risk::BreakerSet& set, risk::BreakerEventSink* sink) noexcept;
  // Every control input's time (timers and commands): backwards steps, and jumps between timers.
  void OnControlTime(bool timer, Nanos t, risk::BreakerSet& set, risk::BreakerEventSink* sink) noexcept;

  // Measurements as of the last round, for tests and status.
  double vol_ratio(InstrumentId i) const noexcept { return vol_[i.value].Ratio(); }
  Rate drawdown() const noexcept { return drawdown_.Fraction(); }
  Amount day_pnl_start() const noexcept { return day_pnl_start_; }

  // Snapshot (core/engine/snapshot.h): every measurement window, the drawdown peak, the clock
  // check and the trading day.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(integrity_);
    ar(orders_);
    ar(rejects_);
    ar(vol_);
    ar(drawdown_);
    ar(clock_);
    ar(day_clock_);
    ar(day_);
    ar(day_pnl_start_);
  }

 private:
  risk::BreakerParams p_;
  std::array<risk::CounterWindow, kMaxVenues> integrity_{};
  std::array<risk::CounterWindow, kMaxVenues> orders_{};
  std::array<risk::CounterWindow, kMaxVenues> rejects_{};
  std::array<risk::VolRatio, kMaxInstruments> vol_{};
  risk::Drawdown drawdown_;
  risk::ClockCheck clock_;
  risk::DailyNotional day_clock_;  // only for its day arithmetic
  int64_t day_ = INT64_MIN;
  Amount day_pnl_start_;
};

}  // namespace hs::engine
