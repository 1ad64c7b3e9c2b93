// hs::engine — cash and carry ([allocation.basis], issue 15): where a perpetual pays more than a
// threshold, hold the asset long spot and short perpetual on top of the target, so the
// portfolio's delta is unchanged while it collects funding.
//
// Rules (all on timer inputs, every `interval`, one step per asset per run):
//  - Entry edge = funding rate per interval + basis now − entry costs, where basis now =
//    (perpetual bid − spot ask) / spot ask (what the pair locks in) and the costs are both
//    legs' taker fees: what the first interval pays, net of what entering costs. The carry
//    opens or adds while edge >= min_funding_rate and the carried value is below max_notional.
//    The perpetual venue is the trading one with the highest funding rate; the spot venue the
//    trading one with the most quote available; both stay fixed while a carry is open.
//  - It unwinds (sell spot, buy the perpetual reduce-only) while the funding rate is below
//    exit_funding_rate (exit < min, so it does not flap).
//  - Each step: at most max_trade, within max_cost on both books, at least min_trade; the
//    spot leg sized by quote available (fee and max_cost kept back), the perpetual leg by
//    margin (available settle × leverage). Two single orders, not a group: an uneven fill is
//    exposure the allocator sees and corrects (only the matched part counts as carried).
//  - Carried quantity: what carry orders filled, spot long and perpetual short tracked apart
//    (OnFill); the carry is min(spot, short). The core removes the carried value from the
//    allocator's holdings (spot venue −, perpetual venue +: the asset's total and NAV
//    unchanged), so the rebalancer neither undoes it nor counts it twice.
// Pure planning, exact fixed point, no clock, no allocation.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/basis_params.h"
#include "core/engine/book_cache.h"
#include "core/engine/engine_params.h"
#include "core/engine/portfolio.h"
#include "core/engine/rebalancer.h"
#include "core/engine/reference_price.h"
#include "core/margin/margin_book.h"

namespace hs::engine {


struct CarryCounters {
  uint64_t runs = 0;
  uint64_t entries = 0;   // steps that opened or added
  uint64_t exits = 0;     // steps that unwound
  uint64_t skipped = 0;   // an edge but no size (cost, depth, balance or min_trade)
  Notional notional;      // planned, both legs counted once (the spot leg's)
};

class BasisCarry {
 public:
  explicit BasisCarry(const BasisParams& p) noexcept : p_(p) {}

  bool Due(Nanos now) const noexcept { return now >= next_run_; }
  // Up to two orders per asset into out (perpetual leg first); `cap` >= 2. Venues in
  // `view.can_trade` only.
  int Plan(const RebalanceView& view, Nanos now, PlannedOrder* out, int cap) noexcept;
  // A fill of a carry order.
  void OnFill(AssetId a, VenueId v, bool perp, Side side, Qty qty) noexcept;

  Qty carried(AssetId a) const noexcept;
  VenueId spot_venue(AssetId a) const noexcept { return spot_venue_[a.value]; }
  VenueId perp_venue(AssetId a) const noexcept { return perp_venue_[a.value]; }
  Qty spot_held(AssetId a) const noexcept { return spot_[a.value]; }
  Qty perp_short(AssetId a) const noexcept { return short_[a.value]; }
  const CarryCounters& counters() const noexcept { return counters_; }

  template <class Ar>
  void Persist(Ar& ar) {
    ar(next_run_);
    ar(spot_);
    ar(short_);
    ar(spot_venue_);
    ar(perp_venue_);
    ar(counters_);
  }

 private:
  bool PlanAsset(const RebalanceView& v, AssetId a, Nanos now, PlannedOrder* out) noexcept;
  BasisParams p_;
  Nanos next_run_;
  std::array<Qty, kMaxAssets> spot_{};   // spot bought by carry orders, net
  std::array<Qty, kMaxAssets> short_{};  // perpetual sold by carry orders, net (positive = short)
  std::array<VenueId, kMaxAssets> spot_venue_{};
  std::array<VenueId, kMaxAssets> perp_venue_{};
  CarryCounters counters_;
};

}  // namespace hs::engine
