#include "risk/deleverage.h"

namespace hs::risk {

namespace {

using fp_internal::Int128;

constexpr int64_t kSecondNs = 1'000'000'000;

Qty Abs(Qty q) noexcept { return q.is_negative() ? -q : q; }

// Adds what the time since `last` earned at `per_s`, up to one second's worth. Time that runs
// backwards earns nothing and does not move `last` back (the next input pays from the later time).
void Refill(Notional& tokens, Nanos& last, Notional per_s, Nanos now) noexcept {
  if (now <= last) return;
  const Int128 cap = per_s.raw();
  const Int128 earned = fp_internal::Div(static_cast<Int128>(per_s.raw()) * (now - last).value, kSecondNs,
                                         Rounding::kFloor);
  const Int128 filled = static_cast<Int128>(tokens.raw()) + earned;
  tokens = Notional::FromRaw(fp_internal::Saturate(filled < cap ? filled : cap));
  last = now;
}

// reference × (1 − collar/2) for a sell, × (1 + collar/2) for a buy, then onto the tick toward
// the reference (a sell up, a buy down), so the price stays inside the gate's collar. The half
// collar is exact: the factor is taken over 2 × 10^8.
Price CollarPrice(Price reference, Rate collar, Price tick, Side side) noexcept {
  const bool sell = side == Side::kSell;
  const Int128 two = 2 * static_cast<Int128>(Rate::kScale);
  const Int128 factor = sell ? two - collar.raw() : two + collar.raw();
  const Int128 raw = fp_internal::Div(static_cast<Int128>(reference.raw()) * factor, two,
                                      sell ? Rounding::kCeil : Rounding::kFloor);
  Price px = Price::FromRaw(fp_internal::Saturate(raw));
  if (tick.is_positive()) px = sell ? CeilToTick(px, tick) : FloorToTick(px, tick);
  return px;
}

// How much of a position of |held| to take off at `px` with `budget` to spend: the whole of it
// when the budget covers it (which is also how a remainder under the minimum or under one lot
// goes), else what the budget buys rounded down to the lot. Zero when that is nothing or falls
// under the minimum notional: the bucket must refill first.
Qty SizeOrder(Qty held, Price px, Notional budget, const DeleverInstrument& inst) noexcept {
  if (MulNotional(px, held, Rounding::kCeil) <= budget) return held;
  Qty q = QtyForNotional(budget, px, Rounding::kFloor);
  if (inst.lot.is_positive()) q = FloorToLot(q, inst.lot);
  if (q > held) q = held;
  if (!q.is_positive()) return Qty::Zero();
  if (inst.min_notional.is_positive() && MulNotional(px, q, Rounding::kFloor) < inst.min_notional) return Qty::Zero();
  return q;
}

}  // namespace

void Deleverager::Configure(const LiquidationLimits& limits, Rate collar, const DeleverInstrument* instruments,
                            int instrument_count, int venue_count, const Notional* max_order_notional) noexcept {
  limits_ = limits;
  collar_ = collar;
  instruments_ = instrument_count < 0 ? 0 : (instrument_count < kMaxInstruments ? instrument_count : kMaxInstruments);
  venues_ = venue_count < 0 ? 0 : (venue_count < kMaxVenues ? venue_count : kMaxVenues);
  inst_ = {};
  max_order_ = {};
  for (int i = 0; i < instruments_; ++i) {
    inst_[i] = instruments[i];
    if (max_order_notional != nullptr) max_order_[i] = max_order_notional[i];
  }
  // A full bucket at start: the first deleveraging of a session need not wait a second.
  tokens_.fill(limits.max_delever_notional_per_s);
  last_refill_ = {};
  active_ = {};
  inflight_ = {};
  orders_ = 0;
  notional_ = Notional::Zero();
}

int Deleverager::Plan(const margin::MarginBook& book, const Price* reference, const bool* reference_valid, Nanos now,
                      OrderIntent* out, int max) noexcept {
  if (!limits_.enabled) {
    active_ = {};
    return 0;
  }
  int n = 0;
  for (int v = 0; v < venues_; ++v) {
    const VenueId venue{static_cast<uint8_t>(v)};
    if (!book.perp_venue(venue)) {
      active_[v] = false;
      continue;
    }
    // Hysteresis: start below delever_distance, stop once back at reduce_distance or above.
    const Rate distance = book.VenueDistance(venue);
    if (!active_[v] && distance < limits_.delever_distance) active_[v] = true;
    if (active_[v] && distance >= limits_.reduce_distance) active_[v] = false;
    if (!active_[v] || n >= max) continue;

    // The candidates once per venue (a cross distance sums the account on every call): the
    // positions in danger with a price to send at and no deleveraging order out already.
    std::array<bool, kMaxInstruments> candidate{};
    std::array<Int128, kMaxInstruments> value{};  // |size| × reference, raw 10^-17
    for (int i = 0; i < instruments_; ++i) {
      const InstrumentId inst{static_cast<uint16_t>(i)};
      if (!book.perp(venue, inst) || inflight_[v][i]) continue;
      const Qty size = book.position(venue, inst).size;
      if (size.is_zero()) continue;
      if (reference == nullptr || reference_valid == nullptr || !reference_valid[i] || !reference[i].is_positive())
        continue;
      if (book.Distance(venue, inst) >= limits_.reduce_distance) continue;
      candidate[i] = true;
      value[i] = static_cast<Int128>(Abs(size).raw()) * reference[i].raw();
    }

    Refill(tokens_[v], last_refill_[v], limits_.max_delever_notional_per_s, now);
    Notional budget = tokens_[v];
    while (n < max) {
      int best = -1;
      for (int i = 0; i < instruments_; ++i)
        if (candidate[i] && (best < 0 || value[i] > value[best])) best = i;  // ties: the lower id
      if (best < 0) break;
      candidate[best] = false;

      const InstrumentId inst{static_cast<uint16_t>(best)};
      const Qty size = book.position(venue, inst).size;
      const Side side = size.is_positive() ? Side::kSell : Side::kBuy;
      const Price px = CollarPrice(reference[best], collar_, inst_[best].tick, side);
      if (!px.is_positive()) continue;  // a collar of 200% or more leaves no price to sell at
      const Notional cap = max_order_[best];
      const Notional spend = cap.is_positive() && cap < budget ? cap : budget;
      const Qty qty = SizeOrder(Abs(size), px, spend, inst_[best]);
      // The largest position waits for the bucket rather than let smaller ones drain it.
      if (!qty.is_positive()) break;

      OrderIntent& o = out[n++];
      o = OrderIntent{};
      o.venue = venue;
      o.instrument = inst;
      o.side = side;
      o.tif = TimeInForce::kIoc;
      o.purpose = OrderPurpose::kDeleverage;
      o.reduce_only = true;
      o.limit_px = px;
      o.qty = qty;
      budget -= MulNotional(px, qty, Rounding::kCeil);
    }
  }
  return n;
}

void Deleverager::OnSent(const OrderIntent& intent, Nanos now) noexcept {
  if (!intent.venue.valid() || intent.venue.value >= venues_ || !intent.instrument.valid() ||
      intent.instrument.value >= instruments_)
    return;
  const size_t v = intent.venue.value;
  const Notional spent = MulNotional(intent.limit_px, intent.qty, Rounding::kCeil);
  Refill(tokens_[v], last_refill_[v], limits_.max_delever_notional_per_s, now);
  // May go below zero if the core sent more than was planned: the debt delays the next order.
  tokens_[v] -= spent;
  inflight_[v][intent.instrument.value] = true;
  ++orders_;
  notional_ += spent;
}

void Deleverager::OnDone(VenueId v, InstrumentId i) noexcept {
  if (!v.valid() || v.value >= venues_ || !i.valid() || i.value >= instruments_) return;
  inflight_[v.value][i.value] = false;
}

}  // namespace hs::risk
