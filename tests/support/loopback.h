// Test-only: the plumbing of the live loopback suites. The real homeostat and homeostat-sim
// binaries run as child processes on free loopback ports with a config generated from a
// template; the simulator is scripted through its control socket (JSON lines), the engine is
// observed through its admin socket (`status`) and, after it stops, through its journal.
// What each venue's config, readiness and counters look like stays in its own test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/base/decimal.h"
#include "tests/support/journal_check.h"
#include "tests/support/test_support.h"

namespace hs::testing {

// <build>/bin/<name>: homeostat, homeostat-sim.
std::string BinPath(const std::string& name);

// `n` loopback TCP ports that were free a moment ago, all different.
std::vector<int> DistinctFreePorts(size_t n);

// Replaces every occurrence of each key by its value, pair by pair in order (a value may itself
// contain a later key).
std::string Substitute(std::string text, const std::vector<std::pair<std::string, std::string>>& subs);

// TOML fragments every loopback config shares. @DIR@ is the fixture's temp dir (WriteConfig).
// The top of a config: assets (e.g. `"BTC", "USDT"`), [engine] name, the admin socket, journal
// and log under @DIR@, [strategy] (min_edge 0.0005; cooldown_ms only when given) and [risk].
std::string EngineToml(const std::string& assets, const std::string& name, const std::string& max_notional,
                       const std::string& max_qty, const std::string& cooldown_ms);
// A Binance venue (order entry included) on 127.0.0.1:<port>, trading BTC/USDT as BTCUSDT with a
// 0.001 taker fee; `extra` lines go after the URLs (e.g. "depth = 50\n").
std::string BinanceVenueToml(const std::string& name, const std::string& port, const std::string& key_env,
                             const std::string& secret_env, const std::string& extra = "");
// [sim.accounts.<venue>] with a 0.001 taker fee and 2 BTC, 100000 USDT.
std::string SimAccountToml(const std::string& venue);

class LoopbackFixture : public ::testing::Test {
 protected:
  using json = nlohmann::json;

  // Environment for both children (the engine's can be changed afterwards through
  // engine_env_). `secrets` are values that must never appear in what the engine wrote or
  // printed: TearDown checks the engine's log, output and journal.
  void SetEnv(const std::map<std::string, std::string>& env, const std::vector<std::string>& secrets);

  // Writes `text` to <dir>/<file> with @DIR@ replaced by the temp dir; it becomes config_.
  void WriteConfig(const std::string& file, const std::string& text);

  // Starts homeostat-sim on config_ (control socket sim.sock; with order_log, every order it
  // receives goes to sim-orders.jsonl) and waits until it answers.
  void StartSim(bool paused, const std::vector<std::string>& extra_args, bool order_log);

  // Starts `homeostat run` on config_ and, with wait_ready, waits up to 30 s for Ready().
  void StartEngine(bool wait_ready = true);

  // The engine is ready: by default every venue has market data, order entry and balances and
  // every book is usable. Market-data-only suites override it (MarketDataReady).
  virtual bool Ready();
  // The venue is connected and every one of its books is usable.
  bool MarketDataReady(const std::string& venue);

  // One request on the simulator's control socket; {} when it does not answer.
  json SimCmd(const json& cmd);
  // `homeostat ctl status` over the admin socket; {} when the engine does not answer.
  json Status();
  // The named venue's entry in a status; nullptr when there is none.
  static const json* VenueOf(const json& status, const std::string& name);
  // The named venue's entry in a fresh Status(); {} when there is none.
  json VenueStatus(const std::string& venue);
  // A venue counter from a fresh Status(); `fallback` when the venue or counter is missing.
  int64_t VenueCount(const std::string& venue, const char* counter, int64_t fallback = -1);
  // An engine-wide counter (status "counters") from a fresh Status(); 0 when missing.
  int64_t EngineCount(const char* counter);

  // Sets the simulator's book for venue/instrument (asserts the simulator accepted it).
  void SetBook(const std::string& venue, const std::string& instrument, const json& bids, const json& asks);
  void SetBook(const std::string& venue, const json& bids, const json& asks) { SetBook(venue, "BTC/USDT", bids, asks); }
  // The control socket's "fault" command for `venue` (f: {"drop": 1}, {"stall": true}, ...).
  json SimFault(const std::string& venue, json f);
  // A barrier instead of a quiet period: sets `venue`'s BTC/USDT book and waits until the engine
  // has taken that top in with no order open. Status is one consistent snapshot of the core, so
  // an order decided on any earlier top is then either still open or answered (and logged).
  void SetBookAndSettle(const std::string& venue, const json& bids, const json& asks);
  // Sends each frame ({"text": ...} or {"hex": ...}) raw on the venue's market-data stream,
  // asserting each went out on exactly one connection.
  void SendRaw(const std::string& venue, const std::vector<json>& frames);
  // How many orders the simulator received; its accounts ({venue: {asset: amount}}).
  uint64_t SimOrders();
  json SimAccounts();
  // The simulator's order log (sim-orders.jsonl), one object per order.
  // Only "place" records unless places_only is false (cancel, cancel_all, list, query, dead_man too).
  std::vector<json> OrderLog(bool places_only = true);
  // The engine's balances of BTC and USDT on each venue equal the simulator's accounts exactly.
  void ExpectBalancesEqualTheSimulator(const std::vector<std::string>& venues);

  // SIGTERM to the engine; its exit code (0 when it was never started).
  int StopEngine();
  // Stops the engine (asserting a clean exit), reads its journal back and asserts that no
  // BookTop reached the core from a book after it failed validation. Call through
  // ASSERT_NO_FATAL_FAILURE.
  void StopEngineAndCheckJournal(CoreInputSummary* sum);

  static Amount Amt(const std::string& s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

  void TearDown() override;

  TempDir dir_;
  std::string config_;
  std::map<std::string, std::string> env_, engine_env_;
  std::vector<std::string> engine_args_;  // appended to `homeostat run --config <config_>`
  std::vector<std::string> secrets_;
  std::unique_ptr<Process> sim_, engine_;
};

}  // namespace hs::testing
