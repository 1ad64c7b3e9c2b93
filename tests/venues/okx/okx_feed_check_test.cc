// `homeostat feed-check --venue okx` as a desk uses it: the real binary, capture files, exit
// codes (0 clean, 1 on any gap / checksum mismatch / crossed book / parse error, 2 usage) and
// one JSON line per message.
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
  std::vector<std::string> a = {"feed-check", "--venue", "okx"};
  a.insert(a.end(), args.begin(), args.end());
  return testing::RunCommand(std::string(HS_BIN_DIR) + "/homeostat", a, out);
}

std::string Minified(const std::string& rel) { return json::parse(testing::VenueFixture(rel)).dump(); }

// The constructed session (tests/venues/okx/make_books_capture.py): snapshot, 80 updates with a
// keep-alive and a sequence reset, an event, a pong and another instrument's push. All clean.
TEST(OkxFeedCheck, ConstructedBooksSessionIsClean) {
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC-USDT", "--file",
                       std::string(HS_VENUE_SAMPLES_DIR) + "/okx/books_constructed.jsonl", "--depth", "2"},
                      &out),
            0)
      << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 85u);
  EXPECT_EQ(lines[0]["event"], "ignored");
  EXPECT_EQ(lines[1]["event"], "snapshot");
  EXPECT_EQ(lines[1]["seq"], 1000);
  EXPECT_EQ(lines[1]["bids"][0][0], "29999.95");
  EXPECT_EQ(lines[1]["asks"][0][0], "30000.05");
  for (size_t i = 2; i < 84; ++i) {
    const std::string e = lines[i]["event"];
    EXPECT_TRUE(e == "applied" || e == "ignored") << i << ": " << lines[i].dump();
  }
  const json& sum = lines.back()["summary"];
  EXPECT_EQ(sum["snapshot"], 1);
  EXPECT_EQ(sum["applied"], 80);
  EXPECT_EQ(sum["ignored"], 3) << "the subscribe ack, the pong, the other instrument";
  EXPECT_EQ(lines.back()["clean"], true);
}

TEST(OkxFeedCheck, FullSnapshotSamplesAreClean) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"), Minified("okx/books5.json") + "\n" + Minified("okx/bbo-tbt.json") + "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BCH-USDT-SWAP", "--file", dir.File("cap.jsonl"), "--depth", "5"}, &out), 0) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[0]["bids"].size(), 5u);
  EXPECT_EQ(lines[0]["asks"][4][0], "111.1");
  EXPECT_EQ(lines[0]["seq"], 363996337);
  // Same seqId and ts on another channel: a full picture of its own, taken as is.
  EXPECT_EQ(lines[1]["event"], "snapshot");
  EXPECT_EQ(lines[1]["bids"].size(), 1u);
  EXPECT_EQ(lines[1]["bids"][0][1], "57745");
  EXPECT_EQ(lines[2]["clean"], true);
}

// Gap, checksum mismatch, crossed book and a malformed line each fail the run, with the reason
// on the line; a new snapshot recovers the book in between.
TEST(OkxFeedCheck, IntegrityFailuresFailTheRunWithDetails) {
  // Levels bid 3366.1/7, ask 3366.8/9 → checksum of "3366.1:7:3366.8:9"; the vectors.json
  // two-level book → -1881014294.
  const std::string snap =
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["3366.8","9","0","3"],["3368","8","0","4"]],)"
      R"("bids":[["3366.1","7","0","3"],["3366","6","0","4"]],"ts":"1","checksum":-1881014294,"prevSeqId":-1,"seqId":10}]})";
  auto upd = [](int prev, int seq, const std::string& bids, int checksum) {
    return R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":)" + bids +
           R"(,"ts":"2","checksum":)" + std::to_string(checksum) + R"(,"prevSeqId":)" + std::to_string(prev) +
           R"(,"seqId":)" + std::to_string(seq) + "}]}";
  };
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"), snap + "\n" +                            // 1 snapshot
                                                     upd(10, 11, "[]", -1881014294) + "\n" +  // 2 keep-alive-like, applied
                                                     upd(12, 13, "[]", -1881014294) + "\n" +  // 3 gap
                                                     upd(13, 14, "[]", -1881014294) + "\n" +  // 4 resync_needed
                                                     snap + "\n" +                            // 5 snapshot again
                                                     upd(10, 11, R"([["3366.1","8","0","3"]])", -1881014294) + "\n" +  // 6 mismatch
                                                     snap + "\n" +                            // 7
                                                     "{\"arg\":{\"channel\":\"books\"\n" +    // 8 parse error
                                                     "pong\n");                               // 9
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "BTC-USDT", "--file", dir.File("cap.jsonl")}, &out), 1) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 10u) << out;
  EXPECT_EQ(lines[0]["event"], "snapshot");
  EXPECT_EQ(lines[0]["bid"], "3366.1");
  EXPECT_EQ(lines[0]["ask"], "3366.8");
  EXPECT_EQ(lines[1]["event"], "applied");
  EXPECT_EQ(lines[1]["seq"], 11);
  EXPECT_EQ(lines[2]["event"], "gap");
  EXPECT_NE(lines[2]["detail"].get<std::string>().find("prevSeqId 12"), std::string::npos) << lines[2].dump();
  EXPECT_EQ(lines[3]["event"], "resync_needed");
  EXPECT_EQ(lines[4]["event"], "snapshot");
  EXPECT_EQ(lines[5]["event"], "checksum_mismatch");
  EXPECT_NE(lines[5]["detail"].get<std::string>().find("venue -1881014294"), std::string::npos) << lines[5].dump();
  EXPECT_EQ(lines[6]["event"], "snapshot");
  EXPECT_EQ(lines[7]["event"], "parse_error");
  EXPECT_EQ(lines[8]["event"], "ignored");
  const json& sum = lines[9]["summary"];
  EXPECT_EQ(sum["gap"], 1);
  EXPECT_EQ(sum["checksum_mismatch"], 1);
  EXPECT_EQ(sum["parse_error"], 1);
  EXPECT_EQ(lines[9]["clean"], false);
}

TEST(OkxFeedCheck, CrossedBookFailsTheRun) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("cap.jsonl"),
                          R"({"arg":{"channel":"bbo-tbt","instId":"X-USDT"},"data":[{"asks":[["10","1","0","1"]],"bids":[["10.5","1","0","1"]],"ts":"1","seqId":1}]})"
                          "\n");
  std::string out;
  ASSERT_EQ(FeedCheck({"--symbol", "X-USDT", "--file", dir.File("cap.jsonl")}, &out), 1) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "crossed");
  EXPECT_NE(lines[0]["detail"].get<std::string>().find("best bid 10.5 >= best ask 10"), std::string::npos);
  EXPECT_EQ(lines[1]["summary"]["crossed"], 1);
}

TEST(OkxFeedCheck, UsageErrors) {
  std::string out;
  EXPECT_EQ(FeedCheck({"--symbol", "BTC-USDT", "--file", "/nonexistent.jsonl"}, &out), 2);
  EXPECT_NE(out.find("cannot open capture file"), std::string::npos) << out;
}

}  // namespace
}  // namespace hs
