// hs::venues — a websocket client session over Boost.Beast, plain (ws://) or TLS (wss://).
//
// One WsClient is one logical connection to one endpoint, owned by one venue thread and driven
// by that thread's io_context. It connects, keeps the connection alive (Beast keep-alive pings
// after half the idle timeout, close after the full timeout without traffic), reconnects after
// a failure with exponential backoff and jitter, and hands each received frame to its
// listener in place: the frame sits in a buffer reserved at start-up with at least
// kWsPadding readable bytes after it, so simdjson parses it without a copy.
//
// TLS: certificate verification on (system trust store, or an extra CA file), host name
// verification and SNI set from the URL's host.
//
// Sending: frames are copied into a fixed ring of preallocated slots (no allocation after
// Init). SendOrder() additionally checks the kill switch at the instant the frame is handed to
// the socket, inside a KillSwitch send bracket, so no order leaves after a kill returns.
//
// Beast lives only in ws_client.cc (STYLE §2): this header needs none of it. The listener is
// an interface (one indirect call per frame) for the same reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/base/clock.h"
#include "core/base/ids.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"

namespace boost::asio {
class io_context;
}

namespace hs::venues {

inline constexpr size_t kWsPadding = 64;  // == SIMDJSON_PADDING

class WsListener {
 public:
  virtual void OnWsOpen() noexcept = 0;
  // `data` is writable, `len` bytes long and followed by >= kWsPadding readable bytes. It is
  // valid only during the call.
  virtual void OnWsMessage(char* data, size_t len, TscStamp recv, Nanos recv_time) noexcept = 0;
  virtual void OnWsClosed(std::string_view reason) noexcept = 0;
  // Later result of a SendOrder that returned kQueued: sent=false when the kill switch refused
  // it or the connection dropped before it was written; wire = TSC when handed to the socket.
  virtual void OnWsOrderSent(uint64_t tag, bool sent, TscStamp wire) noexcept {}

 protected:
  ~WsListener() = default;
};

struct WsOptions {
  std::string url;   // full URL including path and query
  std::string name;  // for logs ("binance md")
  size_t max_message = 8u << 20;
  int64_t connect_timeout_ms = 5'000;
  int64_t idle_timeout_ms = 30'000;
  int64_t reconnect_min_ms = 250;
  int64_t reconnect_max_ms = 10'000;
  bool reconnect = true;
  int send_slots = 64;
  size_t send_slot_bytes = 8192;
  std::string ca_file;  // extra trusted CA (PEM) in addition to the system store
};

class WsClient {
 public:
  WsClient(boost::asio::io_context& ioc, WsOptions opts, WsListener* listener, runtime::LogChannel* log);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Parses the URL and prepares TLS and buffers. Cold; errors name the URL.
  absl::Status Init();
  // Connects now and keeps reconnecting after failures until Stop().
  void Start() noexcept;
  // Closes without reconnecting.
  void Stop() noexcept;
  // Drops the connection now and reconnects after the backoff (resync by reconnect).
  void Reconnect(std::string_view why) noexcept;

  bool is_open() const noexcept;
  // Queues a text frame (copied). False when not open or the queue is full.
  [[nodiscard]] bool Send(std::string_view text) noexcept;
  enum class SendResult : uint8_t {
    kWritten = 0,  // handed to the socket now; *wire holds the stamp
    kQueued,       // behind another write; OnWsOrderSent(tag, ...) reports later
    kHalted,       // the kill switch is set: not sent
    kNotOpen,      // no connection: not sent
    kQueueFull,    // no free slot: not sent
  };
  // Order frames: the kill switch is checked at the instant the frame goes to the socket.
  [[nodiscard]] SendResult SendOrder(std::string_view text, runtime::KillSwitch* kill, VenueId venue, uint64_t tag,
                                     TscStamp* wire) noexcept;

  uint64_t connects() const noexcept;
  const std::string& url() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hs::venues
