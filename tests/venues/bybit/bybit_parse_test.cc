// Bybit v5 parser against every sample in tests/fixtures/venues/bybit (exact raw integers) and
// against malformed input (each a ParseStatus, never a crash). The files orderbook_*,
// subscribe_request, auth_*, order_create_request/response come from the venue documentation;
// private_*, public_*, wallet_balance_rest and order_create_response_error were constructed
// from the documented field lists.
#include "venues/bybit/bybit_parse.h"

#include <gtest/gtest.h>

#include "core/base/decimal.h"
#include "tests/support/test_support.h"

namespace hs::bybit {
namespace {

using testing::Padded;
using testing::VenueFixture;

// Results borrow the frame: keep the last one alive until the next parse.
std::string& Frame() {
  static std::string buf;
  return buf;
}
ParseStatus Market(Parser& p, const std::string& text, MarketFrame* f) {
  Frame() = Padded(text);
  return p.ParseMarket(Frame().data(), text.size(), f);
}
ParseStatus Account(Parser& p, const std::string& text, AccountMsg* m) {
  Frame() = Padded(text);
  return p.ParseAccount(Frame().data(), text.size(), m);
}
ParseStatus MarketStatus(const std::string& text) {
  Parser p(1 << 16);
  MarketFrame f;
  return Market(p, text, &f);
}
ParseStatus AccountStatus(const std::string& text) {
  Parser p(1 << 16);
  AccountMsg m;
  return Account(p, text, &m);
}
std::string Dec(int64_t raw, int scale) {
  char b[kMaxDecimalText];
  FormatDecimal(raw, scale, b);
  return b;
}

TEST(BybitParse, SnapshotSampleExactRaws) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, VenueFixture("bybit/orderbook_snapshot.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kBookSnapshot);
  EXPECT_EQ(f.symbol, "BTCUSDT");
  EXPECT_EQ(f.topic_depth, 50);
  EXPECT_EQ(f.update_id, 18521288u);
  EXPECT_EQ(f.cross_seq, 7961638724u) << "seq exceeds int32";
  EXPECT_EQ(f.ts_ms, 1672304484978);
  EXPECT_EQ(f.cts_ms, 1672304484976);
  ASSERT_EQ(f.bid_count, 2);
  ASSERT_EQ(f.ask_count, 2);
  EXPECT_EQ(f.bids[0].px.raw(), 16'493'500'000'000);
  EXPECT_EQ(f.bids[0].qty.raw(), 600'000);
  EXPECT_EQ(f.bids[1].px.raw(), 16'493'000'000'000);
  EXPECT_EQ(f.bids[1].qty.raw(), 10'000'000);
  EXPECT_EQ(f.asks[0].px.raw(), 16'611'000'000'000);
  EXPECT_EQ(f.asks[0].qty.raw(), 2'900'000);
  EXPECT_EQ(f.asks[1].px.raw(), 16'612'000'000'000);
  EXPECT_EQ(f.asks[1].qty.raw(), 21'300'000);
  EXPECT_EQ(f.bids[0].px_text, "16493.50") << "wire text kept";
  EXPECT_EQ(f.asks[1].qty_text, "0.213");
}

TEST(BybitParse, DeltaSampleExactRaws) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, VenueFixture("bybit/orderbook_delta.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kBookDelta);
  EXPECT_EQ(f.symbol, "BTCUSDT");
  EXPECT_EQ(f.update_id, 177400507u);
  EXPECT_EQ(f.cross_seq, 66544703342u) << "seq exceeds int32: 64-bit";
  EXPECT_EQ(f.ts_ms, 1687940967466);
  EXPECT_EQ(f.cts_ms, 1687940967464);
  ASSERT_EQ(f.bid_count, 5);
  ASSERT_EQ(f.ask_count, 7);
  EXPECT_EQ(f.bids[0].px.raw(), 30'247'200'000'000);
  EXPECT_EQ(f.bids[0].qty.raw(), 3'002'800'000);
  EXPECT_EQ(f.bids[4].px.raw(), 30'240'000'000'000);
  EXPECT_TRUE(f.bids[4].qty.is_zero()) << "size \"0\" deletes the level";
  EXPECT_TRUE(f.asks[0].qty.is_zero());
  EXPECT_EQ(f.asks[6].px.raw(), 30'252'500'000'000);
  EXPECT_EQ(f.asks[6].qty.raw(), 459'100'000);
  // Every decimal round-trips to the same value text.
  EXPECT_EQ(Dec(f.bids[1].px.raw(), Price::kDecimals), "30245.4");
  EXPECT_EQ(Dec(f.asks[5].qty.raw(), Qty::kDecimals), "0.659");
}

TEST(BybitParse, RequestsAndRepliesOnThePublicStream) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, VenueFixture("bybit/public_pong.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kPong);
  ASSERT_EQ(Market(p, VenueFixture("bybit/public_subscribe_ack.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kSubscribeReply);
  EXPECT_TRUE(f.success);
  EXPECT_EQ(f.req_id, "10001");
  ASSERT_EQ(Market(p, R"({"success":false,"ret_msg":"error:already subscribed,topic:orderbook.50.BTCUSDT","conn_id":"x","req_id":"s0","op":"subscribe"})", &f),
            ParseStatus::kOk);
  EXPECT_FALSE(f.success);
  EXPECT_EQ(f.req_id, "s0");
  ASSERT_EQ(Market(p, R"({"success":true,"ret_msg":"","conn_id":"x","req_id":"u3","op":"unsubscribe"})", &f), ParseStatus::kOk);
  EXPECT_TRUE(f.unsubscribe);
  // Our own request is not something the venue sends.
  EXPECT_EQ(Market(p, VenueFixture("bybit/subscribe_request.json"), &f), ParseStatus::kUnknown);
}

TEST(BybitParse, KeysInAnyOrder) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, R"({"cts":5,"data":{"seq":9,"u":7,"a":[["2.5","1"]],"b":[["2.0","3"]],"s":"ETHUSDT"},"type":"delta","ts":6,"topic":"orderbook.200.ETHUSDT"})", &f),
            ParseStatus::kOk);
  EXPECT_EQ(f.kind, MarketKind::kBookDelta);
  EXPECT_EQ(f.topic_depth, 200);
  EXPECT_EQ(f.update_id, 7u);
  EXPECT_EQ(f.cross_seq, 9u);
  EXPECT_EQ(f.ts_ms, 6);
  EXPECT_EQ(f.bids[0].px.raw(), 2'000'000'000);
  EXPECT_EQ(f.asks[0].qty.raw(), 100'000'000);
}

TEST(BybitParse, MalformedMarketInputs) {
  const std::string good =
      R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":{"s":"BTCUSDT","b":[["1.0","1"]],"a":[["2.0","1"]],"u":5,"seq":6},"cts":1})";
  ASSERT_EQ(MarketStatus(good), ParseStatus::kOk);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  // Missing fields.
  EXPECT_EQ(MarketStatus(with(R"(,"u":5)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(MarketStatus(with(R"("s":"BTCUSDT",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(MarketStatus(with(R"("a":[["2.0","1"]],)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(MarketStatus(with(R"("type":"delta",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["1.0"])")), ParseStatus::kMissingField);
  // Non-numeric, negative, too precise or overflowing decimals.
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["abc","1"])")), ParseStatus::kBadNumber);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["1.0","-1"])")), ParseStatus::kBadNumber);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["1.0000000001","1"])")), ParseStatus::kBadNumber);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["99999999999999999999","1"])")), ParseStatus::kBadNumber);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"(["1e5","1"])")), ParseStatus::kBadNumber);
  // Wrong types.
  EXPECT_EQ(MarketStatus(with(R"("u":5)", R"("u":"5")")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("u":5)", R"("u":-5)")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("ts":1)", R"("ts":"1")")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("b":[["1.0","1"]])", R"("b":"x")")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"(["1.0","1"])", R"([1.0,"1"])")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("s":"BTCUSDT")", R"("s":7)")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("type":"delta")", R"("type":"diff")")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("type":"delta")", R"("type":1)")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(with(R"("s":"BTCUSDT")", R"("s":"ETHUSDT")")), ParseStatus::kBadField) << "symbol disagrees with topic";
  EXPECT_EQ(MarketStatus(with("orderbook.50.", "orderbook.x.")), ParseStatus::kBadField);
  EXPECT_EQ(MarketStatus(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":[1]})"), ParseStatus::kBadField);
  // Not JSON at all.
  EXPECT_EQ(MarketStatus(good.substr(0, good.size() / 2)), ParseStatus::kBadJson) << "truncated";
  EXPECT_EQ(MarketStatus(std::string("\x00\xff\x13\x37\x7f\x80\xc0\xff\xee", 9)), ParseStatus::kBadJson);
  EXPECT_EQ(MarketStatus(""), ParseStatus::kBadJson);
  EXPECT_EQ(MarketStatus("[1,2,3]"), ParseStatus::kBadJson);
  EXPECT_EQ(MarketStatus(with(R"(]],"u")", R"(]]],"u")")), ParseStatus::kBadJson);
  // Valid JSON we do not read.
  EXPECT_EQ(MarketStatus(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50"}]})"),
            ParseStatus::kUnknown);
  EXPECT_EQ(MarketStatus(R"({"data":[{"T":1}],"topic":"publicTrade.BTCUSDT"})"), ParseStatus::kUnknown)
      << "data before an unknown topic";
  EXPECT_EQ(MarketStatus(R"({"hello":"world"})"), ParseStatus::kUnknown);
}

TEST(BybitParse, TooManyLevelsIsAStatus) {
  std::string b = "[";
  for (int i = 0; i < Parser::kMaxLevels + 1; ++i) b += std::string(i ? "," : "") + "[\"" + std::to_string(i + 1) + "\",\"1\"]";
  b += "]";
  EXPECT_EQ(MarketStatus(R"({"topic":"orderbook.1000.X","type":"snapshot","data":{"s":"X","b":)" + b + R"(,"a":[],"u":1}})"),
            ParseStatus::kTooManyLevels);
}

TEST(BybitParse, TradeSessionReplies) {
  Parser p;
  AccountMsg m;
  ASSERT_EQ(Account(p, VenueFixture("bybit/auth_response.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kAuthReply);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.ret_code, 0);
  ASSERT_EQ(Account(p, VenueFixture("bybit/order_create_response.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kOrderReply);
  EXPECT_EQ(m.req_id, "test-005");
  EXPECT_EQ(m.ret_code, 0);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.order_id, "a4c1718e-fe53-4659-a118-1f6ecce04ad9");
  EXPECT_EQ(m.order_link_id, "");
  ASSERT_EQ(Account(p, VenueFixture("bybit/order_create_response_error.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kOrderReply);
  EXPECT_EQ(m.req_id, "hs42");
  EXPECT_EQ(m.ret_code, 170131);
  EXPECT_FALSE(m.success);
  EXPECT_EQ(m.ret_msg, "Insufficient balance.");
  ASSERT_EQ(Account(p, R"({"retCode":0,"retMsg":"OK","op":"pong","data":["1711001595000"],"connId":"c"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kPong);
  ASSERT_EQ(Account(p, R"({"retCode":10004,"retMsg":"Signature Error","op":"auth","connId":"c"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kAuthReply);
  EXPECT_FALSE(m.success);
  // Requests are not replies.
  EXPECT_EQ(Account(p, VenueFixture("bybit/auth_request.json"), &m), ParseStatus::kUnknown);
  EXPECT_EQ(Account(p, VenueFixture("bybit/order_create_request.json"), &m), ParseStatus::kUnknown);
}

TEST(BybitParse, PrivateStreamPushes) {
  Parser p;
  AccountMsg m;
  ASSERT_EQ(Account(p, VenueFixture("bybit/private_execution.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kExecution);
  ASSERT_EQ(m.execution_count, 2);
  const Execution& e = m.executions[0];
  EXPECT_EQ(e.order_link_id, "hs1801234567890123");
  EXPECT_EQ(e.order_id, "1321003749386327552");
  EXPECT_EQ(e.symbol, "BTCUSDT");
  EXPECT_EQ(e.side, "Buy");
  EXPECT_EQ(e.exec_price.raw(), 30'000'100'000'000);
  EXPECT_EQ(e.exec_qty.raw(), 750'000);
  EXPECT_EQ(e.exec_fee.raw(), 7'500);  // 0.0000075 at 10^-9
  EXPECT_EQ(e.fee_currency, "BTC");
  EXPECT_TRUE(e.has_leaves_qty);
  EXPECT_EQ(e.leaves_qty.raw(), 250'000);
  EXPECT_EQ(e.exec_time_ms, 1672364174443);
  EXPECT_EQ(m.executions[1].exec_qty.raw(), 250'000);
  EXPECT_TRUE(m.executions[1].leaves_qty.is_zero());

  ASSERT_EQ(Account(p, VenueFixture("bybit/private_order.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kOrder);
  ASSERT_EQ(m.order_count, 1);
  EXPECT_EQ(m.orders[0].order_link_id, "hs1801234567890123");
  EXPECT_EQ(m.orders[0].status, OrderStatus::kFilled);
  EXPECT_EQ(m.orders[0].cum_exec_qty.raw(), 1'000'000);
  EXPECT_EQ(m.orders[0].updated_time_ms, 1672364262457);

  ASSERT_EQ(Account(p, VenueFixture("bybit/private_wallet.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kWallet);
  ASSERT_EQ(m.coin_count, 2);
  EXPECT_EQ(m.coins[0].coin, "BTC");
  EXPECT_EQ(m.coins[0].wallet_balance.raw(), 1'029'640);
  EXPECT_FALSE(m.coins[0].has_free);
  EXPECT_EQ(m.coins[1].coin, "USDT");
  EXPECT_EQ(m.coins[1].wallet_balance.raw(), 9'647'755'376'470);
  EXPECT_EQ(m.coins[1].locked.raw(), 128'624'376'470);

  ASSERT_EQ(Account(p, VenueFixture("bybit/wallet_balance_rest.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kWallet);
  EXPECT_EQ(m.ret_code, 0);
  ASSERT_EQ(m.coin_count, 1);
  EXPECT_EQ(m.coins[0].coin, "BTC");
  EXPECT_TRUE(m.coins[0].wallet_balance.is_zero());

  ASSERT_EQ(Account(p, VenueFixture("bybit/private_pong.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kPong);
  ASSERT_EQ(Account(p, R"({"success":true,"ret_msg":"","op":"auth","conn_id":"c"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kAuthReply);
  EXPECT_TRUE(m.success);
  ASSERT_EQ(Account(p, R"({"success":true,"ret_msg":"","op":"subscribe","conn_id":"c","req_id":"priv"})", &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, AccountKind::kSubscribeReply);
}

TEST(BybitParse, MalformedAccountInputs) {
  const std::string exec =
      R"({"topic":"execution","data":[{"orderLinkId":"hs1","symbol":"BTCUSDT","side":"Buy","execQty":"1","execPrice":"2","execFee":"0.1","feeCurrency":"BTC"}]})";
  ASSERT_EQ(AccountStatus(exec), ParseStatus::kOk);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = exec;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_EQ(AccountStatus(with(R"("execPrice":"2",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(with(R"("orderLinkId":"hs1",)", "")), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(with(R"("execPrice":"2")", R"("execPrice":"x")")), ParseStatus::kBadNumber);
  EXPECT_EQ(AccountStatus(with(R"("execQty":"1")", R"("execQty":1)")), ParseStatus::kBadField);
  EXPECT_EQ(AccountStatus(with(R"("execFee":"0.1")", R"("execFee":"0.1.2")")), ParseStatus::kBadNumber);
  EXPECT_EQ(AccountStatus(with(R"({"orderLinkId")", R"(7,{"orderLinkId")")), ParseStatus::kBadField) << "a non-object item";
  EXPECT_EQ(AccountStatus(with(R"("topic":"execution")", R"("topic":"order")")), ParseStatus::kBadField)
      << "an execution under the order topic";
  EXPECT_EQ(AccountStatus(R"({"topic":"order","data":[{"orderLinkId":"hs1","orderStatus":"Filled"}]})"), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(R"({"topic":"wallet","data":[{"coin":[{"walletBalance":"1"}]}]})"), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(R"({"topic":"wallet","data":[{"coin":[{"coin":"BTC","walletBalance":"1x"}]}]})"), ParseStatus::kBadNumber);
  EXPECT_EQ(AccountStatus(R"({"topic":"wallet"})"), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(R"({"reqId":"hs1","op":"order.create","retCode":"0"})"), ParseStatus::kBadField);
  EXPECT_EQ(AccountStatus(R"({"reqId":"hs1","op":"order.create","success":true})"), ParseStatus::kMissingField);
  EXPECT_EQ(AccountStatus(exec.substr(0, 40)), ParseStatus::kBadJson);
  EXPECT_EQ(AccountStatus(std::string("\xde\xad\xbe\xef\x00\x01", 6)), ParseStatus::kBadJson);
  EXPECT_EQ(AccountStatus(R"({"topic":"greeks","data":[]})"), ParseStatus::kUnknown);
  // Negative balances (borrowing) and rebates are allowed where the venue sends them.
  Parser p(1 << 16);
  AccountMsg m;
  ASSERT_EQ(Account(p, R"({"topic":"wallet","data":[{"coin":[{"coin":"USDT","walletBalance":"-1.5","free":""}]}]})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.coins[0].wallet_balance.raw(), -1'500'000'000);
  EXPECT_FALSE(m.coins[0].has_free) << "an empty string is an absent value";
}

TEST(BybitParse, OrderbookTopic) {
  int d = 0;
  std::string_view s;
  EXPECT_TRUE(ParseOrderbookTopic("orderbook.50.BTCUSDT", &d, &s));
  EXPECT_EQ(d, 50);
  EXPECT_EQ(s, "BTCUSDT");
  EXPECT_TRUE(ParseOrderbookTopic("orderbook.1000.ETHUSDT", &d, &s));
  EXPECT_EQ(d, 1000);
  EXPECT_FALSE(ParseOrderbookTopic("orderbook.50.", &d, &s));
  EXPECT_FALSE(ParseOrderbookTopic("orderbook..BTCUSDT", &d, &s));
  EXPECT_FALSE(ParseOrderbookTopic("orderbook.0.BTCUSDT", &d, &s));
  EXPECT_FALSE(ParseOrderbookTopic("orderbook.123456.BTCUSDT", &d, &s));
  EXPECT_FALSE(ParseOrderbookTopic("tickers.BTCUSDT", &d, &s));
}

}  // namespace
}  // namespace hs::bybit
