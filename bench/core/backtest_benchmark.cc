// `homeostat backtest` throughput on a 10^6-event file of 10-level book events (issue budget:
// >= 1M events/s), beside reading the same file without running the core (the Baseline: what
// parsing alone costs in the same run). The file is generated once (two venues, a trending
// synthetic market) into run/bench/.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "core/app/backtest_events.h"
#include "core/app/backtest_runner.h"
#include "core/app/backtest_synth.h"
#include "core/config/config.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

constexpr int64_t kSteps = 500'000;  // × 2 venues = 10^6 book events

const char* kConfig = R"(assets = ["BTC", "USDT"]
[engine]
name = "backtest-bench"
[admin]
socket = "run/bench/backtest.sock"
[journal]
path = "run/bench/backtest.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "3000"
[risk]
max_order_notional = "5000"
max_order_qty = "10"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.01"
lot = "0.00001"
min_notional = "5"
[[venues]]
name = "venue_a"
kind = "binance"
market_data_url = "ws://127.0.0.1:1"
order_url = "ws://127.0.0.1:1"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
[[venues]]
name = "venue_b"
kind = "binance"
market_data_url = "ws://127.0.0.1:2"
order_url = "ws://127.0.0.1:2"
api_key_env = "K"
api_secret_env = "S"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTCUSDT" }
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

struct Files {
  std::string dir, config, events;
  Files() {
    dir = std::string(HS_SOURCE_DIR) + "/run/bench/backtest";
    std::filesystem::create_directories(dir);
    config = dir + "/backtest.toml";
    events = dir + "/events-1m.jsonl";
    std::ofstream(config) << kConfig;
    if (!std::filesystem::exists(events)) {
      backtest::SynthParams p;
      p.venues = {"venue_a", "venue_b"};
      p.steps = kSteps;
      p.balances = {{"USDT", "50000"}, {"BTC", "0"}};
      std::ofstream out(events);
      backtest::WriteSyntheticMarket(p, out);
    }
  }
};

const Files& TheFiles() {
  static const Files f;
  return f;
}

void BM_Backtest(benchmark::State& s, bool full) {
  const Files& f = TheFiles();
  const config::Config cfg = *config::LoadConfig(f.config);
  int64_t events = 0;
  for (auto _ : s) {
    if (full) {
      app::BacktestArgs a{f.config, f.events, f.dir + "/out"};
      if (app::RunBacktest(a) != 0) s.SkipWithError("backtest failed");
      events += 2 * kSteps + 4;
    } else {
      auto r = backtest::EventReader::Open(f.events, cfg);
      backtest::Event e;
      while (*r->Next(&e)) ++events;
    }
  }
  s.SetItemsProcessed(events);
}
BENCHMARK_CAPTURE(BM_Backtest, Baseline_ReadEventsOnly, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Backtest, FullRun, true)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
