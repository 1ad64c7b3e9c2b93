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
#include <vector>

#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/arbitrage.h"
#include "core/engine/portfolio.h"
#include "core/engine/telemetry.h"
#include "core/journal/journal_writer.h"
#include "core/messages/messages.h"
#include "core/messages/rings.h"
#include "core/runtime/idle.h"
#include "core/runtime/spsc_ring.h"
#include "risk/risk_gate.h"

namespace hs::config {
struct Config;
}

namespace hs::engine {

struct InstrumentParams {
  AssetId base;
  AssetId quote;
  Price tick;
  Qty lot;
  Notional min_notional;
};

struct VenueParams {
  bool present = false;
  bool trading = false;
  Rate taker_fee;
  std::array<bool, kMaxInstruments> lists{};  // venue lists this instrument
  std::array<Qty, kMaxInstruments> lot{};     // venue lot per instrument
};

struct EngineParams {
  int venues = 0;
  int instruments = 0;
  int assets = 0;
  std::array<InstrumentParams, kMaxInstruments> instrument{};
  std::array<VenueParams, kMaxVenues> venue{};
  AssetId valuation_asset;  // PnL currency: the first instrument's quote
  bool strategy_enabled = true;
  Rate min_edge;
  Notional max_leg_notional;
  Nanos cooldown;
  // The other side of a pair must have been received within this much of the trigger: a
  // stalled stream (connection alive, no data) leaves a book that validated but is stale.
  Nanos max_quote_age = Nanos::FromMillis(5'000);
  risk::Limits limits;
  uint64_t client_id_base = 1;  // first client order id (unique per session)
};

EngineParams ParamsFromConfig(const config::Config& cfg, uint64_t client_id_base);


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
  // Publishes telemetry now (the agent does it every ~50 ms).
  void PublishTelemetry() noexcept;

 private:
  struct BookState {
    BookTop top{};
    bool has_top = false;
    bool usable = false;
    Nanos recv_time;
  };
  struct OrderSlot {
    bool active = false;
    ClientOrderId id;
    VenueId venue;
    InstrumentId instrument;
    Side side = Side::kBuy;
    Qty qty;
    Qty filled;
    AssetId reserved_asset;
    Amount reserved;
    uint32_t group = 0;
  };
  struct Group {
    uint32_t id = 0;
    uint8_t legs_done = 0;
    Qty filled[2];
  };
  static constexpr int kOrderSlots = 4096;
  static constexpr int kGroups = 2048;

  void OnBookTop(const BookTop& top, Nanos now) noexcept;
  void OnStatus(const VenueStatus& st) noexcept;
  void OnExec(const ExecReport& ex) noexcept;
  void EvaluatePair(InstrumentId inst, VenueId buy, VenueId sell, const BookTop& trigger, Nanos now) noexcept;
  bool CanTrade(VenueId v) const noexcept;
  OrderSlot* FindOrder(ClientOrderId id) noexcept;
  void CloseOrder(OrderSlot* o, ExecKind last) noexcept;
  void UpdateReference(InstrumentId inst) noexcept;
  void RecomputePnl() noexcept;

  EngineParams p_;
  Wiring w_;
  risk::RiskGate risk_;
  Portfolio portfolio_;
  std::array<std::array<BookState, kMaxInstruments>, kMaxVenues> books_{};
  std::array<OrderSlot, kOrderSlots> orders_{};
  std::array<Group, kGroups> groups_{};
  // [instrument][buy venue][sell venue]
  std::array<std::array<std::array<Nanos, kMaxVenues>, kMaxVenues>, kMaxInstruments> cooldown_until_{};
  // Per ordered pair: the crossed-market episode under way (0 = none) and what happened in it.
  static constexpr uint8_t kEpisodeOpen = 1, kEpisodeTaken = 2, kEpisodeCapped = 4;
  std::array<std::array<std::array<uint8_t, kMaxVenues>, kMaxVenues>, kMaxInstruments> episode_{};
  uint64_t next_client_id_;
  uint32_t next_group_ = 1;
  int open_orders_ = 0;
  bool journal_halted_ = false;
  bool killed_ = false;
  uint64_t last_publish_tsc_ = 0;
  uint64_t publish_interval_ticks_ = 0;
  CoreTelemetry tel_{};
};

}  // namespace hs::engine
