#include "core/margin/margin_book.h"

namespace hs::margin {
namespace {

using fp_internal::Div;
using fp_internal::Int128;
using fp_internal::Saturate;

Qty Abs(Qty q) noexcept { return q.is_negative() ? -q : q; }

}  // namespace

void MarginBook::Configure(const VenueParams* venues, int venue_count, const InstrumentParams* instruments,
                           int instrument_count, Rate liq_tolerance) {
  venue_count_ = venue_count < kMaxVenues ? venue_count : kMaxVenues;
  instrument_count_ = instrument_count < kMaxInstruments ? instrument_count : kMaxInstruments;
  for (int v = 0; v < venue_count_; ++v) venue_[v] = venues[v];
  for (int i = 0; i < instrument_count_; ++i) inst_[i] = instruments[i];
  tolerance_ = liq_tolerance;
}

bool MarginBook::perp(VenueId v, InstrumentId i) const noexcept {
  return v.valid() && i.valid() && v.value < venue_count_ && i.value < instrument_count_ && venue_[v.value].perp &&
         inst_[i.value].perp;
}

FillResult MarginBook::ApplyFill(VenueId v, InstrumentId i, Side side, Qty qty, Price px, Amount fee) noexcept {
  if (!perp(v, i)) return FillResult{};
  PerpPosition& p = pos_[v.value][i.value];
  const VenueParams& vp = venue_[v.value];
  const Qty before = p.size;
  const FillResult r = margin::ApplyFill(p.size, p.entry, side, qty, px);
  if (vp.mode == MarginMode::kIsolated) {
    // Released pro rata with what the fill took off; the opening part holds IM at leverage.
    if (r.reduced.is_positive() && !before.is_zero()) {
      const Amount release = Amount::FromRaw(Saturate(
          Div(static_cast<Int128>(p.isolated_margin.raw()) * r.reduced.raw(), Abs(before).raw(), Rounding::kFloor)));
      p.isolated_margin -= release;
    }
    const Qty opened = qty - r.reduced;
    if (opened.is_positive()) p.isolated_margin += InitialMargin(PositionValue(opened, px), vp.leverage);
    if (r.size.is_zero()) p.isolated_margin = Amount::Zero();
  }
  p.size = r.size;
  p.entry = r.entry;
  p.realized += r.realized;
  p.fees += fee;
  return r;
}

void MarginBook::ApplyMark(const MarkUpdate& m) noexcept {
  if (!perp(m.venue, m.instrument)) return;
  if ((m.fields & MarkUpdate::kMark) != 0 && m.mark_px.is_positive()) pos_[m.venue.value][m.instrument.value].mark = m.mark_px;
  if ((m.fields & MarkUpdate::kFunding) != 0) funding_rate_[m.venue.value][m.instrument.value] = m.funding_rate;
}

void MarginBook::ApplyFunding(const FundingPayment& f) noexcept {
  if (!perp(f.venue, f.instrument)) return;
  pos_[f.venue.value][f.instrument.value].funding += f.amount;
}

void MarginBook::ApplyAccount(const MarginAccountUpdate& a) noexcept {
  if (!perp_venue(a.venue)) return;
  account_equity_[a.venue.value] = a.equity;
  account_mm_[a.venue.value] = a.maint_margin;
}

bool MarginBook::ApplyPosition(const PositionUpdate& u) noexcept {
  if (!perp(u.venue, u.instrument)) return false;
  PerpPosition& p = pos_[u.venue.value][u.instrument.value];
  p.venue_seen = true;
  p.venue_size = u.size;
  p.venue_liq = u.liq_px;
  if (u.mark_px.is_positive()) p.mark = u.mark_px;
  if (u.liquidated) {
    // The venue closed (part of) it: its size is the truth from here. The loss reaches the
    // wallet through the account snapshot the core asks for after a liquidation.
    ++liquidations_;
    p.size = u.size;
    if (u.size.is_zero()) {
      p.entry = Price::Zero();
      p.isolated_margin = Amount::Zero();
    } else {
      p.entry = u.entry_px;
      p.isolated_margin = u.initial_margin;
    }
    return true;
  }
  if (u.size != p.size) {
    ++size_mismatches_;
    return false;  // fills in flight reach the core after the push: compared again on the next one
  }
  const Price own = LiquidationPrice(u.venue, u.instrument);
  if (u.liq_px.is_positive() && own.is_positive() && p.mark.is_positive()) {
    const int64_t gap = u.liq_px.raw() > own.raw() ? u.liq_px.raw() - own.raw() : own.raw() - u.liq_px.raw();
    const Rate rel = Rate::FromRaw(Saturate(Div(static_cast<Int128>(gap) * Rate::kScale, p.mark.raw(), Rounding::kCeil)));
    if (rel > worst_liq_gap_) worst_liq_gap_ = rel;
    if (rel > tolerance_) ++liq_mismatches_;
  } else if (u.liq_px.is_positive() != own.is_positive() && !u.size.is_zero()) {
    ++liq_mismatches_;  // one side sees a liquidation price, the other none
  }
  return false;
}

void MarginBook::SetWallet(VenueId v, Amount wallet) noexcept {
  if (v.valid() && v.value < venue_count_) wallet_[v.value] = wallet;
}

Amount MarginBook::unrealized(VenueId v) const noexcept {
  Amount sum;
  for (int i = 0; i < instrument_count_; ++i) {
    const PerpPosition& p = pos_[v.value][i];
    if (p.size.is_zero() || !p.mark.is_positive()) continue;
    sum += UnrealizedPnl(p.size, p.entry, p.mark);
  }
  return sum;
}

Amount MarginBook::maint_margin(VenueId v) const noexcept {
  Amount sum;
  for (int i = 0; i < instrument_count_; ++i) {
    const PerpPosition& p = pos_[v.value][i];
    if (p.size.is_zero()) continue;
    const Price px = p.mark.is_positive() ? p.mark : p.entry;
    sum += MaintenanceMargin(inst_[i].tiers, PositionValue(p.size, px));
  }
  return sum;
}

Amount MarginBook::available(VenueId v) const noexcept {
  if (!perp_venue(v)) return Amount::Zero();
  Amount a;
  if (venue_[v.value].mode == MarginMode::kIsolated) {
    a = wallet_[v.value];
    for (int i = 0; i < instrument_count_; ++i) a -= pos_[v.value][i].isolated_margin;
  } else {
    a = equity(v);
    for (int i = 0; i < instrument_count_; ++i) {
      const PerpPosition& p = pos_[v.value][i];
      // Position value at entry (Bybit's positionValue, what the venue holds IM against).
      if (!p.size.is_zero()) a -= InitialMargin(PositionValue(p.size, p.entry), venue_[v.value].leverage);
    }
  }
  return a.is_negative() ? Amount::Zero() : a;
}

Notional MarginBook::gross_notional(VenueId v) const noexcept {
  Notional sum;
  for (int i = 0; i < instrument_count_; ++i) {
    const PerpPosition& p = pos_[v.value][i];
    if (!p.size.is_zero()) sum += PositionValue(p.size, p.mark.is_positive() ? p.mark : p.entry);
  }
  return sum;
}

Price MarginBook::LiquidationPrice(VenueId v, InstrumentId i) const noexcept {
  if (!perp(v, i)) return Price::Zero();
  const PerpPosition& p = pos_[v.value][i.value];
  if (p.size.is_zero()) return Price::Zero();
  const VenueParams& vp = venue_[v.value];
  if (vp.mode == MarginMode::kIsolated) {
    Position pos{p.size, p.entry, p.isolated_margin, vp.leverage};
    return margin::LiquidationPrice(vp.rule, pos, inst_[i.value].tiers, vp.taker_fee);
  }
  // Cross: every other position's PnL stays where it is; this one's margin is the rest of the equity.
  const Amount other = equity(v) - UnrealizedPnl(p.size, p.entry, p.mark.is_positive() ? p.mark : p.entry);
  return CrossLiquidationPrice(vp.rule, p.size, p.entry, other, inst_[i.value].tiers, vp.taker_fee);
}

Rate MarginBook::Distance(VenueId v, InstrumentId i) const noexcept {
  if (!perp(v, i)) return Rate::FromUnits(1);
  const PerpPosition& p = pos_[v.value][i.value];
  if (p.size.is_zero() || !p.mark.is_positive()) return Rate::FromUnits(1);
  if (venue_[v.value].mode == MarginMode::kCross) return CrossDistance(equity(v), maint_margin(v), gross_notional(v));
  return margin::Distance(p.size, p.mark, LiquidationPrice(v, i));
}

Rate MarginBook::VenueDistance(VenueId v) const noexcept {
  if (!perp_venue(v)) return Rate::FromUnits(1);
  if (venue_[v.value].mode == MarginMode::kCross) {
    bool any = false;
    for (int i = 0; i < instrument_count_; ++i)
      any = any || (!pos_[v.value][i].size.is_zero() && pos_[v.value][i].mark.is_positive());
    return any ? CrossDistance(equity(v), maint_margin(v), gross_notional(v)) : Rate::FromUnits(1);
  }
  Rate d = Rate::FromUnits(1);
  for (int i = 0; i < instrument_count_; ++i) {
    const Rate di = Distance(v, InstrumentId{static_cast<uint16_t>(i)});
    if (di < d) d = di;
  }
  return d;
}

Rate MarginBook::DistanceAfter(VenueId v, InstrumentId i, Side side, Qty qty, Price px) const noexcept {
  if (!perp(v, i)) return Rate::FromUnits(1);
  const PerpPosition& p = pos_[v.value][i.value];
  const Price mark = p.mark.is_positive() ? p.mark : px;
  const FillResult r = margin::ApplyFill(p.size, p.entry, side, qty, px);
  if (r.size.is_zero()) {
    if (venue_[v.value].mode == MarginMode::kIsolated) return Rate::FromUnits(1);
  }
  const VenueParams& vp = venue_[v.value];
  const Tiers& tiers = inst_[i.value].tiers;
  if (vp.mode == MarginMode::kIsolated) {
    Amount m = p.isolated_margin;
    if (r.reduced.is_positive() && !p.size.is_zero())
      m -= Amount::FromRaw(Saturate(Div(static_cast<Int128>(m.raw()) * r.reduced.raw(), Abs(p.size).raw(), Rounding::kFloor)));
    const Qty opened = qty - r.reduced;
    if (opened.is_positive()) m += InitialMargin(PositionValue(opened, px), vp.leverage);
    Position pos{r.size, r.entry, m, vp.leverage};
    return margin::Distance(r.size, mark, margin::LiquidationPrice(vp.rule, pos, tiers, vp.taker_fee));
  }
  // Cross: equity after = wallet + realized + every position's PnL at mark with this one replaced;
  // MM after = every position's MM with this one replaced. This position's old terms are taken
  // out exactly as equity() and maint_margin() put them in (no PnL without a mark, MM at entry
  // without one), so a position with no mark yet is not taken out at the order's price.
  const Amount old_upl =
      p.size.is_zero() || !p.mark.is_positive() ? Amount::Zero() : UnrealizedPnl(p.size, p.entry, p.mark);
  const Amount new_upl = r.size.is_zero() ? Amount::Zero() : UnrealizedPnl(r.size, r.entry, mark);
  const Amount eq = equity(v) - old_upl + new_upl + r.realized;
  // Gross notional the same way as gross_notional(): at mark, at entry without one.
  const Price old_px = p.mark.is_positive() ? p.mark : p.entry;
  const Notional old_value = p.size.is_zero() ? Notional::Zero() : PositionValue(p.size, old_px);
  const Notional new_value = r.size.is_zero() ? Notional::Zero() : PositionValue(r.size, mark);
  const Amount old_mm = p.size.is_zero() ? Amount::Zero() : MaintenanceMargin(tiers, old_value);
  const Amount new_mm = r.size.is_zero() ? Amount::Zero() : MaintenanceMargin(tiers, new_value);
  return CrossDistance(eq, maint_margin(v) - old_mm + new_mm, gross_notional(v) - old_value + new_value);
}

Qty MarginBook::delta(AssetId a) const noexcept {
  Qty sum;
  for (int v = 0; v < venue_count_; ++v) {
    if (!venue_[v].perp) continue;
    for (int i = 0; i < instrument_count_; ++i)
      if (inst_[i].perp && inst_[i].base == a) sum += pos_[v][i].size;
  }
  return sum;
}

}  // namespace hs::margin
