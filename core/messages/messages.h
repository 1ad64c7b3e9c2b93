// hs::messages — the structs that cross threads, and nothing else (STYLE §1).
//
// Every message is trivially copyable and fits a small budget of cache lines: rings copy them
// by value and the journal writes their bytes as they are. They are the only contract between
// venue threads and the decision core (ports and adapters): venue code never sees core state
// and the core never sees venue wire formats.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"

namespace hs {

// Levels per side carried in a BookTop. The arbitrage walks these to size a trade.
inline constexpr int kBookTopDepth = 5;

struct Level {
  Price px;
  Qty qty;
};

// Top-N of one (venue, instrument) book, from a book that validated. Published by a venue
// thread after each applied change; the core keeps only the newest per (venue, instrument).
struct BookTop {
  VenueId venue;
  InstrumentId instrument;
  uint8_t bid_count = 0;
  uint8_t ask_count = 0;
  uint64_t venue_seq = 0;     // venue's update id / sequence, for diagnostics and staleness
  Nanos exchange_time;        // venue's event time, 0 when the venue sends none
  TscStamp recv_stamp;        // frame received (start of tick-to-order)
  TscStamp publish_stamp;     // pushed into the ring
  Level bids[kBookTopDepth];  // best first
  Level asks[kBookTopDepth];  // best first
};

enum class FeedState : uint8_t {
  kDisconnected = 0,
  kConnecting,
  kSyncing,        // subscribed or fetching a snapshot, book not yet valid
  kSynced,         // book validated, BookTops flow
  kGap,            // sequence gap seen; resync follows
  kChecksumFailed, // checksum mismatch; resync follows
  kCrossed,        // best bid >= best ask; resync follows
  kStale,          // no update within the venue's idle timeout
};
const char* FeedStateName(FeedState s) noexcept;

// Book usability of one (venue, instrument), or of every instrument of the venue when
// `instrument` is invalid. A status with usable=false reaches the core before any further
// BookTop of that book (same ring, FIFO ahead of conflated tops).
struct VenueStatus {
  VenueId venue;
  InstrumentId instrument;  // Invalid() = whole venue (connection state)
  FeedState state = FeedState::kDisconnected;
  bool usable = false;
  bool orders_connected = false;
  TscStamp stamp;
  uint32_t gaps = 0;
  uint32_t checksum_failures = 0;
  uint32_t crossed = 0;
  uint32_t resyncs = 0;
  uint32_t parse_errors = 0;
};

enum class Side : uint8_t { kBuy = 0, kSell = 1 };
enum class TimeInForce : uint8_t { kIoc = 0, kGtc = 1, kFok = 2 };

// Why the core sends an order: counted per purpose in status, the summary and the backtest.
// kCarry: a leg of the cash-and-carry ([allocation.basis]): long spot, short perpetual.
enum class OrderPurpose : uint8_t { kArbitrage = 0, kRebalance, kHedge, kUnwind, kDeleverage, kCarry };
inline constexpr int kOrderPurposes = 6;
const char* OrderPurposeName(OrderPurpose p) noexcept;

// An order the core wants on one venue. Produced only by the core after the risk gate.
// Laid out with no padding byte (the journal compares its bytes across runs; see below).
struct OrderIntent {
  ClientOrderId client_id;
  VenueId venue;
  Side side = Side::kBuy;
  InstrumentId instrument;
  TimeInForce tif = TimeInForce::kIoc;
  OrderPurpose purpose = OrderPurpose::kArbitrage;
  bool reduce_only = false;  // may only reduce a position (perpetuals; ignored on spot venues)
  bool post_only = false;   // GTC only: rest as maker or be refused (where the venue offers it)
  Price limit_px;
  Qty qty;
  uint32_t group = 0;       // id shared by the legs of one decision (an arbitrage pair, a paired rebalance)
  bool cancel = false;      // a cancel of the order `client_id` names: the risk gate always passes it
  // Recovery (DESIGN §8): not a new order but one a previous session sent and never saw end.
  // The order session adopts it as unknown and queries the venue for it by client id; its
  // reports then carry the order's cumulative outcome since it was sent (the core subtracts what
  // it had already booked). The risk gate passes it like a cancel; it never reaches the wire as
  // an order.
  bool query = false;
  uint8_t reserved[2] = {};  // no padding: the journal compares these bytes across runs
  // Measurements, not decisions: TSC latency stamps. No decision reads them, and a replay
  // compares records with them cleared (ClearMeasurements).
  TscStamp origin_stamp;    // recv_stamp of the tick that triggered the decision
  TscStamp decision_stamp;  // when the core emitted it
  Nanos decision_time;      // core's logical time (input time of the trigger)
};

enum class ExecKind : uint8_t {
  kAck = 0,     // accepted, nothing filled yet (resting or pending)
  kFill,        // a fill; `final` says whether the order is done
  kCanceled,    // done with no (further) fill, e.g. IOC remainder expired
  kRejected,    // refused by the venue or by the order session (kill, not connected)
  kUnknown,     // outcome unknown (5xx, timeout): must be reconciled
};
const char* ExecKindName(ExecKind k) noexcept;

enum class RejectReason : uint16_t {
  kNone = 0,
  kVenue,           // the venue said no; `venue_code` holds its code
  kHalted,          // kill switch was set when the session went to send
  kNotConnected,    // no order session
  kEncodeFailed,    // could not render the order at the instrument's precision
  kBackpressure,    // the session's outbound queue was full
  kRateLimited,     // the session's rate budget was exhausted
  kNotFound,        // a query found no such order on the venue: it never arrived (nothing filled)
};

// What happened to an order. A FULL-style venue reply can carry several fills: the venue
// thread emits one kFill per fill, the last with final=true.
struct ExecReport {
  ClientOrderId client_id;
  VenueId venue;
  InstrumentId instrument;
  ExecKind kind = ExecKind::kAck;
  Side side = Side::kBuy;
  bool final = false;
  RejectReason reason = RejectReason::kNone;
  int32_t venue_code = 0;
  Price fill_px;            // average price of this report's fill
  Qty fill_qty;             // base filled by this report
  Amount fill_quote;        // quote exchanged by this report, exactly as the venue accounts it
  Qty cum_qty;              // total filled so far on the order
  Amount fee;               // charged in fee_asset
  AssetId fee_asset;
  uint64_t venue_order_id = 0;
  Nanos venue_time;
  TscStamp recv_stamp;      // reply received
  TscStamp wire_stamp;      // the order's bytes were handed to the socket
};

// Account balance snapshot for one asset on one venue (from the venue's account query).
struct BalanceUpdate {
  VenueId venue;
  AssetId asset;
  bool final_of_snapshot = false;  // last entry of one account snapshot
  Amount free;
  Amount locked;
};

// ---- Perpetuals (issue 15) ----
// Quantities of perpetual positions are always in base units (BTC), whatever unit the venue
// counts in: the adapter multiplies OKX contracts by the contract size (ctVal) and divides
// back when it encodes an order. Amounts are in the instrument's settle asset (its quote).

enum class MarginMode : uint8_t { kCross = 0, kIsolated = 1 };
const char* MarginModeName(MarginMode m) noexcept;

// Mark price, index price and funding of one perpetual (Bybit `tickers.SYMBOL`, OKX
// `mark-price` / `funding-rate`). A venue may send only some fields (Bybit deltas leave out what
// did not change): `fields` says which are set; the others keep their last value.
struct MarkUpdate {
  static constexpr uint8_t kMark = 1, kIndex = 2, kFunding = 4;
  VenueId venue;
  InstrumentId instrument;
  uint8_t fields = 0;
  Price mark_px;
  Price index_px;
  Rate funding_rate;         // per funding interval; > 0: longs pay shorts
  Nanos next_funding_time;   // 0 when not sent
  Nanos exchange_time;
};

// The venue's view of one perpetual position (Bybit `position`, OKX `positions`), as it pushes
// it after every change. Flat: size 0. The engine keeps its own position from its fills and
// compares: liq_px is the venue's estimate, checked against the engine's own formula.
struct PositionUpdate {
  VenueId venue;
  InstrumentId instrument;
  MarginMode mode = MarginMode::kCross;
  bool liquidated = false;   // the venue closed it by liquidation (Bybit positionStatus "Liq",
                             // OKX eventType "liquidation"); size is what is left
  uint8_t reserved[2] = {};
  Qty size;                  // signed, base units: > 0 long, < 0 short
  Price entry_px;            // average entry
  Price mark_px;
  Price liq_px;              // zero: none (flat, or out of range)
  Amount initial_margin;     // position IM (isolated: the margin held, extra margin included)
  Amount maint_margin;       // position MM
  Amount unrealized_pnl;     // on mark
  Rate leverage;             // e.g. 10 = FromUnits(10)
  Nanos venue_time;
};

// The margin account of a venue in one settle asset (Bybit `wallet`, OKX `account`).
struct MarginAccountUpdate {
  VenueId venue;
  AssetId asset;
  Amount wallet_balance;     // cash: deposits + realized PnL − fees ± funding
  Amount equity;             // wallet + unrealized PnL
  Amount initial_margin;     // held by positions and orders
  Amount maint_margin;       // of every position
  Amount available;          // what a new order may use
  Nanos venue_time;
};

// One funding settlement of one position (Bybit execution execType "Funding", OKX the change of
// a position's cumulative fundingFee). amount > 0: received; < 0: paid.
struct FundingPayment {
  VenueId venue;
  InstrumentId instrument;
  AssetId asset;             // settle asset
  Amount amount;
  Rate rate;
  Price mark_px;
  Qty size;                  // the position it was charged on (signed)
  Nanos venue_time;
};

// Everything a venue thread sends the core, in one FIFO per venue. `recv_time` (wall clock
// when the venue thread received the bytes) is the core's notion of time: the core never reads
// a clock, so a replay of the same messages makes the same decisions.
struct VenueMsg {
  enum class Kind : uint8_t { kBookTop = 0, kStatus, kExec, kBalance, kMark, kPosition, kMarginAccount, kFunding };
  Kind kind = Kind::kBookTop;
  Nanos recv_time;
  union {
    BookTop top;
    VenueStatus status;
    ExecReport exec;
    BalanceUpdate balance;
    MarkUpdate mark;
    PositionUpdate position;
    MarginAccountUpdate margin;
    FundingPayment funding;
  };
  VenueMsg() noexcept : top{} {}
};

// kRefused: an operator request the control thread turned down (a peer with another uid, an
// unknown venue, ...). It changes nothing; it travels to the core only so that the journal holds
// every operator action, refused ones included (audit).
// kDrain (the engine is stopping): no new group starts; open ones may still end (repairs run).
// kReset: an operator resets the breaker `arg` names (risk::BreakerId): its tripped and latched
// slots clear (the journal breaker cannot be reset).
// kJournalFailed: the core saw the journal writer fail. kBackpressure: the core saw a queue it
// writes to (the journal's when `venue` is Invalid(), else that venue's intent ring) become full
// (arg 1) or drain (arg 0); while full, no new orders go to it. The core makes both itself, at
// the start of a step, and journals them as inputs before handling them: decisions never read
// another thread's state directly, so a replay reproduces them at the same points.
enum class ControlOp : uint8_t {
  kNone = 0, kHalt, kReduce, kResume, kKill, kShutdown, kTimer, kRefused, kDrain, kReset, kJournalFailed, kBackpressure
};
const char* ControlOpName(ControlOp op) noexcept;

inline constexpr uint32_t kNoPeer = 0xFFFFFFFFu;  // a command the engine issued itself (no operator)

// From the control thread to the core.
struct ControlCommand {
  ControlOp op = ControlOp::kNone;
  VenueId venue;          // Invalid() = global
  ControlOp refused_op = ControlOp::kNone;  // kRefused: what was asked (kNone: the peer itself)
  uint8_t arg = 0;        // kReset: the breaker (risk::BreakerId)
  uint32_t peer_uid = kNoPeer;  // the operator's uid (admin socket peer credentials)
  uint64_t request_id = 0;
  Nanos time;             // control thread's clock when it issued the command: the core's time input
};

// Compile-time budgets: cheap to copy, safe to memcpy into a ring or a journal.
static_assert(std::is_trivially_copyable_v<BookTop>);
static_assert(std::is_trivially_copyable_v<VenueStatus>);
static_assert(std::is_trivially_copyable_v<OrderIntent>);
static_assert(std::is_trivially_copyable_v<ExecReport>);
static_assert(std::is_trivially_copyable_v<BalanceUpdate>);
static_assert(std::is_trivially_copyable_v<MarkUpdate>);
static_assert(std::is_trivially_copyable_v<PositionUpdate>);
static_assert(std::is_trivially_copyable_v<MarginAccountUpdate>);
static_assert(std::is_trivially_copyable_v<FundingPayment>);
static_assert(std::is_trivially_copyable_v<VenueMsg>);
static_assert(std::is_trivially_copyable_v<ControlCommand>);
static_assert(sizeof(ControlCommand) == 24, "ControlCommand: the operator's uid fits the old padding");
static_assert(sizeof(BookTop) <= 4 * 64, "BookTop budget: four cache lines");
static_assert(sizeof(OrderIntent) <= 64, "OrderIntent budget: one cache line");
// The core's outputs are journaled as their bytes and a replay compares them bit for bit:
// no padding byte may carry whatever the stack held.
static_assert(std::has_unique_object_representations_v<OrderIntent>, "OrderIntent: no padding");

// Clears the latency measurements (TSC stamps) a record carries, leaving only what decisions
// are made of: two runs over the same inputs agree on everything that remains, bit for bit.
void ClearMeasurements(OrderIntent& i) noexcept;
void ClearMeasurements(VenueMsg& m) noexcept;
static_assert(sizeof(ExecReport) <= 2 * 64, "ExecReport budget: two cache lines");
static_assert(sizeof(VenueMsg) <= 4 * 64, "VenueMsg budget: four cache lines");

}  // namespace hs
