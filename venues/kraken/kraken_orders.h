// hs::kraken — Kraken Spot WebSocket v2 order entry (ORDERS.md §1): intents → `add_order` on the
// authenticated socket, `executions` → ExecReports, `balances` → BalanceUpdates.
//
// Session: Start() fetches a WebSocket token with the signed REST call
// POST <rest_url>/0/private/GetWebSocketsToken (headers API-Key and API-Sign =
// base64(HMAC-SHA512(base64-decoded secret, uri_path + SHA256(nonce + postdata))), body
// "nonce=<n>", nonce strictly increasing; cold path, HttpFetch), then opens <order_url> (/v2
// appended when the URL has no path) and subscribes `executions` (snap_orders and snap_trades:
// the open orders and the account's last fills as a snapshot, then every transition and own
// fill) and `balances` (a snapshot: published as
// one BalanceUpdate per configured asset, total balance as free, 0 locked; later balance
// updates are not forwarded, the core books each fill itself). Orders count as connected once
// the executions subscription is acknowledged and the balance snapshot arrived. A reconnect
// fetches a fresh token (a token is only good for 15 minutes unless a connection holds it).
// A refused token request (bad key or signature: the venue's `error[0]`, never the secret) is
// logged, counted and retried every 5 s.
//
// Orders: each intent becomes one limit order, time_in_force "ioc" (kIoc) or "gtc" with
// post_only (kGtc: a resting maker order; FOK does not exist on Kraken and is refused locally
// as kEncodeFailed), limit_price and order_qty written as JSON numbers at the pair's precision
// (never rounded), cl_ord_id the shared client-id text "hs<digits>" (venues::FormatClientId;
// ids of 17+ digits exceed Kraken's 18-character free-text limit and are refused locally),
// req_id a per-session sequence number remembered with the order. In-flight bookkeeping is
// the shared venues::InFlightTable (OrderTracker). The reply acks (kAck, venue_order_id =
// FNV-1a of the order id text) or rejects (kRejected, reason kVenue, venue_code =
// KrakenErrorCode of the error string). `executions` updates: `trade` → a kFill of the step
// from what was reported to the venue's cumulative cum_qty / cum_cost (the fee: what was
// reported plus this trade's fees[], in its asset), final when order_status is filled; a
// repeated or late trade adds nothing (cumulative numbers never go back); `filled` closes an
// order whose last trade did not (kFill of zero, final); `canceled` / `expired` → final
// kCanceled. A trade that cannot be booked exactly (no cum_qty and not filling the order) or a
// close whose cum_qty is ahead of the fills reported (a push was lost) makes the order kUnknown
// until the query below settles it. Updates without cl_ord_id (Kraken's sparse `new`) are
// matched by order_id.
//
// Unknown orders: no reply within [execution] ack_timeout_ms, or a disconnect (every order in
// flight), makes an order kUnknown (counted unknown_orders); a cold timer (100 ms) expires
// acks and sends due queries with backoff (query_backoff_ms doubling, query_attempts).
// The query is Kraken's own WS mechanism, not REST QueryOrders: unsubscribe and subscribe
// `executions` again with snap_orders and snap_trades (counted order_queries; one request
// answers every due order). Why: WS v2 has no order query (ORDERS.md §1.3); REST QueryOrders
// looks orders up by txid or userref, and an order whose reply was lost has no txid known here
// (we tag cl_ord_id, not userref); the REST path in this session exists only for the token,
// with its own nonce; and the snapshot arrives on the same socket as the orders, so it reflects
// every add_order sent before the subscribe (the venue handles a connection's requests in
// order). Every executions snapshot (the one at each connect too) settles each order sent
// before its subscribe: trades listed for it are summed into one cumulative fill (FillDelta),
// then listed open → live again (kAck if the core was never told), not open → final (kFill
// when fully filled, else kCanceled), and neither open nor traded nor ever heard of → final
// kRejected with RejectReason::kNotFound (counted unknown_resolved). Limit: snap_trades lists
// the account's last 50 fills; an order whose fills are older than that is settled with what
// the push stream reported. Pushes lost between the unsubscribe and the new subscription
// are covered by the snapshot itself.
//
// Open orders and find-by-client-id: the session keeps OpenOrders from the executions snapshot
// (snap_orders: every open order of the account, ours and any other; trade entries are past
// fills, not open orders) and the updates after it (new → added, filled / canceled / expired
// → removed); FindOpen(client id) looks up cl_ord_id there. It is emptied on disconnect and
// rebuilt by the next subscription's snapshot. CancelOrder(client id) / CancelAll() send
// cancel_order / cancel_all (for the kill path and operator commands); their outcome arrives
// as `canceled` executions.
//
// Recovery: an intent with `query` set (an order an earlier session sent and never saw end) is
// adopted as unknown, before the session is ready too, and settled like any unknown order by
// an executions snapshot (the one at connect, or a re-snapshot): its trades there are its whole
// outcome from zero. One still open is canceled (cancel_order by cl_ord_id). Limit: an adopted
// order whose fills are older than snap_trades' last 50 reads as closed with nothing filled.
// With SetCancelAllOnConnect the first connect writes cancel_all before subscribing.
//
// Dead man's switch: with venue.dead_man_s > 0, cancel_all_orders_after(timeout = dead_man_s)
// is sent when the session is ready and re-sent every dead_man_s / 3 (at least 1 s, at most
// 30 s) on a cold timer while connected; the venue cancels everything if the engine goes quiet.
//
// Rate limit (ORDERS.md §1.6): a local copy of the per-pair counter (add +1; cancel +8/+6/+5/
// +4/+2/+1 by the order's age, 5/10/15/45/90/300 s; decay per second), Intermediate tier by
// default (125, 2.34/s). An add that would leave less than one cancel's worth (8) of room
// below the threshold is refused locally as kRateLimited before the venue would refuse it.
// Cancels are never refused locally. The venue's own "EOrder:Rate limit exceeded" on an add is
// reported kRejected with RejectReason::kRateLimited (venue_code kErrRateLimit) and raises the
// local counter to the threshold (RateBudget::OnVenueLimit): the next add on that pair is
// refused here until the counter has decayed. Both kinds of refusal count rate_limited.
//
// Hot path (OnIntent, frames): no allocation, no lock, no log (counted; logs rate-limited).
// Owned by the venue thread; the key, secret and token live only here and are never logged.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/messages/messages.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/order_session.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"
#include "venues/kraken/kraken_private_parse.h"

namespace hs::kraken {

inline constexpr std::string_view kTokenPath = "/0/private/GetWebSocketsToken";
inline constexpr int kClientIdMax = 18;  // Kraken's limit for free-text cl_ord_id

// The shared client-id text (venues::FormatClientId: "hs" + decimal digits) into `out` (≥
// kClientIdMax bytes) when it fits Kraken's 18 characters (ids below 10^16); returns its length,
// or 0 when it does not fit (the order is refused locally). venues::ParseClientId reads it back.
int FormatClientId(ClientOrderId id, char* out) noexcept;

// API-Sign of a private REST call: base64(HMAC-SHA512(secret, uri_path + SHA256(nonce +
// postdata))), `secret` already base64-decoded. Cold path.
std::string ApiSign(std::string_view secret, std::string_view uri_path, std::string_view nonce,
                    std::string_view postdata);

// Kraken's error strings as the small integer an ExecReport carries (venue_code).
enum KrakenError : int32_t {
  kErrOther = 1,
  kErrInsufficientFunds = 2,     // "EOrder:Insufficient funds"
  kErrRateLimit = 3,             // "EOrder:Rate limit exceeded"
  kErrUnknownOrder = 4,          // "EOrder:Unknown order"
  kErrPostOnly = 5,              // "EOrder:Post only order"
  kErrInvalidArguments = 6,      // "EGeneral:Invalid arguments..."
  kErrInvalidToken = 7,          // "EAPI:Invalid token" (and other EAPI: errors)
  kErrOrderMinimum = 8,          // "EOrder:Order minimum not met"
};
int32_t KrakenErrorCode(std::string_view error) noexcept;

// FNV-1a of a venue order id ("OABCDE-12345-FGHIJ"): the ExecReport's venue_order_id.
uint64_t OrderIdHash(std::string_view order_id) noexcept;

// The local copy of Kraken's per-pair trading counter. Pure (time is an argument).
class RateBudget {
 public:
  struct Params {
    int64_t max_count = 125;          // threshold (Intermediate; Starter 60, Pro 180)
    int64_t decay_milli_per_s = 2340;  // counter decay per second, in thousandths (2.34/s)
    int64_t reserve = 8;              // room an add must leave for one cancel
  };
  RateBudget() = default;
  explicit RateBudget(Params p) : p_(p) {}
  void set_params(Params p) noexcept { p_ = p; }
  const Params& params() const noexcept { return p_; }
  // An add_order on `pair` (instrument id): charges +1 and returns true, or returns false
  // (nothing charged) when it would leave less than `reserve` below the threshold.
  bool TryAdd(int pair, Nanos now) noexcept;
  // The venue refused an add with "EOrder:Rate limit exceeded": its counter for the pair is at
  // the threshold, so ours is raised to it (an add is allowed again once it has decayed below
  // the threshold by reserve + 1, about 3.8 s at the Intermediate decay).
  void OnVenueLimit(int pair, Nanos now) noexcept;
  // A cancel of an order `age` old: charges its decaying cost (never refused).
  void ChargeCancel(int pair, Nanos age, Nanos now) noexcept;
  // The counter now, in thousandths.
  int64_t level_milli(int pair, Nanos now) noexcept;
  static int64_t CancelCost(Nanos age) noexcept;

 private:
  struct Pair {
    int64_t level_milli = 0;
    Nanos at;
  };
  Params p_;
  std::array<Pair, kMaxInstruments> pairs_{};
};

// Renders requests. Pure (no I/O); used by Orders on the hot path and by tests and benchmarks.
class OrderEncoder {
 public:
  OrderEncoder() = default;
  explicit OrderEncoder(const venues::SymbolTable* symbols) : symbols_(symbols) {}
  void Reset(const venues::SymbolTable* symbols) noexcept { symbols_ = symbols; }
  // The WebSocket token every private request carries (cold: set after each token fetch).
  void SetToken(std::string token) { token_ = std::move(token); }
  bool has_token() const noexcept { return !token_.empty(); }

  // add_order for the intent. Returns its length, or 0 when it cannot be rendered exactly
  // (unknown instrument, price or quantity off the pair's precision, FOK, no token, no room).
  size_t Encode(const OrderIntent& in, int64_t req_id, char* out, size_t cap) const noexcept;
  // cancel_order by cl_ord_id.
  size_t EncodeCancel(ClientOrderId id, int64_t req_id, char* out, size_t cap) const noexcept;
  // cancel_all.
  size_t EncodeCancelAll(int64_t req_id, char* out, size_t cap) const noexcept;
  // cancel_all_orders_after (0 disarms).
  size_t EncodeDeadMan(int timeout_s, int64_t req_id, char* out, size_t cap) const noexcept;
  // subscribe to `executions` (snap_orders true, snap_trades false) or `balances`.
  size_t EncodeSubscribe(std::string_view channel, int64_t req_id, char* out, size_t cap,
                         bool unsubscribe = false) const noexcept;

 private:
  const venues::SymbolTable* symbols_ = nullptr;
  std::string token_;
};

// An order open on the venue, as the executions snapshot and updates describe it.
struct OpenOrder {
  bool ours = false;         // cl_ord_id is one of ours ("hs<hex>")
  ClientOrderId client_id;   // when ours
  char order_id[32] = {};    // venue order id text
  uint8_t order_id_len = 0;
  InstrumentId instrument;   // Invalid when the symbol is not configured
  Side side = Side::kBuy;
  std::string_view order_id_view() const noexcept { return {order_id, order_id_len}; }
};

// The account's open orders (fixed capacity; venue thread).
class OpenOrders {
 public:
  static constexpr int kCapacity = 256;
  void Clear() noexcept { n_ = 0; }
  // Adds or refreshes an order (false when full or the id does not fit).
  bool Upsert(const OpenOrder& o) noexcept;
  void Remove(std::string_view order_id) noexcept;
  const OpenOrder* Find(ClientOrderId id) const noexcept;
  const OpenOrder* FindByOrderId(std::string_view order_id) const noexcept;
  int size() const noexcept { return n_; }
  const OpenOrder& at(int i) const noexcept { return items_[static_cast<size_t>(i)]; }

 private:
  std::array<OpenOrder, kCapacity> items_{};
  int n_ = 0;
};

// The orders in flight and what replies and executions mean for them (this file's banner), on
// the shared in-flight table (venues/common/order_session.h): slot = client id modulo the
// table's capacity. Kraken-specific per slot: the add_order req_id (a failure reply carries no
// cl_ord_id) and the venue's order id text (sparse updates carry only order_id). Fills are
// FillDelta steps from the venue's cumulative numbers (cum_qty, cum_cost; the fee summed per
// trade), so a repeated or late message changes nothing. No I/O, no clock; counts into
// `counters` (unknown_resolved) when given.
class OrderTracker {
 public:
  static constexpr int kCapacity = venues::InFlightTable::kCapacity;
  enum class Outcome : uint8_t {
    kNone = 0,  // nothing to report (a duplicate, an order already final)
    kReport,    // *out holds a report
    kForeign,   // not an order of this session
  };
  // At most this many reports come out of one message for one order (fill, then the close).
  static constexpr int kMaxReports = 2;

  OrderTracker(VenueId venue, const venues::SymbolTable* symbols, runtime::VenueCounters* counters = nullptr)
      : venue_(venue), symbols_(symbols), counters_(counters) {}

  bool Busy(ClientOrderId id) const noexcept { return table_.Busy(id); }
  // REQUIRES: !Busy(in.client_id). `sent` is monotonic time (the ack timeout runs from it).
  void Add(const OrderIntent& in, int64_t req_id, TscStamp wire, Nanos sent) noexcept;
  // A recovery intent (OrderIntent.query): tracked as unknown, never sent, and settled by the
  // next executions snapshot (it counts as sent before every subscription of this session).
  // REQUIRES: !Busy(in.client_id).
  void Adopt(const OrderIntent& in, int64_t now_ns) noexcept;
  void SetWire(ClientOrderId id, TscStamp wire) noexcept;
  bool NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept;
  // An add_order reply.
  Outcome OnAddReply(const PrivateMsg& m, TscStamp recv, ExecReport* out, TscStamp* wire) noexcept;
  // One executions update entry; out[0..n) the reports (n ≤ kMaxReports) and the outcome.
  Outcome OnExec(const ExecItem& e, TscStamp recv, ExecReport* out, int* n) noexcept;
  // One entry that yields at most one report (tests, the hot-path check): the last of them.
  Outcome OnExec(const ExecItem& e, TscStamp recv, ExecReport* out) noexcept;
  // An executions snapshot (snap_orders + snap_trades) that answers the subscribe request
  // `snap_req`: every live order sent before it (add_order req_id < snap_req; the socket keeps
  // order, so the venue handled those first) is settled from the snapshot (see Orders' banner).
  // emit(const ExecReport&) per report. Returns how many orders it settled (final or live).
  template <typename Emit>
  int Reconcile(const PrivateMsg& m, int64_t snap_req, TscStamp recv, Emit&& emit) noexcept {
    int n = 0;
    table_.ForEachLive([&](venues::InFlightEntry& e) {
      const Extra& x = extra_[Slot(e.id)];
      if (x.req_id < 0 || x.req_id >= snap_req) return;
      ExecReport out[kMaxReports + 1];
      const int k = Settle(e, m, recv, out);
      for (int i = 0; i < k; ++i) emit(out[i]);
      ++n;
    });
    return n;
  }
  // When the order was sent (monotonic) and on which pair; false when not in flight.
  bool SentAt(ClientOrderId id, Nanos* sent, InstrumentId* instrument) const noexcept;

  // The session dropped: every live order becomes unknown (kUnknown reported once each).
  template <typename Emit>
  int MarkAllUnknown(int64_t now_ns, Emit&& emit) noexcept {
    return table_.MarkAllUnknown(venue_, TscNow(), now_ns, emit);
  }
  // Orders without any reply after the ack timeout become unknown.
  template <typename Emit>
  int ExpireAcks(int64_t now_ns, const venues::QueryPolicy& p, Emit&& emit) noexcept {
    return table_.ExpireAcks(venue_, TscNow(), now_ns, p, emit);
  }
  venues::InFlightTable& table() noexcept { return table_; }
  int active() const noexcept { return table_.live(); }

 private:
  struct Extra {
    int64_t req_id = -1;
    char order_id[32] = {};
    uint8_t order_id_len = 0;
    bool acked = false;  // the core was told kAck (or a fill)
    std::string_view order_id_view() const noexcept { return {order_id, order_id_len}; }
  };
  static size_t Slot(ClientOrderId id) noexcept { return static_cast<size_t>(id.value % kCapacity); }
  venues::InFlightEntry* FindForExec(const ExecItem& e, bool* foreign) noexcept;
  venues::InFlightEntry* FindByReq(int64_t req_id) noexcept;
  venues::InFlightEntry* FindByOrderId(std::string_view order_id) noexcept;
  void SetOrderId(venues::InFlightEntry* e, std::string_view oid) noexcept;
  // A message about the order arrived: an unknown order is resolved (counted once).
  void Heard(venues::InFlightEntry* e) noexcept;
  void Release(venues::InFlightEntry* e) noexcept;
  int Settle(venues::InFlightEntry& e, const PrivateMsg& m, TscStamp recv, ExecReport* out) noexcept;
  AssetId FeeAsset(const ExecItem& x, const venues::InFlightEntry& e) const noexcept;

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  runtime::VenueCounters* counters_;
  venues::InFlightTable table_;
  std::array<Extra, kCapacity> extra_{};
};

class Orders final : public venues::WsListener {
 public:
  // on_state(): called when connected() changes.
  Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Orders();

  // Cold: reads the key and secret from the variables the config names; the secret must be
  // base64 (Kraken's form). Errors name the variable or field, never a value.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  void OnIntent(const OrderIntent& in) noexcept;
  bool connected() const noexcept { return ready_; }
  // Recovery (cold, before Start): cancel_all on the first connect, written before the
  // executions subscription, so the snapshot that settles adopted orders already reflects it.
  void SetCancelAllOnConnect(bool on) noexcept { cancel_all_on_connect_ = on; }

  // cancel_order for one of our orders (by cl_ord_id) / cancel_all for the account. True when
  // the request went out (the result arrives as `canceled` executions); false when not ready.
  bool CancelOrder(ClientOrderId id) noexcept;
  bool CancelAll() noexcept;
  // Asks for a fresh balances snapshot (reconciliation; cold). True when the request left.
  bool RequestBalances() noexcept;
  // The account's open orders (executions snapshot + updates), and one of ours by client id.
  const OpenOrders& open_orders() const noexcept { return open_; }
  const OpenOrder* FindOpen(ClientOrderId id) const noexcept { return open_.Find(id); }
  // The orders in flight (tests).
  OrderTracker& tracker() noexcept { return tracker_; }

  // Observability (status, tests).
  uint64_t token_failures() const noexcept { return token_failures_; }
  const std::string& last_token_error() const noexcept { return last_token_error_; }
  uint64_t dead_man_acks() const noexcept { return dead_man_acks_; }
  uint64_t local_rate_rejects() const noexcept { return local_rate_rejects_; }
  RateBudget& rate_budget() noexcept { return budget_; }

  // One frame of the authenticated connection (also the entry point for tests).
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept override;

 private:
  std::string Url() const;
  void FetchToken() noexcept;
  void Subscribe() noexcept;
  void ArmDeadMan() noexcept;
  void OnReply(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept;
  void OnExecutions(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept;
  void OnBalances(const PrivateMsg& m, Nanos now) noexcept;
  void UpdateReady() noexcept;
  void UpsertOpen(const ExecItem& e) noexcept;
  void ScheduleSweep() noexcept;
  void Sweep() noexcept;
  void CancelAdoptedOpen() noexcept;
  bool Resnapshot(int64_t now_ns) noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  int64_t NextReqId() noexcept { return ++req_seq_; }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  OrderTracker tracker_;
  OpenOrders open_;
  RateBudget budget_;
  std::string api_key_;
  std::string secret_;  // base64-decoded
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<venues::Timer> token_timer_;
  std::unique_ptr<venues::Timer> dead_man_timer_;
  std::unique_ptr<venues::Timer> sweep_timer_;
  venues::QueryPolicy policy_;
  bool snapshot_pending_ = false;   // an executions subscription awaits its snapshot
  int64_t snapshot_sent_ns_ = 0;    // monotonic ns it was requested
  uint64_t stop_generation_ = 0;    // bumps on Stop(): the sweep timer's callbacks end
  PrivateParser parser_;
  std::unique_ptr<char[]> buf_;
  int64_t req_seq_ = 0;
  int64_t last_nonce_ = 0;
  int64_t executions_req_ = -1;
  int64_t balances_req_ = -1;
  uint64_t generation_ = 0;  // bumps on every (re)connect and stop: late callbacks are dropped
  bool started_ = false;
  bool ws_started_ = false;
  bool token_fresh_ = false;  // fetched and not yet used by a connection
  bool executions_subscribed_ = false;
  bool balances_known_ = false;
  bool ready_ = false;
  bool cancel_all_on_connect_ = false;
  uint64_t token_failures_ = 0;
  std::string last_token_error_;
  uint64_t dead_man_acks_ = 0;
  uint64_t local_rate_rejects_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::kraken
