// hs::okx — OKX v5 order entry on the private websocket (order_url + /ws/v5/private).
//
// intents → `op:"order"` requests → ExecReports. On connect the session logs in (HMAC-SHA256
// over timestamp + "GET" + "/users/self/verify", base64), then subscribes the `account` channel
// (the first push after each login is published as the balance snapshot; the session counts as
// connected from then on) and the `orders` channel for SPOT (fills). Later account pushes are
// not forwarded: the core books each fill itself, and a balance push racing the fill pushes
// would count a fill twice.
//
// Each intent becomes one limit order (ordType ioc / fok / limit for IOC / FOK / GTC, post_only
// for a post-only GTC) with tdMode cash; the request's `id` and `clOrdId` are both "hs<client
// id>". The reply (same id) accepts or rejects it (sCode 50011 = the venue's rate limit: reject
// kRateLimited and the instrument's budget backs off 1 s); fills come from `orders` pushes. The
// orders in flight live in a venues::InFlightTable: a fill is FillDelta of the push's cumulative
// accFillSz and fee (negative = charged) over what was already reported, so a repeated, late or
// out-of-order push never counts twice; its quote is fillPx × the new size, exactly as the
// simulator and the venue account it. The order is final when its state is filled or canceled;
// one that ends with nothing filled is a final kCanceled.
//
// Unknown outcomes: no reply within [execution] ack_timeout_ms, or the session dropped
// (MarkAllUnknown) → kUnknown, then a cold 100 ms timer sends signed REST queries with backoff
// (GET /api/v5/trade/order by clOrdId; when it filled further, GET /api/v5/trade/fills for the
// exact cumulative quote): 51603 → kRejected kNotFound (final), filled / canceled → the fill
// (final) or kCanceled, still live → kAcked (a resting GTC stays tracked). Queries for orders a
// disconnect left unknown go out as soon as the session is ready again.
//
// Balance reconciliation (RequestBalances): a signed REST GET /api/v5/account/balance, whose
// data[0].details[] has the same shape as the `account` push, published as one full snapshot
// (one BalanceUpdate per configured asset, the last with final_of_snapshot; an asset the answer
// does not list holds nothing). A reply that cannot be used whole (HTTP error, code != "0", no
// details, a configured currency's balance not an exact decimal) publishes nothing; a malformed
// one counts order_parse_errors.
//
// Cancels reduce risk and never pass the kill-switch check: Cancel(id) writes cancel-order;
// CancelAll() writes batch-cancel-orders (≤ 20 per request; OKX has no spot cancel-all) for
// every order live here plus every open order the last orders-pending listing (made at each
// connect) showed; confirmed when every item answers sCode 0 or 51400 ("filled, canceled or does
// not exist"). REST calls are signed: OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, ISO-ms
// timestamp + method + path?query + body)). With venue.dead_man_s > 0 the session arms OKX's
// cancel-all-after at connect and refreshes it every max(1, dead_man_s / 4) s while connected.
//
// Recovery: an intent with `query` set (an order an earlier session sent and never saw end) is
// adopted as unknown, before the session is ready too (venues::InFlightTable::Adopt), and
// settled by the query above from zero; one the query finds live is canceled (cancel-order).
// With SetCancelAllOnConnect the first ready lists the open orders, sends CancelAll over them
// and every adopted order, and only then lets the queries go.
//
// Perpetuals (VenueConfig::perp(): the venue lists SWAP instruments, ../shared/venues/ORDERS.md
// §6.2): orders carry tdMode isolated / cross (VenueConfig::margin_mode), sz in whole contracts
// (qty / contract size; an intent that is not a whole number of contracts is refused
// kEncodeFailed) and reduceOnly for reduce_only intents; fills convert fillSz / accFillSz back
// to base units. After login the session subscribes account, orders (SWAP), positions (SWAP) and
// balance_and_position, and POSTs /api/v5/account/set-leverage {instId, lever, mgnMode} for each
// symbol; it is ready for orders only once every answer is code 0 and the balance snapshot (the
// settle currency's cashBal: the wallet, locked 0) went out. A refusal is logged with the venue's
// code and counted (order_rejects): the session then never reports ready on that login. Every
// account push publishes a MarginAccountUpdate per settle currency (cashBal, eq, imr, mmr,
// availEq); every positions push a PositionUpdate per position (pos × contract size, signed) and,
// when a position's cumulative fundingFee changed while its size did not (a settlement, not a
// new position), a FundingPayment of the change (OKX: negative = paid, as FundingPayment);
// balance_and_position eventType "liquidation" a PositionUpdate with liquidated set per posData.
// The first positions push after a login is the baseline: funding settled while disconnected is
// not reported as a payment (the wallet in the account push still holds it).
//
// Hot path (OnIntent): render px/sz at the symbol's decimals (never rounded), take a token of
// the instrument's rate budget, write the JSON into a fixed buffer and hand it to the socket under the kill switch. No allocation, no lock,
// no log. Owned by the venue thread; keys live only in this object and are never logged.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "venues/common/http_client.h"
#include "venues/common/order_session.h"
#include "venues/common/signing.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"
#include "venues/okx/okx_keepalive.h"
#include "venues/okx/okx_parse.h"

namespace hs::okx {

// Renders intents as `op:"order"` requests. Pure (no I/O); used by Orders on the hot path and by
// tests and benchmarks directly.
class OrderEncoder {
 public:
  OrderEncoder() = default;
  explicit OrderEncoder(const venues::SymbolTable* symbols) : symbols_(symbols) {}
  void Reset(const venues::SymbolTable* symbols) noexcept { symbols_ = symbols; }
  // Swaps trade in this margin mode (tdMode isolated / cross); spot symbols always trade cash.
  void SetMarginMode(MarginMode m) noexcept { mode_ = m; }
  // Writes the request into out and returns its length, or 0 when the intent cannot be rendered
  // exactly (unknown instrument, price or quantity off the symbol's precision, no room; a swap's
  // quantity that is not a whole number of contracts).
  // A swap (SWAP symbol): sz = qty / contract size in whole contracts, tdMode per SetMarginMode,
  // `"reduceOnly":true` for a reduce_only intent; net position mode (no posSide).
  size_t Encode(const OrderIntent& in, char* out, size_t cap) const noexcept;

 private:
  const venues::SymbolTable* symbols_ = nullptr;
  MarginMode mode_ = MarginMode::kCross;
};

// The login signature: base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")).
std::string LoginSign(const venues::HmacSha256& secret, std::string_view timestamp);
// The login request for a Unix time in seconds. Cold path.
std::string LoginRequest(std::string_view api_key, std::string_view passphrase, const venues::HmacSha256& secret,
                         int64_t unix_seconds);

// REST request signature: base64(HMAC-SHA256(secret, timestamp + method + request_path + body)),
// request_path with its query string; timestamp in ISO 8601 with milliseconds (IsoMillis).
std::string RestSign(const venues::HmacSha256& secret, std::string_view timestamp, std::string_view method,
                     std::string_view request_path, std::string_view body);
// "2020-12-08T09:08:57.715Z" for a Unix time in ms.
std::string IsoMillis(int64_t unix_ms);

// Requests other than `op:"order"` (cold path; each writes into out and returns its length, 0
// when there is no room or the item cannot be rendered).
//   cancel-order:        {"id":"cx<n>","op":"cancel-order","args":[{"instId":..,"clOrdId":..}]}
//   batch-cancel-orders: {"id":"<id>","op":"batch-cancel-orders","args":[{..},..]} (≤ 20 items)
struct CancelItem {
  std::string_view inst_id;
  std::string_view cl_ord_id;  // or, when empty,
  std::string_view ord_id;     // the venue's id (an order another session placed)
};
inline constexpr int kBatchCancelMax = 20;
size_t EncodeCancel(std::string_view inst_id, ClientOrderId id, char* out, size_t cap) noexcept;
size_t EncodeBatchCancel(std::string_view req_id, const CancelItem* items, int n, char* out, size_t cap) noexcept;
// REST paths (with query) for the query, the fills of an order and the open-order listing, and
// the cancel-all-after body.
std::string QueryPath(std::string_view inst_id, ClientOrderId id);
std::string FillsPath(std::string_view inst_id, std::string_view ord_id);
inline constexpr std::string_view kPendingPath = "/api/v5/trade/orders-pending?instType=SPOT";
inline constexpr std::string_view kCancelAfterPath = "/api/v5/trade/cancel-all-after";
inline constexpr std::string_view kBalancePath = "/api/v5/account/balance";
inline constexpr std::string_view kSetLeveragePath = "/api/v5/account/set-leverage";
// {"instId":"BTC-USDT-SWAP","lever":"5","mgnMode":"isolated"}: the leverage a swap trades at, in
// the venue's margin mode. Empty when the leverage cannot be written.
std::string SetLeverageBody(std::string_view inst_id, Rate leverage, MarginMode mode);
std::string CancelAfterBody(int timeout_s);
// OKX codes the session acts on.
inline constexpr std::string_view kCodeGone = "51400";        // cancel: filled, canceled or does not exist
inline constexpr std::string_view kCodeNotFound = "51603";    // query: order does not exist
inline constexpr std::string_view kCodeRateLimit = "50011";   // rate limit reached

// The orders in flight on one session (a venues::InFlightTable) and what the venue's replies,
// `orders` pushes and query answers mean for them, as ExecReports (the rules in this file's
// banner). Pure: no I/O, no clock (callers pass monotonic ns). Used by Orders; tests drive it
// with parsed messages.
class OrderTracker {
 public:
  static constexpr int kCapacity = venues::InFlightTable::kCapacity;
  enum class Outcome : uint8_t {
    kNone = 0,   // nothing to report (a repeated push, a reply to a finished order)
    kReport,     // *out holds a report to publish
    kForeign,    // the id is not one of ours ("hs<digits>")
  };

  OrderTracker(VenueId venue, const venues::SymbolTable* symbols) : venue_(venue), symbols_(symbols) {}

  // True when the intent's slot holds a live order (the intent must be refused).
  bool Busy(ClientOrderId id) const noexcept { return table_.Busy(id); }
  // Starts tracking a sent order. REQUIRES: !Busy(in.client_id).
  void Add(const OrderIntent& in, TscStamp wire, int64_t now_ns = 0) noexcept { table_.Track(in, wire, now_ns); }
  // The order's bytes reached the socket later (queued send).
  void SetWire(ClientOrderId id, TscStamp wire) noexcept;
  // The order never left (kill switch, connection lost): a final reject. False when not tracked.
  bool NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept;
  // An `op:"order"` reply: an ack, or a final reject (kRateLimited for sCode 50011). *wire gets
  // the order's send stamp; *resolved is set when the order was unknown before.
  Outcome OnReply(const PrivateMsg& m, TscStamp recv, ExecReport* out, TscStamp* wire, bool* resolved = nullptr) noexcept;
  // A size on the wire in base units: a swap's contracts × its contract size; spot unchanged.
  Qty ToBase(InstrumentId instrument, Qty wire) const noexcept;
  // One `orders` push entry: a fill, a final cancel, an ack of an unknown order, or nothing.
  // A swap's fillSz / accFillSz (contracts) are converted to base units first.
  Outcome OnPush(const OrderItem& item, TscStamp recv, ExecReport* out, bool* resolved = nullptr) noexcept;
  // A query answer for an order: `order` null = the venue has no such order (final reject
  // kNotFound); otherwise its state, accFillSz, fee and feeCcy, with cum_quote = the exact
  // cumulative quote (sum of fillPx × fillSz over its fills): a fill (final when the order is
  // done), a final kCanceled, or an ack (still open: the entry becomes kAcked). Released when final.
  Outcome OnQuery(ClientOrderId id, const OrderItem* order, Amount cum_quote, TscStamp recv, ExecReport* out) noexcept;
  // The session dropped: each live order not already unknown becomes kUnknown (emit), to be
  // queried once the session is back. Returns how many.
  template <typename Emit>
  int MarkAllUnknown(int64_t now_ns, Emit&& emit) noexcept {
    return table_.MarkAllUnknown(venue_, TscStamp{}, now_ns, emit);
  }
  venues::InFlightTable& table() noexcept { return table_; }
  venues::InFlightEntry* Find(ClientOrderId id) noexcept { return table_.Find(id); }
  int active() const noexcept { return table_.live(); }

 private:
  ExecReport Base(const venues::InFlightEntry& e, TscStamp recv) const noexcept { return table_.Base(e, venue_, recv); }

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  venues::InFlightTable table_;
};

class Orders final : public venues::WsListener {
 public:
  // on_state(): called when connected() changes.
  Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Orders();

  // Cold: reads the key, secret and passphrase from the variables the config names.
  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  void OnIntent(const OrderIntent& in) noexcept;
  // Cancels one order by client id (cancel-order on the socket, never blocked by the kill
  // switch). False when the order is not live here, the socket is down or the cancel budget is
  // spent.
  bool Cancel(ClientOrderId id) noexcept;
  // batch-cancel-orders for every order live here plus every open order the last listing showed
  // (the kill switch path; never blocked by it). True when the requests were written (or there
  // was nothing to cancel: then cancel_all_confirmed is counted at once).
  bool CancelAll() noexcept;
  // Asks for a full balance snapshot (reconciliation; cold): GET /api/v5/account/balance,
  // answered through OnBalanceAnswer. True when the request left; false when the session is not
  // ready or the venue has no rest_url.
  bool RequestBalances() noexcept;
  // Handles the answer to RequestBalances (also the entry point for tests): publishes the
  // snapshot, or nothing (logged; counted in order_parse_errors when malformed). True when
  // published.
  bool OnBalanceAnswer(const venues::HttpResponse& r, Nanos now) noexcept;
  // Logged in and the balance snapshot published.
  bool connected() const noexcept { return ready_; }
  // Recovery (cold, before Start): CancelAll on the first transition to ready, once the
  // open-order listing it covers has arrived; queries of adopted orders wait for it.
  void SetCancelAllOnConnect(bool on) noexcept { cancel_all_on_connect_ = on; }
  // For tests: open orders the last listing showed, and how many of them this session does not
  // track; dead-man's-switch answers; the trigger time (Unix ms) of the last one.
  int listed_open() const noexcept { return static_cast<int>(listed_.size()); }
  int listed_untracked() const noexcept { return listed_untracked_; }
  int lists_done() const noexcept { return lists_done_; }
  int64_t dead_man_trigger_ms() const noexcept { return dead_man_trigger_ms_; }
  const OrderTracker& tracker() const noexcept { return tracker_; }
  OrderTracker& tracker() noexcept { return tracker_; }

  // Handles one private-connection frame.
  void OnFrame(const char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept;

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept override;

 private:
  void SendLogin() noexcept;
  void OnEvent(const PrivateMsg& m) noexcept;
  void HandleAccount(const PrivateMsg& m, Nanos now) noexcept;
  // Perpetuals: the account's margin figures of each settle currency as MarginAccountUpdates.
  void PublishMargin(const PrivateMsg& m, Nanos now) noexcept;
  // positions push: PositionUpdates, and a FundingPayment where a position's cumulative
  // fundingFee moved while its size did not.
  void HandlePositions(const PrivateMsg& m, Nanos now) noexcept;
  // balance_and_position with eventType "liquidation": each posData as a liquidated PositionUpdate.
  void HandleBalanceAndPosition(const PrivateMsg& m, Nanos now) noexcept;
  // Converts one position; false (counted, logged) when it cannot be used. *sym its symbol.
  bool ConvertPosition(const PositionItem& p, PositionUpdate* out, Amount* funding_fee, int* sym) noexcept;
  // Perpetuals: POST set-leverage for every symbol; the session is ready only once all succeed.
  void SetLeverage() noexcept;
  void OnLeverageAnswer(const std::string& inst, uint64_t gen, const venues::HttpResponse& r) noexcept;
  // Ready once the balance snapshot went out and (perpetuals) the leverage is set.
  void MaybeReady() noexcept;
  // Publishes m's balances as one snapshot, or nothing when any configured currency's balance is
  // not usable (counted, logged with `source`). True when published.
  bool PublishSnapshot(const PrivateMsg& m, Nanos now, const char* source) noexcept;
  void HandleOrderReply(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  void HandleCancelReply(const PrivateMsg& m) noexcept;
  void OnReady() noexcept;
  void Tick() noexcept;
  bool SendQuery(venues::InFlightEntry& e) noexcept;
  void OnQueryAnswer(ClientOrderId id, const venues::HttpResponse& r) noexcept;
  void OnFillsAnswer(ClientOrderId id, const OrderItem& order, const venues::HttpResponse& r) noexcept;
  void ListOpen() noexcept;
  // The listing after a connect arrived (or failed): the cancel-all on connect, if asked for,
  // goes now and the held queries after it.
  void AfterListing() noexcept;
  void CancelAdoptedOpen() noexcept;
  void ArmDeadMan() noexcept;
  void Publish(const ExecReport& ex, bool resolved, Nanos now) noexcept;
  std::string_view InstId(InstrumentId id) const noexcept;
  venues::OrderRateBudget* Budget(InstrumentId id) noexcept;
  // Signed REST request on rest_url; `done` runs on the venue thread unless the session was
  // stopped or destroyed first.
  void Rest(std::string_view method, std::string path, std::string body,
            std::function<void(const venues::HttpResponse&)> done);
  // Parses a REST body (copied into padded storage). kOk fills *m.
  ParseStatus ParseRestBody(const std::string& body, PrivateMsg* m) noexcept;

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  std::string api_key_;
  std::string passphrase_;
  venues::HmacSha256 secret_;
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<KeepAlive> keepalive_;
  std::unique_ptr<venues::Timer> login_timer_;
  std::unique_ptr<venues::Timer> tick_timer_;
  std::unique_ptr<venues::Timer> dead_man_timer_;
  venues::QueryPolicy policy_;
  std::vector<venues::OrderRateBudget> budgets_;  // per instrument (OKX counts per instId)
  // Open orders the last orders-pending listing showed (instId, clOrdId, ordId), kept as text.
  struct Listed {
    std::string inst_id, cl_ord_id, ord_id;
  };
  std::vector<Listed> listed_;
  int listed_untracked_ = 0;
  int lists_done_ = 0;
  // Cancel-all in progress: batches not answered yet and whether every item so far was ok.
  uint64_t cancel_all_seq_ = 0;
  int cancel_all_pending_ = 0;
  bool cancel_all_ok_ = true;
  int64_t dead_man_trigger_ms_ = 0;
  std::string rest_buf_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Parser parser_{1u << 20};
  OrderTracker tracker_;
  std::unique_ptr<char[]> buf_;
  bool logged_in_ = false;
  bool ready_ = false;
  // Perpetuals (VenueConfig::perp()): SWAP instruments, leverage and margin mode set at connect.
  bool perp_ = false;
  bool snapshot_done_ = false;  // this login's balance snapshot was published
  int leverage_pending_ = 0;    // set-leverage answers outstanding
  bool leverage_ok_ = false;    // every symbol's set-leverage succeeded on this login
  bool leverage_refused_ = false;
  struct PosState {
    Amount funding_cum;         // the position's cumulative fundingFee at its last push
    Qty size;
    bool known = false;
  };
  std::vector<PosState> pos_state_;  // per symbol
  bool cancel_all_on_connect_ = false;
  bool hold_queries_ = false;  // the cancel-all on connect waits for the listing: queries wait too
  uint64_t generation_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::okx
