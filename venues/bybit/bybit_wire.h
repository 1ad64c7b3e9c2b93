// hs::bybit — Bybit v5 wire constants: paths, topics, op names, depths, enum texts.
// (venues/README §5; production URLs are configuration, these are the fixed parts.)
//
// Not here: parsing (bybit_parse.*) or any state. Constants only; usable from any thread.
#pragma once

#include <string_view>

namespace hs::bybit {

// Endpoint paths, joined to the configured base URLs.
inline constexpr std::string_view kPublicSpotPath = "/v5/public/spot";  // market_data_url
inline constexpr std::string_view kPublicLinearPath = "/v5/public/linear";  // a perpetual venue's
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

// USDT linear perpetuals (a venue whose symbols are perpetuals; ORDERS.md §6.1). Every request
// carries category "linear"; the settings below go out at connect, before orders are taken.
inline constexpr std::string_view kCancelAllLinearBody = R"({"category":"linear","settleCoin":"USDT"})";
inline constexpr std::string_view kOpenOrdersLinearQuery = "category=linear&openOnly=0";
inline constexpr std::string_view kSetMarginModePath = "/v5/account/set-margin-mode";  // POST, signed
inline constexpr std::string_view kSetLeveragePath = "/v5/position/set-leverage";      // POST, signed
inline constexpr std::string_view kMarginModeIsolated = "ISOLATED_MARGIN";
inline constexpr std::string_view kMarginModeCross = "REGULAR_MARGIN";
inline constexpr std::string_view kTopicDcpFuture = "dcp.future";
inline constexpr std::string_view kTopicPosition = "position";
// Mark, index and funding of one perpetual: "tickers.<symbol>" (snapshot, then deltas that
// leave out what did not change).
inline constexpr std::string_view kTickersTopicPrefix = "tickers.";
// set-leverage answers 110043 "leverage not modified" when it is already what was asked.
inline constexpr int64_t kRetLeverageNotModified = 110043;
// execType of a funding settlement on the `execution` topic (never an order's fill).
inline constexpr std::string_view kExecTypeFunding = "Funding";

// Market-data topic: "orderbook.<depth>.<symbol>".
inline constexpr std::string_view kOrderbookTopicPrefix = "orderbook.";
// Spot depths the venue serves (README §5.2). The default is 50.
inline constexpr int kSpotDepths[] = {1, 50, 200, 1000};
inline constexpr int kDefaultDepth = 50;

// Linear (perpetual) depths: 1, 50, 200, 500.
inline constexpr int kLinearDepths[] = {1, 50, 200, 500};

// The smallest spot topic depth that covers `wanted` levels (0 = the default); 1000 at most.
constexpr int TopicDepthFor(int wanted) noexcept {
  if (wanted <= 0) return kDefaultDepth;
  for (int d : kSpotDepths)
    if (d >= wanted) return d;
  return 1000;
}
// The same for a linear topic; 500 at most.
constexpr int LinearTopicDepthFor(int wanted) noexcept {
  if (wanted <= 0) return kDefaultDepth;
  for (int d : kLinearDepths)
    if (d >= wanted) return d;
  return 500;
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
