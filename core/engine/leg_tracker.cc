#include "core/engine/leg_tracker.h"

#include "core/engine/arbitrage.h"

namespace hs::engine {

namespace {

Qty Abs(Qty q) noexcept { return q.is_negative() ? Qty::Zero() - q : q; }

}  // namespace

void LegTracker::OnGroupEnded(InstrumentId inst, VenueId buy_venue, VenueId sell_venue, Qty bought, Qty sold,
                              Nanos now) noexcept {
  ++counters_.groups_ended;
  if (bought == sold) {
    ++counters_.balanced;
    return;
  }
  // Bought more: the excess sits on the buy venue; sold more: the shortfall is on the sell venue.
  Open(inst, bought > sold ? buy_venue : sell_venue, bought - sold, now);
}

void LegTracker::Open(InstrumentId inst, VenueId filled_venue, Qty residual, Nanos now) noexcept {
  ++counters_.residuals;
  if (!p_.enabled) {
    Repair r;
    r.instrument = inst;
    r.filled_venue = filled_venue;
    r.residual = residual;
    ToDust(r);
    return;
  }
  for (Repair& r : repairs_) {
    if (r.active) continue;
    r = Repair{};
    r.active = true;
    r.instrument = inst;
    r.filled_venue = filled_venue;
    r.residual = residual;
    r.since = now;
    ++open_;
    return;
  }
  // No free slot: the residual is kept, as dust, so that it is neither lost nor hidden.
  ++counters_.table_full;
  Repair r;
  r.instrument = inst;
  r.filled_venue = filled_venue;
  r.residual = residual;
  ToDust(r);
}

void LegTracker::ToDust(Repair& r) noexcept {
  Qty& d = dust_[r.filled_venue.value][r.instrument.value];
  const bool was_zero = d.is_zero();
  d += r.residual;
  dust_entries_ += (was_zero && !d.is_zero()) ? 1 : (!was_zero && d.is_zero()) ? -1 : 0;
  ++counters_.to_dust;
  if (r.active) Close(r);
}

void LegTracker::Close(Repair& r) noexcept {
  r.active = false;
  --open_;
}

bool LegTracker::IsRepairOrder(ClientOrderId id) const noexcept {
  if (id.value == 0 || open_ == 0) return false;
  for (const Repair& r : repairs_)
    if (r.active && r.in_flight == id) return true;
  return false;
}

void LegTracker::OnRepairDone(ClientOrderId id, Qty filled) noexcept {
  for (Repair& r : repairs_) {
    if (!r.active || r.in_flight != id) continue;
    r.in_flight = ClientOrderId{};
    // A sell repairs a positive residual, a buy a negative one: either way toward zero.
    const Qty done = Min(filled, Abs(r.residual));
    r.residual = r.residual.is_negative() ? r.residual + done : r.residual - done;
    if (r.residual.is_zero()) {
      ++(r.unwinding ? counters_.unwound : counters_.hedged);
      Close(r);
    }
    return;
  }
}

bool LegTracker::OrderOn(const RepairView& view, const Repair& r, VenueId v, Rate slippage, Nanos now,
                         RepairOrder* out, bool* below_minimum) const noexcept {
  const EngineParams& p = *view.params;
  const InstrumentId inst = r.instrument;
  if (v.value >= p.venues || !view.can_trade[v.value] || !p.venue[v.value].lists[inst.value]) return false;
  const CachedBook& b = view.books->at(v, inst);
  if (!b.usable || !b.has_top || now - b.recv_time > p.max_quote_age) return false;
  const InstrumentParams& ip = p.instrument[inst.value];
  const VenueParams& vp = p.venue[v.value];
  const Price ref = view.reference->value(inst);
  const bool sell = r.residual.is_positive();
  const Price band = MulRate(ref, slippage, Rounding::kFloor);
  // The limit: no worse than the reference ± slippage, on the tick, rounded inward.
  const Price limit = sell ? CeilToTick(ref - band, ip.tick) : FloorToTick(ref + band, ip.tick);
  if (!limit.is_positive()) return false;
  // The venue's best price must already be within the limit: an IOC beyond it would only expire.
  if (sell ? b.top.bids[0].px < limit : b.top.asks[0].px > limit) return false;
  const Qty lot = vp.lot[inst.value].is_positive() ? vp.lot[inst.value] : ip.lot;
  Qty qty = Abs(r.residual);
  if (sell) {
    qty = Min(qty, QtyFromAmount(view.portfolio->available(v, ip.base), Rounding::kFloor));
  } else {
    const Price cost = NetBuyCost(limit, vp.taker_fee);
    qty = Min(qty, QtyForNotional(NotionalFromAmount(view.portfolio->available(v, ip.quote)), cost, Rounding::kFloor));
  }
  qty = FloorToLot(qty, lot);
  if (!qty.is_positive() || !NotionalAtLeast(limit, qty, ip.min_notional)) {
    // Too small to trade here. When the whole residual is (not merely what the balance allows),
    // no order can ever take it on this venue.
    const Qty whole = FloorToLot(Abs(r.residual), lot);
    *below_minimum = !whole.is_positive() || !NotionalAtLeast(limit, whole, ip.min_notional);
    return false;
  }
  out->venue = v;
  out->instrument = inst;
  out->side = sell ? Side::kSell : Side::kBuy;
  out->limit = limit;
  out->qty = qty;
  return true;
}

int LegTracker::Plan(const RepairView& view, Nanos now, RepairOrder* out, int cap) noexcept {
  const EngineParams& p = *view.params;
  int n = 0;
  // Dust worth an order becomes a repair of its own.
  if (p_.enabled) {
    for (int v = 0; v < p.venues; ++v) {
      for (int i = 0; i < p.instruments; ++i) {
        Qty& d = dust_[v][i];
        if (d.is_zero()) continue;
        const InstrumentId inst{static_cast<uint16_t>(i)};
        if (!view.reference->valid(inst)) continue;
        const InstrumentParams& ip = p.instrument[i];
        const Qty lot = p.venue[v].lot[i].is_positive() ? p.venue[v].lot[i] : ip.lot;
        const Qty whole = FloorToLot(Abs(d), lot);
        if (!whole.is_positive() || !NotionalAtLeast(view.reference->value(inst), whole, ip.min_notional)) continue;
        if (open_ >= kMaxRepairs) continue;
        const Qty residual = d;
        d = Qty::Zero();
        --dust_entries_;
        ++counters_.dust_sweeps;
        Open(inst, VenueId{static_cast<uint8_t>(v)}, residual, now);
      }
    }
  }
  for (int k = 0; k < kMaxRepairs && n < cap; ++k) {
    Repair& r = repairs_[k];
    if (!r.active || r.stuck || r.in_flight.value != 0) continue;
    if (!r.unwinding && (r.attempts >= p_.hedge_attempts || now - r.since > p_.hedge_timeout)) {
      r.unwinding = true;
      r.attempts = 0;
    }
    if (r.unwinding && r.attempts >= p_.unwind_attempts) {
      r.stuck = true;
      ++counters_.stuck;
      continue;
    }
    if (!view.reference->valid(r.instrument)) continue;  // no price to bound the order by: wait
    RepairOrder o;
    bool below_minimum = false;
    bool found = false;
    if (!r.unwinding) {
      // Hedge: the venue with the best price for this side.
      const bool sell = r.residual.is_positive();
      for (int v = 0; v < p.venues; ++v) {
        RepairOrder c;
        bool small = false;
        if (!OrderOn(view, r, VenueId{static_cast<uint8_t>(v)}, p_.hedge_slippage, now, &c, &small)) {
          below_minimum = below_minimum || small;
          continue;
        }
        const CachedBook& b = view.books->at(c.venue, r.instrument);
        const CachedBook* best = found ? &view.books->at(o.venue, r.instrument) : nullptr;
        if (!found || (sell ? b.top.bids[0].px > best->top.bids[0].px : b.top.asks[0].px < best->top.asks[0].px)) {
          o = c;
          found = true;
        }
      }
      o.purpose = OrderPurpose::kHedge;
    } else {
      found = OrderOn(view, r, r.filled_venue, p_.unwind_slippage, now, &o, &below_minimum);
      o.purpose = OrderPurpose::kUnwind;
    }
    if (!found) {
      if (below_minimum) ToDust(r);  // no venue will ever take it as one order
      continue;
    }
    o.repair = k;
    out[n++] = o;
  }
  return n;
}

void LegTracker::OnSent(const RepairOrder& o, ClientOrderId id) noexcept {
  if (o.repair < 0 || o.repair >= kMaxRepairs) return;
  Repair& r = repairs_[o.repair];
  if (!r.active) return;
  r.in_flight = id;
  ++r.attempts;
  ++(o.purpose == OrderPurpose::kUnwind ? counters_.unwind_orders : counters_.hedge_orders);
}

Notional LegTracker::ResidualNotional(const ReferencePrice& ref) const noexcept {
  Notional sum = Notional::Zero();
  if (open_ == 0) return sum;
  for (const Repair& r : repairs_)
    if (r.active) sum += MulNotional(ref.value(r.instrument), Abs(r.residual), Rounding::kCeil);
  return sum;
}

Notional LegTracker::DustNotional(const ReferencePrice& ref, int venues, int instruments) const noexcept {
  Notional sum = Notional::Zero();
  if (dust_entries_ == 0) return sum;
  for (int v = 0; v < venues && v < kMaxVenues; ++v)
    for (int i = 0; i < instruments && i < kMaxInstruments; ++i)
      if (!dust_[v][i].is_zero())
        sum += MulNotional(ref.value(InstrumentId{static_cast<uint16_t>(i)}), Abs(dust_[v][i]), Rounding::kCeil);
  return sum;
}

Nanos LegTracker::OldestResidualAge(Nanos now) const noexcept {
  Nanos oldest{0};
  if (open_ == 0) return oldest;
  for (const Repair& r : repairs_)
    if (r.active && now - r.since > oldest) oldest = now - r.since;
  return oldest;
}

}  // namespace hs::engine
