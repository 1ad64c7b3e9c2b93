// The Coinbase adapter and feed without sockets: what reaches the core's ring, in what order,
// and what is counted, when frames are handed to Feed::OnFrame; the market-data-only rules of
// MakeVenue; the subscribe requests' shape against the recorded sample.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "core/config/config.h"
#include "core/runtime/idle.h"
#include "core/runtime/kill_switch.h"
#include "core/runtime/log.h"
#include "tests/support/test_support.h"
#include "venues/coinbase/coinbase_venue.h"
#include "venues/common/venue_publisher.h"

namespace hs::coinbase {
namespace {

using json = nlohmann::json;
using venues::BookEvent;

std::string ConfigText(bool trading) {
  std::string c = R"(assets = ["BTC", "ETH", "USDT"]
[engine]
name = "cb-unit"
[admin]
socket = "/tmp/cb-unit-admin.sock"
[journal]
path = "/tmp/cb-unit.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
[[instruments]]
name = "ETH/USDT"
base = "ETH"
quote = "USDT"
tick = "0.01"
lot = "0.0001"
min_notional = "5"
[[venues]]
name = "coinbase"
kind = "coinbase"
market_data_url = "ws://127.0.0.1:1"
taker_fee = "0.006"
depth = 8
symbols = { "BTC/USDT" = "BTC-USDT", "ETH/USDT" = "ETH-USDT" }
)";
  if (trading) {
    c += R"(trading = true
order_url = "ws://127.0.0.1:2"
api_key_env = "CB_KEY"
api_secret_env = "CB_SECRET"
)";
  } else {
    c += "trading = false\n";
  }
  return c;
}

class CoinbaseFeedTest : public ::testing::Test {
 protected:
  void Build(bool trading) {
    auto c = config::ParseConfig(ConfigText(trading), "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = std::make_unique<config::Config>(*std::move(c));
    publisher_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    ctx_.id = VenueId{0};
    ctx_.venue = &cfg_->venues[0];
    ctx_.config = cfg_.get();
    ctx_.publisher = publisher_.get();
    ctx_.counters = &counters_;
    ctx_.kill = &kill_;
    ctx_.log = &log_;
  }

  std::vector<VenueMsg> Drain() {
    publisher_->Flush();
    std::vector<VenueMsg> out;
    VenueMsg m;
    while (consumer_.TryPop(m)) out.push_back(m);
    return out;
  }

  void Deliver(Feed& feed, const std::string& text) {
    const std::string buf = testing::Padded(text);
    feed.OnFrame(buf.data(), text.size(), TscNow(), WallNow());
  }

  VenueRing ring_{1024};
  VenueRing::Consumer consumer_ = ring_.TakeConsumer();
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  runtime::LogChannel log_{"coinbase-test", 0};
  std::unique_ptr<config::Config> cfg_;
  std::unique_ptr<venues::VenuePublisher> publisher_;
  venues::VenueContext ctx_;
};

const char* kSnapBtc =
    R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,"events":[)"
    R"({"type":"snapshot","product_id":"BTC-USDT","updates":[)"
    R"({"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"30000.00","new_quantity":"1.5"},)"
    R"({"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"29999.99","new_quantity":"2"},)"
    R"({"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"30000.50","new_quantity":"0.25"}]}]})";

TEST_F(CoinbaseFeedTest, TradingTrueBuildsTheOrderSessionAndRejectsIntentsUntilReady) {
  Build(/*trading=*/true);
  auto v = MakeVenue(ctx_);
  ASSERT_TRUE(v.ok()) << v.status();
  OrderIntent in;
  in.client_id = ClientOrderId{7};
  in.instrument = InstrumentId{0};
  in.qty = Qty::FromRaw(100'000);
  (*v)->OnIntent(in);
  const auto msgs = Drain();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].exec.kind, ExecKind::kRejected);
  EXPECT_EQ(msgs[0].exec.reason, RejectReason::kNotConnected) << "not started: no order session yet";
}

TEST_F(CoinbaseFeedTest, IntentsAreRejectedNotConnected) {
  Build(/*trading=*/false);
  auto v = MakeVenue(ctx_);
  ASSERT_TRUE(v.ok()) << v.status();
  OrderIntent in;
  in.client_id = ClientOrderId{42};
  in.venue = VenueId{0};
  in.instrument = InstrumentId{0};
  in.side = Side::kSell;
  in.qty = Qty::FromRaw(100'000);
  (*v)->OnIntent(in);
  const auto msgs = Drain();
  ASSERT_EQ(msgs.size(), 1u);
  ASSERT_EQ(msgs[0].kind, VenueMsg::Kind::kExec);
  EXPECT_EQ(msgs[0].exec.kind, ExecKind::kRejected);
  EXPECT_EQ(msgs[0].exec.reason, RejectReason::kNotConnected);
  EXPECT_EQ(msgs[0].exec.client_id.value, 42u);
  EXPECT_EQ(msgs[0].exec.side, Side::kSell);
  EXPECT_TRUE(msgs[0].exec.final);
  EXPECT_EQ(counters_.order_rejects.load(), 1u);
}

TEST_F(CoinbaseFeedTest, StatusesComeBeforeTopsAndEveryFailureIsCounted) {
  Build(false);
  venues::SymbolTable symbols(*cfg_, cfg_->venues[0]);
  Feed feed(ctx_, &symbols, nullptr);
  EXPECT_EQ(feed.depth(), 8);
  // Snapshot: synced status, then the top with the envelope's time and sequence.
  Deliver(feed, kSnapBtc);
  auto msgs = Drain();
  ASSERT_EQ(msgs.size(), 2u);
  ASSERT_EQ(msgs[0].kind, VenueMsg::Kind::kStatus);
  EXPECT_EQ(msgs[0].status.state, FeedState::kSynced);
  EXPECT_TRUE(msgs[0].status.usable);
  EXPECT_EQ(msgs[0].status.instrument.value, 0);
  ASSERT_EQ(msgs[1].kind, VenueMsg::Kind::kBookTop);
  EXPECT_EQ(msgs[1].top.bid_count, 2);
  EXPECT_EQ(msgs[1].top.ask_count, 1);
  EXPECT_EQ(msgs[1].top.bids[0].px.raw(), 30'000'000'000'000);
  EXPECT_EQ(msgs[1].top.bids[0].qty.raw(), 150'000'000);
  EXPECT_EQ(msgs[1].top.asks[0].px.raw(), 30'000'500'000'000);
  EXPECT_EQ(msgs[1].top.exchange_time.value, 1'675'974'770'714'964'855);
  EXPECT_EQ(msgs[1].top.venue_seq, 0u);

  // An update: one top.
  Deliver(feed, R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USDT","updates":[)"
              R"({"side":"offer","price_level":"30000.25","new_quantity":"1"}]}]})");
  msgs = Drain();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].top.asks[0].px.raw(), 30'000'250'000'000);

  // A heartbeat in order: nothing for the core.
  Deliver(feed, R"({"channel":"heartbeats","sequence_num":2,"events":[{"heartbeat_counter":1}]})");
  EXPECT_TRUE(Drain().empty());

  // A lost envelope (3): every book is unusable; the core hears it before anything else.
  Deliver(feed, R"({"channel":"l2_data","sequence_num":4,"events":[{"type":"update","product_id":"BTC-USDT","updates":[)"
              R"({"side":"bid","price_level":"30000.10","new_quantity":"1"}]}]})");
  msgs = Drain();
  ASSERT_EQ(msgs.size(), 2u) << "one gap status per book on the connection, and no top";
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(msgs[i].kind, VenueMsg::Kind::kStatus);
    EXPECT_EQ(msgs[i].status.state, FeedState::kGap);
    EXPECT_FALSE(msgs[i].status.usable);
    EXPECT_EQ(msgs[i].status.instrument.value, i);
  }
  EXPECT_EQ(counters_.gaps.load(), 2u) << "a gap invalidates both books on the connection";
  EXPECT_EQ(counters_.resyncs.load(), 2u);
  EXPECT_FALSE(feed.books().usable(0));

  // More updates before the new snapshot publish nothing.
  Deliver(feed, R"({"channel":"l2_data","sequence_num":5,"events":[{"type":"update","product_id":"BTC-USDT","updates":[)"
              R"({"side":"bid","price_level":"30000.20","new_quantity":"1"}]}]})");
  EXPECT_TRUE(Drain().empty());

  // Malformed and unknown frames are counted and change nothing.
  Deliver(feed, R"({"channel":"l2_data","sequence_num":6,"events":[{"type":"update","product_id":"BTC-USDT","updates":[)"
              R"({"side":"ask","price_level":"30000.20","new_quantity":"1"}]}]})");
  Deliver(feed, "\x01\x02garbage");
  Deliver(feed, R"({"hello":"world"})");
  EXPECT_EQ(counters_.parse_errors.load(), 2u);
  EXPECT_EQ(counters_.unknown_messages.load(), 1u);
  EXPECT_TRUE(Drain().empty());

  // The resubscribe's snapshot (sequence continues at 6: the malformed frame never counted).
  std::string snap = kSnapBtc;
  snap.replace(snap.find("\"sequence_num\":0"), 16, "\"sequence_num\":6");
  Deliver(feed, snap);
  msgs = Drain();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].status.state, FeedState::kSynced);
  EXPECT_EQ(msgs[1].kind, VenueMsg::Kind::kBookTop);

  // A crossing update: crossed status, no top, counted.
  Deliver(feed, R"({"channel":"l2_data","sequence_num":7,"events":[{"type":"update","product_id":"BTC-USDT","updates":[)"
              R"({"side":"bid","price_level":"30001","new_quantity":"1"}]}]})");
  msgs = Drain();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].status.state, FeedState::kCrossed);
  EXPECT_FALSE(msgs[0].status.usable);
  EXPECT_EQ(counters_.crossed_books.load(), 1u);
  EXPECT_EQ(counters_.resyncs.load(), 3u);
  EXPECT_GE(counters_.md_messages.load(), 10u);
}

TEST_F(CoinbaseFeedTest, SubscribeRequestsHaveTheSampleShape) {
  Build(false);
  venues::SymbolTable symbols(*cfg_, cfg_->venues[0]);
  Feed feed(ctx_, &symbols, nullptr);
  char buf[512];
  const size_t n = feed.WriteRequest("subscribe", "level2", nullptr, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const json ours = json::parse(std::string(buf, n));
  const json sample = json::parse(testing::VenueFixture("coinbase/advanced_level2_subscribe_request.json"));
  EXPECT_EQ(ours["type"], sample["type"]);
  EXPECT_EQ(ours["channel"], sample["channel"]);
  EXPECT_EQ(ours["product_ids"], json::array({"BTC-USDT", "ETH-USDT"}));
  const uint8_t only[2] = {0, 1};
  const size_t m = feed.WriteRequest("unsubscribe", "level2", only, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, m), R"({"type":"unsubscribe","product_ids":["ETH-USDT"],"channel":"level2"})");
  EXPECT_EQ(feed.WriteRequest("subscribe", "level2", nullptr, buf, 20), 0u) << "too small: refused, not truncated";
}

TEST_F(CoinbaseFeedTest, ProductIdsAreCheckedAtInit) {
  std::string text = ConfigText(false);
  text.replace(text.find("\"BTC-USDT\""), 10, "\"btc-usdt\"");
  auto c = config::ParseConfig(text, "test");
  ASSERT_TRUE(c.ok()) << c.status();
  cfg_ = std::make_unique<config::Config>(*std::move(c));
  publisher_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
  ctx_.venue = &cfg_->venues[0];
  ctx_.config = cfg_.get();
  ctx_.publisher = publisher_.get();
  ctx_.counters = &counters_;
  ctx_.log = &log_;
  venues::SymbolTable symbols(*cfg_, cfg_->venues[0]);
  Feed feed(ctx_, &symbols, nullptr);
  const absl::Status st = feed.Init();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not a Coinbase product id"), std::string::npos) << st;
}

}  // namespace
}  // namespace hs::coinbase
