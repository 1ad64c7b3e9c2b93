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
// Not yet here (later issues): rebalancer, leg hedging, breakers beyond the kill/journal halt.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/arbitrage.h"
#include "core/engine/arbitrage_lean.h"
#include "core/engine/book_cache.h"
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
#include "core/messages/messages.h"
#include "core/messages/rings.h"
#include "core/runtime/idle.h"
#include "core/runtime/spsc_ring.h"
#include "risk/risk_gate.h"

namespace hs::engine {

class DecisionCore {
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
  };

  DecisionCore(const EngineParams& params, Wiring wiring);

  // Writes the session-start record. Call once before the agent starts.
  void Begin(Nanos wall_time) noexcept;

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
  const risk::RiskGate& risk_gate() const noexcept { return risk_; }
  const ReferencePrice& reference() const noexcept { return reference_; }
  const PnlLedger& ledger() const noexcept { return ledger_; }
  const Allocator* allocator() const noexcept { return allocator_ ? &*allocator_ : nullptr; }
  const Rebalancer* rebalancer() const noexcept { return rebalancer_ ? &*rebalancer_ : nullptr; }
  // Publishes telemetry now (the agent does it every ~50 ms).
  void PublishTelemetry() noexcept;

 private:
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
  bool CanTrade(VenueId v) const noexcept;
  void CloseOrder(TrackedOrder& o, ExecKind last, Nanos now) noexcept;
  // Sends what the leg tracker's repairs need now (hedges, unwinds, dust sweeps).
  void RunRepairs(Nanos now) noexcept;
  void CopyLegs(Nanos now) noexcept;
  // Records the levels `leg` (just opened) takes from its book, as the book stands netted.
  void RecordTake(const OrderIntent& leg) noexcept;
  void CopyOutcomes() noexcept;
  void UpdateReference(InstrumentId inst, Nanos now) noexcept;
  void RecomputePnl() noexcept;

  EngineParams p_;
  Wiring w_;
  risk::RiskGate risk_;
  Portfolio portfolio_;
  BookCache books_;
  OrderTracker orders_;
  LegTracker legs_;
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
  // [instrument][buy venue][sell venue]
  std::array<std::array<std::array<Nanos, kMaxVenues>, kMaxVenues>, kMaxInstruments> cooldown_until_{};
  // Per ordered pair: the crossed-market episode under way (0 = none) and what happened in it.
  static constexpr uint8_t kEpisodeOpen = 1, kEpisodeTaken = 2, kEpisodeCapped = 4;
  std::array<std::array<std::array<uint8_t, kMaxVenues>, kMaxVenues>, kMaxInstruments> episode_{};
  bool journal_halted_ = false;
  bool killed_ = false;
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
};

}  // namespace hs::engine
