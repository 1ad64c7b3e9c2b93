// hs::backtest — a synthetic market as an event file, for tests, benchmarks and trying a
// config: every venue's book of one instrument around a shared price that trends (a constant
// drift per step) with a deterministic wiggle, plus the starting balances. No randomness
// beyond a seeded generator: the same parameters give the same bytes.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace hs::backtest {

struct SynthParams {
  std::vector<std::string> venues;  // venue names (as in the config)
  std::string instrument = "BTC/USDT";
  int64_t start_t = 1'700'000'000'000'000'000;
  int64_t step_ms = 100;            // one book event per venue every step
  int64_t steps = 6000;
  int64_t start_price_cents = 3'000'000;  // 30000.00
  int64_t drift_milli_bps = 10;     // per step, in thousandths of a bp (10 = 0.1 bp): the trend
  int64_t wiggle_cents = 500;       // amplitude of the deterministic noise around the trend
  int levels = 10;                  // per side
  int64_t level_qty_sats = 50'000'000;  // 0.5 BTC per level (in 1e-8)
  int64_t spread_cents = 2;
  uint64_t seed = 1;
  // Starting balances written as balance events before the first book: asset → amount text,
  // the same on every venue.
  std::vector<std::pair<std::string, std::string>> balances = {{"USDT", "100000"}};
};

// Writes the events; returns how many.
int64_t WriteSyntheticMarket(const SynthParams& p, std::ostream& out);

}  // namespace hs::backtest
