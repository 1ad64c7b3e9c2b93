// OKX order entry without a network: the `op:"order"` encoder (exact decimals, refusals), the
// login signature (a self-generated vector: the docs' example is a placeholder), and the
// OrderTracker that turns replies and `orders` pushes into ExecReports.
#include "venues/okx/okx_orders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "tests/support/test_support.h"

namespace hs::okx {
namespace {

const std::string kConfig = testing::UnitConfigToml(R"("BTC", "ETH", "USDT")", R"([[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.00000001"
[[instruments]]
name = "ETH/USDT"
base = "ETH"
quote = "USDT"
tick = "0.01"
lot = "0.000001"
[[venues]]
name = "okx"
kind = "okx"
market_data_url = "wss://ws.okx.com:8443"
rest_url = "https://www.okx.com"
order_url = "wss://ws.okx.com:8443"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTC-USDT", "ETH/USDT" = "ETH-USDT" }
)");

class OkxOrders : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(kConfig, "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_);
  }
  OrderIntent Intent(uint64_t id, const char* px, const char* qty, Side side = Side::kBuy) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.venue = VenueId{0};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = TimeInForce::kIoc;
    in.limit_px = ParseDecimal<Price>(px).value;
    in.qty = ParseDecimal<Qty>(qty).value;
    return in;
  }
  const PrivateMsg& Parse(const std::string& text) {
    buf_ = testing::Padded(text);
    EXPECT_EQ(parser_.ParsePrivate(buf_.data(), text.size(), &m_), ParseStatus::kOk) << text;
    return m_;
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
  Parser parser_{1 << 16};
  PrivateMsg m_;
  std::string buf_;
};

TEST_F(OkxOrders, EncodesAnIocLimitOrderAtTheSymbolsDecimals) {
  char buf[1024];
  const size_t n = enc_.Encode(Intent(123456789, "30000.1", "0.05"), buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const auto j = nlohmann::json::parse(std::string(buf, n));
  EXPECT_EQ(j["id"], "hs123456789");
  EXPECT_EQ(j["op"], "order");
  ASSERT_EQ(j["args"].size(), 1u);
  const auto& a = j["args"][0];
  EXPECT_EQ(a["instId"], "BTC-USDT");
  EXPECT_EQ(a["tdMode"], "cash");
  EXPECT_EQ(a["side"], "buy");
  EXPECT_EQ(a["ordType"], "ioc");
  EXPECT_EQ(a["px"], "30000.1") << "tick 0.1: one decimal";
  EXPECT_EQ(a["sz"], "0.05000000") << "lot 0.00000001: eight decimals";
  EXPECT_EQ(a["clOrdId"], "hs123456789");
  // The same keys as the documented request (okx/order_request.json), plus px and clOrdId.
  const auto sample = nlohmann::json::parse(testing::VenueFixture("okx/order_request.json"));
  for (auto it = sample["args"][0].begin(); it != sample["args"][0].end(); ++it) EXPECT_TRUE(a.contains(it.key())) << it.key();
  // Sell, FOK and GTC map to the venue's words.
  OrderIntent s = Intent(7, "2000.01", "1.5", Side::kSell);
  s.instrument = InstrumentId{1};
  s.tif = TimeInForce::kFok;
  const size_t n2 = enc_.Encode(s, buf, sizeof buf);
  ASSERT_GT(n2, 0u);
  const auto j2 = nlohmann::json::parse(std::string(buf, n2));
  EXPECT_EQ(j2["args"][0]["instId"], "ETH-USDT");
  EXPECT_EQ(j2["args"][0]["side"], "sell");
  EXPECT_EQ(j2["args"][0]["ordType"], "fok");
  EXPECT_EQ(j2["args"][0]["px"], "2000.01");
  EXPECT_EQ(j2["args"][0]["sz"], "1.500000");
  s.tif = TimeInForce::kGtc;
  const size_t n3 = enc_.Encode(s, buf, sizeof buf);
  EXPECT_EQ(nlohmann::json::parse(std::string(buf, n3))["args"][0]["ordType"], "limit");
}

TEST_F(OkxOrders, RefusesWhatCannotBeRenderedExactly) {
  char buf[1024];
  EXPECT_EQ(enc_.Encode(Intent(1, "30000.15", "0.05"), buf, sizeof buf), 0u) << "off the 0.1 tick";
  OrderIntent eth = Intent(1, "2000.01", "0.0000001");
  eth.instrument = InstrumentId{1};
  ASSERT_EQ(eth.qty.raw(), 10);
  EXPECT_EQ(enc_.Encode(eth, buf, sizeof buf), 0u) << "off the 0.000001 lot";
  OrderIntent in = Intent(1, "30000.1", "0.05");
  in.instrument = InstrumentId{40};
  EXPECT_EQ(enc_.Encode(in, buf, sizeof buf), 0u) << "not listed";
  EXPECT_EQ(enc_.Encode(Intent(1, "30000.1", "0.05"), buf, 60), 0u) << "no room";
  EXPECT_GT(enc_.Encode(Intent(1, "30000.1", "0.05"), buf, sizeof buf), 0u);
}

TEST_F(OkxOrders, LoginSignatureAndRequest) {
  // Self-generated vector (Python: base64(hmac.new(secret, ts+"GET"+"/users/self/verify", sha256))).
  venues::HmacSha256 secret("22582BD0CFF14C41EDBF1AB98506286D");
  EXPECT_EQ(LoginSign(secret, "1538054050"), "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
  const std::string req = LoginRequest("my-key", "my-pass", secret, 1538054050);
  const auto j = nlohmann::json::parse(req);
  EXPECT_EQ(j["op"], "login");
  const auto& a = j["args"][0];
  EXPECT_EQ(a["apiKey"], "my-key");
  EXPECT_EQ(a["passphrase"], "my-pass");
  EXPECT_EQ(a["timestamp"], "1538054050") << "unix seconds, as a string";
  EXPECT_EQ(a["sign"], "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
  EXPECT_EQ(req.find("22582BD0CFF14C41EDBF1AB98506286D"), std::string::npos) << "the secret never leaves";
}

TEST(OkxClientId, ParsesOnlyOurForm) {
  ClientOrderId id;
  EXPECT_TRUE(venues::ParseClientId("hs42", &id));
  EXPECT_EQ(id.value, 42u);
  EXPECT_FALSE(venues::ParseClientId("", &id));
  EXPECT_FALSE(venues::ParseClientId("hs", &id));
  EXPECT_FALSE(venues::ParseClientId("HS42", &id));
  EXPECT_FALSE(venues::ParseClientId("hs4a2", &id));
  EXPECT_FALSE(venues::ParseClientId("hs99999999999999999999", &id)) << "overflow";
}

std::string Push(const std::string& fields) {
  return R"({"arg":{"channel":"orders","instType":"SPOT"},"data":[{"instId":"BTC-USDT","ordId":"77",)" + fields + "}]}";
}

TEST_F(OkxOrders, FillsAreTheGrowthOfAccFillSzWithExactQuoteAndFeeDeltas) {
  OrderTracker t(VenueId{3}, &symbols_);
  t.Add(Intent(42, "30000", "0.5"), TscStamp{5});
  EXPECT_TRUE(t.Busy(ClientOrderId{42}));
  ExecReport ex;
  TscStamp wire;
  ASSERT_EQ(t.OnReply(Parse(R"({"id":"hs42","op":"order","code":"0","msg":"","data":[{"clOrdId":"hs42","ordId":"77",)"
                            R"("tag":"","sCode":"0","sMsg":""}]})"),
                      TscStamp{9}, &ex, &wire),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kAck);
  EXPECT_FALSE(ex.final);
  EXPECT_EQ(ex.venue_order_id, 77u);
  EXPECT_EQ(ex.venue.value, 3);
  EXPECT_EQ(wire.ticks, 5u);

  // First fill: 0.2 at 29999.9, fee 0.0002 BTC charged.
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs42","state":"partially_filled","fillPx":"29999.9","fillSz":"0.2",)"
                                R"("accFillSz":"0.2","fee":"-0.0002","feeCcy":"BTC","uTime":"1700000000001")"))
                         .orders[0],
                     TscStamp{10}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_FALSE(ex.final);
  EXPECT_EQ(ex.fill_qty.raw(), 20'000'000);
  EXPECT_EQ(ex.fill_px.raw(), 29'999'900'000'000);
  EXPECT_EQ(ex.fill_quote.raw(), 5'999'980'000'000) << "29999.9 × 0.2 = 5999.98 exactly";
  EXPECT_EQ(ex.fee.raw(), 200'000);
  EXPECT_EQ(ex.fee_asset.value, 0) << "BTC";
  EXPECT_EQ(ex.cum_qty.raw(), 20'000'000);
  EXPECT_EQ(ex.venue_time.value, 1700000000001'000'000);

  // The same push again (OKX may repeat one): nothing new.
  EXPECT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs42","state":"partially_filled","fillPx":"29999.9","fillSz":"0.2",)"
                                R"("accFillSz":"0.2","fee":"-0.0002","feeCcy":"BTC")"))
                         .orders[0],
                     TscStamp{11}, &ex),
            OrderTracker::Outcome::kNone);

  // Second fill completes it: 0.3 at 30000; the accumulated fee grows to 0.0005.
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs42","state":"filled","fillPx":"30000","fillSz":"0.3",)"
                                R"("accFillSz":"0.5","fee":"-0.0005","feeCcy":"BTC")"))
                         .orders[0],
                     TscStamp{12}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(ex.fill_qty.raw(), 30'000'000);
  EXPECT_EQ(ex.fill_quote.raw(), 9'000'000'000'000);
  EXPECT_EQ(ex.fee.raw(), 300'000) << "the growth of the accumulated fee";
  EXPECT_FALSE(t.Busy(ClientOrderId{42}));
  // A reply arriving after the order finished is harmless.
  EXPECT_EQ(t.OnReply(Parse(R"({"id":"hs42","op":"order","code":"0","msg":"","data":[{"sCode":"0"}]})"), TscStamp{}, &ex,
                      &wire),
            OrderTracker::Outcome::kNone);
}

TEST_F(OkxOrders, IocRemainderAndUnfilledOrdersEndCanceled) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  t.Add(Intent(1, "30000", "0.5", Side::kSell), TscStamp{});
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs1","state":"partially_filled","fillPx":"30000","fillSz":"0.1",)"
                                R"("accFillSz":"0.1","fee":"-3","feeCcy":"USDT")"))
                         .orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.fee.raw(), 3'000'000'000);
  EXPECT_EQ(ex.fee_asset.value, 2) << "USDT";
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs1","state":"canceled","fillPx":"","fillSz":"0","accFillSz":"0.1",)"
                                R"("fee":"-3","feeCcy":"USDT")"))
                         .orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kCanceled);
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(ex.cum_qty.raw(), 10'000'000);
  EXPECT_FALSE(t.Busy(ClientOrderId{1}));

  t.Add(Intent(2, "30000", "0.5"), TscStamp{});
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs2","state":"canceled","fillPx":"","fillSz":"0","accFillSz":"0",)"
                                R"("fee":"0","feeCcy":"BTC")"))
                         .orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kCanceled) << "nothing filled: a final cancel";
  EXPECT_TRUE(ex.final);
  EXPECT_TRUE(ex.cum_qty.is_zero());
  // A live push says nothing new.
  t.Add(Intent(3, "30000", "0.5"), TscStamp{});
  EXPECT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs3","state":"live","fillPx":"","fillSz":"0","accFillSz":"0","fee":"0")")).orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kNone);
  // Pushes for orders someone else placed are not ours.
  EXPECT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"manual1","state":"filled","accFillSz":"1","fillPx":"1")")).orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kForeign);
  EXPECT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs999","state":"filled","accFillSz":"1","fillPx":"1")")).orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kNone);
}

TEST_F(OkxOrders, RejectsCarryTheVenueCode) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  TscStamp wire;
  t.Add(Intent(5, "30000", "0.5"), TscStamp{});
  ASSERT_EQ(t.OnReply(Parse(R"({"id":"hs5","op":"order","code":"1","msg":"","data":[{"clOrdId":"hs5","ordId":"",)"
                            R"("sCode":"51008","sMsg":"Order failed. Insufficient balance"}]})"),
                      TscStamp{}, &ex, &wire),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kRejected);
  EXPECT_EQ(ex.reason, RejectReason::kVenue);
  EXPECT_EQ(ex.venue_code, 51008);
  EXPECT_TRUE(ex.final);
  EXPECT_FALSE(t.Busy(ClientOrderId{5}));
  // A malformed request: no data, the top-level code.
  t.Add(Intent(6, "30000", "0.5"), TscStamp{});
  ASSERT_EQ(t.OnReply(Parse(R"({"id":"hs6","op":"order","code":"60013","msg":"Invalid args","data":[]})"), TscStamp{}, &ex,
                      &wire),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kRejected);
  EXPECT_EQ(ex.venue_code, 60013);
  EXPECT_EQ(t.OnReply(Parse(R"({"id":"1512","op":"order","code":"0","msg":"","data":[{"sCode":"0"}]})"), TscStamp{}, &ex,
                      &wire),
            OrderTracker::Outcome::kForeign);
}

TEST_F(OkxOrders, NotSentAndDisconnect) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  t.Add(Intent(8, "30000", "0.5"), TscStamp{});
  ASSERT_TRUE(t.NotSent(ClientOrderId{8}, RejectReason::kHalted, &ex));
  EXPECT_EQ(ex.kind, ExecKind::kRejected);
  EXPECT_EQ(ex.reason, RejectReason::kHalted);
  EXPECT_FALSE(t.NotSent(ClientOrderId{8}, RejectReason::kHalted, &ex)) << "once";
  t.Add(Intent(9, "30000", "0.5"), TscStamp{});
  t.Add(Intent(10, "30000", "0.5"), TscStamp{});
  std::vector<ExecReport> out;
  EXPECT_EQ(t.MarkAllUnknown(0, [&](const ExecReport& r) { out.push_back(r); }), 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, ExecKind::kUnknown);
  EXPECT_FALSE(out[0].final) << "the core keeps the reservation until reconciled";
  EXPECT_EQ(t.active(), 2) << "unknown orders stay in the table until a query resolves them";
  EXPECT_EQ(t.table().unknown(), 2);
  EXPECT_EQ(t.MarkAllUnknown(0, [&](const ExecReport& r) { out.push_back(r); }), 0) << "reported once";
}

TEST_F(OkxOrders, FillWithoutAPriceIsInDoubt) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  t.Add(Intent(11, "30000", "0.5"), TscStamp{});
  ASSERT_EQ(t.OnPush(Parse(Push(R"("clOrdId":"hs11","state":"filled","fillPx":"","accFillSz":"0.5","fee":"-1")")).orders[0],
                     TscStamp{}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kUnknown);
  EXPECT_TRUE(t.Busy(ClientOrderId{11}));
}


// ---- GTC / post-only, cancel, cancel-all, query, list, dead man: exact wire text ----

TEST_F(OkxOrders, EncodesPostOnlyGtcExactly) {
  char buf[1024];
  OrderIntent in = Intent(42, "29000.5", "0.01");
  in.tif = TimeInForce::kGtc;
  in.post_only = true;
  const size_t n = enc_.Encode(in, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"hs42","op":"order","args":[{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"post_only","px":"29000.5","sz":"0.01000000","clOrdId":"hs42"}]})");
  in.post_only = false;
  EXPECT_NE(std::string(buf, enc_.Encode(in, buf, sizeof buf)).find(R"("ordType":"limit")"), std::string::npos);
  in.tif = TimeInForce::kIoc;
  in.post_only = true;  // post-only is a GTC form: an IOC stays an IOC
  EXPECT_NE(std::string(buf, enc_.Encode(in, buf, sizeof buf)).find(R"("ordType":"ioc")"), std::string::npos);
}

TEST(OkxRequests, CancelAndBatchCancelExactText) {
  char buf[2048];
  size_t n = EncodeCancel("BTC-USDT", ClientOrderId{42}, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n), R"({"id":"cx42","op":"cancel-order","args":[{"instId":"BTC-USDT","clOrdId":"hs42"}]})");
  EXPECT_EQ(EncodeCancel("BTC-USDT", ClientOrderId{42}, buf, 40), 0u) << "no room";
  const CancelItem items[] = {{"BTC-USDT", "hs1", ""}, {"ETH-USDT", "", "6000001"}};
  n = EncodeBatchCancel("ca1-0", items, 2, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"id":"ca1-0","op":"batch-cancel-orders","args":[{"instId":"BTC-USDT","clOrdId":"hs1"},{"instId":"ETH-USDT","ordId":"6000001"}]})");
  EXPECT_EQ(EncodeBatchCancel("x", items, 0, buf, sizeof buf), 0u);
  CancelItem many[kBatchCancelMax + 1];
  for (auto& m : many) m = CancelItem{"BTC-USDT", "hs1", ""};
  EXPECT_GT(EncodeBatchCancel("x", many, kBatchCancelMax, buf, sizeof buf), 0u);
  EXPECT_EQ(EncodeBatchCancel("x", many, kBatchCancelMax + 1, buf, sizeof buf), 0u) << "OKX takes at most 20";
  EXPECT_EQ(EncodeBatchCancel("x", items, 2, buf, 60), 0u) << "no room";
}

TEST(OkxRequests, RestPathsBodiesAndSignatureKnownAnswer) {
  EXPECT_EQ(QueryPath("BTC-USDT", ClientOrderId{42}), "/api/v5/trade/order?instId=BTC-USDT&clOrdId=hs42");
  EXPECT_EQ(FillsPath("BTC-USDT", "600000000001"), "/api/v5/trade/fills?instId=BTC-USDT&ordId=600000000001");
  EXPECT_EQ(kPendingPath, "/api/v5/trade/orders-pending?instType=SPOT");
  EXPECT_EQ(CancelAfterBody(60), R"({"timeOut":"60"})");
  EXPECT_EQ(IsoMillis(1607418537715), "2020-12-08T09:08:57.715Z");
  EXPECT_EQ(IsoMillis(1607418537005), "2020-12-08T09:08:57.005Z");
  // Self-generated vectors (Python hmac/hashlib/base64 over the same pre-hash text).
  const venues::HmacSha256 key("okx-unit-secret");
  EXPECT_EQ(RestSign(key, "2020-12-08T09:08:57.715Z", "GET", "/api/v5/trade/order?instId=BTC-USDT&clOrdId=hs42", ""),
            "dZSvWuVqdV0JRUc7UDBrs+Pfn+cP4Zm2IJdMQ9J8zrA=");
  EXPECT_EQ(RestSign(key, "2020-12-08T09:08:57.715Z", "POST", "/api/v5/trade/cancel-all-after", R"({"timeOut":"60"})"),
            "gJQ485z+H5miaI/FsVx/gNFeV67JBJiPxgOeF4Buzso=");
  EXPECT_EQ(TriggerTimeMs("1607418597715"), 1607418597715) << "milliseconds";
  EXPECT_EQ(TriggerTimeMs("1607418597"), 1607418597000) << "seconds";
  EXPECT_EQ(TriggerTimeMs(""), -1);
  EXPECT_EQ(TriggerTimeMs("16x"), -1);
}

TEST_F(OkxOrders, ParsesCancelRepliesAndRestAnswers) {
  const PrivateMsg& c = Parse(
      R"({"id":"ca3-1","op":"batch-cancel-orders","code":"2","msg":"","data":[{"clOrdId":"hs1","ordId":"7","sCode":"0","sMsg":""},{"clOrdId":"hs2","ordId":"","sCode":"51400","sMsg":"gone"}],"inTime":"1","outTime":"2"})");
  EXPECT_EQ(c.kind, PrivateKind::kCancelReply);
  EXPECT_EQ(c.id, "ca3-1");
  ASSERT_EQ(c.order_count, 2);
  EXPECT_EQ(c.orders[1].s_code, kCodeGone);
  EXPECT_EQ(Parse(R"({"id":"cx5","op":"cancel-order","code":"0","msg":"","data":[{"clOrdId":"hs5","ordId":"9","sCode":"0","sMsg":""}]})").kind,
            PrivateKind::kCancelReply);

  auto rest = [&](const std::string& text, PrivateMsg* m) {
    buf_ = testing::Padded(text);
    return parser_.ParseRest(buf_.data(), text.size(), m);
  };
  PrivateMsg m;
  ASSERT_EQ(rest(R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","ordId":"11","clOrdId":"hs42","state":"partially_filled","accFillSz":"0.3","avgPx":"30001","fee":"-0.0003","feeCcy":"BTC","px":"30002","sz":"0.5"}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, PrivateKind::kRest);
  ASSERT_EQ(m.order_count, 1);
  EXPECT_EQ(m.orders[0].state, OrderState::kPartiallyFilled);
  EXPECT_EQ(m.orders[0].acc_fill_sz, ParseDecimal<Qty>("0.3").value);
  EXPECT_TRUE(m.orders[0].has_avg_px);
  EXPECT_EQ(m.orders[0].avg_px, ParseDecimal<Price>("30001").value);
  EXPECT_EQ(m.orders[0].fee, ParseDecimal<Amount>("-0.0003", Sign::kAllowNegative).value);
  ASSERT_EQ(rest(R"({"code":"51603","msg":"Order does not exist","data":[]})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.code, kCodeNotFound);
  EXPECT_EQ(m.order_count, 0);
  ASSERT_EQ(rest(R"({"code":"0","msg":"","data":[{"triggerTime":"1587971460417","tag":"","ts":"1587971400417"}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(TriggerTimeMs(m.orders[0].trigger_time), 1587971460417);
  ASSERT_EQ(rest(R"({"code":"0","msg":"","data":[{"fillPx":"30001","fillSz":"0.3","fee":"-0.0003","feeCcy":"BTC","ordId":"11"}]})", &m),
            ParseStatus::kOk);
  EXPECT_TRUE(m.orders[0].has_fill_sz);
  // Malformed answers: each a clear status, never a crash.
  EXPECT_EQ(rest("not json", &m), ParseStatus::kBadJson);
  EXPECT_EQ(rest(R"({"msg":"","data":[]})", &m), ParseStatus::kMissingField) << "no code";
  EXPECT_EQ(rest(R"({"code":"0","msg":""})", &m), ParseStatus::kMissingField) << "no data";
  EXPECT_EQ(rest(R"({"code":"0","data":{}})", &m), ParseStatus::kBadField) << "data not an array";
  EXPECT_EQ(rest(R"({"code":"0","data":[{"accFillSz":"x"}]})", &m), ParseStatus::kBadNumber);
  EXPECT_EQ(rest(R"({"code":"0","data":[{"avgPx":5}]})", &m), ParseStatus::kBadField);
  EXPECT_EQ(rest(R"({"code":"0","data":[1]})", &m), ParseStatus::kBadField);
  PrivateMsg bad;
  const std::string no_scode = R"({"id":"cx1","op":"cancel-order","code":"0","data":[{"clOrdId":"hs1"}]})";
  buf_ = testing::Padded(no_scode);
  EXPECT_EQ(parser_.ParsePrivate(buf_.data(), no_scode.size(), &bad), ParseStatus::kMissingField)
      << "a cancel item without sCode";
}

TEST_F(OkxOrders, QueryAnswersResolveUnknownOrders) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  t.Add(Intent(21, "30002", "0.5"), TscStamp{}, 0);
  t.Add(Intent(22, "30002", "0.5"), TscStamp{}, 0);
  t.Add(Intent(23, "29000", "0.5"), TscStamp{}, 0);
  EXPECT_EQ(t.MarkAllUnknown(0, [](const ExecReport&) {}), 3);
  // Not found: final reject kNotFound, slot freed.
  ASSERT_EQ(t.OnQuery(ClientOrderId{21}, nullptr, Amount::Zero(), TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kRejected);
  EXPECT_EQ(ex.reason, RejectReason::kNotFound);
  EXPECT_TRUE(ex.final);
  EXPECT_FALSE(t.Busy(ClientOrderId{21}));
  // Filled: one final fill with the exact cumulative quote and fee.
  OrderItem o;
  o.state = OrderState::kFilled;
  o.acc_fill_sz = ParseDecimal<Qty>("0.5").value;
  o.fee = ParseDecimal<Amount>("-0.0005", Sign::kAllowNegative).value;
  o.fee_ccy = "BTC";
  o.avg_px = ParseDecimal<Price>("30001.4").value;
  o.has_avg_px = true;
  ASSERT_EQ(t.OnQuery(ClientOrderId{22}, &o, ParseDecimal<Amount>("15000.7").value, TscStamp{}, &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(ex.fill_qty, ParseDecimal<Qty>("0.5").value);
  EXPECT_EQ(ex.fill_quote, ParseDecimal<Amount>("15000.7").value);
  EXPECT_EQ(ex.fee, ParseDecimal<Amount>("0.0005").value);
  EXPECT_EQ(ex.fee_asset, symbols_.FindAsset("BTC"));
  EXPECT_FALSE(t.Busy(ClientOrderId{22}));
  // Still open (a resting GTC): an ack, the entry stays live as kAcked; a repeat says nothing.
  OrderItem live;
  live.state = OrderState::kLive;
  ASSERT_EQ(t.OnQuery(ClientOrderId{23}, &live, Amount::Zero(), TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kAck);
  ASSERT_NE(t.Find(ClientOrderId{23}), nullptr);
  EXPECT_EQ(t.Find(ClientOrderId{23})->state, venues::InFlightState::kAcked);
  EXPECT_EQ(t.OnQuery(ClientOrderId{23}, &live, Amount::Zero(), TscStamp{}, &ex), OrderTracker::Outcome::kNone);
  EXPECT_EQ(t.OnQuery(ClientOrderId{99}, &live, Amount::Zero(), TscStamp{}, &ex), OrderTracker::Outcome::kNone)
      << "not tracked";
}

TEST_F(OkxOrders, OutOfOrderAndRepeatedPushesChangeNothing) {
  OrderTracker t(VenueId{0}, &symbols_);
  ExecReport ex;
  t.Add(Intent(31, "30002", "0.5"), TscStamp{}, 0);
  const std::string second = Push(
      R"("clOrdId":"hs31","state":"partially_filled","fillPx":"30002","fillSz":"0.1","accFillSz":"0.4","fee":"-0.0004","feeCcy":"BTC")");
  const std::string first = Push(
      R"("clOrdId":"hs31","state":"partially_filled","fillPx":"30001","fillSz":"0.3","accFillSz":"0.3","fee":"-0.0003","feeCcy":"BTC")");
  ASSERT_EQ(t.OnPush(Parse(first).orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  ASSERT_EQ(t.OnPush(Parse(second).orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.fill_quote, ParseDecimal<Amount>("3000.2").value);
  EXPECT_EQ(t.OnPush(Parse(first).orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kNone) << "late, behind";
  EXPECT_EQ(t.OnPush(Parse(second).orders[0], TscStamp{}, &ex), OrderTracker::Outcome::kNone) << "repeated";
  // A rate-limit refusal maps to kRateLimited.
  t.Add(Intent(32, "30002", "0.5"), TscStamp{}, 0);
  TscStamp wire;
  ASSERT_EQ(t.OnReply(Parse(R"({"id":"hs32","op":"order","code":"1","msg":"","data":[{"clOrdId":"hs32","ordId":"","sCode":"50011","sMsg":"Rate limit reached"}]})"),
                      TscStamp{}, &ex, &wire),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.reason, RejectReason::kRateLimited);
  EXPECT_EQ(ex.venue_code, 50011);
}

}  // namespace
}  // namespace hs::okx
