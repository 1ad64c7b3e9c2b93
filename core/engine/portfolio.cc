#include "core/engine/portfolio.h"

namespace hs::engine {

void Portfolio::ApplySnapshot(const BalanceUpdate& b) noexcept {
  if (!b.venue.valid() || b.venue.value >= kMaxVenues || !b.asset.valid() || b.asset.value >= kMaxAssets) return;
  const int v = b.venue.value, a = b.asset.value;
  free_[v][a] = b.free;
  locked_[v][a] = b.locked;
  Move(v, a, b.free + b.locked - total_[v][a]);
  if (!known_[v]) initial_[v][a] = b.free;
  if (b.final_of_snapshot && !known_[v]) {
    // From now on the venue counts in positions: add what it holds.
    known_[v] = true;
    for (int k = 0; k < kMaxAssets; ++k) position_[k] += total_[v][k];
  }
}

void Portfolio::Move(int v, int a, Amount delta) noexcept {
  total_[v][a] += delta;
  if (known_[v]) position_[a] += delta;
}

void Portfolio::Credit(VenueId v, AssetId a, Amount delta) noexcept {
  if (!v.valid() || v.value >= kMaxVenues || !a.valid() || a.value >= kMaxAssets) return;
  free_[v.value][a.value] += delta;
  Move(v.value, a.value, delta);
}

void Portfolio::ApplyFill(VenueId v, AssetId base, AssetId quote, Side side, Qty qty, Amount quote_amount,
                          AssetId fee_asset, Amount fee) noexcept {
  if (!v.valid() || v.value >= kMaxVenues || !base.valid() || base.value >= kMaxAssets || !quote.valid() ||
      quote.value >= kMaxAssets)
    return;
  auto& f = free_[v.value];
  const Amount base_amount = AmountFromQty(qty);
  const Amount base_delta = side == Side::kBuy ? base_amount : -base_amount;
  const Amount quote_delta = side == Side::kBuy ? -quote_amount : quote_amount;
  f[base.value] += base_delta;
  f[quote.value] += quote_delta;
  Move(v.value, base.value, base_delta);
  Move(v.value, quote.value, quote_delta);
  if (fee_asset.valid() && fee_asset.value < kMaxAssets) {
    f[fee_asset.value] -= fee;
    Move(v.value, fee_asset.value, -fee);
  }
}

}  // namespace hs::engine
