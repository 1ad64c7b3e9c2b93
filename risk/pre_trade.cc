#include "risk/pre_trade.h"

#include <cstdio>

#include "core/base/decimal.h"

namespace hs::risk {

namespace {

using fp_internal::Int128;

constexpr Int128 Abs(Int128 v) noexcept { return v < 0 ? -v : v; }

constexpr Decision Reject(Verdict v, int64_t value = 0, int64_t limit = 0) noexcept {
  return Decision{v, 0xFFFF, value, limit};
}

// True when a complete fill moving `held` by `delta` leaves a holding over `limit` (0 = none)
// that is further from zero than before: an order that only shrinks a holding, even one already
// over its limit, always passes. On a failure fills *d with |after| and the limit.
bool PositionBreaks(Verdict verdict, AssetId a, Amount limit, Amount held, Int128 delta, Decision* d) noexcept {
  if (!limit.is_positive()) return false;
  const Int128 before = held.raw();
  const Int128 after = Abs(before + delta);
  if (after <= limit.raw() || after <= Abs(before)) return false;
  *d = Decision{verdict, a.value, fp_internal::Saturate(after), limit.raw()};
  return true;
}

// px × qty / 10^8 (the notional at the limit price) rounded down and up, for px, qty > 0.
// Each factor is split at 10^8, so the one division left is of two remainders' product (under
// 10^16) by the constant 10^8, which compiles to a multiply; a 128-bit division (fp_internal::Div
// takes `divq` for these sizes) cost more than all the other checks together.
struct NotionalBounds {
  Int128 floor;
  Int128 ceil;
};
constexpr NotionalBounds NotionalAtLimit(int64_t px, int64_t qty) noexcept {
  constexpr int64_t k = Qty::kScale;
  const int64_t px_hi = px / k, px_lo = px % k;
  const int64_t qty_hi = qty / k, qty_lo = qty % k;
  const int64_t low = px_lo * qty_lo;
  const Int128 floor = static_cast<Int128>(px_hi) * qty_hi * k + static_cast<Int128>(px_hi) * qty_lo +
                       static_cast<Int128>(px_lo) * qty_hi + low / k;
  return {floor, floor + (low % k != 0 ? 1 : 0)};
}
static_assert(NotionalAtLimit(30'000'000'000'001, 10'000'000).floor == 3'000'000'000'000);
static_assert(NotionalAtLimit(30'000'000'000'001, 10'000'000).ceil == 3'000'000'000'001);
static_assert(NotionalAtLimit(INT64_MAX, INT64_MAX).floor ==
              static_cast<Int128>(INT64_MAX) * INT64_MAX / Qty::kScale);

// An asset that can index the per-asset arrays (an instrument with an asset outside them has
// no position limit that could apply).
constexpr bool Indexable(AssetId a) noexcept { return a.valid() && a.value < kMaxAssets; }

// The intent is a perpetual order the margin book can measure (venue and instrument both perp).
bool OnPerp(const OrderIntent& in, const RiskContext& ctx) noexcept {
  return ctx.margin != nullptr && ctx.margin->perp(in.venue, in.instrument);
}

// A reduce-only perpetual order that only shrinks the position: the opposite side, and no more
// than the position holds (a larger one would flip it, opening risk on the other side; the
// venue would trim it, but the gate judges the order as sent).
bool ReducesPerpPosition(const OrderIntent& in, const margin::MarginBook& book) noexcept {
  if (!in.reduce_only) return false;
  const Qty size = book.position(in.venue, in.instrument).size;
  const Qty held = size.is_negative() ? -size : size;
  return margin::Reduces(size, in.side) && in.qty <= held;
}

}  // namespace

const char* VerdictName(Verdict v) noexcept {
  switch (v) {
    case Verdict::kAccept:
      return "accept";
    case Verdict::kUnknownVenue:
      return "unknown_venue";
    case Verdict::kUnknownInstrument:
      return "unknown_instrument";
    case Verdict::kHalted:
      return "halted";
    case Verdict::kReducingOnly:
      return "reducing_only";
    case Verdict::kNonPositive:
      return "non_positive";
    case Verdict::kNotAllowed:
      return "not_allowed";
    case Verdict::kMaxOrderQty:
      return "max_order_qty";
    case Verdict::kMaxOrderNotional:
      return "max_order_notional";
    case Verdict::kMinOrderNotional:
      return "min_order_notional";
    case Verdict::kNoReference:
      return "no_reference";
    case Verdict::kCollar:
      return "collar";
    case Verdict::kMaxPosition:
      return "max_position";
    case Verdict::kMaxVenuePosition:
      return "max_venue_position";
    case Verdict::kMaxOpenOrders:
      return "max_open_orders";
    case Verdict::kOrderRate:
      return "order_rate";
    case Verdict::kRepeat:
      return "repeat";
    case Verdict::kSelfTrade:
      return "self_trade";
    case Verdict::kDailyNotional:
      return "daily_notional";
    case Verdict::kLiquidation:
      return "liquidation";
  }
  return "?";
}

int ValueDecimals(Verdict v) noexcept {
  switch (v) {
    case Verdict::kMaxOrderQty:
      return Qty::kDecimals;
    case Verdict::kMaxOrderNotional:
    case Verdict::kMinOrderNotional:
    case Verdict::kDailyNotional:
      return Notional::kDecimals;
    case Verdict::kCollar:
    case Verdict::kLiquidation:
      return Rate::kDecimals;
    case Verdict::kMaxPosition:
    case Verdict::kMaxVenuePosition:
      return Amount::kDecimals;
    case Verdict::kSelfTrade:
      return Price::kDecimals;
    default:
      return 0;  // counts, and the verdicts that carry no value
  }
}

bool ReducesRisk(const OrderIntent& in, const InstrumentLimits& inst, const RiskContext& ctx) noexcept {
  // On a perpetual, reduce_only counts only when the order really shrinks the position: a
  // reduce-only flag on an order that would flip it, or on a flat position, does not make it
  // risk-reducing (spot venues ignore the flag, and there it keeps its old meaning).
  if (in.reduce_only) {
    if (!OnPerp(in, ctx)) return true;
    if (ReducesPerpPosition(in, *ctx.margin)) return true;
  }
  switch (in.purpose) {
    case OrderPurpose::kHedge:
    case OrderPurpose::kUnwind:
    case OrderPurpose::kDeleverage:
      return true;
    case OrderPurpose::kArbitrage:
      return false;
    case OrderPurpose::kRebalance:
      break;
  }
  if (in.purpose != OrderPurpose::kRebalance) return false;  // a value outside the enum
  const bool sell = in.side == Side::kSell;
  // Selling the base for the valuation asset turns risk into the asset NAV is counted in.
  if (sell && inst.quote.valid() && inst.quote == ctx.valuation_asset) return true;
  // Otherwise it must move the base toward its target: buy what is below, sell what is above.
  if (ctx.drift_sign == nullptr || !Indexable(inst.base)) return false;
  const int8_t drift = ctx.drift_sign[inst.base.value];
  return sell ? drift > 0 : drift < 0;
}

// The checks, in the order of Verdict. A check whose context view is nullptr is skipped (the
// core leaves a view unset only when it has nothing to check against: no throttle, no resting
// orders), except the trading state (nullptr = ACTIVE) and the reference (nullptr = none, so a
// collar refuses).
Decision PreTradeGate::Check(const OrderIntent& in, const RiskContext& ctx) const noexcept {
  if (in.cancel) return Decision{};
  const Limits& lim = limits_;

  if (!in.venue.valid() || in.venue.value >= lim.venues || in.venue.value >= kMaxVenues)
    return Reject(Verdict::kUnknownVenue);
  if (!in.instrument.valid() || in.instrument.value >= lim.instruments || in.instrument.value >= kMaxInstruments)
    return Reject(Verdict::kUnknownInstrument);
  const size_t v = in.venue.value;
  const size_t i = in.instrument.value;
  const InstrumentLimits& inst = lim.instrument[i];
  const VenueLimits& venue = lim.venue[v];
  const bool buy = in.side == Side::kBuy;

  const TradingState state =
      ctx.states != nullptr ? ctx.states->Effective(in.venue, in.instrument) : TradingState::kActive;
  if (state == TradingState::kHalted) return Reject(Verdict::kHalted);
  if (state == TradingState::kReducing && !ReducesRisk(in, inst, ctx)) return Reject(Verdict::kReducingOnly);

  if (!in.qty.is_positive() || !in.limit_px.is_positive()) return Reject(Verdict::kNonPositive);
  if (!venue.allowed[i]) return Reject(Verdict::kNotAllowed);

  const Qty qty_cap = inst.max_order_qty.is_positive() ? inst.max_order_qty : lim.max_order_qty;
  if (qty_cap.is_positive() && in.qty > qty_cap) return Reject(Verdict::kMaxOrderQty, in.qty.raw(), qty_cap.raw());

  // Both roundings of the notional: up for what the order may cost (caps, positions, the daily
  // sum), down for the minimum it must reach. Compared in 128 bits, so a notional past the
  // int64 range cannot saturate into passing a cap of Max().
  const NotionalBounds notional = NotionalAtLimit(in.limit_px.raw(), in.qty.raw());
  const Int128 floor_notional = notional.floor;
  const Int128 ceil_notional = notional.ceil;

  // The global cap is required (> 0, the config refuses 0); were it 0 every order would be
  // refused here, never let through.
  const Notional notional_cap =
      inst.max_order_notional.is_positive() ? inst.max_order_notional : lim.max_order_notional;
  if (ceil_notional > notional_cap.raw())
    return Reject(Verdict::kMaxOrderNotional, fp_internal::Saturate(ceil_notional), notional_cap.raw());
  if (inst.min_order_notional.is_positive() && floor_notional < inst.min_order_notional.raw())
    return Reject(Verdict::kMinOrderNotional, fp_internal::Saturate(floor_notional), inst.min_order_notional.raw());

  if (lim.collar.is_positive()) {
    const bool have = ctx.reference != nullptr && ctx.reference_valid != nullptr && ctx.reference_valid[i] &&
                      ctx.reference[i].is_positive();
    if (!have) return Reject(Verdict::kNoReference);
    const int64_t ref = ctx.reference[i].raw();
    const Int128 scaled_gap = Abs(static_cast<Int128>(in.limit_px.raw()) - ref) * Rate::kScale;
    // ceil(gap / ref) > collar exactly when gap > collar × ref (collar is a whole count of
    // Rate units), so the division runs only to report a failure.
    if (scaled_gap > static_cast<Int128>(lim.collar.raw()) * ref) {
      const Int128 dev = fp_internal::Div(scaled_gap, ref, Rounding::kCeil);
      return Reject(Verdict::kCollar, fp_internal::Saturate(dev), lim.collar.raw());
    }
  }

  // Holdings after a complete fill: the base moves by the quantity, the quote by the notional
  // at the limit price rounded up (fees ignored). Every asset's total limit is checked before
  // any venue's (the order of Verdict), the base before the quote.
  const Int128 base_delta = static_cast<Int128>(in.qty.raw()) * (Amount::kScale / Qty::kScale);
  const Int128 quote_delta = ceil_notional;  // Notional and Amount share the 10^-9 scale
  const AssetId assets[2] = {inst.base, inst.quote};
  const Int128 deltas[2] = {buy ? base_delta : -base_delta, buy ? -quote_delta : quote_delta};
  Decision d;
  if (ctx.position != nullptr) {
    for (int k = 0; k < 2; ++k) {
      const AssetId a = assets[k];
      if (Indexable(a) && PositionBreaks(Verdict::kMaxPosition, a, lim.max_position[a.value],
                                         ctx.position[a.value], deltas[k], &d))
        return d;
    }
  }
  if (ctx.venue_position != nullptr) {
    const Amount* held = ctx.venue_position + v * kMaxAssets;
    for (int k = 0; k < 2; ++k) {
      const AssetId a = assets[k];
      if (Indexable(a) &&
          PositionBreaks(Verdict::kMaxVenuePosition, a, venue.max_position[a.value], held[a.value], deltas[k], &d))
        return d;
    }
  }

  if (venue.max_open_orders > 0 && ctx.open_orders != nullptr && ctx.open_orders[v] >= venue.max_open_orders)
    return Reject(Verdict::kMaxOpenOrders, ctx.open_orders[v], venue.max_open_orders);

  if (venue.order_rate > 0 && ctx.rate != nullptr) {
    const int budget = venue.order_rate - venue.cancel_reserve;
    if (!ctx.rate[v].Allows(ctx.now, budget))
      return Reject(Verdict::kOrderRate, ctx.rate[v].CountInWindow(ctx.now), budget);
  }

  if (lim.repeat_max > 0 && ctx.repeat != nullptr && !ctx.repeat->Allows(in.venue, in.instrument, in.side, ctx.now))
    return Reject(Verdict::kRepeat, ctx.repeat->CountInWindow(in.venue, in.instrument, in.side, ctx.now),
                  lim.repeat_max);

  if (lim.self_trade_prevention && ctx.resting != nullptr) {
    const RestingTop& r = ctx.resting[v * kMaxInstruments + i];
    if (buy && r.sells > 0 && in.limit_px >= r.best_sell)
      return Reject(Verdict::kSelfTrade, in.limit_px.raw(), r.best_sell.raw());
    if (!buy && r.buys > 0 && in.limit_px <= r.best_buy)
      return Reject(Verdict::kSelfTrade, in.limit_px.raw(), r.best_buy.raw());
  }

  if (lim.daily_notional_cap.is_positive() && ctx.daily != nullptr) {
    const Int128 total = static_cast<Int128>(ctx.daily->used(ctx.now).raw()) + ceil_notional;
    if (total > lim.daily_notional_cap.raw())
      return Reject(Verdict::kDailyNotional, fp_internal::Saturate(total), lim.daily_notional_cap.raw());
  }

  // Last, in the order of Verdict, and the dearest check (a cross account sums every position):
  // what a complete fill would leave between the position (isolated) or the account (cross) and
  // liquidation. An order that leaves it no nearer than it is now, or a reduce-only order that
  // only shrinks the position, passes even below the minimum: refusing those would keep the
  // engine from stepping back from liquidation. "No nearer" needs some distance left: at zero
  // (an account at or under its maintenance margin) every order would be "no nearer", and an
  // order that still leaves it there is refused unless it is such a reduction.
  if (lim.liquidation.enabled && !in.query && OnPerp(in, ctx)) {
    const margin::MarginBook& book = *ctx.margin;
    const Rate after = book.DistanceAfter(in.venue, in.instrument, in.side, in.qty, in.limit_px);
    if (after < lim.liquidation.min_distance) {
      const bool no_nearer = after.is_positive() && after >= book.Distance(in.venue, in.instrument);
      if (!no_nearer && !ReducesPerpPosition(in, book))
        return Reject(Verdict::kLiquidation, after.raw(), lim.liquidation.min_distance.raw());
    }
  }
  return Decision{};
}

std::string Describe(const Decision& d) {
  std::string out = VerdictName(d.verdict);
  const char* op = nullptr;
  switch (d.verdict) {
    case Verdict::kMaxOrderQty:
    case Verdict::kMaxOrderNotional:
    case Verdict::kCollar:
    case Verdict::kMaxPosition:
    case Verdict::kMaxVenuePosition:
    case Verdict::kDailyNotional:
      op = " > ";
      break;
    case Verdict::kMinOrderNotional:
    case Verdict::kLiquidation:
      op = " < ";
      break;
    case Verdict::kMaxOpenOrders:
    case Verdict::kOrderRate:
    case Verdict::kRepeat:
      op = " >= ";  // a count at its limit already refuses the next order
      break;
    case Verdict::kSelfTrade:
      op = " crosses ";  // the own resting price, from either side
      break;
    default:
      return out;  // no value to show
  }
  out += ": ";
  if (d.verdict == Verdict::kMaxPosition || d.verdict == Verdict::kMaxVenuePosition) {
    out += "asset ";
    out += std::to_string(d.asset);
    out += ' ';
  }
  const int decimals = ValueDecimals(d.verdict);
  char buf[kMaxDecimalText];
  out.append(buf, static_cast<size_t>(FormatDecimalFixed(d.value, decimals, decimals, buf)));
  out += op;
  out.append(buf, static_cast<size_t>(FormatDecimalFixed(d.limit, decimals, decimals, buf)));
  return out;
}

}  // namespace hs::risk
