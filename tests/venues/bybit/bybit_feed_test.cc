// The live feed's handling of frames, without a socket: what the core receives (statuses before
// tops, nothing from a failed book), and what is counted.
#include "venues/bybit/bybit_feed.h"

#include <gtest/gtest.h>

#include "core/config/config.h"
#include "tests/support/test_support.h"

namespace hs::bybit {
namespace {

const std::string kConfig = testing::UnitConfigToml(R"("BTC", "ETH", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) + testing::kEthUsdtInstrumentToml + R"([[venues]]
name = "bybit"
kind = "bybit"
market_data_url = "ws://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
depth = 20
symbols = { "BTC/USDT" = "BTCUSDT", "ETH/USDT" = "ETHUSDT" }
)");

std::string Msg(const char* type, uint64_t u, const std::string& b, const std::string& a, const char* sym = "BTCUSDT",
                int depth = 50) {
  return std::string("{\"topic\":\"orderbook.") + std::to_string(depth) + "." + sym + "\",\"ts\":1700000000000,\"type\":\"" +
         type + "\",\"data\":{\"s\":\"" + sym + "\",\"b\":" + b + ",\"a\":" + a + ",\"u\":" + std::to_string(u) +
         ",\"seq\":1},\"cts\":1}";
}

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(kConfig, "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    consumer_ = std::make_unique<VenueRing::Consumer>(ring_.TakeConsumer());
    pub_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    venues::VenueContext ctx;
    ctx.id = VenueId{0};
    ctx.venue = &cfg_.venues[0];
    ctx.config = &cfg_;
    ctx.publisher = pub_.get();
    ctx.counters = &counters_;
    ctx.kill = &kill_;
    ctx.log = logger_.MakeChannel("bybit");
    feed_ = std::make_unique<Feed>(ctx, &symbols_, nullptr);
  }
  void Frame(const std::string& text) {
    const std::string buf = testing::Padded(text);
    feed_->OnFrame(buf.data(), text.size(), TscNow(), Nanos{1});
  }
  std::vector<VenueMsg> Drain() {
    std::vector<VenueMsg> out;
    for (;;) {
      pub_->Flush();
      VenueMsg m;
      bool any = false;
      while (consumer_->TryPop(m)) {
        out.push_back(m);
        any = true;
      }
      if (!any && pub_->idle()) return out;
    }
  }

  config::Config cfg_;
  venues::SymbolTable symbols_;
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  runtime::Logger logger_{"/dev/null", false};
  VenueRing ring_{1024};
  std::unique_ptr<VenueRing::Consumer> consumer_;
  std::unique_ptr<venues::VenuePublisher> pub_;
  std::unique_ptr<Feed> feed_;
};

TEST_F(FeedTest, SubscribesTheTopicDepthCoveringTheConfiguredDepth) {
  EXPECT_EQ(feed_->topic_depth(), 50) << "depth 20 is served by orderbook.50";
  EXPECT_EQ(feed_->Topic(0), "orderbook.50.BTCUSDT");
  EXPECT_EQ(feed_->Topic(1), "orderbook.50.ETHUSDT");
  EXPECT_EQ(feed_->StreamUrl(), "ws://127.0.0.1:1/v5/public/spot");
  EXPECT_EQ(TopicDepthFor(0), 50);
  EXPECT_EQ(TopicDepthFor(1), 1);
  EXPECT_EQ(TopicDepthFor(51), 200);
  EXPECT_EQ(TopicDepthFor(5000), 1000);
}

TEST_F(FeedTest, SyncedBeforeTheFirstTopAndUnusableBeforeAnythingAfterAFailure) {
  Frame(Msg("snapshot", 10, R"([["100.00","1"],["99.00","2"]])", R"([["101.00","1"]])"));
  auto m = Drain();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].kind, VenueMsg::Kind::kStatus);
  EXPECT_EQ(m[0].status.state, FeedState::kSynced);
  EXPECT_TRUE(m[0].status.usable);
  EXPECT_EQ(m[1].kind, VenueMsg::Kind::kBookTop);
  EXPECT_EQ(m[1].top.venue_seq, 10u);
  EXPECT_EQ(m[1].top.bids[0].px.raw(), 100'000'000'000);
  EXPECT_EQ(m[1].top.bid_count, 2);
  EXPECT_EQ(m[1].top.exchange_time.value, 1'700'000'000'000'000'000);
  Frame(Msg("delta", 11, R"([["100.50","3"]])", "[]"));
  m = Drain();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].top.bids[0].px.raw(), 100'500'000'000);
  // A gap: the unusable status, and no top.
  Frame(Msg("delta", 13, R"([["100.60","3"]])", "[]"));
  m = Drain();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, VenueMsg::Kind::kStatus);
  EXPECT_EQ(m[0].status.state, FeedState::kGap);
  EXPECT_FALSE(m[0].status.usable);
  EXPECT_EQ(counters_.gaps.load(), 1u);
  EXPECT_EQ(counters_.resyncs.load(), 1u);
  // Deltas in flight before the fresh snapshot are dropped silently.
  Frame(Msg("delta", 14, R"([["100.60","3"]])", "[]"));
  EXPECT_TRUE(Drain().empty());
  EXPECT_EQ(counters_.stale_dropped.load(), 1u);
  // The fresh snapshot: synced, then the top.
  Frame(Msg("snapshot", 50, R"([["99.00","1"]])", R"([["99.50","1"]])"));
  m = Drain();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].status.state, FeedState::kSynced);
  EXPECT_EQ(m[1].kind, VenueMsg::Kind::kBookTop);
  // A crossing delta.
  Frame(Msg("delta", 51, R"([["99.60","1"]])", "[]"));
  m = Drain();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].status.state, FeedState::kCrossed);
  EXPECT_EQ(counters_.crossed_books.load(), 1u);
  EXPECT_EQ(counters_.resyncs.load(), 2u);
  EXPECT_FALSE(feed_->book(0).usable());
}

TEST_F(FeedTest, ATopWaitingInTheConflationSlotNeverFollowsTheFailure) {
  // Fill the ring so tops wait in the publisher's slot, then fail the book.
  Frame(Msg("snapshot", 10, R"([["100.00","1"]])", R"([["101.00","1"]])"));
  for (uint64_t u = 11; u < 1100; ++u) Frame(Msg("delta", u, R"([["100.00",")" + std::to_string(u) + "\"]]", "[]"));
  Frame(Msg("delta", 2000, "[]", "[]"));  // gap
  bool failed = false;
  for (const VenueMsg& m : Drain()) {
    if (m.kind == VenueMsg::Kind::kStatus && !m.status.usable) failed = true;
    if (m.kind == VenueMsg::Kind::kBookTop) {
      EXPECT_FALSE(failed) << "a top after the unusable status";
    }
  }
  EXPECT_TRUE(failed);
}

TEST_F(FeedTest, MalformedUnknownAndForeignFramesAreCountedAndTheBookStands) {
  Frame(Msg("snapshot", 10, R"([["100.00","1"]])", R"([["101.00","1"]])"));
  Drain();
  Frame(Msg("delta", 11, R"([["abc","1"]])", "[]"));
  Frame("{\"topic\":\"orderbook.50.BTCU");
  Frame(std::string("\x00\xff\x13", 3));
  EXPECT_EQ(counters_.parse_errors.load(), 3u);
  Frame(R"({"topic":"publicTrade.BTCUSDT","ts":1,"type":"snapshot","data":[]})");
  Frame(Msg("delta", 11, "[]", "[]", "XRPUSDT"));                // a symbol we do not keep
  Frame(Msg("delta", 11, "[]", "[]", "BTCUSDT", 200));           // a depth we did not subscribe
  EXPECT_EQ(counters_.unknown_messages.load(), 3u);
  Frame(R"({"success":true,"ret_msg":"pong","conn_id":"c","op":"ping"})");
  Frame(R"({"success":true,"ret_msg":"subscribe","conn_id":"c","req_id":"s0","op":"subscribe"})");
  EXPECT_EQ(counters_.unknown_messages.load(), 3u) << "pongs and acks are understood";
  EXPECT_TRUE(Drain().empty());
  EXPECT_TRUE(feed_->book(0).usable());
  Frame(Msg("delta", 11, R"([["100.10","1"]])", "[]"));
  const auto m = Drain();
  ASSERT_EQ(m.size(), 1u) << "the sequence continues from the last good message";
  EXPECT_EQ(m[0].top.bids[0].px.raw(), 100'100'000'000);
  EXPECT_EQ(counters_.md_messages.load(), 10u);
}

TEST_F(FeedTest, RefusedSubscriptionMarksTheBookSyncing) {
  Frame(Msg("snapshot", 10, R"([["100.00","1"]])", R"([["101.00","1"]])"));
  Drain();
  Frame(R"({"success":false,"ret_msg":"error:already subscribed","conn_id":"c","req_id":"s0","op":"subscribe"})");
  const auto m = Drain();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FALSE(m[0].status.usable);
  EXPECT_FALSE(feed_->book(0).usable());
}

}  // namespace
}  // namespace hs::bybit
