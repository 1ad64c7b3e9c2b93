// Bybit's hot path allocates nothing after warm-up (STYLE §8): replays a few thousand public
// stream messages (snapshots, deltas, gaps, crossed books, pongs, malformed frames) through the
// parser and DepthBook, and through the live Feed into the core's ring; and the order session's
// encoder and private-stream handling (executions, order pushes, wallet). The global operator
// new is replaced by a counting one; the count must stay zero while counting.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/bybit/bybit_book.h"
#include "venues/bybit/bybit_feed.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/bybit/bybit_parse.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/test_support.h"


namespace hs::bybit {
namespace {

const std::string kConfig = testing::UnitConfigToml(R"("BTC", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) + R"([[venues]]
name = "bybit"
kind = "bybit"
market_data_url = "ws://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
)");

std::string Px(int64_t cents) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return b;
}

// A replay: a snapshot, then deltas near the touch, with a gap, a crossed delta and malformed
// frames now and then (each failure followed by a fresh snapshot, as after a resubscribe).
std::vector<std::string> Replay(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  uint64_t u = 1000;
  auto snapshot = [&] {
    std::string b = "[", a = "[";
    for (int i = 0; i < 50; ++i) {
      b += std::string(i ? "," : "") + "[\"" + Px(3'000'000 - 1 - i) + "\",\"1.25\"]";
      a += std::string(i ? "," : "") + "[\"" + Px(3'000'000 + 1 + i) + "\",\"0.75\"]";
    }
    u += 100;
    return "{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":1700000000000,\"type\":\"snapshot\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" +
           b + "],\"a\":" + a + "],\"u\":" + std::to_string(u) + ",\"seq\":66544703342},\"cts\":1700000000000}";
  };
  out.push_back(snapshot());
  for (int k = 0; k < n; ++k) {
    const int r = static_cast<int>(rng() % 200);
    if (r == 0) {
      ++u;  // skipped: the next delta is a gap
    } else if (r == 1) {
      out.push_back(R"({"success":true,"ret_msg":"pong","conn_id":"c","op":"ping"})");
      continue;
    } else if (r == 2) {
      out.push_back(R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[["x","1"]]})");
      continue;
    } else if (r == 3) {
      out.push_back(snapshot());
      continue;
    }
    std::string b = "[", a = "[";
    const int levels = 1 + static_cast<int>(rng() % 10);
    for (int i = 0; i < levels; ++i) {
      const int64_t off = static_cast<int64_t>(rng() % 60);
      const std::string q = (rng() % 4 == 0) ? "0" : std::to_string(1 + rng() % 50) + ".5";
      if (rng() & 1) {
        b += std::string(b.size() > 1 ? "," : "") + "[\"" + Px(3'000'000 - 1 - off) + "\",\"" + q + "\"]";
      } else {
        a += std::string(a.size() > 1 ? "," : "") + "[\"" + Px(3'000'000 + 1 + off) + "\",\"" + q + "\"]";
      }
    }
    if (r == 4) b += std::string(b.size() > 1 ? "," : "") + "[\"" + Px(3'000'100) + "\",\"1\"]";  // crosses
    ++u;
    out.push_back("{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":1700000000000,\"type\":\"delta\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" +
                  b + "],\"a\":" + a + "],\"u\":" + std::to_string(u) + ",\"seq\":66544703342},\"cts\":1700000000000}");
    if (r == 0 || r == 4) out.push_back(snapshot());  // the resubscribe's snapshot
  }
  for (auto& s : out) s.append(64, '\0');
  return out;
}

TEST(BybitHotPath, ParserAndBookAllocateNothingInSteadyState) {
  const std::vector<std::string> frames = Replay(7, 6000);
  Parser parser(1 << 20);
  DepthBook book(50);
  int counts[8] = {};
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      MarketFrame f;
      const std::string& s = frames[i];
      if (parser.ParseMarket(s.data(), s.size() - 64, &f) != ParseStatus::kOk) {
        ++counts[static_cast<int>(venues::BookEvent::kParseError)];
        continue;
      }
      if (f.kind != MarketKind::kBookSnapshot && f.kind != MarketKind::kBookDelta) continue;
      ++counts[static_cast<int>(book.OnMessage(f))];
    }
  };
  run(0, 500);  // warm-up
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations while parsing and applying";
  EXPECT_GT(counts[static_cast<int>(venues::BookEvent::kApplied)], 4000);
  EXPECT_GT(counts[static_cast<int>(venues::BookEvent::kGap)], 5) << "the failure paths ran too";
  EXPECT_GT(counts[static_cast<int>(venues::BookEvent::kCrossed)], 5);
  EXPECT_GT(counts[static_cast<int>(venues::BookEvent::kParseError)], 5);
}

TEST(BybitHotPath, FeedIntoTheCoreRingAllocatesNothingInSteadyState) {
  auto cfg = config::ParseConfig(kConfig, "t");
  ASSERT_TRUE(cfg.ok());
  TscClock::Calibrate();
  runtime::Logger logger("/dev/null", false);
  runtime::KillSwitch kill;
  runtime::VenueCounters counters;
  VenueRing ring(4096);
  auto consumer = ring.TakeConsumer();
  venues::VenuePublisher pub(ring.TakeProducer(), nullptr, &counters);
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &cfg->venues[0];
  ctx.config = &*cfg;
  ctx.publisher = &pub;
  ctx.counters = &counters;
  ctx.kill = &kill;
  ctx.log = logger.MakeChannel("bybit");
  Feed feed(ctx, &symbols, nullptr);
  const std::vector<std::string> frames = Replay(11, 5000);
  uint64_t tops = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      feed.OnFrame(frames[i].data(), frames[i].size() - 64, TscNow(), Nanos{static_cast<int64_t>(i)});
      pub.Flush();
      VenueMsg m;
      while (consumer.TryPop(m)) tops += m.kind == VenueMsg::Kind::kBookTop ? 1 : 0;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations on the feed's hot path";
  EXPECT_GT(tops, 3000u);
  EXPECT_GT(counters.gaps.load(), 5u);
  EXPECT_GT(counters.parse_errors.load(), 5u);
}

TEST(BybitHotPath, OrderEncodingAndPrivateStreamAllocateNothing) {
  auto cfg = config::ParseConfig(kConfig, "t");
  ASSERT_TRUE(cfg.ok());
  runtime::VenueCounters counters;
  VenueRing ring(4096);
  auto consumer = ring.TakeConsumer();
  venues::VenuePublisher pub(ring.TakeProducer(), nullptr, &counters);
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  OrderEncoder enc(&symbols, "key", "secret");
  OrderTracker tracker(VenueId{0}, &symbols, &pub, &counters);
  Parser parser(1 << 16);
  std::vector<std::string> execs, orders;
  for (uint64_t id = 1; id <= 3000; ++id) {
    const std::string link = "hs" + std::to_string(id);
    execs.push_back(R"({"id":"1","topic":"execution","creationTime":1,"data":[{"category":"spot","symbol":"BTCUSDT","orderLinkId":")" +
                    link + R"(","orderId":"1321003749386327552","side":"Buy","execQty":"0.25000","execPrice":"30000.10","execFee":"0.00025","feeCurrency":"BTC","execTime":"1700000000000","leavesQty":"0.25000"}]})" +
                    std::string(64, '\0'));
    orders.push_back(R"({"id":"2","topic":"order","creationTime":1,"data":[{"orderLinkId":")" + link +
                     R"(","orderId":"1321003749386327552","orderStatus":"PartiallyFilledCanceled","cumExecQty":"0.25000","updatedTime":"1700000000000"}]})" +
                     std::string(64, '\0'));
  }
  const std::string wallet =
      R"({"topic":"wallet","data":[{"coin":[{"coin":"BTC","walletBalance":"2.5","locked":"0"},{"coin":"USDT","walletBalance":"85000","locked":"0"}]}]})" +
      std::string(64, '\0');
  char buf[1024];
  uint64_t reports = 0;
  auto run = [&](uint64_t from, uint64_t to) {
    for (uint64_t id = from; id < to; ++id) {
      OrderIntent in;
      in.client_id = ClientOrderId{id};
      in.instrument = InstrumentId{0};
      in.limit_px = ParseDecimal<Price>("30000.10").value;
      in.qty = ParseDecimal<Qty>("0.5").value;
      ASSERT_GT(enc.Encode(in, 1'700'000'000'000, buf, sizeof buf), 0u);
      tracker.Track(in, TscNow());
      // A cancel and a REST signature are written into fixed buffers too.
      char cancel[512];
      ASSERT_GT(enc.EncodeCancel(in.client_id, in.instrument, 1'700'000'000'000, cancel, sizeof cancel), 0u);
      char sig[64];
      ASSERT_TRUE(enc.SignRestInto(1'700'000'000'000, "8000", R"({"category":"spot"})", sig));
      AccountMsg m;
      const std::string& e = execs[id - 1];
      ASSERT_EQ(parser.ParseAccount(e.data(), e.size() - 64, &m), ParseStatus::kOk);
      ASSERT_EQ(tracker.OnExecution(m.executions[0], TscNow(), Nanos{}), OrderTracker::Outcome::kHandled);
      const std::string& o = orders[id - 1];
      ASSERT_EQ(parser.ParseAccount(o.data(), o.size() - 64, &m), ParseStatus::kOk);
      ASSERT_EQ(tracker.OnOrderUpdate(m.orders[0], TscNow(), Nanos{}), OrderTracker::Outcome::kHandled);
      ASSERT_EQ(parser.ParseAccount(wallet.data(), wallet.size() - 64, &m), ParseStatus::kOk);
      ASSERT_EQ(m.coin_count, 2);
      pub.Flush();
      VenueMsg v;
      while (consumer.TryPop(v)) ++reports;
    }
  };
  run(1, 200);
  testing::StartCountingAllocations();
  run(200, 3001);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations while encoding orders and handling private pushes";
  EXPECT_EQ(reports, 2u * 3000u) << "a fill and a cancel of the remainder per order";
  EXPECT_EQ(tracker.active(), 0);
}

const std::string kPerpConfig = testing::UnitConfigToml(R"("BTC", "USDT")", R"([[instruments]]
name = "BTC-PERP"
base = "BTC"
quote = "USDT"
kind = "perp"
tick = "0.1"
lot = "0.001"
min_notional = "5"
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01", deduction = "0" } ]
[[venues]]
name = "bybit_perp"
kind = "bybit"
market_data_url = "ws://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
margin_mode = "isolated"
leverage = "10"
symbols = { "BTC-PERP" = "BTCUSDT" }
)");

TEST(BybitHotPath, PerpTickersPositionsFundingAndMarginWalletAllocateNothing) {
  auto cfg = config::ParseConfig(kPerpConfig, "t");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  runtime::Logger logger("/dev/null", false);
  runtime::KillSwitch kill;
  runtime::VenueCounters counters;
  VenueRing ring(4096);
  auto consumer = ring.TakeConsumer();
  venues::VenuePublisher pub(ring.TakeProducer(), nullptr, &counters);
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  venues::VenueContext ctx;
  ctx.id = VenueId{0};
  ctx.venue = &cfg->venues[0];
  ctx.config = &*cfg;
  ctx.publisher = &pub;
  ctx.counters = &counters;
  ctx.kill = &kill;
  ctx.log = logger.MakeChannel("bybit");
  Feed feed(ctx, &symbols, nullptr);
  Orders orders(ctx, &symbols, nullptr);
  const std::string pad(64, '\0');
  std::vector<std::string> tickers, privates;
  for (int k = 0; k < 2000; ++k) {
    const std::string mark = Px(6'000'000 + k);
    tickers.push_back(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":")" + mark +
                      R"(","indexPrice":")" + mark + R"(","fundingRate":"0.0001","nextFundingTime":"1700000000000"},"cs":1,"ts":1700000000000})" + pad);
    privates.push_back(R"({"topic":"position","data":[{"symbol":"BTCUSDT","side":"Buy","size":"0.5","entryPrice":"60000","markPrice":")" +
                       mark + R"(","leverage":"10","positionIM":"3000","positionMM":"150","liqPrice":"54300","unrealisedPnl":"1.5","positionStatus":"Normal","tradeMode":0,"updatedTime":"1700000000000"}]})" + pad);
    privates.push_back(R"({"topic":"execution","data":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":"","orderId":"","side":"Buy","execType":"Funding","execQty":"0.5","execPrice":")" +
                       mark + R"(","execFee":"3","feeRate":"0.0001","execValue":"30000","execTime":"1700000000000"}]})" + pad);
    privates.push_back(R"({"topic":"wallet","data":[{"totalAvailableBalance":"96000","coin":[{"coin":"USDT","walletBalance":"99997","equity":"99998.5","totalPositionIM":"3000","totalOrderIM":"0","totalPositionMM":"150"}]}]})" + pad);
  }
  uint64_t msgs = 0;
  auto run = [&](int from, int to) {
    for (int k = from; k < to; ++k) {
      const std::string& t = tickers[static_cast<size_t>(k)];
      feed.OnFrame(t.data(), t.size() - 64, TscNow(), Nanos{k});
      for (int j = 0; j < 3; ++j) {
        const std::string& p = privates[static_cast<size_t>(3 * k + j)];
        orders.OnPrivateMessage(p.data(), p.size() - 64, TscNow(), Nanos{k});
      }
      pub.Flush();
      VenueMsg v;
      while (consumer.TryPop(v)) ++msgs;
    }
  };
  run(0, 100);
  testing::StartCountingAllocations();
  run(100, 2000);
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations while handling perpetual pushes";
  // Per round: a mark, a position, a funding payment, a balance per asset (2) and a margin account.
  EXPECT_EQ(msgs, 2000u * 6u);
  EXPECT_EQ(counters.parse_errors.load() + counters.order_parse_errors.load(), 0u);
}

}  // namespace
}  // namespace hs::bybit
