// hs::engine — valuation: every asset's price in the valuation asset, and NAV.
//
// An asset is valued through the instrument that has it as base and the valuation asset as
// quote (BTC through BTC/USDT when USDT is the valuation asset), at that instrument's reference
// price (reference_price.h). Valuation::Resolve picks those instruments from the instrument
// table once, at startup.
//
// Rules:
//  - The valuation asset is worth exactly 1 (Price::FromUnits(1)); it is always priced, never
//    stale.
//  - Another asset is priced once its instrument has had a valid reference: the price is the
//    reference's value(), the last valid one. Stale(a) is true while the reference has lost its
//    quorum (value() is then the last valid value: valuation goes on, flagged).
//  - An asset with no such instrument (or before its first valid reference) is not priced:
//    PriceOf is zero, it adds nothing to NAV and, when held, makes the NAV incomplete.
//  - NAV values each (asset, venue) total balance of the known venues on its own, rounded down
//    (kFloor, MulPrice's 128-bit product); an asset's value is the sum of its venue values and
//    NAV the sum of the asset values, so the three levels add up exactly. (Valuing a whole
//    position at once can come out above the sum of its venue values by at most
//    venues − 1 raw units: one floor per venue.)
// Exact integers, no allocation; reads the ReferencePrice it was built with, which must outlive it.
#pragma once

#include <array>
#include <span>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/engine_params.h"
#include "core/engine/portfolio.h"
#include "core/engine/reference_price.h"

namespace hs::engine {

struct ValuationParams {
  AssetId valuation_asset;
  // Per asset, the instrument that values it (base = the asset, quote = valuation_asset);
  // Invalid() when there is none (and for the valuation asset itself).
  std::array<InstrumentId, kMaxAssets> instrument{};
};

// The NAV and its parts, in the valuation asset.
struct NavReport {
  Amount nav;
  bool stale = false;     // some held asset was valued at a stale (last valid) reference
  bool complete = true;   // every held asset (non-zero total on a known venue) is priced
  std::array<Amount, kMaxAssets> asset_value{};                          // Σ of venue_value[a]
  std::array<std::array<Amount, kMaxVenues>, kMaxAssets> venue_value{};  // [asset][venue]

  // Snapshot (core/engine/snapshot.h): the core keeps its last report, and decisions read it.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(nav);
    ar(stale);
    ar(complete);
    ar(asset_value);
    ar(venue_value);
  }
};

class Valuation {
 public:
  // For each asset, the first instrument in `instruments` (in id order) with base = the asset
  // and quote = valuation_asset. Entries with invalid or out-of-range assets are skipped.
  static ValuationParams Resolve(AssetId valuation_asset, std::span<const InstrumentParams> instruments) noexcept;

  Valuation(const ValuationParams& p, const ReferencePrice& reference) noexcept : p_(p), ref_(&reference) {}

  AssetId valuation_asset() const noexcept { return p_.valuation_asset; }
  InstrumentId instrument(AssetId a) const noexcept;

  // One unit of `a` in the valuation asset: 1 for the valuation asset, the last valid
  // reference otherwise; zero when not priced.
  Price PriceOf(AssetId a) const noexcept;
  bool Priced(AssetId a) const noexcept;
  // Priced at a reference that has lost its quorum (the last valid value is used).
  bool Stale(AssetId a) const noexcept;
  // amount × PriceOf(a), rounded as named (128-bit product); zero when not priced.
  Amount Value(AssetId a, Amount amount, Rounding r) const noexcept;

  // NAV over venues [0, venues) whose snapshot is known and assets [0, assets) (each clamped
  // to the table size), valued by the rules above.
  NavReport Nav(const Portfolio& portfolio, int venues, int assets) const noexcept;
  // The same into *out, writing only its rows [0, assets) × [0, venues) (the rest keeps what it
  // held, zero for a report only ever filled here): the core's per-timer NAV without clearing and
  // copying the whole 64 × 16 table.
  void NavInto(const Portfolio& portfolio, int venues, int assets, NavReport* out) const noexcept;

 private:
  ValuationParams p_;
  const ReferencePrice* ref_;
};

}  // namespace hs::engine
