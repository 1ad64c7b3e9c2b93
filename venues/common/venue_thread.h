// hs::venues — the venue I/O agent: one thread per venue, owning that venue's io_context,
// sessions, parsers, books and order session (DESIGN §1).
//
// Each duty cycle: run ready I/O handlers (frames are parsed and published from inside them),
// take up to 32 intents from the core and hand them to the adapter, flush waiting messages to
// the core. When idle it parks inside the io_context (epoll) with the Waker's eventfd
// registered, so a socket or the core's Wake() ends the park at once.
//
// A VenueAdapter is one venue's implementation (feed + orders), built by the binary's wiring
// code; the thread calls it only from its own loop.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/config/config.h"
#include "core/messages/rings.h"
#include "core/runtime/idle.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/parse_status.h"
#include "venues/common/venue_publisher.h"

namespace boost::asio {
class io_context;
}

namespace hs::venues {

// What every adapter is given. Pointers outlive the adapter.
struct VenueContext {
  VenueId id;
  const config::VenueConfig* venue = nullptr;
  const config::Config* config = nullptr;
  VenuePublisher* publisher = nullptr;
  runtime::VenueCounters* counters = nullptr;
  runtime::KillSwitch* kill = nullptr;
  runtime::LogChannel* log = nullptr;
  boost::asio::io_context* ioc = nullptr;
  std::string ca_file;  // extra trusted CA for TLS endpoints (optional)
};

// Publishes the venue-level status (instrument = Invalid): feed connection, order session, and
// every integrity counter so far. Each adapter calls it on connect/disconnect; per-book state
// comes from the book feeds. Venue thread only.
void PublishVenueLevelStatus(const VenueContext& ctx, bool md_connected, bool orders_connected) noexcept;

// A market-data frame the parser refused: counted (parse_errors) and logged through `limit`
// (the venue, what was wrong, the frame's size; never its bytes). Venue thread only.
void CountMalformedFrame(const VenueContext& ctx, runtime::RateLimited* limit, ParseStatus st, size_t len) noexcept;

class VenueAdapter {
 public:
  virtual ~VenueAdapter() = default;
  // Cold: read credentials, build sessions. Errors name what is missing (never a secret).
  virtual absl::Status Init() = 0;
  // On the venue thread: connect everything.
  virtual void Start() noexcept = 0;
  // On the venue thread: one intent from the core.
  virtual void OnIntent(const OrderIntent& intent) noexcept = 0;
  // On the venue thread: close sessions (no reconnect).
  virtual void Stop() noexcept = 0;
  // On the venue thread: send the venue's cancel-all for this account (kill switch). Never held
  // back by the halt flag. True when the request left (counted in cancel_all_sent by the caller).
  virtual bool CancelAll() noexcept { return false; }
  // On the venue thread: ask the venue for the account's balances (published as a BalanceUpdate
  // snapshot the core reconciles). True when the request left.
  virtual bool RequestBalances() noexcept { return false; }
  // Cold, before Start: when on, the order session sends its cancel-all (counted in
  // cancel_all_sent) on its first transition to ready, before it queries the orders it adopted.
  // The engine asks for it after a restart: orders the venue still holds for this account that
  // the journal does not know of are canceled.
  virtual void SetCancelAllOnConnect(bool on) noexcept { (void)on; }
};

// Cold-path timer on the venue thread's io_context (reconnect, resync retries, heartbeats).
class Timer {
 public:
  explicit Timer(boost::asio::io_context& ioc);
  ~Timer();
  void After(int64_t ms, std::function<void()> fn);
  void Cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class VenueThread {
 public:
  VenueThread(VenueId id, IntentRing::Consumer intents, VenueRing::Producer to_core, runtime::Waker* core_waker,
              runtime::VenueCounters* counters);
  ~VenueThread();

  boost::asio::io_context& ioc() noexcept;
  VenuePublisher& publisher() noexcept { return *publisher_; }
  runtime::Waker& waker() noexcept { return waker_; }
  void SetAdapter(std::unique_ptr<VenueAdapter> a) {
    adapter_ = std::move(a);
    if (adapter_ != nullptr && cancel_all_on_connect_) adapter_->SetCancelAllOnConnect(true);
  }
  // The kill switch whose cancel-all epoch this thread follows (optional; before the thread runs).
  void SetKillSwitch(runtime::KillSwitch* kill) noexcept;
  // Any thread: this thread has acted on the kill switch's latest cancel-all epoch, and whether
  // its cancel-all left then (false: no session, not connected, or nothing to send).
  bool CancelAllCaughtUp() const noexcept {
    return kill_ == nullptr || cancel_all_done_.load(std::memory_order_acquire) == kill_->cancel_all_epoch();
  }
  bool last_cancel_all_sent() const noexcept { return last_cancel_all_sent_.load(std::memory_order_acquire); }
  // Balance checks: every period_ms (0 = none) on a cold timer, and on demand from any thread
  // (RequestBalanceCheck wakes the thread; the end of a drain asks for a last one).
  void SetBalanceCheckPeriod(int64_t period_ms) noexcept { balance_period_ms_ = period_ms; }
  // Before the thread runs: the order session cancels everything of the account once when it
  // first connects (recovery after a restart; VenueAdapter::SetCancelAllOnConnect). Applies to
  // the adapter set before or after this call.
  void SetCancelAllOnConnect(bool on) noexcept {
    cancel_all_on_connect_ = on;
    if (adapter_ != nullptr) adapter_->SetCancelAllOnConnect(on);
  }
  void RequestBalanceCheck() noexcept {
    balance_requests_.fetch_add(1, std::memory_order_acq_rel);
    waker_.Wake();
  }
  absl::Status Init();

  // Agent interface.
  void OnStart() noexcept;
  int DoWork() noexcept;
  void Park(int64_t max_ns) noexcept;
  void OnClose() noexcept;

 private:
  struct Io;
  VenueId id_;
  std::unique_ptr<Io> io_;  // declared before the adapter: destroyed after it
  runtime::Waker waker_;
  IntentRing::Consumer intents_;
  std::unique_ptr<VenuePublisher> publisher_;
  runtime::VenueCounters* counters_;
  std::unique_ptr<VenueAdapter> adapter_;
  runtime::KillSwitch* kill_ = nullptr;
  uint32_t cancel_all_seen_ = 0;
  std::atomic<bool> last_cancel_all_sent_{false};
  std::atomic<uint32_t> cancel_all_done_{0};  // written after the cancel-all was attempted
  int64_t balance_period_ms_ = 0;
  std::unique_ptr<Timer> balance_timer_;
  std::atomic<uint32_t> balance_requests_{0};
  uint32_t balance_requests_seen_ = 0;
  bool cancel_all_on_connect_ = false;
  uint64_t unknown_resolved_seen_ = 0;  // counters_->unknown_resolved when balances were last asked for
  void ScheduleBalanceCheck() noexcept;
};

}  // namespace hs::venues
