// Kraken WebSocket v2 parser: every sample under tests/fixtures/venues/kraken with exact raw
// integers, the checksum vector of vectors.json, key order, and malformed input (each case
// its ParseStatus).
#include "venues/kraken/kraken_parse.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "tests/support/test_support.h"
#include "venues/kraken/kraken_book.h"

namespace hs::kraken {
namespace {

using testing::Padded;
using testing::VenueFixture;

ParseStatus Parse(Parser& p, const std::string& text, Message* m) {
  static std::string buf;  // outlives the call: views in *m borrow it
  buf = Padded(text);
  return p.Parse(buf.data(), text.size(), m);
}

std::string Fixed(int64_t raw, int scale, int decimals) {
  char b[kMaxDecimalText];
  FormatDecimalFixed(raw, scale, decimals, b);
  return b;
}

TEST(KrakenParse, BookSnapshotSampleExactRaws) {
  Parser p;
  Message m;
  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_snapshot.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kBookSnapshot);
  ASSERT_EQ(m.entry_count, 1);
  const BookEntry& e = m.entries[0];
  EXPECT_EQ(e.symbol, "BTC/USD");
  EXPECT_EQ(e.checksum, 3310070434u) << "above 2^31: read as unsigned";
  EXPECT_EQ(e.timestamp.value, 0) << "no timestamp in the docs' snapshot";
  ASSERT_EQ(e.bid_count, 10);
  ASSERT_EQ(e.ask_count, 10);
  EXPECT_EQ(e.bids[0].px.raw(), 45'283'500'000'000);
  EXPECT_EQ(e.bids[0].qty.raw(), 10'000'000);
  EXPECT_EQ(e.bids[0].px_text, "45283.5");
  EXPECT_EQ(e.bids[0].qty_text, "0.10000000");
  EXPECT_EQ(e.bids[1].qty.raw(), 154'582'015);
  EXPECT_EQ(e.bids[3].px.raw(), 45'281'000'000'000);
  EXPECT_EQ(e.bids[3].px_text, "45281.0") << "trailing zero kept in the text";
  EXPECT_EQ(e.bids[9].px.raw(), 45'276'600'000'000);
  EXPECT_EQ(e.bids[9].qty.raw(), 15'445'238);
  EXPECT_EQ(e.asks[0].px.raw(), 45'285'200'000'000);
  EXPECT_EQ(e.asks[0].qty.raw(), 100'000);
  EXPECT_EQ(e.asks[0].qty_text, "0.00100000");
  EXPECT_EQ(e.asks[9].px.raw(), 45'299'500'000'000);
  EXPECT_EQ(e.asks[9].qty.raw(), 18'772'827);
  // Every number round-trips to its wire text at the pair's precision (1 and 8).
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Fixed(e.bids[i].px.raw(), 9, 1), e.bids[i].px_text);
    EXPECT_EQ(Fixed(e.bids[i].qty.raw(), 8, 8), e.bids[i].qty_text);
    EXPECT_EQ(Fixed(e.asks[i].px.raw(), 9, 1), e.asks[i].px_text);
    EXPECT_EQ(Fixed(e.asks[i].qty.raw(), 8, 8), e.asks[i].qty_text);
  }
}

TEST(KrakenParse, BookUpdateSampleExactRaws) {
  Parser p;
  Message m;
  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_update.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kBookUpdate);
  ASSERT_EQ(m.entry_count, 1);
  const BookEntry& e = m.entries[0];
  EXPECT_EQ(e.symbol, "MATIC/USD");
  ASSERT_EQ(e.bid_count, 1);
  EXPECT_EQ(e.ask_count, 0);
  EXPECT_EQ(e.bids[0].px.raw(), 565'700'000);
  EXPECT_EQ(e.bids[0].qty.raw(), 109'839'475'580);
  EXPECT_EQ(e.bids[0].px_text, "0.5657");
  EXPECT_EQ(e.bids[0].qty_text, "1098.3947558");
  EXPECT_EQ(e.checksum, 2114181697u);
  EXPECT_EQ(e.timestamp.value, 1'696'613'755'440'295'000);
}

TEST(KrakenParse, MultiSymbolUpdateKeepsEachEntrysLevels) {
  Parser p;
  Message m;
  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_update_multi.json"), &m), ParseStatus::kOk);
  ASSERT_EQ(m.entry_count, 2);
  EXPECT_EQ(m.entries[0].symbol, "ETH/USD");
  ASSERT_EQ(m.entries[0].bid_count, 1);
  EXPECT_EQ(m.entries[0].bids[0].px.raw(), 1'650'210'000'000);
  EXPECT_EQ(m.entries[0].ask_count, 0);
  const BookEntry* btc = FindEntry(m, "BTC/USD");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->bid_count, 0);
  ASSERT_EQ(btc->ask_count, 2);
  EXPECT_TRUE(btc->asks[0].qty.is_zero()) << "qty 0 = delete";
  EXPECT_EQ(btc->asks[1].px.raw(), 45'300'000'000'000);
  EXPECT_EQ(btc->asks[1].qty.raw(), 25'000'000);
  EXPECT_EQ(btc->checksum, 3310070434u);
  EXPECT_EQ(btc->timestamp.value, 1'696'613'755'440'301'000);
  EXPECT_EQ(FindEntry(m, "XBT/USD"), nullptr);
}

TEST(KrakenParse, AcksHeartbeatStatusPong) {
  Parser p;
  Message m;
  ASSERT_EQ(Parse(p, VenueFixture("kraken/ticker_subscribe_ack.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kSubscribeAck);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.req_id, 1);
  EXPECT_EQ(m.symbol, "BTC/USD");
  EXPECT_EQ(m.ack_channel, "ticker");

  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_unsubscribe_ack.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kUnsubscribeAck);
  EXPECT_TRUE(m.success);
  EXPECT_EQ(m.req_id, 7);
  EXPECT_EQ(m.symbol, "BTC/USD");
  EXPECT_EQ(m.ack_channel, "book");
  EXPECT_EQ(m.ack_depth, 10);

  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_subscribe_error.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kSubscribeAck);
  EXPECT_FALSE(m.success);
  EXPECT_EQ(m.error, "Already subscribed");
  EXPECT_EQ(m.symbol, "BTC/USD");
  EXPECT_EQ(m.req_id, 8);

  ASSERT_EQ(Parse(p, VenueFixture("kraken/heartbeat.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kHeartbeat);

  ASSERT_EQ(Parse(p, VenueFixture("kraken/status.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kStatus);
  EXPECT_EQ(m.system, "online");

  ASSERT_EQ(Parse(p, VenueFixture("kraken/pong.json"), &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kPong);
  EXPECT_EQ(m.req_id, 101);
}

TEST(KrakenParse, OtherSamplesAreNotMarketData) {
  Parser p;
  Message m;
  // Requests we send and order-entry messages are not what a market-data stream carries.
  EXPECT_EQ(Parse(p, VenueFixture("kraken/book_subscribe_request.json"), &m), ParseStatus::kMissingField)
      << "a subscribe without `success` is not an acknowledgement";
  EXPECT_EQ(Parse(p, VenueFixture("kraken/add_order_request.json"), &m), ParseStatus::kUnknown);
  EXPECT_EQ(Parse(p, VenueFixture("kraken/add_order_response.json"), &m), ParseStatus::kUnknown);
  EXPECT_EQ(Parse(p, VenueFixture("kraken/get_websockets_token_response.json"), &m), ParseStatus::kUnknown);
}

// vectors.json → kraken_v2_book_checksum: the intermediate strings and the unsigned CRC32.
TEST(KrakenParse, ChecksumVectorReproduces) {
  const auto v = nlohmann::json::parse(VenueFixture("vectors.json"))["kraken_v2_book_checksum"];
  const int pp = v["price_precision"];
  const int qp = v["qty_precision"];
  ASSERT_EQ(pp, 1);
  ASSERT_EQ(qp, 8);
  book::OrderBook b(20);
  for (const auto& l : v["bids"])
    b.bids().Set(ParseDecimal<Price>(l["price"].get<std::string>()).value,
                 ParseDecimal<Qty>(l["qty"].get<std::string>()).value);
  for (const auto& l : v["asks"])
    b.asks().Set(ParseDecimal<Price>(l["price"].get<std::string>()).value,
                 ParseDecimal<Qty>(l["qty"].get<std::string>()).value);
  char text[kMaxChecksumSideText];
  int n = ChecksumSideText(b.asks(), kChecksumLevels, pp, qp, text, sizeof text);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(text, static_cast<size_t>(n)), v["expected_asks_string"].get<std::string>());
  n = ChecksumSideText(b.bids(), kChecksumLevels, pp, qp, text, sizeof text);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(text, static_cast<size_t>(n)), v["expected_bids_string"].get<std::string>());
  uint32_t crc = 0;
  ASSERT_TRUE(ComputeChecksum(b, pp, qp, &crc));
  EXPECT_EQ(crc, v["expected_checksum"].get<uint32_t>());
  EXPECT_EQ(crc, 3310070434u);

  // The same book from the sample snapshot, through the parser and the book keeper.
  Parser p;
  Message m;
  ASSERT_EQ(Parse(p, VenueFixture("kraken/book_snapshot.json"), &m), ParseStatus::kOk);
  Book given(10, 1, 8);
  EXPECT_EQ(given.OnSnapshot(m.entries[0]), venues::BookEvent::kSnapshot) << given.detail();
  EXPECT_EQ(given.checksum(), 3310070434u);
  Book inferred(10);  // precision from the snapshot's number text
  EXPECT_EQ(inferred.OnSnapshot(m.entries[0]), venues::BookEvent::kSnapshot) << inferred.detail();
  EXPECT_EQ(inferred.price_precision(), 1);
  EXPECT_EQ(inferred.qty_precision(), 8);
  EXPECT_EQ(inferred.checksum(), 3310070434u);
}

TEST(KrakenParse, ChecksumFormattingRules) {
  // Leading zeros stripped, '.' removed, exactly the precision's digits.
  book::OrderBook b(4);
  b.asks().Set(ParseDecimal<Price>("0.5657").value, ParseDecimal<Qty>("1098.3947558").value);
  b.bids().Set(ParseDecimal<Price>("0.0001").value, ParseDecimal<Qty>("0.001").value);
  char text[kMaxChecksumSideText];
  int n = ChecksumSideText(b.asks(), 10, 4, 8, text, sizeof text);
  EXPECT_EQ(std::string(text, static_cast<size_t>(n)), "5657109839475580");
  n = ChecksumSideText(b.bids(), 10, 4, 8, text, sizeof text);
  EXPECT_EQ(std::string(text, static_cast<size_t>(n)), "1100000");
  // A value finer than the precision cannot be written: never rounded.
  EXPECT_EQ(ChecksumSideText(b.asks(), 10, 3, 8, text, sizeof text), -1);
  uint32_t crc = 0;
  EXPECT_FALSE(ComputeChecksum(b, 3, 8, &crc));
  // Empty book: CRC32 of the empty string.
  book::OrderBook empty(4);
  ASSERT_TRUE(ComputeChecksum(empty, 1, 8, &crc));
  EXPECT_EQ(crc, 0u);
}

TEST(KrakenParse, KeyOrderAndWhitespaceDoNotMatter) {
  Parser p;
  Message m;
  // `data` before `channel` and `type`; level keys reversed; whitespace everywhere.
  const std::string text =
      "{ \"data\" : [ { \"checksum\" : 7 , \"asks\" : [ { \"qty\" : 2.5 , \"price\" : 101.25 } ] ,"
      " \"bids\" : [ ] , \"symbol\" : \"X/Y\" } ] , \"type\" : \"update\" , \"channel\" : \"book\" }";
  ASSERT_EQ(Parse(p, text, &m), ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kBookUpdate);
  ASSERT_EQ(m.entry_count, 1);
  EXPECT_EQ(m.entries[0].symbol, "X/Y");
  ASSERT_EQ(m.entries[0].ask_count, 1);
  EXPECT_EQ(m.entries[0].asks[0].px.raw(), 101'250'000'000);
  EXPECT_EQ(m.entries[0].asks[0].qty.raw(), 250'000'000);
  EXPECT_EQ(m.entries[0].checksum, 7u);
  // An extra key in a level is skipped.
  ASSERT_EQ(
      Parse(
          p,
          R"({"channel":"book","type":"snapshot","data":[{"symbol":"X/Y","bids":[{"price":1.5,"qty":2,"n":{"a":[1]}}],"asks":[],"checksum":1}]})",
          &m),
      ParseStatus::kOk);
  ASSERT_EQ(m.entries[0].bid_count, 1);
  EXPECT_EQ(m.entries[0].bids[0].px.raw(), 1'500'000'000);
  EXPECT_EQ(m.entries[0].bids[0].qty.raw(), 200'000'000);
  // Status data before the channel.
  ASSERT_EQ(Parse(p, R"({"data":[{"system":"maintenance"}],"type":"update","channel":"status"})", &m),
            ParseStatus::kOk);
  EXPECT_EQ(m.kind, MessageKind::kStatus);
  EXPECT_EQ(m.system, "maintenance");
}

std::string BookMsg(const std::string& entry) { return R"({"channel":"book","type":"update","data":[)" + entry + "]}"; }

TEST(KrakenParse, MalformedInputIsAnErrorNeverACrash) {
  struct Case {
    std::string text;
    ParseStatus expect;
  };
  const std::string ok_bids = R"("bids":[{"price":1.5,"qty":2}])";
  const Case cases[] = {
      // Missing fields.
      {BookMsg(R"({"symbol":"X",)" + ok_bids + R"(,"asks":[]})"), ParseStatus::kMissingField},  // checksum
      {BookMsg(R"({)" + ok_bids + R"(,"asks":[],"checksum":1})"), ParseStatus::kMissingField},  // symbol
      {BookMsg(R"({"symbol":"X","asks":[],"checksum":1})"), ParseStatus::kMissingField},        // bids
      {BookMsg(R"({"symbol":"X","bids":[{"price":1.5}],"asks":[],"checksum":1})"), ParseStatus::kMissingField},
      {BookMsg(R"({"symbol":"X","bids":[{"qty":1.5}],"asks":[],"checksum":1})"), ParseStatus::kMissingField},
      {R"({"channel":"book","type":"update"})", ParseStatus::kMissingField},            // data
      {R"({"channel":"book","data":[]})", ParseStatus::kMissingField},                  // type
      {R"({"channel":"book","type":"update","data":[]})", ParseStatus::kMissingField},  // no entry
      {R"({"method":"subscribe","result":{}})", ParseStatus::kMissingField},            // success
      // Non-numeric and out-of-range numbers.
      {BookMsg(R"({"symbol":"X","bids":[{"price":abc,"qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadJson},
      {BookMsg(R"({"symbol":"X","bids":[{"price":1e5,"qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X","bids":[{"price":-1.5,"qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X","bids":[{"price":01.5,"qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X","bids":[{"price":1.0000000001,"qty":1}],"asks":[],"checksum":1})"),
       ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X","bids":[{"price":99999999999999999999,"qty":1}],"asks":[],"checksum":1})"),
       ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X","bids":[{"price":1.5,"qty":0.000000001}],"asks":[],"checksum":1})"),
       ParseStatus::kBadNumber},
      {BookMsg(R"({"symbol":"X",)" + ok_bids + R"(,"asks":[],"checksum":4294967296})"), ParseStatus::kBadNumber},
      // Wrong JSON types (price as a string among them).
      {BookMsg(R"({"symbol":"X","bids":[{"price":"1.5","qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X","bids":[{"price":true,"qty":1}],"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X","bids":[{"price":1.5,"qty":null}],"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X","bids":[[1.5,1]],"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X","bids":{},"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":7,)" + ok_bids + R"(,"asks":[],"checksum":1})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X",)" + ok_bids + R"(,"asks":[],"checksum":"1"})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X",)" + ok_bids + R"(,"asks":[],"checksum":1.5})"), ParseStatus::kBadField},
      {BookMsg(R"({"symbol":"X",)" + ok_bids + R"(,"asks":[],"checksum":1,"timestamp":"yesterday"})"),
       ParseStatus::kBadField},
      {BookMsg(R"("not an object")"), ParseStatus::kBadField},
      {R"({"channel":"book","type":"update","data":{}})", ParseStatus::kBadField},
      {R"({"channel":5})", ParseStatus::kBadField},
      {R"({"method":"subscribe","success":"yes"})", ParseStatus::kBadField},
      {R"({"method":"pong","req_id":"abc"})", ParseStatus::kBadField},
      // Not JSON: truncated, binary, trailing bytes, wrong root.
      {R"({"channel":"book","type":"update","data":[{"symbol":"X","bids":[{"price":1.5,)", ParseStatus::kBadJson},
      {R"({"channel":"heartbeat")", ParseStatus::kBadJson},
      {std::string("\x00\xff\xfe\x13\x37garbage\x80", 13), ParseStatus::kBadJson},
      {R"({"channel":"heartbeat"} {"channel":"heartbeat"})", ParseStatus::kBadJson},
      {"", ParseStatus::kBadJson},
      {"[1,2,3]", ParseStatus::kBadJson},
      {"null", ParseStatus::kBadJson},
      // Valid JSON we do not handle.
      {R"({"channel":"ticker","type":"update","data":[]})", ParseStatus::kUnknown},
      {R"({"channel":"book","type":"partial","data":[]})", ParseStatus::kUnknown},
      {R"({"method":"add_order","success":true})", ParseStatus::kUnknown},
      {R"({"hello":"world"})", ParseStatus::kUnknown},
  };
  Parser p;
  Message m;
  for (const Case& c : cases) EXPECT_EQ(Parse(p, c.text, &m), c.expect) << c.text;
}

TEST(KrakenParse, TooManyLevelsIsRefusedNotOverrun) {
  std::string bids = "[";
  for (int i = 0; i <= Parser::kMaxLevels; ++i)
    bids += std::string(i ? "," : "") + "{\"price\":" + std::to_string(i + 1) + ".5,\"qty\":1}";
  bids += "]";
  Parser p;
  Message m;
  EXPECT_EQ(Parse(p, BookMsg(R"({"symbol":"X","bids":)" + bids + R"(,"asks":[],"checksum":1})"), &m),
            ParseStatus::kTooManyLevels);
}

TEST(KrakenParse, Rfc3339Timestamps) {
  Nanos t;
  ASSERT_TRUE(ParseRfc3339("2023-10-06T17:35:55.440295Z", &t));
  EXPECT_EQ(t.value, 1'696'613'755'440'295'000);
  ASSERT_TRUE(ParseRfc3339("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t.value, 0);
  ASSERT_TRUE(ParseRfc3339("2024-02-29T23:59:59.123456789Z", &t));
  EXPECT_EQ(t.value, 1'709'251'199'123'456'789);
  for (const char* bad : {"", "2023-10-06", "2023-10-06T17:35:55", "2023-10-06T17:35:55.Z", "2023-13-06T17:35:55Z",
                          "2023-02-29T17:35:55Z", "2023-10-06T24:00:00Z", "2023-10-06T17:35:55+01:00",
                          "2023-10-06 17:35:55Z", "2023-10-06T17:35:55ZZ", "9999-12-31T23:59:59Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}


// The in-place scan of a book message's `data` and On-Demand's reading of the same bytes agree
// on every input: the same status and, on success, the same entries (symbol, checksum, time,
// every level's value and text). Hand-picked edge cases of the compact form, then seeded random
// mutations of the samples (the seed is printed).
TEST(KrakenParse, InPlaceDataScanMatchesOnDemand) {
  Parser fast;
  Parser slow;
  slow.set_in_place_data(false);
  auto same = [&](const std::string& text) {
    const std::string buf = Padded(text);
    Message a, b;
    const ParseStatus sa = fast.Parse(buf.data(), text.size(), &a);
    const ParseStatus sb = slow.Parse(buf.data(), text.size(), &b);
    ASSERT_EQ(sa, sb) << text;
    if (sa != ParseStatus::kOk) return;
    ASSERT_EQ(a.kind, b.kind) << text;
    ASSERT_EQ(a.entry_count, b.entry_count) << text;
    for (int i = 0; i < a.entry_count; ++i) {
      const BookEntry& x = a.entries[i];
      const BookEntry& y = b.entries[i];
      ASSERT_EQ(x.symbol, y.symbol) << text;
      ASSERT_EQ(x.checksum, y.checksum) << text;
      ASSERT_EQ(x.timestamp, y.timestamp) << text;
      ASSERT_EQ(x.bid_count, y.bid_count) << text;
      ASSERT_EQ(x.ask_count, y.ask_count) << text;
      for (int k = 0; k < x.bid_count; ++k) {
        ASSERT_EQ(x.bids[k].px, y.bids[k].px) << text;
        ASSERT_EQ(x.bids[k].qty, y.bids[k].qty) << text;
        ASSERT_EQ(x.bids[k].px_text, y.bids[k].px_text) << text;
        ASSERT_EQ(x.bids[k].qty_text, y.bids[k].qty_text) << text;
      }
      for (int k = 0; k < x.ask_count; ++k) {
        ASSERT_EQ(x.asks[k].px, y.asks[k].px) << text;
        ASSERT_EQ(x.asks[k].qty, y.asks[k].qty) << text;
        ASSERT_EQ(x.asks[k].px_text, y.asks[k].px_text) << text;
      }
    }
  };
  const std::string head = R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD",)";
  const std::string tail = R"(,"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]})";
  for (const std::string& mid : std::vector<std::string>{
           R"("bids":[{"price":45283.5,"qty":0.1}],"asks":[])",
           R"("bids":[],"asks":[{"price":45285.2,"qty":0.0}])",
           R"("bids":[{"price":45283.5,"qty":0}],"asks":[{"price":0.5,"qty":10}])",
           R"("bids":[{"qty":0.1,"price":45283.5}],"asks":[])",
           R"("bids":[{"price":45283.5,"qty":0.1,"x":1}],"asks":[])",
           R"("bids":[{"price":45283.5}],"asks":[])",
           R"("bids":[{"price":045283.5,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":45283.5e0,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":-45283.5,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":"45283.5","qty":0.1}],"asks":[])",
           R"("bids":[{"price":45283.,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":45283.5000000001,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":1234567890123.5,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":45283.5 ,"qty":0.1}],"asks":[])",
           R"("bids":[ {"price":45283.5,"qty":0.1}],"asks":[])",
           R"("bids":[{"price":45283.5,"qty":0.1},],"asks":[])",
           R"("bids":[{"price":45283.5,"qty":0.1}],"bids":[],"asks":[])",
           R"("bids":[{"price":45283.5,"qty":0.1}])",
           R"("bids":[],"asks":[],"extra":"x")",
           R"("bids":[],"asks":[],"extra":7)",
           R"("bids":[],"asks":[],"symbol":"ETH/USD")",
       }) {
    same(head + mid + tail);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const std::string lv = R"({"symbol":"BTC/USD","bids":[{"price":1.5,"qty":2}],"asks":[])";
  for (const std::string& text : std::vector<std::string>{
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":4294967295}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":4294967296}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":012}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":0}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":-1}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1.0}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1,"timestamp":"2023-13-06T17:35:55Z"}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1,"timestamp":"x","timestamp":"y"}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1}]} )",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1}],"x":1})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1}]}})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1}]})" + "x",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1},)" + lv + R"(,"checksum":2}]})",
           R"({"channel":"book","type":"update","data":[]})",
           R"({"channel":"book","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book","data":[)" + lv + R"(,"checksum":1}],"type":"snapshot"})",
           R"({"channel":"book","type":"bogus","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"type":"update","data":[)" + lv + R"(,"checksum":1}],"channel":"book"})",
           // The envelope-only stage 1: a key that only looks like `data`, bytes stage 1 would refuse.
           R"({"channel":"book","type":"update","x":"a,\"data\":[","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book","type":"update","x":{"data":[1]},"data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book","type":"update","data":[],"data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book" "type":"update","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"status","type":"update","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book","type":"update","x":"caf)" "\xc3\xa9" R"(","data":[)" + lv + R"(,"checksum":1}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1,"x":"caf)" "\xc3\xa9" R"("}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1,"x":"caf)" "\xc3" R"("}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1,"x":"a)" "\x01" R"("}]})",
           R"({"channel":"book","type":"update","data":[)" + lv + R"(,"checksum":1}])" "\t}",
       }) {
    same(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const uint64_t seed = 20261124;
  std::printf("kraken in-place/On-Demand differential seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const char alphabet[] = "[]{}\",.: 0123456789-eE\\a";
  for (const char* sample : {"kraken/book_update.json", "kraken/book_snapshot.json", "kraken/book_update_multi.json"}) {
    const std::string base = nlohmann::json::parse(VenueFixture(sample)).dump();  // compact, as Kraken sends
    same(base);
    for (int i = 0; i < 15000; ++i) {
      const std::string t = hs::testing::MutateText(base, std::string_view(alphabet, sizeof alphabet - 1), rng);
      same(t);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace hs::kraken
