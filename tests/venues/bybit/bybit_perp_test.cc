// Bybit USDT linear perpetuals without a socket: the parser on the linear samples
// (tests/fixtures/venues/bybit/linear_*, private_position*, private_execution_funding,
// private_execution_linear, private_wallet_linear: constructed from the documented field lists
// and examples of ORDERS.md §6.1) and on malformed input, the order encoder's linear fields, the
// feed's tickers → MarkUpdate, and the order session's private-stream handling of positions,
// funding and the margin wallet.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "tests/support/test_support.h"
#include "venues/bybit/bybit_feed.h"
#include "venues/bybit/bybit_orders.h"
#include "venues/bybit/bybit_parse.h"

namespace hs::bybit {
namespace {

using testing::Padded;
using testing::VenueFixture;

template <typename T>
T D(const char* text) {
  const auto r = ParseDecimal<T>(text, Sign::kAllowNegative);
  EXPECT_TRUE(r.ok()) << text;
  return r.value;
}

const std::string kPerpToml = R"([[instruments]]
name = "BTC-PERP"
base = "BTC"
quote = "USDT"
kind = "perp"
tick = "0.1"
lot = "0.001"
min_notional = "5"
mm_tiers = [ { max_value = "2000000", mmr = "0.005", imr = "0.01", deduction = "0" },
             { max_value = "4000000", mmr = "0.01", imr = "0.02", deduction = "10000" } ]
[[venues]]
name = "bybit_perp"
kind = "bybit"
market_data_url = "ws://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
depth = 60
margin_mode = "isolated"
leverage = "10"
symbols = { "BTC-PERP" = "BTCUSDT" }
)";

config::Config PerpConfig() {
  auto c = config::ParseConfig(testing::UnitConfigToml(R"("BTC", "USDT")", kPerpToml), "test");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : config::Config{};
}

// Results borrow the frame: keep it alive until the next parse.
struct Parsed {
  std::string buf;
  Parser p{1 << 16};
  ParseStatus Market(const std::string& text, MarketFrame* f) {
    buf = Padded(text);
    return p.ParseMarket(buf.data(), text.size(), f);
  }
  ParseStatus Account(const std::string& text, AccountMsg* m) {
    buf = Padded(text);
    return p.ParseAccount(buf.data(), text.size(), m);
  }
};

// ---- parser ----

TEST(BybitPerpParse, TickerSnapshotCarriesMarkIndexFundingAndNextFundingTime) {
  Parsed ps;
  MarketFrame f;
  ASSERT_EQ(ps.Market(VenueFixture("bybit/linear_tickers_snapshot.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kTicker);
  EXPECT_FALSE(f.ticker_delta);
  EXPECT_EQ(f.symbol, "BTCUSDT");
  EXPECT_EQ(f.ticker_fields, MarketFrame::kTickMark | MarketFrame::kTickIndex | MarketFrame::kTickFunding |
                                 MarketFrame::kTickNextFunding);
  EXPECT_EQ(f.mark_px, D<Price>("17217.33"));
  EXPECT_EQ(f.index_px, D<Price>("17227.36"));
  EXPECT_EQ(f.funding_rate, D<Rate>("-0.000212")) << "negative funding: shorts pay";
  EXPECT_EQ(f.next_funding_ms, 1673280000000);
  EXPECT_EQ(f.ts_ms, 1673272861686);
}

TEST(BybitPerpParse, TickerDeltaSaysOnlyWhatItCarries) {
  Parsed ps;
  MarketFrame f;
  ASSERT_EQ(ps.Market(VenueFixture("bybit/linear_tickers_delta.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kTicker);
  EXPECT_TRUE(f.ticker_delta);
  EXPECT_EQ(f.ticker_fields, MarketFrame::kTickMark) << "index and funding left out: unchanged";
  EXPECT_EQ(f.mark_px, D<Price>("17218.01"));
}

TEST(BybitPerpParse, LinearOrderbookParsesAsSpot) {
  Parsed ps;
  MarketFrame f;
  ASSERT_EQ(ps.Market(VenueFixture("bybit/linear_orderbook_snapshot.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kBookSnapshot);
  ASSERT_EQ(f.bid_count, 2);
  EXPECT_EQ(f.bids[0].qty, D<Qty>("0.006")) << "linear sizes are base coin";
}

TEST(BybitPerpParse, MalformedTickersAreRefusedWithAReason) {
  const std::string good = VenueFixture("bybit/linear_tickers_snapshot.json");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  auto status = [](const std::string& text) {
    Parsed ps;
    MarketFrame f;
    return ps.Market(text, &f);
  };
  EXPECT_EQ(status(with(R"("markPrice":"17217.33")", R"("markPrice":"17x")")), ParseStatus::kBadNumber);
  EXPECT_EQ(status(with(R"("markPrice":"17217.33")", R"("markPrice":"-1")")), ParseStatus::kBadNumber);
  EXPECT_EQ(status(with(R"("markPrice":"17217.33")", R"("markPrice":17217.33)")), ParseStatus::kBadField);
  EXPECT_EQ(status(with(R"("fundingRate":"-0.000212")", R"("fundingRate":"0.0000000001")")), ParseStatus::kBadNumber)
      << "beyond the rate's 8 decimals";
  EXPECT_EQ(status(with(R"("nextFundingTime":"1673280000000")", R"("nextFundingTime":"16x")")), ParseStatus::kBadNumber);
  EXPECT_EQ(status(with(R"("markPrice":"17217.33",)", "")), ParseStatus::kMissingField) << "a snapshot without a mark";
  EXPECT_EQ(status(with(R"("symbol":"BTCUSDT")", R"("symbol":"ETHUSDT")")), ParseStatus::kBadField)
      << "symbol disagrees with topic";
  EXPECT_EQ(status(with(R"("symbol":"BTCUSDT",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("type":"snapshot")", R"("type":"full")")), ParseStatus::kBadField);
  EXPECT_EQ(status(with(R"("type":"snapshot",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("topic":"tickers.BTCUSDT")", R"("topic":"tickers.")")), ParseStatus::kBadField);
  EXPECT_EQ(status(R"({"topic":"tickers.BTCUSDT","type":"delta","data":[1]})"), ParseStatus::kBadField);
  EXPECT_EQ(status(good.substr(0, good.size() / 2)), ParseStatus::kBadJson);
}

TEST(BybitPerpParse, PositionPushReadsSignedSideSizeAndMargins) {
  Parsed ps;
  AccountMsg m;
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_position.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kPosition);
  ASSERT_EQ(m.position_count, 1);
  const PositionItem& p = m.positions[0];
  EXPECT_EQ(p.symbol, "BTCUSDT");
  EXPECT_EQ(p.side, "Sell");
  EXPECT_EQ(p.size, D<Qty>("0.5"));
  EXPECT_EQ(p.entry_px, D<Price>("60000"));
  EXPECT_EQ(p.mark_px, D<Price>("60100.5"));
  EXPECT_EQ(p.liq_px, D<Price>("65700"));
  EXPECT_EQ(p.position_im, D<Amount>("3000"));
  EXPECT_EQ(p.position_mm, D<Amount>("150.5"));
  EXPECT_EQ(p.unrealised_pnl, D<Amount>("-50.25"));
  EXPECT_EQ(p.leverage, D<Rate>("10"));
  EXPECT_EQ(p.position_status, "Normal");
  EXPECT_EQ(p.trade_mode, 0);
  EXPECT_EQ(p.updated_time_ms, 1697682317038);
}

TEST(BybitPerpParse, LiquidatedFlatPositionHasNoLiquidationPrice) {
  Parsed ps;
  AccountMsg m;
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_position_liq.json"), &m), ParseStatus::kOk);
  ASSERT_EQ(m.position_count, 1);
  EXPECT_EQ(m.positions[0].side, "");
  EXPECT_TRUE(m.positions[0].size.is_zero());
  EXPECT_TRUE(m.positions[0].liq_px.is_zero()) << "liqPrice \"\" = none";
  EXPECT_EQ(m.positions[0].position_status, "Liq");
}

TEST(BybitPerpParse, MalformedPositionsAreRefusedWithAReason) {
  const std::string good = VenueFixture("bybit/private_position.json");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  auto status = [](const std::string& text) {
    Parsed ps;
    AccountMsg m;
    return ps.Account(text, &m);
  };
  EXPECT_EQ(status(with(R"("size":"0.5")", R"("size":"0.5.1")")), ParseStatus::kBadNumber);
  EXPECT_EQ(status(with(R"("size":"0.5")", R"("size":"-0.5")")), ParseStatus::kBadNumber) << "size is unsigned; side signs it";
  EXPECT_EQ(status(with(R"("side":"Sell")", R"("side":"Short")")), ParseStatus::kBadField);
  EXPECT_EQ(status(with(R"("side":"Sell")", R"("side":"")")), ParseStatus::kBadField) << "a size without a side";
  EXPECT_EQ(status(with(R"("entryPrice":"60000",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("positionIM":"3000",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("positionMM":"150.5",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("leverage":"10",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("unrealisedPnl":"-50.25",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(status(with(R"("liqPrice":"65700")", R"("liqPrice":"abc")")), ParseStatus::kBadNumber);
  EXPECT_EQ(status(with(R"("tradeMode":0)", R"("tradeMode":7)")), ParseStatus::kBadField);
  EXPECT_EQ(status(with(R"("unrealisedPnl":"-50.25")", R"("unrealisedPnl":-50.25)")), ParseStatus::kBadField);
  // A position under another topic, and an execution under the position topic.
  EXPECT_EQ(status(with(R"("topic":"position")", R"("topic":"execution")")), ParseStatus::kBadField);
  std::string exec = VenueFixture("bybit/private_execution_linear.json");
  exec.replace(exec.find(R"("topic":"execution")"), 19, R"("topic":"position")");
  EXPECT_EQ(status(exec), ParseStatus::kBadField);
  EXPECT_EQ(status(good.substr(0, 60)), ParseStatus::kBadJson);
}

TEST(BybitPerpParse, FundingExecutionIsTellableFromAFill) {
  Parsed ps;
  AccountMsg m;
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_execution_funding.json"), &m), ParseStatus::kOk);
  ASSERT_EQ(m.execution_count, 1);
  const Execution& f = m.executions[0];
  EXPECT_TRUE(f.funding());
  EXPECT_EQ(f.exec_fee, D<Amount>("6"));
  EXPECT_EQ(f.fee_rate, D<Rate>("0.0001"));
  EXPECT_EQ(f.exec_price, D<Price>("60000"));
  EXPECT_EQ(f.exec_qty, D<Qty>("1"));
  EXPECT_EQ(f.side, "Buy");
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_execution_linear.json"), &m), ParseStatus::kOk);
  ASSERT_EQ(m.execution_count, 1);
  EXPECT_FALSE(m.executions[0].funding());
  EXPECT_TRUE(m.executions[0].has_exec_value);
  EXPECT_EQ(m.executions[0].exec_value, D<Amount>("30.0001"));
}

TEST(BybitPerpParse, WalletCarriesTheSettleCoinsMarginFigures) {
  Parsed ps;
  AccountMsg m;
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_wallet_linear.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kWallet);
  ASSERT_EQ(m.coin_count, 1);
  const Coin& c = m.coins[0];
  EXPECT_EQ(c.coin, "USDT");
  EXPECT_EQ(c.wallet_balance, D<Amount>("100600"));
  EXPECT_EQ(c.equity, D<Amount>("100594.5"));
  EXPECT_EQ(c.total_position_im, D<Amount>("6000"));
  EXPECT_EQ(c.total_order_im, D<Amount>("10"));
  EXPECT_EQ(c.total_position_mm, D<Amount>("300"));
  EXPECT_TRUE(m.has_total_available);
  EXPECT_EQ(m.total_available, D<Amount>("94584.5"));
  Parsed bad;
  std::string text = VenueFixture("bybit/private_wallet_linear.json");
  text.replace(text.find(R"("totalPositionMM":"300")"), 23, R"("totalPositionMM":"-3")");
  EXPECT_EQ(bad.Account(text, &m), ParseStatus::kBadNumber) << "a negative maintenance margin";
}

// ---- encoder ----

class PerpEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = PerpConfig();
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_, "key", "secret");
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
};

OrderIntent PerpIntent(uint64_t id, Side side, const char* px, const char* qty, bool reduce_only) {
  OrderIntent in;
  in.client_id = ClientOrderId{id};
  in.instrument = InstrumentId{0};
  in.side = side;
  in.tif = TimeInForce::kIoc;
  in.reduce_only = reduce_only;
  in.limit_px = ParseDecimal<Price>(px).value;
  in.qty = ParseDecimal<Qty>(qty).value;
  return in;
}

TEST_F(PerpEncoderTest, LinearOrderSaysCategoryOneWayModeAndReduceOnlyWithBaseQty) {
  char buf[2048];
  size_t n = enc_.Encode(PerpIntent(9, Side::kSell, "60000.5", "0.25", true), 1711001595207, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  auto j = nlohmann::json::parse(std::string(buf, n));
  const auto& a = j["args"][0];
  EXPECT_EQ(a["category"], "linear");
  EXPECT_EQ(a["positionIdx"], 0);
  EXPECT_EQ(a["reduceOnly"], true);
  EXPECT_EQ(a["qty"], "0.250") << "base coin at the lot's decimals";
  EXPECT_EQ(a["price"], "60000.5");
  EXPECT_EQ(a["orderLinkId"], "hs9");
  n = enc_.Encode(PerpIntent(10, Side::kBuy, "60000.5", "0.25", false), 1, buf, sizeof buf);
  j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_FALSE(j["args"][0].contains("reduceOnly")) << "only when the intent is reduce-only";
  EXPECT_EQ(j["args"][0]["positionIdx"], 0);
}

TEST_F(PerpEncoderTest, LinearCancelSaysCategoryLinear) {
  char buf[512];
  const size_t n = enc_.EncodeCancel(ClientOrderId{5}, InstrumentId{0}, 1, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["args"][0]["category"], "linear");
  EXPECT_EQ(j["args"][0]["symbol"], "BTCUSDT");
}

// ---- feed and order session on a perpetual venue ----

class PerpVenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = PerpConfig();
    ASSERT_FALSE(cfg_.venues.empty());
    ASSERT_TRUE(cfg_.venues[0].perp());
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    consumer_ = std::make_unique<VenueRing::Consumer>(ring_.TakeConsumer());
    pub_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    ctx_.id = VenueId{0};
    ctx_.venue = &cfg_.venues[0];
    ctx_.config = &cfg_;
    ctx_.publisher = pub_.get();
    ctx_.counters = &counters_;
    ctx_.kill = &kill_;
    ctx_.log = logger_.MakeChannel("bybit");
  }
  std::vector<VenueMsg> Drain() {
    std::vector<VenueMsg> out;
    pub_->Flush();
    VenueMsg m;
    while (consumer_->TryPop(m)) out.push_back(m);
    return out;
  }
  static std::vector<VenueMsg> Of(const std::vector<VenueMsg>& v, VenueMsg::Kind k) {
    std::vector<VenueMsg> out;
    for (const VenueMsg& m : v)
      if (m.kind == k) out.push_back(m);
    return out;
  }

  config::Config cfg_;
  venues::SymbolTable symbols_;
  runtime::VenueCounters counters_;
  runtime::KillSwitch kill_;
  runtime::Logger logger_{"/dev/null", false};
  VenueRing ring_{1024};
  std::unique_ptr<VenueRing::Consumer> consumer_;
  std::unique_ptr<venues::VenuePublisher> pub_;
  venues::VenueContext ctx_;
};

TEST_F(PerpVenueTest, FeedUsesTheLinearStreamAndRoundsDepthToALinearTopic) {
  Feed feed(ctx_, &symbols_, nullptr);
  EXPECT_EQ(feed.StreamUrl(), "ws://127.0.0.1:1/v5/public/linear");
  EXPECT_EQ(feed.topic_depth(), 200) << "60 levels → the 200 topic";
  EXPECT_EQ(LinearTopicDepthFor(201), 500);
  EXPECT_EQ(LinearTopicDepthFor(5000), 500);
  EXPECT_EQ(TopicDepthFor(201), 1000) << "spot unchanged";
}

TEST_F(PerpVenueTest, LinearBookSnapshotReachesTheCoreAsABookTopInBaseUnits) {
  Feed feed(ctx_, &symbols_, nullptr);
  std::string text = VenueFixture("bybit/linear_orderbook_snapshot.json");
  text.replace(text.find("orderbook.50."), 13, "orderbook.200.");
  const std::string buf = Padded(text);
  feed.OnFrame(buf.data(), text.size(), TscNow(), Nanos{7});
  const auto tops = Of(Drain(), VenueMsg::Kind::kBookTop);
  ASSERT_EQ(tops.size(), 1u) << "the perpetual's symbol is found among the venue's perpetuals";
  EXPECT_EQ(tops[0].top.instrument, InstrumentId{0});
  EXPECT_EQ(tops[0].top.bids[0].px, D<Price>("16493.5"));
  EXPECT_EQ(tops[0].top.bids[0].qty, D<Qty>("0.006"));
  EXPECT_EQ(tops[0].top.asks[0].px, D<Price>("16611"));
}

TEST_F(PerpVenueTest, TickersBecomeMarkUpdatesWithOnlyTheFieldsSent) {
  Feed feed(ctx_, &symbols_, nullptr);
  for (const char* f : {"bybit/linear_tickers_snapshot.json", "bybit/linear_tickers_delta.json"}) {
    const std::string text = VenueFixture(f);
    const std::string buf = Padded(text);
    feed.OnFrame(buf.data(), text.size(), TscNow(), Nanos{7});
  }
  const auto marks = Of(Drain(), VenueMsg::Kind::kMark);
  ASSERT_EQ(marks.size(), 2u);
  const MarkUpdate& s = marks[0].mark;
  EXPECT_EQ(s.instrument, InstrumentId{0});
  EXPECT_EQ(s.fields, MarkUpdate::kMark | MarkUpdate::kIndex | MarkUpdate::kFunding);
  EXPECT_EQ(s.mark_px, D<Price>("17217.33"));
  EXPECT_EQ(s.index_px, D<Price>("17227.36"));
  EXPECT_EQ(s.funding_rate, D<Rate>("-0.000212"));
  EXPECT_EQ(s.next_funding_time, Nanos::FromMillis(1673280000000));
  EXPECT_EQ(s.exchange_time, Nanos::FromMillis(1673272861686));
  const MarkUpdate& d = marks[1].mark;
  EXPECT_EQ(d.fields, MarkUpdate::kMark) << "the delta's absent fields stay unset: unchanged";
  EXPECT_EQ(d.mark_px, D<Price>("17218.01"));
  EXPECT_EQ(counters_.parse_errors.load(), 0u);
}

TEST_F(PerpVenueTest, MalformedOrUnknownTickersAreCountedNeverPublished) {
  Feed feed(ctx_, &symbols_, nullptr);
  std::string bad = VenueFixture("bybit/linear_tickers_snapshot.json");
  bad.replace(bad.find(R"("markPrice":"17217.33")"), 22, R"("markPrice":"1.2.3")");
  std::string other = VenueFixture("bybit/linear_tickers_snapshot.json");
  for (size_t at; (at = other.find("BTCUSDT")) != std::string::npos;) other.replace(at, 7, "ETHUSDT");
  for (const std::string& text : {bad, other}) {
    const std::string buf = Padded(text);
    feed.OnFrame(buf.data(), text.size(), TscNow(), Nanos{7});
  }
  EXPECT_TRUE(Of(Drain(), VenueMsg::Kind::kMark).empty());
  EXPECT_EQ(counters_.parse_errors.load(), 1u);
  EXPECT_EQ(counters_.unknown_messages.load(), 1u) << "a ticker of a symbol not traded here";
}

TEST_F(PerpVenueTest, PositionPushesBecomeSignedPositionUpdates) {
  Orders orders(ctx_, &symbols_, nullptr);
  for (const char* f : {"bybit/private_position.json", "bybit/private_position_liq.json"}) {
    const std::string text = VenueFixture(f);
    const std::string buf = Padded(text);
    orders.OnPrivateMessage(buf.data(), text.size(), TscNow(), Nanos{9});
  }
  const auto pos = Of(Drain(), VenueMsg::Kind::kPosition);
  ASSERT_EQ(pos.size(), 2u);
  const PositionUpdate& p = pos[0].position;
  EXPECT_EQ(p.instrument, InstrumentId{0});
  EXPECT_EQ(p.size, D<Qty>("-0.5")) << "side Sell: short";
  EXPECT_EQ(p.mode, MarginMode::kIsolated) << "the mode this session sets";
  EXPECT_FALSE(p.liquidated);
  EXPECT_EQ(p.entry_px, D<Price>("60000"));
  EXPECT_EQ(p.mark_px, D<Price>("60100.5"));
  EXPECT_EQ(p.liq_px, D<Price>("65700"));
  EXPECT_EQ(p.initial_margin, D<Amount>("3000"));
  EXPECT_EQ(p.maint_margin, D<Amount>("150.5"));
  EXPECT_EQ(p.unrealized_pnl, D<Amount>("-50.25"));
  EXPECT_EQ(p.leverage, Rate::FromUnits(10));
  EXPECT_EQ(p.venue_time, Nanos::FromMillis(1697682317038));
  const PositionUpdate& l = pos[1].position;
  EXPECT_TRUE(l.liquidated);
  EXPECT_TRUE(l.size.is_zero());
  EXPECT_TRUE(l.liq_px.is_zero());
}

TEST_F(PerpVenueTest, FundingExecutionBecomesAFundingPaymentNeverAFill) {
  Orders orders(ctx_, &symbols_, nullptr);
  const std::string text = VenueFixture("bybit/private_execution_funding.json");
  const std::string buf = Padded(text);
  orders.OnPrivateMessage(buf.data(), text.size(), TscNow(), Nanos{9});
  const auto all = Drain();
  EXPECT_TRUE(Of(all, VenueMsg::Kind::kExec).empty());
  const auto f = Of(all, VenueMsg::Kind::kFunding);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].funding.amount, D<Amount>("-6")) << "execFee 6 > 0: paid";
  EXPECT_EQ(f[0].funding.rate, D<Rate>("0.0001"));
  EXPECT_EQ(f[0].funding.mark_px, D<Price>("60000"));
  EXPECT_EQ(f[0].funding.size, D<Qty>("1")) << "side Buy: a long";
  EXPECT_EQ(f[0].funding.asset, symbols_.infos()[0].quote);
  EXPECT_EQ(counters_.unknown_messages.load(), 0u);
}

TEST_F(PerpVenueTest, WalletPushBecomesMarginAccountAndSettleBalance) {
  Orders orders(ctx_, &symbols_, nullptr);
  const std::string text = VenueFixture("bybit/private_wallet_linear.json");
  const std::string buf = Padded(text);
  orders.OnPrivateMessage(buf.data(), text.size(), TscNow(), Nanos{9});
  const auto all = Drain();
  const auto acc = Of(all, VenueMsg::Kind::kMarginAccount);
  ASSERT_EQ(acc.size(), 1u);
  const MarginAccountUpdate& a = acc[0].margin;
  EXPECT_EQ(a.asset, symbols_.infos()[0].quote);
  EXPECT_EQ(a.wallet_balance, D<Amount>("100600"));
  EXPECT_EQ(a.equity, D<Amount>("100594.5"));
  EXPECT_EQ(a.initial_margin, D<Amount>("6010")) << "position IM + order IM";
  EXPECT_EQ(a.maint_margin, D<Amount>("300"));
  EXPECT_EQ(a.available, D<Amount>("94584.5"));
  bool settle_seen = false;
  for (const VenueMsg& m : Of(all, VenueMsg::Kind::kBalance)) {
    if (m.balance.asset != symbols_.infos()[0].quote) continue;
    settle_seen = true;
    EXPECT_EQ(m.balance.free, D<Amount>("100600")) << "the wallet balance";
    EXPECT_TRUE(m.balance.locked.is_zero());
  }
  EXPECT_TRUE(settle_seen);
}

TEST_F(PerpVenueTest, LinearFillReportsTheSettleCoinFeeAndTheVenuesExecValue) {
  OrderTracker tracker(VenueId{0}, &symbols_, pub_.get(), &counters_);
  OrderIntent in = PerpIntent(42, Side::kBuy, "30000.1", "0.001", false);
  tracker.Track(in, TscNow());
  Parsed ps;
  AccountMsg m;
  ASSERT_EQ(ps.Account(VenueFixture("bybit/private_execution_linear.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(tracker.OnExecution(m.executions[0], TscNow(), Nanos{1}), OrderTracker::Outcome::kHandled);
  const auto ex = Of(Drain(), VenueMsg::Kind::kExec);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exec.kind, ExecKind::kFill);
  EXPECT_TRUE(ex[0].exec.final);
  EXPECT_EQ(ex[0].exec.fill_qty, D<Qty>("0.001"));
  EXPECT_EQ(ex[0].exec.fill_quote, D<Amount>("30.0001"));
  EXPECT_EQ(ex[0].exec.fee, D<Amount>("0.03000004"));
  EXPECT_EQ(ex[0].exec.fee_asset, symbols_.infos()[0].quote) << "USDT, whichever side";
}

TEST_F(PerpVenueTest, ContractSizeOtherThanOneIsRefusedAtInit) {
  cfg_.venues[0].symbols[0].contract_size = D<Qty>("0.01");
  setenv("K", "key", 1);
  setenv("S", "secret", 1);
  boost::asio::io_context ioc;
  ctx_.ioc = &ioc;
  Orders orders(ctx_, &symbols_, nullptr);
  const absl::Status st = orders.Init();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("contract size"), std::string::npos) << st;
}

}  // namespace
}  // namespace hs::bybit
