#include "core/engine/rebalancer.h"

#include "core/base/check.h"

namespace hs::engine {

namespace {

using fp_internal::Int128;

constexpr Int128 kRateOne = Rate::kScale;

Amount AbsAmount(Amount a) noexcept { return a.is_negative() ? -a : a; }

// Notional of an Amount of the valuation asset (same 10^-9 scale).
Notional AsNotional(Amount a) noexcept { return NotionalFromAmount(a); }

// The instrument that holds asset `a` on venue `vi`: its perpetual on a perpetual venue, else the
// spot pair against the valuation asset (`spot`). Invalid(): the venue cannot hold it.
InstrumentId InstrumentOn(const EngineParams& ep, int vi, AssetId a, InstrumentId spot) noexcept {
  return ep.venue[vi].perp ? ep.perp_instrument[a.value] : spot;
}

// What a venue's balances let one order trade, as notional at `ref`. Spot: quote to buy with
// (the fee and max_cost kept back), base to sell. A perpetual: what reduces the open position,
// plus what the margin opens (available settle × leverage, fee and max_cost kept back).
Notional Capacity(const RebalanceView& v, const EngineParams& ep, int vi, InstrumentId inst, Side side, Price ref,
                  Rate max_cost) noexcept {
  const VenueId ven{static_cast<uint8_t>(vi)};
  const VenueParams& vp = ep.venue[vi];
  const InstrumentParams& ip = ep.instrument[inst.value];
  const Rate keep = Rate::FromRaw(Rate::kScale - vp.taker_fee.raw() - max_cost.raw());
  const Notional quote = MulRate(AsNotional(v.portfolio->available(ven, ip.quote)), keep, Rounding::kFloor);
  if (!ip.perp) {
    if (side == Side::kBuy) return quote;
    return MulNotional(ref, QtyFromAmount(v.portfolio->available(ven, ip.base), Rounding::kFloor), Rounding::kFloor);
  }
  // Margin the venue still has (positions' margin out), less what orders in flight reserved.
  Notional room = quote;
  if (v.margin != nullptr) {
    Amount m = v.margin->available(ven) - v.portfolio->reserved(ven, ip.quote);
    if (m.is_negative()) m = Amount::Zero();
    room = Min(room, MulRate(AsNotional(m), keep, Rounding::kFloor));
  }
  Notional cap = Notional::FromRaw(fp_internal::Saturate(
      fp_internal::Div(static_cast<Int128>(room.raw()) * ep.margin_venue[vi].leverage.raw(), kRateOne, Rounding::kFloor)));
  if (v.margin != nullptr) {
    const Qty size = v.margin->position(ven, inst).size;
    if (margin::Reduces(size, side)) cap += MulNotional(ref, size.is_negative() ? -size : size, Rounding::kFloor);
  }
  return cap;
}

Qty QtyAtRef(Notional n, Price ref, Qty lot) noexcept {
  if (!ref.is_positive() || !lot.is_positive()) return Qty::Zero();
  return FloorToLot(QtyForNotional(n, ref, Rounding::kFloor), lot);
}

}  // namespace

CostWalk WalkForCost(Side side, const Level* levels, int count, Qty want, Price ref, Rate fee, Rate max_cost,
                     Qty lot) noexcept {
  CostWalk w;
  if (!ref.is_positive() || !lot.is_positive() || !want.is_positive()) return w;
  const bool buy = side == Side::kBuy;
  // All-in per unit: a buy pays px × (1 + fee), a sell nets px × (1 − fee). The average of that
  // may be at most ref × (1 + max_cost) for a buy, at least ref × (1 − max_cost) for a sell:
  //   buy:  S × A <= B × Q    sell: S × A >= B × Q
  // with S = Σ px_raw × q_raw, Q = Σ q_raw, A = 1e8 ± fee_raw, B = ref_raw × (1e8 ± cost_raw).
  const Int128 a = buy ? kRateOne + fee.raw() : kRateOne - fee.raw();
  const Int128 b = static_cast<Int128>(ref.raw()) * (buy ? kRateOne + max_cost.raw() : kRateOne - max_cost.raw());
  // No level further than max_cost from the reference (the limit stays within it).
  const Price far = buy ? ref + MulRate(ref, max_cost, Rounding::kFloor) : ref - MulRate(ref, max_cost, Rounding::kFloor);
  Int128 s = 0;
  Int128 q = 0;
  const Int128 want_raw = want.raw();
  for (int k = 0; k < count && q < want_raw; ++k) {
    const Level& l = levels[k];
    if (!l.px.is_positive() || !l.qty.is_positive()) break;
    if (buy ? l.px > far : l.px < far) {
      w.cost_limited = true;
      break;
    }
    Int128 take = l.qty.raw();
    if (take > want_raw - q) take = want_raw - q;
    const Int128 px = l.px.raw();
    // Largest part of this level that keeps the average within the limit.
    const Int128 slope = buy ? a * px - b : b - a * px;  // > 0: this level pulls the average past the limit
    if (slope > 0) {
      const Int128 room = buy ? b * q - a * s : a * s - b * q;  // >= 0 by the invariant
      const Int128 fits = room <= 0 ? 0 : room / slope;
      if (fits < take) {
        take = fits;
        w.cost_limited = true;
      }
    }
    if (take <= 0) break;
    s += px * take;
    q += take;
    w.limit = l.px;
    if (w.cost_limited) break;
  }
  if (q < want_raw && !w.cost_limited) w.depth_limited = true;
  // Down to the lot: the exact prefix of the walk that is a whole number of lots.
  Int128 lots_q = (q / lot.raw()) * lot.raw();
  if (lots_q != q) {
    // Remove the excess from the last levels walked (worst first): recompute the walk's sums.
    Int128 left = lots_q;
    s = 0;
    for (int k = 0; k < count && left > 0; ++k) {
      const Level& l = levels[k];
      const Int128 take = l.qty.raw() < left ? l.qty.raw() : left;
      s += static_cast<Int128>(l.px.raw()) * take;
      left -= take;
      w.limit = l.px;
    }
    q = lots_q;
  }
  if (q <= 0) {
    w.limit = Price::Zero();
    return w;
  }
  w.qty = Qty::FromRaw(static_cast<int64_t>(q));
  w.quote = Amount::FromRaw(fp_internal::Saturate(fp_internal::Div(s, Qty::kScale, buy ? Rounding::kCeil : Rounding::kFloor)));
  // cost = (S × A / Q − ref × 1e8) / ref for a buy, (ref × 1e8 − S × A / Q) / ref for a sell.
  const Int128 num = buy ? s * a - static_cast<Int128>(ref.raw()) * kRateOne * q
                         : static_cast<Int128>(ref.raw()) * kRateOne * q - s * a;
  const Int128 den = static_cast<Int128>(ref.raw()) * q;
  w.cost = Rate::FromRaw(fp_internal::Saturate(fp_internal::Div(num, den, Rounding::kCeil)));
  return w;
}

void Rebalancer::Refill(Nanos now) noexcept {
  if (!started_) {
    started_ = true;
    last_refill_ = now;
    pace_budget_ = p_.pace_per_min;  // a full minute's budget at the start
    return;
  }
  if (now <= last_refill_) return;
  const Int128 add = fp_internal::Div(static_cast<Int128>(p_.pace_per_min.raw()) * (now - last_refill_).value,
                                      Int128{60'000'000'000}, Rounding::kFloor);
  const Int128 total = static_cast<Int128>(pace_budget_.raw()) + add;
  pace_budget_ = Notional::FromRaw(fp_internal::Saturate(total < p_.pace_per_min.raw() ? total : p_.pace_per_min.raw()));
  last_refill_ = now;
}

int Rebalancer::Plan(const RebalanceView& v, Nanos now, PlannedOrder* out, int cap) noexcept {
  next_run_ = now + p_.interval;
  Refill(now);
  ++counters_.runs;
  const Allocator& al = *v.allocator;
  const EngineParams& ep = *v.params;
  if (!al.nav_positive()) return 0;
  int n = 0;
  for (int ai = 0; ai < ep.assets && n + 2 <= cap; ++ai) {
    const AssetId a{static_cast<uint16_t>(ai)};
    if (a == ep.valuation_asset) continue;  // moved by the other assets' trades
    const InstrumentId inst = ep.valuation_instrument[ai];
    if (!inst.valid()) continue;  // (a perpetual's base is valued through its spot pair)
    if (!al.in_band(a)) {
      if (PlanAsset(v, a, inst, now, &out[n])) ++n;
    } else if (al.venues_out_of_band() > 0) {
      if (PlanVenuePair(v, a, inst, now, &out[n])) n += 2;
    }
  }
  counters_.orders += static_cast<uint64_t>(n);
  return n;
}

bool Rebalancer::PlanAsset(const RebalanceView& v, AssetId a, InstrumentId inst, Nanos now, PlannedOrder* out) noexcept {
  const Allocator& al = *v.allocator;
  const EngineParams& ep = *v.params;
  const Amount corr = al.correction(a);
  if (corr.is_zero()) return false;
  const Side side = corr.is_positive() ? Side::kBuy : Side::kSell;
  if (AsNotional(AbsAmount(corr)) < p_.min_trade) {
    ++counters_.waiting_small;
    return false;
  }
  if (pace_budget_ < p_.min_trade) {
    ++counters_.skipped_pace;
    return false;
  }
  Notional want = AsNotional(AbsAmount(corr));
  if (side == Side::kBuy) {
    // What a buy costs leaves NAV: buying X at an all-in cost c moves the weight to
    // (V + X) / (NAV − cX), past the edge E the correction aimed at (V + X = E × NAV). Asking
    // for X × (1 − E × max_cost) <= X / (1 + E × c) keeps it on this side. (A sell's cost
    // leaves its weight above the edge it sells down to: nothing to do.)
    const Rate edge = al.params().trade_to_target ? al.effective_target(a) : al.effective_target(a) + al.band(a);
    const Int128 ec = fp_internal::Div(static_cast<Int128>(edge.raw()) * p_.max_cost.raw(), kRateOne, Rounding::kCeil);
    want = MulRate(want, Rate::FromRaw(static_cast<int64_t>(kRateOne - ec)), Rounding::kFloor);
  }
  want = Min(want, Min(p_.max_trade, pace_budget_));

  // Candidates: every venue that can trade the asset now (its spot pair, or on a perpetual venue
  // its perpetual); the best by venue drift (sell where most over its share, buy where most
  // under), then by cost.
  bool found = false;
  bool any_venue = false;
  bool any_reference = false;
  bool no_reference = false;
  bool cost_cut = false;
  PlannedOrder best{};
  Rate best_drift;
  for (int vi = 0; vi < ep.venues; ++vi) {
    const VenueId ven{static_cast<uint8_t>(vi)};
    const VenueParams& vp = ep.venue[vi];
    const InstrumentId vinst = InstrumentOn(ep, vi, a, inst);
    if (!vinst.valid() || !vp.trading || !vp.lists[vinst.value] || !v.can_trade[vi]) continue;
    // Nothing is sent on a reference that is not valid now (checked before the book's age: a
    // lost quorum is the reason even when the books went with it).
    if (!v.reference->valid(vinst)) {
      no_reference = true;
      continue;
    }
    any_reference = true;
    if (!v.books->Fresh(ven, vinst, now, p_.max_book_age)) continue;
    any_venue = true;
    const Price ref = v.reference->value(vinst);
    const InstrumentParams& ip = ep.instrument[vinst.value];
    const Notional cap = Min(want, Capacity(v, ep, vi, vinst, side, ref, p_.max_cost));
    const Qty lot = vp.lot[vinst.value].is_positive() ? vp.lot[vinst.value] : ip.lot;
    const Qty qty = QtyAtRef(cap, ref, lot);
    if (!qty.is_positive()) continue;
    const BookTop& top = v.books->at(ven, vinst).top;
    const CostWalk w = side == Side::kBuy ? WalkForCost(side, top.asks, top.ask_count, qty, ref, vp.taker_fee, p_.max_cost, lot)
                                          : WalkForCost(side, top.bids, top.bid_count, qty, ref, vp.taker_fee, p_.max_cost, lot);
    cost_cut = cost_cut || w.cost_limited;
    const Notional notional = MulNotional(ref, w.qty, Rounding::kFloor);
    if (!w.qty.is_positive() || notional < p_.min_trade || !NotionalAtLeast(w.limit, w.qty, ip.min_notional)) continue;
    // Sell where most over the share (largest drift), buy where most under (smallest).
    const Rate drift = side == Side::kSell ? al.venue_drift(a, ven) : -al.venue_drift(a, ven);
    if (found && (drift < best_drift || (drift == best_drift && w.cost >= best.cost))) continue;
    found = true;
    best_drift = drift;
    best = PlannedOrder{ven, vinst, side, w.qty, w.limit, notional, w.cost, false};
  }
  if (!found && no_reference && !any_reference) {
    ++counters_.skipped_no_reference;
    return false;
  }
  if (!found) {
    if (!any_venue) {
      ++counters_.skipped_no_venue;
    } else if (cost_cut) {
      ++counters_.skipped_cost;
    } else {
      ++counters_.skipped_depth;
    }
    return false;
  }
  *out = best;
  pace_budget_ -= best.notional;
  counters_.notional += best.notional;
  return true;
}

bool Rebalancer::PlanVenuePair(const RebalanceView& v, AssetId a, InstrumentId inst, Nanos now,
                               PlannedOrder* out) noexcept {
  const Allocator& al = *v.allocator;
  const EngineParams& ep = *v.params;
  // The heaviest venue (most to move off) and the lightest (most to move on) that can trade.
  int heavy = -1, light = -1;
  for (int vi = 0; vi < ep.venues; ++vi) {
    const VenueId ven{static_cast<uint8_t>(vi)};
    const VenueParams& vp = ep.venue[vi];
    const InstrumentId vinst = InstrumentOn(ep, vi, a, inst);
    if (!vinst.valid() || !vp.trading || !vp.lists[vinst.value] || !v.can_trade[vi]) continue;
    if (!v.books->Fresh(ven, vinst, now, p_.max_book_age)) continue;
    const Amount c = al.venue_correction(a, ven);
    if (c.is_negative() && (heavy < 0 || c < al.venue_correction(a, VenueId{static_cast<uint8_t>(heavy)}))) heavy = vi;
    if (c.is_positive() && (light < 0 || c > al.venue_correction(a, VenueId{static_cast<uint8_t>(light)}))) light = vi;
  }
  if (heavy < 0 || light < 0) return false;
  const VenueId hv{static_cast<uint8_t>(heavy)}, lv{static_cast<uint8_t>(light)};
  // The legs' instruments: the same spot pair, or a perpetual on a perpetual venue (moving
  // exposure between spot and perpetual is a venue rebalance too).
  const InstrumentId hinst = InstrumentOn(ep, heavy, a, inst);
  const InstrumentId linst = InstrumentOn(ep, light, a, inst);
  const Notional move = Min(AsNotional(AbsAmount(al.venue_correction(a, hv))), AsNotional(al.venue_correction(a, lv)));
  if (move < p_.min_trade) {
    ++counters_.waiting_small;
    return false;
  }
  if (!v.reference->valid(hinst) || !v.reference->valid(linst)) {
    ++counters_.skipped_no_reference;
    return false;
  }
  if (pace_budget_ < p_.min_trade) {
    ++counters_.skipped_pace;
    return false;
  }
  const Price href = v.reference->value(hinst);
  const Price lref = v.reference->value(linst);
  const Price ref = Max(href, lref);  // sizes the pair: the dearer leg's notional stays within want
  const InstrumentParams& hip = ep.instrument[hinst.value];
  const InstrumentParams& lip = ep.instrument[linst.value];
  const VenueParams& hp = ep.venue[heavy];
  const VenueParams& lp = ep.venue[light];
  Notional want = Min(move, Min(p_.max_trade, pace_budget_));
  // What each venue allows: selling on the heavy one, buying on the light one.
  want = Min(want, Capacity(v, ep, heavy, hinst, Side::kSell, href, p_.max_cost));
  want = Min(want, Capacity(v, ep, light, linst, Side::kBuy, lref, p_.max_cost));
  const Qty lot = Max(hp.lot[hinst.value].is_positive() ? hp.lot[hinst.value] : hip.lot,
                      lp.lot[linst.value].is_positive() ? lp.lot[linst.value] : lip.lot);
  Qty qty = QtyAtRef(want, ref, lot);
  const BookTop& ht = v.books->at(hv, hinst).top;
  const BookTop& lt = v.books->at(lv, linst).top;
  // Each leg within max_cost, then the pair's total within it: shrink by halves until it fits.
  for (int attempt = 0; attempt < 24 && qty.is_positive(); ++attempt) {
    const CostWalk sell = WalkForCost(Side::kSell, ht.bids, ht.bid_count, qty, href, hp.taker_fee, p_.max_cost, lot);
    const CostWalk buy = WalkForCost(Side::kBuy, lt.asks, lt.ask_count, qty, lref, lp.taker_fee, p_.max_cost, lot);
    const Qty both = Min(sell.qty, buy.qty);
    if (!both.is_positive() || MulNotional(ref, both, Rounding::kFloor) < p_.min_trade) {
      if (sell.cost_limited || buy.cost_limited) {
        ++counters_.skipped_cost;
      } else {
        ++counters_.skipped_depth;
      }
      return false;
    }
    if (both != qty) {  // one side had less: walk both again at the common size
      qty = both;
      continue;
    }
    if (sell.cost + buy.cost > p_.max_cost) {
      qty = FloorToLot(Qty::FromRaw(qty.raw() / 2), lot);
      continue;
    }
    if (!NotionalAtLeast(sell.limit, qty, hip.min_notional) || !NotionalAtLeast(buy.limit, qty, lip.min_notional)) {
      ++counters_.skipped_depth;
      return false;
    }
    const Notional notional = MulNotional(ref, qty, Rounding::kFloor);
    // Legs on one instrument form a group (the leg tracker repairs a pair that filled unevenly);
    // a spot leg and a perpetual leg go as two orders: an uneven outcome is exposure the
    // allocator sees at its next run, and corrects.
    out[0] = PlannedOrder{hv, hinst, Side::kSell, qty, sell.limit, MulNotional(href, qty, Rounding::kFloor), sell.cost,
                          hinst == linst};
    out[1] = PlannedOrder{lv, linst, Side::kBuy, qty, buy.limit, MulNotional(lref, qty, Rounding::kFloor), buy.cost, false};
    pace_budget_ -= notional;
    counters_.notional += notional;
    return true;
  }
  ++counters_.skipped_cost;
  return false;
}

}  // namespace hs::engine
