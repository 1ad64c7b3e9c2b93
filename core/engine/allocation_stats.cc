#include "core/engine/allocation_stats.h"

namespace hs::engine {

void AllocationStats::OnEvaluate(const Allocator& al, int assets, Nanos now) noexcept {
  if (!al.nav_positive()) return;
  const bool first = samples_ == 0;
  ++samples_;
  if (first) nav_start_ = al.nav();
  nav_end_ = al.nav();
  bool all_in = true;
  for (int a = 0; a < assets; ++a) {
    const AssetId id{static_cast<uint16_t>(a)};
    if (first) weight_start_[a] = al.weight(id);
    weight_end_[a] = al.weight(id);
    effective_target_end_[a] = al.effective_target(id);
    const Rate d = al.drift(id);
    const Rate abs = d.is_negative() ? -d : d;
    if (abs > max_abs_drift_[a]) max_abs_drift_[a] = abs;
    all_in = all_in && al.in_band(id);
  }
  if (!converged_ && all_in) {
    converged_ = true;
    converged_at_ = now;
  }
  if (converged_) {
    ++after_convergence_;
    for (int a = 0; a < assets; ++a) in_band_after_[a] += al.in_band(AssetId{static_cast<uint16_t>(a)});
  }
}

int64_t AllocationStats::time_in_band_bp(AssetId a) const noexcept {
  if (after_convergence_ == 0) return 0;
  return static_cast<int64_t>(in_band_after_[a.value] * 10'000 / after_convergence_);
}

}  // namespace hs::engine
