// hs::okx — OKX's application-level keep-alive for one websocket connection: after a quiet
// spell (20 s, or two thirds of the configured idle timeout when that is shorter) send the text
// frame "ping"; any frame received (the "pong" included) counts as traffic. OKX closes a
// connection that stays silent for 30 s (README §4.1). A lost pong is left to the websocket
// client's idle timeout, which drops and reconnects the connection.
//
// Cold path: one timer check every few seconds. Owned by the venue thread, like its connection.
#pragma once

#include <cstdint>
#include <memory>

#include "core/base/clock.h"
#include "venues/common/venue_thread.h"
#include "venues/common/ws_client.h"

namespace hs::okx {

class KeepAlive {
 public:
  // ioc may be null (tests without I/O): then nothing is ever sent.
  KeepAlive(boost::asio::io_context* ioc, int64_t idle_timeout_ms);

  // Starts the periodic check for `ws` (which must outlive this object's timer).
  void Start(venues::WsClient* ws) noexcept;
  void Stop() noexcept;
  // A frame arrived (or the connection opened): the connection is not idle.
  void OnTraffic(Nanos now) noexcept {
    last_rx_ = now;
    outstanding_ = false;
  }
  int64_t ping_after_ms() const noexcept { return after_ms_; }
  uint64_t pings_sent() const noexcept { return pings_; }

 private:
  void Arm() noexcept;

  std::unique_ptr<venues::Timer> timer_;
  venues::WsClient* ws_ = nullptr;
  int64_t after_ms_;
  int64_t check_ms_;
  Nanos last_rx_;
  bool outstanding_ = false;
  bool running_ = false;
  uint64_t pings_ = 0;
};

}  // namespace hs::okx
