#include "core/engine/arbitrage_lean.h"

namespace hs::engine {

namespace {

// (fraction × total) as an Amount, rounded toward zero; negative when the fraction is.
Amount FractionOf(Rate f, Amount total) noexcept {
  const fp_internal::Int128 prod = static_cast<fp_internal::Int128>(f.raw()) * total.raw();
  return Amount::FromRaw(fp_internal::Saturate(prod / Rate::kScale));
}

// Venue shares configured for `a` and holdings of it: the lean applies.
bool Applies(const Allocator& al, AssetId a, VenueId buy, VenueId sell) noexcept {
  const AllocatorParams& p = al.params();
  if (!al.nav_positive() || !a.valid() || a.value >= p.assets || buy.value >= p.venues || sell.value >= p.venues)
    return false;
  if (!al.asset_value(a).is_positive()) return false;
  const auto& shares = p.venue_share[a.value];
  for (int v = 0; v < p.venues; ++v)
    if (shares[v].is_positive()) return true;
  return false;
}

}  // namespace

Rate LeanMinEdge(const Allocator& al, AssetId a, VenueId buy, VenueId sell, Rate min_edge) noexcept {
  if (!Applies(al, a, buy, sell)) return min_edge;
  return al.venue_drift(a, buy).is_negative() && al.venue_drift(a, sell).is_positive() ? Rate::Zero() : min_edge;
}

ArbLean LeanArbitrage(const Allocator& al, AssetId a, VenueId buy, VenueId sell, Price ref, Rate min_edge,
                      Qty lot) noexcept {
  ArbLean r;
  r.min_edge = min_edge;
  if (!Applies(al, a, buy, sell) || !ref.is_positive() || !lot.is_positive()) return r;
  const AllocatorParams& p = al.params();
  const Amount total = al.asset_value(a);

  const Rate drift_buy = al.venue_drift(a, buy);
  const Rate drift_sell = al.venue_drift(a, sell);
  r.toward = drift_buy.is_negative() && drift_sell.is_positive();
  if (r.toward) r.min_edge = Rate::Zero();
  // Room before a share leaves its band: the buy venue up to share + band, the sell venue down
  // to share − band. drift = share now − share target, so room = band ∓ drift.
  const Amount room_buy = FractionOf(p.venue_band - drift_buy, total);
  const Amount room_sell = FractionOf(p.venue_band + drift_sell, total);
  const Amount room = Min(room_buy, room_sell);
  if (!room.is_positive()) {
    r.max_qty = Qty::Zero();
    return r;
  }
  r.max_qty = FloorToLot(QtyForNotional(NotionalFromAmount(room), ref, Rounding::kFloor), lot);
  return r;
}

}  // namespace hs::engine
