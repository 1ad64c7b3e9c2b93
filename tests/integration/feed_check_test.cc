// `homeostat feed-check` as a desk uses it: real binary, capture files, exit codes.
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
  std::vector<std::string> a = {"feed-check"};
  a.insert(a.end(), args.begin(), args.end());
  return testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", a, out);
}

TEST(FeedCheck, BinanceCaptureWithSnapshotIsClean) {
  testing::TempDir dir;
  const std::string recorded = testing::VenueFixture("binance/combined_stream_recorded.jsonl");
  std::istringstream in(recorded);
  std::string l1, l2, l3;
  std::getline(in, l1);
  std::getline(in, l2);
  std::getline(in, l3);
  const std::string snapshot =
      R"({"lastUpdateId":800360965,"bids":[["0.33990000","100.0"],["0.33988000","50"]],"asks":[["0.34008000","10"],["0.34033000","20"]]})";
  testing::WriteFileOrDie(dir.File("cap.jsonl"), l1 + "\n" + l2 + "\n" + snapshot + "\n" + l3 + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--venue", "binance", "--symbol", "FTMUSDT", "--file", dir.File("cap.jsonl"), "--depth", "3"}, &out), 0)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["event"], "resync_needed");
  EXPECT_EQ(lines[2]["event"], "snapshot");
  EXPECT_EQ(lines[2]["seq"], 800360970);
  EXPECT_EQ(lines[2]["bids"][0][0], "0.3399");
  EXPECT_EQ(lines[3]["event"], "applied");
  EXPECT_EQ(lines[3]["bids"][0][0], "0.33989") << "the newer bookTicker overlays the top";
  EXPECT_EQ(lines[4]["summary"]["snapshot"], 1);
  EXPECT_EQ(lines[4]["clean"], true);
}

TEST(FeedCheck, GapAndParseErrorsFailTheRun) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"),
                          R"({"lastUpdateId":10,"bids":[["1.00","1"]],"asks":[["1.10","1"]]})" "\n"
                          R"({"e":"depthUpdate","E":1,"s":"X","U":11,"u":12,"b":[["1.01","2"]],"a":[]})" "\n"
                          R"({"e":"depthUpdate","E":1,"s":"X","U":20,"u":21,"b":[],"a":[]})" "\n"
                          "not json at all\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--venue", "binance", "--symbol", "X", "--file", dir.File("cap.jsonl")}, &out), 1) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[1]["event"], "applied");
  EXPECT_EQ(lines[1]["bid"], "1.01");
  EXPECT_EQ(lines[2]["event"], "gap");
  EXPECT_NE(lines[2]["detail"].get<std::string>().find("U=20"), std::string::npos);
  EXPECT_EQ(lines[3]["event"], "parse_error");
  EXPECT_EQ(lines[4]["summary"]["gap"], 1);
  EXPECT_EQ(lines[4]["clean"], false);
}

TEST(FeedCheck, UsageErrorsAreClear) {
  std::string out;
  EXPECT_EQ(FeedCheck({"--venue", "ftx", "--symbol", "X", "--file", "/dev/null"}, &out), 2);
  EXPECT_NE(out.find("unknown or unsupported venue 'ftx'"), std::string::npos) << out;
  EXPECT_EQ(FeedCheck({"--venue", "binance", "--symbol", "X", "--file", "/nonexistent.jsonl"}, &out), 2);
  EXPECT_NE(out.find("cannot open capture file '/nonexistent.jsonl'"), std::string::npos) << out;
  EXPECT_NE(FeedCheck({"--venue", "binance"}, &out), 0);
  EXPECT_NE(out.find("--symbol"), std::string::npos) << out;
  EXPECT_EQ(testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", {"feed-check", "--help"}, &out), 0);
  EXPECT_NE(out.find("--price-precision"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
