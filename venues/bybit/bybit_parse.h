// hs::bybit — Bybit v5 wire JSON → plain structs with fixed-point numbers.
//
// Two entry points: ParseMarket for the public spot and linear streams (orderbook snapshots and
// deltas, linear `tickers.<symbol>`, pongs, subscribe acks) and ParseAccount for everything the
// order session reads (trade-WS auth and order.create replies, private-stream pushes
// `execution`, `order`, `wallet`, `position`, and the REST bodies). Keys in any order, numbers straight into fixed point (never
// through floating point), 64-bit sequence numbers.
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction (the simdjson
// parser and every output buffer are sized once). Every malformed input is a ParseStatus, never
// a crash or an exception. String views and level/item pointers in the results borrow the input
// frame or the parser's buffers: valid until the next call on the same Parser.
//
// Not here: book rules (bybit_book.*), what to do with a reply (bybit_orders.*). One Parser per
// owner; owned by the venue thread (or a test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/fixed_point.h"
#include "venues/bybit/bybit_wire.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"

namespace hs::bybit {

using venues::ParseStatus;

using BookLevel = venues::WireLevel;  // px, qty (zero = delete) and their wire text

enum class MarketKind : uint8_t {
  kBookSnapshot = 0,  // orderbook.<depth>.<symbol>, "type":"snapshot"
  kBookDelta,         // orderbook.<depth>.<symbol>, "type":"delta"
  kPong,              // reply to {"op":"ping"}
  kSubscribeReply,    // op subscribe / unsubscribe: success, ret_msg, req_id
  kTicker,            // tickers.<symbol> (linear): mark, index, funding; `ticker_fields` says which came
};

struct MarketFrame {
  MarketKind kind = MarketKind::kBookSnapshot;
  std::string_view symbol;  // data.s (equal to the topic's symbol)
  int topic_depth = 0;      // the <depth> of the topic
  uint64_t update_id = 0;   // data.u
  uint64_t cross_seq = 0;   // data.seq (exceeds int32 on real feeds)
  int64_t ts_ms = 0;        // ts: when the venue produced the message
  int64_t cts_ms = 0;       // cts: matching-engine time (0 when absent)
  const BookLevel* bids = nullptr;  // in wire order
  int bid_count = 0;
  const BookLevel* asks = nullptr;
  int ask_count = 0;
  // kTicker: a delta leaves out what did not change; a bit of ticker_fields per value sent.
  static constexpr uint8_t kTickMark = 1, kTickIndex = 2, kTickFunding = 4, kTickNextFunding = 8;
  uint8_t ticker_fields = 0;
  bool ticker_delta = false;
  Price mark_px;
  Price index_px;
  Rate funding_rate;
  int64_t next_funding_ms = 0;
  // Replies.
  bool success = false;
  bool unsubscribe = false;  // kSubscribeReply for an unsubscribe
  std::string_view req_id;
  std::string_view ret_msg;
};

enum class AccountKind : uint8_t {
  kAuthReply = 0,   // op "auth": success (retCode 0 on the trade WS, success:true on private)
  kSubscribeReply,  // op "subscribe"/"unsubscribe"
  kPong,            // op "pong", or op "ping" answered with ret_msg "pong"
  kOrderReply,      // op "order.create" (and other order.* ops): req_id, ret_code, order ids
  kExecution,       // private topic "execution": executions[]
  kOrder,           // private topic "order": orders[]
  kWallet,          // private topic "wallet", or the REST wallet-balance body: coins[]
  kOtherReply,      // a reply with retCode to an op we do not use (errors to bad requests)
  kOrderList,       // REST /v5/order/realtime body: result.list[] of orders (orders[]), maybe empty
  kPosition,        // private topic "position" (linear): positions[]
};

struct Execution {
  std::string_view order_link_id;  // our client id text ("hs<digits>")
  std::string_view order_id;
  std::string_view exec_id;
  std::string_view symbol;
  std::string_view side;           // "Buy" / "Sell"
  std::string_view fee_currency;   // empty when the venue did not say (then: the received asset)
  Price exec_price;
  Qty exec_qty;
  Amount exec_fee;                 // may be negative (rebates)
  Qty leaves_qty;
  bool has_leaves_qty = false;
  int64_t exec_time_ms = 0;
  // Linear: execType "Trade" for a fill, "Funding" for a funding settlement (execQty = the
  // position's size, execPrice = mark, feeRate = the funding rate, execFee > 0 = paid).
  std::string_view exec_type;
  Amount exec_value;               // execValue: the fill's notional as the venue counts it
  bool has_exec_value = false;
  Rate fee_rate;                   // feeRate (may be negative for funding)
  bool has_fee_rate = false;
  bool funding() const noexcept { return exec_type == kExecTypeFunding; }
};

// One position of a `position` push (linear; ORDERS.md §6.1). Numbers are strings; "" leaves a
// value out (liqPrice "" = none).
struct PositionItem {
  std::string_view symbol;
  std::string_view side;             // "Buy", "Sell", or "" when flat
  std::string_view position_status;  // "Normal", "Liq", "Adl"
  Qty size;                          // unsigned, base coin
  Price entry_px;                    // entryPrice (REST: avgPrice)
  Price mark_px;
  Price liq_px;                      // zero: none
  Amount position_im;
  Amount position_mm;
  Amount unrealised_pnl;
  Rate leverage;
  int trade_mode = -1;               // tradeMode 0 cross / 1 isolated (deprecated: -1 when absent)
  int64_t updated_time_ms = 0;
};

struct OrderUpdate {
  std::string_view order_link_id;
  std::string_view order_id;
  std::string_view symbol;
  std::string_view status_text;    // orderStatus as sent
  std::string_view reject_reason;
  std::string_view fee_currency;   // feeCurrency (empty when absent)
  std::string_view time_in_force;  // timeInForce as sent (empty when absent)
  OrderStatus status = OrderStatus::kOther;
  Qty cum_exec_qty;
  Amount cum_exec_value;           // cumExecValue: quote exchanged so far
  Amount cum_exec_fee;             // cumExecFee: fee so far
  Price avg_price;                 // avgPrice (zero when absent or "0")
  bool has_cum_value = false;      // cumExecValue and cumExecFee both present: full cumulative numbers
  int64_t updated_time_ms = 0;
};

struct Coin {
  std::string_view coin;           // "BTC"
  Amount wallet_balance;
  Amount free;
  Amount locked;
  bool has_wallet_balance = false;
  bool has_free = false;
  bool has_locked = false;
  // Margin figures of the unified account ("" or absent = zero).
  Amount equity;
  Amount total_position_im;
  Amount total_order_im;
  Amount total_position_mm;
  bool has_equity = false;
};

struct AccountMsg {
  AccountKind kind = AccountKind::kOtherReply;
  bool success = false;            // success:true, or retCode 0
  bool has_ret_code = false;
  int64_t ret_code = 0;
  std::string_view ret_msg;
  std::string_view op;
  std::string_view req_id;         // reqId (trade WS) or req_id (streams)
  std::string_view topic;
  // kOrderReply: data.orderId / data.orderLinkId.
  std::string_view order_id;
  std::string_view order_link_id;
  const Execution* executions = nullptr;
  int execution_count = 0;
  const OrderUpdate* orders = nullptr;
  int order_count = 0;
  const Coin* coins = nullptr;
  int coin_count = 0;
  const PositionItem* positions = nullptr;
  int position_count = 0;
  Amount total_available;          // the wallet account's totalAvailableBalance
  bool has_total_available = false;
  bool has_list = false;           // a REST body with result.list (of any kind, maybe empty)
  int item_count = 0;              // entries of data[] or result.list[] (a wallet: accounts)
};

class Parser {
 public:
  static constexpr int kMaxLevels = 2000;    // per side; a 1000-level snapshot fits
  static constexpr int kMaxItems = 256;      // executions / orders per push
  static constexpr int kMaxCoins = 512;

  explicit Parser(size_t max_message_bytes = 4u << 20);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // A public-stream frame (spot or linear). kUnknown for valid JSON this parser does not handle (other
  // topics, other ops). REQUIRES: data is followed by >= 64 readable bytes (venues::kWsPadding).
  ParseStatus ParseMarket(const char* data, size_t len, MarketFrame* out) noexcept;
  // A trade-WS reply, a private-stream push or the REST wallet-balance body. Same padding.
  ParseStatus ParseAccount(const char* data, size_t len, AccountMsg* out) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "orderbook.<depth>.<symbol>". False for anything else (depth must be 1..99999).
bool ParseOrderbookTopic(std::string_view topic, int* depth, std::string_view* symbol) noexcept;
// Splits "tickers.<symbol>". False for anything else.
bool ParseTickersTopic(std::string_view topic, std::string_view* symbol) noexcept;

}  // namespace hs::bybit
