// Coinbase parsers against the recorded samples (exact raw integers) and malformed input.
#include "venues/coinbase/coinbase_parse.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"
#include "venues/coinbase/coinbase_book.h"

namespace hs::coinbase {
namespace {

using testing::Padded;
using testing::VenueFixture;

ParseStatus Adv(Parser& p, const std::string& text, Frame* f) {
  const std::string buf = Padded(text);
  return p.Parse(buf.data(), text.size(), f);
}

// Parses into `keep` so the frame's views stay valid after the call.
ParseStatus AdvKeep(Parser& p, const std::string& text, std::string* keep, Frame* f) {
  *keep = Padded(text);
  return p.Parse(keep->data(), text.size(), f);
}

ParseStatus Exch(Parser& p, const std::string& text, std::string* keep, ExchangeFrame* f) {
  *keep = Padded(text);
  return p.ParseExchange(keep->data(), text.size(), f);
}

TEST(CoinbaseParse, AdvancedTradeSnapshotSampleExactRaws) {
  Parser p;
  Frame f;
  std::string keep;
  ASSERT_EQ(AdvKeep(p, VenueFixture("coinbase/l2_data_snapshot.json"), &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kL2Data);
  EXPECT_EQ(f.channel, "l2_data");
  EXPECT_TRUE(f.has_sequence);
  EXPECT_EQ(f.sequence_num, 0u);
  EXPECT_EQ(f.timestamp.value, 1'675'974'770'714'964'855) << "2023-02-09T20:32:50.714964855Z, every digit kept";
  ASSERT_EQ(f.event_count, 1);
  EXPECT_EQ(f.events[0].type, EventType::kSnapshot);
  EXPECT_EQ(f.events[0].product_id, "BTC-USD");
  ASSERT_EQ(f.events[0].count, 2u);
  ASSERT_EQ(f.level_count, 2);
  const L2Level* lv = f.levels + f.events[0].first;
  EXPECT_TRUE(lv[0].bid);
  EXPECT_EQ(lv[0].px.raw(), 21'921'730'000'000);  // "21921.73" at 10^-9
  EXPECT_EQ(lv[0].qty.raw(), 6'317'902);          // "0.06317902" at 10^-8
  EXPECT_TRUE(lv[1].bid);
  EXPECT_EQ(lv[1].px.raw(), 21'921'300'000'000);
  EXPECT_EQ(lv[1].qty.raw(), 2'000'000);
}

TEST(CoinbaseParse, UpdateEventsOfSeveralProductsHeartbeatsAndAcks) {
  Parser p;
  Frame f;
  std::string keep;
  const std::string upd =
      R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":7,"events":[)"
      R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"offer","event_time":"2023-02-09T20:32:50.7Z",)"
      R"("price_level":"21930.5","new_quantity":"0"},{"side":"bid","event_time":"2023-02-09T20:32:50.7Z",)"
      R"("price_level":"21921.74","new_quantity":"1.5"}]},)"
      R"({"type":"update","product_id":"ETH-USD","updates":[{"price_level":"1500.01","new_quantity":"12.25","side":"offer"}]}]})";
  ASSERT_EQ(AdvKeep(p, upd, &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.sequence_num, 7u);
  EXPECT_EQ(f.timestamp.value, 1'675'974'771'000'000'000);
  ASSERT_EQ(f.event_count, 2);
  EXPECT_EQ(f.events[0].type, EventType::kUpdate);
  EXPECT_EQ(f.events[0].count, 2u);
  EXPECT_EQ(f.events[1].product_id, "ETH-USD");
  EXPECT_EQ(f.events[1].first, 2u);
  ASSERT_EQ(f.level_count, 3);
  EXPECT_FALSE(f.levels[0].bid) << "\"offer\" is the ask side";
  EXPECT_TRUE(f.levels[0].qty.is_zero()) << "\"0\" deletes the level";
  EXPECT_EQ(f.levels[1].px.raw(), 21'921'740'000'000);
  EXPECT_EQ(f.levels[1].qty.raw(), 150'000'000);
  EXPECT_FALSE(f.levels[2].bid);
  EXPECT_EQ(f.levels[2].px.raw(), 1'500'010'000'000);
  EXPECT_EQ(f.levels[2].qty.raw(), 1'225'000'000);

  ASSERT_EQ(Adv(p, R"({"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:56.121961769Z",)"
                   R"("sequence_num":8,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105",)"
                   R"("heartbeat_counter":3}]})",
                &f),
            ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kHeartbeats);
  EXPECT_EQ(f.sequence_num, 8u);
  ASSERT_EQ(Adv(p, R"({"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z",)"
                   R"("sequence_num":1,"events":[{"subscriptions":{"level2":["BTC-USD"]}}]})",
                &f),
            ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kSubscriptions);
  EXPECT_EQ(f.sequence_num, 1u);
  ASSERT_EQ(Adv(p, R"({"channel":"ticker","sequence_num":9,"events":[]})", &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kOtherChannel);
  ASSERT_EQ(AdvKeep(p, R"({"type":"error","message":"Failed to subscribe"})", &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, FrameKind::kError);
  EXPECT_EQ(f.error_message, "Failed to subscribe");
}

TEST(CoinbaseParse, KeyOrderAndWhitespaceDoNotMatter) {
  Parser p;
  Frame f;
  std::string keep;
  // events before channel and sequence_num; keys inside events and levels reversed; spaces.
  const std::string text =
      "{ \"events\" : [ { \"updates\" : [ { \"new_quantity\" : \"2\" , \"price_level\" : \"100.5\" ,"
      " \"event_time\" : \"x\" , \"side\" : \"bid\" , \"extra\" : {\"a\":[1,2.5e3,true,null,\"s\\\"q\"]} } ] ,"
      " \"product_id\" : \"BTC-USD\" , \"type\" : \"snapshot\" } ] ,\n \"sequence_num\" : 3 , \"channel\" : \"l2_data\" }";
  ASSERT_EQ(AdvKeep(p, text, &keep, &f), ParseStatus::kOk);
  ASSERT_EQ(f.event_count, 1);
  EXPECT_EQ(f.events[0].type, EventType::kSnapshot);
  EXPECT_EQ(f.events[0].product_id, "BTC-USD");
  ASSERT_EQ(f.level_count, 1);
  EXPECT_EQ(f.levels[0].px.raw(), 100'500'000'000);
  EXPECT_EQ(f.levels[0].qty.raw(), 200'000'000);
  EXPECT_EQ(f.timestamp.value, 0) << "no timestamp: zero";
}

TEST(CoinbaseParse, KeysAfterEventsStillParse) {
  Parser p;
  Frame f;
  std::string keep;
  const std::string text =
      R"({"channel":"l2_data","sequence_num":12,"events":[{"type":"update","product_id":"BTC-USD","updates":[)"
      R"({"side":"offer","price_level":"5","new_quantity":"1"}]}],"timestamp":"2023-02-09T20:32:51Z","extra":[1,{"b":null}]})";
  ASSERT_EQ(AdvKeep(p, text, &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.sequence_num, 12u);
  EXPECT_EQ(f.timestamp.value, 1'675'974'771'000'000'000);
  ASSERT_EQ(f.level_count, 1);
  EXPECT_EQ(f.levels[0].px.raw(), 5'000'000'000);
  EXPECT_EQ(Adv(p, text + " 1", &f), ParseStatus::kBadJson) << "trailing bytes";
}

TEST(CoinbaseParse, ExchangeSamplesExactRaws) {
  Parser p;
  ExchangeFrame f;
  std::string keep;
  ASSERT_EQ(Exch(p, VenueFixture("coinbase/level2_snapshot.json"), &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, ExchangeKind::kSnapshot);
  EXPECT_EQ(f.product_id, "BTC-USD");
  ASSERT_EQ(f.bid_count, 1);
  ASSERT_EQ(f.ask_count, 1);
  EXPECT_EQ(f.bids[0].px.raw(), 10'101'100'000'000);
  EXPECT_EQ(f.bids[0].qty.raw(), 45'054'140);
  EXPECT_EQ(f.bids[0].px_text, "10101.10");
  EXPECT_EQ(f.asks[0].px.raw(), 10'102'550'000'000);
  EXPECT_EQ(f.asks[0].qty.raw(), 57'753'524);

  ASSERT_EQ(Exch(p, VenueFixture("coinbase/level2_l2update.json"), &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, ExchangeKind::kL2Update);
  EXPECT_EQ(f.product_id, "BTC-USD");
  EXPECT_EQ(f.time.value, 1'659'626'705'010'758'000);
  ASSERT_EQ(f.change_count, 2);
  EXPECT_TRUE(f.changes[0].bid);
  EXPECT_EQ(f.changes[0].px.raw(), 22'356'270'000'000);
  EXPECT_TRUE(f.changes[0].qty.is_zero()) << "\"0.00000000\" deletes";
  EXPECT_EQ(f.changes[1].px.raw(), 22'356'300'000'000);
  EXPECT_EQ(f.changes[1].qty.raw(), 100'000'000);

  ASSERT_EQ(Exch(p, VenueFixture("coinbase/ticker.json"), &keep, &f), ParseStatus::kOk);
  EXPECT_EQ(f.kind, ExchangeKind::kTicker);
  EXPECT_EQ(f.product_id, "ETH-USD");
  EXPECT_EQ(f.sequence, 37'475'248'783u) << "beyond int32";
  EXPECT_EQ(f.trade_id, 370'843'401u);
  EXPECT_EQ(f.price.raw(), 1'285'220'000'000);
  EXPECT_EQ(f.best_bid.raw(), 1'285'040'000'000);
  ASSERT_TRUE(f.has_best_bid_size);
  EXPECT_EQ(f.best_bid_size.raw(), 46'688'654);
  EXPECT_EQ(f.best_ask.raw(), 1'285'270'000'000);
  ASSERT_TRUE(f.has_best_ask_size);
  EXPECT_EQ(f.best_ask_size.raw(), 156'637'040);
  EXPECT_EQ(f.last_size.raw(), 1'143'969'870);
  EXPECT_TRUE(f.buy_side);
  EXPECT_EQ(f.time.value, 1'666'222'102'061'769'000);

  std::istringstream in(VenueFixture("coinbase/ticker_recorded.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ASSERT_EQ(Exch(p, line, &keep, &f), ParseStatus::kOk) << line;
    ++n;
    EXPECT_EQ(f.product_id, "BAND-GBP");
    EXPECT_EQ(f.sequence, 333'938'798u);
    EXPECT_EQ(f.price.raw(), 14'777'500'000);
    EXPECT_EQ(f.best_bid.raw(), 14'755'000'000);
    EXPECT_EQ(f.best_ask.raw(), 14'806'000'000);
    EXPECT_FALSE(f.has_best_bid_size) << "the 2021 recording has no sizes";
    EXPECT_FALSE(f.has_best_ask_size);
    EXPECT_EQ(f.trade_id, 881'613u);
    EXPECT_EQ(f.last_size.raw(), 4'000'000);
    EXPECT_EQ(f.time.value, 1'618'677'810'244'075'000);
  }
  EXPECT_EQ(n, 1);
}

// The recorded snapshot followed by the constructed ack, update and heartbeat: one connection's
// first four envelopes, through the parser and the book.
TEST(CoinbaseParse, ConstructedSamplesContinueTheRecordedSnapshot) {
  Parser p;
  ConnectionBooks books({"BTC-USD"}, 1000);
  books.Reset(ConnectionBooks::Start::kZero);
  const char* files[] = {"coinbase/l2_data_snapshot.json", "coinbase/subscriptions_constructed.json",
                         "coinbase/l2_data_update_constructed.json", "coinbase/heartbeats_constructed.json"};
  const venues::BookEvent expect[] = {venues::BookEvent::kSnapshot, venues::BookEvent::kIgnored,
                                      venues::BookEvent::kApplied, venues::BookEvent::kIgnored};
  const FrameKind kinds[] = {FrameKind::kL2Data, FrameKind::kSubscriptions, FrameKind::kL2Data, FrameKind::kHeartbeats};
  for (int i = 0; i < 4; ++i) {
    Frame f;
    std::string keep;
    ASSERT_EQ(AdvKeep(p, VenueFixture(files[i]), &keep, &f), ParseStatus::kOk) << files[i];
    EXPECT_EQ(f.kind, kinds[i]) << files[i];
    EXPECT_EQ(f.sequence_num, static_cast<uint64_t>(i)) << files[i];
    EXPECT_EQ(books.OnFrame(f, 0), expect[i]) << files[i] << ": " << books.detail(0);
  }
  const book::OrderBook& b = books.book(0);
  ASSERT_EQ(b.bids().size(), 1);
  EXPECT_EQ(b.bids().level(0).px.raw(), 21'921'300'000'000);
  EXPECT_EQ(b.bids().level(0).qty.raw(), 2'000'000);
  ASSERT_EQ(b.asks().size(), 1);
  EXPECT_EQ(b.asks().level(0).px.raw(), 21'925'010'000'000);
  EXPECT_EQ(b.asks().level(0).qty.raw(), 41'500'000);
  EXPECT_TRUE(books.usable(0));
}

TEST(CoinbaseParse, RequestSamplesAreNotMarketData) {
  Parser p;
  Frame f;
  ExchangeFrame x;
  std::string keep;
  // A subscribe request names a channel but carries no sequence: not an envelope we know.
  EXPECT_EQ(Adv(p, VenueFixture("coinbase/advanced_level2_subscribe_request.json"), &f), ParseStatus::kUnknown);
  EXPECT_EQ(Exch(p, VenueFixture("coinbase/level2_subscribe_request.json"), &keep, &x), ParseStatus::kUnknown);
  EXPECT_EQ(Adv(p, VenueFixture("coinbase/advanced_order_create_request.json"), &f), ParseStatus::kUnknown);
  EXPECT_EQ(Exch(p, VenueFixture("coinbase/exchange_order_create_response.json"), &keep, &x), ParseStatus::kUnknown);
}

TEST(CoinbaseParse, MalformedInputIsAnErrorNeverACrash) {
  Parser p;
  Frame f;
  struct Case {
    std::string text;
    ParseStatus expect;
  };
  const std::string head = R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[)";
  const std::string tail = "]}]}";
  auto lv = [&](const std::string& level) { return head + level + tail; };
  const Case cases[] = {
      // missing fields
      {R"({"channel":"l2_data","events":[]})", ParseStatus::kMissingField},           // no sequence_num
      {R"({"channel":"l2_data","sequence_num":1})", ParseStatus::kMissingField},      // no events
      {R"({"channel":"heartbeats","events":[]})", ParseStatus::kMissingField},        // no sequence_num
      {lv(R"({"side":"bid","price_level":"1.5"})"), ParseStatus::kMissingField},        // no new_quantity
      {lv(R"({"price_level":"1.5","new_quantity":"1"})"), ParseStatus::kMissingField},  // no side
      {lv(R"({"side":"bid","new_quantity":"1"})"), ParseStatus::kMissingField},         // no price_level
      {lv("{}"), ParseStatus::kMissingField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","updates":[]}]})", ParseStatus::kMissingField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"product_id":"X","updates":[]}]})", ParseStatus::kMissingField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"X"}]})", ParseStatus::kMissingField},
      // non-numeric, negative, exponent, too precise, overflowing, zero price
      {lv(R"({"side":"bid","price_level":"abc","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"-1.5","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"1e5","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"0.000000001"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"99999999999999999999","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"0","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","price_level":"1\u0030","new_quantity":"1"})"), ParseStatus::kBadNumber},
      // wrong types
      {lv(R"({"side":"bid","price_level":1.5,"new_quantity":"1"})"), ParseStatus::kBadField},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":null})"), ParseStatus::kBadField},
      {lv(R"({"side":1,"price_level":"1.5","new_quantity":"1"})"), ParseStatus::kBadField},
      {lv(R"(["bid","1.5","1"])"), ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":"1","events":[]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":-1,"events":[]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1.5,"events":[]})", ParseStatus::kBadField},
      {R"({"channel":7,"sequence_num":1,"events":[]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"events":{}})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[1]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"X","updates":{}}]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":7,"updates":[]}]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"timestamp":"yesterday","events":[]})", ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"timestamp":"2023-02-30T00:00:00Z","events":[]})", ParseStatus::kBadField},
      // values we do not accept
      {lv(R"({"side":"ask","price_level":"1.5","new_quantity":"1"})"), ParseStatus::kBadField},  // Exchange vocabulary
      {lv(R"({"side":"buy","price_level":"1.5","new_quantity":"1"})"), ParseStatus::kBadField},
      {R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"delta","product_id":"X","updates":[]}]})", ParseStatus::kBadField},
      // not JSON: truncated, garbage, trailing bytes, broken grammar inside the events span
      {head + R"({"side":"bid","price_l)", ParseStatus::kBadJson},
      {R"({"channel":"l2_data","seq)", ParseStatus::kBadJson},
      {"", ParseStatus::kBadJson},
      {"[1,2,3]", ParseStatus::kBadJson},
      {"null", ParseStatus::kBadJson},
      {std::string("\x00\xff\xfe\x13\x37garbage", 12), ParseStatus::kBadJson},
      {R"({"channel":"heartbeats","sequence_num":1,"events":[]} {})", ParseStatus::kBadJson},
      {lv(R"({"side":"bid" "price_level":"1.5","new_quantity":"1"})"), ParseStatus::kBadJson},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"1",})"), ParseStatus::kBadJson},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"1","x":tru})"), ParseStatus::kBadJson},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"1","x":01})"), ParseStatus::kBadJson},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"1","x":"\q"})"), ParseStatus::kBadJson},
      // the canonical level shape (its fixed-compare fast path) with bad values: same verdicts
      {lv(R"({"side":"bid","event_time":"t","price_level":"abc","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","event_time":"t","price_level":"0","new_quantity":"1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"bid","event_time":"t","price_level":"1","new_quantity":"-1"})"), ParseStatus::kBadNumber},
      {lv(R"({"side":"ask","event_time":"t","price_level":"1","new_quantity":"1"})"), ParseStatus::kBadField},
      {lv(R"({"side":"bid","event_time":7,"price_level":"1","new_quantity":"1"})"), ParseStatus::kOk},
      {lv(R"({"side":"bid","event_time":"t","price_level":"1","new_quantity":"1","x":1})"), ParseStatus::kOk},
      {lv(R"({"side":"bid","event_time":"t","price_level":"1","new_quantity":1})"), ParseStatus::kBadField},
      {lv(R"({"side":"bid","event_time":"t","price_level":"1","new_quantity":"1")"), ParseStatus::kBadJson},
      {lv(R"({"side":"offer","event_time":"t\u0000","price_level":"1","new_quantity":"1"})"), ParseStatus::kOk},
      {lv("{\"side\":\"bid\",\"event_time\":\"t\x01\",\"price_level\":\"1\",\"new_quantity\":\"1\"}"), ParseStatus::kBadJson},
      // events last (the in-place fast path): what follows the array is checked too
      {R"({"channel":"l2_data","sequence_num":1,"events":[]} x)", ParseStatus::kBadJson},
      {R"({"channel":"l2_data","sequence_num":1,"events":[] ,})", ParseStatus::kBadJson},
      {R"({"channel":"l2_data","sequence_num":1,"events":[)", ParseStatus::kBadJson},
      {R"({"channel":"heartbeats","sequence_num":1,"events":[{"a":tru}]})", ParseStatus::kBadJson},
      {lv(R"({"side":"bid","price_level":"1.5","new_quantity":"1"})") + "]", ParseStatus::kBadJson},
      // valid JSON we do not know
      {R"({"hello":"world"})", ParseStatus::kUnknown},
      {R"({"type":"snapshot","product_id":"BTC-USD","bids":[],"asks":[]})", ParseStatus::kUnknown},  // Exchange shape
      {R"({"channel":"ticker","events":[]})", ParseStatus::kUnknown},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Adv(p, c.text, &f), c.expect) << c.text;
  }
}

TEST(CoinbaseParse, ExchangeMalformed) {
  Parser p;
  ExchangeFrame f;
  std::string keep;
  struct Case {
    std::string text;
    ParseStatus expect;
  };
  const Case cases[] = {
      {R"({"type":"snapshot","product_id":"X","bids":[]})", ParseStatus::kMissingField},
      {R"({"type":"snapshot","product_id":"X","bids":[["1","x"]],"asks":[]})", ParseStatus::kBadNumber},
      {R"({"type":"l2update","product_id":"X","changes":[["ask","1","1"]]})", ParseStatus::kBadField},
      {R"({"type":"l2update","product_id":"X","changes":[["buy","1"]]})", ParseStatus::kMissingField},
      {R"({"type":"l2update","product_id":"X","changes":[["buy","1","1","1"]]})", ParseStatus::kBadJson},
      {R"({"type":"l2update","product_id":"X","changes":[["buy",1,"1"]]})", ParseStatus::kBadField},
      {R"({"type":"ticker","product_id":"X","sequence":1,"price":"1","best_bid":"1"})", ParseStatus::kMissingField},
      {R"({"type":"ticker","product_id":"X","sequence":"1","price":"1","best_bid":"1","best_ask":"2"})", ParseStatus::kBadField},
      {R"({"type":"heartbeat","sequence":1})", ParseStatus::kUnknown},
      {R"({"type":"l2upd)", ParseStatus::kBadJson},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Exch(p, c.text, &keep, &f), c.expect) << c.text;
  }
}

TEST(CoinbaseParse, TooManyLevelsIsRefusedNotOverrun) {
  Parser p(1 << 16, /*max_levels=*/4);
  Frame f;
  std::string text = R"({"channel":"l2_data","sequence_num":1,"events":[{"type":"snapshot","product_id":"X","updates":[)";
  for (int i = 0; i < 5; ++i)
    text += std::string(i ? "," : "") + R"({"side":"bid","price_level":")" + std::to_string(100 + i) + R"(","new_quantity":"1"})";
  text += "]}]}";
  EXPECT_EQ(Adv(p, text, &f), ParseStatus::kTooManyLevels);
  EXPECT_EQ(p.max_levels(), 4);
}

TEST(CoinbaseParse, Rfc3339) {
  Nanos t;
  ASSERT_TRUE(ParseRfc3339("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t.value, 0);
  ASSERT_TRUE(ParseRfc3339("2000-02-29T12:00:00Z", &t));
  EXPECT_EQ(t.value, 951'825'600'000'000'000);
  ASSERT_TRUE(ParseRfc3339("2024-01-01T02:30:00.5+02:30", &t));
  EXPECT_EQ(t.value, 1'704'067'200'500'000'000);
  for (const char* bad : {"", "2023-02-09", "2023-02-09T20:32:50", "2023-02-09T20:32:50.Z", "2023-02-09T20:32:50.1234567891Z",
                          "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-02-09T24:00:00Z", "2023-02-09 20:32:50Z",
                          "2023-02-09T20:32:50Zjunk", "1969-12-31T23:59:59Z", "2023-02-09T20:32:50+0100"}) {
    EXPECT_FALSE(ParseRfc3339(bad, &t)) << bad;
  }
}


// The l2_data envelope fast path (stage 1 over the envelope only, events scanned in place) and
// the full On-Demand parse agree on every input: the same status and, on success, the same
// frame. Hand-picked edge cases of the compact form, then seeded random mutations of the
// samples (the seed is printed).
TEST(CoinbaseParse, L2FastPathMatchesTheFullParse) {
  Parser fast;
  Parser full;
  full.set_l2_fast_path(false);
  auto same = [&](const std::string& text) {
    const std::string buf = Padded(text);
    Frame a, b;
    const ParseStatus sa = fast.Parse(buf.data(), text.size(), &a);
    const ParseStatus sb = full.Parse(buf.data(), text.size(), &b);
    ASSERT_EQ(sa, sb) << text;
    if (sa != ParseStatus::kOk) return;
    ASSERT_EQ(a.kind, b.kind) << text;
    ASSERT_EQ(a.has_sequence, b.has_sequence) << text;
    ASSERT_EQ(a.sequence_num, b.sequence_num) << text;
    ASSERT_EQ(a.timestamp, b.timestamp) << text;
    ASSERT_EQ(a.channel, b.channel) << text;
    ASSERT_EQ(a.error_message, b.error_message) << text;
    ASSERT_EQ(a.event_count, b.event_count) << text;
    ASSERT_EQ(a.level_count, b.level_count) << text;
    for (int i = 0; i < a.event_count; ++i) {
      ASSERT_EQ(a.events[i].type, b.events[i].type) << text;
      ASSERT_EQ(a.events[i].product_id, b.events[i].product_id) << text;
      ASSERT_EQ(a.events[i].first, b.events[i].first) << text;
      ASSERT_EQ(a.events[i].count, b.events[i].count) << text;
    }
    for (int i = 0; i < a.level_count; ++i) {
      ASSERT_EQ(a.levels[i].bid, b.levels[i].bid) << text;
      ASSERT_EQ(a.levels[i].px, b.levels[i].px) << text;
      ASSERT_EQ(a.levels[i].qty, b.levels[i].qty) << text;
    }
  };
  const std::string up = R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2023-02-09T20:32:50.801223Z","price_level":"21921.73","new_quantity":"0"}]})";
  const std::string head = R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.814964855Z","sequence_num":2,"events":[)";
  for (const std::string& text : std::vector<std::string>{
           head + up + "]}",
           head + up + "]} ",
           head + up + "]}\n",
           head + up + "] }",
           head + up + "]}x",
           head + up + "]",
           head + up + R"(],"more":1})",
           head + up + "," + up + "]}",
           head + "]}",
           R"({"channel":"l2_data","sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","client_id":"","events":[)" + up + "]}",
           R"({"channel":"l2_data","sequence_num":2,"sequence_num":3,"events":[)" + up + "]}",
           R"({"channel":"l2_data","events":[],"sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","channel":"heartbeats","sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","sequence_num":-2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","sequence_num":2.5,"events":[)" + up + "]}",
           R"({"channel":"l2_data","timestamp":"yesterday","sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","client_id":"a,\"events\":[","sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","meta":{"x":1,"events":[]},"sequence_num":2,"events":[)" + up + "]}",
           R"({"channel":"l2_data","client_id":"caf)" "\xc3\xa9" R"(","sequence_num":2,"events":[)" + up + "]}",
           head + R"({"type":"update","product_id":"BTC-)" "\xc3\xa9" R"(","updates":[]}]})",
           head + R"({"type":"update","product_id":"BTC-)" "\xc3" R"(","updates":[]}]})",
           head + R"({"type":"update","product_id":"BTC-USD","updates":[],"note":"a)" "\x01" R"("}]})",
           head + R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"ask","event_time":"","price_level":"1","new_quantity":"1"}]}]})",
           head + R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"","price_level":"-1","new_quantity":"1"}]}]})",
           head + R"({"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"offer","event_time":"","price_level":"1.5","new_quantity":"1e3"}]}]})",
           std::string(R"({"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:56.121961769Z","sequence_num":1,"events":[{"current_time":"x","heartbeat_counter":3749}]})"),
           std::string(R"({"channel":"l2_data" ,"sequence_num":2,"events":[]})"),
           std::string(R"({"type":"error","message":"failure"})"),
       }) {
    same(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const uint64_t seed = 20261124;
  std::printf("coinbase l2 fast/full differential seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const char alphabet[] = "[]{}\",.: 0123456789-eE\\a\x80";
  for (const char* sample : {"coinbase/l2_data_update_constructed.json", "coinbase/l2_data_snapshot.json",
                             "coinbase/heartbeats_constructed.json"}) {
    const std::string base = nlohmann::json::parse(VenueFixture(sample)).dump();  // compact, as Coinbase sends
    same(base);
    for (int i = 0; i < 10000; ++i) {
      const std::string t = hs::testing::MutateText(base, std::string_view(alphabet, sizeof alphabet - 1), rng);
      same(t);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace hs::coinbase
