// `homeostat feed-check --venue coinbase` as a desk uses it: the real binary on capture files
// of Advanced Trade envelopes, per-line events and exit codes (0 clean, 1 integrity failures or
// parse errors, 2 usage).
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
  std::vector<std::string> a = {"feed-check", "--venue", "coinbase"};
  a.insert(a.end(), args.begin(), args.end());
  return testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", a, out);
}

std::string Update(uint64_t seq, const std::string& product, const std::string& levels) {
  return R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:51.1Z","sequence_num":)" + std::to_string(seq) +
         R"(,"events":[{"type":"update","product_id":")" + product + R"(","updates":[)" + levels + "]}]}";
}
std::string Snapshot(uint64_t seq, const std::string& levels) {
  return R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:51.1Z","sequence_num":)" + std::to_string(seq) +
         R"(,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[)" + levels + "]}]}";
}
std::string Lv(const char* side, const char* px, const char* qty) {
  return std::string(R"({"side":")") + side + R"(","event_time":"2023-02-09T20:32:51.1Z","price_level":")" + px +
         R"(","new_quantity":")" + qty + R"("})";
}

TEST(CoinbaseFeedCheck, RecordedSnapshotThenUpdatesIsClean) {
  testing::TempDir dir;
  // The recorded snapshot (bids only), reformatted onto one line as a capture holds it.
  const std::string snapshot = json::parse(testing::VenueFixture("coinbase/l2_data_snapshot.json")).dump();
  const std::string cap =
      snapshot + "\n" +
      R"({"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50.8Z","sequence_num":1,"events":[{"subscriptions":{"level2":["BTC-USD"]}}]})" "\n" +
      Update(2, "BTC-USD", Lv("offer", "21925.01", "0.5") + "," + Lv("offer", "21926", "1.25")) + "\n" +
      R"({"channel":"heartbeats","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":3,"events":[{"current_time":"x","heartbeat_counter":1}]})" "\n" +
      Update(4, "ETH-USD", Lv("bid", "1500", "1")) + "\n" +
      Update(5, "BTC-USD", Lv("bid", "21921.73", "0") + "," + Lv("offer", "21925.01", "0.75")) + "\n";
  testing::WriteFileOrDie(dir.File("cap.jsonl"), cap);
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC-USD", "--file", dir.File("cap.jsonl"), "--depth", "2"}, &out), 0) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 7u) << out;
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[0]["seq"], 0);
  EXPECT_EQ(lines[0]["bids"][0][0], "21921.73");
  EXPECT_EQ(lines[0]["bids"][0][1], "0.06317902");
  EXPECT_EQ(lines[0]["bids"][1][0], "21921.3");
  EXPECT_EQ(lines[0]["asks"].size(), 0u);
  EXPECT_EQ(lines[1]["event"], "ignored");
  EXPECT_EQ(lines[1]["detail"], "subscriptions");
  EXPECT_EQ(lines[2]["event"], "applied");
  EXPECT_EQ(lines[2]["asks"][0][0], "21925.01");
  EXPECT_EQ(lines[2]["asks"][1][1], "1.25");
  EXPECT_EQ(lines[3]["event"], "ignored");
  EXPECT_EQ(lines[3]["detail"], "heartbeat");
  EXPECT_EQ(lines[4]["event"], "ignored");
  EXPECT_EQ(lines[4]["detail"], "other product");
  EXPECT_EQ(lines[5]["event"], "applied");
  EXPECT_EQ(lines[5]["seq"], 5);
  EXPECT_EQ(lines[5]["bids"][0][0], "21921.3") << "\"0\" deleted the best bid";
  EXPECT_EQ(lines[5]["asks"][0][1], "0.75");
  EXPECT_EQ(lines[6]["summary"]["snapshot"], 1);
  EXPECT_EQ(lines[6]["summary"]["applied"], 2);
  EXPECT_EQ(lines[6]["clean"], true);
}

TEST(CoinbaseFeedCheck, GapCrossedAndParseErrorsFailTheRunAndSnapshotsRecover) {
  testing::TempDir dir;
  const std::string good = Lv("bid", "100.00", "1") + "," + Lv("offer", "101.00", "1");
  const std::string cap = Snapshot(10, good) + "\n" +                       // 1 snapshot (baseline 10)
                          Update(11, "BTC-USD", Lv("bid", "100.50", "2")) + "\n" +  // 2 applied
                          Update(13, "BTC-USD", Lv("bid", "100.60", "2")) + "\n" +  // 3 gap: 12 lost
                          Update(14, "BTC-USD", Lv("bid", "100.70", "2")) + "\n" +  // 4 waits for a snapshot
                          Snapshot(15, good) + "\n" +                               // 5 recovered
                          Update(16, "BTC-USD", Lv("bid", "101.50", "1")) + "\n" +  // 6 crossed
                          Snapshot(17, good) + "\n" +                               // 7 recovered
                          Update(18, "BTC-USD", Lv("ask", "101.5", "1")) + "\n" +   // 8 "ask": parse error
                          "not json at all\n" +                                     // 9 parse error
                          Update(19, "BTC-USD", Lv("offer", "100.90", "1")) + "\n";  // 10 gap: 18 was unreadable
  testing::WriteFileOrDie(dir.File("cap.jsonl"), cap);
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC-USD", "--file", dir.File("cap.jsonl")}, &out), 1) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 11u) << out;
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[0]["bid"], "100");
  EXPECT_EQ(lines[1]["event"], "applied");
  EXPECT_EQ(lines[1]["bid"], "100.5");
  EXPECT_EQ(lines[2]["event"], "gap");
  EXPECT_EQ(lines[2]["detail"], "gap: sequence_num 13, expected 12 (1 lost)");
  EXPECT_FALSE(lines[2].contains("bid")) << "a failed book is dropped";
  EXPECT_EQ(lines[3]["event"], "resync_needed");
  EXPECT_EQ(lines[4]["event"], "snapshot");
  EXPECT_EQ(lines[4]["bid"], "100");
  EXPECT_EQ(lines[5]["event"], "crossed");
  EXPECT_EQ(lines[5]["detail"], "BTC-USD update crossed at sequence_num 16: best bid 101.5 >= best ask 101");
  EXPECT_EQ(lines[6]["event"], "snapshot");
  EXPECT_EQ(lines[7]["event"], "parse_error");
  EXPECT_EQ(lines[7]["detail"], "parse: bad_field");
  EXPECT_EQ(lines[8]["event"], "parse_error");
  EXPECT_EQ(lines[9]["event"], "gap");
  EXPECT_EQ(lines[9]["seq"], 19);
  EXPECT_EQ(lines[10]["summary"]["gap"], 2);
  EXPECT_EQ(lines[10]["summary"]["crossed"], 1);
  EXPECT_EQ(lines[10]["summary"]["parse_error"], 2);
  EXPECT_EQ(lines[10]["summary"]["snapshot"], 3);
  EXPECT_EQ(lines[10]["clean"], false);
}

TEST(CoinbaseFeedCheck, DepthTruncatesTheSnapshot) {
  testing::TempDir dir;
  std::string levels;
  for (int i = 0; i < 30; ++i) {
    levels += (i ? "," : "") + Lv("bid", std::to_string(1000 - i).c_str(), "1");
    levels += "," + Lv("offer", std::to_string(1001 + i).c_str(), "1");
  }
  testing::WriteFileOrDie(dir.File("cap.jsonl"), Snapshot(0, levels) + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC-USD", "--file", dir.File("cap.jsonl"), "--book-depth", "7", "--depth", "10"}, &out), 0)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(lines[0]["bids"].size(), 7u) << "the book keeps --book-depth levels per side";
  EXPECT_EQ(lines[0]["bids"][6][0], "994");
  EXPECT_EQ(lines[0]["asks"][6][0], "1007");
}

TEST(CoinbaseFeedCheck, UsageErrors) {
  std::string out;
  EXPECT_EQ(FeedCheck({"--symbol", "BTC-USD", "--file", "/nonexistent.jsonl"}, &out), 2);
  EXPECT_NE(out.find("cannot open capture file '/nonexistent.jsonl'"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
