#include "core/runtime/spsc_ring.h"

#include <gtest/gtest.h>

#include <thread>
#include <type_traits>

#include "core/messages/messages.h"

namespace hs::runtime {
namespace {

static_assert(!std::is_copy_constructible_v<SpscRing<int>::Producer>, "producer end is move-only");
static_assert(!std::is_copy_constructible_v<SpscRing<int>::Consumer>, "consumer end is move-only");
static_assert(std::is_move_constructible_v<SpscRing<int>::Producer>);

TEST(SpscRing, FifoAndFullBehaviour) {
  SpscRing<int> ring(4);
  auto p = ring.TakeProducer();
  auto c = ring.TakeConsumer();
  EXPECT_EQ(c.Front(), nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(p.TryPush(i));
  EXPECT_FALSE(p.TryPush(99)) << "full ring refuses and stays unchanged";
  EXPECT_FALSE(p.HasRoom());
  int v;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.TryPop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(c.TryPop(v));
  EXPECT_TRUE(p.TryPush(7));
  ASSERT_NE(c.Front(), nullptr);
  EXPECT_EQ(*c.Front(), 7);
  c.Pop();
  EXPECT_TRUE(c.Empty());
}

TEST(SpscRing, WrapsManyTimes) {
  SpscRing<uint64_t> ring(8);
  auto p = ring.TakeProducer();
  auto c = ring.TakeConsumer();
  uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 10000; ++round) {
    const int n = round % 8 + 1;
    for (int i = 0; i < n; ++i) ASSERT_TRUE(p.TryPush(next_in++));
    for (int i = 0; i < n; ++i) {
      uint64_t v;
      ASSERT_TRUE(c.TryPop(v));
      ASSERT_EQ(v, next_out++);
    }
  }
}

TEST(SpscRingDeathTest, EndsCanBeTakenOnce) {
  SpscRing<int> ring(2);
  [[maybe_unused]] auto p = ring.TakeProducer();
  EXPECT_DEATH(ring.TakeProducer(), "producer taken twice");
}

TEST(SpscRingDeathTest, CapacityMustBePowerOfTwo) { EXPECT_DEATH(SpscRing<int>(6), "power of two"); }

// Two threads, a few million messages through a small ring: every message arrives once, in
// order, intact (a large payload catches torn copies).
TEST(SpscRing, MultiThreadedStress) {
  struct Msg {
    uint64_t seq;
    uint64_t check[15];
  };
  constexpr uint64_t kCount = 2'000'000;
  SpscRing<Msg> ring(64);
  auto p = ring.TakeProducer();
  auto c = ring.TakeConsumer();
  std::thread producer([&] {
    Msg m{};
    for (uint64_t i = 0; i < kCount; ++i) {
      m.seq = i;
      for (int k = 0; k < 15; ++k) m.check[k] = i * 31 + static_cast<uint64_t>(k);
      while (!p.TryPush(m)) std::this_thread::yield();
    }
  });
  uint64_t expected = 0;
  bool ok = true;
  while (expected < kCount) {
    const Msg* m = c.Front();
    if (m == nullptr) continue;
    if (m->seq != expected) ok = false;
    for (int k = 0; k < 15; ++k)
      if (m->check[k] != expected * 31 + static_cast<uint64_t>(k)) ok = false;
    c.Pop();
    ++expected;
  }
  producer.join();
  EXPECT_TRUE(ok);
  EXPECT_TRUE(c.Empty());
}

TEST(SpscRing, CarriesVenueMessages) {
  SpscRing<VenueMsg> ring(16);
  auto p = ring.TakeProducer();
  auto c = ring.TakeConsumer();
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.top.venue = VenueId{3};
  m.top.bids[0].px = Price::FromRaw(42);
  ASSERT_TRUE(p.TryPush(m));
  VenueMsg out;
  ASSERT_TRUE(c.TryPop(out));
  EXPECT_EQ(out.top.venue, VenueId{3});
  EXPECT_EQ(out.top.bids[0].px, Price::FromRaw(42));
}

}  // namespace
}  // namespace hs::runtime
