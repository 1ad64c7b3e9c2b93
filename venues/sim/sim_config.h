// hs::sim — the simulator's settings: the [sim] section of the shared config file, plus the
// venues, instruments and assets it reads from the same file (what to serve, and where).
#pragma once

#include <cstdint>
#include <map>
#include <string>
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
  std::vector<Price> start_price;       // per instrument id
  std::vector<SimAccount> accounts;     // per venue id
};

absl::StatusOr<SimConfig> ParseSimConfig(const std::string& text, const std::string& origin);

}  // namespace hs::sim
