#include "core/engine/portfolio.h"

namespace hs::engine {

void Portfolio::ApplySnapshot(const BalanceUpdate& b) noexcept {
  if (!b.venue.valid() || b.venue.value >= kMaxVenues || !b.asset.valid() || b.asset.value >= kMaxAssets) return;
  free_[b.venue.value][b.asset.value] = b.free;
  if (!known_[b.venue.value]) initial_[b.venue.value][b.asset.value] = b.free;
  if (b.final_of_snapshot) known_[b.venue.value] = true;
}

void Portfolio::ApplyFill(VenueId v, AssetId base, AssetId quote, Side side, Qty qty, Amount quote_amount,
                          AssetId fee_asset, Amount fee) noexcept {
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
