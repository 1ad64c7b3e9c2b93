// hs::bybit — Bybit v5 wire constants: paths, topics, op names, depths, enum texts.
// (venues/README §5; production URLs are configuration, these are the fixed parts.)
//
// Not here: parsing (bybit_parse.*) or any state. Constants only; usable from any thread.
#pragma once

#include <string_view>

namespace hs::bybit {

// Endpoint paths, joined to the configured base URLs.
inline constexpr std::string_view kPublicSpotPath = "/v5/public/spot";  // market_data_url
inline constexpr std::string_view kTradePath = "/v5/trade";             // order_url
inline constexpr std::string_view kPrivatePath = "/v5/private";         // order_url (same host)
inline constexpr std::string_view kWalletRestPath = "/v5/account/wallet-balance";  // rest_url
inline constexpr std::string_view kWalletRestQuery = "accountType=UNIFIED";
inline constexpr std::string_view kCancelAllRestPath = "/v5/order/cancel-all";         // POST, signed
inline constexpr std::string_view kCancelAllBody = R"({"category":"spot"})";
inline constexpr std::string_view kRealtimeRestPath = "/v5/order/realtime";            // GET, signed
inline constexpr std::string_view kOpenOrdersQuery = "category=spot&openOnly=0";
inline constexpr std::string_view kDcpRestPath = "/v5/order/disconnected-cancel-all";  // POST, signed
inline constexpr std::string_view kTopicDcpSpot = "dcp.spot";

// Market-data topic: "orderbook.<depth>.<symbol>".
inline constexpr std::string_view kOrderbookTopicPrefix = "orderbook.";
// Spot depths the venue serves (README §5.2). The default is 50.
inline constexpr int kSpotDepths[] = {1, 50, 200, 1000};
inline constexpr int kDefaultDepth = 50;

// The smallest spot topic depth that covers `wanted` levels (0 = the default); 1000 at most.
constexpr int TopicDepthFor(int wanted) noexcept {
  if (wanted <= 0) return kDefaultDepth;
  for (int d : kSpotDepths)
    if (d >= wanted) return d;
  return 1000;
}

// Keep-alive: the venue wants {"op":"ping"} at least every 20 s.
inline constexpr int64_t kPingIntervalMs = 20'000;
// Auth signatures expire this long after they are made (README §5.6: "a small margin").
inline constexpr int64_t kAuthExpiryMs = 10'000;
// Order requests' X-BAPI-RECV-WINDOW.
inline constexpr std::string_view kRecvWindow = "8000";

inline constexpr std::string_view kOpOrderCreate = "order.create";
inline constexpr std::string_view kOpOrderCancel = "order.cancel";

// Private-stream topics the order session subscribes to.
inline constexpr std::string_view kTopicOrder = "order";
inline constexpr std::string_view kTopicExecution = "execution";
inline constexpr std::string_view kTopicWallet = "wallet";

// Order statuses (the private `order` topic's orderStatus).
enum class OrderStatus : uint8_t {
  kOther = 0,                // New, PartiallyFilled, Untriggered, ...: still working
  kFilled,                   // fully filled
  kPartiallyFilledCanceled,  // spot IOC remainder canceled after a partial fill
  kCancelled,                // canceled (an IOC that found nothing)
  kRejected,                 // refused by the matching engine
  kDeactivated,              // conditional order deactivated
};

inline OrderStatus OrderStatusFromText(std::string_view s) noexcept {
  if (s == "Filled") return OrderStatus::kFilled;
  if (s == "PartiallyFilledCanceled") return OrderStatus::kPartiallyFilledCanceled;
  if (s == "Cancelled") return OrderStatus::kCancelled;
  if (s == "Rejected") return OrderStatus::kRejected;
  if (s == "Deactivated") return OrderStatus::kDeactivated;
  return OrderStatus::kOther;
}
inline bool IsTerminal(OrderStatus s) noexcept { return s != OrderStatus::kOther; }

}  // namespace hs::bybit
