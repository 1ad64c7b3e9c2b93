// hs::app — `homeostat backtest`: the real decision core, single-threaded, over an event file.
//
// No sockets, no threads, no sleeps: events are read (backtest_events.h), books and balances
// fed to the core as the venue threads would, timer inputs generated every [engine] timer_ms
// of event time, and every intent filled at once against the simulated market
// (backtest_market.h), its reports fed back at the same time. Outputs in the out directory:
// intents.jsonl, fills.jsonl and summary.json (written last, only when the whole file ran).
// The same inputs give byte-identical outputs.
#pragma once

#include <cstdint>
#include <string>

namespace hs::app {

struct BacktestArgs {
  std::string config;  // TOML config (venues, instruments, [allocation], [sim.accounts])
  std::string events;  // the event file (JSON lines)
  std::string out;     // output directory (created)
};

// Returns the exit code: 0 ran, 1 a malformed event line or an output that could not be
// written (the message names the line or the file), 2 a usage or configuration error.
int RunBacktest(const BacktestArgs& args);

struct StampArgs {
  std::string venue;     // a configured venue's name or kind (binance, okx, ...)
  std::string file;      // a capture: one raw venue message per line
  int64_t every_ms = 100;
  int64_t start_ns = 0;
};

// `homeostat backtest --stamp VENUE FILE`: raw events with evenly spaced times, on stdout.
int RunStamp(const StampArgs& args);

}  // namespace hs::app
