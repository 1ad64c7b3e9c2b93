#include "core/engine/liquidity_ledger.h"

namespace hs::engine {

bool LiquidityLedger::Take(ClientOrderId id, VenueId v, InstrumentId i, Side side, Price limit, Qty qty,
                           const Level* levels, int n) noexcept {
  if (!v.valid() || v.value >= kMaxVenues || !i.valid() || i.value >= kMaxInstruments) return true;
  // The levels this order takes, best first, while its limit allows and quantity remains.
  const bool buy = side == Side::kBuy;
  int count = 0;
  Qty left = qty;
  for (int k = 0; k < n && left.is_positive(); ++k) {
    if (buy ? levels[k].px > limit : levels[k].px < limit) break;
    if (levels[k].qty.is_positive()) ++count;
    left = left - Min(left, levels[k].qty);
  }
  if (count == 0) return true;
  if (used_ + count > kMaxTakes) {
    ++counters_.full;
    return false;
  }
  left = qty;
  int slot = 0;
  for (int k = 0; k < n && left.is_positive(); ++k) {
    if (buy ? levels[k].px > limit : levels[k].px < limit) break;
    const Qty take = Min(left, levels[k].qty);
    if (!take.is_positive()) continue;
    while (entries_[slot].active) ++slot;  // used_ + count <= kMaxTakes: a free slot exists
    Entry& e = entries_[slot];
    e = Entry{true, false, id, v, i, side, levels[k].px, take};
    left = left - take;
    ++used_;
    ++live_[v.value][i.value][static_cast<int>(side)];
    ++counters_.takes;
  }
  return true;
}

void LiquidityLedger::Release(Entry& e) noexcept {
  e.active = false;
  --used_;
  --live_[e.venue.value][e.instrument.value][static_cast<int>(e.side)];
  ++counters_.released;
}

void LiquidityLedger::OnOrderDone(ClientOrderId id, bool filled) noexcept {
  if (used_ == 0) return;
  for (Entry& e : entries_) {
    if (!e.active || e.id != id) continue;
    if (filled) {
      e.done = true;
    } else {
      Release(e);
    }
  }
}

void LiquidityLedger::OnTop(VenueId v, InstrumentId i) noexcept {
  if (!v.valid() || v.value >= kMaxVenues || !i.valid() || i.value >= kMaxInstruments) return;
  if (live_[v.value][i.value][0] == 0 && live_[v.value][i.value][1] == 0) return;
  for (Entry& e : entries_)
    if (e.active && e.done && e.venue == v && e.instrument == i) Release(e);
}

int LiquidityLedger::Net(VenueId v, InstrumentId i, Side taker, const Level* levels, int n, Level* out) noexcept {
  ++counters_.netted_reads;
  // This side's takes first (slots fill from the front, so the scan stops early), then each
  // level less what they took at its price.
  const int want = live_[v.value][i.value][static_cast<int>(taker)];
  struct Taken {
    int64_t px;
    int64_t qty;
  };
  Taken takes[kMaxTakes];  // left uninitialized: only [0, t) is read
  int t = 0;
  for (int s = 0; s < kMaxTakes && t < want; ++s) {
    const Entry& e = entries_[s];
    if (e.active && e.venue == v && e.instrument == i && e.side == taker) takes[t++] = Taken{e.px.raw(), e.qty.raw()};
  }
  int m = 0;
  for (int k = 0; k < n; ++k) {
    Qty q = levels[k].qty;
    for (int j = 0; j < t; ++j)
      if (takes[j].px == levels[k].px.raw()) q = q - Min(q, Qty::FromRaw(takes[j].qty));
    if (q.is_positive()) out[m++] = Level{levels[k].px, q};
  }
  return m;
}

}  // namespace hs::engine
