// hs::okx — OKX v5 wire constants: paths, channel names, enum texts, fixed limits.
// (venues/README §4; production URLs are configuration, these are the fixed parts.)
#pragma once

#include <cstdint>
#include <string_view>

namespace hs::okx {

// Paths appended to the configured base URLs (market_data_url, order_url).
inline constexpr std::string_view kPublicPath = "/ws/v5/public";
inline constexpr std::string_view kPrivatePath = "/ws/v5/private";

// Book channels. `books` is the one the live feed subscribes; the others parse the same way.
inline constexpr std::string_view kChannelBooks = "books";
inline constexpr std::string_view kChannelBooksL2Tbt = "books-l2-tbt";
inline constexpr std::string_view kChannelBooks50L2Tbt = "books50-l2-tbt";
inline constexpr std::string_view kChannelBooks5 = "books5";
inline constexpr std::string_view kChannelBboTbt = "bbo-tbt";
// Private channels.
inline constexpr std::string_view kChannelAccount = "account";
inline constexpr std::string_view kChannelOrders = "orders";
// Perpetual swaps (instType SWAP, ../shared/venues/ORDERS.md §6.2). Public: mark price and
// funding per instId; private: positions and the liquidation event stream.
inline constexpr std::string_view kChannelMarkPrice = "mark-price";
inline constexpr std::string_view kChannelFundingRate = "funding-rate";
// The index of a swap's underlying: instId is the index's (BTC-USDT for BTC-USDT-SWAP).
inline constexpr std::string_view kChannelIndexTickers = "index-tickers";
inline constexpr std::string_view kSwapSuffix = "-SWAP";
inline constexpr std::string_view kChannelPositions = "positions";
inline constexpr std::string_view kChannelBalanceAndPosition = "balance_and_position";

// tdMode per market: spot trades cash; a swap trades on margin, isolated or cross.
inline constexpr std::string_view kTdModeCash = "cash";
inline constexpr std::string_view kTdModeIsolated = "isolated";
inline constexpr std::string_view kTdModeCross = "cross";

// The levels the server keeps for each book channel (the window a local copy mirrors).
inline constexpr int kBooksDepth = 400;
inline constexpr int kBooks50Depth = 50;
inline constexpr int kBooks5Depth = 5;
inline constexpr int kBboDepth = 1;
// Levels per side in the checksum string (README §4.5).
inline constexpr int kChecksumLevels = 25;

// Login: the signed prehash is timestamp + kLoginMethod + kLoginPath (README §4.7).
inline constexpr std::string_view kLoginMethod = "GET";
inline constexpr std::string_view kLoginPath = "/users/self/verify";

// The keep-alive frames: plain text, not JSON (README §4.1).
inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kPong = "pong";
// Send "ping" after this long without receiving anything (the server closes after 30 s).
inline constexpr int64_t kPingAfterIdleMs = 20'000;

// Order states on the `orders` channel.
enum class OrderState : uint8_t { kNone = 0, kLive, kPartiallyFilled, kFilled, kCanceled, kMmpCanceled, kOther };

inline OrderState ParseOrderState(std::string_view s) noexcept {
  if (s == "filled") return OrderState::kFilled;
  if (s == "partially_filled") return OrderState::kPartiallyFilled;
  if (s == "canceled") return OrderState::kCanceled;
  if (s == "live") return OrderState::kLive;
  if (s == "mmp_canceled") return OrderState::kMmpCanceled;
  return OrderState::kOther;
}

// States that end an order (an IOC's unfilled remainder ends as canceled).
inline bool IsTerminal(OrderState s) noexcept {
  return s == OrderState::kFilled || s == OrderState::kCanceled || s == OrderState::kMmpCanceled;
}

// OKX codes are decimal strings ("0", "51008"); returns the value, or -1 when not a number.
inline int32_t CodeValue(std::string_view s) noexcept {
  if (s.empty() || s.size() > 9) return -1;
  int32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace hs::okx
