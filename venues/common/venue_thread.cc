#include "venues/common/venue_thread.h"

#include "core/base/clock.h"
#include "core/runtime/venue_counters.h"
#include "venues/common/venue_publisher.h"

#include <boost/asio.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>

namespace hs::venues {

namespace asio = boost::asio;

struct Timer::Impl {
  explicit Impl(asio::io_context& ioc) : t(ioc) {}
  asio::steady_timer t;
};

Timer::Timer(asio::io_context& ioc) : impl_(std::make_unique<Impl>(ioc)) {}
Timer::~Timer() = default;

void Timer::After(int64_t ms, std::function<void()> fn) {
  impl_->t.expires_after(std::chrono::milliseconds(ms));
  impl_->t.async_wait([fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

void Timer::Cancel() { impl_->t.cancel(); }

struct VenueThread::Io {
  asio::io_context ioc{1};
  std::unique_ptr<asio::posix::stream_descriptor> wake_fd;
};

VenueThread::VenueThread(VenueId id, IntentRing::Consumer intents, VenueRing::Producer to_core,
                         runtime::Waker* core_waker, runtime::VenueCounters* counters)
    : id_(id), io_(std::make_unique<Io>()), intents_(std::move(intents)), counters_(counters) {
  publisher_ = std::make_unique<VenuePublisher>(std::move(to_core), core_waker, counters);
}

VenueThread::~VenueThread() {
  adapter_.reset();  // before the io_context: its handlers are destroyed with it, never run
}

asio::io_context& VenueThread::ioc() noexcept { return io_->ioc; }

namespace {
void ArmWake(asio::posix::stream_descriptor* d, runtime::Waker* w) {
  d->async_wait(asio::posix::stream_descriptor::wait_read, [d, w](const boost::system::error_code& ec) {
    if (ec) return;
    w->Drain();
    ArmWake(d, w);
  });
}
}  // namespace

absl::Status VenueThread::Init() {
  if (!adapter_) return absl::FailedPreconditionError("venue thread has no adapter");
  // The descriptor gets a dup so asio can own (and close) its copy.
  io_->wake_fd = std::make_unique<asio::posix::stream_descriptor>(io_->ioc, ::dup(waker_.fd()));
  return adapter_->Init();
}

void VenueThread::OnStart() noexcept {
  ArmWake(io_->wake_fd.get(), &waker_);
  adapter_->Start();
  if (balance_period_ms_ > 0) {
    balance_timer_ = std::make_unique<Timer>(io_->ioc);
    ScheduleBalanceCheck();
  }
}

void VenueThread::ScheduleBalanceCheck() noexcept {
  balance_timer_->After(balance_period_ms_, [this] {
    adapter_->RequestBalances();
    ScheduleBalanceCheck();
  });
}

void VenueThread::SetKillSwitch(runtime::KillSwitch* kill) noexcept {
  kill_ = kill;
  cancel_all_seen_ = kill != nullptr ? kill->cancel_all_epoch() : 0;
  cancel_all_done_.store(cancel_all_seen_, std::memory_order_release);
}

int VenueThread::DoWork() noexcept {
  int work = static_cast<int>(io_->ioc.poll());
  // One shared read per cycle; it only changes when the kill switch trips.
  if (kill_ != nullptr && kill_->cancel_all_epoch() != cancel_all_seen_) {
    cancel_all_seen_ = kill_->cancel_all_epoch();
    const bool sent = adapter_ != nullptr && adapter_->CancelAll();
    if (sent && counters_ != nullptr) counters_->Add(counters_->cancel_all_sent);
    last_cancel_all_sent_.store(sent, std::memory_order_release);
    cancel_all_done_.store(cancel_all_seen_, std::memory_order_release);
    ++work;
  }
  // Balances on demand, and after an unknown order resolved: whatever it did to the account is
  // then checked against the venue's own numbers (the core compares once nothing is open there).
  const uint64_t resolved = counters_ != nullptr ? counters_->unknown_resolved.load() : 0;
  if (balance_requests_.load(std::memory_order_acquire) != balance_requests_seen_ || resolved != unknown_resolved_seen_) {
    balance_requests_seen_ = balance_requests_.load(std::memory_order_acquire);
    unknown_resolved_seen_ = resolved;
    if (adapter_ != nullptr) adapter_->RequestBalances();
    ++work;
  }
  for (int n = 0; n < 32; ++n) {
    const OrderIntent* in = intents_.Front();
    if (in == nullptr) break;
    adapter_->OnIntent(*in);
    intents_.Pop();
    ++work;
  }
  work += publisher_->Flush();
  return work;
}

void VenueThread::Park(int64_t max_ns) noexcept {
  waker_.BeginPark();
  if (intents_.Empty() && publisher_->idle()) {
    io_->ioc.run_one_for(std::chrono::nanoseconds(max_ns));
  }
  waker_.EndPark();
}

void VenueThread::OnClose() noexcept {
  if (balance_timer_) balance_timer_->Cancel();
  adapter_->Stop();
  // Let close frames and final replies go out, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < deadline) {
    if (io_->ioc.run_one_for(std::chrono::milliseconds(20)) == 0) break;
    publisher_->Flush();
  }
  publisher_->Flush();
  boost::system::error_code ec;
  io_->wake_fd->cancel(ec);
}

void CountMalformedFrame(const VenueContext& ctx, runtime::RateLimited* limit, ParseStatus st, size_t len) noexcept {
  ctx.counters->Add(ctx.counters->parse_errors);
  if (limit->Allow())
    ctx.log->Log(runtime::LogLevel::kWarn, "%s: dropped malformed market-data frame (%s, %zu bytes)",
                 ctx.venue->name.c_str(), ParseStatusName(st), len);
}

void PublishVenueLevelStatus(const VenueContext& ctx, bool md_connected, bool orders_connected) noexcept {
  const auto count = [](const runtime::VenueCounters::C& c) {
    return static_cast<uint32_t>(c.load(std::memory_order_relaxed));
  };
  VenueStatus s;
  s.venue = ctx.id;
  s.instrument = InstrumentId::Invalid();
  s.state = md_connected ? FeedState::kSyncing : FeedState::kDisconnected;
  s.usable = md_connected;
  s.orders_connected = ctx.venue->trading && orders_connected;
  s.gaps = count(ctx.counters->gaps);
  s.checksum_failures = count(ctx.counters->checksum_failures);
  s.resyncs = count(ctx.counters->resyncs);
  s.parse_errors = count(ctx.counters->parse_errors);
  s.crossed = count(ctx.counters->crossed_books);
  s.stamp = TscNow();
  ctx.publisher->PublishStatus(s, WallNow());
}

}  // namespace hs::venues
