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
#include "core/messages/messages.h"
#include "core/runtime/histogram.h"

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
};

struct VenueView {
  FeedState state = FeedState::kDisconnected;
  bool connected = false;
  bool orders_connected = false;
  bool balances_known = false;
  uint8_t trading_state = 0;  // risk::TradingState
  uint32_t gaps = 0, checksum_failures = 0, crossed = 0, resyncs = 0, parse_errors = 0;
  std::array<BookView, kMaxInstruments> books{};
  std::array<Amount, kMaxAssets> balances{};
};

struct CoreCounters {
  uint64_t messages = 0;
  uint64_t book_tops = 0;
  uint64_t opportunities = 0;        // distinct crossed-market episodes net of fees and edge
  uint64_t opportunities_taken = 0;  // episodes that produced a pair of legs
  uint64_t opportunities_capped = 0; // edge existed but balances/limits left nothing to trade
  uint64_t orders_sent = 0;
  uint64_t acks = 0;
  uint64_t fills = 0;
  uint64_t cancels = 0;
  uint64_t rejects = 0;
  uint64_t unknown = 0;
  uint64_t risk_rejects = 0;
  uint64_t intent_ring_full = 0;
  uint64_t legs_unbalanced = 0;      // both legs done with different filled quantities
  uint64_t unknown_exec = 0;         // reports for client ids the core does not know
  uint64_t telemetry_drops = 0;
  uint64_t stale_quotes = 0;         // pairs skipped: the other venue's top was older than max_quote_age
  uint64_t journal_stalls = 0;
};

struct CoreTelemetry {
  uint64_t version = 0;
  int venues = 0;
  int instruments = 0;
  int assets = 0;
  uint8_t global_state = 0;  // risk::TradingState
  bool journal_failed = false;
  CoreCounters counters;
  Amount pnl_quote;     // Σ Δbalance × reference price, in the valuation asset
  Amount fees_quote;    // fees paid, valued the same way
  std::array<Price, kMaxInstruments> reference{};  // median mid of usable venues
  std::array<VenueView, kMaxVenues> venue{};
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
