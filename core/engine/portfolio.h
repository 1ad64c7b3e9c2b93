// hs::engine — balances per venue and asset (free and locked), positions per asset, and
// reservations for orders in flight.
//
// Owned by the decision core. Balances start from each venue's account snapshot and then move
// only with the venue's own fill reports (quote exchanged and fee exactly as the venue accounts
// them), so the core's view equals the venue's. Orders in flight reserve what they could spend,
// so two opportunities never spend the same balance.
//
// free: spendable at the venue; fills move it. locked: held by the venue for its own open
// orders, as the last BalanceUpdate reported it (fills do not move it: the core's orders are
// IOC and settle against free). total = free + locked. position(a) = Σ over venues whose
// first snapshot is complete (known) of total(v, a): what the engine owns of asset a.
// Valuation, average cost and PnL live elsewhere (valuation.h, pnl_ledger.h). Exact integers,
// no allocation.
#pragma once

#include <array>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/messages/messages.h"

namespace hs::engine {

class Portfolio {
 public:
  // Applies one entry of a venue's account snapshot: free and locked are replaced by the
  // venue's values. The first complete snapshot of a venue also fixes its starting balances.
  // Invalid or out-of-range ids are ignored.
  void ApplySnapshot(const BalanceUpdate& b) noexcept;
  bool known(VenueId v) const noexcept { return known_[v.value]; }

  Amount free(VenueId v, AssetId a) const noexcept { return free_[v.value][a.value]; }
  Amount locked(VenueId v, AssetId a) const noexcept { return locked_[v.value][a.value]; }
  Amount total(VenueId v, AssetId a) const noexcept { return free_[v.value][a.value] + locked_[v.value][a.value]; }
  // Σ over known venues of total(v, a); zero for an invalid or out-of-range asset. Kept as
  // balances move, so reading it costs nothing (the risk gate reads it on every intent).
  Amount position(AssetId a) const noexcept {
    return a.valid() && a.value < kMaxAssets ? position_[a.value] : Amount::Zero();
  }
  // Views for the risk context: position by asset, and total by [venue][asset] (row-major).
  const Amount* positions() const noexcept { return position_.data(); }
  const Amount* venue_totals() const noexcept { return total_[0].data(); }
  Amount reserved(VenueId v, AssetId a) const noexcept { return reserved_[v.value][a.value]; }
  Amount available(VenueId v, AssetId a) const noexcept {
    const Amount x = free_[v.value][a.value] - reserved_[v.value][a.value];
    return x.is_negative() ? Amount::Zero() : x;
  }
  // Starting free balance (the venue's first snapshot).
  Amount initial(VenueId v, AssetId a) const noexcept { return initial_[v.value][a.value]; }

  void Reserve(VenueId v, AssetId a, Amount x) noexcept { reserved_[v.value][a.value] += x; }
  void Release(VenueId v, AssetId a, Amount x) noexcept {
    reserved_[v.value][a.value] -= x;
    if (reserved_[v.value][a.value].is_negative()) reserved_[v.value][a.value] = Amount::Zero();
  }

  // Cash moved on venue v without a trade: a perpetual's realized PnL less its fee, funding
  // (issue 15). delta > 0 credits free.
  void Credit(VenueId v, AssetId a, Amount delta) noexcept;

  // A fill of `qty` base for `quote` on venue v; fee charged in fee_asset.
  void ApplyFill(VenueId v, AssetId base, AssetId quote, Side side, Qty qty, Amount quote_amount, AssetId fee_asset,
                 Amount fee) noexcept;

  // Snapshot (core/engine/snapshot.h): every table here is state.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(free_);
    ar(total_);
    ar(position_);
    ar(locked_);
    ar(reserved_);
    ar(initial_);
    ar(known_);
  }

 private:
  void Move(int v, int a, Amount delta) noexcept;  // total_ (and position_ once the venue is known)

  std::array<std::array<Amount, kMaxAssets>, kMaxVenues> free_{};
  std::array<std::array<Amount, kMaxAssets>, kMaxVenues> total_{};  // free + locked
  std::array<Amount, kMaxAssets> position_{};
  std::array<std::array<Amount, kMaxAssets>, kMaxVenues> locked_{};
  std::array<std::array<Amount, kMaxAssets>, kMaxVenues> reserved_{};
  std::array<std::array<Amount, kMaxAssets>, kMaxVenues> initial_{};
  std::array<bool, kMaxVenues> known_{};
};

}  // namespace hs::engine
