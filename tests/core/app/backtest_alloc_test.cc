// The backtest's steady state allocates nothing: after warm-up, EventReader::Next over book,
// balance and raw lines (none longer than one already read) and SimulatedMarket OnBook, Top and
// Fill make no heap allocation. Own binary: alloc_counter replaces the global operator new.
#include <gtest/gtest.h>

#include <string>

#include "core/app/backtest_events.h"
#include "core/app/backtest_market.h"
#include "core/config/config.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/test_support.h"

namespace hs::backtest {
namespace {

std::string Lines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    const std::string t = std::to_string(1'700'000'000'000'000'000 + int64_t{i} * 1000);
    switch (i % 4) {
      case 0:
      case 1: {
        std::string bids = "[";
        std::string asks = "[";
        for (int k = 0; k < 10; ++k) {
          bids += (k ? "," : "") + std::string("[\"") + std::to_string(30000 - k - i % 7) + ".5\",\"0.25\"]";
          asks += (k ? "," : "") + std::string("[\"") + std::to_string(30001 + k - i % 7) + ".5\",\"1.5\"]";
        }
        text += R"({"t":)" + t + R"(,"type":"book","venue":")" + (i % 2 ? "okx" : "binance") +
                R"(","instrument":"BTC/USDT","bids":)" + bids + R"(],"asks":)" + asks + "]}\n";
        break;
      }
      case 2:
        text += R"({"t":)" + t +
                R"(,"type":"balance","venue":"okx","asset":"USDT","free":"100000.5"})"
                "\n";
        break;
      default:
        text += R"({"t":)" + t + R"(,"type":"raw","venue":"okx","msg":"{\"arg\":{\"channel\":\"books\"},\"n\":)" +
                std::to_string(1000 + i % 9000) +
                R"(}"})"
                "\n";
    }
  }
  return text;
}

const config::Config& Demo() {
  static const config::Config c = *config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
  return c;
}

void ExpectSteadyStateAllocatesNothing(EventReader& r) {
  Event e;
  SimulatedMarket m;
  OrderIntent in;
  in.qty = Qty::FromUnits(1);
  auto step = [&]() {
    const absl::StatusOr<bool> got = r.Next(&e);
    if (!got.ok() || !*got) return false;
    if (e.kind == Event::Kind::kBook) {
      m.OnBook(e);
      in.venue = e.venue;
      in.instrument = e.instrument;
      in.side = e.t % 2 ? Side::kBuy : Side::kSell;
      in.limit_px = in.side == Side::kBuy ? e.asks[2].px : e.bids[2].px;
      const FillResult f = m.Fill(in, Rate::FromRaw(100000), AssetId{2});
      const BookTop top = m.Top(e.venue, e.instrument);
      return f.qty.raw() >= 0 && top.bid_count >= 0;
    }
    return true;
  };
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(step());  // warm-up
  testing::StartCountingAllocations();
  int n = 0;
  while (step()) ++n;
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(n, 20000 - 200);
}

TEST(BacktestAllocTest, TextReaderAndMarket) {
  EventReader r = EventReader::FromText(Lines(20000), Demo());
  ExpectSteadyStateAllocatesNothing(r);
}

TEST(BacktestAllocTest, FileReaderAndMarket) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("events.jsonl"), Lines(20000));  // ~8 MB: many buffer refills
  absl::StatusOr<EventReader> r = EventReader::Open(dir.File("events.jsonl"), Demo());
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectSteadyStateAllocatesNothing(*r);
}

}  // namespace
}  // namespace hs::backtest
