// OKX parser against every sample in tests/fixtures/venues/okx (exact raw integers), the
// checksum vectors of vectors.json, and malformed input of every kind.
#include "venues/okx/okx_parse.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "tests/support/test_support.h"
#include "venues/okx/okx_book.h"

namespace hs::okx {
namespace {

using testing::Padded;
using testing::VenueFixture;

class OkxParse : public ::testing::Test {
 protected:
  ParseStatus Market(const std::string& text) {
    buf_ = Padded(text);
    return p_.ParseMarket(buf_.data(), text.size(), &f_);
  }
  ParseStatus Private(const std::string& text) {
    buf_ = Padded(text);
    return p_.ParsePrivate(buf_.data(), text.size(), &m_);
  }
  Parser p_{1 << 20};
  MarketFrame f_;
  PrivateMsg m_;
  std::string buf_;
};

TEST_F(OkxParse, BooksSnapshotSampleExactRaws) {
  ASSERT_EQ(Market(VenueFixture("okx/books_snapshot.json")), ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kBook);
  EXPECT_EQ(f_.channel, Channel::kBooks);
  EXPECT_EQ(f_.action, Action::kSnapshot);
  EXPECT_EQ(f_.inst_id, "BTC-USDT");
  EXPECT_EQ(f_.seq_id, 123456);
  EXPECT_TRUE(f_.has_prev_seq);
  EXPECT_EQ(f_.prev_seq_id, -1);
  EXPECT_TRUE(f_.has_checksum);
  EXPECT_EQ(f_.checksum, -855196043);  // parsed only: the sample's value does not match its levels
  EXPECT_EQ(f_.ts_ms, 1597026383085);
  ASSERT_EQ(f_.ask_count, 8);
  ASSERT_EQ(f_.bid_count, 8);
  EXPECT_EQ(f_.asks[0].px.raw(), 8'476'980'000'000);
  EXPECT_EQ(f_.asks[0].qty.raw(), 41'500'000'000);
  EXPECT_EQ(f_.asks[1].px.raw(), 8'477'000'000'000);
  EXPECT_EQ(f_.asks[1].qty.raw(), 700'000'000);
  EXPECT_EQ(f_.asks[7].px.raw(), 8'506'960'000'000);
  EXPECT_EQ(f_.asks[7].qty.raw(), 10'000'000'000);
  EXPECT_EQ(f_.bids[0].px.raw(), 8'476'970'000'000);
  EXPECT_EQ(f_.bids[0].qty.raw(), 25'600'000'000);
  EXPECT_EQ(f_.bids[3].px.raw(), 8'475'300'000'000);
  EXPECT_EQ(f_.bids[3].qty.raw(), 100'000'000);
  EXPECT_EQ(f_.bids[7].px.raw(), 8'446'000'000'000);
  EXPECT_EQ(f_.bids[7].qty.raw(), 9'500'000'000);
  // The wire text is kept exactly (the checksum is built from it).
  EXPECT_EQ(f_.asks[0].px_text, "8476.98");
  EXPECT_EQ(f_.asks[0].qty_text, "415");
  EXPECT_EQ(f_.asks[1].px_text, "8477");
  EXPECT_EQ(f_.bids[3].px_text, "8475.3");
  EXPECT_EQ(f_.bids[7].px_text, "8446");
  EXPECT_EQ(f_.bids[7].qty_text, "95");
}

TEST_F(OkxParse, BboTbtSampleExactRaws) {
  ASSERT_EQ(Market(VenueFixture("okx/bbo-tbt.json")), ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kBook);
  EXPECT_EQ(f_.channel, Channel::kBboTbt);
  EXPECT_EQ(f_.action, Action::kNone);
  EXPECT_EQ(f_.inst_id, "BCH-USDT-SWAP");
  EXPECT_EQ(f_.seq_id, 363996337);
  EXPECT_FALSE(f_.has_checksum);
  EXPECT_FALSE(f_.has_prev_seq);
  EXPECT_EQ(f_.ts_ms, 1670324386802);
  ASSERT_EQ(f_.ask_count, 1);
  ASSERT_EQ(f_.bid_count, 1);
  EXPECT_EQ(f_.asks[0].px.raw(), 111'060'000'000);
  EXPECT_EQ(f_.asks[0].qty.raw(), 5'515'400'000'000);
  EXPECT_EQ(f_.bids[0].px.raw(), 111'050'000'000);
  EXPECT_EQ(f_.bids[0].qty.raw(), 5'774'500'000'000);
}

TEST_F(OkxParse, Books5SampleExactRaws) {
  ASSERT_EQ(Market(VenueFixture("okx/books5.json")), ParseStatus::kOk);
  EXPECT_EQ(f_.channel, Channel::kBooks5);
  EXPECT_EQ(f_.inst_id, "BCH-USDT-SWAP");
  EXPECT_EQ(f_.seq_id, 363996337);
  EXPECT_EQ(f_.ts_ms, 1670324386802);
  ASSERT_EQ(f_.ask_count, 5);
  ASSERT_EQ(f_.bid_count, 5);
  const int64_t ask_px[] = {111'060'000'000, 111'070'000'000, 111'080'000'000, 111'090'000'000, 111'100'000'000};
  const int64_t ask_qty[] = {5'515'400'000'000, 5'327'600'000'000, 7'243'500'000'000, 7'031'200'000'000,
                             6'727'200'000'000};
  const int64_t bid_px[] = {111'050'000'000, 111'040'000'000, 111'030'000'000, 111'020'000'000, 111'010'000'000};
  const int64_t bid_qty[] = {5'774'500'000'000, 5'710'900'000'000, 6'956'300'000'000, 7'124'800'000'000,
                             6'509'000'000'000};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(f_.asks[i].px.raw(), ask_px[i]) << i;
    EXPECT_EQ(f_.asks[i].qty.raw(), ask_qty[i]) << i;
    EXPECT_EQ(f_.bids[i].px.raw(), bid_px[i]) << i;
    EXPECT_EQ(f_.bids[i].qty.raw(), bid_qty[i]) << i;
  }
  EXPECT_EQ(f_.asks[4].px_text, "111.1");
}

TEST_F(OkxParse, SubscribeSamples) {
  ASSERT_EQ(Market(VenueFixture("okx/subscribe_ack.json")), ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kEvent);
  EXPECT_EQ(f_.event, EventKind::kSubscribe);
  EXPECT_EQ(f_.channel, Channel::kBooks);
  EXPECT_EQ(f_.inst_id, "BTC-USDT");
  // Our own request shape: valid JSON, but nothing the market parser acts on.
  EXPECT_EQ(Market(VenueFixture("okx/subscribe_request.json")), ParseStatus::kUnknown);
}

TEST_F(OkxParse, LoginSamples) {
  ASSERT_EQ(Private(VenueFixture("okx/login_response.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kEvent);
  EXPECT_EQ(m_.event, EventKind::kLogin);
  EXPECT_EQ(m_.code, "0");
  ASSERT_EQ(Private(VenueFixture("okx/login_response_error.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.event, EventKind::kError);
  EXPECT_EQ(m_.code, "60009");
  EXPECT_EQ(m_.msg, "Login failed.");
  EXPECT_EQ(CodeValue(m_.code), 60009);
}

TEST_F(OkxParse, OrderSamples) {
  ASSERT_EQ(Private(VenueFixture("okx/order_response.json")), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kOrderReply);
  EXPECT_EQ(m_.id, "1512");
  EXPECT_EQ(m_.op, "order");
  EXPECT_EQ(m_.code, "0");
  ASSERT_EQ(m_.order_count, 1);
  EXPECT_EQ(m_.orders[0].ord_id, "12345689");
  EXPECT_EQ(m_.orders[0].s_code, "0");
  EXPECT_EQ(m_.orders[0].cl_ord_id, "");
  // The request sample is not a reply: it has no code.
  EXPECT_EQ(Private(VenueFixture("okx/order_request.json")), ParseStatus::kMissingField);
}

TEST_F(OkxParse, OrdersPushFillAndAccount) {
  const std::string push =
      R"({"arg":{"channel":"orders","instType":"SPOT","uid":"1"},"data":[{"instType":"SPOT","instId":"BTC-USDT",)"
      R"("ordId":"601","clOrdId":"hs42","px":"30000","sz":"0.5","ordType":"ioc","side":"buy","tdMode":"cash",)"
      R"("state":"partially_filled","fillPx":"29999.5","fillSz":"0.2","accFillSz":"0.3","fee":"-0.0003",)"
      R"("feeCcy":"BTC","fillFee":"-0.0002","fillFeeCcy":"BTC","uTime":"1700000000123"}]})";
  ASSERT_EQ(Private(push), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kOrders);
  ASSERT_EQ(m_.order_count, 1);
  const OrderItem& o = m_.orders[0];
  EXPECT_EQ(o.cl_ord_id, "hs42");
  EXPECT_EQ(o.ord_id, "601");
  EXPECT_EQ(o.inst_id, "BTC-USDT");
  EXPECT_EQ(o.state, OrderState::kPartiallyFilled);
  EXPECT_TRUE(o.has_fill_px);
  EXPECT_EQ(o.fill_px.raw(), 29'999'500'000'000);
  EXPECT_EQ(o.fill_sz.raw(), 20'000'000);
  EXPECT_EQ(o.acc_fill_sz.raw(), 30'000'000);
  EXPECT_EQ(o.fee.raw(), -300'000);
  EXPECT_EQ(o.fee_ccy, "BTC");
  EXPECT_EQ(o.fill_fee.raw(), -200'000);
  EXPECT_EQ(o.u_time_ms, 1700000000123);
  // A non-fill push: OKX sends "" for the fill price.
  ASSERT_EQ(Private(R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1","state":"canceled","fillPx":"",)"
                    R"("fillSz":"0","accFillSz":"0","fee":"0","feeCcy":"USDT"}]})"),
            ParseStatus::kOk);
  EXPECT_FALSE(m_.orders[0].has_fill_px);
  EXPECT_EQ(m_.orders[0].state, OrderState::kCanceled);

  ASSERT_EQ(Private(R"({"arg":{"channel":"account","uid":"1"},"data":[{"uTime":"1","details":[)"
                    R"({"ccy":"BTC","availBal":"2.4995","cashBal":"2.4995","frozenBal":"0.1"},)"
                    R"({"ccy":"USDT","availBal":"","cashBal":"85000.123456789","frozenBal":""}]}]})"),
            ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kAccount);
  ASSERT_EQ(m_.balance_count, 2);
  Amount free, locked;
  ASSERT_EQ(BalanceAmounts(m_.balances[0], &free, &locked), ParseStatus::kOk);
  EXPECT_EQ(m_.balances[0].ccy, "BTC");
  EXPECT_EQ(free.raw(), 2'499'500'000);
  EXPECT_EQ(locked.raw(), 100'000'000);
  ASSERT_EQ(BalanceAmounts(m_.balances[1], &free, &locked), ParseStatus::kOk) << "cashBal when availBal is empty";
  EXPECT_EQ(free.raw(), 85'000'123'456'789);
  EXPECT_EQ(locked.raw(), 0);
  BalanceItem none;
  none.ccy = "ETH";
  EXPECT_EQ(BalanceAmounts(none, &free, &locked), ParseStatus::kMissingField);
  none.avail_text = "1.0000000001";  // beyond 10^-9
  EXPECT_EQ(BalanceAmounts(none, &free, &locked), ParseStatus::kBadNumber);
}

// vectors.json → okx_book_checksum_examples: the string build order and the signed CRC32.
TEST_F(OkxParse, ChecksumVectors) {
  const auto v = nlohmann::json::parse(VenueFixture("vectors.json"));
  const auto& cases = v["okx_book_checksum_examples"]["cases"];
  ASSERT_EQ(cases.size(), 2u);
  for (const auto& c : cases) {
    // Directly on a book built from the vector's text.
    book::OrderBook b(25, true);
    for (const auto& l : c["bids"]) {
      const std::string px = l[0], q = l[1];
      ASSERT_EQ(b.bids().Set(ParseDecimal<Price>(px).value, ParseDecimal<Qty>(q).value, px, q),
                book::SetResult::kInserted);
    }
    for (const auto& l : c["asks"]) {
      const std::string px = l[0], q = l[1];
      ASSERT_EQ(b.asks().Set(ParseDecimal<Price>(px).value, ParseDecimal<Qty>(q).value, px, q),
                book::SetResult::kInserted);
    }
    EXPECT_EQ(Checksum(b), c["expected_checksum"].get<int32_t>()) << c["name"];
    // And end to end: a snapshot message carrying those levels and that checksum validates.
    const std::string msg = R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":)" +
                            c["asks"].dump() + ",\"bids\":" + c["bids"].dump() + R"(,"ts":"1","checksum":)" +
                            std::to_string(c["expected_checksum"].get<int32_t>()) + R"(,"prevSeqId":-1,"seqId":10}]})";
    ASSERT_EQ(Market(msg), ParseStatus::kOk) << msg;
    L2Book book;
    EXPECT_EQ(book.OnFrame(f_), venues::BookEvent::kSnapshot) << book.detail();
    EXPECT_TRUE(book.usable());
  }
}

TEST_F(OkxParse, KeysInAnyOrderAndTickByTickChannels) {
  // data before arg, action last, fields inside data reversed; whitespace everywhere.
  const std::string msg =
      "{ \"data\" : [ { \"seqId\" : 7 , \"prevSeqId\" : 5 , \"checksum\" : -1 , \"ts\" : \"12\" , "
      "\"bids\" : [ [ \"1.5\" , \"2\" , \"0\" , \"1\" ] ] , \"asks\" : [ ] } ] , "
      "\"arg\" : { \"instId\" : \"ETH-USDT\" , \"channel\" : \"books-l2-tbt\" } , \"action\" : \"update\" }";
  ASSERT_EQ(Market(msg), ParseStatus::kOk);
  EXPECT_EQ(f_.channel, Channel::kBooksL2Tbt);
  EXPECT_EQ(f_.action, Action::kUpdate);
  EXPECT_EQ(f_.inst_id, "ETH-USDT");
  EXPECT_EQ(f_.seq_id, 7);
  EXPECT_EQ(f_.prev_seq_id, 5);
  EXPECT_EQ(f_.checksum, -1);
  EXPECT_EQ(f_.ts_ms, 12);
  ASSERT_EQ(f_.bid_count, 1);
  EXPECT_EQ(f_.bids[0].px.raw(), 1'500'000'000);
  EXPECT_EQ(f_.ask_count, 0);
  const std::string b50 = R"({"arg":{"channel":"books50-l2-tbt","instId":"X"},"action":"snapshot","data":[)"
                          R"({"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":1}]})";
  ASSERT_EQ(Market(b50), ParseStatus::kOk);
  EXPECT_EQ(f_.channel, Channel::kBooks50L2Tbt);
  EXPECT_EQ(ChannelDepth(f_.channel), 50);
}

TEST_F(OkxParse, PongEventsAndOtherChannels) {
  ASSERT_EQ(Market("pong"), ParseStatus::kOk);
  EXPECT_EQ(f_.kind, FrameKind::kPong);
  ASSERT_EQ(Private("pong"), ParseStatus::kOk);
  EXPECT_EQ(m_.kind, PrivateKind::kPong);
  ASSERT_EQ(Market(R"({"event":"error","code":"60012","msg":"Invalid request","connId":"a"})"), ParseStatus::kOk);
  EXPECT_EQ(f_.event, EventKind::kError);
  EXPECT_EQ(f_.code, "60012");
  EXPECT_EQ(Market(R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"last":"1"},{"last":"2"}]})"),
            ParseStatus::kUnknown);
  EXPECT_EQ(Market("{}"), ParseStatus::kUnknown);
  EXPECT_EQ(Private(R"({"id":"1","op":"amend-order","code":"0","data":[]})"), ParseStatus::kUnknown);
}

struct Bad {
  const char* name;
  std::string text;
  ParseStatus want;
};

std::string Book(const std::string& data_fields, const std::string& action = R"("action":"update",)") {
  return R"({"arg":{"channel":"books","instId":"BTC-USDT"},)" + action + R"("data":[{)" + data_fields + "}]}";
}
const std::string kLevels = R"("asks":[["2","1","0","1"]],"bids":[["1","1","0","1"]],)";

TEST_F(OkxParse, MalformedMarketInputs) {
  const std::vector<Bad> cases = {
      {"missing seqId", Book(kLevels + R"("ts":"1","checksum":1,"prevSeqId":1)"), ParseStatus::kMissingField},
      {"missing prevSeqId", Book(kLevels + R"("ts":"1","checksum":1,"seqId":2)"), ParseStatus::kMissingField},
      {"missing checksum", Book(kLevels + R"("ts":"1","prevSeqId":1,"seqId":2)"), ParseStatus::kMissingField},
      {"missing bids", Book(R"("asks":[],"ts":"1","checksum":1,"prevSeqId":1,"seqId":2)"), ParseStatus::kMissingField},
      {"missing action", Book(kLevels + R"("ts":"1","checksum":1,"prevSeqId":1,"seqId":2)", ""),
       ParseStatus::kMissingField},
      {"missing instId", R"({"arg":{"channel":"books"},"action":"update","data":[{)" + kLevels +
                             R"("checksum":1,"prevSeqId":1,"seqId":2}]})",
       ParseStatus::kMissingField},
      {"missing arg", R"({"action":"update","data":[{)" + kLevels + R"("checksum":1,"prevSeqId":1,"seqId":2}]})",
       ParseStatus::kMissingField},
      {"empty data", R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[]})",
       ParseStatus::kMissingField},
      {"level with only a price", Book(R"("asks":[["2"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kMissingField},
      {"non-numeric price", Book(R"("asks":[["abc","1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadNumber},
      {"negative size", Book(R"("asks":[["2","-1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadNumber},
      {"price beyond 10^-9", Book(R"("asks":[["2.0000000001","1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadNumber},
      {"exponent", Book(R"("asks":[["2e3","1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadNumber},
      {"non-numeric ts", Book(kLevels + R"("ts":"12a","checksum":1,"prevSeqId":1,"seqId":2)"), ParseStatus::kBadNumber},
      {"checksum beyond 32 bits", Book(kLevels + R"("checksum":4294967296,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadNumber},
      {"seqId as a string", Book(kLevels + R"("checksum":1,"prevSeqId":1,"seqId":"2")"), ParseStatus::kBadField},
      {"checksum as a string", Book(kLevels + R"("checksum":"1","prevSeqId":1,"seqId":2)"), ParseStatus::kBadField},
      {"ts as a number", Book(kLevels + R"("ts":1,"checksum":1,"prevSeqId":1,"seqId":2)"), ParseStatus::kBadField},
      {"price as a number", Book(R"("asks":[[2,"1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadField},
      {"order count as a number", Book(R"("asks":[["2","1","0",1]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadField},
      {"asks as an object", Book(R"("asks":{"2":"1"},"bids":[],"checksum":1,"prevSeqId":1,"seqId":2)"),
       ParseStatus::kBadField},
      {"arg as a string", R"({"arg":"books","action":"update","data":[{)" + kLevels + R"("checksum":1,"prevSeqId":1,"seqId":2}]})",
       ParseStatus::kBadField},
      {"unknown action", Book(kLevels + R"("checksum":1,"prevSeqId":1,"seqId":2)", R"("action":"delta",)"),
       ParseStatus::kBadField},
      {"two books in one push", R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[{)" + kLevels +
                                    R"("checksum":1,"prevSeqId":1,"seqId":2},{)" + kLevels +
                                    R"("checksum":1,"prevSeqId":2,"seqId":3}]})",
       ParseStatus::kBadField},
      {"data entry not an object", R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[1]})",
       ParseStatus::kBadField},
      {"truncated", Book(kLevels + R"("checksum":1,"prevSeqId":1,"seqId":2)").substr(0, 70), ParseStatus::kBadJson},
      {"binary garbage", std::string("\x00\xff\x13\x37\x7f\x80\xc0\xff\xee\n\r", 11), ParseStatus::kBadJson},
      {"not an object", "[1,2,3]", ParseStatus::kBadJson},
      {"ping is not JSON", "ping", ParseStatus::kBadJson},
      {"empty", "", ParseStatus::kBadJson},
  };
  for (const Bad& c : cases) {
    EXPECT_EQ(Market(c.text), c.want) << c.name << ": " << c.text;
  }
}

TEST_F(OkxParse, MalformedPrivateInputs) {
  const std::vector<Bad> cases = {
      {"orders push without accFillSz", R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1","state":"filled"}]})",
       ParseStatus::kMissingField},
      {"orders push without state", R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1","accFillSz":"1"}]})",
       ParseStatus::kMissingField},
      {"bad fill size", R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1","state":"filled","accFillSz":"1","fillSz":"x"}]})",
       ParseStatus::kBadNumber},
      {"fee as a number", R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1","state":"filled","accFillSz":"1","fee":-1}]})",
       ParseStatus::kBadField},
      {"reply without sCode", R"({"id":"hs1","op":"order","code":"0","msg":"","data":[{"ordId":"1"}]})",
       ParseStatus::kMissingField},
      {"reply without id", R"({"op":"order","code":"0","msg":"","data":[]})", ParseStatus::kMissingField},
      {"account details not an array", R"({"arg":{"channel":"account"},"data":[{"details":{}}]})", ParseStatus::kBadField},
      {"account detail without ccy", R"({"arg":{"channel":"account"},"data":[{"details":[{"availBal":"1"}]}]})",
       ParseStatus::kMissingField},
      {"truncated", R"({"arg":{"channel":"orders"},"data":[{"clOrdId":"hs1")", ParseStatus::kBadJson},
      {"garbage", std::string("\x01\x02\x03", 3), ParseStatus::kBadJson},
  };
  for (const Bad& c : cases) {
    EXPECT_EQ(Private(c.text), c.want) << c.name << ": " << c.text;
  }
}

// The compact-form fast paths (level arrays, and `data` scanned in place when it ends the
// message) and the generic On-Demand path agree on every input: the same status and, on
// success, the same frame — levels and text, sequence numbers, checksum, time. Hand-picked
// shapes, then seeded random mutations of valid pushes (the seed is printed).
TEST(OkxParseCompact, FastPathMatchesTheGenericScanner) {
  Parser fast(1 << 16);
  Parser generic(1 << 16);
  generic.set_compact_levels(false);
  auto same = [&](const std::string& text) {
    const std::string buf = Padded(text);
    MarketFrame a, b;
    const ParseStatus sa = fast.ParseMarket(buf.data(), text.size(), &a);
    const ParseStatus sb = generic.ParseMarket(buf.data(), text.size(), &b);
    ASSERT_EQ(sa, sb) << text;
    if (sa != ParseStatus::kOk) return;
    ASSERT_EQ(a.kind, b.kind) << text;
    if (a.kind != FrameKind::kBook) return;
    ASSERT_EQ(a.channel, b.channel) << text;
    ASSERT_EQ(a.action, b.action) << text;
    ASSERT_EQ(a.inst_id, b.inst_id) << text;
    ASSERT_EQ(a.seq_id, b.seq_id) << text;
    ASSERT_EQ(a.prev_seq_id, b.prev_seq_id) << text;
    ASSERT_EQ(a.has_prev_seq, b.has_prev_seq) << text;
    ASSERT_EQ(a.checksum, b.checksum) << text;
    ASSERT_EQ(a.has_checksum, b.has_checksum) << text;
    ASSERT_EQ(a.ts_ms, b.ts_ms) << text;
    ASSERT_EQ(a.bid_count, b.bid_count) << text;
    ASSERT_EQ(a.ask_count, b.ask_count) << text;
    for (int i = 0; i < a.bid_count; ++i) {
      ASSERT_EQ(a.bids[i].px, b.bids[i].px) << text;
      ASSERT_EQ(a.bids[i].qty, b.bids[i].qty) << text;
      ASSERT_EQ(a.bids[i].px_text, b.bids[i].px_text) << text;
      ASSERT_EQ(a.bids[i].qty_text, b.bids[i].qty_text) << text;
    }
    for (int i = 0; i < a.ask_count; ++i) {
      ASSERT_EQ(a.asks[i].px, b.asks[i].px) << text;
      ASSERT_EQ(a.asks[i].qty, b.asks[i].qty) << text;
      ASSERT_EQ(a.asks[i].px_text, b.asks[i].px_text) << text;
      ASSERT_EQ(a.asks[i].qty_text, b.asks[i].qty_text) << text;
    }
  };
  auto book = [](const std::string& asks) {
    return R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":)" + asks +
           R"(,"bids":[["1","2","0","1"]],"checksum":1,"prevSeqId":1,"seqId":2}]})";
  };
  for (const std::string& asks :
       {std::string(R"([])"), std::string(R"([ ])"), std::string(R"([["2","1","0","1"]])"), std::string(R"([["2","1"]])"),
        std::string(R"([["2","1","0"],["3","4","0","9","x"]])"), std::string(R"([ ["2","1","0","1"] ])"),
        std::string(R"([["2" ,"1","0","1"]])"), std::string(R"([["2","1","0","1"],])"), std::string(R"([["2"]])"),
        std::string(R"([[]])"), std::string(R"([["2","1",0,"1"]])"), std::string(R"([["2","1","\u0030","1"]])"),
        std::string(R"([["2","-1","0","1"]])"), std::string(R"([["2.0000000001","1","0","1"]])"),
        std::string(R"([["2","1","0","1"]["3","1","0","1"]])"), std::string(R"([[2,"1"]])"), std::string(R"({})"),
        std::string(R"([["00002.50","1.000","0","1"]])"), std::string(R"([["2","1","0","1"],["3","1","0","1"]] )")}) {
    same(book(asks));
  }
  // The in-place `data` scan: what it must hand back to On-Demand, and what it must read alike.
  const std::string head = R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":)";
  const std::string lv = R"([["8476.98","415","0","13"]])";
  for (const std::string& data : std::vector<std::string>{
           R"([{"asks":)" + lv + R"(,"bids":)" + lv + R"(,"ts":"1597026383085","checksum":-855196043,"prevSeqId":1,"seqId":2}]})",
           R"([{"instId":"BTC-USDT","asks":)" + lv + R"(,"bids":[],"checksum":0,"prevSeqId":-1,"seqId":0}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]} )",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}] })",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}],"more":1})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]}x)",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2},{}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}])",
           R"([{"asks":)" + lv + R"(,"asks":[],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2,"seqId":3}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"ts":"1","ts":"2","checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":2147483648,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":-2147483648,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":01,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":-0,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1.0,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1e3,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":"1","prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":12345678901234567890}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":123456789012345678}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"ts":"17x","checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"ts":"","checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"extra":7,"checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"extra":{"a":1},"checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"extra":"a"b","checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[] ,"checksum":1,"prevSeqId":1,"seqId":2}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1}]})",
           R"([{"asks":)" + lv + R"(,"bids":[],"checksum":1,"prevSeqId":1,"seqId":2})",
           std::string(R"([{}]})"),
           std::string(R"([]})"),
           R"([{"asks":[["1","1","0","1"],["2","1","0","1"],["3","1","0","1"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]})",
       }) {
    same(head + data);
    if (::testing::Test::HasFatalFailure()) return;
  }
  same(R"({"arg":{"channel":"account"},"data":[{"asks":[],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]})");
  // The envelope-only stage 1: a key that only looks like `data`, bytes stage 1 would refuse.
  const std::string entry = R"([{"asks":[["8476.98","415","0","13"]],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}]})";
  for (const std::string& text : std::vector<std::string>{
           R"({"arg":{"channel":"books","instId":"a,"data":["},"action":"update","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X","data":[1]},"action":"update","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[],"data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","event":"error","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X"},"action":"upd","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X"} "action":"update","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"Xé"},"action":"update","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X)" "\xc3\xa9" R"("},"action":"update","data":)" + entry,
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"x":")" "\xc3\xa9" R"(",)" + entry.substr(2),
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"x":")" "\xc3" R"(",)" + entry.substr(2),
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"x":"a)" "\x01" R"(",)" + entry.substr(2),
           R"({"arg":{"channel":"books","instId":"X"},"action":"update","data":)" + entry.substr(0, entry.size() - 1) + "\t}",
       }) {
    same(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
  same(R"({"data":[{"asks":[],"bids":[],"checksum":1,"prevSeqId":1,"seqId":2}],"arg":{"channel":"books","instId":"X"},"action":"update"})");
  // Minified, so the unmutated levels take the fast path.
  const std::string base = nlohmann::json::parse(testing::VenueFixture("okx/books5.json")).dump();
  const uint64_t seed = 20261124;
  std::printf("okx compact/generic differential seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const char alphabet[] = "[]\",. 0123456789-e\\abc";
  for (int i = 0; i < 20000; ++i) {
    const std::string t = hs::testing::MutateText(base, std::string_view(alphabet, sizeof alphabet - 1), rng);
    same(t);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // An incremental `books` update, mutated the same way: the in-place `data` scan against
  // On-Demand's reading of the same bytes.
  const std::string update = head + R"([{"asks":[["8476.98","415","0","13"],["8477","7","0","2"]],)" +
                             R"("bids":[["8476.97","256","0","12"],["8475.55","101","0","1"]],"ts":"1597026383085",)" +
                             R"("checksum":-855196043,"prevSeqId":123456,"seqId":123457}]})";
  for (int i = 0; i < 20000; ++i) {
    const std::string t = hs::testing::MutateText(update, std::string_view(alphabet, sizeof alphabet - 1), rng);
    same(t);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace hs::okx
