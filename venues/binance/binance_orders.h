// hs::binance — Binance Spot order entry over the WebSocket API (`order.place`), HMAC-SHA256.
//
// intents → signed requests → ExecReports. Owned by the venue thread. On connect it asks for
// `account.status` and publishes the balances; orders count as connected once those arrived.
// Each intent becomes one LIMIT order (IOC or GTC) with newOrderRespType=FULL, so the reply
// carries the fills and commissions the core books exactly as the venue does. The request's
// `id` and `newClientOrderId` are both "hs<client id>".
//
// Hot path (OnIntent): render decimals at the symbol's precision, build the sorted parameter
// string, sign it with the precomputed HMAC state, write the JSON into a fixed buffer and hand
// it to the socket under the kill switch. No allocation, no lock, no log.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "venues/binance/binance_parse.h"
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
  }
  // Writes the request into out and returns its length, or 0 when the intent cannot be
  // rendered exactly (unknown instrument, price or quantity off the symbol's precision, no room).
  size_t Encode(const OrderIntent& in, int64_t timestamp_ms, char* out, size_t cap) const noexcept;
  // A signed account.status request.
  size_t EncodeAccountStatus(uint64_t request_no, int64_t timestamp_ms, char* out, size_t cap) const noexcept;

 private:
  const venues::SymbolTable* symbols_ = nullptr;
  std::string api_key_;
  venues::HmacSha256 hmac_;
  venues::HmacSha256::Prefix prefix_;
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

  // WsListener.
  void OnWsOpen() noexcept override;
  void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept override;
  void OnWsClosed(std::string_view reason) noexcept override;
  void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept override;

 private:
  struct InFlight {
    bool active = false;
    ClientOrderId id;
    InstrumentId instrument;
    Side side = Side::kBuy;
    Qty reported;  // filled quantity already reported to the core
    TscStamp wire;
  };
  static constexpr int kInFlight = 1024;

  void RequestAccount() noexcept;
  void HandleAccount(const ApiReply& r, Nanos now) noexcept;
  void HandleOrderReply(const ApiReply& r, TscStamp recv, Nanos now) noexcept;
  void Reject(const OrderIntent& in, RejectReason why) noexcept;
  InFlight* Find(ClientOrderId id) noexcept;

  venues::VenueContext ctx_;
  const venues::SymbolTable* symbols_;
  std::function<void()> on_state_;
  OrderEncoder encoder_;
  std::unique_ptr<venues::WsClient> ws_;
  Parser parser_;
  std::array<InFlight, kInFlight> inflight_{};
  std::unique_ptr<char[]> buf_;
  bool ready_ = false;
  uint64_t account_requests_ = 0;
  runtime::RateLimited log_limit_;
};

// Parses "hs<digits>" back into a client id; false for anything else.
bool ParseClientId(std::string_view text, ClientOrderId* out) noexcept;

}  // namespace hs::binance
