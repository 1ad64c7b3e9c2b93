// hs::okx — OKX v5 order entry on the private websocket (order_url + /ws/v5/private).
//
// intents → `op:"order"` requests → ExecReports. On connect the session logs in (HMAC-SHA256
// over timestamp + "GET" + "/users/self/verify", base64), then subscribes the `account` channel
// (the first push after each login is published as the balance snapshot; the session counts as
// connected from then on) and the `orders` channel for SPOT (fills). Later account pushes are
// not forwarded: the core books each fill itself, and a balance push racing the fill pushes
// would count a fill twice.
//
// Each intent becomes one limit order (ordType ioc / fok / limit for IOC / FOK / GTC) with
// tdMode cash; the request's `id` and `clOrdId` are both "hs<client id>". The reply (same id)
// accepts or rejects it; fills come from `orders` pushes. A fill is the growth of accFillSz
// over what was already reported (so a repeated push never counts twice), priced at fillPx,
// with fill_quote = fillPx × fill size exactly as the simulator and the venue account it; its
// fee is the growth of the accumulated `fee` (negative = charged) in feeCcy. The order is final
// when its state is filled or canceled; one that ends with nothing filled is a final kCanceled.
// A disconnect turns every order still in flight into kUnknown.
//
// Hot path (OnIntent): render px/sz at the symbol's decimals (never rounded), write the JSON
// into a fixed buffer and hand it to the socket under the kill switch. No allocation, no lock,
// no log. Owned by the venue thread; keys live only in this object and are never logged.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
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
  // Writes the request into out and returns its length, or 0 when the intent cannot be rendered
  // exactly (unknown instrument, price or quantity off the symbol's precision, no room).
  size_t Encode(const OrderIntent& in, char* out, size_t cap) const noexcept;

 private:
  const venues::SymbolTable* symbols_ = nullptr;
};

// The login signature: base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")).
std::string LoginSign(const venues::HmacSha256& secret, std::string_view timestamp);
// The login request for a Unix time in seconds. Cold path.
std::string LoginRequest(std::string_view api_key, std::string_view passphrase, const venues::HmacSha256& secret,
                         int64_t unix_seconds);

// Parses "hs<digits>" back into a client id; false for anything else.
bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept;

// The orders in flight on one session and what the venue's replies and `orders` pushes mean for
// them, as ExecReports (the rules in this file's banner). Pure: no I/O, no clock, a fixed table
// (slot = client id modulo kCapacity). Used by Orders; tests drive it with parsed messages.
class OrderTracker {
 public:
  static constexpr int kCapacity = 1024;
  enum class Outcome : uint8_t {
    kNone = 0,   // nothing to report (a repeated push, a reply to a finished order)
    kReport,     // *out holds a report to publish
    kForeign,    // the id is not one of ours ("hs<digits>")
  };

  OrderTracker(VenueId venue, const venues::SymbolTable* symbols) : venue_(venue), symbols_(symbols) {}

  // True when the intent's slot holds an active order (the intent must be refused).
  bool Busy(ClientOrderId id) const noexcept { return slots_[id.value % kCapacity].active; }
  // Starts tracking a sent order. REQUIRES: !Busy(in.client_id).
  void Add(const OrderIntent& in, TscStamp wire) noexcept;
  // The order's bytes reached the socket later (queued send).
  void SetWire(ClientOrderId id, TscStamp wire) noexcept;
  // The order never left (kill switch, connection lost): a final reject. False when not tracked.
  bool NotSent(ClientOrderId id, RejectReason why, ExecReport* out) noexcept;
  // An `op:"order"` reply: an ack, or a final reject. *wire gets the order's send stamp.
  Outcome OnReply(const PrivateMsg& m, TscStamp recv, ExecReport* out, TscStamp* wire) noexcept;
  // One `orders` push entry: a fill, a final cancel, or nothing.
  Outcome OnPush(const OrderItem& item, TscStamp recv, ExecReport* out) noexcept;
  // The session dropped: each active order becomes kUnknown (reported through `emit`) and is
  // forgotten. Returns how many.
  template <typename Emit>
  int DrainUnknown(Emit&& emit) noexcept {
    int n = 0;
    for (Slot& s : slots_) {
      if (!s.active) continue;
      ExecReport ex = Base(s, TscStamp{});
      ex.kind = ExecKind::kUnknown;
      ex.cum_qty = s.reported;
      s.active = false;
      emit(ex);
      ++n;
    }
    return n;
  }
  int active() const noexcept;

 private:
  struct Slot {
    bool active = false;
    ClientOrderId id;
    InstrumentId instrument;
    Side side = Side::kBuy;
    Qty reported;        // accFillSz already reported
    Amount fee_charged;  // accumulated fee already reported (positive = charged)
    TscStamp wire;
  };
  Slot* Find(ClientOrderId id) noexcept {
    Slot& s = slots_[id.value % kCapacity];
    return (s.active && s.id == id) ? &s : nullptr;
  }
  ExecReport Base(const Slot& s, TscStamp recv) const noexcept;

  VenueId venue_;
  const venues::SymbolTable* symbols_;
  std::array<Slot, kCapacity> slots_{};
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
  // Logged in and the balance snapshot published.
  bool connected() const noexcept { return ready_; }

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
  void HandleOrderReply(const PrivateMsg& m, TscStamp recv, Nanos now) noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;

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
  Parser parser_{1u << 20};
  OrderTracker tracker_;
  std::unique_ptr<char[]> buf_;
  bool logged_in_ = false;
  bool ready_ = false;
  uint64_t generation_ = 0;
  runtime::RateLimited log_limit_;
};

}  // namespace hs::okx
