// hs::engine — the decision core: one thread, venue-agnostic, deterministic.
//
// Consumes each venue's FIFO (BookTop, VenueStatus, ExecReport, BalanceUpdate) and the control
// ring; keeps top-N books per (venue, instrument), balances and orders in flight; finds
// cross-venue arbitrage net of taker fees and depth, sizes it by balances and limits, passes
// both legs through the risk gate and emits two IOC intents. Every input is journaled before it
// is handled and every output as it is emitted, so replaying the journal reproduces the same
// outputs: the core reads no clock for decisions — time is the inputs' recv_time.
//
// Owned by the decision-core agent. Hot path (Handle → FindArbitrage → risk → intent push)
// allocates nothing, takes no lock and does not log or throw.
// Risk (DESIGN §7): every intent passes the pre-trade gate with a RiskContext built from the
// core's own parts; trading states are derived here only, from operator commands and breaker
// rounds (BreakerFeeds measures on timer inputs, BreakerSet decides), and every trip, clear and
// state change is journaled. The per-venue HALTED state is mirrored into the kill switch that
// order sessions read.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/arbitrage.h"
#include "core/engine/arbitrage_lean.h"
#include "core/engine/basis_carry.h"
#include "core/engine/book_cache.h"
#include "core/engine/breaker_feeds.h"
#include "core/engine/engine_params.h"
#include "core/engine/leg_tracker.h"
#include "core/engine/liquidity_ledger.h"
#include "core/engine/order_tracker.h"
#include "core/engine/pnl_ledger.h"
#include "core/engine/portfolio.h"
#include "core/engine/rebalancer.h"
#include "core/engine/reference_price.h"
#include "core/engine/valuation.h"
#include "core/engine/telemetry.h"
#include "core/journal/journal_writer.h"
#include "core/margin/margin_book.h"
#include "core/messages/messages.h"
#include "core/messages/rings.h"
#include "core/runtime/idle.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/spsc_ring.h"
#include "risk/breakers.h"
#include "risk/deleverage.h"
#include "risk/pre_trade.h"
#include "risk/throttles.h"
#include "risk/trading_state.h"

namespace hs::engine {

class DecisionCore final : private risk::BreakerEventSink {
 public:
  struct Wiring {
    std::vector<VenueRing::Consumer> from_venues;      // index = venue id
    std::vector<IntentRing::Producer> to_venues;       // index = venue id
    std::vector<runtime::Waker*> venue_wakers;         // may hold nullptr
    ControlRing::Consumer from_control;
    journal::JournalSink journal;                      // may be unwired (tests)
    const std::atomic<bool>* journal_failed = nullptr;
    TelemetrySlot* telemetry = nullptr;
    CoreMetrics* metrics = nullptr;
    runtime::Waker* waker = nullptr;                   // the core's own
    // Where the core mirrors each venue's HALTED state for the order sessions (may be null).
    runtime::KillSwitch* kill = nullptr;
  };

  DecisionCore(const EngineParams& params, Wiring wiring);

  // Starts a session: journals the normalized config text (kConfig chunks), then the
  // session-start record, then begins the session. Call once before the agent starts (and in
  // replay/recovery where the journal shows a session start). With a state loaded from an
  // earlier session (LoadState), the session starts in phase kReconciling: books and venue
  // connection state are cleared (they belonged to the old connections), every order the old
  // session left open goes out as a query intent (OrderIntent.query), and a venue trades again
  // only once its recovered orders are resolved and a balance snapshot reconciled it.
  void Begin(Nanos wall_time, std::string_view config_text) noexcept;

  // One input, as DoWork handles it: journal it, handle it, then write a snapshot when
  // snapshot_every records have gone by. Replay and recovery drive the core through these.
  void Step(const VenueMsg& msg) noexcept;
  void Step(const ControlCommand& cmd) noexcept;

  // Durability (DESIGN §8; core/engine/snapshot.h). The whole decision state — every part's
  // state, not params, wiring or measurements — as bytes, deterministic (the same state gives
  // the same bytes), and back. LoadState refuses bytes of another layout or size, naming what
  // is wrong. Cold path: SaveState reuses `out`'s capacity.
  void SaveState(std::string* out) const;
  absl::Status LoadState(std::string_view bytes);

  // kRecovering (the engine replays the journal; the core is not running yet), kReconciling
  // (a session that started from recovered state, until its venues reconciled), kTrading.
  enum class Phase : uint8_t { kRecovering = 0, kReconciling, kTrading };
  Phase phase() const noexcept { return phase_; }

  // Bounds of the journal's spill (JournalSink): the most records one input can produce, and
  // room kept for a snapshot's chunks. Inputs are read only while the spill has room for both.
  static constexpr size_t kMaxRecordsPerInput = 1024;
  static constexpr size_t kSnapshotReserve = 4096;
  // A venue's intent ring counts as full below this much room (SampleQueues).
  static constexpr size_t kIntentRingMargin = 16;

  // Ends the session: journals session_end (wall time: a measurement the record carries) and
  // publishes. OnClose calls it; replay calls it where the journal shows session_end.
  void End(Nanos wall_time) noexcept;

  // Agent interface.
  int DoWork() noexcept;
  void Park(int64_t max_ns) noexcept;
  void OnClose() noexcept;

  // Entry points (also used directly by tests and replay). Each journals nothing itself:
  // DoWork journals inputs before calling these.
  void Handle(const VenueMsg& msg) noexcept;
  void Handle(const ControlCommand& cmd) noexcept;

  const CoreTelemetry& telemetry() const noexcept { return tel_; }
  const Portfolio& portfolio() const noexcept { return portfolio_; }
  const margin::MarginBook& margin() const noexcept { return margin_; }
  const risk::TradingStates& states() const noexcept { return states_; }
  const risk::BreakerSet& breakers() const noexcept { return breakers_; }
  const risk::PreTradeGate& gate() const noexcept { return gate_; }
  const risk::RejectCounts& reject_counts() const noexcept { return rejects_; }
  const BreakerFeeds& breaker_feeds() const noexcept { return feeds_; }
  const ReferencePrice& reference() const noexcept { return reference_; }
  const PnlLedger& ledger() const noexcept { return ledger_; }
  const Allocator* allocator() const noexcept { return allocator_ ? &*allocator_ : nullptr; }
  const Rebalancer* rebalancer() const noexcept { return rebalancer_ ? &*rebalancer_ : nullptr; }
  // Publishes telemetry now (the agent does it every ~50 ms).
  void PublishTelemetry() noexcept;

 private:
  friend struct SnapshotTestPeer;  // tests/core/engine/snapshot_test.cc: the snapshot schedule

  void OnBookTop(const BookTop& top, Nanos now) noexcept;
  void OnTimer(Nanos now) noexcept;
  // Risk-checks, tracks, reserves for and sends the legs of one decision as one group: all of
  // them or none. False (and counted) when any is refused.
  bool SendGroup(OrderIntent* legs, int n) noexcept;
  void RunRebalancer(Nanos now) noexcept;
  void CopyAllocation() noexcept;
  void OnStatus(const VenueStatus& st) noexcept;
  // Compares a venue snapshot entry with the core's books; false = defer it (do not adopt).
  bool Reconcile(const BalanceUpdate& b) noexcept;
  void OnExec(const ExecReport& ex, Nanos now) noexcept;
  void EvaluatePair(InstrumentId inst, VenueId buy, VenueId sell, const BookTop& trigger, Nanos now) noexcept;
  // Arbitrage may open a pair here: the venue trades, is connected, its balances are known and
  // the state for (venue, instrument) is ACTIVE.
  bool CanTrade(VenueId v, InstrumentId i) const noexcept;
  // Repairs and rebalancing may send here (the gate then admits only reducing orders when the
  // state is REDUCING): as CanTrade, but any state short of HALTED for the venue.
  bool CanSend(VenueId v) const noexcept;
  // Risk: the breaker round of a timer input; derived states after any change (breaker layer,
  // kill-switch mirror, telemetry, journal); the context the gate reads.
  void RunBreakers(Nanos now) noexcept;
  void ApplyStates(Nanos now, const ControlCommand* cmd, journal::StateChangeResult result) noexcept;
  void OnBreakerEvent(const risk::BreakerEvent& e) noexcept override;
  void OnSent(const OrderIntent& leg) noexcept;
  void UpdateResting(VenueId v, InstrumentId i) noexcept;
  void CopyRisk() noexcept;
  void CloseOrder(TrackedOrder& o, ExecKind last, Nanos now) noexcept;
  // Sends what the leg tracker's repairs need now (hedges, unwinds, dust sweeps).
  void RunRepairs(Nanos now) noexcept;
  void CopyLegs(Nanos now) noexcept;
  // Records the levels `leg` (just opened) takes from its book, as the book stands netted.
  void RecordTake(const OrderIntent& leg) noexcept;
  void CopyOutcomes() noexcept;
  void UpdateReference(InstrumentId inst, Nanos now) noexcept;
  void RecomputePnl() noexcept;
  // Durability (decision_core_state.cc). Persist lists the core's whole state for SaveState and
  // LoadState (core/engine/snapshot.h). InitSnapshots (constructor) schedules the first snapshot
  // and reserves the buffers; MaybeSnapshot writes one when snapshot_every records have gone by
  // and the journal is not backlogged; WriteSnapshot journals the state as kSnapshot chunks.
  template <class Ar>
  void Persist(Ar& ar);
  void InitSnapshots();
  void MaybeSnapshot() noexcept;
  void WriteSnapshot() noexcept;

  EngineParams p_;
  Wiring w_;
  Portfolio portfolio_;
  margin::MarginBook margin_;  // perpetual positions and margin accounts (issue 15)
  BookCache books_;
  OrderTracker orders_;
  LegTracker legs_;
  Nanos last_input_;  // input time of the last input of any kind (the journal breaker's time)
  Nanos last_timer_;  // input time of the last kTimer (the age of residuals in telemetry)
  LiquidityLedger liquidity_;  // levels in-flight orders take, netted out of every decision
  // Scratch for netted book sides (members: a local array would be zeroed on every evaluation).
  std::array<Level, kBookTopDepth> asks_left_{};
  std::array<Level, kBookTopDepth> bids_left_{};
  std::array<Level, kBookTopDepth> take_left_{};
  ReferencePrice reference_;
  std::array<bool, kMaxInstruments> ref_dirty_{};  // a top or a status arrived since the last recompute
  Valuation valuation_;  // reads reference_ (declared before it)
  PnlLedger ledger_;
  NavReport nav_{};
  std::optional<Allocator> allocator_;    // with [allocation]
  std::optional<Rebalancer> rebalancer_;
  std::optional<BasisCarry> carry_;       // with [allocation.basis] and a perpetual venue
  // [instrument][buy venue][sell venue]
  std::array<std::array<std::array<Nanos, kMaxVenues>, kMaxVenues>, kMaxInstruments> cooldown_until_{};
  // Per ordered pair: the crossed-market episode under way (0 = none) and what happened in it.
  static constexpr uint8_t kEpisodeOpen = 1, kEpisodeTaken = 2, kEpisodeCapped = 4;
  std::array<std::array<std::array<uint8_t, kMaxVenues>, kMaxVenues>, kMaxInstruments> episode_{};
  bool draining_ = false;  // kDrain: the engine is stopping; no new group starts
  // Balance reconciliation of the account snapshot being received, per venue.
  struct ReconcileState {
    bool in_snapshot = false;
    bool defer = false;
    bool mismatch = false;
  };
  std::array<ReconcileState, kMaxVenues> reconcile_{};
  int timers_since_publish_ = 0;
  CoreTelemetry tel_{};
  // Risk (declared last: large and mostly cold; the parts above are read on every tick).
  risk::TradingStates states_;
  risk::PreTradeGate gate_;
  risk::RiskContext ctx_;  // views of the parts below, set once; only `now` changes per check
  std::array<risk::OrderRateWindow, kMaxVenues> rate_{};
  risk::RepeatThrottle repeat_;
  risk::DailyNotional daily_;
  risk::RejectCounts rejects_;
  std::array<risk::RestingTop, kMaxVenues * kMaxInstruments> resting_{};
  std::array<int8_t, kMaxAssets> drift_sign_{};
  risk::BreakerSet breakers_;
  BreakerFeeds feeds_;
  bool states_changed_ = false;  // a breaker event since the last ApplyStates
  std::array<bool, kMaxVenues> venue_halt_mirror_{};
  std::array<uint64_t, kMaxVenues> venue_rejects_{};     // reject reports per venue (the kill's own excluded)
  std::array<uint64_t, kMaxVenues> integrity_events_{};  // gaps + checksum failures + resyncs per venue
  std::array<bool, kMaxVenues * kMaxInstruments> lists_{};
  std::array<Nanos, kMaxVenues> oldest_unknown_{};
  // Perpetuals (decision_core_margin.cc).
  void ConfigureMargin();
  void OnPerpFill(const TrackedOrder& o, const ExecReport& f) noexcept;
  void OnFunding(const FundingPayment& f) noexcept;
  void OnPosition(const PositionUpdate& u) noexcept;
  void OnMarginAccount(const MarginAccountUpdate& a) noexcept;
  // On each timer: distances, the REDUCING they impose (a change runs ApplyStates) and the
  // deleveraging orders.
  void RunLiquidation(Nanos now) noexcept;
  void RaiseMarginStates() noexcept;  // after every breakers_.Apply: the liquidation REDUCING layer
  void AddPerpHoldings(NavReport* nav) const noexcept;
  // The carried value off the allocator's holdings (basis_carry.h), and the carry's run.
  void ExcludeCarry(Holdings* h) const noexcept;
  void RunCarry(const RebalanceView& view, Nanos now) noexcept;
  void CopyMargin() noexcept;
  risk::Deleverager delever_;
  std::array<bool, kMaxVenues> liq_reducing_{};  // the venue is below reduce_distance
  std::array<bool, kMaxVenues> liq_pending_{};   // a liquidation was reported: adopt the next wallet
  // Durability.
  void StartSession(Nanos wall_time) noexcept;
  void CheckReconciled(Nanos now) noexcept;
  void SampleQueues() noexcept;
  Phase phase_ = Phase::kTrading;
  uint32_t sessions_ = 0;           // sessions this state has lived through (Begin counts them)
  Nanos reconcile_deadline_;
  std::array<bool, kMaxVenues> recon_pending_{};  // after a restart: the venue has not reconciled yet
  bool journal_backlog_ = false;                  // kBackpressure: the journal's spill is in use
  std::array<bool, kMaxVenues> intent_backlog_{};  // kBackpressure: the venue's intent ring is full
  uint64_t next_snapshot_seq_ = 0;  // write a snapshot once the journal's seq reaches this (0: never)
  std::string snapshot_buf_;        // SaveState's bytes, reused (reserved at construction)
  std::string snapshot_enc_;        // their zero-run encoding, reused
};

}  // namespace hs::engine
