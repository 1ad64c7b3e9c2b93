// Binance's L2 path allocates nothing in steady state: a few thousand depthUpdate and bookTicker
// frames through the real parser and DepthBook, after warm-up, with global operator new counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/binance/binance_book.h"
#include "venues/binance/binance_orders.h"
#include "venues/common/order_session.h"
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

// The order path after warm-up allocates nothing: order.place encode + sign (IOC and post-only
// GTC), the FULL reply parse, the in-flight table (Track, FillDelta, Release) and order.cancel
// encode + sign.
TEST(BinanceHotPath, OrderPlaceReplyAndCancelAllocateNothing) {
  auto cfg = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
  ASSERT_TRUE(cfg.ok());
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  OrderEncoder enc(&symbols, "my-api-key", "my-secret");
  Parser parser(1 << 16);
  venues::InFlightTable table;
  const std::string reply =
      std::string(R"({"id":"hs1","status":200,"result":{"orderId":1,"clientOrderId":"hs1","executedQty":"0.05000",)"
                  R"("cummulativeQuoteQty":"1500.00500000","status":"FILLED","fills":[{"price":"30000.10",)"
                  R"("qty":"0.05","commission":"0.00005","commissionAsset":"BTC","tradeId":1}]}})");
  const std::string padded = reply + std::string(64, '\0');
  char buf[2048];
  uint64_t fills = 0;
  auto run = [&](uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      OrderIntent in;
      in.client_id = ClientOrderId{i};
      in.instrument = InstrumentId{0};
      in.side = Side::kBuy;
      in.tif = i % 2 ? TimeInForce::kGtc : TimeInForce::kIoc;
      in.post_only = i % 2 == 1;
      in.limit_px = Price::FromRaw(3'000'010'000'000);
      in.qty = Qty::FromRaw(5'000'000);
      ASSERT_GT(enc.Encode(in, 1'700'000'000'000, buf, sizeof buf), 0u);
      venues::InFlightEntry& e = table.Track(in, TscStamp{}, static_cast<int64_t>(i));
      ApiReply r;
      ASSERT_EQ(parser.ParseApiReply(padded.data(), reply.size(), &r), ParseStatus::kOk);
      venues::CumulativeFill c{r.executed_qty, r.cum_quote, r.commission, symbols.FindAsset(r.commission_asset), Price()};
      ExecReport ex;
      fills += table.FillDelta(e, c, VenueId{0}, TscStamp{}, true, &ex) ? 1 : 0;
      ASSERT_GT(enc.EncodeCancel(in.client_id, in.instrument, 1'700'000'000'000, buf, sizeof buf), 0u);
      table.Release(&e);
    }
  };
  run(1, 100);
  testing::StartCountingAllocations();
  run(100, 2100);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_EQ(fills, 2099u) << "every reply produced its fill";
}

}  // namespace
}  // namespace hs::binance
