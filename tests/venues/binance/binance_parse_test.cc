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

}  // namespace
}  // namespace hs::binance
