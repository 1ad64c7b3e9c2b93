// hs::kraken — Kraken WebSocket v2 wire constants: path, channel and method names, book depths
// (venues/README §3). Production URLs are configuration; these are the fixed parts. No state,
// no thread affinity.
#pragma once

#include <string_view>

namespace hs::kraken {

// The v2 endpoint path (wss://ws.kraken.com/v2). A configured market_data_url without a path
// gets it appended; one with a path is used as written.
inline constexpr std::string_view kWsPath = "/v2";

inline constexpr std::string_view kChannelBook = "book";
inline constexpr std::string_view kChannelHeartbeat = "heartbeat";
inline constexpr std::string_view kChannelStatus = "status";
inline constexpr std::string_view kMethodSubscribe = "subscribe";
inline constexpr std::string_view kMethodUnsubscribe = "unsubscribe";
inline constexpr std::string_view kMethodPing = "ping";
inline constexpr std::string_view kMethodPong = "pong";

// Book subscription depths Kraken accepts; 10 is the default.
inline constexpr int kDefaultDepth = 10;
inline constexpr int kValidDepths[] = {10, 25, 100, 500, 1000};
inline constexpr bool IsValidDepth(int d) noexcept {
  for (int v : kValidDepths)
    if (v == d) return true;
  return false;
}

// The checksum covers the top 10 levels per side, whatever the subscribed depth (§3.4).
inline constexpr int kChecksumLevels = 10;

}  // namespace hs::kraken
