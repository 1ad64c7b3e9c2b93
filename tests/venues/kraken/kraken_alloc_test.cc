// Kraken's market-data path allocates nothing in steady state: a few thousand v2 book frames
// (updates with checksums, multi-symbol messages, heartbeats, pongs) through the real parser and
// Book, and through Feed::OnFrame (parse → book → checksum → BookTop publish), after warm-up,
// with the global operator new counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/messages/rings.h"
#include "core/runtime/log.h"
#include "tests/venues/kraken/kraken_test_util.h"
#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_feed.h"
#include "venues/kraken/kraken_parse.h"
#include "tests/support/alloc_counter.h"


namespace hs::kraken {
namespace {

using test::BookJson;
using test::EntryJson;
using test::Levels;
using test::RefBook;
using test::RefChecksum;

// Price precision 2 and qty precision 5: the config's BTC/USDT tick 0.01 and lot 0.00001.
constexpr int kPp = 2;
constexpr int kQp = 5;

// A snapshot then `n` updates in Kraken's shape (checksums from the reference model), with a
// heartbeat every 10th frame and an unsubscribed symbol riding along every 7th update.
std::vector<std::string> Frames(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  RefBook ref(10);
  std::vector<std::string> frames;
  Levels b, a;
  for (int i = 0; i < 10; ++i) {
    b.push_back({2'999'990 - i, 100'000 + i});
    a.push_back({3'000'010 + i, 100'000 + i});
  }
  ref.Snapshot(b, a);
  frames.push_back(BookJson("snapshot", EntryJson("BTC/USDT", b, a, RefChecksum(ref, kPp, kQp), kPp, kQp)));
  for (int i = 0; i < n; ++i) {
    if (i % 10 == 9) {
      frames.push_back(
          i % 20 == 19
              ? R"({"method":"pong","req_id":5,"time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"})"
              : R"({"channel":"heartbeat"})");
      continue;
    }
    Levels ub, ua;
    for (int k = 0; k < 10; ++k) {
      const bool bid = rng() % 2;
      const int64_t off = static_cast<int64_t>(rng() % 30);
      const int64_t q = rng() % 4 == 0 ? 0 : static_cast<int64_t>(1 + rng() % 900'000);
      (bid ? ub : ua).push_back({bid ? 2'999'990 - off : 3'000'010 + off, q});
    }
    ref.Update(ub, ua);
    std::string entries = EntryJson("BTC/USDT", ub, ua, RefChecksum(ref, kPp, kQp), kPp, kQp);
    if (i % 7 == 0) entries += "," + EntryJson("DOGE/USD", {{10, 1}}, {}, 1, kPp, kQp);
    frames.push_back(BookJson("update", entries));
  }
  for (auto& f : frames) f.append(64, '\0');
  return frames;
}

TEST(KrakenHotPath, ParserAndBookReplayAllocatesNothingAfterWarmUp) {
  const std::vector<std::string> frames = Frames(5000, 7);
  Parser parser(1 << 20);
  Book book(10, kPp, kQp);
  uint64_t validated = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      Message m;
      const std::string& fr = frames[i];
      ASSERT_EQ(parser.Parse(fr.data(), fr.size() - 64, &m), ParseStatus::kOk) << i;
      if (m.kind != MessageKind::kBookSnapshot && m.kind != MessageKind::kBookUpdate) continue;
      const BookEntry* e = FindEntry(m, "BTC/USDT");
      ASSERT_NE(e, nullptr);
      const venues::BookEvent ev = book.Apply(m.kind, *e);
      ASSERT_TRUE(ev == venues::BookEvent::kApplied || ev == venues::BookEvent::kSnapshot)
          << i << ": " << book.detail();
      ++validated;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(validated, book.validated());
  EXPECT_GT(validated, 4000u);
  EXPECT_TRUE(book.usable());
}

TEST(KrakenHotPath, FeedOnFrameAllocatesNothingAfterWarmUp) {
  auto cfg = config::ParseConfig(std::string(R"(assets = ["BTC", "USDT"]
)") + test::kEngineSections + R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "ws://127.0.0.1:1"
trading = false
taker_fee = "0.0026"
symbols = { "BTC/USDT" = "BTC/USDT" }
)",
                                 "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  TscClock::Calibrate();
  runtime::Logger logger("/dev/null", false);
  runtime::KillSwitch kill;
  VenueRing ring(1 << 12);
  auto consumer = ring.TakeConsumer();
  runtime::VenueCounters counters;
  venues::VenuePublisher pub(ring.TakeProducer(), nullptr, &counters);
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &cfg->venues[0];
  ctx.config = &*cfg;
  ctx.publisher = &pub;
  ctx.counters = &counters;
  ctx.kill = &kill;
  ctx.log = logger.MakeChannel("kraken");
  Feed feed(ctx, &symbols, nullptr);
  feed.OnWsOpen();  // subscribing (nothing is sent: no socket in this test)

  const std::vector<std::string> frames = Frames(5000, 11);
  uint64_t tops = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      feed.OnFrame(frames[i].data(), frames[i].size() - 64, TscNow(), Nanos{static_cast<int64_t>(i)});
      pub.Flush();
      VenueMsg msg;
      while (consumer.TryPop(msg)) tops += msg.kind == VenueMsg::Kind::kBookTop ? 1 : 0;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(counters.parse_errors.load(), 0u);
  EXPECT_EQ(counters.checksum_failures.load(), 0u);
  EXPECT_EQ(counters.resyncs.load(), 0u);
  EXPECT_GT(counters.book_updates.load(), 4000u);
  EXPECT_GT(tops, 4000u);
  EXPECT_TRUE(feed.book(0).usable());
}

}  // namespace
}  // namespace hs::kraken
