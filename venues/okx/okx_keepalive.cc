#include "venues/okx/okx_keepalive.h"

#include <algorithm>

#include "venues/okx/okx_wire.h"

namespace hs::okx {

KeepAlive::KeepAlive(boost::asio::io_context* ioc, int64_t idle_timeout_ms)
    : after_ms_(std::max<int64_t>(1, std::min<int64_t>(kPingAfterIdleMs, idle_timeout_ms * 2 / 3))),
      check_ms_(std::max<int64_t>(20, std::min<int64_t>(5'000, after_ms_ / 4))) {
  if (ioc != nullptr) timer_ = std::make_unique<venues::Timer>(*ioc);
}

void KeepAlive::Start(venues::WsClient* ws) noexcept {
  ws_ = ws;
  running_ = true;
  last_rx_ = WallNow();
  Arm();
}

void KeepAlive::Stop() noexcept {
  running_ = false;
  if (timer_) timer_->Cancel();
}

void KeepAlive::Arm() noexcept {
  if (!timer_ || !running_) return;
  timer_->After(check_ms_, [this] {
    if (!running_) return;
    if (ws_ != nullptr && ws_->is_open() && !outstanding_ && (WallNow() - last_rx_).value >= after_ms_ * 1'000'000) {
      if (ws_->Send(kPing)) {
        outstanding_ = true;
        ++pings_;
      }
    }
    Arm();
  });
}

}  // namespace hs::okx
