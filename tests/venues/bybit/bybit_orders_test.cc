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

TEST_F(EncoderTest, GtcAndPostOnlyTimeInForce) {
  char buf[2048];
  size_t n = enc_.Encode(Intent(5, Side::kBuy, "29000", "0.1", TimeInForce::kGtc), 1, buf, sizeof buf);
  EXPECT_EQ(nlohmann::json::parse(std::string(buf, n))["args"][0]["timeInForce"], "GTC");
  OrderIntent po = Intent(6, Side::kSell, "31000", "0.1", TimeInForce::kGtc);
  po.post_only = true;
  n = enc_.Encode(po, 1, buf, sizeof buf);
  EXPECT_EQ(nlohmann::json::parse(std::string(buf, n))["args"][0]["timeInForce"], "PostOnly");
  po.tif = TimeInForce::kIoc;  // post_only applies to resting orders only
  n = enc_.Encode(po, 1, buf, sizeof buf);
  EXPECT_EQ(nlohmann::json::parse(std::string(buf, n))["args"][0]["timeInForce"], "IOC");
}

TEST_F(EncoderTest, CancelIsExactWireText) {
  char buf[512];
  const size_t n = enc_.EncodeCancel(ClientOrderId{123456789}, InstrumentId{0}, 1711001595207, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"reqId":"c123456789","header":{"X-BAPI-TIMESTAMP":"1711001595207","X-BAPI-RECV-WINDOW":"8000"},)"
            R"("op":"order.cancel","args":[{"category":"spot","symbol":"BTCUSDT","orderLinkId":"hs123456789"}]})");
  EXPECT_EQ(enc_.EncodeCancel(ClientOrderId{1}, InstrumentId{40}, 1, buf, sizeof buf), 0u) << "not listed";
  EXPECT_EQ(enc_.EncodeCancel(ClientOrderId{1}, InstrumentId{0}, 1, buf, 40), 0u) << "no room";
  EXPECT_EQ(enc_.EncodeCancel(ClientOrderId{1}, InstrumentId{0}, -1, buf, sizeof buf), 0u) << "negative timestamp";
}

// Known answers (computed independently): hex HMAC-SHA256(secret, timestamp + key + recvWindow +
// body for POST / query string for GET).
TEST_F(EncoderTest, RestSignaturesKnownAnswers) {
  EXPECT_EQ(enc_.SignRest(1658384314791, "8000", R"({"category":"spot"})"),
            "cb2631c3e07293f75371c7490a6016482a88a63340d09c697f1326cff459e183")
      << "POST /v5/order/cancel-all";
  EXPECT_EQ(enc_.SignRest(1658384314791, "8000", "category=spot&orderLinkId=hs42"),
            "87bac83c3e1b6cfc60987f000910b76fecf5e7df07afc8d5b5b7cc8c64eacc5c")
      << "GET /v5/order/realtime";
  char sig[64];
  ASSERT_TRUE(enc_.SignRestInto(1658384314791, "8000", R"({"category":"spot"})", sig));
  EXPECT_EQ(std::string(sig, 64), "cb2631c3e07293f75371c7490a6016482a88a63340d09c697f1326cff459e183");
  EXPECT_FALSE(enc_.SignRestInto(1, "8000", std::string(4096, 'x'), sig)) << "too long for the fixed buffer";
}

// Replies of the requests this session sends besides order.create.
class ReplyParseTest : public ::testing::Test {
 protected:
  ParseStatus P(const std::string& text) {
    buf_ = testing::Padded(text);
    return parser_.ParseAccount(buf_.data(), text.size(), &m_);
  }
  Parser parser_{1 << 16};
  std::string buf_;
  AccountMsg m_;
};

TEST_F(ReplyParseTest, RealtimeQueryAnswer) {
  ASSERT_EQ(P(R"({"retCode":0,"retMsg":"OK","result":{"list":[{"orderId":"1321003749386327553","orderLinkId":"hs42",)"
              R"("symbol":"BTCUSDT","side":"Buy","orderStatus":"PartiallyFilledCanceled","avgPrice":"30001.0",)"
              R"("cumExecQty":"0.3000","cumExecValue":"9000.30000000","cumExecFee":"0.00030000","feeCurrency":"BTC",)"
              R"("timeInForce":"IOC"}],"nextPageCursor":"","category":"spot"},"retExtInfo":{},"time":1})"),
            ParseStatus::kOk);
  EXPECT_EQ(m_.kind, AccountKind::kOrderList);
  EXPECT_TRUE(m_.has_list);
  ASSERT_EQ(m_.order_count, 1);
  const OrderUpdate& o = m_.orders[0];
  EXPECT_EQ(o.order_link_id, "hs42");
  EXPECT_EQ(o.status, OrderStatus::kPartiallyFilledCanceled);
  EXPECT_TRUE(o.has_cum_value);
  EXPECT_EQ(o.cum_exec_qty, ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(o.cum_exec_value, ParseDecimal<Amount>("9000.3").value);
  EXPECT_EQ(o.cum_exec_fee, ParseDecimal<Amount>("0.0003").value);
  EXPECT_EQ(o.avg_price, ParseDecimal<Price>("30001").value);
  EXPECT_EQ(o.fee_currency, "BTC");
  EXPECT_EQ(o.time_in_force, "IOC");
}

TEST_F(ReplyParseTest, EmptyListIsNoSuchOrder) {
  ASSERT_EQ(P(R"({"retCode":0,"retMsg":"OK","result":{"list":[],"nextPageCursor":"","category":"spot"}})"), ParseStatus::kOk);
  EXPECT_TRUE(m_.has_list);
  EXPECT_EQ(m_.order_count, 0);
  EXPECT_EQ(m_.coin_count, 0);
}

TEST_F(ReplyParseTest, CancelAllAndDcpAndCancelReplies) {
  ASSERT_EQ(P(R"({"retCode":0,"retMsg":"OK","result":{"list":[{"orderId":"1","orderLinkId":"hs1"},{"orderId":"2","orderLinkId":""}],"success":"1"}})"),
            ParseStatus::kOk);
  EXPECT_EQ(m_.kind, AccountKind::kOtherReply);
  EXPECT_TRUE(m_.success);
  ASSERT_EQ(P(R"({"retCode":0,"retMsg":"success","result":{},"retExtInfo":{},"time":1})"), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, AccountKind::kOtherReply);
  EXPECT_EQ(m_.ret_code, 0);
  ASSERT_EQ(P(R"({"reqId":"c42","retCode":170213,"retMsg":"Order does not exist.","op":"order.cancel","data":{},"retExtInfo":{}})"),
            ParseStatus::kOk);
  EXPECT_EQ(m_.kind, AccountKind::kOrderReply);
  EXPECT_EQ(m_.op, "order.cancel");
  EXPECT_EQ(m_.req_id, "c42");
  EXPECT_EQ(m_.ret_code, 170213);
  ASSERT_EQ(P(R"({"retCode":10004,"retMsg":"error sign!","result":{},"retExtInfo":{},"time":1})"), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, AccountKind::kOtherReply);
  EXPECT_FALSE(m_.success);
}

TEST_F(ReplyParseTest, MalformedRepliesAreErrorsNotCrashes) {
  EXPECT_EQ(P(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs1","orderStatus":"New","cumExecQty":"x"}]}})"),
            ParseStatus::kBadNumber);
  EXPECT_NE(P(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs1","orderStatus":"New","cumExecQty":"0","cumExecValue":7}]}})"),
            ParseStatus::kOk)
      << "a number where the venue sends a string";
  EXPECT_EQ(P(R"({"retCode":0,"result":{"list":[1,2]}})"), ParseStatus::kBadField);
  EXPECT_EQ(P(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs1","orderStatus":"New","cumExecQty":"0"},{"coin":[]}]}})"),
            ParseStatus::kBadField)
      << "items of two kinds";
  EXPECT_EQ(P(R"({"result":{"list":[]}})"), ParseStatus::kMissingField) << "no retCode";
  EXPECT_EQ(P(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs1","orderStatus":"New"}]}})"), ParseStatus::kMissingField);
  EXPECT_EQ(P(R"({"retCode":0,"result":{"list":[)"), ParseStatus::kBadJson);
  EXPECT_EQ(P(""), ParseStatus::kBadJson);
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

TEST_F(TrackerTest, QueryAnswerNotFoundIsAFinalNotFoundReject) {
  tracker_->Track(Intent(91, Side::kBuy, "30001", "1"), TscNow());
  EXPECT_EQ(tracker_->OnDisconnect(Nanos{}), 1);
  EXPECT_EQ(tracker_->OnQueryAnswer(ClientOrderId{91}, false, OrderUpdate{}, TscNow(), Nanos{}), OrderTracker::Outcome::kHandled);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].kind, ExecKind::kRejected);
  EXPECT_TRUE(r[1].final);
  EXPECT_EQ(r[1].reason, RejectReason::kNotFound);
  EXPECT_EQ(tracker_->active(), 0);
  EXPECT_EQ(counters_.unknown_resolved.load(), 1u);
}

TEST_F(TrackerTest, QueryAnswerFromCumulativeNumbersOnce) {
  tracker_->Track(Intent(92, Side::kBuy, "30001", "1"), TscNow());
  Reply("hs92", 0);
  Exec("hs92", "0.25", "30000", "0.00025");
  const AccountMsg m = Parse(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs92","orderStatus":"PartiallyFilledCanceled",)"
                             R"("cumExecQty":"0.4","cumExecValue":"12000.15","cumExecFee":"0.0004","avgPrice":"30000.37"}]}})");
  ASSERT_EQ(m.kind, AccountKind::kOrderList);
  tracker_->OnQueryAnswer(ClientOrderId{92}, true, m.orders[0], TscNow(), Nanos{});
  tracker_->OnQueryAnswer(ClientOrderId{92}, true, m.orders[0], TscNow(), Nanos{});  // a repeat: nothing
  const auto r = Drain();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].fill_qty, ParseDecimal<Qty>("0.25").value);
  EXPECT_EQ(r[2].kind, ExecKind::kFill);
  EXPECT_EQ(r[2].fill_qty, ParseDecimal<Qty>("0.15").value) << "only what the push had not reported";
  EXPECT_EQ(r[2].fill_quote, ParseDecimal<Amount>("4500.15").value);
  EXPECT_EQ(r[2].fee, ParseDecimal<Amount>("0.00015").value);
  EXPECT_EQ(r[3].kind, ExecKind::kCanceled);
  EXPECT_TRUE(r[3].final);
  EXPECT_EQ(tracker_->active(), 0);
}

TEST_F(TrackerTest, QueryAnswerStillOpenKeepsTheOrderLive) {
  tracker_->Track(Intent(93, Side::kBuy, "29000", "1", TimeInForce::kGtc), TscNow());
  tracker_->OnDisconnect(Nanos{});
  const AccountMsg m = Parse(R"({"retCode":0,"result":{"list":[{"orderLinkId":"hs93","orderStatus":"New",)"
                             R"("cumExecQty":"0","cumExecValue":"0","cumExecFee":"0"}]}})");
  tracker_->OnQueryAnswer(ClientOrderId{93}, true, m.orders[0], TscNow(), Nanos{});
  const auto r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_EQ(r[1].kind, ExecKind::kAck) << "the core learns the order is live";
  EXPECT_FALSE(r[1].final);
  EXPECT_EQ(tracker_->active(), 1);
  EXPECT_EQ(tracker_->unknown(), 0);
  EXPECT_EQ(tracker_->Find(ClientOrderId{93})->state, venues::InFlightState::kAcked);
}

TEST_F(TrackerTest, ExecutionOutOfOrderIsSettledByTheOrderPush) {
  tracker_->Track(Intent(94, Side::kBuy, "30001", "1"), TscNow());
  // The second execution (leaves 0.6) before the first (leaves 0.8): skipped, not guessed.
  auto exec = [&](const char* qty, const char* leaves) {
    const AccountMsg m = Parse(std::string(R"({"topic":"execution","data":[{"orderLinkId":"hs94","symbol":"BTCUSDT","side":"Buy","execQty":")") +
                               qty + R"(","execPrice":"30000","execFee":"0","leavesQty":")" + leaves + R"("}]})");
    tracker_->OnExecution(m.executions[0], TscNow(), Nanos{});
  };
  exec("0.2", "0.6");
  EXPECT_TRUE(Drain().empty());
  exec("0.2", "0.8");
  exec("0.2", "0.8");  // a duplicate
  auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fill_qty, ParseDecimal<Qty>("0.2").value);
  const AccountMsg m = Parse(R"({"topic":"order","data":[{"orderLinkId":"hs94","orderStatus":"PartiallyFilledCanceled",)"
                             R"("cumExecQty":"0.4","cumExecValue":"12000","cumExecFee":"0","feeCurrency":"BTC"}]})");
  tracker_->OnOrderUpdate(m.orders[0], TscNow(), Nanos{});
  r = Drain();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fill_qty, ParseDecimal<Qty>("0.2").value);
  EXPECT_EQ(r[0].fill_quote, ParseDecimal<Amount>("6000").value);
  EXPECT_EQ(r[1].kind, ExecKind::kCanceled);
  exec("0.2", "0.6");  // the late one: the order is closed
  EXPECT_TRUE(Drain().empty());
}

TEST_F(TrackerTest, RateLimitReplyIsRateLimitedAndSignalsBackoff) {
  tracker_->Track(Intent(95, Side::kBuy, "30001", "1"), TscNow());
  const AccountMsg m = Parse(R"({"reqId":"hs95","retCode":10006,"retMsg":"Too many visits!","op":"order.create","data":{}})");
  bool limited = false;
  tracker_->OnOrderReply(m, TscNow(), Nanos{}, &limited);
  EXPECT_TRUE(limited);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kRejected);
  EXPECT_EQ(r[0].reason, RejectReason::kRateLimited);
  EXPECT_EQ(r[0].venue_code, 10006);
  EXPECT_EQ(counters_.rate_limited.load(), 1u);
}

TEST_F(TrackerTest, AckTimeoutMakesTheOrderUnknown) {
  tracker_->Track(Intent(96, Side::kBuy, "30001", "1"), TscNow(), 1'000);
  venues::QueryPolicy p;
  p.ack_timeout_ns = 500;
  EXPECT_EQ(tracker_->ExpireAcks(1'400, p, Nanos{}), 0);
  EXPECT_EQ(tracker_->ExpireAcks(1'500, p, Nanos{}), 1);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_EQ(counters_.unknown_orders.load(), 1u);
}

}  // namespace
}  // namespace hs::bybit
