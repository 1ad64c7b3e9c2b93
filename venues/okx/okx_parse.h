// hs::okx — OKX v5 wire JSON → plain structs with fixed-point numbers.
//
// Three entry points: ParseMarket for the public connection (book pushes on `books`,
// `books-l2-tbt`, `books50-l2-tbt`, `books5`, `bbo-tbt`; events; the text "pong"),
// ParsePrivate for the private one (login and subscribe events, `op:"order"`, `cancel-order`
// and `batch-cancel-orders` replies, and the `orders` and `account` channel pushes) and
// ParseRest for the order session's REST answers (query, fills, open orders, cancel-all-after).
//
// Pure functions of the bytes: no I/O, no clock, no allocation after construction (the simdjson
// parser and every level/item buffer are sized once). Keys may come in any order. Every
// malformed input is a ParseStatus, never a crash or an exception. Levels keep the price and
// size text exactly as received (the checksum is computed from it). String views in the
// results borrow the input frame or the parser: valid until the next call.
//
// Not here: the book rules (okx_book.h) and what the session does with replies (okx_orders.h).
// Owned by one venue thread (one Parser per connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/base/fixed_point.h"
#include "core/messages/messages.h"
#include "venues/common/parse_status.h"
#include "venues/common/wire_level.h"
#include "venues/okx/okx_wire.h"

namespace hs::okx {

using venues::ParseStatus;

using BookLevel = venues::WireLevel;  // px, qty (zero = delete) and their wire text

enum class Channel : uint8_t {
  kNone = 0,      // no arg.channel
  kBooks,         // 400-level snapshot then updates, checksummed
  kBooksL2Tbt,    // same format, tick by tick
  kBooks50L2Tbt,  // same format, 50 levels
  kBooks5,        // full 5-level snapshot every time
  kBboTbt,        // full 1-level snapshot every time
  kAccount,
  kOrders,
  kOther,         // a channel this engine does not use
  // Perpetual swaps.
  kMarkPrice,     // public: markPx
  kFundingRate,   // public: fundingRate, nextFundingTime
  kIndexTickers,  // public: idxPx of the swap's underlying index
  kPositions,     // private: one entry per position
  kBalanceAndPosition,  // private: eventType (liquidation ...), balData, posData
};

// True for the channels that send a snapshot and then incremental updates with checksums.
inline bool IsIncremental(Channel c) noexcept {
  return c == Channel::kBooks || c == Channel::kBooksL2Tbt || c == Channel::kBooks50L2Tbt;
}
inline bool IsBookChannel(Channel c) noexcept {
  return IsIncremental(c) || c == Channel::kBooks5 || c == Channel::kBboTbt;
}
// The depth the server keeps for a book channel.
int ChannelDepth(Channel c) noexcept;
const char* ChannelName(Channel c) noexcept;

enum class Action : uint8_t { kNone = 0, kSnapshot, kUpdate };

enum class EventKind : uint8_t { kNone = 0, kSubscribe, kUnsubscribe, kLogin, kError, kOther };

enum class FrameKind : uint8_t {
  kBook = 0,  // a push on a book channel
  kEvent,     // {"event":...}: subscribe/unsubscribe acks, errors, login
  kPong,      // the text "pong"
  kTicker,    // a push on `mark-price`, `funding-rate` or `index-tickers` (perpetuals)
};

struct MarketFrame {
  FrameKind kind = FrameKind::kBook;
  Channel channel = Channel::kNone;
  Action action = Action::kNone;     // incremental channels only
  std::string_view inst_id;          // arg.instId
  int64_t seq_id = 0;
  int64_t prev_seq_id = 0;           // -1 on a snapshot
  bool has_prev_seq = false;
  int32_t checksum = 0;
  bool has_checksum = false;
  int64_t ts_ms = 0;                 // book generation time (0 when absent)
  const BookLevel* bids = nullptr;   // in wire order (best first)
  int bid_count = 0;
  const BookLevel* asks = nullptr;
  int ask_count = 0;
  // kTicker: what the push carried (mark-price: markPx; funding-rate: fundingRate and
  // nextFundingTime). Funding rates come with more decimals than Rate keeps (16 on the wire):
  // truncated toward zero to 10^-8.
  Price mark_px;
  bool has_mark = false;
  Rate funding_rate;
  bool has_funding = false;
  Price index_px;                    // index-tickers: idxPx (inst_id is then the index's)
  bool has_index = false;
  int64_t next_funding_ms = 0;       // 0 when absent
  // Events.
  EventKind event = EventKind::kNone;
  std::string_view code;             // "0" = ok; error codes are decimal strings
  std::string_view msg;
};

// One entry of an `op:"order"` reply's data, or of an `orders` channel push.
struct OrderItem {
  std::string_view cl_ord_id;
  std::string_view ord_id;
  // op:"order" reply.
  std::string_view s_code;
  std::string_view s_msg;
  bool has_s_code = false;
  // orders channel.
  std::string_view inst_id;
  OrderState state = OrderState::kNone;
  Price fill_px;
  bool has_fill_px = false;        // OKX sends "" when the push is not a fill
  Qty fill_sz;
  bool has_fill_sz = false;
  Qty acc_fill_sz;
  bool has_acc_fill_sz = false;
  Amount fee;                      // accumulated; negative = charged, positive = rebate
  std::string_view fee_ccy;
  Amount fill_fee;                 // this fill's fee, same sign rule (informational)
  std::string_view fill_fee_ccy;
  int64_t u_time_ms = 0;
  // REST answers: GET /api/v5/trade/order (avgPx), POST cancel-all-after (triggerTime).
  Price avg_px;
  bool has_avg_px = false;
  std::string_view trigger_time;   // digits: seconds or milliseconds (see TriggerTimeMs)
};

// cancel-all-after's data[0].triggerTime as Unix milliseconds: OKX documents ms; a value small
// enough to be seconds (< 10^11) is taken as seconds. -1 when not digits.
int64_t TriggerTimeMs(std::string_view text) noexcept;

// One currency of an `account` push (data[0].details[]), as text: only the currencies the
// venue's config names are converted (BalanceAmounts), so an exotic currency the engine never
// trades cannot make the snapshot fail.
struct BalanceItem {
  std::string_view ccy;
  std::string_view avail_text;   // availBal ("" in some account modes)
  std::string_view cash_text;    // cashBal
  std::string_view frozen_text;  // frozenBal
  // Margin figures of the currency (perpetual venues): equity, initial and maintenance margin
  // requirements, available equity. "" where the account mode has none.
  std::string_view eq_text;
  std::string_view imr_text;
  std::string_view mmr_text;
  std::string_view avail_eq_text;
  int64_t u_time_ms = 0;
};

// One position of a `positions` push (or a `posData` item of `balance_and_position`), as text:
// the session converts it once it knows the instrument's contract size (PositionAmounts).
struct PositionItem {
  std::string_view inst_id;
  std::string_view mgn_mode;     // "isolated" | "cross"
  std::string_view pos_side;     // "net" in net mode
  std::string_view pos_text;     // contracts, signed in net mode
  std::string_view avg_px_text;
  std::string_view mark_px_text;
  std::string_view liq_px_text;
  std::string_view margin_text;  // isolated: the margin held
  std::string_view imr_text;     // cross: initial margin requirement
  std::string_view mmr_text;     // maintenance margin requirement (an amount)
  std::string_view upl_text;
  std::string_view lever_text;
  std::string_view funding_fee_text;  // cumulative funding of the position (negative = paid)
  int64_t u_time_ms = 0;
  bool any = false;              // the entry carried at least one position field
};

// Venue-pushed amounts that are not order quantities: "" is zero (not applicable), and digits
// beyond T's scale are truncated toward zero (OKX sends mmr, upl and rates with up to 16
// decimals; these figures are the venue's view, compared and shown, never sent as an order).
// kBadNumber for anything that is not a decimal.
template <typename T>
ParseStatus LenientDecimal(std::string_view text, T* out, bool* present = nullptr) noexcept;

// Base units from OKX contracts: contracts × ct_val, truncated toward zero at 10^-8.
Qty ContractsToBase(Qty contracts, Qty ct_val) noexcept;
// Contracts for a base quantity when it is a whole number of contracts; false otherwise.
bool BaseToContracts(Qty base, Qty ct_val, Qty* contracts) noexcept;

// Converts a position item for an instrument whose contracts hold ct_val base each: size (pos ×
// ct_val, signed), entry, mark, liq (0 when ""), IM (margin when isolated, imr when cross), MM
// (mmr), unrealized PnL (upl), leverage, mode; *funding_fee = the cumulative fundingFee (0 when
// ""). venue/instrument are left to the caller. kMissingField without `pos` or with an unknown
// mgnMode, kBadNumber for a field that is not a decimal.
ParseStatus PositionAmounts(const PositionItem& p, Qty ct_val, PositionUpdate* out, Amount* funding_fee) noexcept;
// A currency's margin figures: wallet = cashBal, equity = eq, IM = imr, MM = mmr, available =
// availEq (availBal when availEq is ""). kMissingField without cashBal.
ParseStatus MarginAmounts(const BalanceItem& b, MarginAccountUpdate* out) noexcept;

// Converts one currency's balance: free = availBal, or cashBal when availBal is empty; locked =
// frozenBal (0 when empty). kMissingField when neither balance is given, kBadNumber when a text
// is not an exact decimal at Amount's scale.
ParseStatus BalanceAmounts(const BalanceItem& b, Amount* free, Amount* locked) noexcept;

enum class PrivateKind : uint8_t {
  kEvent = 0,    // event login / error / subscribe / ...
  kPong,
  kOrderReply,   // op:"order"
  kOrders,       // orders channel push
  kAccount,      // account channel push
  kCancelReply,  // op:"cancel-order" or op:"batch-cancel-orders" (one data item per order)
  kRest,         // a REST answer {"code","msg","data":[...]} (ParseRest only)
  kPositions,    // positions channel push (perpetuals): one PositionItem per data entry
  kBalanceAndPosition,  // balance_and_position push: event_type and the posData items
};

struct PrivateMsg {
  PrivateKind kind = PrivateKind::kEvent;
  EventKind event = EventKind::kNone;
  Channel channel = Channel::kNone;  // arg.channel (subscribe acks and pushes)
  std::string_view id;               // request id of a reply
  std::string_view op;
  std::string_view code;             // top-level code ("0" ok)
  std::string_view msg;
  const OrderItem* orders = nullptr; // replies and orders pushes
  int order_count = 0;
  const BalanceItem* balances = nullptr;
  int balance_count = 0;
  bool has_details = false;          // a data entry carried `details` (account push, balance answer)
  // kPositions: the data entries; kBalanceAndPosition: data[0].posData[].
  const PositionItem* positions = nullptr;
  int position_count = 0;
  std::string_view event_type;       // balance_and_position: "liquidation", "filled", ...
  int64_t p_time_ms = 0;             // balance_and_position: pTime
};

class Parser {
 public:
  static constexpr int kMaxLevels = 5000;    // books sends 400; headroom for other feeds
  static constexpr int kMaxOrderItems = 100;  // a REST page holds up to 100
  static constexpr int kMaxBalances = 512;

  explicit Parser(size_t max_message_bytes = 8u << 20);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // A public-connection frame. kUnknown for valid JSON that is neither a book push on a book
  // channel nor an event (pushes on other channels included).
  // REQUIRES: data is followed by >= 64 readable bytes (venues::kWsPadding).
  ParseStatus ParseMarket(const char* data, size_t len, MarketFrame* out) noexcept;
  // A private-connection frame. Same padding requirement.
  ParseStatus ParsePrivate(const char* data, size_t len, PrivateMsg* out) noexcept;
  // A REST answer (trade/order, trade/fills, trade/orders-pending, trade/cancel-all-after,
  // account/balance): needs `code` and a `data` array of objects; each data object fills one
  // OrderItem, and `details` (account/balance) fills the balances. Same padding requirement.
  // kind = kRest.
  ParseStatus ParseRest(const char* data, size_t len, PrivateMsg* out) noexcept;

  // Ablation switch (benchmarks, tests): false sends every level array through the generic
  // strict scanner instead of the compact-form fast path, and a book push through On-Demand
  // over the whole frame instead of the envelope-only parse and the in-place scan of `data`.
  // Results are identical either way.
  void set_compact_levels(bool on) noexcept { compact_levels_ = on; }

 private:
  struct Impl;
  bool ParseMarketEnvelope(const char* data, size_t len, MarketFrame* out, uint32_t* seen) noexcept;
  ParseStatus ParseObject(const char* data, size_t len, PrivateMsg* out, bool* has_event, bool* has_data,
                          bool* has_details) noexcept;
  std::unique_ptr<Impl> impl_;
  bool compact_levels_ = true;
};

}  // namespace hs::okx
