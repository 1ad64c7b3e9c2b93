// hs::risk — the measurements behind some breakers, each a small stateful function of input
// times and values (no clock, no allocation):
//   CounterWindow  — how much a cumulative counter rose within a trailing window (integrity storms,
//                    rejects and orders for the reject rate);
//   VolRatio       — short over long EWMA of squared log returns of a price (volatility spike);
//   Drawdown       — NAV against its running peak;
//   ClockCheck     — input time per source going backwards, or the timer's time jumping.
// Statistics use doubles: none of them becomes an order value.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"

namespace hs::risk {

// The rise of a cumulative counter over the trailing window, from samples taken at input
// times. Keeps one value per bucket (window / (kBuckets - 1) wide: the window and one bucket
// more), the counter as that bucket began: the rise is measured from the last sample before
// the oldest bucket still inside the window, so it may include up to one bucket more than the
// window (it never misses a rise inside it; a rise between a sample before the window and one
// inside it counts whole, as it may have happened inside).
class CounterWindow {
 public:
  static constexpr int kBuckets = 60;
  void Configure(Nanos window) noexcept;
  // Records the counter's current cumulative value at `now`. A value below the last one (the
  // source restarted its count) restarts the window from it.
  void Sample(Nanos now, uint64_t cumulative) noexcept;
  // How much the counter rose within the window ending at the last sample.
  uint64_t Rise() const noexcept;

  // Snapshot (core/engine/snapshot.h): the buckets (their width is a param).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(bucket_);
    ar(value_);
    ar(any_);
    ar(last_bucket_);
    ar(last_);
  }

 private:
  Nanos bucket_width_;
  std::array<int64_t, kBuckets> bucket_{};    // bucket number of each slot's sample
  std::array<uint64_t, kBuckets> value_{};    // the counter as that bucket began (the last sample before it)
  bool any_ = false;
  int64_t last_bucket_ = 0;
  uint64_t last_ = 0;
};

// Short and long EWMA of squared log returns of a price sampled every `sample` of input time.
// Ratio() = sqrt(short / long) once `warmup` returns were seen (else 0).
class VolRatio {
 public:
  // Half-lives in samples (> 0); short < long.
  void Configure(Nanos sample, double short_halflife, double long_halflife, int warmup) noexcept;
  void OnPrice(Price p, Nanos now) noexcept;
  double Ratio() const noexcept;
  int returns() const noexcept { return returns_; }

  // Snapshot (core/engine/snapshot.h): both EWMAs bit for bit (sampling and decay are params).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(short_);
    ar(long_);
    ar(last_px_);
    ar(next_);
    ar(returns_);
  }

 private:
  Nanos sample_;
  double a_short_ = 0, a_long_ = 0;
  int warmup_ = 0;
  double short_ = 0, long_ = 0;
  double last_px_ = 0;
  Nanos next_;
  int returns_ = 0;
};

// The running peak of NAV and the drawdown from it, as a fraction (0 at the peak).
class Drawdown {
 public:
  void OnNav(Amount nav) noexcept;
  Rate Fraction() const noexcept;  // (peak - nav) / peak, rounded up; 0 before any positive NAV
  Amount peak() const noexcept { return peak_; }

  template <class Ar>
  void Persist(Ar& ar) {
    ar(peak_);
    ar(last_);
  }

 private:
  Amount peak_;
  Amount last_;
};

// Input time per source (each venue's ring, the control ring): going backwards on one source
// means the wall clock stepped back; the timer source (control) jumping more than max_jump
// between ticks means the clock stepped forward or the engine stalled.
class ClockCheck {
 public:
  static constexpr int kSources = 17;  // venues + control
  void Configure(Nanos max_jump) noexcept { max_jump_ = max_jump; }
  // Returns 0 when fine, else the size of the step in ns (negative: backwards).
  int64_t OnInput(int source, Nanos t) noexcept;
  int64_t OnTimer(Nanos t) noexcept;  // the timer source: backwards or a jump > max_jump

  // Snapshot (core/engine/snapshot.h): the last time per source (the allowed jump is a param).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(last_);
    ar(last_timer_);
  }

 private:
  Nanos max_jump_;
  std::array<int64_t, kSources> last_{};
  int64_t last_timer_ = 0;
};

}  // namespace hs::risk
