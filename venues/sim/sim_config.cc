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
                   "dislocation_bps", "dislocation_ms", "prices", "accounts", "rate_limits", "perp_basis_bps"});
    c.seed = static_cast<uint64_t>(sim.Int("seed", 0, INT64_MAX, 1));
    c.tick_interval_ms = sim.Int("tick_interval_ms", 1, 60'000, 20);
    c.step_bps = sim.Int("step_bps", 0, 1000, 1);
    c.spread_bps = sim.Int("spread_bps", 1, 1000, 2);
    c.levels = static_cast<int>(sim.Int("levels", 1, 500, 20));
    c.dislocation_every_ms = sim.Int("dislocation_every_ms", 0, 3'600'000, 1500);
    c.dislocation_bps = sim.Int("dislocation_bps", 0, 5000, 45);
    c.dislocation_ms = sim.Int("dislocation_ms", 1, 3'600'000, 300);
    c.rate_limits = sim.Bool("rate_limits", true);
    c.perp_basis_bps = sim.Int("perp_basis_bps", -1000, 1000, 5);
    // A perpetual follows the spot instrument with its base and quote, when there is one.
    c.follows.assign(c.base.instruments.size(), -1);
    for (const auto& perp : c.base.instruments) {
      if (!perp.perp()) continue;
      for (const auto& spot : c.base.instruments)
        if (!spot.perp() && spot.base == perp.base && spot.quote == perp.quote) {
          c.follows[perp.id.value] = spot.id.value;
          break;
        }
    }
    const config::Node prices = sim.Child("prices");
    c.start_price.resize(c.base.instruments.size());
    for (const auto& ic : c.base.instruments) {
      if (c.follows[ic.id.value] >= 0) continue;  // set from its spot below
      c.start_price[ic.id.value] = prices.Decimal<Price>(ic.name);
      if (!c.start_price[ic.id.value].is_positive()) prices.Fail(ic.name, "must be > 0");
    }
    for (const auto& ic : c.base.instruments) {
      const int spot = c.follows[ic.id.value];
      if (spot < 0) continue;
      if (prices.Has(ic.name)) {
        const Price given = prices.Decimal<Price>(ic.name);  // read so a malformed one is still an error
        if (!given.is_positive()) prices.Fail(ic.name, "must be > 0");
      }
      // spot × (1 + basis), on the perpetual's tick; never below one tick.
      const int64_t px = static_cast<int64_t>(static_cast<fp_internal::Int128>(c.start_price[static_cast<size_t>(spot)].raw()) *
                                              (10'000 + c.perp_basis_bps) / 10'000);
      c.start_price[ic.id.value] = Max(FloorToTick(Price::FromRaw(px), ic.tick), ic.tick);
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

namespace {
// A whole number in [lo, hi] from digits only (no sign, no spaces); false otherwise.
bool WholeIn(std::string_view t, int64_t lo, int64_t hi, int64_t* out) {
  if (t.empty() || t.size() > 12) return false;
  int64_t v = 0;
  for (char ch : t) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}
}  // namespace

absl::Status ParseCrashFault(std::string_view text, CrashFault* out) {
  const size_t a = text.find(':');
  const size_t b = a == std::string_view::npos ? a : text.find(':', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos || text.find(':', b + 1) != std::string_view::npos)
    return absl::InvalidArgumentError("'" + std::string(text) + "' is not PCT:MS:AFTER_MS (e.g. 30:10000:5000)");
  CrashFault c;
  if (!WholeIn(text.substr(0, a), 1, 99, &c.pct))
    return absl::InvalidArgumentError("PCT '" + std::string(text.substr(0, a)) + "' is not a whole percentage in 1..99");
  if (!WholeIn(text.substr(a + 1, b - a - 1), 0, 86'400'000, &c.ms))
    return absl::InvalidArgumentError("MS '" + std::string(text.substr(a + 1, b - a - 1)) +
                                      "' is not a whole number of milliseconds in 0..86400000");
  if (!WholeIn(text.substr(b + 1), 0, 86'400'000, &c.after_ms))
    return absl::InvalidArgumentError("AFTER_MS '" + std::string(text.substr(b + 1)) +
                                      "' is not a whole number of milliseconds in 0..86400000");
  *out = c;
  return absl::OkStatus();
}

}  // namespace hs::sim
