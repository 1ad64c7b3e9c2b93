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
#include "venues/coinbase/coinbase_orders.h"
#include "venues/common/jwt_es256.h"
#include "venues/common/venue_publisher.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/test_support.h"


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
  // Every pre-trade check stays on, with room for this replay's pace (a dislocation every 50 ms)
  // and its million-unit balances: the orders must pass the gate for the path to be exercised.
  params.limits.max_position.fill(Amount::Zero());
  for (auto& vl : params.limits.venue) {
    vl.max_position.fill(Amount::Zero());
    vl.order_rate = 1000;
  }
  params.limits.repeat_max = 1000;
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

// Coinbase order path: a JWT taken from the pool signed ahead (or the cached token), the
// request rendered into a fixed buffer, the REST reply and the user-channel fill parsed and
// turned into ExecReports. Signing itself is cold (the pool's timer) and happens before counting.
TEST(HotPath, CoinbaseEncodeWithCachedJwtAndReplyPathAllocateNothing) {
  const std::string cfg_text = testing::UnitConfigToml(R"("BTC", "USD")", R"([[instruments]]
name = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
[[venues]]
name = "coinbase"
kind = "coinbase"
market_data_url = "wss://advanced-trade-ws.coinbase.com"
taker_fee = "0.006"
symbols = { "BTC/USD" = "BTC-USD" }
)");
  auto cfg = config::ParseConfig(cfg_text, "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  std::string priv, pub;
  ASSERT_TRUE(venues::GenerateP256KeyPair(&priv, &pub).ok());
  auto signer = venues::Es256Signer::FromPem(priv);
  ASSERT_TRUE(signer.ok());
  coinbase::OrderEncoder enc;
  enc.Reset(&symbols, "api.coinbase.com");
  coinbase::JwtPool pool;
  pool.Reset(signer->get(), "organizations/o/apiKeys/k", enc.Uri("POST", coinbase::kOrdersPath));
  const int64_t now_s = 1'700'000'000;
  ASSERT_EQ(pool.Refill(now_s, coinbase::kJwtPoolSize), coinbase::kJwtPoolSize);
  char cached[coinbase::kMaxJwtBytes];
  const size_t cached_len = pool.Take(now_s, cached);
  ASSERT_GT(cached_len, 0u);
  VenueRing ring(1 << 14);
  VenueRing::Consumer consumer = ring.TakeConsumer();
  runtime::VenueCounters counters;
  venues::VenuePublisher pub_(ring.TakeProducer(), nullptr, &counters);
  coinbase::OrderTracker tracker(VenueId{0}, &symbols, &pub_, &counters);
  coinbase::OrderParser parser;
  auto padded = [](std::string s) { return s + std::string(64, '\0'); };
  const std::string reply = padded(R"({"success":true,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"0123abcd-0000-4000-8000-000000000001",)"
                                   R"("success_response":{"order_id":"0123abcd-0000-4000-8000-000000000001","product_id":"BTC-USD","side":"BUY","client_order_id":"hs1"}})");
  std::vector<std::string> fills;
  for (int i = 0; i < 2000; ++i)
    fills.push_back(padded(R"({"channel":"user","client_id":"","timestamp":"t","sequence_num":)" + std::to_string(i) +
                           R"(,"events":[{"type":"update","orders":[{"order_id":"0123abcd-0000-4000-8000-000000000001","client_order_id":"hs)" +
                           std::to_string(i + 1) +
                           R"(","status":"FILLED","cumulative_quantity":"0.01","avg_price":"30000","total_fees":"1.8","total_value_after_fees":"301.8","order_side":"BUY"}]}]})"));
  char buf[4096];
  char jwt[coinbase::kMaxJwtBytes];
  auto run = [&](int from, int to, bool from_pool) {
    for (int i = from; i < to; ++i) {
      OrderIntent in;
      in.client_id = ClientOrderId{static_cast<uint64_t>(i + 1)};
      in.instrument = InstrumentId{0};
      in.limit_px = Price::FromRaw(30'000'000'000'000);
      in.qty = Qty::FromRaw(1'000'000);
      size_t jn = from_pool ? pool.Take(now_s, jwt) : 0;
      const std::string_view token = jn > 0 ? std::string_view(jwt, jn) : std::string_view(cached, cached_len);
      const size_t n = enc.EncodeOrder(in, token, buf, sizeof buf);
      ASSERT_GT(n, 0u);
      tracker.Track(in, TscNow());
      coinbase::CreateReply r;
      ASSERT_EQ(parser.ParseCreate(reply.data(), reply.size() - 64, &r), venues::ParseStatus::kOk);
      tracker.OnCreateReply(in.client_id, 200, &r, TscNow(), Nanos{});
      coinbase::UserMsg m;
      const std::string& f = fills[static_cast<size_t>(i)];
      ASSERT_EQ(parser.ParseUser(f.data(), f.size() - 64, &m), venues::ParseStatus::kOk);
      ASSERT_EQ(m.order_count, 1);
      tracker.OnUserOrder(parser.orders()[0], TscNow(), Nanos{});
      pub_.Flush();
      VenueMsg msg;
      while (consumer.TryPop(msg)) {
      }
    }
  };
  run(0, 100, false);  // warm-up
  testing::StartCountingAllocations();
  run(100, 120, true);    // tokens from the pool
  run(120, 2000, false);  // the cached token
  EXPECT_EQ(testing::StopCountingAllocations(), 0u) << "allocations on the Coinbase order path";
  EXPECT_EQ(tracker.active(), 0) << "every order closed by its fill";
}

}  // namespace
}  // namespace hs
