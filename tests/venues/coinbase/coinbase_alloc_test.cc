// Coinbase's market-data path allocates nothing in steady state: a few thousand Advanced Trade
// envelopes (snapshots, multi-product updates, heartbeats, a gap and its recovery, a crossed
// book and its recovery) through the real Parser and ConnectionBooks, after warm-up, with
// global operator new counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "venues/coinbase/coinbase_book.h"
#include "venues/coinbase/coinbase_parse.h"
#include "tests/support/alloc_counter.h"


namespace hs::coinbase {
namespace {

std::string Level(bool bid, int cents, const std::string& qty) {
  return std::string("{\"side\":\"") + (bid ? "bid" : "offer") + "\",\"event_time\":\"2023-02-09T20:32:50.714964855Z\"," +
         "\"price_level\":\"" + std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
         std::to_string(cents % 100) + "\",\"new_quantity\":\"" + qty + "\"}";
}

std::string Head(uint64_t seq) {
  return R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":)" +
         std::to_string(seq) + ",\"events\":[";
}

std::string Snapshot(const char* product, int mid, int levels) {
  std::string s = std::string("{\"type\":\"snapshot\",\"product_id\":\"") + product + "\",\"updates\":[";
  for (int i = 0; i < levels; ++i) {
    s += (i ? "," : "") + Level(true, mid - 1 - i, "1.5");
    s += "," + Level(false, mid + 1 + i, "1.25");
  }
  return s + "]}";
}

TEST(CoinbaseHotPath, ReplayAllocatesNothingAfterWarmUp) {
  std::mt19937_64 rng(5);
  std::vector<std::string> frames;
  uint64_t seq = 0;
  auto push = [&](const std::string& body) { frames.push_back(body + std::string(64, '\0')); };
  push(Head(seq++) + Snapshot("BTC-USD", 3'000'000, 300) + "," + Snapshot("ETH-USD", 150'000, 300) + "]}");
  std::vector<int> expect_gap;  // frame indexes that skip a sequence number
  for (int i = 0; i < 6000; ++i) {
    if (i % 25 == 24) {
      push(R"({"channel":"heartbeats","client_id":"","timestamp":"2023-02-09T20:32:51.000000001Z","sequence_num":)" +
           std::to_string(seq++) + R"(,"events":[{"current_time":"2023-02-09 20:32:51","heartbeat_counter":)" +
           std::to_string(i) + "}]}");
      continue;
    }
    if (i == 3000) {
      // A lost envelope, then both snapshots again (the resubscribe's answer).
      seq += 1;
      expect_gap.push_back(static_cast<int>(frames.size()));
      push(Head(seq++) + Snapshot("BTC-USD", 3'000'000, 300) + "," + Snapshot("ETH-USD", 150'000, 300) + "]}");
      continue;
    }
    std::string body = Head(seq++);
    for (int p = 0; p < (i % 3 == 0 ? 2 : 1); ++p) {
      const char* product = p == 0 ? "BTC-USD" : "ETH-USD";
      const int mid = p == 0 ? 3'000'000 : 150'000;
      body += std::string(p ? "," : "") + "{\"type\":\"update\",\"product_id\":\"" + product + "\",\"updates\":[";
      for (int k = 0; k < 10; ++k) {
        const bool bid = k % 2 == 0;
        const int off = 1 + static_cast<int>(rng() % 60);
        const std::string q = rng() % 4 == 0 ? "0" : std::to_string(1 + rng() % 9) + ".5";
        body += (k ? "," : "") + Level(bid, bid ? mid - off : mid + off, q);
      }
      body += "]}";
    }
    push(body + "]}");
  }
  Parser parser(1 << 20);
  ConnectionBooks books({"BTC-USD", "ETH-USD"}, 1000);
  uint64_t applied = 0;
  int gaps = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      Frame f;
      const std::string& fr = frames[i];
      ASSERT_EQ(parser.Parse(fr.data(), fr.size() - 64, &f), ParseStatus::kOk) << i;
      const venues::BookEvent e = books.OnFrame(f, 0);
      if (e == venues::BookEvent::kGap) ++gaps;
      ASSERT_TRUE(books.usable(0) && books.usable(1)) << i << ": " << books.detail(0);
      ++applied;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(applied, frames.size());
  EXPECT_EQ(gaps, 1) << "the gap was seen and recovered within the same frame";
  EXPECT_EQ(expect_gap.size(), 1u);

  // A crossed book and its recovery allocate nothing either (the detail strings are reserved).
  std::string crossed = Head(seq++) + "{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[" +
                        Level(true, 3'100'000, "1") + "]}]}" + std::string(64, '\0');
  std::string snap = Head(seq++) + Snapshot("BTC-USD", 3'000'000, 300) + "]}" + std::string(64, '\0');
  Frame f;
  testing::StartCountingAllocations();
  ASSERT_EQ(parser.Parse(crossed.data(), crossed.size() - 64, &f), ParseStatus::kOk);
  EXPECT_EQ(books.OnFrame(f, 0), venues::BookEvent::kCrossed);
  ASSERT_EQ(parser.Parse(snap.data(), snap.size() - 64, &f), ParseStatus::kOk);
  EXPECT_EQ(books.OnFrame(f, 0), venues::BookEvent::kSnapshot);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
}

}  // namespace
}  // namespace hs::coinbase
