#include "venues/sim/sim_margin.h"

#include "venues/sim/sim_market.h"

// How this account plays each venue, beyond what the header says:
//
// The trigger. A position is liquidated when its mark reaches the liquidation price the venue
// publishes for it (liq_price(): the estimate with the fee to close included). Using the
// published price as the trigger makes "liquidated at this mark, not one tick before" exact and
// lets a client that reads the venue's liqPrice know precisely where it stands. In cross mode the
// published price of a position is the mark at which the account's equity, the other positions
// held at their marks, falls to its liquidation margin (Σ MM + fee to close, each by the venue's
// rule), so the per-position trigger is the account's; the account condition is also checked on
// its own for the cases where no positive price exists (a short behind a wallet already gone).
//
// The close.
//   Isolated, Bybit: at the bankruptcy price; the wallet loses exactly the position's margin (the
//     gap between liquidation and bankruptcy price is the venue's, its insurance fund's).
//   Isolated, OKX: at the mark; the wallet loses the loss at mark plus the penalty taker_fee ×
//     value at mark, never more than the position's margin (isolated losses are bounded).
//   Cross (the whole account goes: this simulator does no partial liquidation), positions closed
//     one after another in instrument order:
//     Bybit: each at the account's bankruptcy price for it, the positions not yet closed held at
//       their marks. The first absorbs all the account's equity; for every later one that price
//       is its mark. The wallet ends at (about) zero.
//     OKX: each at its mark, with the penalty taker_fee × value at mark.
//   A wallet left negative is set to zero: the venue's insurance fund takes the deficit.
//
// Funding lands on the wallet (Bybit takes it from the available balance first); an isolated
// position's margin does not change with it.

namespace hs::sim {
namespace {

using fp_internal::Div;
using fp_internal::Int128;
using fp_internal::Saturate;

Qty Abs(Qty q) { return q.is_negative() ? -q : q; }
Amount ToAmount(Notional n) { return AmountFromNotional(n); }

// taker_fee × value, rounded up to 10^-8: the venues report fees with 8 decimals, so the wallet
// changes by exactly what the wire says.
Amount FeeOn(Notional value, Rate fee) { return CeilTo8(ToAmount(MulRate(value, fee, Rounding::kCeil))); }

const margin::Tiers kNoTiers{};

}  // namespace

MarginAccount::MarginAccount(margin::Rule rule, Rate taker_fee, Amount wallet)
    : rule_(rule), taker_fee_(taker_fee), wallet_(wallet) {}

void MarginAccount::AddInstrument(int instrument, const margin::Tiers& tiers) {
  tiers_[instrument] = tiers;
  pos_[instrument];  // flat until the first fill
}

namespace {
bool AnyOpen(const std::map<int, MarginAccount::Position>& pos) {
  for (const auto& [i, p] : pos)
    if (!p.size.is_zero()) return true;
  return false;
}
}  // namespace

bool MarginAccount::SetMode(MarginMode mode) {
  if (AnyOpen(pos_)) return false;
  mode_ = mode;
  return true;
}

bool MarginAccount::SetLeverage(Rate leverage) {
  if (AnyOpen(pos_)) return false;
  if (leverage < Rate::FromUnits(1)) return false;
  // The tier's max leverage is 1 / imr of the lowest tier (the highest leverage any size gets);
  // leverage × imr <= 1 decides it without a division.
  for (const auto& [i, t] : tiers_) {
    if (t.count <= 0 || !t.tier[0].imr.is_positive()) continue;
    if (static_cast<Int128>(leverage.raw()) * t.tier[0].imr.raw() > static_cast<Int128>(Rate::kScale) * Rate::kScale)
      return false;
  }
  leverage_ = leverage;
  return true;
}

const MarginAccount::Position& MarginAccount::position(int instrument) const {
  static const Position kFlat{};
  auto it = pos_.find(instrument);
  return it == pos_.end() ? kFlat : it->second;
}

namespace {
const margin::Tiers& TiersOf(const std::map<int, margin::Tiers>& tiers, int instrument) {
  auto it = tiers.find(instrument);
  return it == tiers.end() ? kNoTiers : it->second;
}
}  // namespace

MarginAccount::Refusal MarginAccount::Check(int instrument, Side side, Qty qty, Price px, bool reduce_only) const {
  auto it = pos_.find(instrument);
  if (it == pos_.end()) return Refusal::kNotPerpetual;
  const Position& p = it->second;
  const bool reduces = margin::Reduces(p.size, side);
  if (reduce_only && !reduces) return Refusal::kReduceOnly;
  // Only the part that opens or increases needs margin: a reducing order (reduce-only ones are
  // capped to the position) always may go, whatever the account's state.
  const Qty held = Abs(p.size);
  const Qty reduced = reduces ? Min(qty, held) : Qty::Zero();
  const Qty opening = qty - reduced;
  if (reduce_only || !opening.is_positive()) return Refusal::kNone;
  // The reducing part of a flip frees its share of margin before the excess opens.
  Amount freed = Amount::Zero();
  if (reduced.is_positive()) {
    if (mode_ == MarginMode::kIsolated) {
      freed = Amount::FromRaw(Saturate(Div(static_cast<Int128>(p.isolated_margin.raw()) * reduced.raw(), held.raw(),
                                           Rounding::kFloor)));
    } else {
      freed = margin::InitialMargin(margin::PositionValue(reduced, p.entry), leverage_);
    }
  }
  const Amount need = margin::InitialMargin(margin::PositionValue(opening, px), leverage_) +
                      FeeOn(MulNotional(px, qty, Rounding::kCeil), taker_fee_);
  return need > available() + freed ? Refusal::kInsufficientMargin : Refusal::kNone;
}

Qty MarginAccount::CapReduceOnly(int instrument, Side side, Qty qty) const {
  auto it = pos_.find(instrument);
  if (it == pos_.end() || !margin::Reduces(it->second.size, side)) return Qty::Zero();
  return Min(qty, Abs(it->second.size));
}

MarginAccount::Booked MarginAccount::Fill(int instrument, Side side, Qty qty, Price px) {
  Position& p = pos_[instrument];
  const Qty held = Abs(p.size);
  const margin::FillResult r = margin::ApplyFill(p.size, p.entry, side, qty, px);
  Booked b;
  b.fee = FeeOn(MulNotional(px, qty, Rounding::kCeil), taker_fee_);
  b.realized = r.realized;
  b.size_after = r.size;
  if (mode_ == MarginMode::kIsolated) {
    // Reduction releases the margin pro rata (all of it when the position closes); what opens
    // (an increase, or a flip's excess) holds its initial margin at the account's leverage.
    if (r.reduced.is_positive()) {
      const Amount freed = r.reduced == held ? p.isolated_margin
                                             : Amount::FromRaw(Saturate(Div(static_cast<Int128>(p.isolated_margin.raw()) *
                                                                                r.reduced.raw(),
                                                                            held.raw(), Rounding::kFloor)));
      p.isolated_margin -= freed;
    }
    const Qty opened = qty - r.reduced;
    if (opened.is_positive()) p.isolated_margin += margin::InitialMargin(margin::PositionValue(opened, px), leverage_);
  }
  p.size = r.size;
  p.entry = r.entry;
  if (p.mark.is_zero()) p.mark = px;  // no mark yet: value the position at its own fill
  p.realized_cum += r.realized;
  p.fees_cum += b.fee;
  p.liquidated = false;
  wallet_ += r.realized - b.fee;
  return b;
}

void MarginAccount::SetMark(int instrument, Price mark) {
  auto it = pos_.find(instrument);
  if (it != pos_.end()) it->second.mark = mark;
}

Amount MarginAccount::SettleFunding(int instrument, Rate rate) {
  auto it = pos_.find(instrument);
  if (it == pos_.end() || it->second.size.is_zero()) return Amount::Zero();
  Position& p = it->second;
  const Amount flow = margin::FundingFlow(p.size, p.mark, rate);
  p.funding_cum += flow;
  wallet_ += flow;
  return flow;
}

Amount MarginAccount::unrealized() const {
  Amount u = Amount::Zero();
  for (const auto& [i, p] : pos_)
    if (!p.size.is_zero()) u += margin::UnrealizedPnl(p.size, p.entry, p.mark);
  return u;
}

Amount MarginAccount::initial_margin() const {
  Amount im = Amount::Zero();
  for (const auto& [i, p] : pos_) {
    if (p.size.is_zero()) continue;
    im += mode_ == MarginMode::kIsolated ? p.isolated_margin
                                         : margin::InitialMargin(margin::PositionValue(p.size, p.entry), leverage_);
  }
  return im;
}

Amount MarginAccount::maint_margin() const {
  Amount mm = Amount::Zero();
  for (const auto& [i, p] : pos_)
    if (!p.size.is_zero()) mm += margin::MaintenanceMargin(TiersOf(tiers_, i), margin::PositionValue(p.size, p.mark));
  return mm;
}

Amount MarginAccount::available() const {
  Amount a = Amount::Zero();
  if (mode_ == MarginMode::kIsolated) {
    a = wallet_;
    for (const auto& [i, p] : pos_) a -= p.isolated_margin;
  } else {
    a = equity() - initial_margin();
  }
  return a.is_negative() ? Amount::Zero() : a;
}

Price MarginAccount::liq_price(int instrument) const {
  auto it = pos_.find(instrument);
  if (it == pos_.end() || it->second.size.is_zero()) return Price::Zero();
  const Position& p = it->second;
  const margin::Tiers& tiers = TiersOf(tiers_, instrument);
  // Bybit's documented formula with the fee to close (at entry value) added to MM: the same as
  // taking the fee off the margin. OKX's derived formula carries the fee term itself (f = taker).
  const Amount close_fee = FeeOn(margin::PositionValue(p.size, p.entry), taker_fee_);
  if (mode_ == MarginMode::kIsolated) {
    margin::Position mp{p.size, p.entry, p.isolated_margin, leverage_};
    if (rule_ == margin::Rule::kBybit) {
      mp.isolated_margin -= close_fee;
      return margin::LiquidationPrice(rule_, mp, tiers, Rate::Zero());
    }
    return margin::LiquidationPrice(rule_, mp, tiers, taker_fee_);
  }
  Amount other = wallet_;
  for (const auto& [j, q] : pos_)
    if (j != instrument && !q.size.is_zero()) other += margin::UnrealizedPnl(q.size, q.entry, q.mark);
  if (rule_ == margin::Rule::kBybit)
    return margin::CrossLiquidationPrice(rule_, p.size, p.entry, other - close_fee, tiers, Rate::Zero());
  return margin::CrossLiquidationPrice(rule_, p.size, p.entry, other, tiers, taker_fee_);
}

namespace {
// Whether the mark has reached the liquidation price on the position's losing side.
bool Reached(Qty size, Price mark, Price liq) {
  if (liq.is_zero() || mark.is_zero()) return false;
  return size.is_positive() ? mark <= liq : mark >= liq;
}
}  // namespace

std::vector<MarginAccount::Liquidation> MarginAccount::CheckLiquidations() {
  std::vector<Liquidation> out;
  if (mode_ == MarginMode::kIsolated) {
    for (auto& [i, p] : pos_) {
      if (p.size.is_zero() || !Reached(p.size, p.mark, liq_price(i))) continue;
      Liquidation l;
      l.instrument = i;
      l.size = p.size;
      l.mark = p.mark;
      if (rule_ == margin::Rule::kBybit) {
        l.close_px = margin::BankruptcyPrice(margin::Position{p.size, p.entry, p.isolated_margin, leverage_});
        l.loss = p.isolated_margin;
      } else {
        l.close_px = p.mark;
        const margin::FillResult r = margin::ApplyFill(p.size, p.entry, p.size.is_positive() ? Side::kSell : Side::kBuy,
                                                       Abs(p.size), p.mark);
        const Amount penalty = FeeOn(margin::PositionValue(p.size, p.mark), taker_fee_);
        l.loss = Min(penalty - r.realized, p.isolated_margin);
        if (l.loss.is_negative()) l.loss = Amount::Zero();
      }
      wallet_ -= l.loss;
      p.realized_cum -= l.loss;
      p.size = Qty::Zero();
      p.entry = Price::Zero();
      p.isolated_margin = Amount::Zero();
      p.liquidated = true;
      ++liquidations_;
      out.push_back(l);
    }
    if (wallet_.is_negative()) wallet_ = Amount::Zero();
    return out;
  }
  // Cross: the account goes when any position's mark reaches its published price, or when
  // equity is at or below the liquidation margin outright.
  bool go = false;
  Amount liq_margin = Amount::Zero();
  for (const auto& [i, p] : pos_) {
    if (p.size.is_zero()) continue;
    go = go || Reached(p.size, p.mark, liq_price(i));
    // Mirrors the formulas behind liq_price(): Bybit MM and fee at entry value; OKX (r + f) at mark.
    const Notional at_entry = margin::PositionValue(p.size, p.entry);
    if (rule_ == margin::Rule::kBybit) {
      liq_margin += margin::MaintenanceMargin(TiersOf(tiers_, i), at_entry) + FeeOn(at_entry, taker_fee_);
    } else {
      const margin::Tier* t = margin::TierFor(TiersOf(tiers_, i), at_entry);
      const Notional at_mark = margin::PositionValue(p.size, p.mark);
      liq_margin += ToAmount(MulRate(at_mark, t ? t->mmr : Rate::Zero(), Rounding::kCeil)) + FeeOn(at_mark, taker_fee_);
    }
  }
  if (liq_margin.is_positive() && equity() <= liq_margin) go = true;
  if (!go) return out;
  for (auto& [i, p] : pos_) {
    if (p.size.is_zero()) continue;
    Liquidation l;
    l.instrument = i;
    l.size = p.size;
    l.mark = p.mark;
    Amount penalty = Amount::Zero();
    if (rule_ == margin::Rule::kBybit) {
      // The account's bankruptcy price for this position: where the equity, the positions not yet
      // closed held at their marks, is zero.
      Amount other = wallet_;
      for (const auto& [j, q] : pos_)
        if (j != i && !q.size.is_zero()) other += margin::UnrealizedPnl(q.size, q.entry, q.mark);
      l.close_px = margin::BankruptcyPrice(margin::Position{p.size, p.entry, other, leverage_});
      // No positive bankruptcy price (equity covers a fall to 0, or a short's is gone): the mark.
      if (l.close_px.is_zero() || other.is_negative()) l.close_px = p.mark;
    } else {
      l.close_px = p.mark;
      penalty = FeeOn(margin::PositionValue(p.size, p.mark), taker_fee_);
    }
    const margin::FillResult r = margin::ApplyFill(p.size, p.entry, p.size.is_positive() ? Side::kSell : Side::kBuy,
                                                   Abs(p.size), l.close_px);
    l.loss = penalty - r.realized;
    wallet_ -= l.loss;
    p.realized_cum -= l.loss;
    p.size = Qty::Zero();
    p.entry = Price::Zero();
    p.liquidated = true;
    ++liquidations_;
    out.push_back(l);
  }
  if (wallet_.is_negative()) wallet_ = Amount::Zero();
  return out;
}

}  // namespace hs::sim
