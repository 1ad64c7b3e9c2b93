// hs::binance — Binance Spot order entry over the WebSocket API, HMAC-SHA256 signed requests.
//
// intents → signed requests → ExecReports. Owned by the venue thread. On connect it asks for
// `account.status` and publishes the balances; orders count as connected once those arrived,
// and `openOrders.status` per configured symbol is asked once (open orders of the account this
// session does not track are logged and counted in untracked_open()).
//
// Orders: each intent becomes one `order.place` with newOrderRespType=FULL, so the reply (the
// ack) carries the fills and commissions the core books exactly as the venue does: kIoc/kFok →
// type=LIMIT + timeInForce; kGtc → type=LIMIT + timeInForce=GTC, or type=LIMIT_MAKER (no
// timeInForce) when post_only. Request `id` and `newClientOrderId` are both "hs<client id>"
// (venues::FormatClientId). Replies are applied through venues::InFlightTable::FillDelta from
// the venue's cumulative numbers (executedQty, cummulativeQuoteQty, Σ fills[].commission), so a
// repeated or late reply changes nothing.
//
// Other requests (cold path; every one signed like order.place; ids say what answers are):
//   order.cancel        {symbol, origClientOrderId}  id "cn<client id>"  (Cancel)
//   openOrders.cancelAll {symbol}                    id "ca<instrument>" (CancelAll, per symbol)
//   order.status        {symbol, origClientOrderId}  id "qs<client id>"  (query of an unknown order)
//   myTrades            {symbol, orderId}            id "qt<client id>"  (its exact commissions)
//   openOrders.status   {symbol}                     id "ls<instrument>" (at connect)
// Cancels and cancel-alls are written directly on the socket, never held back by the kill
// switch (they reduce risk), and take from the rate budget's cancel reserve.
//
// Unknown outcomes: an order with no reply within [execution] ack_timeout_ms, a 5xx reply, or a
// dropped session becomes kUnknown (published, counted in unknown_orders). A cold 100 ms timer
// expires acks and sends due queries (order.status by origClientOrderId, backoff per
// QueryPolicy). Binance's order.status carries no commission: when executedQty is above what
// was reported, myTrades {orderId} gives each trade's exact commission; their sums become one
// FillDelta (final when the order is done). -2013 "Order does not exist." → kRejected final
// kNotFound. Still open (NEW / PARTIALLY_FILLED) → kAck, stays live. Each counts unknown_resolved.
// A cancel answered -2011 "Unknown order sent." turns the order unknown (it may have filled):
// the query settles it. A successful cancel with executedQty above what was reported also goes
// through myTrades before the final report.
//
// Recovery: an intent with `query` set is an order an earlier session sent and never saw end.
// It is adopted as unknown (InFlightTable::Adopt; before the session is ready too) and goes
// through the query path above, so its reports carry its whole outcome since it was sent. One
// the query finds still open (a GTC) is canceled. With SetCancelAllOnConnect the first ready
// sends CancelAll before any query.
//
// Rate limit: ORDERS 50 per 10 s (config::DefaultOrderRate, or venue.order_rate /
// order_rate_window_ms) as a token bucket with 2 kept for cancels; beyond it an intent is
// refused locally (kRateLimited, counted rate_limited). The venue's -1015 (HTTP 429) rejects the
// order kRateLimited and stops new orders for 1 s (OrderRateBudget::OnVenueLimit).
//
// Dead man's switch: Binance Spot has none (config refuses dead_man_s > 0 for binance), so
// there is no refresh here; the kill path's CancelAll (openOrders.cancelAll per symbol) covers
// it.
//
// Hot path (OnIntent): render decimals at the symbol's precision, build the sorted parameter
// string, sign it with the precomputed HMAC state, write the JSON into a fixed buffer and hand
// it to the socket under the kill switch. No allocation, no lock, no log.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "venues/binance/binance_parse.h"
#include "venues/common/order_session.h"
#include "venues/common/signing.h"
#include "venues/common/symbol_table.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::binance {

// Renders an intent as a signed `order.place` request. Pure (no I/O); used by Orders on the hot
// path and by tests and benchmarks directly.
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
    // Every order's signature payload starts with these bytes: absorb them once.
    prefix_ = hmac_.MakePrefix("apiKey=" + api_key_ + "&newClientOrderId=hs");
    // order.cancel and order.status payloads start with these bytes.
    orig_prefix_text_ = "apiKey=" + api_key_ + "&origClientOrderId=hs";
    orig_prefix_ = hmac_.MakePrefix(orig_prefix_text_);
  }
  // Writes the request into out and returns its length, or 0 when the intent cannot be
  // rendered exactly (unknown instrument, price or quantity off the symbol's precision, no room).
  size_t Encode(const OrderIntent& in, int64_t timestamp_ms, char* out, size_t cap) const noexcept;
  // A signed account.status request.
  size_t EncodeAccountStatus(uint64_t request_no, int64_t timestamp_ms, char* out, size_t cap) const noexcept;
  // order.cancel of one of our orders by origClientOrderId (id "cn<client id>"). No allocation.
  size_t EncodeCancel(ClientOrderId id, InstrumentId instrument, int64_t timestamp_ms, char* out,
                      size_t cap) const noexcept;
  // openOrders.cancelAll for the instrument's symbol (id "ca<instrument>").
  size_t EncodeCancelAll(InstrumentId instrument, int64_t timestamp_ms, char* out, size_t cap) const noexcept;
  // order.status by origClientOrderId (id "qs<client id>").
  size_t EncodeQuery(ClientOrderId id, InstrumentId instrument, int64_t timestamp_ms, char* out,
                     size_t cap) const noexcept;
  // myTrades of one venue order (id "qt<client id>").
  size_t EncodeTrades(ClientOrderId id, InstrumentId instrument, uint64_t order_id, int64_t timestamp_ms, char* out,
                      size_t cap) const noexcept;
  // openOrders.status for the instrument's symbol (id "ls<instrument>").
  size_t EncodeListOpen(InstrumentId instrument, int64_t timestamp_ms, char* out, size_t cap) const noexcept;

 private:
  struct Param {
    std::string_view key;
    std::string_view value;
    bool quoted;  // a JSON string (else a number)
  };
  // {"id":"<prefix><tag>","method":..,"params":{apiKey, params..., timestamp, signature}}, the
  // signature over every param (apiKey, the given ones, timestamp) sorted by key. `params` must
  // be sorted and sort between "apiKey" and "timestamp".
  size_t EncodeSigned(std::string_view id_prefix, uint64_t tag, std::string_view method, const Param* params,
                      int n, int64_t ts, char* out, size_t cap) const noexcept;

  const venues::SymbolTable* symbols_ = nullptr;
  std::string api_key_;
  venues::HmacSha256 hmac_;
  venues::HmacSha256::Prefix prefix_;
  std::string orig_prefix_text_;
  venues::HmacSha256::Prefix orig_prefix_;
};

class Orders final : public venues::WsListener {
 public:
  // on_state(): called when orders_connected changes.
  Orders(venues::VenueContext ctx, const venues::SymbolTable* symbols, std::function<void()> on_state);
  ~Orders();

  absl::Status Init();
  void Start() noexcept;
  void Stop() noexcept;
  void OnIntent(const OrderIntent& in) noexcept;
  bool connected() const noexcept { return ready_; }
  // Recovery (cold, before Start): CancelAll on the first transition to ready, before the
  // queries of adopted orders go out.
  void SetCancelAllOnConnect(bool on) noexcept { cancel_all_on_connect_ = on; }
  // order.cancel for one of our live orders; true when it was written. Never blocked by the
  // kill switch. The outcome arrives as the order's final report.
  bool Cancel(ClientOrderId id) noexcept;
  // openOrders.cancelAll for every configured symbol; true when all were written.
  // cancel_all_confirmed counts once all of them succeeded.
  bool CancelAll() noexcept;
  // Asks account.status again (balance reconciliation; cold). True when the request left.
  bool RequestBalances() noexcept {
    if (!ready_) return false;
    RequestAccount();
    return true;
  }

  // For tests and status.
  const venues::InFlightTable& inflight() const noexcept { return table_; }
  int untracked_open() const noexcept { return untracked_open_; }
  int list_replies() const noexcept { return list_replies_; }

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept override;

 private:
  // What a query learned from order.status while its myTrades is out.
  struct Pending {
    bool final = false;
    bool terminal_canceled = false;  // CANCELED / EXPIRED / REJECTED (no more fills)
    Qty executed;
  };
  static constexpr int64_t kVenueLimitBackoffNs = 1'000'000'000;
  static constexpr int64_t kTickMs = 100;

  // A recovery intent (OrderIntent.query): tracked as unknown and queried, never sent.
  void Adopt(const OrderIntent& in) noexcept;
  void RequestAccount() noexcept;
  void RequestOpenOrders() noexcept;
  void Tick() noexcept;
  void ArmTimer() noexcept;
  bool SendQuery(venues::InFlightEntry& e) noexcept;
  bool SendTrades(venues::InFlightEntry& e, const Pending& p) noexcept;
  void MakeUnknown(venues::InFlightEntry& e, TscStamp recv) noexcept;
  void Resolved(venues::InFlightEntry& e, bool was_unknown, bool final) noexcept;
  void HandleAccount(const ApiReply& r, Nanos now) noexcept;
  void HandleOrderReply(const ApiReply& r, TscStamp recv, Nanos now) noexcept;
  // The live entry a reply whose id carries `prefix` answers, or nullptr: an id that is not
  // ours is counted as an unknown message; a settled order's entry is simply gone.
  venues::InFlightEntry* TaggedEntry(const ApiReply& r, std::string_view prefix) noexcept;
  void HandleCancelReply(const ApiReply& r, TscStamp recv) noexcept;
  void HandleCancelAllReply(const ApiReply& r, TscStamp recv) noexcept;
  void HandleQueryReply(const ApiReply& r, TscStamp recv) noexcept;
  void HandleTradesReply(const ApiReply& r, TscStamp recv) noexcept;
  void HandleListReply(const ApiReply& r) noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  void Publish(const ExecReport& ex) noexcept;
  Pending& PendingOf(ClientOrderId id) noexcept { return pending_[id.value % venues::InFlightTable::kCapacity]; }

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  std::unique_ptr<venues::WsClient> ws_;
  std::unique_ptr<venues::Timer> timer_;
  Parser parser_;
  venues::InFlightTable table_;
  std::array<Pending, venues::InFlightTable::kCapacity> pending_{};
  venues::OrderRateBudget budget_;
  venues::QueryPolicy policy_;
  std::unique_ptr<char[]> buf_;
  bool ready_ = false;
  bool stopped_ = false;
  uint64_t account_requests_ = 0;
  int cancel_all_waiting_ = 0;  // replies still due for the current cancel-all
  bool cancel_all_failed_ = false;
  bool cancel_all_on_connect_ = false;
  int untracked_open_ = 0;
  int list_replies_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::binance
