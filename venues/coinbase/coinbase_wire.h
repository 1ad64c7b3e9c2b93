// hs::coinbase — Coinbase Advanced Trade market-data wire constants: channel names as
// subscribed and as echoed in envelopes, message types, defaults (venues/README §2.7-2.9).
// Production URLs are configuration (wss://advanced-trade-ws.coinbase.com, path "/"); these
// are the fixed parts. Order entry's paths and limits are in coinbase_orders.h.
#pragma once

#include <cstdint>
#include <string_view>

namespace hs::coinbase {

// Channel names in subscribe/unsubscribe requests.
inline constexpr std::string_view kChannelLevel2 = "level2";
inline constexpr std::string_view kChannelHeartbeats = "heartbeats";

// Channel names in envelopes ("channel" key).
inline constexpr std::string_view kEnvelopeL2Data = "l2_data";
inline constexpr std::string_view kEnvelopeHeartbeats = "heartbeats";
inline constexpr std::string_view kEnvelopeSubscriptions = "subscriptions";

// Book depth kept per side when the venue config says 0. Coinbase snapshots carry the whole
// book (thousands of levels); we keep the best kDefaultDepth (see coinbase_book.h).
inline constexpr int kDefaultDepth = 1000;

// Largest frame accepted (a full BTC-USD level2 snapshot is a few MB).
inline constexpr size_t kMaxFrameBytes = 16u << 20;

// After (re)subscribing level2, a product whose snapshot has not arrived within this time gets
// the connection reconnected (the resubscribe route did not work; a new connection always
// starts with fresh snapshots).
inline constexpr int64_t kSnapshotDeadlineMs = 10'000;

// No frame at all (Coinbase sends a heartbeat every second) for this long, or for the venue's
// idle_timeout_ms when shorter: the stream is stale and the feed reconnects.
inline constexpr int64_t kHeartbeatTimeoutMs = 5'000;
// How often the feed checks staleness and snapshot deadlines.
inline constexpr int64_t kWatchdogMs = 250;

// Resubscribe backoff: 10 ms doubling per request, capped at the venue's reconnect_max_ms, back
// to 10 ms once no resync was requested for this long.
inline constexpr int64_t kResyncQuietMs = 5'000;

}  // namespace hs::coinbase
