#include "venues/binance/binance_parse.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/base/decimal.h"
#include "tests/support/test_support.h"

namespace hs::binance {
namespace {

using testing::Padded;
using testing::VenueFixture;

ParseStatus Market(Parser& p, const std::string& text, MarketFrame* f) {
  const std::string buf = Padded(text);
  return p.ParseMarket(buf.data(), text.size(), f);
}

std::string Fixed8(int64_t raw, int scale) {
  char b[kMaxDecimalText];
  FormatDecimalFixed(raw, scale, 8, b);
  return b;
}

TEST(BinanceParse, BookTickerSampleExactRaws) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, VenueFixture("binance/bookTicker.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kBookTicker);
  EXPECT_EQ(f.symbol, "BNBUSDT");
  EXPECT_EQ(f.last_id, 400900217u);
  EXPECT_EQ(f.bid_px.raw(), 25'351'900'000);
  EXPECT_EQ(f.bid_qty.raw(), 3'121'000'000);
  EXPECT_EQ(f.ask_px.raw(), 25'365'200'000);
  EXPECT_EQ(f.ask_qty.raw(), 4'066'000'000);
  // Every decimal field round-trips to the same text.
  EXPECT_EQ(Fixed8(f.bid_px.raw(), 9), "25.35190000");
  EXPECT_EQ(Fixed8(f.bid_qty.raw(), 8), "31.21000000");
  EXPECT_EQ(Fixed8(f.ask_px.raw(), 9), "25.36520000");
  EXPECT_EQ(Fixed8(f.ask_qty.raw(), 8), "40.66000000");
}

TEST(BinanceParse, RecordedCombinedStream) {
  Parser p;
  std::istringstream in(VenueFixture("binance/combined_stream_recorded.jsonl"));
  std::string line;
  std::vector<MarketFrame> frames;
  while (std::getline(in, line)) {
    MarketFrame f;
    ASSERT_EQ(Market(p, line, &f), ParseStatus::kOk) << line;
    // Copy out what the next parse would overwrite.
    frames.push_back(f);
    if (frames.size() == 1) {
      EXPECT_EQ(f.kind, FrameKind::kDepthUpdate);
      EXPECT_EQ(f.symbol, "FTMUSDT");
      EXPECT_EQ(f.first_id, 800360963u);
      EXPECT_EQ(f.last_id, 800360968u);
      EXPECT_EQ(f.event_time_ms, 1628952395768);
      ASSERT_EQ(f.bid_count, 4);
      ASSERT_EQ(f.ask_count, 2);
      EXPECT_EQ(f.bids[0].px.raw(), 339'880'000);
      EXPECT_EQ(f.bids[0].qty.raw(), 150'000'000'000);
      EXPECT_TRUE(f.bids[2].qty.is_zero()) << "\"0.00000000\" deletes the level";
      EXPECT_TRUE(f.asks[0].qty.is_zero());
    }
    if (frames.size() == 2) {
      EXPECT_EQ(f.first_id, 800360969u) << "ids chain: U = previous u + 1";
      EXPECT_EQ(f.bid_count, 0);
      EXPECT_EQ(f.ask_count, 2);
    }
    if (frames.size() == 3) {
      EXPECT_EQ(f.kind, FrameKind::kBookTicker);
      EXPECT_EQ(f.last_id, 800360982u);
      EXPECT_EQ(f.ask_qty.raw(), 70'300'000'000);
    }
  }
  EXPECT_EQ(frames.size(), 3u);
}

TEST(BinanceParse, DepthAndSnapshots) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, VenueFixture("binance/depthUpdate.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kDepthUpdate);
  EXPECT_EQ(f.symbol, "BNBBTC");
  EXPECT_EQ(f.first_id, 157u);
  EXPECT_EQ(f.last_id, 160u);
  ASSERT_EQ(f.bid_count, 1);
  EXPECT_EQ(f.bids[0].px.raw(), 2'400'000);
  EXPECT_EQ(f.bids[0].qty.raw(), 1'000'000'000);
  ASSERT_EQ(Market(p, VenueFixture("binance/depth_snapshot_rest.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kDepthSnapshot);
  EXPECT_EQ(f.last_id, 1027024u);
  ASSERT_EQ(f.ask_count, 1);
  EXPECT_EQ(f.asks[0].px.raw(), 4'000'002'000);
  ASSERT_EQ(Market(p, VenueFixture("binance/partial_depth.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kDepthSnapshot);
  EXPECT_EQ(f.last_id, 160u);
  ASSERT_EQ(Market(p, VenueFixture("binance/subscribe_response.json"), &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kSubscribeReply);
}

TEST(BinanceParse, KeyOrderDoesNotMatter) {
  Parser p;
  MarketFrame f;
  ASSERT_EQ(Market(p, R"({"A":"2","a":"101.5","B":"1","b":"100.25","s":"BTCUSDT","u":5})", &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kBookTicker);
  EXPECT_EQ(f.bid_px.raw(), 100'250'000'000);
  EXPECT_EQ(f.ask_qty.raw(), 200'000'000);
  ASSERT_EQ(Market(p, R"({"data":{"u":7,"s":"X","b":"1","B":"1","a":"2","A":"1"},"stream":"x@bookTicker"})", &f),
            ParseStatus::kOk);
  EXPECT_EQ(f.last_id, 7u);
}

TEST(BinanceParse, MalformedInputIsAnErrorNeverACrash) {
  Parser p;
  MarketFrame f;
  struct Case {
    std::string text;
    ParseStatus expect;
  };
  const Case cases[] = {
      {R"({"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2"})", ParseStatus::kMissingField},         // no A
      {R"({"u":1,"s":"BTCUSDT","b":"abc","B":"1","a":"2","A":"1"})", ParseStatus::kBadNumber},  // non-numeric
      {R"({"u":1,"s":"BTCUSDT","b":"1e5","B":"1","a":"2","A":"1"})", ParseStatus::kBadNumber},
      {R"({"u":1,"s":"BTCUSDT","b":"-1","B":"1","a":"2","A":"1"})", ParseStatus::kBadNumber},
      {R"({"u":1,"s":"BTCUSDT","b":1.5,"B":"1","a":"2","A":"1"})", ParseStatus::kBadField},
      {R"({"u":"1","s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"})", ParseStatus::kBadField},
      {R"({"u":-1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"})", ParseStatus::kBadField},
      {R"({"u":1,"s":"BTCU)", ParseStatus::kBadJson},                                            // truncated
      {"", ParseStatus::kBadJson},
      {"[1,2,3]", ParseStatus::kBadJson},
      {"null", ParseStatus::kBadJson},
      {std::string("\x00\xff\xfe\x13\x37garbage", 12), ParseStatus::kBadJson},                  // binary
      {R"({"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[["1"]],"a":[]})", ParseStatus::kMissingField},
      {R"({"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[["1","x"]],"a":[]})", ParseStatus::kBadNumber},
      {R"({"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":{},"a":[]})", ParseStatus::kBadField},
      {R"({"e":"trade","E":1,"s":"X"})", ParseStatus::kUnknown},
      {R"({"hello":"world"})", ParseStatus::kUnknown},
      {R"({"lastUpdateId":1,"bids":[]})", ParseStatus::kMissingField},
      {R"({"u":1,"s":"X","b":"99999999999999999999","B":"1","a":"2","A":"1"})", ParseStatus::kBadNumber},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Market(p, c.text, &f), c.expect) << c.text;
  }
}

TEST(BinanceParse, OrderReplies) {
  Parser p;
  ApiReply r;
  std::string t = VenueFixture("binance/order_place_response.json");
  std::string b = Padded(t);
  ASSERT_EQ(p.ParseApiReply(b.data(), t.size(), &r), ParseStatus::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_order);
  EXPECT_EQ(r.order_id, 12569099453u);
  EXPECT_EQ(r.client_order_id, "4d96324ff9d44481926157ec08158a40");
  EXPECT_EQ(r.id, "56374a46-3061-486b-a311-99ee972eb648");
  t = VenueFixture("binance/order_place_response_error.json");
  b = Padded(t);
  ASSERT_EQ(p.ParseApiReply(b.data(), t.size(), &r), ParseStatus::kOk);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.has_error);
  EXPECT_EQ(r.error_code, -2010);
  EXPECT_FALSE(r.has_order);
  // A FULL reply with fills sums commissions exactly.
  t = R"({"id":"hs5","status":200,"result":{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"hs5","transactTime":1,
        "executedQty":"0.03000000","cummulativeQuoteQty":"900.30000000","status":"FILLED","fills":[
        {"price":"30000.00","qty":"0.01","commission":"0.00001000","commissionAsset":"BTC","tradeId":1},
        {"price":"30015.00","qty":"0.02","commission":"0.00002000","commissionAsset":"BTC","tradeId":2}]}})";
  b = Padded(t);
  ASSERT_EQ(p.ParseApiReply(b.data(), t.size(), &r), ParseStatus::kOk);
  EXPECT_EQ(r.executed_qty.raw(), 3'000'000);
  EXPECT_EQ(r.cum_quote.raw(), 900'300'000'000);
  EXPECT_EQ(r.commission.raw(), 30'000);
  EXPECT_EQ(r.commission_asset, "BTC");
  EXPECT_EQ(r.fill_count, 2);
  EXPECT_FALSE(r.commission_assets_mixed);
  // Account balances.
  t = R"({"id":"acct-1","status":200,"result":{"balances":[{"asset":"BTC","free":"1.5","locked":"0"},
        {"asset":"USDT","free":"100.25","locked":"1"}]}})";
  b = Padded(t);
  ASSERT_EQ(p.ParseApiReply(b.data(), t.size(), &r), ParseStatus::kOk);
  ASSERT_EQ(r.balance_count, 2);
  EXPECT_EQ(r.balances[1].asset, "USDT");
  EXPECT_EQ(r.balances[1].free.raw(), 100'250'000'000);
  // Malformed replies.
  for (const std::string& bad : {std::string("{\"id\":\"x\"}"), std::string("{\"status\":\"200\"}"), std::string("{\"status\":200,"),
                                std::string("\x01\x02")}) {
    b = Padded(bad);
    EXPECT_NE(p.ParseApiReply(b.data(), bad.size(), &r), ParseStatus::kOk) << bad;
  }
}

// order.status, order.cancel, openOrders.status / cancelAll, myTrades and their errors.
TEST(BinanceParse, QueryCancelListAndTradesReplies) {
  Parser p;
  ApiReply r;
  auto parse = [&](const std::string& t) {
    const std::string b = Padded(t);
    return p.ParseApiReply(b.data(), t.size(), &r);
  };
  // order.status: an object with the cumulative numbers, no fills.
  ASSERT_EQ(parse(R"({"id":"qs7","status":200,"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,
      "clientOrderId":"hs7","price":"30001.00","origQty":"0.20000","executedQty":"0.20000000",
      "cummulativeQuoteQty":"6000.20000000","status":"FILLED","timeInForce":"IOC","type":"LIMIT","side":"BUY",
      "time":1,"updateTime":1,"workingTime":1}})"),
            ParseStatus::kOk);
  EXPECT_EQ(r.id, "qs7");
  EXPECT_TRUE(r.has_order);
  EXPECT_EQ(r.order_id, 12569099453u);
  EXPECT_EQ(r.order_status, "FILLED");
  EXPECT_EQ(r.executed_qty.raw(), 20'000'000);
  EXPECT_EQ(r.cum_quote.raw(), 6'000'200'000'000);
  EXPECT_EQ(r.fill_count, 0);
  EXPECT_FALSE(r.result_array);
  // Unknown order (query) and unknown order (cancel), rate limit.
  ASSERT_EQ(parse(R"({"id":"qs8","status":400,"error":{"code":-2013,"msg":"Order does not exist."}})"), ParseStatus::kOk);
  EXPECT_TRUE(r.has_error);
  EXPECT_EQ(r.error_code, -2013);
  EXPECT_EQ(r.error_msg, "Order does not exist.");
  ASSERT_EQ(parse(R"({"id":"cn8","status":400,"error":{"code":-2011,"msg":"Unknown order sent."}})"), ParseStatus::kOk);
  EXPECT_EQ(r.error_code, -2011);
  ASSERT_EQ(parse(R"({"id":"hs9","status":429,"error":{"code":-1015,"msg":"Too many new orders; current limit is 50 orders per TEN_SECONDS."},"rateLimits":[]})"),
            ParseStatus::kOk);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code, -1015);
  // openOrders.status: the client ids of each element.
  ASSERT_EQ(parse(R"({"id":"ls0","status":200,"result":[
      {"symbol":"BTCUSDT","orderId":1,"clientOrderId":"hs11","status":"NEW","executedQty":"0"},
      {"symbol":"BTCUSDT","orderId":2,"clientOrderId":"web_abc","status":"NEW","executedQty":"0"}]})"),
            ParseStatus::kOk);
  EXPECT_TRUE(r.result_array);
  EXPECT_EQ(r.item_count, 2);
  ASSERT_EQ(r.client_id_count, 2);
  EXPECT_EQ(r.client_ids[0], "hs11");
  EXPECT_EQ(r.client_ids[1], "web_abc");
  ASSERT_EQ(parse(R"({"id":"ls0","status":200,"result":[]})"), ParseStatus::kOk);
  EXPECT_TRUE(r.result_array);
  EXPECT_EQ(r.item_count, 0);
  // myTrades: quantities, quote and commissions summed exactly.
  ASSERT_EQ(parse(R"({"id":"qt7","status":200,"result":[
      {"symbol":"BTCUSDT","id":1001,"orderId":1,"price":"30001.00","qty":"0.15000000","quoteQty":"4500.15000000",
       "commission":"0.00015000","commissionAsset":"BTC","time":1,"isBuyer":true,"isMaker":false,"isBestMatch":true},
      {"symbol":"BTCUSDT","id":1002,"orderId":1,"price":"30002.00","qty":"0.05000000","quoteQty":"1500.10000000",
       "commission":"0.00005000","commissionAsset":"BTC","time":1,"isBuyer":true,"isMaker":false,"isBestMatch":true}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(r.item_count, 2);
  EXPECT_EQ(r.trades_qty.raw(), 20'000'000);
  EXPECT_EQ(r.trades_quote.raw(), 6'000'250'000'000);
  EXPECT_EQ(r.commission.raw(), 200'000);  // 0.0002
  EXPECT_EQ(r.commission_asset, "BTC");
  EXPECT_FALSE(r.commission_assets_mixed);
  // Malformed array results: each a clear error, never a crash.
  for (const std::string& bad : {
           std::string(R"({"id":"qt1","status":200,"result":[1,2]})"),
           std::string(R"({"id":"qt1","status":200,"result":[{"qty":0.1}]})"),
           std::string(R"({"id":"qt1","status":200,"result":[{"commission":"abc"}]})"),
           std::string(R"({"id":"ls1","status":200,"result":[{"clientOrderId":5}]})"),
           std::string(R"({"id":"ls1","status":200,"result":[{"clientOrderId":"hs1"})"),
           std::string(R"({"id":"qs1","status":400,"error":{"code":"x"}})"),
           std::string(R"({"id":"qs1","status":400,"error":[]})")}) {
    EXPECT_NE(parse(bad), ParseStatus::kOk) << bad;
  }
}

}  // namespace
}  // namespace hs::binance
