// hs::sim — the simulator's settings: the [sim] section of the shared config file, plus the
// venues, instruments and assets it reads from the same file (what to serve, and where).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/base/fixed_point.h"
#include "core/config/config.h"

namespace hs::sim {

struct SimAccount {
  Rate taker_fee;
  std::map<std::string, Amount> balances;  // asset name → amount
  std::string public_key_env;  // Coinbase: env var holding the account's ES256 public key (PEM)
};

struct SimConfig {
  config::Config base;  // venues, instruments, assets (engine sections are ignored)
  uint64_t seed = 1;
  int64_t tick_interval_ms = 20;
  int64_t step_bps = 1;
  int64_t spread_bps = 2;
  int levels = 20;
  int64_t dislocation_every_ms = 1500;  // 0 = never
  int64_t dislocation_bps = 45;
  int64_t dislocation_ms = 300;
  // The venues' documented order-rate limits, enforced with their real errors. Off only for soak
  // tests that push more orders than a real account may (the scripted rate_limit_orders fault
  // still applies).
  bool rate_limits = true;
  // Perpetuals (issue 15). A perpetual whose base and quote match a spot instrument follows that
  // spot's fair price × (1 + perp_basis_bps / 10^4) (its own [sim.prices] entry is then optional
  // and unused); one without a spot sibling walks on its own from its [sim.prices] entry. The
  // funding rate per interval is the basis, clamped to ±0.75 % (see Market::funding_rate).
  // [sim] perp_basis_bps, within [-1000, 1000]; may be negative (backwardation).
  int64_t perp_basis_bps = 5;
  std::vector<int> follows;             // per instrument id: the spot instrument a perpetual follows, else -1
  std::vector<Price> start_price;       // per instrument id
  std::vector<SimAccount> accounts;     // per venue id
};

absl::StatusOr<SimConfig> ParseSimConfig(const std::string& text, const std::string& origin);

// `--fault-crash PCT:MS:AFTER_MS`: AFTER_MS after start every fair price falls by PCT % over MS.
struct CrashFault {
  int64_t pct = 0;       // 1..99
  int64_t ms = 0;        // 0..86,400,000 (0: at once)
  int64_t after_ms = 0;  // 0..86,400,000
};
// Reads "PCT:MS:AFTER_MS" (whole numbers); an error names the part that is wrong.
absl::Status ParseCrashFault(std::string_view text, CrashFault* out);

}  // namespace hs::sim
