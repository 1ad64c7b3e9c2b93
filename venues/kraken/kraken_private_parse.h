// hs::kraken — Kraken WebSocket v2 *authenticated* JSON → plain structs (ORDERS.md §1): method
// replies (add_order, cancel_order, cancel_all, cancel_all_orders_after, subscribe), the
// `executions` channel (snapshot and update) and the `balances` channel, plus the REST
// GetWebSocketsToken reply. Market data stays in kraken_parse.h.
//
// Kraken writes quantities, prices, costs and fees as JSON numbers; they are read from their
// text straight into fixed point (no floating point). A number with more decimals than our
// scale, an exponent or a sign where none belongs is kBadNumber: the message is refused whole.
// Fields are optional because Kraken's updates are sparse (a `new` carries ids and status
// only); the has_* flags say what was present. Unknown keys are skipped, keys in any order.
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction. Views borrow
// the input frame or the parser: valid until the next call. Owned by the venue thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "venues/common/parse_status.h"

namespace hs::kraken {

using venues::ParseStatus;

enum class PrivateKind : uint8_t {
  kReply = 0,    // a method reply ({"method":..., "success":..., "req_id":...})
  kExecutions,   // channel "executions"
  kBalances,     // channel "balances"
  kHeartbeat,    // channel "heartbeat"
  kStatus,       // channel "status"
};

enum class ExecType : uint8_t {
  kOther = 0,  // amended, restated, status, iceberg_refill, anything new
  kPendingNew,
  kNew,
  kTrade,
  kFilled,
  kCanceled,
  kExpired,
};
ExecType ExecTypeOf(std::string_view s) noexcept;

// One entry of an `executions` message.
struct ExecItem {
  ExecType exec_type = ExecType::kOther;
  std::string_view exec_type_text;
  std::string_view order_id;
  std::string_view cl_ord_id;
  std::string_view exec_id;
  std::string_view order_status;
  std::string_view symbol;
  std::string_view side;           // "buy" / "sell"
  std::string_view time_in_force;  // "GTC" / "IOC" / "GTD" (any case)
  std::string_view reason;
  std::string_view fee_asset;      // fees[0].asset
  Qty order_qty, cum_qty, last_qty;
  Price limit_price, last_price;
  Amount cost, fee;                // this trade's quote cost and fee (fees summed when in one asset)
  Amount cum_cost;                 // the order's total quote cost so far
  uint64_t trade_id = 0;
  Nanos timestamp;
  bool has_order_qty = false, has_cum_qty = false, has_last_qty = false, has_limit_price = false;
  bool has_last_price = false, has_cost = false, has_cum_cost = false, has_fee = false, has_trade_id = false;
  bool fee_assets_mixed = false;   // fees[] named more than one asset (only the first is summed)
};

struct BalanceItem {
  std::string_view asset;
  Amount balance;  // total in the spot wallet(s)
};

struct PrivateMsg {
  PrivateKind kind = PrivateKind::kReply;
  // Replies.
  std::string_view method;
  int64_t req_id = -1;  // -1 when absent
  bool success = false;
  std::string_view error;
  std::string_view order_id;   // result.order_id
  std::string_view cl_ord_id;  // result.cl_ord_id
  std::string_view channel;    // result.channel (subscribe acks)
  int64_t count = -1;          // result.count (cancel_all)
  std::string_view current_time, trigger_time;  // cancel_all_orders_after (camelCase keys)
  int64_t max_rate_count = 0;  // result.maxratecount (executions subscribe ack)
  // Channel pushes.
  bool snapshot = false;       // type "snapshot" (else "update")
  int64_t sequence = -1;
  const ExecItem* execs = nullptr;
  int exec_count = 0;
  const BalanceItem* balances = nullptr;
  int balance_count = 0;
};

// The REST GetWebSocketsToken reply: {"error":[],"result":{"token":"…","expires":900}}.
struct TokenReply {
  std::string_view token;
  std::string_view first_error;  // error[0] when the venue refused ("EAPI:Invalid signature")
  int64_t expires_s = 0;
};

class PrivateParser {
 public:
  static constexpr int kMaxExecs = 512;     // entries in one executions message
  static constexpr int kMaxBalances = 256;  // assets in one balances message

  explicit PrivateParser(size_t max_message_bytes = 1u << 20);
  ~PrivateParser();
  PrivateParser(const PrivateParser&) = delete;
  PrivateParser& operator=(const PrivateParser&) = delete;

  // One frame of the authenticated connection. kUnknown = valid JSON this session does not use
  // (another channel). REQUIRES: data is followed by >= 64 readable bytes (venues::kWsPadding).
  ParseStatus Parse(const char* data, size_t len, PrivateMsg* out) noexcept;
  // The token reply (cold path). kOk with an empty token and first_error set when refused.
  ParseStatus ParseToken(const char* data, size_t len, TokenReply* out) noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hs::kraken
