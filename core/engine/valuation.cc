#include "core/engine/valuation.h"

namespace hs::engine {
namespace {

bool InTable(AssetId a) noexcept { return a.valid() && a.value < kMaxAssets; }

}  // namespace

ValuationParams Valuation::Resolve(AssetId valuation_asset, std::span<const InstrumentParams> instruments) noexcept {
  ValuationParams p;
  p.valuation_asset = valuation_asset;
  if (!InTable(valuation_asset)) return p;
  const size_t n = instruments.size() < static_cast<size_t>(kMaxInstruments) ? instruments.size()
                                                                             : static_cast<size_t>(kMaxInstruments);
  for (size_t i = 0; i < n; ++i) {
    const InstrumentParams& ip = instruments[i];
    if (ip.quote != valuation_asset || !InTable(ip.base) || ip.base == valuation_asset) continue;
    if (!p.instrument[ip.base.value].valid()) p.instrument[ip.base.value] = InstrumentId{static_cast<uint16_t>(i)};
  }
  return p;
}

InstrumentId Valuation::instrument(AssetId a) const noexcept {
  return InTable(a) ? p_.instrument[a.value] : InstrumentId::Invalid();
}

Price Valuation::PriceOf(AssetId a) const noexcept {
  if (!InTable(a)) return Price::Zero();
  if (a == p_.valuation_asset) return Price::FromUnits(1);
  const InstrumentId i = p_.instrument[a.value];
  if (!i.valid() || !(ref_->valid(i) || ref_->stale(i))) return Price::Zero();
  return ref_->value(i);
}

bool Valuation::Priced(AssetId a) const noexcept {
  if (!InTable(a)) return false;
  if (a == p_.valuation_asset) return true;
  const InstrumentId i = p_.instrument[a.value];
  return i.valid() && (ref_->valid(i) || ref_->stale(i));
}

bool Valuation::Stale(AssetId a) const noexcept {
  if (!InTable(a) || a == p_.valuation_asset) return false;
  const InstrumentId i = p_.instrument[a.value];
  return i.valid() && ref_->stale(i);
}

Amount Valuation::Value(AssetId a, Amount amount, Rounding r) const noexcept {
  if (InTable(a) && a == p_.valuation_asset) return amount;  // × 1, exact
  const Price price = PriceOf(a);
  return price.is_zero() ? Amount::Zero() : MulPrice(amount, price, r);
}

NavReport Valuation::Nav(const Portfolio& portfolio, int venues, int assets) const noexcept {
  NavReport out;
  NavInto(portfolio, venues, assets, &out);
  return out;
}

void Valuation::NavInto(const Portfolio& portfolio, int venues, int assets, NavReport* out) const noexcept {
  const int nv = venues < 0 ? 0 : (venues > kMaxVenues ? kMaxVenues : venues);
  const int na = assets < 0 ? 0 : (assets > kMaxAssets ? kMaxAssets : assets);
  out->nav = Amount::Zero();
  out->stale = false;
  out->complete = true;
  for (int a = 0; a < na; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    const bool priced = Priced(aid);
    const bool stale = Stale(aid);
    Amount asset_value = Amount::Zero();
    std::array<Amount, kMaxVenues>& row = out->venue_value[a];
    for (int v = 0; v < nv; ++v) {
      row[v] = Amount::Zero();
      const VenueId vid{static_cast<uint8_t>(v)};
      if (!portfolio.known(vid)) continue;
      const Amount total = portfolio.total(vid, aid);
      if (total.is_zero()) continue;
      if (!priced) {
        out->complete = false;
        continue;
      }
      out->stale = out->stale || stale;
      const Amount value = Value(aid, total, Rounding::kFloor);
      row[v] = value;
      asset_value += value;
    }
    out->asset_value[a] = asset_value;
    out->nav += asset_value;
  }
}

}  // namespace hs::engine
