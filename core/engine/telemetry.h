// hs::engine — what the decision core shows the outside world (status line, admin `status`,
// the demo's summary), and the slot it publishes through.
//
// The core owns CoreTelemetry and copies it into a TelemetrySlot every ~50 ms. The slot's
// mutex is only ever try-locked by the core: when the control thread happens to be reading,
// the core skips that publish and counts it (telemetry drops and counts, DESIGN §4); the core
// never blocks. Readers take the lock and copy.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/allocation_stats.h"
#include "core/engine/leg_tracker.h"
#include "core/engine/rebalancer.h"
#include "core/messages/messages.h"
#include "core/runtime/histogram.h"
#include "risk/breakers.h"
#include "risk/pre_trade.h"

namespace hs::engine {

struct BookView {
  bool has_top = false;
  bool usable = false;
  FeedState state = FeedState::kDisconnected;
  Price bid;
  Qty bid_qty;
  Price ask;
  Qty ask_qty;
  uint64_t updates = 0;

  // Snapshot (core/engine/snapshot.h): decisions read the core's telemetry (connection state,
  // balances known, references), so it is state too, but for its measurements.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(has_top);
    ar(usable);
    ar(state);
    ar(bid);
    ar(bid_qty);
    ar(ask);
    ar(ask_qty);
    ar(updates);
  }
};

struct VenueView {
  FeedState state = FeedState::kDisconnected;
  bool connected = false;
  bool orders_connected = false;
  bool balances_known = false;
  uint8_t trading_state = 0;   // risk::TradingState that applies to the venue (global layers included)
  uint8_t operator_state = 0;  // what operators set for this venue alone (halt/reduce/resume --venue)
  uint8_t breaker_state = 0;   // what venue-scoped breakers set
  uint32_t gaps = 0, checksum_failures = 0, crossed = 0, resyncs = 0, parse_errors = 0;
  std::array<BookView, kMaxInstruments> books{};
  std::array<Amount, kMaxAssets> balances{};
  // Balance reconciliation: each account snapshot after the first is compared with the core's
  // own books (fills applied) before it is adopted.
  uint64_t reconcile_checks = 0;      // snapshots compared
  uint64_t reconcile_mismatches = 0;  // of those, snapshots with an asset off by more than the tolerance
  uint64_t reconcile_deferred = 0;    // snapshots that arrived while orders were open there (not compared, not adopted)
  bool reconciled = false;            // the last compared snapshot matched
  Amount reconcile_max_diff;          // largest |venue − core| seen in a mismatch (any asset)

  template <class Ar>
  void Persist(Ar& ar) {
    ar(state);
    ar(connected);
    ar(orders_connected);
    ar(balances_known);
    ar(trading_state);
    ar(operator_state);
    ar(breaker_state);
    ar(gaps);
    ar(checksum_failures);
    ar(crossed);
    ar(resyncs);
    ar(parse_errors);
    ar(books);
    ar(balances);
    ar(reconcile_checks);
    ar(reconcile_mismatches);
    ar(reconcile_deferred);
    ar(reconciled);
    ar(reconcile_max_diff);
  }
};

struct CoreCounters {
  uint64_t messages = 0;
  uint64_t book_tops = 0;
  // Opportunities count episodes: a venue pair's market stays crossed (net of fees and edge)
  // from the first top that shows it to the first that does not. taken <= opportunities and
  // capped <= opportunities; one episode can send several groups (after each cooldown).
  uint64_t opportunities = 0;          // distinct crossed-market episodes net of fees and edge
  uint64_t opportunities_taken = 0;    // episodes in which at least one pair of legs went out
  uint64_t opportunities_capped = 0;   // episodes in which balances/limits once left nothing to trade
  uint64_t arb_groups_sent = 0;        // pairs of legs sent (>= opportunities_taken)
  uint64_t arb_groups_leaned = 0;      // of those, pairs that moved inventory toward the venue shares
  uint64_t orders_sent = 0;
  // Each order's outcome, counted once when its last report arrives:
  // orders_sent = filled + partly_filled + unfilled + rejected + open.
  uint64_t orders_filled = 0;          // filled in full
  uint64_t orders_partly_filled = 0;   // some, not all (IOC remainder expired)
  uint64_t orders_unfilled = 0;        // IOC expired or canceled with nothing filled
  uint64_t orders_rejected = 0;        // the venue (or the venue thread) refused it
  std::array<uint64_t, kOrderPurposes> orders_by_purpose{};  // orders sent, per OrderPurpose
  std::array<uint64_t, kMaxVenues> orders_by_venue{};        // orders sent, per venue
  uint64_t unknown_orders_seen = 0;      // orders whose outcome became unknown
  uint64_t unknown_orders_resolved = 0;  // of those, resolved by a later final report
  uint64_t duplicate_fills = 0;          // fill reports whose cumulative quantity added nothing (ignored)
  // Reports as they arrive, by kind (one order can have several fill reports).
  uint64_t ack_reports = 0;
  uint64_t fill_reports = 0;
  uint64_t cancel_reports = 0;
  uint64_t reject_reports = 0;
  uint64_t unknown_reports = 0;
  uint64_t risk_rejects = 0;
  uint64_t intent_ring_full = 0;
  uint64_t legs_unbalanced = 0;      // both legs done with different filled quantities
  uint64_t unknown_exec = 0;         // reports for client ids the core does not know
  uint64_t telemetry_drops = 0;
  uint64_t stale_quotes = 0;         // pairs skipped: the other venue's top was older than max_quote_age
  // Liquidity the core's own in-flight orders take (LiquidityLedger): levels recorded, book sides
  // read with them netted out, and orders sent unnetted because the take table was full.
  uint64_t liquidity_takes = 0;
  uint64_t liquidity_netted_reads = 0;
  uint64_t liquidity_table_full = 0;
  uint64_t journal_stalls = 0;             // records that went through the journal's spill (a measurement)
  uint64_t journal_backlogs = 0;           // times the spill came into use (kBackpressure inputs)
  uint64_t journal_backlog_refusals = 0;   // decisions not sent while it was in use

  // Snapshot: every count the inputs determine. Telemetry drops (the control thread happened to
  // hold the slot) and journal stalls (the sink's) are measurements.
  template <class Ar>
  void Persist(Ar& ar) {
    ar(messages);
    ar(book_tops);
    ar(opportunities);
    ar(opportunities_taken);
    ar(opportunities_capped);
    ar(arb_groups_sent);
    ar(arb_groups_leaned);
    ar(orders_sent);
    ar(orders_filled);
    ar(orders_partly_filled);
    ar(orders_unfilled);
    ar(orders_rejected);
    ar(orders_by_purpose);
    ar(orders_by_venue);
    ar(unknown_orders_seen);
    ar(unknown_orders_resolved);
    ar(duplicate_fills);
    ar(ack_reports);
    ar(fill_reports);
    ar(cancel_reports);
    ar(reject_reports);
    ar(unknown_reports);
    ar(risk_rejects);
    ar(intent_ring_full);
    ar(legs_unbalanced);
    ar(unknown_exec);
    ar.Measurement(telemetry_drops);
    ar(stale_quotes);
    ar(liquidity_takes);
    ar(liquidity_netted_reads);
    ar(liquidity_table_full);
    ar.Measurement(journal_stalls);
    ar(journal_backlogs);
    ar(journal_backlog_refusals);
  }
};

// The allocator's view after its last run (all fractions as Rates, money in the valuation asset).
struct AllocationView {
  bool enabled = false;
  Amount nav;
  Rate max_abs_drift;
  int out_of_band = 0;
  std::array<Rate, kMaxAssets> weight{}, target{}, band{}, effective_target{}, drift{};
  std::array<bool, kMaxAssets> in_band{};
  RebalanceCounters rebalance;  // the rebalancer's runs and why corrections did not trade
  uint64_t unpriced_runs = 0;   // runs skipped: an asset held but never priced
  uint64_t waiting_balances_runs = 0;  // runs skipped: a trading venue's balances not known yet
  Notional rebalance_notional;  // sent, at the reference
  uint64_t rebalance_orders = 0;
  double rebalance_cost_weighted = 0;  // Σ planned all-in cost (fraction) × notional: statistics only
  AllocationStats stats;        // over the run: start/end weights, convergence, time in band

  template <class Ar>
  void Persist(Ar& ar) {
    ar(enabled);
    ar(nav);
    ar(max_abs_drift);
    ar(out_of_band);
    ar(weight);
    ar(target);
    ar(band);
    ar(effective_target);
    ar(drift);
    ar(in_band);
    ar(rebalance);
    ar(unpriced_runs);
    ar(waiting_balances_runs);
    ar(rebalance_notional);
    ar(rebalance_orders);
    ar(rebalance_cost_weighted);  // a double, but a function of the inputs: bit for bit
    ar(stats);
  }
};

// One open order as `ctl orders` shows it (the first kMaxOrderViews open ones, oldest first).
struct OpenOrderView {
  ClientOrderId id;
  VenueId venue;
  InstrumentId instrument;
  Side side = Side::kBuy;
  OrderPurpose purpose = OrderPurpose::kArbitrage;
  TimeInForce tif = TimeInForce::kIoc;
  bool unknown = false;  // its outcome is unknown now (being queried)
  Price limit_px;
  Qty qty;
  Qty filled;
  Nanos opened_at;       // input time it was sent
  uint32_t group = 0;

  template <class Ar>
  void Persist(Ar& ar) {
    ar(id);
    ar(venue);
    ar(instrument);
    ar(side);
    ar(purpose);
    ar(tif);
    ar(unknown);
    ar(limit_px);
    ar(qty);
    ar(filled);
    ar(opened_at);
    ar(group);
  }
};
inline constexpr int kMaxOrderViews = 64;

// One breaker slot as `ctl breakers` shows it.
struct BreakerView {
  uint8_t breaker = 0;  // risk::BreakerId
  uint8_t scope = 0;    // risk::BreakerScope
  uint8_t action = 0;   // risk::BreakerAction
  uint8_t state = 0;    // risk::SlotState
  bool latch = false;
  uint16_t index = 0;   // venue or instrument id of the slot (0 for global)
  uint16_t cause_venue = 0xFFFF;       // the observation that last tripped it
  uint16_t cause_instrument = 0xFFFF;
  uint64_t trips = 0;
  int64_t tripped_at_ns = 0;  // wall clock (input time) of the last trip; 0 = never
  int64_t cleared_at_ns = 0;
  int64_t last_value = 0;     // raw, in the breaker's own unit
  int64_t last_threshold = 0;
  uint8_t last_cause = 0;     // which limit (risk/breakers.h units)

  template <class Ar>
  void Persist(Ar& ar) {
    ar(breaker);
    ar(scope);
    ar(action);
    ar(state);
    ar(latch);
    ar(index);
    ar(cause_venue);
    ar(cause_instrument);
    ar(trips);
    ar(tripped_at_ns);
    ar(cleared_at_ns);
    ar(last_value);
    ar(last_threshold);
    ar(last_cause);
  }
};
inline constexpr int kMaxBreakerViews = risk::kBreakers * (kMaxVenues > kMaxInstruments ? kMaxVenues : kMaxInstruments);

// Per asset, over every venue: what the engine holds and what it cost (PnL ledger).
struct PositionView {
  Amount position;      // free + locked over every known venue
  Price avg_cost;       // in the valuation asset
  Amount realized;      // valuation asset
  Amount unrealized;    // at the reference (0 when unpriced)
  Amount fees;          // valuation asset
  Amount value;         // position at the reference (valuation asset)
};

// Perpetuals and margin (issue 15): one venue's margin account as the engine computes it, and per
// instrument its position. Distances are margin_math.h Distance/CrossDistance (1 = none at risk).
struct PerpView {
  Qty size;          // signed base units
  Price entry;
  Price mark;
  Price liq;         // the engine's own liquidation price (zero: none)
  Price venue_liq;   // the venue's pushed one (zero: none)
  Amount upl;
  Amount funding;    // cumulative, received (+) / paid (−)
  Rate distance;
};
struct MarginView {
  bool perp = false;
  bool deleveraging = false;
  uint8_t mode = 0;  // MarginMode
  Amount wallet;
  Amount equity;
  Amount maint_margin;
  Rate distance;     // the venue's (smallest position's, or the cross account's)
  std::array<PerpView, kMaxInstruments> positions{};

  template <class Ar>
  void Persist(Ar& ar) {
    ar(perp);
    ar(deleveraging);
    ar(mode);
    ar(wallet);
    ar(equity);
    ar(maint_margin);
    ar(distance);
    ar(positions);
  }
};
struct MarginCounters {
  Rate min_distance = Rate::FromUnits(1);  // the smallest venue distance seen with a position open
  uint64_t liquidations = 0;               // positions the venues reported liquidated
  uint64_t liq_mismatches = 0;             // venue liquidation price beyond tolerance of the engine's
  uint64_t size_mismatches = 0;            // venue position size different from the engine's fills
  Rate worst_liq_gap;                      // largest |venue − engine| liquidation price / mark seen
  uint64_t funding_payments = 0;
  Amount funding_total;                    // received (+) / paid (−), settle asset
  uint64_t delever_orders = 0;
  Notional delever_notional;
  uint64_t delever_refused = 0;            // deleveraging orders the gate or the rings refused
  uint64_t reducing_rounds = 0;            // breaker rounds in which a venue was REDUCING for distance
  // Cash and carry ([allocation.basis]).
  uint64_t carry_entries = 0;
  uint64_t carry_exits = 0;
  Notional carry_value;                    // carried now (spot long = perpetual short), at the reference
};

// The pre-trade gate's use of its limits: what `ctl limits` shows beside the configured values.
struct RiskUsageView {
  std::array<uint64_t, risk::kVerdicts> rejects_by_check{};  // by risk::Verdict (index 0 unused)
  std::array<int, kMaxVenues> open_orders{};
  std::array<int, kMaxVenues> rate_in_window{};  // orders within the venue's order-rate window
  Notional daily_notional;                        // traded today (the gate's count)
  int64_t day_start_ns = 0;                       // when today began (wall ns; 0 = no order yet)
};

struct CoreTelemetry {
  uint64_t version = 0;
  int venues = 0;
  int instruments = 0;
  int assets = 0;
  uint8_t global_state = 0;  // risk::TradingState
  bool killed = false;       // an operator kill latched; only a global resume clears it
  bool draining = false;     // the engine is stopping: no new group starts, open ones may end
  bool journal_failed = false;
  uint8_t phase = 2;                // DecisionCore::Phase: 0 recovering, 1 reconciling, 2 trading
  uint64_t recovered_orders = 0;    // orders an earlier session left open, sent as queries at start
  uint64_t reconcile_timeouts = 0;  // venues that had not reconciled by [journal] reconcile_timeout_ms
  uint64_t sessions = 0;            // sessions this state has lived through (1 = a fresh journal)
  uint64_t open_orders = 0;  // orders sent whose outcome is not final yet (unknown ones included)
  uint64_t refused_commands = 0;  // operator requests the control thread refused (journaled audit)
  CoreCounters counters;
  // In the valuation asset: NAV at the references, PnL against average cost (starting inventory
  // marked at its first price), fees. pnl = realized + unrealized − fees.
  Amount nav;
  bool nav_stale = false;     // some held asset valued at a stale (last valid) reference
  bool nav_complete = true;   // every held asset priced
  Amount realized_pnl;
  Amount unrealized_pnl;
  Amount pnl_quote;
  Amount fees_quote;
  std::array<Price, kMaxInstruments> reference{};  // the oracle's last valid value per instrument
  std::array<bool, kMaxInstruments> reference_valid{};  // false: no quorum now (the value is stale)
  std::array<VenueView, kMaxVenues> venue{};
  std::array<MarginView, kMaxVenues> margin{};
  MarginCounters margin_counters;
  AllocationView allocation;
  // Leg risk (LegTracker): repairs open now, their residual at the references (in each
  // instrument's quote) and the oldest one's age at the last timer; what repairs did so far.
  int open_repairs = 0;
  Notional residual_notional;
  Nanos oldest_residual_age;
  int dust_entries = 0;   // (venue, instrument) entries holding dust
  Notional dust_notional;  // their worth at the references
  LegCounters legs;
  // Risk (issue 13): states per instrument (breaker layer included), breakers, open orders,
  // positions and the gate's usage.
  std::array<uint8_t, kMaxInstruments> instrument_state{};  // risk::TradingState, strictest over venues' global
  int breaker_views = 0;
  std::array<BreakerView, kMaxBreakerViews> breakers{};
  uint64_t breaker_trips = 0;
  int breakers_tripped = 0;
  int order_views = 0;
  std::array<OpenOrderView, kMaxOrderViews> orders{};
  std::array<PositionView, kMaxAssets> positions{};
  RiskUsageView risk;

  // Snapshot (core/engine/snapshot.h). `version` counts publishes, which the agent also makes on
  // its own schedule: a measurement.
  template <class Ar>
  void Persist(Ar& ar) {
    ar.Measurement(version);
    ar.Shape(venues, "venues");
    ar.Shape(instruments, "instruments");
    ar.Shape(assets, "assets");
    ar(global_state);
    ar(killed);
    ar(draining);
    ar(journal_failed);
    ar(phase);
    ar(recovered_orders);
    ar(reconcile_timeouts);
    ar(sessions);
    ar(open_orders);
    ar(refused_commands);
    ar(counters);
    ar(nav);
    ar(nav_stale);
    ar(nav_complete);
    ar(realized_pnl);
    ar(unrealized_pnl);
    ar(pnl_quote);
    ar(fees_quote);
    ar(reference);
    ar(reference_valid);
    ar(venue);
    ar(margin);
    ar(margin_counters);
    ar(allocation);
    ar(open_repairs);
    ar(residual_notional);
    ar(oldest_residual_age);
    ar(dust_entries);
    ar(dust_notional);
    ar(legs);
    ar(instrument_state);
    ar(breaker_views);
    ar(breakers);
    ar(breaker_trips);
    ar(breakers_tripped);
    ar(order_views);
    ar(orders);
    ar(positions);
    ar(risk);
  }
};

class TelemetrySlot {
 public:
  // Core side: publish unless a reader holds the slot. Returns false when dropped.
  bool TryPublish(const CoreTelemetry& t) noexcept {
    if (!mu_.try_lock()) return false;
    data_ = t;
    mu_.unlock();
    return true;
  }
  // Control side.
  void Read(CoreTelemetry* out) {
    std::lock_guard<std::mutex> g(mu_);
    *out = data_;
  }

 private:
  std::mutex mu_;
  CoreTelemetry data_{};
};

// The core's decision latency (trigger receive → intent emitted) histogram lives beside the
// slot: single writer (core), any reader.
struct CoreMetrics {
  runtime::LatencyHistogram decision_ns;
};

}  // namespace hs::engine
