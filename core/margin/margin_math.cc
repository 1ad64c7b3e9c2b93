#include "core/margin/margin_math.h"

namespace hs::margin {
namespace {

using fp_internal::Div;
using fp_internal::Int128;
using fp_internal::Saturate;

constexpr Int128 kRateOne = Rate::kScale;

Qty Abs(Qty q) noexcept { return q.is_negative() ? -q : q; }

// Amount (1e-9) ↔ Notional (1e-9): the same scale, quote units.
Amount ToAmount(Notional n) noexcept { return Amount::FromRaw(n.raw()); }

}  // namespace

const Tier* TierFor(const Tiers& tiers, Notional value) noexcept {
  if (tiers.count <= 0) return nullptr;
  const int n = tiers.count < kMaxTiers ? tiers.count : kMaxTiers;
  for (int i = 0; i < n; ++i)
    if (value <= tiers.tier[i].max_value) return &tiers.tier[i];
  return &tiers.tier[n - 1];
}

Notional PositionValue(Qty size, Price px) noexcept { return MulNotional(px, Abs(size), Rounding::kCeil); }

Amount MaintenanceMargin(const Tiers& tiers, Notional value) noexcept {
  const Tier* t = TierFor(tiers, value);
  if (t == nullptr) return Amount::Zero();
  const Amount mm = ToAmount(MulRate(value, t->mmr, Rounding::kCeil)) - t->deduction;
  return mm.is_negative() ? Amount::Zero() : mm;
}

Amount InitialMargin(Notional value, Rate leverage) noexcept {
  if (!leverage.is_positive()) return ToAmount(value);
  return Amount::FromRaw(Saturate(Div(static_cast<Int128>(value.raw()) * kRateOne, leverage.raw(), Rounding::kCeil)));
}

Price LiquidationPrice(Rule rule, const Position& p, const Tiers& tiers, Rate taker_fee) noexcept {
  if (p.size.is_zero()) return Price::Zero();
  const Qty q = Abs(p.size);
  const bool is_long = p.size.is_positive();
  // Price raw (1e-9) = amount raw (1e-9) × Qty::kScale / qty raw.
  if (rule == Rule::kBybit) {
    const Amount mm = MaintenanceMargin(tiers, PositionValue(p.size, p.entry));
    const Amount cushion = p.isolated_margin - mm;  // what the price may take before MM is reached
    // Rounded toward the entry: a long's drop floored, a short's rise floored.
    const Int128 per_unit = Div(static_cast<Int128>(cushion.raw()) * Qty::kScale, q.raw(),
                                cushion.is_negative() ? Rounding::kCeil : Rounding::kFloor);
    const Int128 lp = is_long ? static_cast<Int128>(p.entry.raw()) - per_unit
                              : static_cast<Int128>(p.entry.raw()) + per_unit;
    if (lp <= 0) return Price::Zero();
    return Price::FromRaw(Saturate(lp));
  }
  // kOkx: MM rate of the tier at entry value (the tier barely moves near liquidation).
  const Tier* t = TierFor(tiers, PositionValue(p.size, p.entry));
  const Int128 r = t ? t->mmr.raw() : 0;
  const Int128 f = taker_fee.raw();
  // long:  P = (q·E − M) / (q·(1 − r − f));  short: P = (q·E + M) / (q·(1 + r + f))
  // In raw units: q·E as amount raw = q.raw × E.raw / 1e8; keep it 128-bit and unrounded:
  // P.raw = (q.raw·E.raw − M.raw·1e8) · 1e8 / (q.raw · (1e8 ∓ (r + f))).
  const Int128 qe = static_cast<Int128>(q.raw()) * p.entry.raw();      // scale 1e-17
  const Int128 m = static_cast<Int128>(p.isolated_margin.raw()) * Qty::kScale;  // scale 1e-17
  const Int128 num = is_long ? qe - m : qe + m;
  const Int128 den_rate = is_long ? kRateOne - r - f : kRateOne + r + f;
  if (num <= 0 || den_rate <= 0) return Price::Zero();
  // num (1e-17) × 1e8 / (q.raw × den_rate) → 1e-9. num × 1e8 can reach ~1e36: inside int128.
  const Int128 den = static_cast<Int128>(q.raw()) * den_rate;
  return Price::FromRaw(Saturate(Div(num * kRateOne, den, is_long ? Rounding::kCeil : Rounding::kFloor)));
}

Price BankruptcyPrice(const Position& p) noexcept {
  if (p.size.is_zero()) return Price::Zero();
  const Qty q = Abs(p.size);
  const Int128 per_unit = Div(static_cast<Int128>(p.isolated_margin.raw()) * Qty::kScale, q.raw(), Rounding::kFloor);
  const Int128 bp = p.size.is_positive() ? static_cast<Int128>(p.entry.raw()) - per_unit
                                         : static_cast<Int128>(p.entry.raw()) + per_unit;
  return bp <= 0 ? Price::Zero() : Price::FromRaw(Saturate(bp));
}

Rate MarginRatio(Amount equity, Amount maint_margin) noexcept {
  if (!equity.is_positive()) return Rate::FromUnits(1) + Rate::FromRaw(maint_margin.is_positive() ? 1 : 0);
  return Rate::FromRaw(Saturate(Div(static_cast<Int128>(maint_margin.raw()) * kRateOne, equity.raw(), Rounding::kCeil)));
}

Price CrossLiquidationPrice(Rule rule, Qty size, Price entry, Amount other_equity, const Tiers& tiers,
                            Rate taker_fee) noexcept {
  if (size.is_zero()) return Price::Zero();
  // Cross is isolated with the whole other equity as the position's margin, less nothing: the
  // same closed forms hold with M = other_equity.
  Position p;
  p.size = size;
  p.entry = entry;
  p.isolated_margin = other_equity;
  return LiquidationPrice(rule, p, tiers, taker_fee);
}

Rate Distance(Qty size, Price mark, Price liq) noexcept {
  if (size.is_zero() || liq.is_zero()) return Rate::FromUnits(1);
  if (!mark.is_positive()) return Rate::Zero();
  const int64_t gap = size.is_positive() ? mark.raw() - liq.raw() : liq.raw() - mark.raw();
  if (gap <= 0) return Rate::Zero();
  return Rate::FromRaw(Saturate(Div(static_cast<Int128>(gap) * kRateOne, mark.raw(), Rounding::kFloor)));
}

Rate CrossDistance(Amount equity, Amount maint_margin, Notional gross_notional) noexcept {
  if (!gross_notional.is_positive()) return Rate::FromUnits(1);
  if (equity <= maint_margin) return Rate::Zero();
  const Int128 free = static_cast<Int128>(equity.raw()) - maint_margin.raw();  // Amount and Notional: both 1e-9
  const Int128 d = Div(free * kRateOne, gross_notional.raw(), Rounding::kFloor);
  return d >= kRateOne ? Rate::FromUnits(1) : Rate::FromRaw(static_cast<int64_t>(d));
}

Amount UnrealizedPnl(Qty size, Price entry, Price mark) noexcept {
  const Int128 prod = static_cast<Int128>(size.raw()) * (static_cast<Int128>(mark.raw()) - entry.raw());
  return Amount::FromRaw(Saturate(Div(prod, Qty::kScale, Rounding::kFloor)));
}

Amount FundingFlow(Qty size, Price mark, Rate rate) noexcept {
  if (size.is_zero() || rate.is_zero()) return Amount::Zero();
  // |value| × |rate|; a long pays a positive rate, a short pays a negative one.
  const Notional value = MulNotional(mark, Abs(size), Rounding::kFloor);
  const bool pays = size.is_positive() == rate.is_positive();
  const Rate mag = rate.is_negative() ? -rate : rate;
  const Notional flow = MulRate(value, mag, pays ? Rounding::kCeil : Rounding::kFloor);
  return pays ? -ToAmount(flow) : ToAmount(flow);
}

FillResult ApplyFill(Qty size, Price entry, Side side, Qty qty, Price px) noexcept {
  FillResult r{size, entry, Amount::Zero(), Qty::Zero()};
  if (!qty.is_positive()) return r;
  const Qty signed_qty = side == Side::kBuy ? qty : -qty;
  if (size.is_zero() || !Reduces(size, side)) {
    // Opening or increasing: size-weighted average entry, nearest 1e-9 (half away from zero).
    const Qty new_size = size + signed_qty;
    const Int128 cost = static_cast<Int128>(Abs(size).raw()) * entry.raw() + static_cast<Int128>(qty.raw()) * px.raw();
    const Int128 den = Abs(new_size).raw();
    Int128 avg = cost / den;
    if ((cost % den) * 2 >= den) ++avg;
    r.size = new_size;
    r.entry = Price::FromRaw(Saturate(avg));
    return r;
  }
  const Qty held = Abs(size);
  const Qty reduced = qty < held ? qty : held;
  // Realized on the reducing part: reduced × (px − entry) for a long, × (entry − px) for a short.
  const Int128 diff = size.is_positive() ? static_cast<Int128>(px.raw()) - entry.raw()
                                         : static_cast<Int128>(entry.raw()) - px.raw();
  r.realized = Amount::FromRaw(Saturate(Div(static_cast<Int128>(reduced.raw()) * diff, Qty::kScale, Rounding::kFloor)));
  r.reduced = reduced;
  const Qty left = qty - reduced;
  if (qty < held) {
    r.size = size + signed_qty;  // same sign, smaller; entry unchanged
  } else if (left.is_zero()) {
    r.size = Qty::Zero();
    r.entry = Price::Zero();
  } else {
    r.size = side == Side::kBuy ? left : -left;  // flipped: the excess opens at px
    r.entry = px;
  }
  return r;
}

}  // namespace hs::margin
