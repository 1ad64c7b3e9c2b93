// `homeostat feed-check --venue bybit` through the real binary: capture files, per-line events,
// exit codes (0 clean, 1 integrity failures or parse errors, 2 usage).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_support.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

using json = nlohmann::json;

std::vector<json> Lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') v.push_back(json::parse(line));
  return v;
}

int FeedCheck(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> a = {"feed-check", "--venue", "bybit"};
  a.insert(a.end(), args.begin(), args.end());
  return testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", a, out);
}

// One line of the public stream.
std::string Msg(const char* type, uint64_t u, const std::string& b, const std::string& a, const char* sym = "BTCUSDT") {
  return std::string("{\"topic\":\"orderbook.50.") + sym + "\",\"ts\":1672304484978,\"type\":\"" + type +
         "\",\"data\":{\"s\":\"" + sym + "\",\"b\":" + b + ",\"a\":" + a + ",\"u\":" + std::to_string(u) +
         ",\"seq\":66544703342},\"cts\":1672304484976}";
}

std::string Minified(const std::string& fixture) { return json::parse(testing::VenueFixture(fixture)).dump(); }

TEST(BybitFeedCheck, CleanCaptureFromTheSamples) {
  testing::TempDir dir;
  // The documented snapshot, then deltas chaining from its u (18521288).
  testing::WriteFileOrDie(
      dir.File("cap.jsonl"),
      Minified("bybit/public_subscribe_ack.json") + "\n" + Minified("bybit/orderbook_snapshot.json") + "\n" +
          Msg("delta", 18521289, R"([["16493.50","0"],["16493.20","1.5"]])", R"([["16600.00","0.4"]])") + "\n" +
          Minified("bybit/public_pong.json") + "\n" +
          Msg("delta", 18521290, R"([])", R"([["16600.00","0"]])") + "\n" +
          Msg("delta", 7, R"([["1.00","1"]])", R"([["2.00","1"]])", "ETHUSDT") + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTCUSDT", "--file", dir.File("cap.jsonl"), "--depth", "3"}, &out), 0) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 7u) << out;
  EXPECT_EQ(lines[0]["event"], "ignored");
  EXPECT_EQ(lines[1]["event"], "snapshot");
  EXPECT_EQ(lines[1]["seq"], 18521288);
  EXPECT_EQ(lines[1]["bids"][0][0], "16493.5");
  EXPECT_EQ(lines[1]["asks"][1][1], "0.213");
  EXPECT_EQ(lines[2]["event"], "applied");
  EXPECT_EQ(lines[2]["bids"][0][0], "16493.2") << "the old best bid was deleted";
  EXPECT_EQ(lines[2]["asks"][0][0], "16600");
  EXPECT_EQ(lines[3]["event"], "ignored") << "pong";
  EXPECT_EQ(lines[4]["event"], "applied");
  EXPECT_EQ(lines[4]["asks"][0][0], "16611");
  EXPECT_EQ(lines[4]["seq"], 18521290);
  EXPECT_EQ(lines[5]["event"], "ignored") << "other symbol";
  EXPECT_EQ(lines[6]["summary"]["applied"], 2);
  EXPECT_EQ(lines[6]["summary"]["snapshot"], 1);
  EXPECT_EQ(lines[6]["clean"], true);
}

TEST(BybitFeedCheck, GapCrossedAndParseErrorsFailTheRunWithDetails) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"),
                          Msg("delta", 99, R"([["1.00","1"]])", "[]") + "\n" +                           // before a snapshot
                              Msg("snapshot", 100, R"([["1.00","1"]])", R"([["1.10","1"]])") + "\n" +
                              Msg("delta", 101, R"([["1.01","2"]])", "[]") + "\n" +
                              Msg("delta", 103, R"([["1.02","2"]])", "[]") + "\n" +                     // gap
                              Msg("snapshot", 200, R"([["1.00","1"]])", R"([["1.10","1"]])") + "\n" +
                              Msg("delta", 201, R"([["1.20","1"]])", "[]") + "\n" +                     // crosses
                              "not json at all\n" +
                              Msg("delta", 1, R"([["5.00","1"]])", R"([["5.10","1"]])") + "\n");       // u == 1: a reset
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTCUSDT", "--file", dir.File("cap.jsonl")}, &out), 1) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 9u) << out;
  EXPECT_EQ(lines[0]["event"], "resync_needed");
  EXPECT_EQ(lines[1]["event"], "snapshot");
  EXPECT_EQ(lines[2]["event"], "applied");
  EXPECT_EQ(lines[2]["bid"], "1.01");
  EXPECT_EQ(lines[3]["event"], "gap");
  EXPECT_NE(lines[3]["detail"].get<std::string>().find("u=103"), std::string::npos) << lines[3].dump();
  EXPECT_EQ(lines[4]["event"], "snapshot");
  EXPECT_EQ(lines[5]["event"], "crossed");
  EXPECT_NE(lines[5]["detail"].get<std::string>().find("crossed"), std::string::npos);
  EXPECT_EQ(lines[6]["event"], "parse_error");
  EXPECT_EQ(lines[7]["event"], "snapshot") << "u == 1 replaces the book";
  EXPECT_EQ(lines[7]["bid"], "5");
  EXPECT_EQ(lines[8]["summary"]["gap"], 1);
  EXPECT_EQ(lines[8]["summary"]["crossed"], 1);
  EXPECT_EQ(lines[8]["summary"]["parse_error"], 1);
  EXPECT_EQ(lines[8]["clean"], false);
}

TEST(BybitFeedCheck, DepthOptionTruncatesTheBook) {
  testing::TempDir dir;
  std::string b = "[", a = "[";
  for (int i = 0; i < 10; ++i) {
    b += std::string(i ? "," : "") + "[\"" + std::to_string(100 - i) + ".00\",\"1\"]";
    a += std::string(i ? "," : "") + "[\"" + std::to_string(101 + i) + ".00\",\"1\"]";
  }
  testing::WriteFileOrDie(dir.File("cap.jsonl"), Msg("snapshot", 5, b + "]", a + "]") + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTCUSDT", "--file", dir.File("cap.jsonl"), "--book-depth", "4", "--depth", "10"}, &out), 0)
      << out;
  const auto lines = Lines(out);
  ASSERT_GE(lines.size(), 1u);
  EXPECT_EQ(lines[0]["bids"].size(), 4u) << out;
  EXPECT_EQ(lines[0]["asks"].size(), 4u);
}

TEST(BybitFeedCheck, UsageErrors) {
  std::string out;
  EXPECT_EQ(FeedCheck({"--symbol", "BTCUSDT", "--file", "/nonexistent.jsonl"}, &out), 2);
  EXPECT_NE(out.find("cannot open capture file"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
