// `homeostat feed-check --venue kraken` as a desk uses it: the real binary over capture files,
// exit codes 0 (clean) / 1 (integrity or parse failures) / 2 (usage), one JSON line per message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_support.h"
#include "tests/venues/kraken/kraken_test_util.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;
using kraken::test::BookJson;
using kraken::test::EntryJson;
using kraken::test::Levels;
using kraken::test::RefBook;
using kraken::test::RefChecksum;

std::vector<json> Lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') v.push_back(json::parse(line));
  return v;
}

int FeedCheck(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> a = {"feed-check", "--venue", "kraken"};
  a.insert(a.end(), args.begin(), args.end());
  return testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", a, out);
}

// The sample on one line, number text untouched (a JSON library would rewrite 45281.0 and
// 0.10000000, which is exactly what must not happen to Kraken's numbers).
std::string OneLine(const std::string& text) {
  std::string o;
  bool in_str = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_str) {
      o += c;
      if (c == '\\' && i + 1 < text.size())
        o += text[++i];
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    o += c;
  }
  return o;
}

// The docs' BTC/USD book (price precision 1, qty 8) as units: prices in 0.1, qty in 1e-8.
RefBook SampleBook() {
  RefBook r(10);
  const Levels bids = {{452835, 10000000},  {452834, 154582015}, {452821, 10000000}, {452810, 10000000},
                       {452803, 154592586}, {452790, 7990000},   {452776, 3310103},  {452775, 30000000},
                       {452773, 154602737}, {452766, 15445238}};
  const Levels asks = {{452852, 100000},   {452864, 154571953}, {452866, 154571109}, {452896, 154560911},
                       {452902, 15890660}, {452918, 154553491}, {452947, 4454749},   {452961, 35380000},
                       {452975, 9945542},  {452995, 18772827}};
  r.Snapshot(bids, asks);
  return r;
}

std::string Update(RefBook& r, const Levels& b, const Levels& a, const std::string& sym = "BTC/USD") {
  r.Update(b, a);
  return BookJson("update", EntryJson(sym, b, a, RefChecksum(r, 1, 8), 1, 8));
}

TEST(KrakenFeedCheck, SampleSnapshotAndUpdatesAreClean) {
  testing::TempDir dir;
  RefBook ref = SampleBook();
  ASSERT_EQ(RefChecksum(ref, 1, 8), 3310070434u) << "the model agrees with the docs' vector";
  std::string cap = OneLine(testing::VenueFixture("kraken/book_snapshot.json")) + "\n";
  cap += OneLine(testing::VenueFixture("kraken/heartbeat.json")) + "\n";
  cap += Update(ref, {{452836, 25000000}}, {}) + "\n";                                // new best bid: one falls out
  cap += Update(ref, {}, {{452852, 0}, {453000, 100000000}}) + "\n";                  // delete + replacement
  cap += BookJson("update", EntryJson("ETH/USD", {{16502, 1}}, {}, 1, 1, 8)) + "\n";  // another symbol
  cap += OneLine(testing::VenueFixture("kraken/ticker_subscribe_ack.json")) + "\n";
  testing::WriteFileOrDie(dir.File("cap.jsonl"), cap);
  for (const bool given : {true, false}) {
    SCOPED_TRACE(given ? "precision given" : "precision inferred");
    std::vector<std::string> args = {"--symbol", "BTC/USD", "--file", dir.File("cap.jsonl"), "--depth", "10"};
    if (given) args.insert(args.end(), {"--price-precision", "1", "--qty-precision", "8"});
    std::string out;
    ASSERT_EQ(FeedCheck(args, &out), 0) << out;
    const auto lines = Lines(out);
    ASSERT_EQ(lines.size(), 7u) << out;
    EXPECT_EQ(lines[0]["event"], "snapshot");
    EXPECT_EQ(lines[0]["bids"][0][0], "45283.5");
    EXPECT_EQ(lines[0]["asks"][0][1], "0.001");
    EXPECT_EQ(lines[1]["event"], "ignored");
    EXPECT_EQ(lines[2]["event"], "applied");
    EXPECT_EQ(lines[2]["bids"][0][0], "45283.6");
    EXPECT_EQ(lines[2]["bids"].size(), 10u);
    EXPECT_EQ(lines[2]["bids"][9][0], "45277.3") << "45276.6 fell out of the 10-level window";
    EXPECT_EQ(lines[3]["event"], "applied");
    EXPECT_EQ(lines[3]["asks"][0][0], "45286.4");
    EXPECT_EQ(lines[3]["asks"][9][0], "45300");
    EXPECT_EQ(lines[4]["event"], "ignored");
    EXPECT_EQ(lines[4]["detail"], "other symbol");
    EXPECT_EQ(lines[5]["event"], "ignored");
    EXPECT_EQ(lines[6]["summary"]["snapshot"], 1);
    EXPECT_EQ(lines[6]["summary"]["applied"], 2);
    EXPECT_EQ(lines[6]["clean"], true);
  }
}

TEST(KrakenFeedCheck, ChecksumMismatchCrossedAndParseErrorsFailTheRun) {
  testing::TempDir dir;
  RefBook ref = SampleBook();
  const std::string snapshot = OneLine(testing::VenueFixture("kraken/book_snapshot.json"));
  std::string cap = snapshot + "\n";
  // A lost update: the next one's checksum no longer matches our book.
  RefBook lost = ref;
  (void)Update(lost, {{452836, 25000000}}, {});
  cap += Update(lost, {}, {{452853, 1000000}}) + "\n";
  cap += Update(ref, {{452837, 1}}, {}) + "\n";  // waits for a snapshot
  cap += snapshot + "\n";
  ref = SampleBook();
  cap += Update(ref, {{452900, 5000000}}, {}) + "\n";  // a bid above the best ask, valid checksum
  cap +=
      "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[{\"price\":\"45283.5\"\n";
  cap += snapshot + "\n";
  testing::WriteFileOrDie(dir.File("cap.jsonl"), cap);
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC/USD", "--file", dir.File("cap.jsonl"), "--price-precision", "1",
                       "--qty-precision", "8"},
                      &out),
            1)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 8u) << out;
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[1]["event"], "checksum_mismatch");
  const std::string d = lines[1]["detail"];
  EXPECT_NE(d.find("message " + std::to_string(RefChecksum(lost, 1, 8))), std::string::npos) << d;
  EXPECT_NE(d.find("computed "), std::string::npos) << d;
  EXPECT_EQ(lines[2]["event"], "resync_needed");
  EXPECT_EQ(lines[3]["event"], "snapshot");
  EXPECT_EQ(lines[4]["event"], "crossed");
  EXPECT_NE(lines[4]["detail"].get<std::string>().find("best bid 45290 >= best ask 45285.2"), std::string::npos)
      << lines[4]["detail"];
  EXPECT_EQ(lines[5]["event"], "parse_error");
  EXPECT_EQ(lines[6]["event"], "snapshot") << "recovers from the next snapshot";
  EXPECT_EQ(lines[7]["summary"]["checksum_mismatch"], 1);
  EXPECT_EQ(lines[7]["summary"]["crossed"], 1);
  EXPECT_EQ(lines[7]["summary"]["parse_error"], 1);
  EXPECT_EQ(lines[7]["clean"], false);
}

TEST(KrakenFeedCheck, WrongPrecisionIsCaughtByTheChecksum) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"), OneLine(testing::VenueFixture("kraken/book_snapshot.json")) + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC/USD", "--file", dir.File("cap.jsonl"), "--price-precision", "2",
                       "--qty-precision", "8"},
                      &out),
            1)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "checksum_mismatch");
  EXPECT_NE(lines[0]["detail"].get<std::string>().find("price precision 2"), std::string::npos) << lines[0]["detail"];
}

TEST(KrakenFeedCheck, BookDepthTruncatesAndUsageErrorsExitTwo) {
  testing::TempDir dir;
  // Six bids sent, five kept; the checksum covers the top 10 of what is kept.
  const Levels bids = {{452835, 10000000}, {452834, 154582015}, {452821, 10000000},
                       {452810, 10000000}, {452803, 154592586}, {452790, 7990000}};
  const Levels asks = {{452852, 100000}};
  RefBook ref(5);
  ref.Snapshot(bids, asks);
  const std::string cap = BookJson("snapshot", EntryJson("BTC/USD", bids, asks, RefChecksum(ref, 1, 8), 1, 8)) + "\n";
  testing::WriteFileOrDie(dir.File("cap.jsonl"), cap);
  std::string out;
  ASSERT_EQ(
      FeedCheck({"--symbol", "BTC/USD", "--file", dir.File("cap.jsonl"), "--book-depth", "5", "--depth", "10"}, &out),
      0)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[0]["bids"].size(), 5u);
  EXPECT_EQ(FeedCheck({"--symbol", "BTC/USD", "--file", dir.File("missing.jsonl")}, &out), 2);
  EXPECT_NE(out.find("cannot open capture file"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
