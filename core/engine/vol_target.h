// hs::engine — volatility targeting: an EWMA of squared log returns per risky asset, and the
// scale it puts on that asset's target weight (DESIGN §6, "Rebalancing").
//
// VolEstimator samples one asset's reference price on a grid of input time (no clock is read:
// `now` is the time of the input that carried the price). Between consecutive samples
// r = ln(p_k / p_{k−1}). The variance σ² starts as the mean of r² over the first
// `warmup_samples` returns, then σ² ← λσ² + (1−λ)r² for each later return, and
// σ_annual = σ·sqrt(365·86400·1000 / sample_ms). After warm-up the asset's target is scaled by
// clamp(annual_vol / σ_annual, min_scale, max_scale).
//
// Sampling rule. The first accepted price starts the grid at its time t0 and is the first
// sample. Grid points are t0 + k·sample_ms. The sample for a grid point g is the latest price
// seen at or before g. A price seen at time `now` >= the next grid point takes one sample:
//   - if several grid points have passed since the last sample (a gap: no prices in between),
//     only the last grid point at or before `now` is sampled, once. The skipped points would
//     all repeat the same stale price, i.e. zero returns that come from missing data rather
//     than a still market, so they are not fed to the estimator; the one return taken spans
//     the gap.
//   - the sampled price is the one at `now` if `now` is exactly that grid point, otherwise the
//     latest price seen before `now`; the price at `now` then becomes the latest price and
//     is sampled at a later grid point.
// The grid then advances to the first point after `now`. A price whose time is earlier than
// the next grid point (including times that go backwards) only updates the latest price.
// Non-positive prices are ignored.
//
// Floating point is allowed here: this is a statistic. It reaches an order only through
// EffectiveWeight(), which rounds it down to a fixed-point Rate, so the same inputs always give
// the same orders. std::log and std::sqrt are deterministic for one binary on one machine, so
// replaying a journal through the same binary is bit-exact; a different compiler, libm or
// -march (FMA contraction) may differ in the last bits of σ and so by one unit of a Rate.
//
// No allocation, no clock; the per-input methods are noexcept.
#pragma once

#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"

namespace hs::engine {

struct VolTargetParams {
  bool enabled = false;
  double annual_vol = 0.5;      // target annualized volatility (0.5 = 50%)
  double lambda = 0.94;         // EWMA decay per sample, in [0, 1)
  int64_t sample_ms = 60'000;   // grid step, in ms of input time
  int warmup_samples = 30;      // returns averaged before the EWMA starts; >= 1
  double min_scale = 0.0;       // clamp of annual_vol / σ_annual
  double max_scale = 1.0;
};

// nullptr when the params are usable, else why not (for config validation; cold path).
// Disabled params are always usable.
const char* ValidateVolTargetParams(const VolTargetParams& p) noexcept;

class VolEstimator {
 public:
  // Disabled: ignores prices, scale() is 1.
  VolEstimator() noexcept = default;
  // REQUIRES: ValidateVolTargetParams(p) == nullptr (checked).
  explicit VolEstimator(const VolTargetParams& p) noexcept;

  // One reference price at input time `now`; samples by the rule in the file comment.
  void OnReference(Price p, Nanos now) noexcept;

  // True once `warmup_samples` returns have been seen (and targeting is enabled).
  bool warmed_up() const noexcept { return warmed_up_; }
  // Prices sampled so far (the first one included) and returns computed (samples − 1).
  int64_t samples() const noexcept { return samples_; }
  int64_t returns() const noexcept { return returns_; }
  // σ² per sample and annualized σ; 0 before warm-up.
  double variance() const noexcept { return variance_; }
  double sigma_annual() const noexcept { return sigma_annual_; }
  // The most recent return (0 before the second sample).
  double last_return() const noexcept { return last_return_; }
  // clamp(annual_vol / σ_annual, min_scale, max_scale) after warm-up; max_scale if σ is 0;
  // 1.0 before warm-up or when disabled.
  double scale() const noexcept { return scale_; }
  // The next grid point (valid once a first price has been seen).
  Nanos next_sample() const noexcept { return next_sample_; }

  const VolTargetParams& params() const noexcept { return params_; }

  // Snapshot (core/engine/snapshot.h): the sampling and the EWMA, bit for bit (the period and the
  // annualizing factor come from params).
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(params_.enabled, "volatility targeting");
    ar(started_);
    ar(next_sample_);
    ar(latest_);
    ar(last_sampled_);
    ar(samples_);
    ar(returns_);
    ar(warmup_sum_);
    ar(variance_);
    ar(sigma_annual_);
    ar(last_return_);
    ar(scale_);
    ar(warmed_up_);
  }

 private:
  void TakeSample(Price p) noexcept;
  void AddReturn(double r) noexcept;

  VolTargetParams params_{};
  int64_t period_ns_ = 0;
  double annualize_ = 0.0;  // sqrt(365·86400·1000 / sample_ms)

  bool started_ = false;
  Nanos next_sample_{};
  Price latest_;        // latest price seen (sampled or not)
  Price last_sampled_;  // price of the last sample

  int64_t samples_ = 0;
  int64_t returns_ = 0;
  double warmup_sum_ = 0.0;  // Σ r² over the warm-up returns
  double variance_ = 0.0;
  double sigma_annual_ = 0.0;
  double last_return_ = 0.0;
  double scale_ = 1.0;
  bool warmed_up_ = false;
};

// A scale as a Rate: floor(scale × 10^8), computed in double and then floored. Not finite or
// <= 0 gives 0; the result is capped at 10^4 (a scale of 10000).
Rate ScaleAsRate(double scale) noexcept;

// weight × scale rounded DOWN to a Rate, deterministically: the scale is first made a Rate by
// ScaleAsRate (floor), then weight.raw × scale_rate.raw / 10^8 is computed in 128 bits and
// floored. The only floating-point step is floor(scale × 10^8).
Rate EffectiveWeight(Rate weight, double scale) noexcept;

}  // namespace hs::engine
