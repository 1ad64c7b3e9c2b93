// The hot path — venue thread parse → ring → core → order encode — allocates nothing after
// start-up (STYLE §8). Replaces the global operator new with a counting one, warms up, then
// replays a few thousand bookTicker frames across two venues with dislocations that make the
// core trade, and expects zero allocations while intents are produced and encoded.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "core/app/core_params.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/journal/journal_writer.h"
#include "core/runtime/log.h"
#include "venues/binance/binance_feed.h"
#include "venues/binance/binance_orders.h"
#include "venues/kraken/kraken_orders.h"
#include "tests/support/alloc_counter.h"


namespace hs {
namespace {

std::string Ticker(const char* sym, uint64_t u, int64_t bid_cents, int64_t ask_cents) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":%llu,\"s\":\"%s\",\"b\":\"%lld.%02lld\",\"B\":\"0.25000000\","
                "\"a\":\"%lld.%02lld\",\"A\":\"0.40000000\"}}",
                static_cast<unsigned long long>(u), sym, static_cast<long long>(bid_cents / 100),
                static_cast<long long>(bid_cents % 100), static_cast<long long>(ask_cents / 100),
                static_cast<long long>(ask_cents % 100));
  return std::string(buf) + std::string(64, '\0');
}

TEST(HotPath, ParseRingCoreEncodeAllocatesNothingInSteadyState) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  ASSERT_TRUE(cfg.ok());
  TscClock::Calibrate();
  runtime::Logger logger("/dev/null", false);
  runtime::KillSwitch kill;

  // Two venue threads' worth of parts, driven on this thread.
  struct VenueParts {
    std::unique_ptr<VenueRing> ring;
    std::unique_ptr<runtime::VenueCounters> counters;
    std::unique_ptr<venues::VenuePublisher> pub;
    std::unique_ptr<venues::SymbolTable> symbols;
    std::unique_ptr<binance::Feed> feed;
    binance::OrderEncoder encoder;
  };
  std::vector<VenueParts> v(2);
  std::vector<std::unique_ptr<IntentRing>> intent_rings;
  std::vector<IntentRing::Consumer> intents;
  engine::DecisionCore::Wiring w;
  journal::EntryRing jring(1 << 14);
  auto jconsumer = jring.TakeConsumer();
  w.journal = journal::JournalSink(jring.TakeProducer());
  engine::TelemetrySlot slot;
  engine::CoreMetrics metrics;
  w.telemetry = &slot;
  w.metrics = &metrics;
  for (int i = 0; i < 2; ++i) {
    VenueParts& p = v[static_cast<size_t>(i)];
    p.ring = std::make_unique<VenueRing>(4096);
    p.counters = std::make_unique<runtime::VenueCounters>();
    p.pub = std::make_unique<venues::VenuePublisher>(p.ring->TakeProducer(), nullptr, p.counters.get());
    p.symbols = std::make_unique<venues::SymbolTable>(*cfg, cfg->venues[static_cast<size_t>(i)]);
    venues::VenueContext ctx;
    ctx.id = VenueId{static_cast<uint8_t>(i)};
    ctx.venue = &cfg->venues[static_cast<size_t>(i)];
    ctx.config = &*cfg;
    ctx.publisher = p.pub.get();
    ctx.counters = p.counters.get();
    ctx.kill = &kill;
    ctx.log = logger.MakeChannel("v");
    p.feed = std::make_unique<binance::Feed>(ctx, p.symbols.get(), nullptr);
    p.encoder.Reset(p.symbols.get(), "key", "secret");
    w.from_venues.push_back(p.ring->TakeConsumer());
    intent_rings.push_back(std::make_unique<IntentRing>(256));
    w.to_venues.push_back(intent_rings.back()->TakeProducer());
    intents.push_back(intent_rings.back()->TakeConsumer());
    // The order session is up and the account is known.
    VenueStatus st;
    st.venue = ctx.id;
    st.usable = true;
    st.orders_connected = true;
    p.pub->PublishStatus(st, Nanos{});
    for (const auto& a : cfg->assets) {
      BalanceUpdate b;
      b.venue = ctx.id;
      b.asset = a.id;
      b.free = Amount::FromUnits(1'000'000);
      b.final_of_snapshot = static_cast<size_t>(a.id.value) + 1 == cfg->assets.size();
      p.pub->PublishBalance(b, Nanos{});
    }
  }
  auto params = app::CoreParamsFromConfig(*cfg, 1);
  params.cooldown = Nanos{0};
  engine::DecisionCore core(params, std::move(w));

  // Frames prepared before counting: a random walk with a dislocation every 25th frame.
  std::mt19937_64 rng(5);
  std::vector<std::string> frames;
  std::vector<int> venue_of;
  int64_t mid = 3'000'000;  // cents
  for (int i = 0; i < 6000; ++i) {
    mid += static_cast<int64_t>(rng() % 21) - 10;
    const int venue = i % 2;
    int64_t shift = (i % 25 == 0) ? 20'000 : 0;  // +200 USDT on venue 1: crosses beyond fees
    if (venue == 0) shift = 0;
    frames.push_back(Ticker("BTCUSDT", 1'000'000 + static_cast<uint64_t>(i), mid - 5 + shift, mid + 5 + shift));
    venue_of.push_back(venue);
  }
  const std::string reply =
      std::string(R"({"id":"hs1","status":200,"result":{"orderId":1,"clientOrderId":"hs1","executedQty":"0.00000000",)"
                  R"("cummulativeQuoteQty":"0.00000000","status":"EXPIRED","fills":[]}})") + std::string(64, '\0');
  binance::Parser reply_parser(1 << 16);

  char order_buf[2048];
  uint64_t encoded = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      VenueParts& p = v[static_cast<size_t>(venue_of[i])];
      p.feed->OnFrame(frames[i].data(), frames[i].size() - 64, TscNow(), Nanos{static_cast<int64_t>(i) * 1'000'000});
      p.pub->Flush();
      core.DoWork();
      for (int k = 0; k < 2; ++k) {
        OrderIntent in;
        while (intents[static_cast<size_t>(k)].TryPop(in)) {
          const size_t n = v[static_cast<size_t>(k)].encoder.Encode(in, 1'700'000'000'000, order_buf, sizeof order_buf);
          ASSERT_GT(n, 0u);
          ++encoded;
          // The venue's reply comes back through the same path: parse, then an ExecReport.
          binance::ApiReply r;
          ASSERT_EQ(reply_parser.ParseApiReply(reply.data(), reply.size() - 64, &r), venues::ParseStatus::kOk);
          ExecReport ex;
          ex.client_id = in.client_id;
          ex.venue = in.venue;
          ex.kind = ExecKind::kCanceled;
          ex.final = true;
          v[static_cast<size_t>(k)].pub->PublishExec(ex, Nanos{});
        }
      }
      journal::Entry e;
      while (jconsumer.TryPop(e)) {
      }
    }
  };
  run(0, 1000);  // warm-up: first touches, lazily-sized internals
  const uint64_t warm_encoded = encoded;
  testing::StartCountingAllocations();
  run(1000, frames.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations on the hot path in steady state";
  EXPECT_GT(encoded - warm_encoded, 100u) << "the replay must actually trade for this test to mean anything";
  EXPECT_EQ(v[0].counters->parse_errors.load(), 0u);
}

// Kraken's order path: add_order encoding, the reply and executions parse, and the tracker's
// reports, after warm-up, allocate nothing.
TEST(HotPath, KrakenEncodeParseTrackAllocatesNothing) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  ASSERT_TRUE(cfg.ok());
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  const venues::SymbolInfo& sym = symbols.infos()[0];
  kraken::OrderEncoder enc(&symbols);
  enc.SetToken("G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY");
  kraken::PrivateParser parser(1 << 16);
  kraken::OrderTracker tracker(VenueId{0}, &symbols);
  auto padded = [](const std::string& s) { return s + std::string(64, '\0'); };
  std::vector<std::string> replies, trades;
  for (uint64_t i = 0; i < 3000; ++i) {
    char cid[kraken::kClientIdMax];
    const std::string c(cid, static_cast<size_t>(kraken::FormatClientId(ClientOrderId{i + 1}, cid)));
    replies.push_back(padded(R"({"method":"add_order","req_id":)" + std::to_string(i + 1) +
                             R"(,"result":{"order_id":"OABCDE-12345-FGHIJK","cl_ord_id":")" + c + R"("},"success":true})"));
    trades.push_back(padded(R"({"channel":"executions","type":"update","sequence":)" + std::to_string(i) +
                            R"(,"data":[{"order_id":"OABCDE-12345-FGHIJK","cl_ord_id":")" + c + R"(","exec_id":"T)" +
                            std::to_string(i) + R"(","exec_type":"trade","last_qty":0.001,"last_price":30000.1,)"
                            R"("cost":30.0001,"order_status":"filled","fees":[{"asset":"USDT","qty":0.12}]}]})"));
  }
  char buf[2048];
  uint64_t reports = 0;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      OrderIntent in;
      in.client_id = ClientOrderId{i + 1};
      in.instrument = sym.instrument;
      in.side = i % 2 ? Side::kBuy : Side::kSell;
      in.tif = i % 3 ? TimeInForce::kIoc : TimeInForce::kGtc;
      in.limit_px = Price::FromRaw(sym.tick.raw() * 300'001);
      in.qty = Qty::FromRaw(sym.lot.raw() * 7);
      ASSERT_GT(enc.Encode(in, static_cast<int64_t>(i + 1), buf, sizeof buf), 0u);
      tracker.Add(in, static_cast<int64_t>(i + 1), TscStamp{}, Nanos{});
      kraken::PrivateMsg m;
      ExecReport ex;
      TscStamp wire;
      ASSERT_EQ(parser.Parse(replies[i].data(), replies[i].size() - 64, &m), venues::ParseStatus::kOk);
      reports += tracker.OnAddReply(m, TscStamp{}, &ex, &wire) == kraken::OrderTracker::Outcome::kReport;
      ASSERT_EQ(parser.Parse(trades[i].data(), trades[i].size() - 64, &m), venues::ParseStatus::kOk);
      reports += tracker.OnExec(m.execs[0], TscStamp{}, &ex) == kraken::OrderTracker::Outcome::kReport;
    }
  };
  run(0, 500);
  testing::StartCountingAllocations();
  run(500, replies.size());
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations on Kraken's order path";
  EXPECT_EQ(reports, 2 * replies.size()) << "an ack and a final fill per order";
  EXPECT_EQ(tracker.active(), 0);
}

}  // namespace
}  // namespace hs
