#include "core/engine/basis_carry.h"

namespace hs::engine {
namespace {

using fp_internal::Int128;
constexpr Int128 kRateOne = Rate::kScale;

Qty QtyAt(Notional n, Price ref, Qty lot) noexcept {
  if (!ref.is_positive() || !lot.is_positive()) return Qty::Zero();
  return FloorToLot(QtyForNotional(n, ref, Rounding::kFloor), lot);
}

Notional SpotRoom(const RebalanceView& v, const EngineParams& ep, int vi, InstrumentId inst, Side side, Price ref,
                  Rate max_cost) noexcept {
  const VenueId ven{static_cast<uint8_t>(vi)};
  const InstrumentParams& ip = ep.instrument[inst.value];
  if (side == Side::kBuy) {
    const Rate keep = Rate::FromRaw(Rate::kScale - ep.venue[vi].taker_fee.raw() - max_cost.raw());
    return MulRate(NotionalFromAmount(v.portfolio->available(ven, ip.quote)), keep, Rounding::kFloor);
  }
  return MulNotional(ref, QtyFromAmount(v.portfolio->available(ven, ip.base), Rounding::kFloor), Rounding::kFloor);
}

Notional PerpRoom(const RebalanceView& v, const EngineParams& ep, int vi, InstrumentId inst, Rate max_cost) noexcept {
  const VenueId ven{static_cast<uint8_t>(vi)};
  const Rate keep = Rate::FromRaw(Rate::kScale - ep.venue[vi].taker_fee.raw() - max_cost.raw());
  const AssetId settle = ep.instrument[inst.value].quote;
  Amount m = v.portfolio->available(ven, settle);
  if (v.margin != nullptr) {
    const Amount free_margin = v.margin->available(ven) - v.portfolio->reserved(ven, settle);
    if (free_margin < m) m = free_margin;
  }
  if (m.is_negative()) m = Amount::Zero();
  const Notional quote = MulRate(NotionalFromAmount(m), keep, Rounding::kFloor);
  return Notional::FromRaw(fp_internal::Saturate(
      fp_internal::Div(static_cast<Int128>(quote.raw()) * ep.margin_venue[vi].leverage.raw(), kRateOne, Rounding::kFloor)));
}

Qty Min(Qty a, Qty b) noexcept { return a < b ? a : b; }

}  // namespace

Qty BasisCarry::carried(AssetId a) const noexcept {
  const Qty s = spot_[a.value], p = short_[a.value];
  const Qty c = s < p ? s : p;
  return c.is_negative() ? Qty::Zero() : c;
}

void BasisCarry::OnFill(AssetId a, VenueId v, bool perp, Side side, Qty qty) noexcept {
  if (!a.valid() || a.value >= kMaxAssets) return;
  if (perp) {
    short_[a.value] += side == Side::kSell ? qty : -qty;
    if (short_[a.value].is_negative()) short_[a.value] = Qty::Zero();
    perp_venue_[a.value] = v;
  } else {
    spot_[a.value] += side == Side::kBuy ? qty : -qty;
    if (spot_[a.value].is_negative()) spot_[a.value] = Qty::Zero();
    spot_venue_[a.value] = v;
  }
  // Both sides unwound: the next entry may choose its venues afresh.
  if (spot_[a.value].is_zero() && short_[a.value].is_zero()) {
    spot_venue_[a.value] = VenueId::Invalid();
    perp_venue_[a.value] = VenueId::Invalid();
  }
}

int BasisCarry::Plan(const RebalanceView& v, Nanos now, PlannedOrder* out, int cap) noexcept {
  next_run_ = now + p_.interval;
  if (!p_.enabled || v.margin == nullptr) return 0;
  ++counters_.runs;
  const EngineParams& ep = *v.params;
  int n = 0;
  for (int ai = 0; ai < ep.assets && n + 2 <= cap; ++ai) {
    const AssetId a{static_cast<uint16_t>(ai)};
    if (a == ep.valuation_asset || !ep.valuation_instrument[ai].valid() || !ep.perp_instrument[ai].valid()) continue;
    if (PlanAsset(v, a, now, &out[n])) n += 2;
  }
  return n;
}

bool BasisCarry::PlanAsset(const RebalanceView& v, AssetId a, Nanos now, PlannedOrder* out) noexcept {
  const EngineParams& ep = *v.params;
  const InstrumentId si = ep.valuation_instrument[a.value];
  const InstrumentId pi = ep.perp_instrument[a.value];
  if (!v.reference->valid(si) || !v.reference->valid(pi)) return false;
  const Price sref = v.reference->value(si);
  const Price pref = v.reference->value(pi);
  auto usable = [&](int vi, InstrumentId inst) {
    const VenueParams& vp = ep.venue[vi];
    return vp.trading && vp.lists[inst.value] && v.can_trade[vi] &&
           v.books->Fresh(VenueId{static_cast<uint8_t>(vi)}, inst, now, p_.max_book_age);
  };
  // The venues: those of the open carry, else the best ones now.
  int pv = perp_venue_[a.value].valid() ? perp_venue_[a.value].value : -1;
  int sv = spot_venue_[a.value].valid() ? spot_venue_[a.value].value : -1;
  if (pv < 0) {
    for (int vi = 0; vi < ep.venues; ++vi) {
      if (!ep.venue[vi].perp || !usable(vi, pi)) continue;
      const VenueId ven{static_cast<uint8_t>(vi)};
      if (pv < 0 || v.margin->funding_rate(ven, pi) > v.margin->funding_rate(VenueId{static_cast<uint8_t>(pv)}, pi)) pv = vi;
    }
  }
  if (sv < 0) {
    for (int vi = 0; vi < ep.venues; ++vi) {
      if (ep.venue[vi].perp || !usable(vi, si)) continue;
      const VenueId ven{static_cast<uint8_t>(vi)};
      if (sv < 0 || v.portfolio->available(ven, ep.instrument[si.value].quote) >
                        v.portfolio->available(VenueId{static_cast<uint8_t>(sv)}, ep.instrument[si.value].quote))
        sv = vi;
    }
  }
  if (pv < 0 || sv < 0 || !usable(pv, pi) || !usable(sv, si)) return false;
  const VenueId pven{static_cast<uint8_t>(pv)}, sven{static_cast<uint8_t>(sv)};
  const Rate rate = v.margin->funding_rate(pven, pi);
  const BookTop& stop = v.books->at(sven, si).top;
  const BookTop& ptop = v.books->at(pven, pi).top;
  if (stop.ask_count == 0 || ptop.bid_count == 0 || stop.bid_count == 0 || ptop.ask_count == 0) return false;
  const Rate sfee = ep.venue[sv].taker_fee, pfee = ep.venue[pv].taker_fee;
  const Qty lot = Max(ep.venue[sv].lot[si.value].is_positive() ? ep.venue[sv].lot[si.value] : ep.instrument[si.value].lot,
                      ep.venue[pv].lot[pi.value].is_positive() ? ep.venue[pv].lot[pi.value] : ep.instrument[pi.value].lot);
  const Qty held = carried(a);
  const Notional held_value = MulNotional(sref, held, Rounding::kCeil);

  const bool exit = !held.is_zero() && rate < p_.exit_funding_rate;
  Side spot_side, perp_side;
  Notional want;
  if (exit) {
    spot_side = Side::kSell;
    perp_side = Side::kBuy;
    want = Min(p_.max_trade, held_value);
  } else {
    // Entry edge: funding + the basis the pair locks in (perp bid over spot ask) − both fees.
    const Price ask = stop.asks[0].px, bid = ptop.bids[0].px;
    const Int128 basis = fp_internal::Div((static_cast<Int128>(bid.raw()) - ask.raw()) * kRateOne, ask.raw(), Rounding::kFloor);
    const Int128 edge = static_cast<Int128>(rate.raw()) + basis - sfee.raw() - pfee.raw();
    if (edge < p_.min_funding_rate.raw() || held_value >= p_.max_notional) return false;
    spot_side = Side::kBuy;
    perp_side = Side::kSell;
    want = Min(p_.max_trade, p_.max_notional - held_value);
    want = Min(want, SpotRoom(v, ep, sv, si, Side::kBuy, sref, p_.max_cost));
    want = Min(want, PerpRoom(v, ep, pv, pi, p_.max_cost));
  }
  Qty qty = QtyAt(want, Max(sref, pref), lot);
  // Unwinding: the whole carry when one step may take it (it is made of whole lots already), so a
  // remainder under one lot's worth of notional is never left behind.
  if (exit) qty = held_value <= p_.max_trade ? held : Min(qty, held);
  const CostWalk sw = spot_side == Side::kBuy
                          ? WalkForCost(Side::kBuy, stop.asks, stop.ask_count, qty, sref, sfee, p_.max_cost, lot)
                          : WalkForCost(Side::kSell, stop.bids, stop.bid_count, qty, sref, sfee, p_.max_cost, lot);
  const CostWalk pw = perp_side == Side::kSell
                          ? WalkForCost(Side::kSell, ptop.bids, ptop.bid_count, qty, pref, pfee, p_.max_cost, lot)
                          : WalkForCost(Side::kBuy, ptop.asks, ptop.ask_count, qty, pref, pfee, p_.max_cost, lot);
  const Qty both = Min(sw.qty, pw.qty);
  const Notional notional = MulNotional(sref, both, Rounding::kFloor);
  if (!both.is_positive() || notional < p_.min_trade ||
      !NotionalAtLeast(sw.limit, both, ep.instrument[si.value].min_notional) ||
      !NotionalAtLeast(pw.limit, both, ep.instrument[pi.value].min_notional)) {
    ++counters_.skipped;
    return false;
  }
  // The perpetual leg first: on entry it is the one margin could still refuse.
  out[0] = PlannedOrder{pven, pi, perp_side, both, pw.limit, MulNotional(pref, both, Rounding::kFloor), pw.cost, false};
  out[1] = PlannedOrder{sven, si, spot_side, both, sw.limit, notional, sw.cost, false};
  if (exit) {
    ++counters_.exits;
  } else {
    ++counters_.entries;
  }
  counters_.notional += notional;
  return true;
}

}  // namespace hs::engine
