// hs::engine — how the allocation fared over a run: start and end weights, the largest drift,
// when every asset first sat inside its band, and how much of the time after that each asset
// stayed there. Fed once per allocator evaluation (each rebalance run, on input time); read by
// status, the demo's summary and the backtest's summary, which all report the same keys.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/allocator.h"

namespace hs::engine {

class AllocationStats {
 public:
  void OnEvaluate(const Allocator& al, int assets, Nanos now) noexcept;

  bool started() const noexcept { return samples_ > 0; }
  uint64_t samples() const noexcept { return samples_; }
  Amount nav_start() const noexcept { return nav_start_; }
  Amount nav_end() const noexcept { return nav_end_; }
  bool converged() const noexcept { return converged_; }
  Nanos converged_at() const noexcept { return converged_at_; }
  Rate weight_start(AssetId a) const noexcept { return weight_start_[a.value]; }
  Rate weight_end(AssetId a) const noexcept { return weight_end_[a.value]; }
  Rate effective_target_end(AssetId a) const noexcept { return effective_target_end_[a.value]; }
  Rate max_abs_drift(AssetId a) const noexcept { return max_abs_drift_[a.value]; }
  // Share of the samples after convergence (the converging one included) with the asset in its
  // band, in percent with two decimals as a Rate-like fixed point (10000 = 100.00%); 0 before.
  int64_t time_in_band_bp(AssetId a) const noexcept;

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(samples_);
    ar(after_convergence_);
    ar(converged_);
    ar(converged_at_);
    ar(nav_start_);
    ar(nav_end_);
    ar(weight_start_);
    ar(weight_end_);
    ar(effective_target_end_);
    ar(max_abs_drift_);
    ar(in_band_after_);
  }

 private:
  uint64_t samples_ = 0;
  uint64_t after_convergence_ = 0;
  bool converged_ = false;
  Nanos converged_at_;
  Amount nav_start_, nav_end_;
  std::array<Rate, kMaxAssets> weight_start_{}, weight_end_{}, effective_target_end_{}, max_abs_drift_{};
  std::array<uint64_t, kMaxAssets> in_band_after_{};
};

}  // namespace hs::engine
