// Binance's L2 path allocates nothing in steady state: a few thousand depthUpdate and bookTicker
// frames through the real parser and DepthBook, after warm-up, with global operator new counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "venues/binance/binance_book.h"
#include "venues/binance/binance_parse.h"
#include "tests/support/alloc_counter.h"


namespace hs::binance {
namespace {

TEST(BinanceHotPath, DepthAndTickerReplayAllocatesNothingAfterWarmUp) {
  std::mt19937_64 rng(11);
  std::vector<std::string> frames;
  std::string snap = R"({"lastUpdateId":1000,"bids":[)";
  for (int i = 0; i < 100; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(29900 - i) + ".00\",\"1.5\"]";
  snap += R"(],"asks":[)";
  for (int i = 0; i < 100; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(30000 + i) + ".00\",\"1.5\"]";
  snap += "]}";
  frames.push_back(snap + std::string(64, '\0'));
  uint64_t id = 1000;
  for (int i = 0; i < 5000; ++i) {
    if (i % 4 == 3) {
      // A ticker newer than the book, inside the current spread.
      frames.push_back("{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":" + std::to_string(id + 1) +
                       ",\"s\":\"BTCUSDT\",\"b\":\"29900.00\",\"B\":\"2.5\",\"a\":\"30000.00\",\"A\":\"1.25\"}}" +
                       std::string(64, '\0'));
      continue;
    }
    std::string b = "[", a = "[";
    for (int k = 0; k < 10; ++k) {
      const int off = static_cast<int>(rng() % 60) + 1;
      const std::string q = rng() % 4 == 0 ? "0" : std::to_string(1 + rng() % 9) + ".5";
      b += (k ? "," : "") + std::string("[\"") + std::to_string(29900 - off) + ".00\",\"" + q + "\"]";
      a += (k ? "," : "") + std::string("[\"") + std::to_string(30000 + off) + ".00\",\"" + q + "\"]";
    }
    const uint64_t U = id + 1;
    id += 3;
    frames.push_back("{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":" +
                     std::to_string(U) + ",\"u\":" + std::to_string(id) + ",\"b\":" + b + "],\"a\":" + a + "]}}" +
                     std::string(64, '\0'));
  }
  Parser parser(1 << 20);
  DepthBook book(1000);
  uint64_t applied = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      MarketFrame f;
      const std::string& fr = frames[i];
      ASSERT_EQ(parser.ParseMarket(fr.data(), fr.size() - 64, &f), ParseStatus::kOk) << i;
      venues::BookEvent e;
      if (f.kind == FrameKind::kDepthSnapshot) {
        e = book.OnSnapshot(f, &parser);
      } else if (f.kind == FrameKind::kBookTicker) {
        e = book.OnTicker(f);
      } else {
        e = book.OnDiff(f, fr.data(), fr.size() - 64);
      }
      ASSERT_TRUE(e == venues::BookEvent::kApplied || e == venues::BookEvent::kSnapshot) << i << ": " << book.detail();
      ++applied;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(applied, frames.size());
  EXPECT_TRUE(book.usable());
}

}  // namespace
}  // namespace hs::binance
