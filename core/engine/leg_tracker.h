// hs::engine — leg risk after the fact: groups whose legs filled different quantities are
// repaired (hedged, else unwound), and residuals too small to trade go to a dust ledger.
//
// A part of the decision core (DESIGN §6). A two-leg group (an arbitrage pair, a paired venue
// rebalance: one buy and one sell of the same instrument) is meant to leave inventory where it
// was. When both legs are done and bought ≠ sold, the difference is a residual on the venue whose
// leg filled more. A repair then:
//  1. Hedges: an IOC for the residual (sell what was bought in excess, buy what was sold) on the
//     usable, tradable venue with the best price for it, at a limit no worse than the reference
//     ± hedge_slippage (rounded to the tick inward), capped by that venue's free balance; one
//     order at a time, up to hedge_attempts orders within hedge_timeout of the group's end.
//  2. Else unwinds: the same trade on the venue whose leg filled more, at no worse than the
//     reference ± unwind_slippage, up to unwind_attempts orders.
//  3. Else stays open ("stuck"): counted and exposed (residual notional and age) for the
//     leg-imbalance breaker; nothing more is sent for it.
// A residual (or its remainder) that no venue could trade as one order — below the lot or the
// instrument's minimum notional at the limit — goes to the dust ledger per (venue, instrument)
// instead, signed (+ bought in excess). Once a venue's dust is worth the minimum at the
// reference, it becomes a repair of its own (swept into a later order).
//
// Repair and unwind orders go through the core's ordinary path (risk gate, reservations,
// journal) with purposes kHedge and kUnwind. Time is input time (`now` of reports and timers);
// no clock. Fixed tables, no allocation.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/book_cache.h"
#include "core/engine/engine_params.h"
#include "core/engine/leg_risk_params.h"
#include "core/engine/portfolio.h"
#include "core/engine/reference_price.h"
#include "core/messages/messages.h"

namespace hs::engine {

// What Plan may read: the core's parts, as they stand at the input being handled.
struct RepairView {
  const EngineParams* params = nullptr;
  const BookCache* books = nullptr;
  const ReferencePrice* reference = nullptr;
  const Portfolio* portfolio = nullptr;
  std::array<bool, kMaxVenues> can_trade{};  // connected, balances known, trading state allows
};

// One order a repair needs now.
struct RepairOrder {
  int repair = -1;  // pass back to OnSent
  VenueId venue;
  InstrumentId instrument;
  Side side = Side::kBuy;
  Price limit;
  Qty qty;
  OrderPurpose purpose = OrderPurpose::kHedge;  // kHedge or kUnwind
};

struct LegCounters {
  uint64_t groups_ended = 0;    // two-leg groups whose legs are both done
  uint64_t balanced = 0;        // ... with equal fills
  uint64_t residuals = 0;       // ... with a residual (repairs opened; dust sweeps add to it too)
  uint64_t hedged = 0;          // repairs closed by hedges alone
  uint64_t unwound = 0;         // repairs closed once unwinding had begun
  uint64_t to_dust = 0;         // repairs (or remainders) moved to the dust ledger
  uint64_t stuck = 0;           // repairs that ran out of attempts (stay open)
  uint64_t hedge_orders = 0;    // orders sent
  uint64_t unwind_orders = 0;
  uint64_t dust_sweeps = 0;     // dust entries turned into repairs
  uint64_t table_full = 0;      // residuals that found no free repair slot (went to dust)
};

class LegTracker {
 public:
  static constexpr int kMaxRepairs = 64;

  explicit LegTracker(const LegRiskParams& p) noexcept : p_(p) {}

  // Both legs of a two-leg group are done: `bought` filled on `buy_venue`, `sold` on
  // `sell_venue`, of `inst`. Opens a repair when they differ.
  void OnGroupEnded(InstrumentId inst, VenueId buy_venue, VenueId sell_venue, Qty bought, Qty sold,
                    Nanos now) noexcept;
  // A repair order's last report: it filled `filled`.
  void OnRepairDone(ClientOrderId id, Qty filled) noexcept;
  // True when `id` is a live repair order (the core reports its end here, not as a group leg).
  bool IsRepairOrder(ClientOrderId id) const noexcept;

  // The orders repairs need at `now` into out[0..n), n returned (at most cap): one per repair
  // with no order in flight, plus dust worth sweeping. Decides unwinds, dust and stuck repairs.
  int Plan(const RepairView& view, Nanos now, RepairOrder* out, int cap) noexcept;
  // The core sent out[k] as order `id` (Plan's orders not sent are simply planned again later;
  // an order counts as an attempt only once sent).
  void OnSent(const RepairOrder& o, ClientOrderId id) noexcept;

  // Open repairs (stuck ones included) and their residual: Σ |qty| × reference, in the
  // instrument's quote (the valuation asset for the demo's instruments), and the oldest age.
  int open() const noexcept { return open_; }
  // Nothing to do on a timer: no repair open and no dust waiting to be swept.
  bool idle() const noexcept { return !p_.enabled || (open_ == 0 && dust_entries_ == 0); }
  Notional ResidualNotional(const ReferencePrice& ref) const noexcept;
  Nanos OldestResidualAge(Nanos now) const noexcept;
  // Dust entries and their worth, Σ |dust| × reference.
  int dust_entries() const noexcept { return dust_entries_; }
  Notional DustNotional(const ReferencePrice& ref, int venues, int instruments) const noexcept;
  // Dust of (venue, instrument): signed, + bought in excess.
  Qty dust(VenueId v, InstrumentId i) const noexcept { return dust_[v.value][i.value]; }
  const LegCounters& counters() const noexcept { return counters_; }

  // Snapshot (core/engine/snapshot.h): repairs, dust and counters (params are not state).
  template <class Ar>
  void Persist(Ar& ar) {
    ar(repairs_);
    ar(dust_);
    ar(open_);
    ar(dust_entries_);
    ar(counters_);
  }

 private:
  struct Repair {
    bool active = false;
    bool unwinding = false;
    bool stuck = false;
    InstrumentId instrument;
    VenueId filled_venue;  // where the leg that filled more traded: the unwind venue, the dust's venue
    Qty residual;          // signed: + bought in excess (sell it), − sold in excess (buy it)
    Nanos since;           // input time the group ended
    int attempts = 0;      // orders sent in the current phase
    ClientOrderId in_flight;  // the order out now (value 0: none; client ids start at 1)

    template <class Ar>
    void Persist(Ar& ar) {
      ar(active);
      ar(unwinding);
      ar(stuck);
      ar(instrument);
      ar(filled_venue);
      ar(residual);
      ar(since);
      ar(attempts);
      ar(in_flight);
    }
  };

  void Open(InstrumentId inst, VenueId filled_venue, Qty residual, Nanos now) noexcept;
  void ToDust(Repair& r) noexcept;
  void Close(Repair& r) noexcept;
  // The repair's order on venue v at `slippage`, or false when v cannot take it now.
  bool OrderOn(const RepairView& view, const Repair& r, VenueId v, Rate slippage, Nanos now, RepairOrder* out,
               bool* below_minimum) const noexcept;

  LegRiskParams p_;
  std::array<Repair, kMaxRepairs> repairs_{};
  std::array<std::array<Qty, kMaxInstruments>, kMaxVenues> dust_{};
  int open_ = 0;
  int dust_entries_ = 0;  // (venue, instrument) entries with dust
  LegCounters counters_{};
};

}  // namespace hs::engine
