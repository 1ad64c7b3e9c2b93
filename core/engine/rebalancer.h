// hs::engine — the rebalancer: turns the allocator's drift into orders (DESIGN §6).
//
// Runs on timer inputs only (every `interval` of input time), never per tick. On each run:
//  - Asset drift: an asset outside its band is traded back toward it by one IOC order against
//    the valuation asset (BTC/USDT for BTC when USDT is the valuation asset). Sell where the
//    asset is most over its venue share, buy where it is most under, then at the lowest cost.
//    Size: the allocator's correction, capped by max_trade, the pace budget and the venue's
//    available balance; below min_trade it waits.
//  - Venue drift without asset drift (too much of an asset on one venue, too little on
//    another): a paired sell on the heavy venue and buy on the light one, as one group, when the
//    pair's total cost stays within max_cost.
//  - Cost: the venue's levels are walked for the size; an order's all-in average (price with
//    the taker fee) may differ from the reference by at most max_cost, and no level further than
//    max_cost from the reference is touched, so the limit (the worst level walked) is never
//    further than max_cost from the reference. The size shrinks until both hold; if even
//    min_trade cannot be had the order is skipped and counted (cost or depth).
//  - No valid reference for the instrument: skipped and counted; nothing is sent on a stale one.
//  - Pace: a budget of `pace_per_min` notional per minute of input time (a token bucket holding
//    at most one minute's worth).
// The valuation asset's own venue drift is not traded here (moving cash between venues is a
// transfer, not a trade).
//
// Pure planning: Plan() reads the parts it is given and returns orders; the core passes them
// through risk and the order tracker. Exact fixed point throughout (128-bit walks); no clock;
// no allocation.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/allocator.h"
#include "core/engine/book_cache.h"
#include "core/engine/engine_params.h"
#include "core/engine/rebalancer_params.h"
#include "core/engine/portfolio.h"
#include "core/engine/reference_price.h"
#include "core/margin/margin_book.h"
#include "core/messages/messages.h"

namespace hs::engine {

// The result of walking one side of a book for a size under a cost limit.
struct CostWalk {
  Qty qty;             // what can be had (on the lot), possibly less than asked
  Price limit;         // the worst level touched (the order's limit)
  Amount quote;        // Σ level price × qty, exact (before fees)
  Rate cost;           // all-in cost vs the reference: (avg × (1 ± fee) vs ref) / ref, rounded up
  bool cost_limited = false;   // max_cost cut the size
  bool depth_limited = false;  // the levels ran out before the size
};

// Walks `levels` (asks for a buy, bids for a sell; best first) for up to `want` at reference
// `ref` with taker fee `fee`, keeping the all-in average within max_cost of `ref` and every level
// within max_cost of it. Exact (128-bit): the largest qty (floored to `lot`) that satisfies both.
CostWalk WalkForCost(Side side, const Level* levels, int count, Qty want, Price ref, Rate fee, Rate max_cost,
                     Qty lot) noexcept;

// One order the rebalancer wants; the core assigns client ids and the group.
struct PlannedOrder {
  VenueId venue;
  InstrumentId instrument;
  Side side = Side::kBuy;
  Qty qty;
  Price limit;
  Notional notional;            // qty × reference
  Rate cost;                    // all-in cost vs the reference
  bool paired_with_next = false;  // this and the next order form one group (venue rebalance)
};

struct RebalanceCounters {
  uint64_t runs = 0;
  uint64_t orders = 0;
  uint64_t waiting_small = 0;          // a correction below min_trade
  uint64_t skipped_cost = 0;           // not even min_trade within max_cost
  uint64_t skipped_depth = 0;          // the books hold less than min_trade within reach
  uint64_t skipped_no_reference = 0;   // the instrument's reference is not valid now
  uint64_t skipped_pace = 0;           // the pace budget is below min_trade
  uint64_t skipped_no_venue = 0;       // no venue can trade the instrument now
  Notional notional;                   // Σ planned notional at the reference
};

// What Plan reads. Every pointer is required.
struct RebalanceView {
  const EngineParams* params = nullptr;
  const Allocator* allocator = nullptr;
  const BookCache* books = nullptr;
  const ReferencePrice* reference = nullptr;
  const Portfolio* portfolio = nullptr;
  // Perpetual positions (issue 15); nullptr when no venue trades perpetuals. On a perpetual
  // venue the rebalancer trades the asset's perpetual (EngineParams::perp_instrument) instead of
  // its spot pair, sized by margin (available settle × leverage) plus what reduces the position.
  const margin::MarginBook* margin = nullptr;
  std::array<bool, kMaxVenues> can_trade{};  // connected, balances known, trading state allows
};

class Rebalancer {
 public:
  static constexpr int kMaxPlanned = 2 * kMaxAssets;

  explicit Rebalancer(const RebalancerParams& p) noexcept : p_(p) {}

  // True when a run is due at input time `now`.
  bool Due(Nanos now) const noexcept { return now >= next_run_; }
  // A run that could not plan (holdings not valued yet): try again after the interval.
  void Skip(Nanos now) noexcept { next_run_ = now + p_.interval; }
  // Plans this run's orders into out[0..n), n returned (at most cap). Advances the schedule and
  // spends the pace budget on what it plans. The allocator must have evaluated current holdings.
  int Plan(const RebalanceView& view, Nanos now, PlannedOrder* out, int cap) noexcept;

  const RebalanceCounters& counters() const noexcept { return counters_; }
  Notional pace_budget() const noexcept { return pace_budget_; }
  const RebalancerParams& params() const noexcept { return p_; }

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(next_run_);
    ar(last_refill_);
    ar(started_);
    ar(pace_budget_);
    ar(counters_);
  }

 private:
  void Refill(Nanos now) noexcept;
  // One asset's correction as at most one order; true when it planned one.
  bool PlanAsset(const RebalanceView& v, AssetId a, InstrumentId inst, Nanos now, PlannedOrder* out) noexcept;
  // The pair that moves asset a from its heaviest venue to its lightest; true when planned.
  bool PlanVenuePair(const RebalanceView& v, AssetId a, InstrumentId inst, Nanos now, PlannedOrder* out) noexcept;

  RebalancerParams p_;
  Nanos next_run_;
  Nanos last_refill_;
  bool started_ = false;
  Notional pace_budget_;
  RebalanceCounters counters_{};
};

}  // namespace hs::engine
