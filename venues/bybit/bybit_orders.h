// hs::bybit — Bybit v5 spot order entry: intents → `order.create` on the trade WebSocket,
// fills and balances from the private stream → ExecReports and BalanceUpdates.
//
// Two connections, both authenticated with {"op":"auth","args":[key, expires, signature]} where
// signature = hex(HMAC-SHA256(secret, "GET/realtime" + expires)) (README §5.6):
//   - <order_url>/v5/trade: order.create (timeInForce IOC / FOK / GTC, or PostOnly for a GTC
//     with post_only) and order.cancel by orderLinkId. A create reply only says accepted
//     (retCode 0 → kAck) or refused (→ a final kRejected with venue_code; 10006 "Too many
//     visits!" → kRateLimited and the rate budget stops new orders for 1 s). A cancel refused
//     with 170213 "Order does not exist." makes the order unknown (queried).
//   - <order_url>/v5/private: subscribed to `order`, `execution`, `wallet` (and `dcp.spot` when
//     dead_man_s > 0). Fills are exactly-once from cumulative numbers (OrderTracker below);
//     `order` pushes close orders (Filled / PartiallyFilledCanceled / Cancelled / Rejected);
//     `wallet` pushes become one BalanceUpdate per configured asset, the last with
//     final_of_snapshot.
// Signed REST on rest_url (X-BAPI-API-KEY / -TIMESTAMP / -RECV-WINDOW / -SIGN = hex HMAC of
// timestamp + key + recvWindow + body (POST) or query string (GET)): the wallet at connect,
// the open-order list at connect (GET /v5/order/realtime?category=spot&openOnly=0: logs how
// many open orders this session does not track), cancel-all (POST /v5/order/cancel-all,
// retCode 0 → cancel_all_confirmed), queries of unknown orders (GET /v5/order/realtime?
// category=spot&orderLinkId=hs<id>: list[0] settles the order from cumExecQty/Value/Fee, an
// empty list is a final kRejected kNotFound, an open order stays live) and Bybit DCP (POST
// /v5/order/disconnected-cancel-all {"product":"SPOT","timeWindow":dead_man_s} at every
// (re)connect, retCode 0 → dead_man_refreshes; the 20 s ping keeps the connection alive).
// Balance reconciliation (RequestBalances) asks the same signed wallet-balance query again
// (?accountType=UNIFIED) and publishes its answer as a full snapshot like a `wallet` push: the
// `wallet` topic sends no snapshot on subscribe and pushes only on changes, so REST is the
// venue's one way to ask for the whole account. An answer that cannot be used (HTTP error,
// retCode != 0, malformed, no account in result.list) publishes nothing; a malformed one counts
// order_parse_errors.
// Orders count as connected once both sessions are authenticated, the private topics are
// subscribed and a wallet snapshot arrived. A disconnect of either session makes every order
// in flight kUnknown (counted); every 100 ms a cold timer expires acks (ack_timeout_ms) and sends
// due queries (with backoff) while the session is ready, so queries after a reconnect go at once.
// Recovery: an intent with `query` set (an order an earlier session sent and never saw end) is
// adopted as unknown, before the session is ready too, and settled by the query above from
// zero (its whole outcome since it was sent); one the query finds open is canceled. With
// SetCancelAllOnConnect the first ready sends cancel-all and holds the queries until it is
// answered.
// Cancels and cancel-all never pass the kill switch (they reduce risk); cancels use the rate
// budget's reserve of 2.
//
// USDT linear perpetuals (a venue whose symbols are perpetuals, VenueConfig::perp(); ORDERS.md
// §6.1): every request says category "linear" (orders also positionIdx 0, one-way mode, and
// reduceOnly true for a reduce-only intent; qty in the base coin, as in the engine); cancel-all
// sends {"category":"linear","settleCoin":"USDT"}; queries category=linear; DCP product
// DERIVATIVES with topic dcp.future. At every private (re)connect the session sets the venue's
// margin mode (POST /v5/account/set-margin-mode ISOLATED_MARGIN | REGULAR_MARGIN) and each
// symbol's leverage (POST /v5/position/set-leverage; 110043 "not modified" is success) and is
// not ready until all are accepted; a refusal is logged with its retCode, counted in
// order_rejects, and the session never becomes ready (a request that got no usable answer is
// not a refusal: all are asked again a second later). The private stream also carries
// `position` (→ PositionUpdate, signed base size; positionStatus Liq/Adl → liquidated) and the
// `wallet` push's settle coin becomes a MarginAccountUpdate (walletBalance, equity,
// totalPositionIM + totalOrderIM, totalPositionMM, the account's totalAvailableBalance) besides
// its BalanceUpdate (free = walletBalance, locked 0). Executions with execType "Funding" become
// FundingPayments (amount = −execFee), never fills. A fill's fee is in the settle coin and its
// quote is the venue's execValue.
//
// Hot path (OnIntent): rate budget, render decimals at the symbol's precision into a fixed
// buffer, record tick-to-order, hand the frame to the socket under the kill switch. The
// private-stream handlers (OrderTracker) are hot too: no allocation, no lock, no log (errors
// are counted; logs are rate-limited). REST calls are cold (they allocate). Owned by the venue
// thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "venues/bybit/bybit_parse.h"
#include "venues/common/http_client.h"
#include "venues/common/order_session.h"
#include "venues/common/signing.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::bybit {

// Renders requests. Pure (no I/O); used by Orders on the hot path and by tests and benchmarks.
class OrderEncoder {
 public:
  OrderEncoder() = default;
  OrderEncoder(const venues::SymbolTable* symbols, std::string api_key, std::string_view secret) {
    Reset(symbols, std::move(api_key), secret);
  }
  void Reset(const venues::SymbolTable* symbols, std::string api_key, std::string_view secret) {
    symbols_ = symbols;
    api_key_ = std::move(api_key);
    hmac_.SetKey(secret);
  }
  // An order.create request (reqId and orderLinkId "hs<client id>", category spot, Limit at
  // in.limit_px, timeInForce from in.tif). Returns its length, or 0 when the intent cannot be
  // rendered exactly (unknown instrument, price or quantity off the symbol's precision, no room).
  size_t Encode(const OrderIntent& in, int64_t timestamp_ms, char* out, size_t cap) const noexcept;
  // {"reqId":"c<id>","header":{..},"op":"order.cancel","args":[{"category":"spot","symbol":..,
  // "orderLinkId":"hs<id>"}]}. 0 when the instrument is unknown or there is no room.
  size_t EncodeCancel(ClientOrderId id, InstrumentId instrument, int64_t timestamp_ms, char* out,
                      size_t cap) const noexcept;
  // {"op":"auth","args":[key, expires, hex(HMAC(secret, "GET/realtime" + expires))]}; 0 = no room.
  size_t EncodeAuth(int64_t expires_ms, char* out, size_t cap) const noexcept;
  // REST signature: hex(HMAC(secret, timestamp + api_key + recv_window + payload)), 64 chars.
  std::string SignRest(int64_t timestamp_ms, std::string_view recv_window, std::string_view payload) const;
  // The same into out[64] without allocating (benchmarks, hot callers). False when too long.
  bool SignRestInto(int64_t timestamp_ms, std::string_view recv_window, std::string_view payload,
                    char* out) const noexcept;
  const std::string& api_key() const noexcept { return api_key_; }

 private:
  const venues::SymbolTable* symbols_ = nullptr;
  std::string api_key_;
  venues::HmacSha256 hmac_;
};

// The in-flight table (venues::InFlightTable) and the rules that turn replies, private pushes
// and query answers into ExecReports. Fills are exactly-once from cumulative numbers: an
// execution push moves the order to cumExecQty = orderQty − leavesQty (its execValue/execFee
// are the step's quote and fee when the step equals execQty; otherwise the push is skipped and
// the order push or a query, which carry cumExecQty/cumExecValue/cumExecFee, settle it); an
// order push or query answer with cumExecValue and cumExecFee is applied through FillDelta
// directly. Repeated, late or out-of-order messages therefore change nothing.
// Pure apart from publishing (no I/O, no clock reads besides stamps handed in).
class OrderTracker {
 public:
  static constexpr int kInFlight = venues::InFlightTable::kCapacity;

  OrderTracker(VenueId venue, const venues::SymbolTable* symbols, venues::VenuePublisher* pub,
               runtime::VenueCounters* counters)
      : venue_(venue), symbols_(symbols), pub_(pub), counters_(counters) {}

  // False when the slot for this client id is still busy (the caller rejects the intent).
  bool CanTrack(ClientOrderId id) const noexcept { return !table_.Busy(id); }
  // The order's bytes were handed over (or queued): track it. now_ns: monotonic (ack timeout).
  void Track(const OrderIntent& in, TscStamp wire, int64_t now_ns = MonoNow().value) noexcept;
  // A recovery intent (OrderIntent.query): tracked as unknown, queried at once, never sent
  // (venues::InFlightTable::Adopt; counted as unknown_orders).
  void Adopt(const OrderIntent& in, int64_t now_ns = MonoNow().value) noexcept;
  // A queued order's later fate (WsListener::OnWsOrderSent).
  void OnSent(ClientOrderId id, bool sent, TscStamp wire, bool halted) noexcept;

  // What a message did.
  enum class Outcome : uint8_t { kHandled = 0, kUnknownOrder, kAnomaly };
  // An order.create reply (kOrderReply). A rate-limit refusal (retCode 10006) is a final
  // kRejected kRateLimited; *rate_limited (optional) is set so the session backs off.
  Outcome OnOrderReply(const AccountMsg& m, TscStamp recv, Nanos now, bool* rate_limited = nullptr) noexcept;
  // One execution of an `execution` push.
  Outcome OnExecution(const Execution& e, TscStamp recv, Nanos now) noexcept;
  // One order of an `order` push.
  Outcome OnOrderUpdate(const OrderUpdate& o, TscStamp recv, Nanos now) noexcept;
  // The answer to a query by client id: `found` false = the venue has no such order (a final
  // kRejected kNotFound); else list[0] of /v5/order/realtime. Counts unknown_resolved.
  Outcome OnQueryAnswer(ClientOrderId id, bool found, const OrderUpdate& o, TscStamp recv, Nanos now) noexcept;
  // A session dropped: every order in flight has an unknown outcome now (queried later).
  // Returns how many became unknown (counted as unknown_orders).
  int OnDisconnect(Nanos now, int64_t now_ns = MonoNow().value) noexcept;
  // Orders still unanswered after the ack timeout become unknown. Returns how many.
  int ExpireAcks(int64_t now_ns, const venues::QueryPolicy& p, Nanos now) noexcept;

  int active() const noexcept { return table_.live(); }
  int unknown() const noexcept { return table_.unknown(); }
  venues::InFlightTable& table() noexcept { return table_; }
  venues::InFlightEntry* Find(ClientOrderId id) noexcept { return table_.Find(id); }

 private:
  // What the table does not hold: the terminal order push seen before its executions.
  struct Extra {
    ClientOrderId last_id;  // the slot's latest order, kept after it closes (late messages)
    bool used = false;
    bool terminal_seen = false;
    bool acked = false;  // a kAck (or a fill) reached the core
    Qty final_cum;
  };
  Extra& ExtraOf(ClientOrderId id) noexcept { return extra_[id.value % kInFlight]; }
  // A message for no live order: was it for one of ours that already closed?
  bool Closed(std::string_view link) noexcept {
    ClientOrderId id;
    if (!venues::ParseClientId(link, &id)) return false;
    const Extra& x = ExtraOf(id);
    return x.used && x.last_id == id;
  }
  void Release(venues::InFlightEntry* e) noexcept;
  // Marks a live entry as heard from (an unknown one is resolved).
  void Heard(venues::InFlightEntry* e) noexcept;
  AssetId ReceivedAsset(const venues::InFlightEntry& e) const noexcept;
  // Applies cumulative numbers; closes the order when `terminal` (final fill or kCanceled).
  void ApplyCumulative(venues::InFlightEntry* e, const OrderUpdate& o, bool terminal, TscStamp recv, Nanos now) noexcept;

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  venues::VenuePublisher* pub_;
  runtime::VenueCounters* counters_;
  venues::InFlightTable table_;
  std::array<Extra, kInFlight> extra_{};
};

class Orders final : public venues::WsListener {
 public:
  // on_state(): called when connected() changes.
  Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Orders();

  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  void OnIntent(const OrderIntent& in) noexcept;
  bool connected() const noexcept { return ready_; }
  // Recovery (cold, before Start): CancelAll on the first transition to ready; queries of
  // adopted orders wait for its answer.
  void SetCancelAllOnConnect(bool on) noexcept { cancel_all_on_connect_ = on; }
  // Cancels one order by client id (order.cancel on the trade socket). Never blocked by the
  // kill switch; uses the rate budget's cancel reserve. False when nothing was written.
  bool Cancel(ClientOrderId id) noexcept;
  // POST /v5/order/cancel-all {"category":"spot"} (signed). True when the request was started;
  // retCode 0 counts cancel_all_confirmed. Never blocked by the kill switch.
  bool CancelAll() noexcept;
  // Asks for a full wallet snapshot (reconciliation; cold), answered through OnWalletAnswer.
  // True when the request left; false when the session is not ready or there is no rest_url.
  bool RequestBalances() noexcept;
  // Handles a wallet-balance answer (also the entry point for tests): publishes the snapshot,
  // or nothing (logged; counted in order_parse_errors when malformed). True when published.
  bool OnWalletAnswer(venues::HttpResponse r, Nanos now) noexcept;
  // Tests: the tracker, the open orders the last list at connect found that are not ours.
  const OrderTracker& tracker() const noexcept { return tracker_; }
  int foreign_open_orders() const noexcept { return foreign_open_; }

  // WsListener (the trade session).
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept override;

  // Private-stream frames (also the entry point for tests).
  void OnPrivateMessage(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

 private:
  class PrivateListener final : public venues::WsListener {
   public:
    explicit PrivateListener(Orders* o) : o_(o) {}
    void OnWsOpen() noexcept override { o_->OnPrivateOpen(); }
    void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override {
      o_->OnPrivateMessage(data, len, recv, recv_time);
    }
    void OnWsClosed(std::string_view reason) noexcept override { o_->OnPrivateClosed(); }

   private:
    Orders* o_;
  };

  void OnPrivateOpen() noexcept;
  void OnPrivateClosed() noexcept;
  void SendAuth(venues::WsClient* ws, const char* which) noexcept;
  void HandleWallet(const AccountMsg& m, Nanos now) noexcept;
  void HandlePosition(const PositionItem& p, Nanos now) noexcept;
  void HandleFunding(const Execution& x, Nanos now) noexcept;
  // Perpetuals: set-margin-mode, then set-leverage per symbol (signed REST, cold).
  void ApplySettings() noexcept;
  std::string FormatLeverage() const;
  void FetchWallet() noexcept;
  void UpdateReady() noexcept;
  void SchedulePing() noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  // Signed REST call on rest_url: GET signs the query string, POST the body.
  void SignedRest(const char* method, std::string_view path, std::string query, std::string body,
                  std::function<void(venues::HttpResponse)> done);
  void ListOpenOrders() noexcept;
  void ArmDeadMan() noexcept;
  void SendQuery(ClientOrderId id) noexcept;
  void Sweep() noexcept;
  void CancelAdoptedOpen() noexcept;
  void ScheduleSweep() noexcept;
  void OnCancelReply(const AccountMsg& m) noexcept;
  void MarkAllUnknown() noexcept;
  void CountBad(const char* which, ParseStatus st, size_t len) noexcept;
  void Note(OrderTracker::Outcome o) noexcept;

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  OrderTracker tracker_;
  PrivateListener private_listener_{this};
  std::unique_ptr<venues::WsClient> trade_ws_;
  std::unique_ptr<venues::WsClient> private_ws_;
  std::unique_ptr<venues::Timer> ping_timer_;
  std::unique_ptr<venues::Timer> sweep_timer_;
  venues::OrderRateBudget budget_;
  venues::QueryPolicy policy_;
  int foreign_open_ = 0;
  Parser parser_;
  std::unique_ptr<char[]> buf_;
  bool trade_authed_ = false;
  bool private_authed_ = false;
  bool private_subscribed_ = false;
  bool wallet_known_ = false;  // a wallet snapshot arrived since the private session opened
  bool ready_ = false;
  bool cancel_all_on_connect_ = false;
  bool hold_queries_ = false;  // the cancel-all on connect is out: queries wait for its answer
  bool dcp_subscribed_ = false;  // dcp.spot on the private stream (dead_man_s > 0)
  // Perpetuals (a venue that lists linear symbols).
  bool perp_ = false;
  AssetId settle_asset_;          // the perpetuals' quote (USDT)
  bool settings_ok_ = false;      // margin mode and every leverage accepted since the private session opened
  bool settings_refused_ = false; // the venue refused one: the session does not trade (latched)
  int settings_pending_ = 0;       // settings requests not answered yet
  int64_t settings_retry_ns_ = 0;  // monotonic: when settings without an answer are asked again (0 = none)
  uint64_t private_generation_ = 0;  // bumps on every private (re)connect: late REST replies are dropped
  runtime::RateLimited log_limit_;
};

}  // namespace hs::bybit
