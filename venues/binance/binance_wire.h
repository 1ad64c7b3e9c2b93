// hs::binance — Binance Spot wire constants: paths, stream suffixes, enum texts.
// (venues/README §1; production URLs are configuration, these are the fixed parts.)
#pragma once

#include <string_view>

namespace hs::binance {

inline constexpr std::string_view kCombinedStreamPath = "/stream?streams=";
inline constexpr std::string_view kBookTickerSuffix = "@bookTicker";
inline constexpr std::string_view kDepthSuffix = "@depth@100ms";
inline constexpr std::string_view kWsApiPath = "/ws-api/v3";
inline constexpr std::string_view kDepthSnapshotPath = "/api/v3/depth";

inline constexpr std::string_view kMethodOrderPlace = "order.place";
inline constexpr std::string_view kMethodAccountStatus = "account.status";
inline constexpr std::string_view kMethodOrderCancel = "order.cancel";
inline constexpr std::string_view kMethodCancelAll = "openOrders.cancelAll";
inline constexpr std::string_view kMethodOrderStatus = "order.status";
inline constexpr std::string_view kMethodMyTrades = "myTrades";
inline constexpr std::string_view kMethodOpenOrdersStatus = "openOrders.status";

// Order status texts (result.status) that end an order.
inline bool IsTerminalStatus(std::string_view s) noexcept {
  return s == "FILLED" || s == "CANCELED" || s == "EXPIRED" || s == "REJECTED" || s == "EXPIRED_IN_MATCH";
}

}  // namespace hs::binance
