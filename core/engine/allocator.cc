#include "core/engine/allocator.h"

#include "core/base/check.h"

namespace hs::engine {
namespace {

using fp_internal::Int128;
using fp_internal::Saturate;

constexpr int64_t kOne = Rate::kScale;  // a Rate of 1

// part / whole as a Rate, rounded toward zero (C++ integer division truncates). REQUIRES: whole > 0.
Rate RatioTowardZero(Amount part, Amount whole) noexcept {
  const Int128 num = static_cast<Int128>(part.raw()) * Rate::kScale;
  return Rate::FromRaw(Saturate(num / whole.raw()));
}

// edge × whole − part, exactly in 128 bits, then rounded toward zero to an Amount: the change of
// `part` that brings part / whole to `edge` without going past it.
Amount GapToEdge(Rate edge, Amount whole, Amount part) noexcept {
  const Int128 num = static_cast<Int128>(edge.raw()) * whole.raw() - static_cast<Int128>(part.raw()) * Rate::kScale;
  return Amount::FromRaw(Saturate(num / Rate::kScale));
}

Rate Difference(Rate a, Rate b) noexcept {
  return Rate::FromRaw(Saturate(static_cast<Int128>(a.raw()) - b.raw()));
}

Rate Abs(Rate r) noexcept { return Rate::FromRaw(Saturate(r.raw() < 0 ? -static_cast<Int128>(r.raw()) : r.raw())); }

bool InUnitRange(Rate r) noexcept { return r.raw() >= 0 && r.raw() <= kOne; }

// The correction toward the band edge (or the target) for a drift out of band; see allocator.h.
Amount Correction(Rate drift, Rate target, Rate band, bool trade_to_target, Amount whole, Amount part) noexcept {
  Rate edge = target;
  if (!trade_to_target) edge = drift.is_positive() ? target + band : target - band;
  return GapToEdge(edge, whole, part);
}

}  // namespace

const char* ValidateAllocatorParams(const AllocatorParams& p) noexcept {
  if (p.assets < 1 || p.assets > kMaxAssets) return "assets must be in [1, kMaxAssets]";
  if (p.venues < 1 || p.venues > kMaxVenues) return "venues must be in [1, kMaxVenues]";
  if (!p.valuation_asset.valid() || p.valuation_asset.value >= p.assets) return "valuation asset out of range";
  if (p.risky[p.valuation_asset.value]) return "the valuation asset cannot be risky";
  int64_t weight_sum = 0;
  for (int a = 0; a < p.assets; ++a) {
    if (!InUnitRange(p.target[a].weight)) return "target weights must be in [0, 1]";
    if (!InUnitRange(p.target[a].band)) return "bands must be in [0, 1]";
    weight_sum += p.target[a].weight.raw();
    int64_t share_sum = 0;
    for (int v = 0; v < p.venues; ++v) {
      if (!InUnitRange(p.venue_share[a][v])) return "venue shares must be in [0, 1]";
      share_sum += p.venue_share[a][v].raw();
    }
    if (share_sum != 0 && share_sum != kOne) return "an asset's venue shares must sum to exactly 1 (or all be 0)";
  }
  if (weight_sum != kOne) return "target weights must sum to exactly 1";
  if (!InUnitRange(p.venue_band)) return "venue_band must be in [0, 1]";
  return ValidateVolTargetParams(p.vol);
}

Allocator::Allocator(const AllocatorParams& p) noexcept : params_(p) {
  const char* why = ValidateAllocatorParams(p);
  HS_CHECK(why == nullptr, why);
  for (int a = 0; a < params_.assets; ++a) {
    if (params_.risky[a]) vol_[a] = VolEstimator(params_.vol);
  }
  ClearResults(kMaxAssets, kMaxVenues);  // ids past assets/venues read as empty and in band
  ComputeEffectiveTargets();
}

int Allocator::Idx(AssetId a) const noexcept {
  HS_DCHECK(a.valid() && a.value < kMaxAssets, "asset id out of range");
  return a.value;
}

int Allocator::Idx(VenueId v) const noexcept {
  HS_DCHECK(v.valid() && v.value < kMaxVenues, "venue id out of range");
  return v.value;
}

void Allocator::OnReference(AssetId a, Price p, Nanos now) noexcept {
  if (!a.valid() || a.value >= params_.assets || !params_.risky[a.value]) return;
  vol_[a.value].OnReference(p, now);
}

void Allocator::ComputeEffectiveTargets() noexcept {
  const int val = params_.valuation_asset.value;
  Int128 risky_target_sum = 0;
  Int128 risky_effective_sum = 0;
  for (int a = 0; a < params_.assets; ++a) {
    const Rate target = params_.target[a].weight;
    Rate effective = target;
    Rate scale = Rate::FromRaw(kOne);
    if (params_.risky[a]) {
      if (params_.vol.enabled && vol_[a].warmed_up()) {
        scale = ScaleAsRate(vol_[a].scale());
        effective = EffectiveWeight(target, vol_[a].scale());
      }
      risky_target_sum += target.raw();
      risky_effective_sum += effective.raw();
    }
    effective_target_[a] = effective;
    vol_scale_[a] = scale;
  }
  // The valuation asset takes the weight the risky assets freed (or gave up, with scales > 1).
  Int128 val_effective = static_cast<Int128>(params_.target[val].weight.raw()) + risky_target_sum - risky_effective_sum;
  if (val_effective < 0) {
    // Scales above 1 overspent: fit the risky targets into their budget proportionally (each
    // floored); the valuation asset keeps the remainder. risky_effective_sum > budget >= 0 here.
    const Int128 budget = risky_target_sum + params_.target[val].weight.raw();
    Int128 sum = 0;
    for (int a = 0; a < params_.assets; ++a) {
      if (!params_.risky[a]) continue;
      const Int128 scaled = static_cast<Int128>(effective_target_[a].raw()) * budget / risky_effective_sum;
      effective_target_[a] = Rate::FromRaw(static_cast<int64_t>(scaled));
      sum += scaled;
    }
    val_effective = budget - sum;
  }
  effective_target_[val] = Rate::FromRaw(static_cast<int64_t>(val_effective));
}

void Allocator::ClearResults(int assets, int venues) noexcept {
  nav_positive_ = false;
  nav_ = Amount::Zero();
  max_abs_drift_ = Rate::Zero();
  out_of_band_ = 0;
  max_abs_venue_drift_ = Rate::Zero();
  venues_out_of_band_ = 0;
  for (int a = 0; a < assets; ++a) {
    asset_value_[a] = Amount::Zero();
    weight_[a] = Rate::Zero();
    drift_[a] = Rate::Zero();
    in_band_[a] = true;
    correction_[a] = Amount::Zero();
    for (int v = 0; v < venues; ++v) {
      venue_share_[a][v] = Rate::Zero();
      venue_drift_[a][v] = Rate::Zero();
      venue_in_band_[a][v] = true;
      venue_correction_[a][v] = Amount::Zero();
    }
  }
}

void Allocator::Evaluate(const Holdings& h) noexcept {
  const int assets = params_.assets;
  const int venues = params_.venues;
  ClearResults(assets, venues);
  ComputeEffectiveTargets();

  Int128 nav = 0;
  for (int a = 0; a < assets; ++a) {
    Int128 total = 0;
    for (int v = 0; v < venues; ++v) total += h.value[a][v].raw();
    asset_value_[a] = Amount::FromRaw(Saturate(total));
    nav += asset_value_[a].raw();
  }
  nav_ = Amount::FromRaw(Saturate(nav));
  nav_positive_ = nav_.is_positive();
  if (!nav_positive_) return;

  for (int a = 0; a < assets; ++a) {
    const Rate target = effective_target_[a];
    const Rate band = params_.target[a].band;
    weight_[a] = RatioTowardZero(asset_value_[a], nav_);
    drift_[a] = Difference(weight_[a], target);
    const Rate abs_drift = Abs(drift_[a]);
    max_abs_drift_ = Max(max_abs_drift_, abs_drift);
    if (abs_drift <= band) continue;
    correction_[a] = Correction(drift_[a], target, band, params_.trade_to_target, nav_, asset_value_[a]);
    in_band_[a] = correction_[a].is_zero();
    if (!in_band_[a]) ++out_of_band_;
  }

  for (int a = 0; a < assets; ++a) {
    const Amount total = asset_value_[a];
    if (!total.is_positive()) continue;
    bool has_shares = false;
    for (int v = 0; v < venues; ++v) has_shares |= !params_.venue_share[a][v].is_zero();
    for (int v = 0; v < venues; ++v) {
      venue_share_[a][v] = RatioTowardZero(h.value[a][v], total);
      if (!has_shares) continue;
      const Rate target = params_.venue_share[a][v];
      venue_drift_[a][v] = Difference(venue_share_[a][v], target);
      const Rate abs_drift = Abs(venue_drift_[a][v]);
      max_abs_venue_drift_ = Max(max_abs_venue_drift_, abs_drift);
      if (abs_drift <= params_.venue_band) continue;
      venue_correction_[a][v] =
          Correction(venue_drift_[a][v], target, params_.venue_band, params_.trade_to_target, total, h.value[a][v]);
      venue_in_band_[a][v] = venue_correction_[a][v].is_zero();
      if (!venue_in_band_[a][v]) ++venues_out_of_band_;
    }
  }
}

}  // namespace hs::engine
