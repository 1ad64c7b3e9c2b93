// hs::runtime — per-venue counters and latency histograms: telemetry the venue thread writes and
// the control thread reads (status, metrics, summary). Single writer (the venue thread), relaxed
// atomics, no locks. Counts only: what the core needs to *act* on travels as messages.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/runtime/histogram.h"

namespace hs::runtime {

struct VenueCounters {
  using C = std::atomic<uint64_t>;
  C md_messages{0};         // frames received on market-data sessions
  C md_bytes{0};
  C book_updates{0};        // messages applied to a book
  C tops_published{0};
  C tops_conflated{0};      // a pending BookTop replaced by a newer one (core ring full)
  C parse_errors{0};        // malformed messages (counted, dropped)
  C unknown_messages{0};    // well-formed but not understood
  C stale_dropped{0};       // out-of-order / already-applied updates
  C gaps{0};
  C checksum_failures{0};
  C crossed_books{0};
  C resyncs{0};
  C reconnects{0};
  C disconnects{0};
  C orders_sent{0};
  C orders_halted{0};       // refused at the socket because the kill switch was set
  C order_replies{0};
  C order_rejects{0};
  C order_parse_errors{0};
  C cancel_all_sent{0};      // cancel-all requests written (kill switch, operator)
  C cancel_all_confirmed{0}; // the venue answered a cancel-all with success
  C cancels_sent{0};         // single-order cancels written
  C unknown_orders{0};       // orders marked unknown (no reply within ack_timeout_ms, or a disconnect)
  C unknown_resolved{0};     // unknown orders resolved by a query or a late report
  C order_queries{0};        // queries by client id sent
  C dead_man_refreshes{0};   // dead-man's-switch arm/refresh requests answered with success
  C rate_limited{0};         // intents refused locally by the rate budget, or the venue's rate-limit errors
  C fifo_overflow{0};       // non-conflatable messages that found no room (venue halts)
  std::atomic<bool> md_connected{false};
  std::atomic<bool> orders_connected{false};
  LatencyHistogram tick_to_order_ns;  // trigger receive stamp → order bytes ready (signed)
  LatencyHistogram parse_ns;          // frame receive → BookTop published
  LatencyHistogram order_rtt_ns;      // wire write → venue reply received

  void Add(C& c, uint64_t n = 1) noexcept { c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
};

}  // namespace hs::runtime
