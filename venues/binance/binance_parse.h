// hs::binance — Binance Spot wire JSON → plain structs with fixed-point numbers.
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction (the
// simdjson parser and the level buffers are sized once). Accepts raw-stream payloads and
// combined-stream frames ({"stream":...,"data":{...}}) alike, keys in any order. Every
// malformed input is a ParseStatus, never a crash. String views in the results borrow the
// input frame or the parser's buffer: valid until the next call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/fixed_point.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"

namespace hs::binance {

using venues::ParseStatus;

using DepthLevel = venues::WireLevel;  // px, qty (zero = delete) and their wire text

enum class FrameKind : uint8_t {
  kBookTicker = 0,  // <symbol>@bookTicker
  kDepthUpdate,     // <symbol>@depth@100ms ("e":"depthUpdate")
  kDepthSnapshot,   // REST /api/v3/depth or a partial-depth payload ("lastUpdateId")
  kSubscribeReply,  // {"result":null,"id":1}
  kErrorReply,      // {"code":..,"msg":..}
};

struct MarketFrame {
  FrameKind kind = FrameKind::kBookTicker;
  std::string_view symbol;     // as sent ("BNBUSDT"); empty for snapshots
  uint64_t first_id = 0;       // depthUpdate U; bookTicker u; snapshot lastUpdateId
  uint64_t last_id = 0;        // depthUpdate u; bookTicker u; snapshot lastUpdateId
  int64_t event_time_ms = 0;   // depthUpdate E (0 when absent)
  Price bid_px;                // bookTicker b
  Qty bid_qty;                 // bookTicker B
  Price ask_px;                // bookTicker a
  Qty ask_qty;                 // bookTicker A
  const DepthLevel* bids = nullptr;  // depth/snapshot levels, in wire order
  int bid_count = 0;
  const DepthLevel* asks = nullptr;
  int ask_count = 0;
  int64_t error_code = 0;
};

struct Balance {
  std::string_view asset;
  Amount free;
  Amount locked;
};

// A WebSocket API reply: order.place / order.status / order.cancel (an order object),
// account.status (balances), openOrders.status / openOrders.cancelAll (an array of orders),
// myTrades (an array of trades), or an error.
struct ApiReply {
  std::string_view id;
  int64_t status = 0;  // HTTP-like: 200 ok, 4xx refused, 5xx unknown outcome
  bool has_error = false;
  int64_t error_code = 0;
  std::string_view error_msg;
  // order.place result
  bool has_order = false;
  std::string_view client_order_id;
  std::string_view order_status;  // NEW, PARTIALLY_FILLED, FILLED, EXPIRED, ...
  uint64_t order_id = 0;
  Qty executed_qty;
  Amount cum_quote;               // cummulativeQuoteQty
  Amount commission;              // Σ fills[].commission
  std::string_view commission_asset;
  bool commission_assets_mixed = false;
  int fill_count = 0;
  int64_t transact_time_ms = 0;
  // account.status result
  const Balance* balances = nullptr;
  int balance_count = 0;
  // Array results (openOrders.status, openOrders.cancelAll, myTrades).
  bool result_array = false;
  int item_count = 0;                      // elements of the array
  const std::string_view* client_ids = nullptr;  // each order element's clientOrderId (≤ kMaxListed)
  int client_id_count = 0;
  Qty trades_qty;                          // myTrades: Σ qty
  Amount trades_quote;                     // myTrades: Σ quoteQty
  // (myTrades: Σ commission and its asset go to commission / commission_asset above.)
};

class Parser {
 public:
  static constexpr int kMaxLevels = 5000;   // REST snapshot limit
  static constexpr int kMaxBalances = 512;
  static constexpr int kMaxListed = 1024;  // order elements of an array result whose ids are kept

  explicit Parser(size_t max_message_bytes = 8u << 20);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // A market-data stream frame or a REST depth body.
  // REQUIRES: data is followed by >= 64 readable bytes (venues::kWsPadding).
  ParseStatus ParseMarket(const char* data, size_t len, MarketFrame* out) noexcept;
  // A WebSocket API reply. Same padding requirement.
  ParseStatus ParseApiReply(const char* data, size_t len, ApiReply* out) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hs::binance
