// Coinbase order entry without a network: the request encoder (exact decimals, refusals, the
// HTTP framing), the JWT pool, the reply / user-channel parsers on every shape (malformed input
// counted, never a crash), the tracker's rules (cumulative fills, duplicates, terminal states,
// refusals, disconnects), the HTTP response framer and the rate budget.
#include "venues/coinbase/coinbase_orders.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "tests/support/test_support.h"
#include "venues/common/venue_publisher.h"

namespace hs::coinbase {
namespace {

using json = nlohmann::json;

const std::string kConfig = testing::UnitConfigToml(R"("BTC", "ETH", "USD")", R"([[instruments]]
name = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
[[instruments]]
name = "ETH/USD"
base = "ETH"
quote = "USD"
tick = "0.01"
lot = "0.0001"
[[venues]]
name = "coinbase"
kind = "coinbase"
market_data_url = "wss://advanced-trade-ws.coinbase.com"
order_url = "wss://advanced-trade-ws-user.coinbase.com"
rest_url = "https://api.coinbase.com"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.006"
symbols = { "BTC/USD" = "BTC-USD", "ETH/USD" = "ETH-USD" }
)");

class CoinbaseOrders : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(kConfig, "test");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    symbols_ = venues::SymbolTable(cfg_, cfg_.venues[0]);
    enc_.Reset(&symbols_, "api.coinbase.com");
    publisher_ = std::make_unique<venues::VenuePublisher>(ring_.TakeProducer(), nullptr, &counters_);
    tracker_ = std::make_unique<OrderTracker>(VenueId{0}, &symbols_, publisher_.get(), &counters_);
  }
  OrderIntent Intent(uint64_t id, const char* px, const char* qty, Side side = Side::kBuy,
                     TimeInForce tif = TimeInForce::kIoc) {
    OrderIntent in;
    in.client_id = ClientOrderId{id};
    in.instrument = InstrumentId{0};
    in.side = side;
    in.tif = tif;
    in.limit_px = ParseDecimal<Price>(px).value;
    in.qty = ParseDecimal<Qty>(qty).value;
    return in;
  }
  std::vector<ExecReport> Drain() {
    publisher_->Flush();
    std::vector<ExecReport> out;
    VenueMsg m;
    while (consumer_.TryPop(m))
      if (m.kind == VenueMsg::Kind::kExec) out.push_back(m.exec);
    return out;
  }
  ParseStatus User(const std::string& text, UserMsg* m) {
    buf_ = testing::Padded(text);
    return parser_.ParseUser(buf_.data(), text.size(), m);
  }
  // Feeds one user envelope to the tracker.
  void Push(const std::string& order_fields) {
    UserMsg m;
    ASSERT_EQ(User(R"({"channel":"user","client_id":"","timestamp":"2026-01-01T00:00:00Z","sequence_num":1,)"
                   R"("events":[{"type":"update","orders":[{)" + order_fields + "}]}]}",
                   &m),
              ParseStatus::kOk);
    for (int i = 0; i < m.order_count; ++i) tracker_->OnUserOrder(parser_.orders()[i], TscNow(), WallNow());
  }
  static Amount Amt(const char* s) { return ParseDecimal<Amount>(s).value; }

  config::Config cfg_;
  venues::SymbolTable symbols_;
  OrderEncoder enc_;
  OrderParser parser_;
  std::string buf_;
  VenueRing ring_{1024};
  VenueRing::Consumer consumer_ = ring_.TakeConsumer();
  runtime::VenueCounters counters_;
  std::unique_ptr<venues::VenuePublisher> publisher_;
  std::unique_ptr<OrderTracker> tracker_;
};

TEST_F(CoinbaseOrders, EncodesIocFokAndGtcBodiesAtTheSymbolsDecimals) {
  char buf[1024];
  size_t n = enc_.EncodeBody(Intent(123456789, "60000.5", "0.001"), buf, sizeof buf);
  ASSERT_GT(n, 0u);
  json j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["client_order_id"], "hs123456789");
  EXPECT_EQ(j["product_id"], "BTC-USD");
  EXPECT_EQ(j["side"], "BUY");
  ASSERT_EQ(j["order_configuration"].size(), 1u);
  EXPECT_EQ(j["order_configuration"]["sor_limit_ioc"]["base_size"], "0.00100000");
  EXPECT_EQ(j["order_configuration"]["sor_limit_ioc"]["limit_price"], "60000.50");
  // The documented request's keys (ORDERS.md §2.1) are all there.
  for (const char* k : {"client_order_id", "product_id", "side", "order_configuration"}) EXPECT_TRUE(j.contains(k)) << k;
  OrderIntent s = Intent(7, "2000.01", "1.5", Side::kSell, TimeInForce::kFok);
  s.instrument = InstrumentId{1};
  n = enc_.EncodeBody(s, buf, sizeof buf);
  j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["side"], "SELL");
  EXPECT_EQ(j["product_id"], "ETH-USD");
  EXPECT_EQ(j["order_configuration"]["limit_limit_fok"]["base_size"], "1.5000");
  s.tif = TimeInForce::kGtc;
  n = enc_.EncodeBody(s, buf, sizeof buf);
  j = json::parse(std::string(buf, n));
  EXPECT_EQ(j["order_configuration"]["limit_limit_gtc"]["post_only"], false);
  enc_.set_gtc_post_only(true);
  n = enc_.EncodeBody(s, buf, sizeof buf);
  EXPECT_EQ(json::parse(std::string(buf, n))["order_configuration"]["limit_limit_gtc"]["post_only"], true);
  EXPECT_EQ(enc_.Uri("POST", kOrdersPath), "POST api.coinbase.com/api/v3/brokerage/orders");
}

TEST_F(CoinbaseOrders, RefusesWhatCannotBeRenderedExactly) {
  char buf[1024];
  EXPECT_EQ(enc_.EncodeBody(Intent(1, "60000.005", "0.001"), buf, sizeof buf), 0u) << "off the 0.01 tick";
  OrderIntent eth = Intent(1, "2000.01", "0.00001");
  eth.instrument = InstrumentId{1};
  EXPECT_EQ(enc_.EncodeBody(eth, buf, sizeof buf), 0u) << "off the 0.0001 lot";
  OrderIntent in = Intent(1, "60000", "0.001");
  in.instrument = InstrumentId{40};
  EXPECT_EQ(enc_.EncodeBody(in, buf, sizeof buf), 0u) << "not listed";
  EXPECT_EQ(enc_.EncodeBody(Intent(1, "0", "0.001"), buf, sizeof buf), 0u) << "no price";
  EXPECT_EQ(enc_.EncodeBody(Intent(1, "60000", "0"), buf, sizeof buf), 0u) << "no size";
  EXPECT_EQ(enc_.EncodeBody(Intent(1, "60000", "0.001"), buf, 100), 0u) << "no room";
  EXPECT_EQ(enc_.EncodeOrder(Intent(1, "60000", "0.001"), "", buf, sizeof buf), 0u) << "no token";
}

TEST_F(CoinbaseOrders, FramesAWholeHttpRequestWithTheBearerToken) {
  char buf[2048];
  const size_t n = enc_.EncodeOrder(Intent(42, "60000", "0.001"), "aaa.bbb.ccc", buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const std::string req(buf, n);
  const size_t head_end = req.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(req.rfind("POST /api/v3/brokerage/orders HTTP/1.1\r\nHost: api.coinbase.com\r\n", 0), 0u);
  EXPECT_NE(req.find("\r\nAuthorization: Bearer aaa.bbb.ccc\r\n"), std::string::npos);
  const std::string body = req.substr(head_end + 4);
  EXPECT_NE(req.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
  EXPECT_EQ(json::parse(body)["client_order_id"], "hs42");
  const std::string_view ids[] = {"id-1", "id-2"};
  const size_t c = enc_.EncodeBatchCancel(ids, 2, "t.t.t", buf, sizeof buf);
  ASSERT_GT(c, 0u);
  const std::string creq(buf, c);
  EXPECT_EQ(creq.rfind("POST /api/v3/brokerage/orders/batch_cancel HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(json::parse(creq.substr(creq.find("\r\n\r\n") + 4))["order_ids"], json::array({"id-1", "id-2"}));
  const std::string_view bad[] = {"a\"b"};
  EXPECT_EQ(enc_.EncodeBatchCancel(bad, 1, "t", buf, sizeof buf), 0u) << "an id that needs escaping";
}

TEST_F(CoinbaseOrders, ClientIdsRoundTrip) {
  ClientOrderId id;
  ASSERT_TRUE(ParseClientId("hs18446744073709551615", &id));
  EXPECT_EQ(id.value, 18446744073709551615ull);
  EXPECT_FALSE(ParseClientId("hs18446744073709551616", &id)) << "overflow";
  EXPECT_FALSE(ParseClientId("hs", &id));
  EXPECT_FALSE(ParseClientId("xx12", &id));
  EXPECT_FALSE(ParseClientId("hs1a", &id));
  EXPECT_FALSE(ParseClientId("0000-00000-000000", &id));
}

TEST_F(CoinbaseOrders, ParsesCreateRepliesSuccessAndFailure) {
  // ORDERS.md §2.1's documented success shape.
  std::string ok = R"({"success":true,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"11111-00000-000000",)"
                   R"("success_response":{"order_id":"11111-00000-000000","product_id":"BTC-USD","side":"BUY","client_order_id":"0000-00000-000000"},)"
                   R"("order_configuration":{"limit_limit_gtc":{"base_size":"0.01","limit_price":"50000.00"}}})";
  std::string b = testing::Padded(ok);
  CreateReply r;
  ASSERT_EQ(parser_.ParseCreate(b.data(), ok.size(), &r), ParseStatus::kOk);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.order_id, "11111-00000-000000");
  EXPECT_EQ(r.client_order_id, "0000-00000-000000");
  const std::string fail = R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"",)"
                           R"("error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient balance in source account",)"
                           R"("error_details":"","preview_failure_reason":"PREVIEW_INSUFFICIENT_FUND"}})";
  b = testing::Padded(fail);
  ASSERT_EQ(parser_.ParseCreate(b.data(), fail.size(), &r), ParseStatus::kOk);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.failure_reason, "INSUFFICIENT_FUND");
  EXPECT_EQ(FailureCode(r.failure_reason), 7);
  EXPECT_STREQ(FailureName(7), "INSUFFICIENT_FUND");
  EXPECT_EQ(FailureCode("SOMETHING_NEW"), 0);
  // Malformed: not JSON, no success, success without an order id, a wrong type.
  for (const std::string& bad : {std::string("{\"success\":tru"), std::string("[]"), std::string(R"({"order_id":"x"})"),
                                std::string(R"({"success":true})"), std::string(R"({"success":"yes"})"),
                                std::string("\x01\x02garbage")}) {
    b = testing::Padded(bad);
    EXPECT_NE(parser_.ParseCreate(b.data(), bad.size(), &r), ParseStatus::kOk) << bad;
  }
}

TEST_F(CoinbaseOrders, ParsesBatchCancelResults) {
  const std::string t = R"({"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":"a"},)"
                        R"({"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER","order_id":"b"}]})";
  std::string b = testing::Padded(t);
  CancelResult res[4];
  int n = 0;
  ASSERT_EQ(parser_.ParseBatchCancel(b.data(), t.size(), res, 4, &n), ParseStatus::kOk);
  ASSERT_EQ(n, 2);
  EXPECT_TRUE(res[0].success) << "a success row still carries the filler reason";
  EXPECT_EQ(res[1].failure_reason, "UNKNOWN_CANCEL_ORDER");
  EXPECT_EQ(parser_.ParseBatchCancel(b.data(), t.size(), res, 1, &n), ParseStatus::kTooManyLevels);
  const std::string bad = R"({"results":{}})";
  b = testing::Padded(bad);
  EXPECT_EQ(parser_.ParseBatchCancel(b.data(), bad.size(), res, 4, &n), ParseStatus::kBadField);
}

TEST_F(CoinbaseOrders, ParsesUserChannelShapes) {
  UserMsg m;
  // An update with the documented order fields (all strings), avg_price empty before fills.
  ASSERT_EQ(User(R"({"channel":"user","client_id":"","timestamp":"2023-02-09T20:33:57.609931463Z","sequence_num":3,)"
                 R"("events":[{"type":"snapshot","orders":[{"order_id":"o-1","client_order_id":"hs5","cumulative_quantity":"0",)"
                 R"("leaves_quantity":"0.5","avg_price":"","total_fees":"0","status":"OPEN","product_id":"BTC-USD",)"
                 R"("creation_time":"2022-12-07T19:42:18.719312Z","order_side":"BUY","order_type":"Limit",)"
                 R"("time_in_force":"GOOD_UNTIL_CANCELLED","cancel_reason":"","reject_reason":"",)"
                 R"("total_value_after_fees":"0","trigger_status":"INVALID_ORDER_TYPE"}],"positions":{}}]})",
                 &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, UserKind::kUser);
  EXPECT_EQ(m.sequence_num, 3u);
  ASSERT_EQ(m.order_count, 1);
  const UserOrder& o = parser_.orders()[0];
  EXPECT_EQ(o.order_id, "o-1");
  EXPECT_EQ(o.client_order_id, "hs5");
  EXPECT_EQ(o.status, UserStatus::kOpen);
  EXPECT_TRUE(o.avg_price.is_zero());
  EXPECT_EQ(o.leaves_quantity, ParseDecimal<Qty>("0.5").value);
  EXPECT_FALSE(o.sell);
  // Snapshot with no orders, subscriptions, heartbeats, error.
  ASSERT_EQ(User(R"({"channel":"user","client_id":"","timestamp":"t","sequence_num":0,"events":[{"type":"snapshot","orders":[]}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.order_count, 0);
  ASSERT_EQ(User(R"({"channel":"subscriptions","client_id":"","timestamp":"t","sequence_num":1,"events":[{"subscriptions":{"user":["user"]}}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, UserKind::kSubscriptions);
  ASSERT_EQ(User(R"({"channel":"heartbeats","client_id":"","timestamp":"t","sequence_num":2,"events":[{"current_time":"x","heartbeat_counter":3}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, UserKind::kHeartbeats);
  ASSERT_EQ(User(R"({"type":"error","message":"authentication failure"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, UserKind::kError);
  EXPECT_EQ(m.message, "authentication failure");
  // Malformed: clear statuses, never a crash.
  EXPECT_EQ(User("not json", &m), ParseStatus::kBadJson);
  EXPECT_EQ(User(R"({"events":[]})", &m), ParseStatus::kUnknown);
  EXPECT_EQ(User(R"({"channel":"user","events":[{"orders":[{"client_order_id":"hs1","status":"OPEN"}]}]})", &m),
            ParseStatus::kMissingField);
  EXPECT_EQ(User(R"({"channel":"user","events":[{"orders":[{"order_id":"x","status":"OPEN","cumulative_quantity":"1.2.3"}]}]})", &m),
            ParseStatus::kBadNumber);
  EXPECT_EQ(User(R"({"channel":"user","events":[{"orders":{}}]})", &m), ParseStatus::kBadField);
  EXPECT_EQ(User(R"({"channel":"user","events":[{"orders":[{"order_id":"x","status":"OPEN","cumulative_quantity":"-1"}]}]})", &m),
            ParseStatus::kBadNumber);
  std::string many = R"({"channel":"user","events":[{"orders":[)";
  for (int i = 0; i <= kMaxUserOrders; ++i)
    many += std::string(i ? "," : "") + R"({"order_id":"x","status":"OPEN","cumulative_quantity":"0"})";
  EXPECT_EQ(User(many + "]}]}", &m), ParseStatus::kTooManyLevels);
}

TEST_F(CoinbaseOrders, CumulativeUpdatesBecomeFillsOnceAndTerminalStatesClose) {
  tracker_->Track(Intent(9, "30010", "0.3"), TscNow());
  CreateReply ok;
  ok.success = true;
  ok.order_id = "abcdef01-2345-4678-8000-000000000009";
  tracker_->OnCreateReply(ClientOrderId{9}, 200, &ok, TscNow(), WallNow());
  auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kAck);
  EXPECT_EQ(r[0].venue_order_id, 0xabcdef0123454678ull);
  EXPECT_EQ(tracker_->VenueOrderId(ClientOrderId{9}), ok.order_id);
  // 0.1 at 30000 (fee 18), then 0.1 more at 30010 (cumulative fee 36.006): two fills.
  const std::string id = R"("order_id":"abcdef01-2345-4678-8000-000000000009","client_order_id":"hs9","order_side":"BUY",)";
  Push(id + R"("status":"OPEN","cumulative_quantity":"0.1","avg_price":"30000","total_fees":"18","total_value_after_fees":"3018")");
  Push(id + R"("status":"OPEN","cumulative_quantity":"0.1","avg_price":"30000","total_fees":"18","total_value_after_fees":"3018")");
  Push(id + R"("status":"OPEN","cumulative_quantity":"0.2","avg_price":"30005","total_fees":"36.006","total_value_after_fees":"6037.006")");
  r = Drain();
  ASSERT_EQ(r.size(), 2u) << "the repeated update is no fill";
  EXPECT_EQ(r[0].kind, ExecKind::kFill);
  EXPECT_EQ(r[0].fill_qty, ParseDecimal<Qty>("0.1").value);
  EXPECT_EQ(r[0].fill_quote, Amt("3000"));
  EXPECT_EQ(r[0].fill_px, ParseDecimal<Price>("30000").value);
  EXPECT_EQ(r[0].fee, Amt("18"));
  EXPECT_EQ(r[0].fee_asset, symbols_.FindAsset("USD"));
  EXPECT_FALSE(r[0].final);
  EXPECT_EQ(r[1].fill_quote, Amt("3001"));
  EXPECT_EQ(r[1].fill_px, ParseDecimal<Price>("30010").value);
  EXPECT_EQ(r[1].fee, Amt("18.006"));
  EXPECT_EQ(r[1].cum_qty, ParseDecimal<Qty>("0.2").value);
  // The IOC remainder expires: no more fill, the order closes canceled.
  Push(id + R"("status":"EXPIRED","cumulative_quantity":"0.2","avg_price":"30005","total_fees":"36.006","total_value_after_fees":"6037.006")");
  r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kCanceled);
  EXPECT_TRUE(r[0].final);
  // A late REST reply or repeat changes nothing.
  tracker_->OnCreateReply(ClientOrderId{9}, 200, &ok, TscNow(), WallNow());
  Push(id + R"("status":"EXPIRED","cumulative_quantity":"0.2","avg_price":"30005","total_fees":"36.006")");
  EXPECT_TRUE(Drain().empty());
  // A sell filled completely in one update: one final fill; quote = value after fees + fees.
  tracker_->Track(Intent(10, "30000", "0.5", Side::kSell), TscNow());
  Push(R"("order_id":"s-10","client_order_id":"hs10","order_side":"SELL","status":"FILLED","cumulative_quantity":"0.5",)"
       R"("avg_price":"30000","total_fees":"90","total_value_after_fees":"14910")");
  r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kFill);
  EXPECT_TRUE(r[0].final);
  EXPECT_EQ(r[0].fill_quote, Amt("15000"));
  // An update for an order we do not track, and one that goes backwards.
  UserMsg m;
  ASSERT_EQ(User(R"({"channel":"user","events":[{"orders":[{"order_id":"z","client_order_id":"other","status":"OPEN","cumulative_quantity":"1"}]}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(tracker_->OnUserOrder(parser_.orders()[0], TscNow(), WallNow()), OrderTracker::Outcome::kUnknownOrder);
  tracker_->Track(Intent(11, "30000", "0.5"), TscNow());
  Push(R"("order_id":"b-11","client_order_id":"hs11","status":"OPEN","cumulative_quantity":"0.2","avg_price":"30000","total_fees":"36")");
  ASSERT_EQ(User(R"({"channel":"user","events":[{"orders":[{"order_id":"b-11","client_order_id":"hs11","status":"OPEN","cumulative_quantity":"0.1"}]}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(tracker_->OnUserOrder(parser_.orders()[0], TscNow(), WallNow()), OrderTracker::Outcome::kAnomaly);
}

TEST_F(CoinbaseOrders, RefusalsUnknownsAndDisconnects) {
  tracker_->Track(Intent(1, "30000", "0.1"), TscNow());
  CreateReply no;
  no.success = false;
  no.failure_reason = "INVALID_LIMIT_PRICE_POST_ONLY";
  tracker_->OnCreateReply(ClientOrderId{1}, 200, &no, TscNow(), WallNow());
  tracker_->Track(Intent(2, "30000", "0.1"), TscNow());
  tracker_->OnCreateReply(ClientOrderId{2}, 429, nullptr, TscNow(), WallNow());
  tracker_->Track(Intent(3, "30000", "0.1"), TscNow());
  tracker_->OnCreateReply(ClientOrderId{3}, 401, nullptr, TscNow(), WallNow());
  tracker_->Track(Intent(4, "30000", "0.1"), TscNow());
  tracker_->OnCreateReply(ClientOrderId{4}, 503, nullptr, TscNow(), WallNow());
  tracker_->Track(Intent(5, "30000", "0.1"), TscNow());
  tracker_->OnCreateLost(ClientOrderId{5}, /*written=*/true, false, WallNow());
  tracker_->Track(Intent(6, "30000", "0.1"), TscNow());
  tracker_->OnCreateLost(ClientOrderId{6}, /*written=*/false, /*halted=*/true, WallNow());
  tracker_->Track(Intent(7, "30000", "0.1"), TscNow());
  tracker_->Track(Intent(8, "30000", "0.1"), TscNow());
  Push(R"("order_id":"f-8","client_order_id":"hs8","status":"FAILED","cumulative_quantity":"0")");
  tracker_->OnDisconnect(WallNow());
  const auto r = Drain();
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].kind, ExecKind::kRejected);
  EXPECT_EQ(r[0].reason, RejectReason::kVenue);
  EXPECT_STREQ(FailureName(r[0].venue_code), "INVALID_LIMIT_PRICE_POST_ONLY");
  EXPECT_EQ(r[1].reason, RejectReason::kRateLimited);
  EXPECT_EQ(r[1].venue_code, 429);
  EXPECT_EQ(r[2].venue_code, 401);
  EXPECT_EQ(r[3].kind, ExecKind::kUnknown) << "5xx: the venue may have taken it";
  EXPECT_EQ(r[4].kind, ExecKind::kUnknown) << "written, then the connection dropped";
  EXPECT_EQ(r[5].kind, ExecKind::kRejected);
  EXPECT_EQ(r[5].reason, RejectReason::kHalted);
  EXPECT_EQ(r[6].client_id.value, 8u);
  EXPECT_EQ(r[6].kind, ExecKind::kRejected) << "FAILED without fills";
  EXPECT_EQ(r[7].client_id.value, 7u);
  EXPECT_EQ(r[7].kind, ExecKind::kUnknown) << "in flight at the disconnect";
  for (const ExecReport& e : r) EXPECT_EQ(e.final, e.kind != ExecKind::kUnknown) << e.client_id.value;
  EXPECT_EQ(tracker_->active(), 3) << "4, 5 and 7 stay in flight, unknown, until a query settles them";
  EXPECT_EQ(tracker_->table().unknown(), 3);
  EXPECT_EQ(counters_.unknown_orders.load(), 3u);
  // Query answers: 4 by its order id (an IOC that filled 0.05 then expired), 5 absent (never
  // taken), 7 resting (live again: kAck).
  OrderInfo four;
  four.order_id = "q-4";
  four.client_order_id = "hs4";
  four.status = "EXPIRED";
  four.filled_size = ParseDecimal<Qty>("0.05").value;
  four.total_fees = Amt("9");
  four.total_value_after_fees = Amt("1509");
  four.has_value_after_fees = true;
  EXPECT_EQ(tracker_->OnQueryAnswer(ClientOrderId{4}, &four, TscNow(), WallNow()), OrderTracker::Outcome::kHandled);
  EXPECT_EQ(tracker_->OnQueryAnswer(ClientOrderId{5}, nullptr, TscNow(), WallNow()), OrderTracker::Outcome::kHandled);
  OrderInfo seven;
  seven.order_id = "q-7";
  seven.client_order_id = "hs7";
  seven.status = "OPEN";
  EXPECT_EQ(tracker_->OnQueryAnswer(ClientOrderId{7}, &seven, TscNow(), WallNow()), OrderTracker::Outcome::kHandled);
  const auto q = Drain();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].kind, ExecKind::kFill) << "the terminal state closes the order with its fill";
  EXPECT_EQ(q[0].fill_qty, ParseDecimal<Qty>("0.05").value);
  EXPECT_EQ(q[0].fill_quote, Amt("1500"));
  EXPECT_EQ(q[0].fee, Amt("9"));
  EXPECT_TRUE(q[0].final);
  EXPECT_EQ(q[1].kind, ExecKind::kRejected);
  EXPECT_EQ(q[1].reason, RejectReason::kNotFound);
  EXPECT_TRUE(q[1].final);
  EXPECT_EQ(q[2].kind, ExecKind::kAck);
  EXPECT_FALSE(q[2].final);
  EXPECT_EQ(tracker_->active(), 1);
  EXPECT_EQ(tracker_->VenueOrderId(ClientOrderId{7}), "q-7");
  EXPECT_EQ(counters_.unknown_resolved.load(), 3u);
  // A late answer or user update for a settled order changes nothing.
  EXPECT_EQ(tracker_->OnQueryAnswer(ClientOrderId{4}, &four, TscNow(), WallNow()), OrderTracker::Outcome::kHandled);
  Push(R"("order_id":"q-4","client_order_id":"hs4","status":"EXPIRED","cumulative_quantity":"0.05","total_fees":"9","total_value_after_fees":"1509")");
  EXPECT_TRUE(Drain().empty());
}

TEST_F(CoinbaseOrders, NoReplyWithinTheAckTimeoutIsUnknown) {
  tracker_->Track(Intent(12, "30000", "0.1"), TscNow(), /*now_ns=*/1'000);
  venues::QueryPolicy p;
  p.ack_timeout_ns = 400'000'000;
  EXPECT_EQ(tracker_->ExpireAcks(400'000'000, p, WallNow()), 0);
  EXPECT_EQ(tracker_->ExpireAcks(400'001'000, p, WallNow()), 1);
  const auto r = Drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::kUnknown);
  EXPECT_FALSE(r[0].final);
  // The late create reply: the core hears kAck and the order id is known, but it stays unknown
  // (fills may have gone by on the user channel): the query by order id settles it.
  CreateReply ok;
  ok.success = true;
  ok.order_id = "late-12";
  tracker_->OnCreateReply(ClientOrderId{12}, 200, &ok, TscNow(), WallNow());
  EXPECT_EQ(Drain().back().kind, ExecKind::kAck);
  EXPECT_EQ(tracker_->table().unknown(), 1);
  EXPECT_EQ(tracker_->VenueOrderId(ClientOrderId{12}), "late-12");
  OrderInfo open;
  open.order_id = "late-12";
  open.status = "OPEN";
  tracker_->OnQueryAnswer(ClientOrderId{12}, &open, TscNow(), WallNow());
  EXPECT_TRUE(Drain().empty()) << "acked already: nothing new";
  EXPECT_EQ(tracker_->table().unknown(), 0);
  EXPECT_EQ(counters_.unknown_resolved.load(), 1u);
}

TEST(CoinbaseOrderQuery, ParsesTheCumulativeNumbersAndRefusesMalformedReplies) {
  auto q = ParseOrderQuery(R"({"order":{"order_id":"o-1","client_order_id":"hs5","status":"FILLED","filled_size":"0.3",)"
                           R"("average_filled_price":"30001","total_fees":"54.0018","total_value_after_fees":"9054.3018"}})");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->filled_size, ParseDecimal<Qty>("0.3").value);
  EXPECT_EQ(q->total_fees, ParseDecimal<Amount>("54.0018").value);
  EXPECT_TRUE(q->has_value_after_fees);
  EXPECT_EQ(q->total_value_after_fees, ParseDecimal<Amount>("9054.3018").value);
  EXPECT_EQ(q->average_filled_price, ParseDecimal<Price>("30001").value);
  EXPECT_FALSE(ParseOrderQuery("not json").ok());
  EXPECT_FALSE(ParseOrderQuery(R"({"orders":[]})").ok());
  EXPECT_FALSE(ParseOrderQuery(R"({"order":{"status":"OPEN"}})").ok()) << "no order_id";
  auto l = ParseOrderList(R"({"orders":[{"order_id":"a","client_order_id":"hs1","status":"OPEN","filled_size":"0"}]})");
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].client_order_id, "hs1");
  EXPECT_FALSE(ParseOrderList(R"({"order":{}})").ok());
}

TEST(CoinbaseHttpFraming, ContentLengthChunkedPipelinedAndMalformed) {
  char body[256];
  const std::string two = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                          "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 3\r\nConnection: close\r\n\r\nabc";
  HttpFrame f = FrameHttpResponse(two.data(), two.size(), body, sizeof body);
  ASSERT_EQ(f.result, HttpFrame::Result::kOk);
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(std::string(body, f.body_len), "{}");
  EXPECT_FALSE(f.close);
  HttpFrame g = FrameHttpResponse(two.data() + f.consumed, two.size() - f.consumed, body, sizeof body);
  ASSERT_EQ(g.result, HttpFrame::Result::kOk);
  EXPECT_EQ(g.status, 429);
  EXPECT_TRUE(g.close);
  EXPECT_EQ(f.consumed + g.consumed, two.size());
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n";
  f = FrameHttpResponse(chunked.data(), chunked.size(), body, sizeof body);
  ASSERT_EQ(f.result, HttpFrame::Result::kOk);
  EXPECT_EQ(std::string(body, f.body_len), "{\"a\":1}");
  EXPECT_EQ(f.consumed, chunked.size());
  // Every prefix needs more, never misframes.
  for (size_t n = 0; n < chunked.size(); ++n)
    EXPECT_EQ(FrameHttpResponse(chunked.data(), n, body, sizeof body).result, HttpFrame::Result::kNeedMore) << n;
  for (const std::string& bad : {std::string("HTTP/1.1 2x0 OK\r\n\r\n"), std::string("SMTP 220\r\n\r\n"),
                                std::string("HTTP/1.1 200 OK\r\n\r\n"),  // no length: cannot frame on keep-alive
                                std::string("HTTP/1.1 200 OK\r\nContent-Length: 9999\r\n\r\n"),  // larger than the buffer
                                std::string("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"),
                                std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")})
    EXPECT_EQ(FrameHttpResponse(bad.data(), bad.size(), body, sizeof body).result, HttpFrame::Result::kBad) << bad;
}

TEST(CoinbaseRateBudget, ThirtyPerSecondWithRoomKeptForCancels) {
  RateBudget b(30);
  int64_t t = 1'000'000'000;
  int orders = 0;
  while (b.TryTake(t, kCancelReserve)) ++orders;
  EXPECT_EQ(orders, 30 - kCancelReserve);
  for (int i = 0; i < kCancelReserve; ++i) EXPECT_TRUE(b.TryTake(t, 0)) << "cancels use the reserve";
  EXPECT_FALSE(b.TryTake(t, 0));
  t += 100'000'000;  // 0.1 s refills 3
  EXPECT_TRUE(b.TryTake(t, 0));
  EXPECT_TRUE(b.TryTake(t, 0));
  EXPECT_TRUE(b.TryTake(t, 0));
  EXPECT_FALSE(b.TryTake(t, 0));
}

// A 429 empties the bucket and holds new orders for the backoff; cancels take tokens as they
// refill; after the backoff orders flow again once the reserve has refilled.
TEST(CoinbaseRateBudget, VenueLimitHoldsOrdersForTheBackoff) {
  RateBudget b(30);
  int64_t t = 1'000'000'000;
  ASSERT_TRUE(b.TryTake(t, kCancelReserve));
  b.OnVenueLimit(t, kVenueLimitBackoffNs);
  EXPECT_TRUE(b.blocked(t));
  EXPECT_FALSE(b.TryTake(t, 0)) << "emptied";
  t += 500'000'000;  // 15 tokens back, still blocked for orders
  EXPECT_FALSE(b.TryTake(t, kCancelReserve));
  EXPECT_TRUE(b.TryTake(t, 0)) << "a cancel may go";
  t = 1'000'000'000 + kVenueLimitBackoffNs;
  EXPECT_FALSE(b.blocked(t));
  EXPECT_TRUE(b.TryTake(t, kCancelReserve));
}

TEST(CoinbaseJwtPool, TokensAreUsedOnceAndStaleOnesAreDropped) {
  std::string priv, pub;
  ASSERT_TRUE(venues::GenerateP256KeyPair(&priv, &pub).ok());
  auto signer = venues::Es256Signer::FromPem(priv);
  ASSERT_TRUE(signer.ok());
  auto verifier = venues::Es256Verifier::FromPublicPem(pub);
  ASSERT_TRUE(verifier.ok());
  JwtPool pool;
  pool.Reset(signer->get(), "organizations/o/apiKeys/k", "POST api.coinbase.com/api/v3/brokerage/orders");
  EXPECT_EQ(pool.Refill(1000, 3), 3);
  char a[kMaxJwtBytes], b[kMaxJwtBytes];
  const size_t na = pool.Take(1000, a);
  const size_t nb = pool.Take(1000, b);
  ASSERT_GT(na, 0u);
  ASSERT_GT(nb, 0u);
  EXPECT_NE(std::string(a, na), std::string(b, nb)) << "each request gets its own token";
  auto parts = (*verifier)->Verify(std::string(a, na));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(json::parse(parts->claims_json)["uri"], "POST api.coinbase.com/api/v3/brokerage/orders");
  EXPECT_EQ(pool.size(), 1);
  EXPECT_EQ(pool.Take(1000 + kJwtMaxAgeS + 1, a), 0u) << "too old to send";
  EXPECT_EQ(pool.size(), 0);
  EXPECT_EQ(pool.Refill(2000, 100), kJwtPoolSize) << "bounded";
  EXPECT_EQ(pool.Refill(2000 + kJwtMaxAgeS + 1, 0), 0);
  EXPECT_EQ(pool.size(), 0) << "stale tokens are dropped on refill";
}

}  // namespace
}  // namespace hs::coinbase
