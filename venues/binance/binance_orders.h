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

  // Encodes a signed order.place request into out; returns its length, or 0 when the intent
  // cannot be rendered (price/qty off the symbol's precision, unknown instrument).
  // Exposed for tests and benchmarks.
  size_t EncodeOrder(const OrderIntent& in, int64_t timestamp_ms, char* out, size_t cap) const noexcept;

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
  std::string api_key_;
  venues::HmacSha256 hmac_;
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
