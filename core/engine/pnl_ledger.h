// hs::engine — average cost, realized and unrealized PnL, and fees, per asset, in the
// valuation asset.
//
// The ledger keeps, for every asset other than the valuation asset, the inventory it holds
// (`held`, in the asset) and what that inventory cost (`cost`, in the valuation asset); the
// valuation asset itself is cash: it has no cost basis and no PnL, and calls for it only count
// fees. Exact integers, no allocation, no clock.
//
// Rules:
//  - Starting inventory is marked to market: MarkStart(a, position, price) adds `position` at
//    cost position × price (rounded down, kFloor, as NAV values balances), as if bought then.
//    The core calls it once per asset when the asset's first valid price is known. It adds to
//    what fills already moved, so inventory that arrives later (a venue whose snapshot comes
//    after the mark, a deposit) can be marked the same way: MarkStart(a, position − held(a),
//    price) brings the ledger back to the portfolio's position. A negative position (a
//    withdrawal) leaves the inventory like a sale at that price.
//  - A buy adds its quantity and its value to the inventory; avg_cost = cost / held.
//  - A sell removes cost × qty / held (128-bit product, rounded toward zero), and realizes
//    value − that cost. The rounding remainder (< 1 raw unit per sale) stays in the cost of
//    what is left and is realized when the position closes: over a round trip back to zero,
//    realized = Σ sale values − Σ purchase values exactly.
//  - Selling more than is held opens negative inventory (a short in the ledger: on a spot
//    account it means inventory the ledger was not told of, such as a venue not yet marked).
//    The part that closes the position is realized as above; the excess opens a short at its
//    share of the fill's value (value × excess / qty, the closing share rounded toward zero and
//    the rest to the short), which a later buy (or MarkStart) closes, realizing short proceeds
//    − cover cost. Symmetric for buys against a short. So realized − cost changes by exactly the
//    fill's cash flow, whatever the order of events.
//  - A fee paid in an asset other than the valuation asset is a disposal of that asset, like a
//    sale for fee_in_valuation: held drops by the fee, cost drops pro rata, realized gains
//    fee_in_valuation − cost removed; fees count it too. A fee in the valuation asset only
//    counts in fees. PnL net of fees = realized + unrealized − fees_valuation.
//  - Unrealized = held × price − cost at the valuation's price (the last valid reference, maybe
//    stale; rounded down), zero for an asset that is not priced.
// Consequence (tested): with every fill, fee and mark applied to both the portfolio and the
// ledger, realized + unrealized − fees_valuation equals NAV now − NAV at the marks, exactly,
// when NAV values each asset's position at once; Valuation::Nav floors per venue, which moves it
// by at most (venues − 1) raw units per priced asset at each end.
//
// Fills of instruments quoted in another asset (ETH/BTC valued in USDT): call OnFill for the
// base and, with the opposite side, for the quote asset, both with the same value.
#pragma once

#include <array>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/valuation.h"
#include "core/messages/messages.h"

namespace hs::engine {

class PnlLedger {
 public:
  explicit PnlLedger(AssetId valuation_asset) noexcept : valuation_asset_(valuation_asset) {}

  // Adds starting inventory `position` of `a` at `price` (the rules above). Ignored for the
  // valuation asset, invalid assets and a price <= 0.
  void MarkStart(AssetId a, Amount position, Price price) noexcept;
  // A fill of `qty` (> 0, units of `a` as an Amount) on `side` for `value`: what was paid or
  // received, already in the valuation asset. Ignored for the valuation asset, invalid assets
  // and qty <= 0.
  void OnFill(AssetId a, Side side, Amount qty, Amount value) noexcept;
  // A fee of `fee` units of fee_asset, worth fee_in_valuation.
  void OnFee(AssetId fee_asset, Amount fee, Amount fee_in_valuation) noexcept;

  AssetId valuation_asset() const noexcept { return valuation_asset_; }
  // MarkStart was called (always true for the valuation asset, which needs no mark).
  bool marked(AssetId a) const noexcept;
  Amount held(AssetId a) const noexcept { return In(a) ? s_[a.value].held : Amount::Zero(); }
  Amount cost(AssetId a) const noexcept { return In(a) ? s_[a.value].cost : Amount::Zero(); }
  // cost / held rounded toward zero (positive for a short too); zero when nothing is held.
  Price avg_cost(AssetId a) const noexcept;
  Amount realized(AssetId a) const noexcept { return In(a) ? s_[a.value].realized : Amount::Zero(); }
  Amount realized_total() const noexcept { return realized_total_; }
  // Fees paid in asset a, in units of a; and what they were worth in the valuation asset.
  Amount fees(AssetId a) const noexcept { return In(a) ? s_[a.value].fees : Amount::Zero(); }
  Amount fees_valuation(AssetId a) const noexcept { return In(a) ? s_[a.value].fees_valuation : Amount::Zero(); }
  Amount fees_valuation() const noexcept { return fees_valuation_; }

  // held × price − cost; zero for the valuation asset and for an asset `valuation` cannot price.
  // `valuation` must value in this ledger's valuation asset.
  Amount Unrealized(const Valuation& valuation, AssetId a) const noexcept;
  // Σ over assets [0, assets) of Unrealized.
  Amount UnrealizedTotal(const Valuation& valuation, int assets) const noexcept;

  // Snapshot (core/engine/snapshot.h).
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Shape(valuation_asset_.value, "the PnL ledger's valuation asset");
    ar(s_);
    ar(realized_total_);
    ar(fees_valuation_);
  }

 private:
  struct AssetBook {
    Amount held;
    Amount cost;
    Amount realized;
    Amount fees;
    Amount fees_valuation;
    bool marked = false;

    template <class Ar>
    void Persist(Ar& ar) {
      ar(held);
      ar(cost);
      ar(realized);
      ar(fees);
      ar(fees_valuation);
      ar(marked);
    }
  };

  static bool In(AssetId a) noexcept { return a.valid() && a.value < kMaxAssets; }
  bool Tracked(AssetId a) const noexcept { return In(a) && a != valuation_asset_; }
  // Moves asset a's inventory by dq (signed, > 0 in) for a signed cost flow (+ paid, − received).
  void Trade(AssetId a, Amount dq, Amount flow) noexcept;

  AssetId valuation_asset_;
  std::array<AssetBook, kMaxAssets> s_{};
  Amount realized_total_;
  Amount fees_valuation_;
};

}  // namespace hs::engine
