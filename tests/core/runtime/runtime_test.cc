#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>
#include <unistd.h>

#include "core/runtime/agent_runner.h"
#include "core/runtime/histogram.h"
#include "core/runtime/idle.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"

namespace hs::runtime {
namespace {

TEST(Histogram, PercentilesWithinBucketResolution) {
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(i * 1000);  // 1 µs .. 1 ms
  LatencyHistogram::Snapshot s;
  h.SnapshotInto(&s);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.max, 1'000'000u);
  const double p50 = static_cast<double>(s.Percentile(0.5));
  const double p99 = static_cast<double>(s.Percentile(0.99));
  EXPECT_NEAR(p50, 500'000, 500'000 * 0.04);
  EXPECT_NEAR(p99, 990'000, 990'000 * 0.04);
  EXPECT_LE(s.Percentile(1.0), s.max);
}

TEST(Histogram, SmallValuesExactAndMerge) {
  LatencyHistogram a, b;
  a.Record(5);
  a.Record(5);
  b.Record(17);
  b.Record(-3);  // clamps to 0
  LatencyHistogram::Snapshot sa, sb;
  a.SnapshotInto(&sa);
  b.SnapshotInto(&sb);
  sa.Merge(sb);
  EXPECT_EQ(sa.count, 4u);
  EXPECT_EQ(sa.Percentile(0.25), 0u);
  EXPECT_EQ(sa.Percentile(0.5), 5u);
  EXPECT_EQ(sa.Percentile(1.0), 17u);
  LatencyHistogram::Snapshot empty;
  EXPECT_EQ(empty.Percentile(0.5), 0u);
}

TEST(Histogram, IndexIsMonotonic) {
  int last = -1;
  for (uint64_t v = 0; v < (1u << 20); v += 7) {
    const int i = LatencyHistogram::Index(v);
    ASSERT_GE(i, last);
    ASSERT_GE(LatencyHistogram::UpperBound(i), v);
    last = i;
  }
}

TEST(Idle, BusySpinNeverParks) {
  IdleStrategy s({IdleKind::kBusySpin});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(s.Idle(0), 0);
}

TEST(Idle, BackoffSpinsThenYieldsThenParksWithGrowingIntervals) {
  IdleStrategy::Params p;
  p.kind = IdleKind::kBackoff;
  p.spin_ns = 0;
  p.yields = 2;
  p.min_park_ns = 1000;
  p.max_park_ns = 4000;
  IdleStrategy s(p);
  EXPECT_EQ(s.Idle(0), 0);  // spin phase is zero long: yield
  EXPECT_EQ(s.Idle(0), 0);  // yield
  EXPECT_EQ(s.Idle(0), 1000);
  EXPECT_EQ(s.Idle(0), 2000);
  EXPECT_EQ(s.Idle(0), 4000);
  EXPECT_EQ(s.Idle(0), 4000);
  EXPECT_EQ(s.Idle(3), 0);  // work resets
  EXPECT_EQ(s.Idle(0), 0);
}

TEST(Idle, ParsesNames) {
  IdleKind k;
  EXPECT_TRUE(ParseIdleKind("busy-spin", &k));
  EXPECT_EQ(k, IdleKind::kBusySpin);
  EXPECT_TRUE(ParseIdleKind("backoff", &k));
  EXPECT_EQ(k, IdleKind::kBackoff);
  EXPECT_FALSE(ParseIdleKind("sleepy", &k));
}

TEST(Waker, WakesAParkedThreadOnlyWhenParked) {
  Waker w;
  w.Wake();  // not parked: no system call
  EXPECT_EQ(w.wakes_sent(), 0u);
  std::atomic<bool> woke{false};
  std::thread t([&] {
    w.BeginPark();
    woke = w.Block(5'000'000'000);
    w.EndPark();
  });
  // Wait until the thread announced the park, then wake it.
  while (w.wakes_sent() == 0) {
    w.Wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  t.join();
  EXPECT_TRUE(woke.load());
}

TEST(Waker, BlockTimesOut) {
  Waker w;
  w.BeginPark();
  EXPECT_FALSE(w.Block(1'000'000));
  w.EndPark();
}

// After Trip() returns no BeginSend succeeds, and a sender inside its bracket is waited for.
TEST(KillSwitch, NoSendBeginsAfterTripReturns) {
  for (int round = 0; round < 50; ++round) {
    KillSwitch k;
    std::atomic<bool> tripped{false};
    std::atomic<int> sends_after_trip{0};
    std::atomic<bool> stop{false};
    std::thread sender([&] {
      while (!stop.load()) {
        if (k.BeginSend(VenueId{1})) {
          // "Writing": if the trip already returned we would be leaking an order.
          if (tripped.load(std::memory_order_seq_cst)) sends_after_trip.fetch_add(1);
          k.EndSend(VenueId{1});
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    k.Trip();
    tripped.store(true, std::memory_order_seq_cst);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    stop = true;
    sender.join();
    EXPECT_EQ(sends_after_trip.load(), 0) << "round " << round;
    EXPECT_FALSE(k.BeginSend(VenueId{1}));
    k.Reset();
    EXPECT_TRUE(k.BeginSend(VenueId{1}));
    k.EndSend(VenueId{1});
  }
}

struct CountingAgent {
  std::atomic<int> work_calls{0};
  std::atomic<int> parks{0};
  bool started = false, closed = false;
  int DoWork() noexcept {
    ++work_calls;
    return 0;
  }
  void Park(int64_t) noexcept { ++parks; }
  void OnStart() { started = true; }
  void OnClose() { closed = true; }
};

TEST(AgentRunner, RunsStartsParksAndCloses) {
  CountingAgent a;
  AgentRunner r;
  IdleStrategy::Params p;
  p.spin_ns = 0;
  p.yields = 0;
  r.Start(&a, ThreadSpec{"test-agent", -1, p});
  while (a.parks.load() < 3) std::this_thread::yield();
  r.RequestStop();
  r.Join();
  EXPECT_TRUE(a.started);
  EXPECT_TRUE(a.closed);
  EXPECT_FALSE(r.failed());
}

struct ThrowingAgent {
  int DoWork() { throw std::runtime_error("boom"); }
  void Park(int64_t) noexcept {}
};

TEST(AgentRunner, ReportsAnEscapingExceptionAndStops) {
  ThrowingAgent a;
  AgentRunner r;
  std::string seen;
  r.Start(&a, ThreadSpec{"thrower", -1, {}}, [&](const std::string& name, const std::string& what) { seen = name + ":" + what; });
  r.Join();
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(seen, "thrower:boom");
}

TEST(Log, ChannelsDrainInOrderAndCountDrops) {
  char tmpl[] = "/tmp/hs-log-XXXXXX";
  const int fd = mkstemp(tmpl);
  close(fd);
  {
    Logger logger(tmpl, false);
    LogChannel* ch = logger.MakeChannel("venue-x");
    for (int i = 0; i < 2000; ++i) ch->Log(LogLevel::kInfo, "message %d", i);
    EXPECT_EQ(ch->dropped(), 2000u - 1024u);  // ring holds 1024; the rest drop, counted
    EXPECT_EQ(logger.Drain(), 1024);
  }
  FILE* f = fopen(tmpl, "r");
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    if (n == 0) {
      EXPECT_NE(std::string(line).find("[venue-x] message 0"), std::string::npos) << line;
    }
    ++n;
  }
  fclose(f);
  unlink(tmpl);
  EXPECT_EQ(n, 1024);
}

TEST(Log, RateLimiterAllowsBurstThenSuppresses) {
  RateLimited r(1'000'000'000'000, 3);
  EXPECT_TRUE(r.Allow());
  EXPECT_TRUE(r.Allow());
  EXPECT_TRUE(r.Allow());
  EXPECT_FALSE(r.Allow());
  EXPECT_EQ(r.suppressed(), 1u);
}

}  // namespace
}  // namespace hs::runtime
