// Kraken order entry without a network: the add_order encoder (exact decimals, refusals), the
// API-Sign signature (Kraken's documented example), client ids, the private parser on every
// reply / executions / balances / token shape and on malformed input, the OrderTracker's
// reports (exactly once per trade), the open-order view and the local rate budget.
#include "venues/kraken/kraken_orders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/common/signing.h"
#include "tests/support/test_support.h"

namespace hs::kraken {
namespace {

using json = nlohmann::json;

const std::string kConfig = testing::UnitConfigToml(R"("BTC", "ETH", "USD")", R"([[instruments]]
name = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.1"
lot = "0.00000001"
[[instruments]]
name = "ETH/USD"
base = "ETH"
quote = "USD"
tick = "0.01"
lot = "0.0001"
[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "wss://ws.kraken.com"
rest_url = "https://api.kraken.com"
order_url = "wss://ws-auth.kraken.com"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.004"
dead_man_s = 60
symbols = { "BTC/USD" = "BTC/USD", "ETH/USD" = "ETH/USD" }
)");

class KrakenOrders : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(kConfig, "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_);
    enc_.SetToken("G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY");
  }
  OrderIntent Intent(uint64_t id, const char* px, const char* qty, Side side = Side::kBuy) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = TimeInForce::kIoc;
    in.limit_px = ParseDecimal<Price>(px).value;
    in.qty = ParseDecimal<Qty>(qty).value;
    return in;
  }
  ParseStatus Parse(const std::string& text, PrivateMsg* m) {
    buf_ = testing::Padded(text);
    return parser_.Parse(buf_.data(), text.size(), m);
  }
  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
  PrivateParser parser_{1 << 16};
  std::string buf_;
};

TEST_F(KrakenOrders, EncodesAnIocLimitOrderAtThePairsPrecision) {
  char buf[1024];
  const size_t n = enc_.Encode(Intent(0x1f2e, "30000.1", "0.05"), 42, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const std::string text(buf, n);
  // Numbers are written as exact decimal text at the pair's precision.
  EXPECT_NE(text.find(R"("order_qty":0.05000000,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("limit_price":30000.1,)"), std::string::npos) << text;
  const json j = json::parse(text);
  EXPECT_EQ(j["method"], "add_order");
  EXPECT_EQ(j["req_id"], 42);
  const json& p = j["params"];
  EXPECT_EQ(p["order_type"], "limit");
  EXPECT_EQ(p["side"], "buy");
  EXPECT_EQ(p["symbol"], "BTC/USD");
  EXPECT_EQ(p["time_in_force"], "ioc");
  EXPECT_EQ(p["cl_ord_id"], "hs7982") << "the shared client-id text: hs + decimal digits";
  EXPECT_EQ(p["token"], "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY");
  EXPECT_FALSE(p.contains("post_only"));
  // Every key of the documented request except order_userref (we use cl_ord_id instead).
  const json sample = json::parse(testing::VenueFixture("kraken/add_order_request.json"));
  for (auto it = sample["params"].begin(); it != sample["params"].end(); ++it)
    if (it.key() != "order_userref") EXPECT_TRUE(p.contains(it.key())) << it.key();

  OrderIntent s = Intent(7, "2000.01", "1.5", Side::kSell);
  s.instrument = InstrumentId{1};
  s.tif = TimeInForce::kGtc;
  const size_t n2 = enc_.Encode(s, 43, buf, sizeof buf);
  ASSERT_GT(n2, 0u);
  const json j2 = json::parse(std::string(buf, n2));
  EXPECT_EQ(j2["params"]["side"], "sell");
  EXPECT_EQ(j2["params"]["symbol"], "ETH/USD");
  EXPECT_EQ(j2["params"]["time_in_force"], "gtc");
  EXPECT_EQ(j2["params"]["post_only"], true);
  EXPECT_NE(std::string(buf, n2).find(R"("order_qty":1.5000,)"), std::string::npos);
}

TEST_F(KrakenOrders, RefusesWhatCannotBeRenderedExactly) {
  char buf[1024];
  EXPECT_EQ(enc_.Encode(Intent(1, "30000.15", "0.05"), 1, buf, sizeof buf), 0u) << "off the 0.1 tick";
  OrderIntent eth = Intent(1, "2000.01", "0.00001");
  eth.instrument = InstrumentId{1};
  EXPECT_EQ(enc_.Encode(eth, 1, buf, sizeof buf), 0u) << "off the 0.0001 lot";
  OrderIntent fok = Intent(1, "30000.1", "0.05");
  fok.tif = TimeInForce::kFok;
  EXPECT_EQ(enc_.Encode(fok, 1, buf, sizeof buf), 0u) << "no FOK on Kraken";
  OrderIntent other = Intent(1, "30000.1", "0.05");
  other.instrument = InstrumentId{40};
  EXPECT_EQ(enc_.Encode(other, 1, buf, sizeof buf), 0u) << "not listed";
  EXPECT_EQ(enc_.Encode(Intent(1, "30000.1", "0.05"), 1, buf, 100), 0u) << "no room";
  OrderEncoder no_token(&symbols_);
  EXPECT_EQ(no_token.Encode(Intent(1, "30000.1", "0.05"), 1, buf, sizeof buf), 0u) << "no token yet";
}

TEST_F(KrakenOrders, CancelAndDeadManRequests) {
  char buf[512];
  size_t n = enc_.EncodeCancel(ClientOrderId{255}, 9, buf, sizeof buf);
  json j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["method"], "cancel_order");
  EXPECT_EQ(j["params"]["cl_ord_id"], json::array({"hs255"}));
  EXPECT_EQ(j["req_id"], 9);
  n = enc_.EncodeCancelAll(10, buf, sizeof buf);
  j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["method"], "cancel_all");
  EXPECT_TRUE(j["params"].contains("token"));
  n = enc_.EncodeDeadMan(60, 11, buf, sizeof buf);
  j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["method"], "cancel_all_orders_after");
  EXPECT_EQ(j["params"]["timeout"], 60);
  EXPECT_EQ(enc_.EncodeDeadMan(86'400, 12, buf, sizeof buf), 0u) << "the venue's bound is < 86400";
  // executions with the open orders and the last fills (the snapshot that settles unknown orders).
  n = enc_.EncodeSubscribe("executions", 13, buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n),
            R"({"method":"subscribe","params":{"channel":"executions","token":"G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY",)"
            R"("snap_orders":true,"snap_trades":true},"req_id":13})");
  n = enc_.EncodeSubscribe("executions", 14, buf, sizeof buf, /*unsubscribe=*/true);
  EXPECT_EQ(std::string(buf, n),
            R"({"method":"unsubscribe","params":{"channel":"executions","token":"G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY"},"req_id":14})");
  EXPECT_EQ(enc_.EncodeSubscribe("executions", 15, buf, 60), 0u) << "no room";
}

TEST(KrakenSign, MatchesKrakensDocumentedExample) {
  // docs.kraken.com REST authentication example (AddOrder), checked with Python's hmac.
  std::string secret;
  ASSERT_TRUE(venues::Base64Decode(
      "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==", &secret));
  EXPECT_EQ(ApiSign(secret, "/0/private/AddOrder", "1616492376594",
                    "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==");
}

TEST(KrakenClientId, SharedTextWithinKrakensEighteenCharacters) {
  for (uint64_t v : {0ull, 1ull, 0xabcull, 9'999'999'999'999'999ull}) {
    char b[kClientIdMax];
    const int n = FormatClientId(ClientOrderId{v}, b);
    ASSERT_GT(n, 0);
    ASSERT_LE(n, kClientIdMax);
    EXPECT_EQ(std::string(b, static_cast<size_t>(n)), "hs" + std::to_string(v));
    ClientOrderId back;
    ASSERT_TRUE(venues::ParseClientId(std::string_view(b, static_cast<size_t>(n)), &back));
    EXPECT_EQ(back.value, v);
  }
  char b[kClientIdMax];
  EXPECT_EQ(FormatClientId(ClientOrderId{10'000'000'000'000'000ull}, b), 0) << "19 characters: over Kraken's limit";
  OrderEncoder enc;
  EXPECT_EQ(enc.EncodeCancel(ClientOrderId{~0ull}, 1, b, sizeof b), 0u);
}

TEST_F(KrakenOrders, ParsesEveryReplyShape) {
  PrivateMsg m;
  ASSERT_EQ(Parse(testing::VenueFixture("kraken/add_order_response.json"), &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, PrivateKind::kReply);
  EXPECT_EQ(m.method, "add_order");
  EXPECT_EQ(m.req_id, 123456789);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.order_id, "AA5JGQ-SBMRC-SCJ7J7");
  ASSERT_EQ(Parse(R"({"method":"add_order","req_id":99,"success":false,"error":"EOrder:Insufficient funds","time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"})", &m), ParseStatus::kOk);
  EXPECT_FALSE(m.success);
  EXPECT_EQ(m.error, "EOrder:Insufficient funds");
  EXPECT_EQ(KrakenErrorCode(m.error), kErrInsufficientFunds);
  ASSERT_EQ(Parse(R"({"method":"cancel_order","req_id":123456789,"result":{"order_id":"OLUMT4-UTEGU-ZYM7E9"},"success":true,"time_in":"x","time_out":"y"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.order_id, "OLUMT4-UTEGU-ZYM7E9");
  ASSERT_EQ(Parse(R"({"method":"cancel_all","req_id":5,"result":{"count":3},"success":true})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.count, 3);
  ASSERT_EQ(Parse(R"({"method":"cancel_all_orders_after","req_id":1234567890,"result":{"currentTime":"2023-09-21T15:49:29Z","triggerTime":"2023-09-21T15:51:09Z"},"success":true})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.current_time, "2023-09-21T15:49:29Z");
  EXPECT_EQ(m.trigger_time, "2023-09-21T15:51:09Z");
  ASSERT_EQ(Parse(R"({"method":"subscribe","req_id":1,"result":{"channel":"executions","maxratecount":125,"snapshot":true},"success":true})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.channel, "executions");
  EXPECT_EQ(m.max_rate_count, 125);
  EXPECT_EQ(Parse(R"({"channel":"heartbeat"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, PrivateKind::kHeartbeat);
  EXPECT_EQ(Parse(R"({"method":"pong","req_id":3,"time_in":"x","time_out":"y"})", &m), ParseStatus::kUnknown);
  EXPECT_EQ(Parse(R"({"channel":"ticker","type":"update","data":[]})", &m), ParseStatus::kUnknown);
}

TEST_F(KrakenOrders, ParsesExecutionsAsDocumented) {
  PrivateMsg m;
  ASSERT_EQ(Parse(R"({"channel":"executions","type":"update","sequence":10,"data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","order_userref":3,
   "exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,"symbol":"BTC/USD","side":"sell",
   "last_qty":0.005,"last_price":26599.9,"liquidity_ind":"t","cost":132.9995,"order_type":"limit",
   "timestamp":"2023-09-22T10:33:05.709993Z","order_status":"partially_filled","cum_qty":0.005,"cum_cost":132.9995,
   "avg_price":26599.9,"fee_usd_equiv":0.3458,"fees":[{"asset":"USD","qty":0.3458}]}]})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, PrivateKind::kExecutions);
  EXPECT_FALSE(m.snapshot);
  EXPECT_EQ(m.sequence, 10);
  ASSERT_EQ(m.exec_count, 1);
  const ExecItem& e = m.execs[0];
  EXPECT_EQ(e.exec_type, ExecType::kTrade);
  EXPECT_EQ(e.order_id, "OK4GJX-KSTLS-7DZZO5");
  EXPECT_EQ(e.exec_id, "TGBB7L-HT5LX-J3BZ4A");
  EXPECT_EQ(e.trade_id, 62887576u);
  EXPECT_EQ(e.last_qty, ParseDecimal<Qty>("0.005").value);
  EXPECT_EQ(e.last_price, ParseDecimal<Price>("26599.9").value);
  EXPECT_EQ(e.cost, ParseDecimal<Amount>("132.9995").value);
  EXPECT_EQ(e.fee, ParseDecimal<Amount>("0.3458").value);
  EXPECT_EQ(e.fee_asset, "USD");
  EXPECT_EQ(e.order_status, "partially_filled");
  // The sparse `new`, and a balances snapshot.
  ASSERT_EQ(Parse(R"({"channel":"executions","type":"update","sequence":9,"data":[{"timestamp":"2023-09-22T10:33:05.709982Z","order_status":"new","exec_type":"new","order_userref":3,"order_id":"OK4GJX-KSTLS-7DZZO5"}]})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.execs[0].exec_type, ExecType::kNew);
  EXPECT_TRUE(m.execs[0].cl_ord_id.empty());
  ASSERT_EQ(Parse(R"({"data":[{"asset":"BTC","balance":1.25}],"channel":"balances","type":"snapshot","sequence":1})", &m), ParseStatus::kOk)
      << "data before channel";
  EXPECT_EQ(m.kind, PrivateKind::kBalances);
  ASSERT_EQ(m.balance_count, 1);
  EXPECT_EQ(m.balances[0].asset, "BTC");
  EXPECT_EQ(m.balances[0].balance, ParseDecimal<Amount>("1.25").value);
}

TEST_F(KrakenOrders, MalformedInputIsAStatusNeverACrash) {
  PrivateMsg m;
  EXPECT_EQ(Parse("not json", &m), ParseStatus::kBadJson);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update"})", &m), ParseStatus::kMissingField);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":{}})", &m), ParseStatus::kBadField);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"exec_type":"trade","last_qty":"0.1"}]})", &m),
            ParseStatus::kBadField);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"exec_type":"trade","last_qty":1e-5}]})", &m),
            ParseStatus::kBadNumber) << "an exponent is not a plain decimal";
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"last_qty":-0.1}]})", &m), ParseStatus::kBadNumber);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"last_price":1.0000000001}]})", &m),
            ParseStatus::kBadNumber) << "more decimals than a Price holds";
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"fees":[{"asset":"USD"}]}]})", &m),
            ParseStatus::kMissingField);
  EXPECT_EQ(Parse(R"({"channel":"balances","type":"snapshot","data":[{"asset":"BTC"}]})", &m), ParseStatus::kMissingField);
  EXPECT_EQ(Parse(R"({"method":"add_order","req_id":1})", &m), ParseStatus::kMissingField);
  EXPECT_EQ(Parse(R"({"method":"add_order","success":"yes"})", &m), ParseStatus::kBadField);
  EXPECT_EQ(Parse(R"({"method":"add_order","success":true} x)", &m), ParseStatus::kBadJson);
  EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"timestamp":"yesterday"}]})", &m),
            ParseStatus::kBadField);
  TokenReply t;
  std::string b = testing::Padded(testing::VenueFixture("kraken/get_websockets_token_response.json"));
  ASSERT_EQ(parser_.ParseToken(b.data(), b.size() - 64, &t), ParseStatus::kOk);
  EXPECT_EQ(t.token, "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw");
  EXPECT_EQ(t.expires_s, 900);
  const std::string refused = R"({"error":["EAPI:Invalid signature"]})";
  b = testing::Padded(refused);
  ASSERT_EQ(parser_.ParseToken(b.data(), refused.size(), &t), ParseStatus::kOk);
  EXPECT_TRUE(t.token.empty());
  EXPECT_EQ(t.first_error, "EAPI:Invalid signature");
  const std::string junk = R"({"result":5})";
  b = testing::Padded(junk);
  EXPECT_NE(parser_.ParseToken(b.data(), junk.size(), &t), ParseStatus::kOk);
}

// The tracker: what the core receives for each reply and executions entry.
class KrakenTracker : public KrakenOrders {
 protected:
  void SetUp() override {
    KrakenOrders::SetUp();
    tracker_ = std::make_unique<OrderTracker>(VenueId{2}, &symbols_);
  }
  OrderTracker::Outcome Exec(const std::string& item, ExecReport* ex) {
    PrivateMsg m;
    EXPECT_EQ(Parse(R"({"channel":"executions","type":"update","sequence":1,"data":[)" + item + "]}", &m), ParseStatus::kOk)
        << item;
    return m.exec_count == 1 ? tracker_->OnExec(m.execs[0], TscNow(), ex) : OrderTracker::Outcome::kNone;
  }
  OrderTracker::Outcome Reply(const std::string& text, ExecReport* ex) {
    PrivateMsg m;
    EXPECT_EQ(Parse(text, &m), ParseStatus::kOk) << text;
    TscStamp wire;
    return tracker_->OnAddReply(m, TscNow(), ex, &wire);
  }
  std::unique_ptr<OrderTracker> tracker_;
};

TEST_F(KrakenTracker, AckThenTradesExactlyOnceThenFilled) {
  tracker_->Add(Intent(0x10, "26600.0", "0.01", Side::kSell), 5, TscStamp{}, Nanos{});
  ExecReport ex;
  ASSERT_EQ(Reply(R"({"method":"add_order","req_id":5,"success":true,"result":{"order_id":"OK4GJX-KSTLS-7DZZO5","cl_ord_id":"hs16"}})", &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kAck);
  EXPECT_EQ(ex.venue_order_id, OrderIdHash("OK4GJX-KSTLS-7DZZO5"));
  // The sparse `new` (matched by order_id) adds nothing after the ack.
  EXPECT_EQ(Exec(R"({"order_status":"new","exec_type":"new","order_id":"OK4GJX-KSTLS-7DZZO5"})", &ex), OrderTracker::Outcome::kNone);
  const std::string trade =
      R"({"order_id":"OK4GJX-KSTLS-7DZZO5","exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,"last_qty":0.005,"last_price":26599.9,"cost":132.9995,"order_status":"partially_filled","cum_qty":0.005,"fees":[{"asset":"USD","qty":0.3458}]})";
  ASSERT_EQ(Exec(trade, &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kFill);
  EXPECT_FALSE(ex.final);
  EXPECT_EQ(ex.client_id.value, 0x10u);
  EXPECT_EQ(ex.fill_qty, ParseDecimal<Qty>("0.005").value);
  EXPECT_EQ(ex.fill_px, ParseDecimal<Price>("26599.9").value);
  EXPECT_EQ(ex.fill_quote, ParseDecimal<Amount>("132.9995").value);
  EXPECT_EQ(ex.fee, ParseDecimal<Amount>("0.3458").value);
  EXPECT_EQ(ex.fee_asset, symbols_.FindAsset("USD"));
  EXPECT_EQ(Exec(trade, &ex), OrderTracker::Outcome::kNone) << "the same cumulative quantity again changes nothing";
  ASSERT_EQ(Exec(R"({"order_id":"OK4GJX-KSTLS-7DZZO5","exec_id":"T2","exec_type":"trade","last_qty":0.005,"last_price":26600.0,"order_status":"filled","fees":[{"asset":"USD","qty":0.35}]})", &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(ex.cum_qty, ParseDecimal<Qty>("0.01").value);
  EXPECT_EQ(ex.fill_quote, ParseDecimal<Amount>("133").value) << "no cost: price x qty";
  EXPECT_EQ(tracker_->active(), 0);
  EXPECT_EQ(Exec(R"({"order_status":"filled","exec_type":"filled","order_id":"OK4GJX-KSTLS-7DZZO5"})", &ex), OrderTracker::Outcome::kNone);
}

TEST_F(KrakenTracker, RejectsCancelsForeignAndDisconnect) {
  tracker_->Add(Intent(1, "30000.0", "0.01"), 1, TscStamp{}, Nanos{});
  tracker_->Add(Intent(2, "30000.0", "0.01"), 2, TscStamp{}, Nanos{});
  tracker_->Add(Intent(3, "30000.0", "0.01"), 3, TscStamp{}, Nanos{});
  ExecReport ex;
  ASSERT_EQ(Reply(R"({"method":"add_order","req_id":1,"success":false,"error":"EOrder:Rate limit exceeded"})", &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kRejected);
  EXPECT_EQ(ex.reason, RejectReason::kRateLimited) << "the venue's rate limit is reported as one";
  EXPECT_EQ(ex.venue_code, kErrRateLimit);
  EXPECT_TRUE(ex.final);
  ASSERT_EQ(Exec(R"({"order_id":"OX","cl_ord_id":"hs2","exec_type":"canceled","order_status":"canceled","cum_qty":0})", &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kCanceled);
  EXPECT_TRUE(ex.final);
  EXPECT_EQ(Exec(R"({"order_id":"OY","cl_ord_id":"someone-else","exec_type":"new"})", &ex), OrderTracker::Outcome::kForeign);
  EXPECT_EQ(Exec(R"({"order_id":"OZ","cl_ord_id":"hs3","exec_type":"trade","last_qty":0.001})", &ex), OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kUnknown) << "a partial trade without cum_qty cannot be booked exactly";
  EXPECT_EQ(tracker_->active(), 1) << "it stays in flight until the query settles it";
  EXPECT_EQ(tracker_->table().unknown(), 1);
  // A disconnect: every other live order becomes unknown, each reported once.
  tracker_->Add(Intent(4, "30000.0", "0.01"), 4, TscStamp{}, Nanos{});
  std::vector<ExecReport> drained;
  EXPECT_EQ(tracker_->MarkAllUnknown(0, [&](const ExecReport& r) { drained.push_back(r); }), 1);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_EQ(drained[0].client_id.value, 4u);
  EXPECT_EQ(drained[0].kind, ExecKind::kUnknown);
  EXPECT_EQ(tracker_->active(), 2);
}

// A close whose cum_qty is ahead of the fills reported (a trade push was lost): unknown, not
// a close with the fill missing.
TEST_F(KrakenTracker, CloseAheadOfTheReportedFillsWaitsForTheQuery) {
  tracker_->Add(Intent(5, "30000.0", "0.01"), 5, TscStamp{}, Nanos{});
  ExecReport ex;
  ASSERT_EQ(Exec(R"({"order_id":"O5","cl_ord_id":"hs5","exec_type":"canceled","order_status":"canceled","cum_qty":0.004})", &ex),
            OrderTracker::Outcome::kReport);
  EXPECT_EQ(ex.kind, ExecKind::kUnknown);
  EXPECT_FALSE(ex.final);
  EXPECT_EQ(tracker_->active(), 1);
}

// The executions snapshot (snap_orders + snap_trades) answering subscribe req_id 10 settles
// every order sent before it: fills from the trades (summed exactly), open → live, neither →
// not found. Orders sent after it are left alone; anything later about a settled order changes
// nothing.
TEST_F(KrakenTracker, SnapshotSettlesOrdersSentBeforeIt) {
  runtime::VenueCounters counters;
  tracker_ = std::make_unique<OrderTracker>(VenueId{2}, &symbols_, &counters);
  tracker_->Add(Intent(21, "30002.0", "0.5"), 3, TscStamp{}, Nanos{});                  // IOC, partly filled
  tracker_->Add(Intent(22, "29000.0", "0.1"), 4, TscStamp{}, Nanos{});                  // resting
  tracker_->Add(Intent(23, "30000.0", "0.1"), 5, TscStamp{}, Nanos{});                  // never reached the venue
  tracker_->Add(Intent(24, "30002.0", "0.2"), 6, TscStamp{}, Nanos{});                  // filled completely
  tracker_->Add(Intent(25, "30000.0", "0.1"), 11, TscStamp{}, Nanos{});                 // sent after the snapshot
  EXPECT_EQ(tracker_->MarkAllUnknown(0, [](const ExecReport&) {}), 5);
  const std::string snap =
      R"({"channel":"executions","type":"snapshot","sequence":1,"data":[)"
      R"({"order_id":"OB","cl_ord_id":"hs22","exec_type":"new","order_status":"new","symbol":"BTC/USD","side":"buy","cum_qty":0},)"
      R"({"order_id":"OA","cl_ord_id":"hs21","exec_id":"T1","exec_type":"trade","last_qty":0.3,"last_price":30001.0,"cost":9000.3,"cum_qty":0.3,"order_status":"partially_filled","fees":[{"asset":"USD","qty":36.0012}]},)"
      R"({"order_id":"OA","cl_ord_id":"hs21","exec_id":"T2","exec_type":"trade","last_qty":0.1,"last_price":30002.0,"cost":3000.2,"cum_qty":0.4,"order_status":"partially_filled","fees":[{"asset":"USD","qty":12.0008}]},)"
      R"({"order_id":"OD","cl_ord_id":"hs24","exec_id":"T3","exec_type":"trade","last_qty":0.2,"last_price":30002.0,"cost":6000.4,"cum_qty":0.2,"order_status":"filled","fees":[{"asset":"USD","qty":24.0016}]},)"
      R"({"order_id":"OZ","cl_ord_id":"someone-else","exec_id":"T4","exec_type":"trade","last_qty":1,"last_price":1.0,"cost":1.0})"
      R"(]})";
  PrivateMsg m;
  ASSERT_EQ(Parse(snap, &m), ParseStatus::kOk);
  std::vector<ExecReport> r;
  EXPECT_EQ(tracker_->Reconcile(m, 10, TscNow(), [&](const ExecReport& e) { r.push_back(e); }), 4);
  auto of = [&](uint64_t id) {
    std::vector<ExecReport> v;
    for (const ExecReport& e : r)
      if (e.client_id.value == id) v.push_back(e);
    return v;
  };
  ASSERT_EQ(of(21).size(), 2u);
  EXPECT_EQ(of(21)[0].kind, ExecKind::kFill);
  EXPECT_EQ(of(21)[0].fill_qty, ParseDecimal<Qty>("0.4").value);
  EXPECT_EQ(of(21)[0].fill_quote, ParseDecimal<Amount>("12000.5").value);
  EXPECT_EQ(of(21)[0].fee, ParseDecimal<Amount>("48.002").value);
  EXPECT_EQ(of(21)[0].fee_asset, symbols_.FindAsset("USD"));
  EXPECT_FALSE(of(21)[0].final);
  EXPECT_EQ(of(21)[1].kind, ExecKind::kCanceled);
  EXPECT_TRUE(of(21)[1].final);
  EXPECT_EQ(of(21)[1].cum_qty, ParseDecimal<Qty>("0.4").value);
  ASSERT_EQ(of(22).size(), 1u);
  EXPECT_EQ(of(22)[0].kind, ExecKind::kAck);
  EXPECT_FALSE(of(22)[0].final);
  ASSERT_EQ(of(23).size(), 1u);
  EXPECT_EQ(of(23)[0].kind, ExecKind::kRejected);
  EXPECT_EQ(of(23)[0].reason, RejectReason::kNotFound);
  EXPECT_TRUE(of(23)[0].final);
  ASSERT_EQ(of(24).size(), 1u);
  EXPECT_EQ(of(24)[0].kind, ExecKind::kFill);
  EXPECT_TRUE(of(24)[0].final);
  EXPECT_EQ(of(24)[0].fill_qty, ParseDecimal<Qty>("0.2").value);
  EXPECT_TRUE(of(25).empty()) << "sent after the subscription: the snapshot says nothing about it";
  EXPECT_EQ(tracker_->active(), 2);
  EXPECT_EQ(tracker_->table().unknown(), 1) << "25 only; 22 is live again";
  EXPECT_EQ(counters.unknown_resolved.load(), 4u);
  // The reply and pushes of 21 arriving late change nothing.
  ExecReport ex;
  EXPECT_EQ(Reply(R"({"method":"add_order","req_id":3,"success":true,"result":{"order_id":"OA","cl_ord_id":"hs21"}})", &ex),
            OrderTracker::Outcome::kNone);
  EXPECT_EQ(Exec(R"({"order_id":"OA","cl_ord_id":"hs21","exec_id":"T1","exec_type":"trade","last_qty":0.3,"last_price":30001.0,"cost":9000.3,"cum_qty":0.3,"order_status":"partially_filled","fees":[{"asset":"USD","qty":36.0012}]})", &ex),
            OrderTracker::Outcome::kNone);
  // A second snapshot changes nothing for 22 (already live, told once).
  r.clear();
  ASSERT_EQ(Parse(snap, &m), ParseStatus::kOk);  // m borrowed the parser, which read other frames since
  EXPECT_EQ(tracker_->Reconcile(m, 10, TscNow(), [&](const ExecReport& e) { r.push_back(e); }), 1);
  EXPECT_TRUE(r.empty());
}

TEST_F(KrakenOrders, CumCostIsReadExactlyAndBadNumbersAreRefused) {
  PrivateMsg m;
  ASSERT_EQ(Parse(R"({"channel":"executions","type":"update","data":[{"order_id":"O","exec_type":"trade","cum_cost":132.9995}]})", &m),
            ParseStatus::kOk);
  ASSERT_EQ(m.exec_count, 1);
  EXPECT_TRUE(m.execs[0].has_cum_cost);
  EXPECT_EQ(m.execs[0].cum_cost, ParseDecimal<Amount>("132.9995").value);
  EXPECT_NE(Parse(R"({"channel":"executions","type":"update","data":[{"order_id":"O","exec_type":"trade","cum_cost":"x"}]})", &m),
            ParseStatus::kOk);
  EXPECT_NE(Parse(R"({"channel":"executions","type":"update","data":[{"order_id":"O","exec_type":"trade","cum_cost":1e5}]})", &m),
            ParseStatus::kOk);
}

TEST(KrakenOpenOrders, FindByClientId) {
  OpenOrders oo;
  OpenOrder a;
  std::memcpy(a.order_id, "OAAAAA-11111-AAAAAA", 19);
  a.order_id_len = 19;
  a.ours = true;
  a.client_id = ClientOrderId{77};
  ASSERT_TRUE(oo.Upsert(a));
  OpenOrder b = a;
  b.order_id[1] = 'B';
  b.ours = false;
  ASSERT_TRUE(oo.Upsert(b));
  ASSERT_NE(oo.Find(ClientOrderId{77}), nullptr);
  EXPECT_EQ(oo.Find(ClientOrderId{77})->order_id_view(), "OAAAAA-11111-AAAAAA");
  EXPECT_EQ(oo.Find(ClientOrderId{78}), nullptr);
  oo.Remove("OAAAAA-11111-AAAAAA");
  EXPECT_EQ(oo.Find(ClientOrderId{77}), nullptr);
  EXPECT_EQ(oo.size(), 1);
}

TEST(KrakenRateBudget, KeepsTheVenuesCounterWithRoomForACancel) {
  RateBudget b({/*max_count=*/20, /*decay_milli_per_s=*/1000, /*reserve=*/8});
  const Nanos t0{1'000'000'000'000};
  int accepted = 0;
  while (b.TryAdd(0, t0)) ++accepted;
  EXPECT_EQ(accepted, 12) << "20 - 8 kept for one cancel";
  EXPECT_TRUE(b.TryAdd(1, t0)) << "per pair";
  EXPECT_FALSE(b.TryAdd(0, Nanos{t0.value + 500'000'000})) << "half a count decayed: not enough";
  EXPECT_TRUE(b.TryAdd(0, Nanos{t0.value + 1'000'000'000})) << "one count decayed";
  b.ChargeCancel(0, Nanos{2'000'000'000}, Nanos{t0.value + 1'000'000'000});
  EXPECT_EQ(b.level_milli(0, Nanos{t0.value + 1'000'000'000}), 20'000);
  EXPECT_EQ(RateBudget::CancelCost(Nanos{0}), 8);
  EXPECT_EQ(RateBudget::CancelCost(Nanos{44'000'000'000}), 4);
  EXPECT_EQ(RateBudget::CancelCost(Nanos{400'000'000'000}), 0);
}

// The venue refused an add for its rate limit: the pair's counter goes to the threshold (20),
// so adds are refused until reserve + 1 = 9 counts have decayed (9 s at 1/s); other pairs and
// a counter already above the threshold are left alone.
TEST(KrakenRateBudget, VenueLimitRaisesTheCounterToTheThreshold) {
  RateBudget b({/*max_count=*/20, /*decay_milli_per_s=*/1000, /*reserve=*/8});
  const Nanos t0{1'000'000'000'000};
  ASSERT_TRUE(b.TryAdd(0, t0));
  b.OnVenueLimit(0, t0);
  EXPECT_EQ(b.level_milli(0, t0), 20'000);
  EXPECT_FALSE(b.TryAdd(0, t0));
  EXPECT_TRUE(b.TryAdd(1, t0)) << "per pair";
  EXPECT_FALSE(b.TryAdd(0, Nanos{t0.value + 8'900'000'000})) << "8.9 counts decayed: not enough";
  EXPECT_TRUE(b.TryAdd(0, Nanos{t0.value + 9'000'000'000}));
  // 11 left after the decay, + 1 for the add, + 8 + 8 for two young cancels = 28.
  b.ChargeCancel(0, Nanos{0}, Nanos{t0.value + 9'000'000'000});
  b.ChargeCancel(0, Nanos{0}, Nanos{t0.value + 9'000'000'000});
  b.OnVenueLimit(0, Nanos{t0.value + 9'000'000'000});
  EXPECT_EQ(b.level_milli(0, Nanos{t0.value + 9'000'000'000}), 28'000) << "never lowered";
}

}  // namespace
}  // namespace hs::kraken
