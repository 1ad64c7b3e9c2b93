// hs::engine — target weights, drift and bands (DESIGN §6, "Rebalancing").
//
// The Allocator compares holdings with targets and says how far each asset (share of NAV) and
// each (asset, venue) (share of the asset held on that venue) is from where it should be, and
// the signed amount that would bring it back. It decides nothing about orders: the rebalancer
// turns corrections into orders (and arbitrage legs into "rebalance legs").
//
// Inputs are plain values so it can be tested alone: AllocatorParams (from config), reference
// prices for volatility targeting (OnReference) and Holdings, every (asset, venue) balance
// already valued in the valuation asset by the caller. Everything below is exact fixed point;
// only the volatility scale is a double, and it becomes a Rate (floored) before it is used.
//
// Evaluate(h), with NAV = Σ over assets and venues of h.value (summed in 128 bits, saturated to
// int64 like every result below):
//   weight(a)            = value(a) / NAV as a Rate, rounded toward zero (128-bit).
//   effective_target(a)  = target(a), or for a risky asset with volatility targeting enabled and
//                          its estimator warmed up, EffectiveWeight(target(a), scale(a)) (floored).
//                          The valuation asset's effective target is its target plus the weight the
//                          risky assets freed, so effective targets sum to exactly 1. If scales
//                          above 1 would push it below 0, the risky effective targets are scaled
//                          down proportionally, each floored, to fit the budget
//                          Σ risky targets + valuation target, and the valuation asset gets the
//                          remainder (>= 0: under 10^-8 per risky asset).
//   drift(a)             = weight(a) − effective_target(a), signed.
//   in_band(a)           = |drift(a)| <= band(a), or the correction below rounds to zero (the
//                          asset is within one raw Amount of its band edge: nothing to move).
//                          The second case exists because weights round toward zero: after a
//                          buy up to the lower edge, the rounded weight can read one 10^-8 below
//                          the edge although the exact gap is under one raw unit; without it the
//                          asset would stay "out of band" with nothing to trade.
//   correction(a)        = 0 in band; otherwise the signed change of the asset's value, in the
//                          valuation asset, that brings it to the band edge it crossed
//                          (effective_target ± band), or to effective_target with
//                          trade_to_target: edge × NAV − value(a), computed exactly from the
//                          value (not from the rounded weight) in 128 bits and rounded toward
//                          zero, so applying it never overshoots the edge. > 0: buy the asset
//                          (move value from the valuation asset into it); < 0: sell it.
//                          For the valuation asset itself it is the net amount the other assets'
//                          trades should move into (> 0) or out of (< 0) it; it cannot be
//                          applied on its own.
//   Applying a correction (moving that value between the asset and the valuation asset, NAV
//   unchanged) leaves the asset in band, never increases |drift| and never crosses the edge
//   (or the target): tests/core/engine/allocator_test.cc checks this on random portfolios.
// Per (asset, venue), against the asset's total value T(a) = Σ_v value(a, v):
//   venue_share(a, v)      = value(a, v) / T(a), a Rate rounded toward zero.
//   venue_drift(a, v)      = venue_share(a, v) − params.venue_share[a][v].
//   venue_in_band(a, v)    = |venue_drift| <= venue_band, or venue_correction rounds to zero.
//   venue_correction(a, v) = 0 in band; otherwise edge × T(a) − value(a, v) rounded toward zero,
//                            edge = target share ± venue_band (or the target share with
//                            trade_to_target): the value of asset a to move onto (> 0) or off
//                            (< 0) venue v, in the valuation asset.
//   An asset with T(a) <= 0 has zero venue shares. One with T(a) <= 0 or with no venue shares
//   configured (all zero) has zero venue drifts and corrections, and every venue in band.
// NAV <= 0: nav_positive() is false and there is nothing to rebalance: weights, drifts and
// corrections are zero and every asset and venue is in band (effective targets are still
// computed). Before the first Evaluate, the same holds with NAV = 0.
//
// No allocation after construction, no clock (time only arrives with OnReference), noexcept on
// the per-input methods. Replay is bit-exact on the same binary (see vol_target.h).
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/vol_target.h"

namespace hs::engine {

struct AllocatorParams {
  int assets = 0;  // assets 0..assets−1 take part
  int venues = 0;  // venues 0..venues−1 take part
  AssetId valuation_asset;
  struct Target {
    Rate weight;  // share of NAV, in [0, 1]; the weights of all assets sum to exactly 1
    Rate band;    // allowed |drift|, in [0, 1]
  };
  std::array<Target, kMaxAssets> target{};
  // Share of each asset held on each venue, in [0, 1]; per asset they sum to exactly 1, or are
  // all zero (no venue targets for that asset).
  std::array<std::array<Rate, kMaxVenues>, kMaxAssets> venue_share{};
  Rate venue_band;
  bool trade_to_target = false;  // corrections go to the target instead of the band edge
  VolTargetParams vol;
  // Assets whose target volatility targeting scales: every asset but the valuation asset,
  // typically (never the valuation asset).
  std::array<bool, kMaxAssets> risky{};
};

// Each (asset, venue) balance valued in the valuation asset, computed by the caller.
struct Holdings {
  std::array<std::array<Amount, kMaxVenues>, kMaxAssets> value{};
};

// nullptr when the params are usable, else why not (for config validation; cold path).
const char* ValidateAllocatorParams(const AllocatorParams& p) noexcept;

class Allocator {
 public:
  // REQUIRES: ValidateAllocatorParams(p) == nullptr (checked).
  explicit Allocator(const AllocatorParams& p) noexcept;

  // A reference price of asset a at input time `now`: feeds that asset's VolEstimator (risky
  // assets only; others and out-of-range ids are ignored). Takes effect at the next Evaluate.
  void OnReference(AssetId a, Price p, Nanos now) noexcept;

  // Recomputes every result below from the holdings (see the file comment).
  void Evaluate(const Holdings& h) noexcept;

  // ---- results of the last Evaluate. REQUIRES: ids in range (DCHECKed).
  bool nav_positive() const noexcept { return nav_positive_; }
  Amount nav() const noexcept { return nav_; }
  Amount asset_value(AssetId a) const noexcept { return asset_value_[Idx(a)]; }
  Rate weight(AssetId a) const noexcept { return weight_[Idx(a)]; }
  Rate target(AssetId a) const noexcept { return params_.target[Idx(a)].weight; }
  Rate band(AssetId a) const noexcept { return params_.target[Idx(a)].band; }
  Rate effective_target(AssetId a) const noexcept { return effective_target_[Idx(a)]; }
  Rate drift(AssetId a) const noexcept { return drift_[Idx(a)]; }
  bool in_band(AssetId a) const noexcept { return in_band_[Idx(a)]; }
  Amount correction(AssetId a) const noexcept { return correction_[Idx(a)]; }
  // The largest |drift| over all assets, and how many assets are out of band.
  Rate max_abs_drift() const noexcept { return max_abs_drift_; }
  int out_of_band() const noexcept { return out_of_band_; }

  Rate venue_share(AssetId a, VenueId v) const noexcept { return venue_share_[Idx(a)][Idx(v)]; }
  Rate venue_drift(AssetId a, VenueId v) const noexcept { return venue_drift_[Idx(a)][Idx(v)]; }
  bool venue_in_band(AssetId a, VenueId v) const noexcept { return venue_in_band_[Idx(a)][Idx(v)]; }
  Amount venue_correction(AssetId a, VenueId v) const noexcept { return venue_correction_[Idx(a)][Idx(v)]; }
  Rate max_abs_venue_drift() const noexcept { return max_abs_venue_drift_; }
  int venues_out_of_band() const noexcept { return venues_out_of_band_; }

  // The volatility scale applied to a's target at the last Evaluate, as a Rate (10^8 = 1):
  // 1 unless a is risky, targeting is enabled and its estimator is warmed up.
  Rate vol_scale(AssetId a) const noexcept { return vol_scale_[Idx(a)]; }
  const VolEstimator& vol(AssetId a) const noexcept { return vol_[Idx(a)]; }

  const AllocatorParams& params() const noexcept { return params_; }

  // Snapshot (core/engine/snapshot.h): the estimators and every result of the last Evaluate
  // (decisions read them until the next one).
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(params_.assets, "allocator assets");
    ar.Shape(params_.venues, "allocator venues");
    ar(vol_);
    ar(nav_positive_);
    ar(nav_);
    ar(max_abs_drift_);
    ar(out_of_band_);
    ar(max_abs_venue_drift_);
    ar(venues_out_of_band_);
    ar(asset_value_);
    ar(weight_);
    ar(effective_target_);
    ar(vol_scale_);
    ar(drift_);
    ar(in_band_);
    ar(correction_);
    ar(venue_share_);
    ar(venue_drift_);
    ar(venue_in_band_);
    ar(venue_correction_);
  }

 private:
  int Idx(AssetId a) const noexcept;
  int Idx(VenueId v) const noexcept;
  void ComputeEffectiveTargets() noexcept;
  // Zero results, everything in band, for assets [0, assets) and venues [0, venues).
  void ClearResults(int assets, int venues) noexcept;

  AllocatorParams params_;
  std::array<VolEstimator, kMaxAssets> vol_{};

  bool nav_positive_ = false;
  Amount nav_;
  Rate max_abs_drift_;
  int out_of_band_ = 0;
  Rate max_abs_venue_drift_;
  int venues_out_of_band_ = 0;
  std::array<Amount, kMaxAssets> asset_value_{};
  std::array<Rate, kMaxAssets> weight_{};
  std::array<Rate, kMaxAssets> effective_target_{};
  std::array<Rate, kMaxAssets> vol_scale_{};
  std::array<Rate, kMaxAssets> drift_{};
  std::array<bool, kMaxAssets> in_band_{};
  std::array<Amount, kMaxAssets> correction_{};
  std::array<std::array<Rate, kMaxVenues>, kMaxAssets> venue_share_{};
  std::array<std::array<Rate, kMaxVenues>, kMaxAssets> venue_drift_{};
  std::array<std::array<bool, kMaxVenues>, kMaxAssets> venue_in_band_{};
  std::array<std::array<Amount, kMaxVenues>, kMaxAssets> venue_correction_{};
};

}  // namespace hs::engine
