// DecisionCore's perpetuals (issue 15): fills on the margin book, funding and the venues'
// position and account pushes, liquidation distances, the REDUCING they impose and forced
// deleveraging. Same class as decision_core.cc; this file holds the margin concern's glue, the
// arithmetic lives in core/margin and the deleveraging plan in risk/deleverage.
#include <algorithm>

#include "core/engine/decision_core.h"

namespace hs::engine {

void DecisionCore::ConfigureMargin() {
  margin_.Configure(p_.margin_venue.data(), p_.venues, p_.margin_instrument.data(), p_.instruments, p_.liq_tolerance);
  bool any = false;
  for (int v = 0; v < p_.venues; ++v) {
    any = any || p_.venue[v].perp;
    tel_.margin[v].perp = p_.venue[v].perp;
    tel_.margin[v].mode = static_cast<uint8_t>(p_.margin_venue[v].mode);
  }
  ctx_.margin = any ? &margin_ : nullptr;
  std::array<risk::DeleverInstrument, kMaxInstruments> di{};
  for (int i = 0; i < p_.instruments; ++i)
    di[i] = risk::DeleverInstrument{p_.instrument[i].tick, p_.instrument[i].lot, p_.limits.instrument[i].min_order_notional};
  delever_.Configure(p_.limits.liquidation, p_.limits.collar, di.data(), p_.instruments, p_.venues);
}

void DecisionCore::OnPerpFill(const TrackedOrder& o, const ExecReport& f) noexcept {
  const InstrumentParams& ip = p_.instrument[o.instrument.value];
  const margin::FillResult r = margin_.ApplyFill(o.venue, o.instrument, o.side, f.fill_qty, f.fill_px, f.fee);
  // The wallet (the settle asset's cash) moves by what the fill realized, less its fee; a fee in
  // another asset is charged there.
  const AssetId settle = ip.quote;
  Amount cash = r.realized;
  if (f.fee_asset == settle || !f.fee_asset.valid()) {
    cash -= f.fee;
  } else if (f.fee_asset.value < kMaxAssets) {
    portfolio_.Credit(o.venue, f.fee_asset, -f.fee);
  }
  portfolio_.Credit(o.venue, settle, cash);
  margin_.SetWallet(o.venue, portfolio_.free(o.venue, settle));
  VenueView& vv = tel_.venue[o.venue.value];
  vv.balances[settle.value] = portfolio_.free(o.venue, settle);
  ledger_.OnFee(settle, f.fee, valuation_.Value(settle, f.fee, Rounding::kCeil));
  tel_.fees_quote = ledger_.fees_valuation();
}

void DecisionCore::OnFunding(const FundingPayment& f) noexcept {
  if (!margin_.perp(f.venue, f.instrument)) {
    ++tel_.counters.unknown_exec;
    return;
  }
  margin_.ApplyFunding(f);
  const AssetId settle = p_.instrument[f.instrument.value].quote;
  portfolio_.Credit(f.venue, settle, f.amount);
  margin_.SetWallet(f.venue, portfolio_.free(f.venue, settle));
  tel_.venue[f.venue.value].balances[settle.value] = portfolio_.free(f.venue, settle);
  ++tel_.margin_counters.funding_payments;
  tel_.margin_counters.funding_total += f.amount;
}

void DecisionCore::OnPosition(const PositionUpdate& u) noexcept {
  if (margin_.ApplyPosition(u)) {
    // The venue liquidated: its next account figures carry the wallet the liquidation left.
    liq_pending_[u.venue.value] = true;
  }
}

void DecisionCore::OnMarginAccount(const MarginAccountUpdate& a) noexcept {
  if (!margin_.perp_venue(a.venue) || !a.asset.valid() || a.asset.value >= p_.assets) return;
  margin_.ApplyAccount(a);
  if (liq_pending_[a.venue.value] && portfolio_.known(a.venue)) {
    // A liquidation's loss is the venue's to state: adopt its wallet, as a balance snapshot.
    liq_pending_[a.venue.value] = false;
    BalanceUpdate b;
    b.venue = a.venue;
    b.asset = a.asset;
    b.free = a.wallet_balance;
    b.locked = Amount::Zero();
    portfolio_.ApplySnapshot(b);
    margin_.SetWallet(a.venue, portfolio_.free(a.venue, a.asset));
    tel_.venue[a.venue.value].balances[a.asset.value] = portfolio_.free(a.venue, a.asset);
  }
}

void DecisionCore::RunLiquidation(Nanos now) noexcept {
  bool any_perp = false;
  bool changed = false;
  const risk::LiquidationLimits& lim = p_.limits.liquidation;
  for (int v = 0; v < p_.venues; ++v) {
    if (!p_.venue[v].perp) continue;
    any_perp = true;
    const VenueId vid{static_cast<uint8_t>(v)};
    const Rate d = margin_.VenueDistance(vid);
    bool open = false;
    for (int i = 0; i < p_.instruments; ++i)
      open = open || !margin_.position(vid, InstrumentId{static_cast<uint16_t>(i)}).size.is_zero();
    if (open && d < tel_.margin_counters.min_distance) tel_.margin_counters.min_distance = d;
    // Below reduce_distance the venue only reduces (hysteresis: until back at or above it).
    const bool reducing = lim.enabled && open && d < lim.reduce_distance;
    if (reducing != liq_reducing_[v]) {
      liq_reducing_[v] = reducing;
      changed = true;
    }
    if (reducing) ++tel_.margin_counters.reducing_rounds;
  }
  if (!any_perp) return;
  if (changed) states_changed_ = true;
  if (!lim.enabled || draining_) return;
  OrderIntent planned[kMaxVenues];
  const int n = delever_.Plan(margin_, tel_.reference.data(), tel_.reference_valid.data(), now, planned, kMaxVenues);
  for (int k = 0; k < n; ++k) {
    OrderIntent& in = planned[k];
    in.decision_time = now;
    if (!CanSend(in.venue) || !SendGroup(&in, 1)) {
      ++tel_.margin_counters.delever_refused;
      continue;
    }
    delever_.OnSent(in, now);
    ++tel_.margin_counters.delever_orders;
    tel_.margin_counters.delever_notional += MulNotional(in.limit_px, in.qty, Rounding::kCeil);
  }
}

void DecisionCore::RaiseMarginStates() noexcept {
  for (int v = 0; v < p_.venues; ++v)
    if (liq_reducing_[v]) states_.RaiseVenue(VenueId{static_cast<uint8_t>(v)}, risk::TradingState::kReducing);
}

void DecisionCore::AddPerpHoldings(NavReport* nav) const noexcept {
  // A perpetual holds its base's exposure without owning the base: count size × reference as
  // the base held on that venue, and the settle asset as wallet + unrealized PnL − that value,
  // so NAV = wallet + unrealized PnL and the allocator sees delta (spot + perpetual) per asset.
  for (int v = 0; v < p_.venues; ++v) {
    if (!p_.venue[v].perp || !portfolio_.known(VenueId{static_cast<uint8_t>(v)})) continue;
    const VenueId vid{static_cast<uint8_t>(v)};
    for (int i = 0; i < p_.instruments; ++i) {
      const InstrumentId iid{static_cast<uint16_t>(i)};
      const margin::PerpPosition& pp = margin_.position(vid, iid);
      if (pp.size.is_zero() || !p_.instrument[i].perp) continue;
      const InstrumentParams& ip = p_.instrument[i];
      if (!valuation_.Priced(ip.base)) {
        nav->complete = false;
        continue;
      }
      const Amount exposure = valuation_.Value(ip.base, AmountFromQty(pp.size), Rounding::kFloor);
      const Price mark = pp.mark.is_positive() ? pp.mark : valuation_.PriceOf(ip.base);
      const Amount upl = margin::UnrealizedPnl(pp.size, pp.entry, mark);
      const Amount cash = valuation_.Value(ip.quote, upl - exposure, Rounding::kFloor);
      nav->venue_value[ip.base.value][v] += exposure;
      nav->asset_value[ip.base.value] += exposure;
      nav->venue_value[ip.quote.value][v] += cash;
      nav->asset_value[ip.quote.value] += cash;
      nav->nav += exposure + cash;
    }
  }
}

void DecisionCore::ExcludeCarry(Holdings* h) const noexcept {
  if (!carry_) return;
  for (int a = 0; a < p_.assets; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    const Qty c = carry_->carried(aid);
    if (c.is_zero()) continue;
    const VenueId sv = carry_->spot_venue(aid), pv = carry_->perp_venue(aid);
    if (!sv.valid() || !pv.valid()) continue;
    // The spot long and the perpetual short cancel: the same value off one venue and back on
    // the other leaves the asset's total (and NAV) as they were.
    const Amount value = valuation_.Value(aid, AmountFromQty(c), Rounding::kFloor);
    h->value[a][sv.value] -= value;
    h->value[a][pv.value] += value;
  }
}

void DecisionCore::RunCarry(const RebalanceView& view, Nanos now) noexcept {
  PlannedOrder planned[2 * kMaxAssets];
  const int n = carry_->Plan(view, now, planned, 2 * kMaxAssets);
  for (int k = 0; k + 1 < n; k += 2) {
    // The perpetual leg first; the spot leg only if it went (an unhedged spot leg is exposure).
    bool sent = false;
    for (int j = 0; j < 2; ++j) {
      const PlannedOrder& po = planned[k + j];
      OrderIntent in;
      in.venue = po.venue;
      in.instrument = po.instrument;
      in.side = po.side;
      in.tif = TimeInForce::kIoc;
      in.purpose = OrderPurpose::kCarry;
      // Buying the perpetual back only ever closes the carry's short.
      in.reduce_only = p_.instrument[po.instrument.value].perp && po.side == Side::kBuy;
      in.limit_px = po.limit;
      in.qty = po.qty;
      in.decision_time = now;
      if (j == 1 && !sent) break;
      sent = SendGroup(&in, 1);
    }
  }
  const CarryCounters& cc = carry_->counters();
  tel_.margin_counters.carry_entries = cc.entries;
  tel_.margin_counters.carry_exits = cc.exits;
}

void DecisionCore::CopyMargin() noexcept {
  if (carry_) {
    Notional value;
    for (int a = 0; a < p_.assets; ++a) {
      const AssetId aid{static_cast<uint16_t>(a)};
      const Qty c = carry_->carried(aid);
      if (!c.is_zero() && valuation_.Priced(aid)) value += MulNotional(valuation_.PriceOf(aid), c, Rounding::kFloor);
    }
    tel_.margin_counters.carry_value = value;
  }
  tel_.margin_counters.liquidations = margin_.liquidations();
  tel_.margin_counters.liq_mismatches = margin_.liq_mismatches();
  tel_.margin_counters.size_mismatches = margin_.size_mismatches();
  tel_.margin_counters.worst_liq_gap = margin_.worst_liq_gap();
  for (int v = 0; v < p_.venues; ++v) {
    if (!p_.venue[v].perp) continue;
    const VenueId vid{static_cast<uint8_t>(v)};
    MarginView& mv = tel_.margin[v];
    mv.deleveraging = delever_.active(vid);
    mv.wallet = margin_.wallet(vid);
    mv.equity = margin_.equity(vid);
    mv.maint_margin = margin_.maint_margin(vid);
    mv.distance = margin_.VenueDistance(vid);
    for (int i = 0; i < p_.instruments; ++i) {
      const InstrumentId iid{static_cast<uint16_t>(i)};
      if (!margin_.perp(vid, iid)) continue;
      const margin::PerpPosition& pp = margin_.position(vid, iid);
      PerpView& pv = mv.positions[i];
      pv.size = pp.size;
      pv.entry = pp.entry;
      pv.mark = pp.mark;
      pv.liq = margin_.LiquidationPrice(vid, iid);
      pv.venue_liq = pp.venue_liq;
      pv.upl = pp.size.is_zero() || !pp.mark.is_positive() ? Amount::Zero() : margin::UnrealizedPnl(pp.size, pp.entry, pp.mark);
      pv.funding = pp.funding;
      pv.distance = margin_.Distance(vid, iid);
    }
  }
}

}  // namespace hs::engine
