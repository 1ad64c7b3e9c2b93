#include "core/engine/portfolio.h"

namespace hs::engine {

void Portfolio::ApplySnapshot(const BalanceUpdate& b) noexcept {
  if (!b.venue.valid() || b.venue.value >= kMaxVenues || !b.asset.valid() || b.asset.value >= kMaxAssets) return;
  free_[b.venue.value][b.asset.value] = b.free;
  locked_[b.venue.value][b.asset.value] = b.locked;
  if (!known_[b.venue.value]) initial_[b.venue.value][b.asset.value] = b.free;
  if (b.final_of_snapshot) known_[b.venue.value] = true;
}

Amount Portfolio::position(AssetId a) const noexcept {
  Amount sum = Amount::Zero();
  if (!a.valid() || a.value >= kMaxAssets) return sum;
  for (int v = 0; v < kMaxVenues; ++v) {
    if (known_[v]) sum += free_[v][a.value] + locked_[v][a.value];
  }
  return sum;
}

void Portfolio::ApplyFill(VenueId v, AssetId base, AssetId quote, Side side, Qty qty, Amount quote_amount,
                          AssetId fee_asset, Amount fee) noexcept {
  if (!v.valid() || v.value >= kMaxVenues || !base.valid() || base.value >= kMaxAssets || !quote.valid() ||
      quote.value >= kMaxAssets)
    return;
  auto& f = free_[v.value];
  const Amount base_amount = AmountFromQty(qty);
  if (side == Side::kBuy) {
    f[base.value] += base_amount;
    f[quote.value] -= quote_amount;
  } else {
    f[base.value] -= base_amount;
    f[quote.value] += quote_amount;
  }
  if (fee_asset.valid() && fee_asset.value < kMaxAssets) f[fee_asset.value] -= fee;
}

}  // namespace hs::engine
