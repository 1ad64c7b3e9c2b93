// Bybit order entry: the order.create and auth encoders, and the rules that turn trade-WS
// replies and private-stream pushes into ExecReports (OrderTracker), message by message.
#include "venues/bybit/bybit_orders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"
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

config::Config TestConfig() {
  auto c = config::ParseConfig(kConfig, "test");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

OrderIntent Intent(uint64_t id, Side side, const char* px, const char* qty, TimeInForce tif = TimeInForce::kIoc) {
  OrderIntent in;
  in.client_id = ClientOrderId{id};
  in.instrument = InstrumentId{0};
  in.side = side;
  in.tif = tif;
  in.limit_px = ParseDecimal<Price>(px).value;
  in.qty = ParseDecimal<Qty>(qty).value;
  return in;
}

class EncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = TestConfig();
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_, "my-api-key", "my-secret");
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
};

TEST_F(EncoderTest, OrderCreateCarriesExactDecimalsAndOurIds) {
  char buf[2048];
  const size_t n = enc_.Encode(Intent(123456789, Side::kBuy, "30000.1", "0.05"), 1711001595207, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["reqId"], "hs123456789");
  EXPECT_EQ(j["op"], "order.create");
  EXPECT_EQ(j["header"]["X-BAPI-TIMESTAMP"], "1711001595207");
  EXPECT_EQ(j["header"]["X-BAPI-RECV-WINDOW"], "8000");
  ASSERT_EQ(j["args"].size(), 1u);
  const auto& a = j["args"][0];
  EXPECT_EQ(a["symbol"], "BTCUSDT");
  EXPECT_EQ(a["side"], "Buy");
  EXPECT_EQ(a["orderType"], "Limit");
  EXPECT_EQ(a["price"], "30000.10") << "at the symbol's tick decimals";
  EXPECT_EQ(a["qty"], "0.05000") << "at the symbol's lot decimals";
  EXPECT_EQ(a["category"], "spot");
  EXPECT_EQ(a["timeInForce"], "IOC");
  EXPECT_EQ(a["orderLinkId"], "hs123456789");
  EXPECT_EQ(std::string(buf, n).find("my-secret"), std::string::npos);
  const size_t m = enc_.Encode(Intent(7, Side::kSell, "1.5", "2", TimeInForce::kFok), 1, buf, sizeof buf);
  const auto k = nlohmann::json::parse(std::string(buf, m));
  EXPECT_EQ(k["args"][0]["side"], "Sell");
  EXPECT_EQ(k["args"][0]["timeInForce"], "FOK");
  EXPECT_EQ(k["args"][0]["price"], "1.50");
  EXPECT_EQ(k["args"][0]["qty"], "2.00000");
}

TEST_F(EncoderTest, RefusesWhatCannotBeRenderedExactly) {
  char buf[2048];
  EXPECT_EQ(enc_.Encode(Intent(1, Side::kBuy, "30000.123", "0.05"), 1, buf, sizeof buf), 0u) << "off the tick";
  EXPECT_EQ(enc_.Encode(Intent(1, Side::kBuy, "30000.12", "0.000001"), 1, buf, sizeof buf), 0u) << "off the lot";
  OrderIntent in = Intent(1, Side::kBuy, "30000.12", "0.00001");
  in.instrument = InstrumentId{40};
  EXPECT_EQ(enc_.Encode(in, 1, buf, sizeof buf), 0u) << "not listed";
  in.instrument = InstrumentId{0};
  EXPECT_EQ(enc_.Encode(in, 1, buf, 60), 0u) << "no room";
  EXPECT_EQ(enc_.Encode(in, -1, buf, sizeof buf), 0u) << "negative timestamp";
  EXPECT_GT(enc_.Encode(in, 1, buf, sizeof buf), 0u);
}

TEST_F(EncoderTest, AuthSignsGetRealtimePlusExpires) {
  char buf[512];
  const size_t n = enc_.EncodeAuth(1711010121452, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["op"], "auth");
  ASSERT_EQ(j["args"].size(), 3u);
  EXPECT_EQ(j["args"][0], "my-api-key");
  EXPECT_TRUE(j["args"][1].is_number_integer()) << "expires is a JSON number";
  EXPECT_EQ(j["args"][1].get<int64_t>(), 1711010121452);
  EXPECT_EQ(j["args"][2], venues::HexEncode(venues::HmacSha256Raw("my-secret", "GET/realtime1711010121452")));
  EXPECT_EQ(enc_.SignRest(1658384314791, "5000", "accountType=UNIFIED"),
            venues::HexEncode(venues::HmacSha256Raw("my-secret", "1658384314791my-api-key5000accountType=UNIFIED")));
}

TEST(ClientId, ParsesOnlyOurForm) {
  ClientOrderId id;
  EXPECT_TRUE(venues::ParseClientId("hs42", &id));
  EXPECT_EQ(id.value, 42u);
  EXPECT_FALSE(venues::ParseClientId("", &id));
  EXPECT_FALSE(venues::ParseClientId("hs", &id));
  EXPECT_FALSE(venues::ParseClientId("hs4a", &id));
  EXPECT_FALSE(venues::ParseClientId("hs99999999999999999999", &id));
  EXPECT_FALSE(venues::ParseClientId("a4c1718e-fe53-4659-a118-1f6ecce04ad9", &id));
}

// OrderTracker through a real VenuePublisher and ring: what the core receives.
class TrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = TestConfig();
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    consumer_ = std::make_unique<VenueRing::Consumer>(ring_.TakeConsumer());
    pub_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    tracker_ = std::make_unique<OrderTracker>(VenueId{3}, &symbols_, pub_.get(), &counters_);
  }
  std::vector<ExecReport> Drain() {
    pub_->Flush();
    std::vector<ExecReport> out;
    VenueMsg m;
    while (consumer_->TryPop(m))
      if (m.kind == VenueMsg::Kind::kExec) out.push_back(m.exec);
    return out;
  }
  AccountMsg Parse(const std::string& text) {
    buf_ = testing::Padded(text);
    AccountMsg m;
    EXPECT_EQ(parser_.ParseAccount(buf_.data(), text.size(), &m), ParseStatus::kOk) << text;
    return m;
  }
  void Exec(const std::string& link, const char* qty, const char* px, const char* fee, const char* fee_ccy = "BTC",
            const char* side = "Buy") {
    const AccountMsg m = Parse(std::string(R"({"topic":"execution","data":[{"orderLinkId":")") + link +
                               R"(","symbol":"BTCUSDT","side":")" + side + R"(","execQty":")" + qty + R"(","execPrice":")" +
                               px + R"(","execFee":")" + fee + R"(","feeCurrency":")" + fee_ccy +
                               R"(","orderId":"1321003749386327552","execTime":"1700000000123"}]})");
    ASSERT_EQ(m.execution_count, 1);
    last_ = tracker_->OnExecution(m.executions[0], TscNow(), Nanos{});
  }
  void Order(const std::string& link, const char* status, const char* cum) {
    const AccountMsg m = Parse(std::string(R"({"topic":"order","data":[{"orderLinkId":")") + link + R"(","orderStatus":")" +
                               status + R"(","cumExecQty":")" + cum + R"("}]})");
    ASSERT_EQ(m.order_count, 1);
    last_ = tracker_->OnOrderUpdate(m.orders[0], TscNow(), Nanos{});
  }
  void Reply(const std::string& req_id, int code) {
    const AccountMsg m = Parse(R"({"reqId":")" + req_id + R"(","retCode":)" + std::to_string(code) +
                               R"(,"retMsg":"x","op":"order.create","data":{"orderId":"99","orderLinkId":")" + req_id + R"("}})");
    last_ = tracker_->OnOrderReply(m, TscNow(), Nanos{});
  }

  config::Config cfg_;
  venues::SymbolTable symbols_;
  runtime::VenueCounters counters_;
  VenueRing ring_{256};
  std::unique_ptr<VenueRing::Consumer> consumer_;
  std::unique_ptr<venues::VenuePublisher> pub_;
  std::unique_ptr<OrderTracker> tracker_;
  Parser parser_{1 << 16};
  std::string buf_;
  OrderTracker::Outcome last_ = OrderTracker::Outcome::kHandled;
};

TEST_F(TrackerTest, FullFillIsOneFinalFillWithTheVenuesQuoteAndFee) {
  tracker_->Track(Intent(11, Side::kBuy, "30001", "0.5"), TscNow());
  Reply("hs11", 0);
  Exec("hs11", "0.5", "30000.01", "0.0005");
  Order("hs11", "Filled", "0.5");  // after the final fill: nothing more
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::kAck);
  EXPECT_FALSE(r[0].final);
  EXPECT_EQ(r[0].venue_order_id, 99u);
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_TRUE(r[1].final);
  EXPECT_EQ(r[1].venue, VenueId{3});
  EXPECT_EQ(r[1].client_id.value, 11u);
  EXPECT_EQ(r[1].fill_qty.raw(), 50'000'000);
  EXPECT_EQ(r[1].cum_qty.raw(), 50'000'000);
  EXPECT_EQ(r[1].fill_px.raw(), 30'000'010'000'000);
  EXPECT_EQ(r[1].fill_quote.raw(), 15'000'005'000'000) << "30000.01 × 0.5 = 15000.005, exactly";
  EXPECT_EQ(r[1].fee.raw(), 500'000);
  EXPECT_EQ(r[1].fee_asset, AssetId{0}) << "BTC";
  EXPECT_EQ(r[1].venue_time.value, 1'700'000'000'123'000'000);
  EXPECT_EQ(tracker_->active(), 0);
}

TEST_F(TrackerTest, FillQuoteRoundsDownLikeTheVenueBooksIt) {
  tracker_->Track(Intent(12, Side::kSell, "0.01", "0.00003"), TscNow());
  // 0.012345678 × 0.00003 = 3.7037034e-7 → 370 × 10^-9, rounded down.
  Exec("hs12", "0.00003", "0.012345678", "0", "USDT", "Sell");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fill_quote.raw(), 370);
  EXPECT_EQ(r[0].fee_asset, AssetId{1}) << "USDT";
}

TEST_F(TrackerTest, PartialFillThenRemainderCanceled) {
  tracker_->Track(Intent(21, Side::kBuy, "30001", "1"), TscNow());
  Exec("hs21", "0.25", "30000", "0.00025");
  Exec("hs21", "0.15", "30001", "0.00015");
  Order("hs21", "PartiallyFilledCanceled", "0.4");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, ExecKind::kFill);
  EXPECT_FALSE(r[0].final);
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_FALSE(r[1].final);
  EXPECT_EQ(r[1].cum_qty.raw(), 40'000'000);
  EXPECT_EQ(r[2].kind, ExecKind::kCanceled);
  EXPECT_TRUE(r[2].final);
  EXPECT_EQ(r[2].cum_qty.raw(), 40'000'000);
  EXPECT_EQ(tracker_->active(), 0);
}

TEST_F(TrackerTest, IocWithNothingFilledIsCanceled) {
  tracker_->Track(Intent(31, Side::kSell, "30500", "0.1"), TscNow());
  Reply("hs31", 0);
  Order("hs31", "Cancelled", "0");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].kind, ExecKind::kCanceled);
  EXPECT_TRUE(r[1].final);
  EXPECT_TRUE(r[1].cum_qty.is_zero());
}

TEST_F(TrackerTest, OrderPushBeforeItsExecutionsWaitsForThem) {
  tracker_->Track(Intent(41, Side::kBuy, "30001", "1"), TscNow());
  Order("hs41", "PartiallyFilledCanceled", "0.3");
  EXPECT_TRUE(Drain().empty()) << "the fills are still on their way";
  Exec("hs41", "0.1", "30000", "0.0001");
  Exec("hs41", "0.2", "30000", "0.0002");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].final);
  EXPECT_TRUE(r[1].final) << "the execution completing cumExecQty closes the order";
  EXPECT_EQ(tracker_->active(), 0);
  // The trade reply arriving last changes nothing.
  Reply("hs41", 0);
  EXPECT_TRUE(Drain().empty());
  EXPECT_EQ(last_, OrderTracker::Outcome::kHandled);
}

TEST_F(TrackerTest, RefusedOrderIsAFinalRejectWithTheVenueCode) {
  tracker_->Track(Intent(51, Side::kBuy, "30001", "1"), TscNow());
  Reply("hs51", 170131);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kRejected);
  EXPECT_TRUE(r[0].final);
  EXPECT_EQ(r[0].reason, RejectReason::kVenue);
  EXPECT_EQ(r[0].venue_code, 170131);
  EXPECT_EQ(counters_.order_rejects.load(), 1u);
}

TEST_F(TrackerTest, ServerErrorLeavesTheOutcomeUnknownUntilThePrivateStreamSays) {
  tracker_->Track(Intent(52, Side::kBuy, "30001", "1"), TscNow());
  Reply("hs52", 10016);
  Exec("hs52", "1", "30000", "0.001");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_FALSE(r[0].final);
  EXPECT_EQ(r[1].kind, ExecKind::kFill);
  EXPECT_TRUE(r[1].final);
}

TEST_F(TrackerTest, MatchingEngineRejectIsAReject) {
  tracker_->Track(Intent(53, Side::kBuy, "30001", "1"), TscNow());
  Order("hs53", "Rejected", "0");
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kRejected);
  EXPECT_TRUE(r[0].final);
}

TEST_F(TrackerTest, FeeAssetDefaultsToTheReceivedAsset) {
  tracker_->Track(Intent(61, Side::kSell, "30000", "0.1"), TscNow());
  const AccountMsg m = Parse(
      R"({"topic":"execution","data":[{"orderLinkId":"hs61","symbol":"BTCUSDT","side":"Sell","execQty":"0.1","execPrice":"30000","execFee":"3"}]})");
  tracker_->OnExecution(m.executions[0], TscNow(), Nanos{});
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fee_asset, AssetId{1}) << "a sell receives USDT";
}

TEST_F(TrackerTest, DisconnectMakesInFlightOrdersUnknownUntilTheyResolve) {
  tracker_->Track(Intent(71, Side::kBuy, "30001", "1"), TscNow());
  tracker_->Track(Intent(72, Side::kSell, "30001", "1"), TscNow());
  EXPECT_EQ(tracker_->OnDisconnect(Nanos{}), 2);
  auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_FALSE(r[0].final);
  EXPECT_EQ(r[1].kind, ExecKind::kUnknown);
  EXPECT_EQ(tracker_->active(), 2) << "unknown orders stay in the table until a query or a report settles them";
  EXPECT_EQ(tracker_->unknown(), 2);
  EXPECT_EQ(counters_.unknown_orders.load(), 2u);
  EXPECT_EQ(tracker_->OnDisconnect(Nanos{}), 0) << "already unknown: not reported twice";
  Exec("hs71", "1", "30000", "0.001");
  EXPECT_EQ(last_, OrderTracker::Outcome::kHandled);
  r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kFill);
  EXPECT_TRUE(r[0].final);
  EXPECT_EQ(counters_.unknown_resolved.load(), 1u);
  EXPECT_EQ(tracker_->active(), 1);
  Exec("hs71", "1", "30000", "0.001");
  EXPECT_EQ(last_, OrderTracker::Outcome::kAnomaly) << "a fill for an order no longer in flight is flagged";
  EXPECT_TRUE(Drain().empty());
}

TEST_F(TrackerTest, MessagesForOrdersNotInFlight) {
  Exec("hs999", "1", "30000", "0.001");
  EXPECT_EQ(last_, OrderTracker::Outcome::kUnknownOrder);
  Exec("manual-order-7", "1", "30000", "0.001");
  EXPECT_EQ(last_, OrderTracker::Outcome::kUnknownOrder);
  Reply("hs998", 0);
  EXPECT_EQ(last_, OrderTracker::Outcome::kUnknownOrder);
  EXPECT_TRUE(Drain().empty());
}

TEST_F(TrackerTest, QueuedOrderRefusedAtTheSocket) {
  tracker_->Track(Intent(81, Side::kBuy, "30001", "1"), TscStamp{});
  EXPECT_FALSE(tracker_->CanTrack(ClientOrderId{81}));
  tracker_->OnSent(ClientOrderId{81}, false, TscStamp{}, /*halted=*/true);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kRejected);
  EXPECT_EQ(r[0].reason, RejectReason::kHalted);
  EXPECT_TRUE(tracker_->CanTrack(ClientOrderId{81}));
}

}  // namespace
}  // namespace hs::bybit
