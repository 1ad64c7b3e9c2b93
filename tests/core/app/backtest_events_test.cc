#include "core/app/backtest_events.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "tests/support/paths.h"
#include "tests/support/test_support.h"

namespace hs::backtest {
namespace {

// The demo config: venues binance, okx, bybit, kraken, coinbase; BTC/USDT and ETH/USDT on each.
const config::Config& Demo() {
  static const config::Config c = [] {
    auto r = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  }();
  return c;
}

// binance lists BTC/USDT and ETH/USDT; kraken only BTC/USDT.
const config::Config& TwoVenues() {
  static const config::Config c = [] {
    const std::string toml = testing::UnitConfigToml(
        R"("BTC", "ETH", "USDT")", std::string(testing::kBtcUsdtInstrumentToml) + testing::kEthUsdtInstrumentToml + R"(
[[venues]]
name = "binance"
kind = "binance"
market_data_url = "ws://127.0.0.1:18401"
trading = false
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT", "ETH/USDT" = "ETHUSDT" }

[[venues]]
name = "kraken"
kind = "kraken"
market_data_url = "ws://127.0.0.1:18404"
trading = false
taker_fee = "0.0026"
symbols = { "BTC/USDT" = "BTC/USDT" }
)");
    auto r = config::ParseConfig(toml, "two.toml");
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  }();
  return c;
}

constexpr char kBook[] =
    R"({"t":1700000000000000000,"type":"book","venue":"binance","instrument":"BTC/USDT",)"
    R"("bids":[["30000.10","0.5"],["30000.00","1.25"]],"asks":[["30000.20","0.7"],["30000.30","2"]]})";

// A book line at time t with the given level arrays.
std::string BookLine(int64_t t, const std::string& bids, const std::string& asks, const std::string& venue = "binance",
                     const std::string& instrument = "BTC/USDT") {
  return R"({"t":)" + std::to_string(t) + R"(,"type":"book","venue":")" + venue + R"(","instrument":")" + instrument +
         R"(","bids":)" + bids + R"(,"asks":)" + asks + "}";
}

struct ReadAll {
  std::vector<Event> events;
  std::string error;  // empty when the input read cleanly to its end
};

ReadAll Read(EventReader& r) {
  ReadAll out;
  Event e;
  for (;;) {
    absl::StatusOr<bool> got = r.Next(&e);
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
      out.error = std::string(got.status().message());
      return out;
    }
    if (!*got) return out;
    out.events.push_back(e);
  }
}

ReadAll Read(const std::string& text, const config::Config& c = Demo()) {
  EventReader r = EventReader::FromText(text, c);
  return Read(r);
}

// The whole error message for `text`.
std::string ErrorOf(const std::string& text, const config::Config& c = Demo()) {
  ReadAll a = Read(text, c);
  EXPECT_FALSE(a.error.empty()) << "accepted: " << text;
  return a.error;
}

// Expects `text` to be refused with a message containing `want`.
void ExpectError(const std::string& text, const std::string& want, const config::Config& c = Demo()) {
  const std::string err = ErrorOf(text, c);
  EXPECT_NE(err.find(want), std::string::npos) << "want: " << want << "\n got: " << err << "\n for: " << text;
}

Price Px(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }

// ---- valid input ----

TEST(BacktestEventsTest, ReadsBookBalanceAndRawLines) {
  const std::string text =
      std::string(kBook) + "\n" +
      R"({"t":1700000000000000000,"type":"balance","venue":"okx","asset":"USDT","free":"100000.5"})" + "\n" +
      R"({"free":"0","asset":"BTC","venue":"kraken","type":"balance","t":1700000000000000001})" + "\n" +
      R"({"t":1700000000000000002,"type":"raw","venue":"okx","msg":"{\"arg\":{\"channel\":\"books\"},\"data\":[\"\\u00e9\\n\"]}"})" +
      "\n";
  const ReadAll a = Read(text);
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(a.events.size(), 4u);

  const Event& b = a.events[0];
  EXPECT_EQ(b.kind, Event::Kind::kBook);
  EXPECT_EQ(b.t, 1700000000000000000);
  EXPECT_EQ(b.line, 1);
  EXPECT_EQ(b.venue, Demo().FindVenue("binance")->id);
  EXPECT_EQ(b.instrument, Demo().FindInstrument("BTC/USDT")->id);
  ASSERT_EQ(b.bid_count, 2);
  ASSERT_EQ(b.ask_count, 2);
  EXPECT_EQ(b.bids[0].px.raw(), 30000'100000000);
  EXPECT_EQ(b.bids[0].qty.raw(), 50000000);
  EXPECT_EQ(b.bids[1].px, Px("30000"));
  EXPECT_EQ(b.bids[1].qty, Q("1.25"));
  EXPECT_EQ(b.asks[0].px, Px("30000.2"));
  EXPECT_EQ(b.asks[0].qty, Q("0.7"));
  EXPECT_EQ(b.asks[1].px, Px("30000.3"));
  EXPECT_EQ(b.asks[1].qty, Q("2"));
  EXPECT_TRUE(b.raw.empty());
  EXPECT_FALSE(b.asset.valid());

  const Event& bal = a.events[1];
  EXPECT_EQ(bal.kind, Event::Kind::kBalance);
  EXPECT_EQ(bal.venue, Demo().FindVenue("okx")->id);
  EXPECT_EQ(bal.asset, Demo().FindAsset("USDT")->id);
  EXPECT_EQ(bal.free.raw(), 100000'500000000);
  EXPECT_FALSE(bal.instrument.valid());
  EXPECT_EQ(bal.bid_count, 0);
  EXPECT_EQ(bal.ask_count, 0);
  EXPECT_EQ(bal.line, 2);

  // Keys in any order.
  EXPECT_EQ(a.events[2].venue, Demo().FindVenue("kraken")->id);
  EXPECT_EQ(a.events[2].asset, Demo().FindAsset("BTC")->id);
  EXPECT_TRUE(a.events[2].free.is_zero());
}

TEST(BacktestEventsTest, RawMessageIsUnescapedAndPadded) {
  EventReader r = EventReader::FromText(
      R"({"t":5,"type":"raw","venue":"okx","msg":"{\"a\":\"\\u00e9\\n\",\"b\":\"\u00e9\"}"})", Demo());
  Event e;
  absl::StatusOr<bool> got = r.Next(&e);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(*got);
  EXPECT_EQ(e.kind, Event::Kind::kRaw);
  EXPECT_EQ(e.venue, Demo().FindVenue("okx")->id);
  EXPECT_EQ(std::string(e.raw), "{\"a\":\"\\u00e9\\n\",\"b\":\"\xc3\xa9\"}");
  // The venue parsers' padding follows the message.
  for (int i = 0; i < kEventRawPadding; ++i) EXPECT_EQ(e.raw.data()[e.raw.size() + i], '\0');
  EXPECT_FALSE(e.instrument.valid());
  got = r.Next(&e);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(*got);
}

TEST(BacktestEventsTest, EmptyInputEndsCleanly) {
  const ReadAll a = Read("");
  EXPECT_EQ(a.error, "");
  EXPECT_TRUE(a.events.empty());
}

TEST(BacktestEventsTest, CrlfAndAMissingFinalNewlineAreAccepted) {
  const ReadAll a = Read(BookLine(1, "[]", R"([["1","1"]])") + "\r\n" + BookLine(2, R"([["1","1"]])", "[]"));
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].bid_count, 0);  // one-sided books are allowed
  EXPECT_EQ(a.events[0].ask_count, 1);
  EXPECT_EQ(a.events[1].t, 2);
  EXPECT_EQ(a.events[1].line, 2);
}

TEST(BacktestEventsTest, EqualTimesAndWhitespaceInsideLevelsAreAccepted) {
  const ReadAll a = Read(BookLine(7, R"([ [ "2" , "1" ] , ["1","0"] ])", R"([ ["3", "0.5"] ])") + "\n" +
                         BookLine(7, R"([["2","1"]])", R"([["3","1"]])") + "\n");
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].bid_count, 2);
  EXPECT_TRUE(a.events[0].bids[1].qty.is_zero());  // a zero quantity is allowed
}

TEST(BacktestEventsTest, FiftyLevelsAreTheLimit) {
  std::string bids = "[";
  for (int i = 0; i < kMaxEventLevels; ++i)
    bids += (i ? "," : "") + std::string("[\"") + std::to_string(1000 - i) + "\",\"1\"]";
  const ReadAll a = Read(BookLine(1, bids + "]", "[]"));
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.events[0].bid_count, kMaxEventLevels);
  EXPECT_EQ(a.events[0].bids[49].px, Price::FromUnits(951));

  ExpectError(BookLine(1, bids + R"(,["1","1"]])", "[]"), "line 1: \"bids\" has more than 50 levels");
}

// ---- errors: every one names the line and what is wrong ----

TEST(BacktestEventsTest, UnknownNames) {
  std::string text;
  for (int i = 1; i <= 16; ++i) text += BookLine(i, R"([["1","1"]])", R"([["2","1"]])") + "\n";
  text += BookLine(17, R"([["1","1"]])", R"([["2","1"]])", "bnance") + "\n";
  const std::string err = ErrorOf(text);
  EXPECT_EQ(err.rfind("line 17: \"venue\": unknown venue \"bnance\"", 0), 0u) << err;
  EXPECT_NE(err.find("binance, okx, bybit, kraken, coinbase"), std::string::npos) << err;

  ExpectError(BookLine(1, "[]", "[]", "binance", "BTC-USDT"),
              "line 1: \"instrument\": unknown instrument \"BTC-USDT\"");
  ExpectError(R"({"t":1,"type":"balance","venue":"okx","asset":"XRP","free":"1"})",
              "line 1: \"asset\": unknown asset \"XRP\" (the config has BTC, ETH, USDT)");
  ExpectError(R"({"t":1,"type":"raw","venue":"ftx","msg":"{}"})", "line 1: \"venue\": unknown venue \"ftx\"");
}

TEST(BacktestEventsTest, InstrumentNotListedOnTheVenue) {
  EXPECT_EQ(Read(BookLine(1, "[]", "[]", "kraken", "BTC/USDT"), TwoVenues()).error, "");
  ExpectError(BookLine(1, "[]", "[]", "kraken", "ETH/USDT"),
              "line 1: \"instrument\": \"ETH/USDT\" is not listed on venue \"kraken\"", TwoVenues());
}

TEST(BacktestEventsTest, TimeGoingBack) {
  const std::string text =
      BookLine(100, "[]", "[]") + "\n" + BookLine(456, "[]", "[]") + "\n" + BookLine(123, "[]", "[]");
  EXPECT_EQ(ErrorOf(text), "line 3: \"t\" 123 goes back in time (previous 456)");
}

TEST(BacktestEventsTest, EmptyLine) {
  EXPECT_EQ(ErrorOf(std::string(kBook) + "\n\n" + kBook), "line 2: empty line");
  EXPECT_EQ(ErrorOf("\n"), "line 1: empty line");
  EXPECT_EQ(ErrorOf("\r\n"), "line 1: empty line");
}

TEST(BacktestEventsTest, NotJsonOrNotAnObject) {
  ExpectError("{\"t\":1,", "line 1: not valid JSON");
  ExpectError("   ", "line 1: not valid JSON");
  EXPECT_EQ(ErrorOf("hello"), "line 1: not a JSON object");
  EXPECT_EQ(ErrorOf("[1,2]"), "line 1: not a JSON object");
  EXPECT_EQ(ErrorOf("\"book\""), "line 1: not a JSON object");
  EXPECT_EQ(ErrorOf("42"), "line 1: not a JSON object");
  ExpectError(std::string(kBook) + " {}", "line 1: ");
  ExpectError(std::string(kBook) + "{\"t\":2}", "line 1: ");
  // Invalid UTF-8 anywhere in the line.
  ExpectError(R"({"t":1,"type":"raw","venue":"okx","msg":"a)" + std::string("\xff") + R"("})",
              "line 1: not valid JSON");
}

TEST(BacktestEventsTest, TypeAndKeys) {
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"trade","venue":"okx"})"),
            "line 1: unknown \"type\" \"trade\" (book, balance, raw)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"venue":"okx","msg":"x"})"), "line 1: missing \"type\" (book, balance or raw)");
  ExpectError(R"({"t":1,"type":"raw","venue":"okx","msg":"x","extra":true})", "line 1: unknown key \"extra\"");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":"BTC","free":"1","bids":[]})"),
            "line 1: \"bids\" is not a key of a balance event (t, type, venue, asset, free)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","instrument":"BTC/USDT","msg":"x"})"),
            "line 1: \"instrument\" is not a key of a raw event (t, type, venue, msg)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","msg":"x","t":2})"), "line 1: duplicate key \"t\"");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","type":"raw","venue":"okx","msg":"x"})"), "line 1: duplicate key \"type\"");
  EXPECT_EQ(ErrorOf(R"({})"), "line 1: missing \"type\" (book, balance or raw)");
}

TEST(BacktestEventsTest, MissingFields) {
  EXPECT_EQ(ErrorOf(R"({"type":"raw","venue":"okx","msg":"x"})"),
            "line 1: missing \"t\" (a raw event has t, type, venue, msg)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","msg":"x"})"),
            "line 1: missing \"venue\" (a raw event has t, type, venue, msg)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx"})"),
            "line 1: missing \"msg\" (a raw event has t, type, venue, msg)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","free":"1"})"),
            "line 1: missing \"asset\" (a balance event has t, type, venue, asset, free)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":"BTC"})"),
            "line 1: missing \"free\" (a balance event has t, type, venue, asset, free)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"book","venue":"okx","instrument":"BTC/USDT","bids":[]})"),
            "line 1: missing \"asks\" (a book event has t, type, venue, instrument, bids, asks)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"book","venue":"okx","bids":[],"asks":[]})"),
            "line 1: missing \"instrument\" (a book event has t, type, venue, instrument, bids, asks)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"book","venue":"okx","instrument":"BTC/USDT","asks":[]})"),
            "line 1: missing \"bids\" (a book event has t, type, venue, instrument, bids, asks)");
}

TEST(BacktestEventsTest, WrongTypes) {
  EXPECT_EQ(ErrorOf(R"({"t":"123","type":"raw","venue":"okx","msg":"x"})"),
            "line 1: \"t\" must be an integer number of nanoseconds, got a string \"123\"");
  EXPECT_EQ(ErrorOf(R"({"t":1.5,"type":"raw","venue":"okx","msg":"x"})"),
            "line 1: \"t\" must be an integer number of nanoseconds, got a number 1.5");
  ExpectError(R"({"t":1e18,"type":"raw","venue":"okx","msg":"x"})",
              "line 1: \"t\" must be an integer number of nanoseconds");
  ExpectError(R"({"t":99999999999999999999,"type":"raw","venue":"okx","msg":"x"})",
              "line 1: \"t\" must be an integer number of nanoseconds");
  EXPECT_EQ(ErrorOf(R"({"t":null,"type":"raw","venue":"okx","msg":"x"})"),
            "line 1: \"t\" must be an integer number of nanoseconds, got null null");
  EXPECT_EQ(ErrorOf(R"({"t":-5,"type":"raw","venue":"okx","msg":"x"})"),
            "line 1: \"t\" -5 is negative (nanoseconds since the epoch)");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":5,"venue":"okx","msg":"x"})"),
            "line 1: \"type\" must be a string, got a number 5");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":["okx"],"msg":"x"})"),
            "line 1: \"venue\" must be a string, got an array");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"book","venue":"okx","instrument":{},"bids":[],"asks":[]})"),
            "line 1: \"instrument\" must be a string, got an object");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":true,"free":"1"})"),
            "line 1: \"asset\" must be a string, got a boolean true");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":"BTC","free":100})"),
            "line 1: \"free\" must be a decimal string like \"100.5\", got a number 100");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","msg":{"a":1}})"),
            "line 1: \"msg\" must be a JSON string, got an object");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","msg":"x\q"})"),
            "line 1: \"msg\" holds an invalid JSON escape: a string \"x\\q\"");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","msg":"\ud800"})"),
            "line 1: \"msg\" holds an invalid JSON escape: a string \"\\ud800\"");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"raw","venue":"okx","msg":""})"),
            "line 1: \"msg\" is empty (a raw event carries one venue message)");
  EXPECT_EQ(ErrorOf(BookLine(1, R"({"a":1})", "[]")),
            "line 1: \"bids\" must be an array of [\"price\", \"qty\"] string pairs, got an object");
  EXPECT_EQ(ErrorOf(BookLine(1, "[]", R"("1")")),
            "line 1: \"asks\" must be an array of [\"price\", \"qty\"] string pairs, got a string \"1\"");
}

TEST(BacktestEventsTest, LevelShapes) {
  const std::string shape = "line 1: \"bids\" must be an array of [\"price\", \"qty\"] string pairs (\"bids\"[";
  ExpectError(BookLine(1, R"([[1,2]])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, R"([["2","1"],["1"]])", "[]"), shape + "1] is not one)");
  ExpectError(BookLine(1, R"([["1","2","3"]])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, R"([["1",2]])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, R"(["1","2"])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, R"([[]])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, R"([{"p":"1"}])", "[]"), shape + "0] is not one)");
  ExpectError(BookLine(1, "[]", R"([["1","2"],null])"),
              "line 1: \"asks\" must be an array of [\"price\", \"qty\"] string pairs (\"asks\"[1] is not one)");
}

TEST(BacktestEventsTest, BadDecimals) {
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["abc","1"]])", "[]")),
            "line 1: \"bids\"[0] price \"abc\" is not a decimal price: invalid character in decimal");
  EXPECT_EQ(ErrorOf(BookLine(1, "[]", R"([["5","1"],["6","1e5"]])")),
            "line 1: \"asks\"[1] qty \"1e5\" is not a decimal quantity: exponent notation not allowed");
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["0.0000000001","1"]])", "[]")),
            "line 1: \"bids\"[0] price \"0.0000000001\" is not a decimal price: too many decimals for the scale");
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["1","0.000000001"]])", "[]")),
            "line 1: \"bids\"[0] qty \"0.000000001\" is not a decimal quantity: too many decimals for the scale");
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["","1"]])", "[]")),
            "line 1: \"bids\"[0] price \"\" is not a decimal price: empty decimal");
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["1\u0030","1"]])", "[]")),
            "line 1: \"bids\"[0] price \"1\\u0030\" is not a decimal price: invalid character in decimal");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":"BTC","free":"1.2.3"})"),
            "line 1: \"free\" \"1.2.3\" is not a decimal amount: more than one decimal point");
  EXPECT_EQ(ErrorOf(R"({"t":1,"type":"balance","venue":"okx","asset":"BTC","free":"-1"})"),
            "line 1: \"free\" \"-1\" must not be negative");
}

TEST(BacktestEventsTest, PricesMustBePositiveAndQuantitiesNotNegative) {
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["0","1"]])", "[]")), "line 1: \"bids\"[0] price \"0\" must be positive");
  EXPECT_EQ(ErrorOf(BookLine(1, "[]", R"([["0.000","1"]])")), "line 1: \"asks\"[0] price \"0.000\" must be positive");
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["-3","1"]])", "[]")), "line 1: \"bids\"[0] price \"-3\" must be positive");
  EXPECT_EQ(ErrorOf(BookLine(1, "[]", R"([["3","1"],["4","-0.5"]])")),
            "line 1: \"asks\"[1] qty \"-0.5\" must not be negative");
}

TEST(BacktestEventsTest, LevelsMustBeStrictlyOrdered) {
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["10","1"],["11","1"]])", "[]")),
            "line 1: \"bids\"[1] price \"11\" is not below \"bids\"[0] price \"10\" (bids must be strictly "
            "descending, best first)");
  ExpectError(BookLine(1, R"([["10","1"],["10.0","1"]])", "[]"), "line 1: \"bids\"[1] price \"10.0\" is not below");
  EXPECT_EQ(ErrorOf(BookLine(1, "[]", R"([["10","1"],["12","1"],["11","1"]])")),
            "line 1: \"asks\"[2] price \"11\" is not above \"asks\"[1] price \"12\" (asks must be strictly "
            "ascending, best first)");
  ExpectError(BookLine(1, "[]", R"([["10","1"],["10","1"]])"), "line 1: \"asks\"[1] price \"10\" is not above");
}

TEST(BacktestEventsTest, CrossedBook) {
  EXPECT_EQ(ErrorOf(BookLine(1, R"([["30000.3","1"]])", R"([["30000.2","1"]])")),
            "line 1: crossed book: best bid \"30000.3\" >= best ask \"30000.2\"");
  // Locked (equal) is crossed too; the asks may come first.
  EXPECT_EQ(
      ErrorOf(R"({"t":1,"asks":[["5.0","1"]],"bids":[["5","1"]],"type":"book","venue":"okx","instrument":"BTC/USDT"})"),
      "line 1: crossed book: best bid \"5\" >= best ask \"5.0\"");
}

TEST(BacktestEventsTest, AnErrorStopsTheReaderForGood) {
  EventReader r = EventReader::FromText(std::string(kBook) + "\nnope\n" + kBook + "\n", Demo());
  Event e;
  ASSERT_TRUE(*r.Next(&e));
  absl::StatusOr<bool> got = r.Next(&e);
  ASSERT_FALSE(got.ok());
  const std::string first(got.status().message());
  EXPECT_EQ(first, "line 2: not a JSON object");
  got = r.Next(&e);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), first);
  EXPECT_EQ(r.line(), 2);
}

// Reads `text` the three ways — the default (canonical book lines and compact levels first),
// levels in place by the byte scan, and everything through On-Demand — and expects the same
// events, field for field, and the same error.
void ExpectAllReadingsAgree(const std::string& text) {
  ReadAll runs[3];
  for (int mode = 0; mode < 3; ++mode) {
    EventReader r = EventReader::FromText(text, Demo());
    r.set_in_place_levels(mode >= 1);
    r.set_compact_levels(mode >= 2);
    runs[mode] = Read(r);
  }
  const ReadAll& x = runs[2];
  for (int mode = 0; mode < 2; ++mode) {
    const ReadAll& y = runs[mode];
    EXPECT_EQ(x.error, y.error) << "mode " << mode << ": " << text;
    ASSERT_EQ(x.events.size(), y.events.size()) << "mode " << mode << ": " << text;
    for (size_t i = 0; i < x.events.size(); ++i) {
      const Event& a = x.events[i];
      const Event& b = y.events[i];
      EXPECT_EQ(a.t, b.t);
      EXPECT_EQ(a.kind, b.kind);
      EXPECT_EQ(a.venue, b.venue);
      EXPECT_EQ(a.instrument, b.instrument);
      EXPECT_EQ(a.line, b.line);
      ASSERT_EQ(a.bid_count, b.bid_count) << text;
      ASSERT_EQ(a.ask_count, b.ask_count) << text;
      for (int j = 0; j < a.bid_count; ++j) {
        EXPECT_EQ(a.bids[j].px, b.bids[j].px);
        EXPECT_EQ(a.bids[j].qty, b.bids[j].qty);
      }
      for (int j = 0; j < a.ask_count; ++j) {
        EXPECT_EQ(a.asks[j].px, b.asks[j].px);
        EXPECT_EQ(a.asks[j].qty, b.asks[j].qty);
      }
    }
  }
}

// Reading "bids"/"asks" in place (the default) and through On-Demand (ablated) gives the same
// events and the same errors, line for line.
TEST(BacktestEventsTest, InPlaceLevelsAgreeWithOnDemand) {
  const std::string b = R"([["2","1"],["1.5","0"]])";
  const std::string a = R"([["3","1"],["4","2"]])";
  const std::string head = R"({"t":1,"type":"book","venue":"okx","instrument":"BTC/USDT",)";
  const std::vector<std::string> lines = {
      head + R"("bids":)" + b + R"(,"asks":)" + a + "}",
      head + R"("asks":)" + a + R"(,"bids":)" + b + "}",
      head + R"("bids":)" + b + R"( , "asks" : )" + a + " }  ",
      head + R"("bids": [ ["2" , "1"] ] ,"asks":[ ])" + "}",
      head + R"("bids":)" + b + "}",                      // missing asks
      head + R"("bids":)" + b + R"(,"bids":)" + b + "}",  // repeated
      head + R"("bids":)" + b + R"(,"asks":)" + a + R"(,"asks":)" + a + "}",
      head + R"("bids":)" + b + R"(,"asks":)" + a + "}x",  // trailing text
      head + R"("bids":)" + b + R"(,"asks":)" + a + "}}",
      head + R"("bids":)" + b + R"(,"asks":)" + a + R"(,"x":1})",      // unknown key after
      head + R"("bids":)" + b + R"(,"a\u0073ks":)" + a + "}",          // escaped key
      head + R"("bids":)" + b + R"(,"asks":[["1","1"]]})",             // crossed
      head + R"("bids":[["1","1"],["2","1"]],"asks":)" + a + "}",      // out of order
      head + R"("bids":)" + b + R"(,"asks":[["3","1"],["4","-2"]]})",  // negative qty
      head + R"("bids":)" + b + R"(,"asks":[["3","1"],["4"]]})",       // short level
      head + R"("bids":)" + b + R"(,"asks":[["3","1"] ["4","1"]]})",   // missing comma
      head + R"("bids":)" + b + R"(,"asks":[["3","1"],]})",            // trailing comma
      head + R"("bids":)" + b + R"(,"asks":[["3.0000000001","1"]]})",  // too precise
      head + R"("bids":)" + b + R"(,"asks":)" + a,                     // unterminated
      R"({"t":1,"bids":)" + b + R"(,"asks":)" + a + R"(,"type":"book","venue":"okx","instrument":"BTC/USDT"})",
      R"({"t":1,"type":"book","venue":"okx","bids":)" + b + R"(,"asks":)" + a + "}",  // missing instrument
      R"({"t":1,"type":"balance","venue":"okx","asset":"BTC","bids":)" + b + R"(,"asks":)" + a + "}",
  };
  for (const std::string& line : lines) ExpectAllReadingsAgree(line);
  // The first four lines are good books.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Read(lines[i]).error, "") << lines[i];
  EXPECT_EQ(Read(lines[19]).error, "");
}

// The canonical-line reader (no On-Demand) and the compact level scan take only the exact form
// writers produce; every near miss falls back and gets On-Demand's verdict. Each line below is
// read the three ways, alone and after a good line (time order, line numbers).
TEST(BacktestEventsTest, CanonicalBookLinesAgreeWithOnDemand) {
  auto levels = [](int n, int first, int step, const char* qty) {
    std::string s = "[";
    for (int i = 0; i < n; ++i)
      s += (i ? "," : "") + std::string("[\"") + std::to_string(first + i * step) + ".25\",\"" + qty + "\"]";
    return s + "]";
  };
  const std::string b10 = levels(10, 30000, -1, "0.5");
  const std::string a10 = levels(10, 30001, 1, "1.00000001");
  auto line = [&](const std::string& t, const std::string& venue, const std::string& bids, const std::string& asks) {
    return R"({"t":)" + t + R"(,"type":"book","venue":")" + venue + R"(","instrument":"BTC/USDT","bids":)" + bids +
           R"(,"asks":)" + asks + "}";
  };
  const std::string long_qty = "123456.12345678";  // a level past 32 bytes: still within 64
  const std::vector<std::string> lines = {
      line("1700000000000000000", "okx", b10, a10),
      line("0", "okx", b10, a10),
      line("9223372036854775807", "okx", b10, a10),  // the largest t
      line("9223372036854775808", "okx", b10, a10),  // one past: On-Demand refuses it
      line("99999999999999999999", "okx", b10, a10),
      line("01", "okx", b10, a10),  // leading zero: not JSON
      line("-1", "okx", b10, a10),
      line("1.5", "okx", b10, a10),
      line("1e3", "okx", b10, a10),
      line("1", "nope", b10, a10),        // unknown venue
      line("1", "ok\\u0078", b10, a10),  // an escape in the name
      line("1", "", b10, a10),
      line("1", "okx", "[]", a10),  // an empty side
      line("1", "okx", b10, "[]"),
      line("1", "okx", levels(50, 40000, -1, "1"), levels(50, 40001, 1, "1")),  // the limit
      line("1", "okx", levels(51, 40000, -1, "1"), a10),                        // one past it
      line("1", "okx", levels(3, 30000, -1, long_qty.c_str()), a10),
      line("1", "okx", levels(3, 30000, -1, "1234567890.123456789"), a10),  // too precise for Qty
      line("1", "okx", levels(3, 30000, -1, "0.0000000000000001"), a10),
      line("1", "okx", R"([["30000.25","0.5"],["0","1"]])", a10),   // price zero
      line("1", "okx", R"([["30000.25","-0.5"]])", a10),            // negative qty
      line("1", "okx", R"([["30000.25","0.5"],["30000.25","1"]])", a10),  // not strictly descending
      line("1", "okx", R"([["30000.25","0.5"],["30001.25","1"]])", a10),
      line("1", "okx", levels(3, 30005, -1, "1"), a10),  // crossed
      line("1", "okx", R"([["30000.25","0.5"] ,["29999","1"]])", a10),  // a space: the byte scan
      line("1", "okx", R"([["30000.25","0.5"],["29999","1"],])", a10),
      line("1", "okx", R"({["30000.25","0.5"],["29999","1"]])", a10),  // not an array (found by the fuzzer)
      line("1", "okx", b10, R"(x[["30001.25","0.5"]])"),
      line("1", "okx", R"([["30000.25","0.5"]["29999","1"]])", a10),
      line("1", "okx", R"([["30000.25","0.5","7"]])", a10),
      line("1", "okx", R"([["30000.25",0.5]])", a10),
      line("1", "okx", R"([["3\u0030000.25","0.5"]])", a10),
      line("1", "okx", R"([["30000.25","0.5"]])", R"([["30001.25","0.5"]])") + " ",
      line("1", "okx", R"([["30000.25","0.5"]])", R"([["30001.25","0.5"]])") + "\r",
      line("1", "okx", R"([["30000.25","0.5"]])", R"([["30001.25","0.5"]])") + "}",
      line("1", "okx", R"([["30000.25","0.5"]])", R"([["30001.25","0.5"]])").substr(0, 120),
      R"({"t":1,"type":"book","venue":"okx","instrument":"ETH/USDT","bids":)" + b10 + R"(,"asks":)" + a10 + "}",
  };
  for (const std::string& l : lines) {
    ExpectAllReadingsAgree(l);
    ExpectAllReadingsAgree(line("1", "binance", b10, a10) + "\n" + l + "\n" + l);
  }
  // The good ones are good, and read exactly.
  const ReadAll good = Read(lines[2] + "\n" + lines[14]);
  EXPECT_EQ(good.error, "line 2: \"t\" 1 goes back in time (previous 9223372036854775807)");
  ASSERT_EQ(good.events.size(), 1u);
  EXPECT_EQ(good.events[0].t, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(good.events[0].bid_count, 10);
  EXPECT_EQ(good.events[0].asks[9].qty, Qty::FromRaw(100'000'001));
  EXPECT_EQ(Read(lines[14]).events.at(0).ask_count, 50);
  EXPECT_EQ(Read(lines[16]).events.at(0).bids[2].qty, ParseDecimal<Qty>(long_qty).value);
  EXPECT_NE(Read(lines[15]).error, "");
  EXPECT_NE(Read(lines[3]).error, "");
}

// ---- files ----

// A regular file is mapped whole; anything else (a pipe, a FIFO, a process substitution) is read
// in chunks. Opens `text` through a pipe that a writer thread fills, so the read path runs.
struct PipedEvents {
  int fds[2] = {-1, -1};
  std::thread writer;
  std::string path;
  explicit PipedEvents(const std::string& text) {
    if (::pipe(fds) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
    writer = std::thread([this, text] {
      size_t off = 0;
      while (off < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + off, text.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      ::close(fds[1]);
    });
    path = "/proc/self/fd/" + std::to_string(fds[0]);
  }
  ~PipedEvents() {
    writer.join();
    ::close(fds[0]);
  }
};

TEST(BacktestEventsTest, FileReadsLikeTextAcrossReadChunks) {
  // ~3 MB: lines straddle the 1 MiB read chunks.
  std::string text;
  int64_t t = 1'700'000'000'000'000'000;
  int n = 0;
  while (text.size() < (3u << 20)) {
    if (n % 7 == 3) {
      text += R"({"t":)" + std::to_string(t) + R"(,"type":"balance","venue":"bybit","asset":"ETH","free":")" +
              std::to_string(n) + ".125\"}\n";
    } else {
      std::string bids = "[";
      std::string asks = "[";
      for (int i = 0; i < 10; ++i) {
        bids += (i ? "," : "") + std::string("[\"") + std::to_string(30000 - i - n % 50) + ".5\",\"0." +
                std::to_string(i + 1) + "\"]";
        asks += (i ? "," : "") + std::string("[\"") + std::to_string(30001 + i - n % 50) + ".5\",\"1." +
                std::to_string(i) + "\"]";
      }
      text += BookLine(t, bids + "]", asks + "]", n % 2 ? "okx" : "binance", n % 3 ? "BTC/USDT" : "ETH/USDT") + "\n";
    }
    t += 1000;
    ++n;
  }
  testing::TempDir dir;
  const std::string path = dir.File("events.jsonl");
  testing::WriteFileOrDie(path, text);

  const ReadAll from_text = Read(text);
  ASSERT_EQ(from_text.error, "");
  ASSERT_EQ(from_text.events.size(), static_cast<size_t>(n));
  for (const bool piped : {false, true}) {
  SCOPED_TRACE(piped ? "read through a pipe (chunks)" : "a mapped regular file");
  std::unique_ptr<PipedEvents> pipe;
  if (piped) pipe = std::make_unique<PipedEvents>(text);
  absl::StatusOr<EventReader> file = EventReader::Open(piped ? pipe->path : path, Demo());
  ASSERT_TRUE(file.ok()) << file.status();
  const ReadAll from_file = Read(*file);
  ASSERT_EQ(from_file.error, "");
  ASSERT_EQ(from_file.events.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Event& a = from_file.events[i];
    const Event& b = from_text.events[i];
    ASSERT_EQ(a.t, b.t);
    ASSERT_EQ(a.line, i + 1);
    ASSERT_EQ(a.kind, b.kind);
    ASSERT_EQ(a.venue, b.venue);
    ASSERT_EQ(a.instrument, b.instrument);
    ASSERT_EQ(a.asset, b.asset);
    ASSERT_EQ(a.free, b.free);
    ASSERT_EQ(a.bid_count, b.bid_count);
    ASSERT_EQ(a.ask_count, b.ask_count);
    for (int j = 0; j < a.bid_count; ++j) ASSERT_TRUE(a.bids[j].px == b.bids[j].px && a.bids[j].qty == b.bids[j].qty);
    for (int j = 0; j < a.ask_count; ++j) ASSERT_TRUE(a.asks[j].px == b.asks[j].px && a.asks[j].qty == b.asks[j].qty);
  }
  }
}

// A mapped file that ends exactly on a page boundary with no final newline: the scanners read
// past the last line, into the zero page the reader reserves after the mapping (no fault), and
// the last event is read like any other.
TEST(BacktestEventsTest, AMappedFileEndingOnAPageBoundary) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::string line = kBook;
  std::string text;
  while (text.size() + 2 * (line.size() + 1) < 2 * page) text += line + "\n";
  // Pad the last line with spaces inside its object so that the file is exactly two pages.
  std::string last = line;
  last.insert(last.size() - 1, std::string(2 * page - text.size() - last.size(), ' '));
  text += last;
  ASSERT_EQ(text.size(), 2 * page);
  testing::TempDir dir;
  const std::string path = dir.File("paged.jsonl");
  testing::WriteFileOrDie(path, text);
  absl::StatusOr<EventReader> r = EventReader::Open(path, Demo());
  ASSERT_TRUE(r.ok()) << r.status();
  const ReadAll all = Read(*r);
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.events.size(), static_cast<size_t>(std::count(text.begin(), text.end(), '\n') + 1));
  EXPECT_EQ(all.events.back().bid_count, 2);
  EXPECT_EQ(all.events.back().ask_count, 2);
}

TEST(BacktestEventsTest, ALineLongerThanTheReadChunk) {
  std::string msg(3u << 20, 'x');  // 3 MB message: the buffer grows to hold the line
  msg[100] = '"';
  std::string escaped;
  AppendJsonString(msg, &escaped);
  const std::string text = std::string(kBook) + "\n" + R"({"t":1700000000000000000,"type":"raw","venue":"okx","msg":)" +
                           escaped + "}\n" + kBook + "\n";
  // Through a pipe: the read path's buffer grows to hold the line (a mapped file has no buffer).
  PipedEvents pipe(text);
  absl::StatusOr<EventReader> r = EventReader::Open(pipe.path, Demo());
  ASSERT_TRUE(r.ok()) << r.status();
  Event e;
  ASSERT_TRUE(*r->Next(&e));
  ASSERT_TRUE(*r->Next(&e));
  EXPECT_EQ(e.kind, Event::Kind::kRaw);
  EXPECT_TRUE(e.raw == msg);
  ASSERT_TRUE(*r->Next(&e));
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.bid_count, 2);
  EXPECT_FALSE(*r->Next(&e));
}

TEST(BacktestEventsTest, MissingFile) {
  absl::StatusOr<EventReader> r = EventReader::Open("/nonexistent/events.jsonl", Demo());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot open event file /nonexistent/events.jsonl"), std::string::npos)
      << r.status();
}

// ---- --stamp ----

std::vector<Event> ReadRaw(const std::string& text, std::vector<std::string>* raws) {
  EventReader r = EventReader::FromText(text, Demo());
  std::vector<Event> out;
  Event e;
  for (;;) {
    absl::StatusOr<bool> got = r.Next(&e);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || !*got) return out;
    out.push_back(e);
    raws->emplace_back(e.raw);
  }
}

TEST(BacktestStampTest, EveryByteRoundTripsThroughTheReader) {
  std::vector<std::string> lines = {
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"data":[{"asks":[["30000.2","1","0","1"]]}]})",
      "quote \" backslash \\ slash / tab\ttab",
      std::string("controls \x01\x02\x1f\x7f bell \a vt \v ff \f bs \b mid\rcr"),
      "utf-8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 and U+2028 \xe2\x80\xa8",
      R"(already escaped text: \u0041 \n \" stays as written)",
      "x",
  };
  std::string capture;
  for (const auto& l : lines) capture += l + "\n";
  capture += "\n\r\n";                  // empty lines are skipped
  capture += "last line no newline\r";  // its CR is dropped, as feed-check does
  lines.push_back("last line no newline");

  testing::TempDir dir;
  const std::string in = dir.File("capture.jsonl");
  testing::WriteFileOrDie(in, capture);
  std::ostringstream out;
  const absl::Status st = StampCapture("okx", in, 1'700'000'000'000'000'000, 250, out);
  ASSERT_TRUE(st.ok()) << st;

  std::vector<std::string> raws;
  const std::vector<Event> events = ReadRaw(out.str(), &raws);
  ASSERT_EQ(events.size(), lines.size());
  for (size_t k = 0; k < lines.size(); ++k) {
    EXPECT_EQ(events[k].kind, Event::Kind::kRaw);
    EXPECT_EQ(events[k].venue, Demo().FindVenue("okx")->id);
    EXPECT_EQ(events[k].t, 1'700'000'000'000'000'000 + static_cast<int64_t>(k) * 250'000'000);
    EXPECT_EQ(raws[k], lines[k]) << "line " << k;
  }
  // One event per output line, each a plain JSON object.
  const std::string stamped = out.str();
  EXPECT_EQ(std::count(stamped.begin(), stamped.end(), '\n'), static_cast<long>(lines.size()));
}

TEST(BacktestStampTest, RecordedCaptureRoundTrips) {
  const std::string path = std::string(HS_SOURCE_DIR) + "/tests/fixtures/venues/binance/combined_stream_recorded.jsonl";
  std::ostringstream out;
  ASSERT_TRUE(StampCapture("binance", path, 0, 100, out).ok());
  std::vector<std::string> raws;
  const std::vector<Event> events = ReadRaw(out.str(), &raws);
  std::istringstream in(testing::ReadFileOrDie(path));
  std::string line;
  size_t k = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ASSERT_LT(k, raws.size());
    EXPECT_EQ(raws[k], line);
    EXPECT_EQ(events[k].t, static_cast<int64_t>(k) * 100'000'000);
    ++k;
  }
  EXPECT_EQ(k, raws.size());
  EXPECT_GT(k, 0u);
}

TEST(BacktestStampTest, InvalidUtf8NamesTheLine) {
  testing::TempDir dir;
  const std::string in = dir.File("capture.jsonl");
  testing::WriteFileOrDie(in, "ok\n\nfine\nbad \xc3\x28 byte\nok\n");
  std::ostringstream out;
  const absl::Status st = StampCapture("okx", in, 0, 1, out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("line 4 is not valid UTF-8"), std::string::npos) << st;
  // Overlong encodings and surrogates are not UTF-8 either.
  testing::WriteFileOrDie(in, "\xc0\xaf\n");
  EXPECT_FALSE(StampCapture("okx", in, 0, 1, out).ok());
  testing::WriteFileOrDie(in, "\xed\xa0\x80\n");
  EXPECT_FALSE(StampCapture("okx", in, 0, 1, out).ok());
}

TEST(BacktestStampTest, BadArguments) {
  testing::TempDir dir;
  const std::string in = dir.File("capture.jsonl");
  testing::WriteFileOrDie(in, "a\nb\n");
  std::ostringstream out;
  EXPECT_NE(StampCapture("okx", in, 0, -1, out).message().find("--every-ms -1 is negative"), std::string::npos);
  EXPECT_NE(StampCapture("okx", in, -1, 1, out).message().find("start time -1 is negative"), std::string::npos);
  EXPECT_NE(StampCapture("", in, 0, 1, out).message().find("venue name is empty"), std::string::npos);
  EXPECT_NE(StampCapture("okx", dir.File("missing"), 0, 1, out).message().find("cannot open capture file"),
            std::string::npos);
  // The second line's time would pass int64.
  const absl::Status st = StampCapture("okx", in, INT64_MAX - 5, 1, out);
  EXPECT_NE(st.message().find("line 2: its time is beyond the int64 range"), std::string::npos) << st;
}

TEST(BacktestStampTest, ZeroSpacingGivesEqualTimes) {
  testing::TempDir dir;
  const std::string in = dir.File("capture.jsonl");
  testing::WriteFileOrDie(in, "a\nb\n");
  std::ostringstream out;
  ASSERT_TRUE(StampCapture("okx", in, 42, 0, out).ok());
  EXPECT_EQ(out.str(),
            "{\"t\":42,\"type\":\"raw\",\"venue\":\"okx\",\"msg\":\"a\"}\n"
            "{\"t\":42,\"type\":\"raw\",\"venue\":\"okx\",\"msg\":\"b\"}\n");
}

TEST(BacktestStampTest, JsonStringEscaping) {
  std::string s;
  AppendJsonString(std::string("a\"b\\c\n\t\x01\x7f\xc3\xa9", 11), &s);
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
}

}  // namespace
}  // namespace hs::backtest
