#include "venues/sim/sim_config.h"

#include "absl/status/status.h"
#include "core/config/toml_reader.h"

namespace hs::sim {

absl::StatusOr<SimConfig> ParseSimConfig(const std::string& text, const std::string& origin) {
  auto base = config::ParseConfig(text, origin);
  if (!base.ok()) return base.status();
  SimConfig c;
  c.base = std::move(*base);
  try {
    const toml::value doc = config::ParseToml(text, origin);
    const config::Node root(&doc, "", origin);
    const config::Node sim = root.Child("sim");
    sim.AllowOnly({"seed", "tick_interval_ms", "step_bps", "spread_bps", "levels", "dislocation_every_ms",
                   "dislocation_bps", "dislocation_ms", "prices", "accounts", "rate_limits"});
    c.seed = static_cast<uint64_t>(sim.Int("seed", 0, INT64_MAX, 1));
    c.tick_interval_ms = sim.Int("tick_interval_ms", 1, 60'000, 20);
    c.step_bps = sim.Int("step_bps", 0, 1000, 1);
    c.spread_bps = sim.Int("spread_bps", 1, 1000, 2);
    c.levels = static_cast<int>(sim.Int("levels", 1, 500, 20));
    c.dislocation_every_ms = sim.Int("dislocation_every_ms", 0, 3'600'000, 1500);
    c.dislocation_bps = sim.Int("dislocation_bps", 0, 5000, 45);
    c.dislocation_ms = sim.Int("dislocation_ms", 1, 3'600'000, 300);
    c.rate_limits = sim.Bool("rate_limits", true);
    const config::Node prices = sim.Child("prices");
    c.start_price.resize(c.base.instruments.size());
    for (const auto& ic : c.base.instruments) {
      c.start_price[ic.id.value] = prices.Decimal<Price>(ic.name);
      if (!c.start_price[ic.id.value].is_positive()) prices.Fail(ic.name, "must be > 0");
    }
    const config::Node accounts = sim.Child("accounts");
    c.accounts.resize(c.base.venues.size());
    for (const auto& vc : c.base.venues) {
      SimAccount& a = c.accounts[vc.id.value];
      if (!accounts.Has(vc.name)) {
        a.taker_fee = vc.taker_fee;
        continue;
      }
      const config::Node an = accounts.Child(vc.name);
      an.AllowOnly({"taker_fee", "balances", "public_key_env"});
      a.public_key_env = an.String("public_key_env", "");
      a.taker_fee = an.Fraction("taker_fee", Rate::Zero(), config::kTakerFeeBound, vc.taker_fee);
      if (an.Has("balances")) {
        const config::Node balances = an.Child("balances");
        for (const auto& [asset, node] : balances.Entries()) {
          if (c.base.FindAsset(asset) == nullptr) balances.Fail(asset, "unknown asset");
          a.balances[asset] = node.ToDecimal<Amount>(node.AsString(), node.path(), Sign::kNonNegative);
        }
      }
    }
  } catch (const config::ConfigError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return c;
}

}  // namespace hs::sim
