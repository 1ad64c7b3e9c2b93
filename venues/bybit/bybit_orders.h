// hs::bybit — Bybit v5 spot order entry: intents → `order.create` on the trade WebSocket,
// fills and balances from the private stream → ExecReports and BalanceUpdates.
//
// Two connections, both authenticated with {"op":"auth","args":[key, expires, signature]} where
// signature = hex(HMAC-SHA256(secret, "GET/realtime" + expires)) (README §5.6):
//   - <order_url>/v5/trade: order.create requests; a reply only says accepted (retCode 0) or
//     refused (retCode != 0 → a final kRejected with venue_code);
//   - <order_url>/v5/private: subscribed to `order`, `execution` and `wallet`. Each execution is
//     one kFill (fill_quote = execPrice × execQty, rounded down to 10^-9 as the venue books it;
//     fee in feeCurrency, or in the received asset when the venue leaves it out); `order` pushes
//     close orders (Filled / PartiallyFilledCanceled / Cancelled / Rejected); `wallet` pushes
//     become one BalanceUpdate per configured asset, the last with final_of_snapshot.
// Orders count as connected once both sessions are authenticated, the private topics are
// subscribed and a wallet snapshot arrived (pushed after the subscription, or fetched from
// <rest_url>/v5/account/wallet-balance when rest_url is set). A disconnect of either session
// turns every order in flight into kUnknown. Keep-alive {"op":"ping"} every 20 s on both.
//
// Hot path (OnIntent): render decimals at the symbol's precision into a fixed buffer, record
// tick-to-order, hand the frame to the socket under the kill switch. The private-stream
// handlers (OrderTracker) are hot too: no allocation, no lock, no log (errors are counted; logs
// are rate-limited). Owned by the venue thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "venues/bybit/bybit_parse.h"
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
  // {"op":"auth","args":[key, expires, hex(HMAC(secret, "GET/realtime" + expires))]}; 0 = no room.
  size_t EncodeAuth(int64_t expires_ms, char* out, size_t cap) const noexcept;
  // REST signature: hex(HMAC(secret, timestamp + api_key + recv_window + payload)), 64 chars.
  std::string SignRest(int64_t timestamp_ms, std::string_view recv_window, std::string_view payload) const;
  const std::string& api_key() const noexcept { return api_key_; }

 private:
  const venues::SymbolTable* symbols_ = nullptr;
  std::string api_key_;
  venues::HmacSha256 hmac_;
};

// The in-flight table and the rules that turn replies and private pushes into ExecReports.
// Pure apart from publishing (no I/O, no clock reads besides receive stamps handed in).
class OrderTracker {
 public:
  static constexpr int kInFlight = 1024;

  OrderTracker(VenueId venue, const venues::SymbolTable* symbols, venues::VenuePublisher* pub,
               runtime::VenueCounters* counters)
      : venue_(venue), symbols_(symbols), pub_(pub), counters_(counters) {}

  // False when the slot for this client id is still busy (the caller rejects the intent).
  bool CanTrack(ClientOrderId id) const noexcept { return !inflight_[id.value % kInFlight].active; }
  // The order's bytes were handed over (or queued): track it.
  void Track(const OrderIntent& in, TscStamp wire) noexcept;
  // A queued order's later fate (WsListener::OnWsOrderSent).
  void OnSent(ClientOrderId id, bool sent, TscStamp wire, bool halted) noexcept;

  // What a message did.
  enum class Outcome : uint8_t { kHandled = 0, kUnknownOrder, kAnomaly };
  // An order.create reply (kOrderReply).
  Outcome OnOrderReply(const AccountMsg& m, TscStamp recv, Nanos now) noexcept;
  // One execution of an `execution` push.
  Outcome OnExecution(const Execution& e, TscStamp recv, Nanos now) noexcept;
  // One order of an `order` push.
  Outcome OnOrderUpdate(const OrderUpdate& o, TscStamp recv, Nanos now) noexcept;
  // A session dropped: every order in flight has an unknown outcome now.
  void OnDisconnect(Nanos now) noexcept;

  int active() const noexcept;

 private:
  struct InFlight {
    bool active = false;
    bool acked = false;
    bool terminal_seen = false;  // an order push said the order is done
    ClientOrderId id;
    InstrumentId instrument;
    Side side = Side::kBuy;
    Qty qty;          // ordered
    Qty reported;     // filled quantity already reported to the core
    Qty final_cum;    // cumExecQty of the terminal order push
    uint64_t venue_order_id = 0;
    TscStamp wire;
  };
  InFlight* Find(std::string_view order_link_id, ClientOrderId* id) noexcept;
  ExecReport Base(const InFlight& f, TscStamp recv) const noexcept;
  void Close(InFlight* f, ExecReport* ex) noexcept;

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  venues::VenuePublisher* pub_;
  runtime::VenueCounters* counters_;
  std::array<InFlight, kInFlight> inflight_{};
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
  void FetchWallet() noexcept;
  void UpdateReady() noexcept;
  void SchedulePing() noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
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
  Parser parser_;
  std::unique_ptr<char[]> buf_;
  bool trade_authed_ = false;
  bool private_authed_ = false;
  bool private_subscribed_ = false;
  bool wallet_known_ = false;  // a wallet snapshot arrived since the private session opened
  bool ready_ = false;
  uint64_t private_generation_ = 0;  // bumps on every private (re)connect: late REST replies are dropped
  runtime::RateLimited log_limit_;
};

// Parses "hs<digits>" back into a client id; false for anything else.
bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept;

}  // namespace hs::bybit
