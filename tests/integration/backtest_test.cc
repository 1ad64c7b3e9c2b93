// `homeostat backtest` end to end, through the real binary: a synthetic trending market that
// starts far from the targets converges into the bands and stays there; the same inputs give
// byte-identical outputs; a malformed line stops the run with its line number and no summary;
// --stamp turns a capture into raw events that drive the venue's real parser.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/app/backtest_synth.h"
#include "tests/support/loopback.h"
#include "tests/support/test_support.h"

namespace hs {
namespace {

using json = nlohmann::json;
using testing::BinPath;
using testing::RunCommand;

// Two Binance-format venues trading BTC/USDT; 50% BTC / 50% USDT with 2% bands.
std::string ConfigToml() {
  return testing::EngineToml(R"("BTC", "USDT")", "backtest", "5000", "10", "") + testing::kBtcUsdtInstrumentToml +
         testing::BinanceVenueToml("venue_a", "1", "HS_BT_KEY", "HS_BT_SECRET") +
         testing::BinanceVenueToml("venue_b", "2", "HS_BT_KEY", "HS_BT_SECRET") + R"(
[allocation]
valuation_asset = "USDT"
rebalance_interval_ms = 1000
min_trade_notional = "20"
max_trade_notional = "2000"
max_cost_bps = "20"
pace_notional_per_min = "40000"
venue_band = "0.2"
[allocation.targets]
BTC  = { weight = "0.5", band = "0.02" }
USDT = { weight = "0.5", band = "0.02" }
[allocation.venue_shares]
venue_a = "0.5"
venue_b = "0.5"
)";
}

class Backtest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFileOrDie(dir_.File("bt.toml"), testing::Substitute(ConfigToml(), {{"@DIR@", dir_.path()}}));
  }
  // A 10-minute market trending up ~6% (0.1 bp per 100 ms step), starting with only USDT.
  std::string Market(int64_t steps = 6000) {
    backtest::SynthParams p;
    p.venues = {"venue_a", "venue_b"};
    p.steps = steps;
    p.balances = {{"USDT", "50000"}, {"BTC", "0"}};
    std::ostringstream out;
    backtest::WriteSyntheticMarket(p, out);
    return out.str();
  }
  int Run(const std::string& events, const std::string& out_dir, std::string* output) {
    testing::WriteFileOrDie(dir_.File("events.jsonl"), events);
    return RunCommand(BinPath("homeostat"),
                      {"backtest", "--config", dir_.File("bt.toml"), "--events", dir_.File("events.jsonl"), "--out", out_dir},
                      output, {}, std::chrono::seconds(120));
  }
  testing::TempDir dir_;
};

TEST_F(Backtest, TrendingMarketConvergesIntoTheBandsAndStaysThere) {
  std::string out;
  ASSERT_EQ(Run(Market(), dir_.File("out"), &out), 0) << out;
  EXPECT_NE(out.find("events/s"), std::string::npos) << "it prints its throughput: " << out;
  const json s = json::parse(testing::ReadFileOrDie(dir_.File("out/summary.json")));
  RecordProperty("summary", s.dump());  // --gtest_output=xml keeps it (bench/README.md quotes one)
  ASSERT_FALSE(s["converged_at_t"].is_null()) << s.dump(1);
  for (const char* asset : {"BTC", "USDT"}) {
    const json& a = s["assets"][asset];
    EXPECT_GE(a["time_in_band_pct"].get<double>(), 90.0) << asset << " " << s.dump(1);
    EXPECT_NEAR(a["weight_end"].get<double>(), 0.5, 0.02 + 1e-9) << asset;
    EXPECT_LT(a["weight_start"].get<double>() - 0.5, 0.0 + (std::string(asset) == "USDT" ? 1.0 : 0.0));
  }
  EXPECT_GT(s["orders_by_purpose"]["rebalance"].get<int>(), 10) << "the trend keeps pushing BTC out of its band";
  EXPECT_TRUE(s["nav_start"].is_string());
  EXPECT_TRUE(s["pnl"].is_string());
  EXPECT_TRUE(s["turnover"].is_string());
  EXPECT_EQ(s["events"].get<int64_t>(), 4 + 2 * 6000);
  // Every intent and fill line names its purpose; the fills reference intents.
  std::istringstream intents(testing::ReadFileOrDie(dir_.File("out/intents.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(intents, line)) {
    const json j = json::parse(line);
    for (const char* k : {"t", "client_id", "venue", "instrument", "side", "qty", "limit_px", "purpose"})
      EXPECT_TRUE(j.contains(k)) << k << " in " << line;
    ++n;
  }
  EXPECT_EQ(n, s["intents"].get<int>());
  std::istringstream fills(testing::ReadFileOrDie(dir_.File("out/fills.jsonl")));
  ASSERT_TRUE(std::getline(fills, line));
  const json f = json::parse(line);
  for (const char* k : {"t", "client_id", "venue", "instrument", "side", "qty", "px", "fee", "fee_asset", "purpose"})
    EXPECT_TRUE(f.contains(k)) << k << " in " << line;
}

TEST_F(Backtest, SameInputsGiveByteIdenticalOutputs) {
  const std::string events = Market(2000);
  std::string out;
  ASSERT_EQ(Run(events, dir_.File("one"), &out), 0) << out;
  ASSERT_EQ(Run(events, dir_.File("two"), &out), 0) << out;
  for (const char* f : {"intents.jsonl", "fills.jsonl", "summary.json"}) {
    const std::string a = testing::ReadFileOrDie(dir_.File(std::string("one/") + f));
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, testing::ReadFileOrDie(dir_.File(std::string("two/") + f))) << f;
  }
}

TEST_F(Backtest, AMalformedLineStopsTheRunWithItsNumberAndNoSummary) {
  std::string events = Market(10);
  // Line 7 (after 4 balance lines and 2 books): a price that is not a decimal.
  std::istringstream in(events);
  std::string line, broken;
  for (int k = 1; std::getline(in, line); ++k) {
    if (k == 7) line.replace(line.find("\"bids\":[[\"") + 10, 1, "x");
    broken += line + "\n";
  }
  // A summary from an earlier run must not survive a failed one.
  std::string out;
  ASSERT_EQ(Run(Market(10), dir_.File("out"), &out), 0) << out;
  ASSERT_NE(Run(broken, dir_.File("out"), &out), 0) << out;
  EXPECT_NE(out.find("line 7"), std::string::npos) << out;
  EXPECT_NE(out.find("no summary"), std::string::npos) << out;
  std::ifstream summary(dir_.File("out/summary.json"));
  EXPECT_FALSE(summary.good()) << "a failed run left a summary";
}

TEST_F(Backtest, UsageAndConfigErrorsExitTwo) {
  std::string out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"), {"backtest", "--config", dir_.File("bt.toml")}, &out), 2) << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"),
                       {"backtest", "--config", dir_.File("missing.toml"), "--events", "x", "--out", dir_.File("o")}, &out),
            2)
      << out;
  EXPECT_EQ(RunCommand(BinPath("homeostat"),
                       {"backtest", "--config", dir_.File("bt.toml"), "--events", dir_.File("none.jsonl"), "--out", dir_.File("o")},
                       &out),
            2)
      << out;
}

// A Binance capture (bookTicker messages, exactly as received) stamped into raw events drives
// the venue's real parser inside the backtest.
TEST_F(Backtest, StampedCaptureDrivesTheVenueParser) {
  std::string capture;
  for (int k = 0; k < 50; ++k) {
    capture += R"({"u":)" + std::to_string(1000 + k) +
               R"(,"s":"BTCUSDT","b":"29999.00","B":"1.5","a":"30001.00","A":"1.5"})" + "\n";
  }
  testing::WriteFileOrDie(dir_.File("capture.jsonl"), capture);
  std::string stamped;
  ASSERT_EQ(RunCommand(BinPath("homeostat"), {"backtest", "--stamp", "venue_a", dir_.File("capture.jsonl"), "--every-ms", "100",
                                              "--start-ns", "1000000000"},
                       &stamped),
            0)
      << stamped;
  std::istringstream in(stamped);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json j = json::parse(line);
    EXPECT_EQ(j["type"], "raw");
    EXPECT_EQ(j["venue"], "venue_a");
    EXPECT_EQ(j["t"].get<int64_t>(), int64_t{1'000'000'000} + int64_t{lines} * 100'000'000);
    ++lines;
  }
  EXPECT_EQ(lines, 50);
  std::string out;
  ASSERT_EQ(Run(stamped, dir_.File("raw"), &out), 0) << out;
  const json s = json::parse(testing::ReadFileOrDie(dir_.File("raw/summary.json")));
  EXPECT_EQ(s["events"].get<int>(), 50);
  EXPECT_EQ(s["raw_rejected"].get<int>(), 0) << s.dump();
}

}  // namespace
}  // namespace hs
