#include "core/app/backtest_synth.h"

#include <cstdio>

#include "core/base/fixed_point.h"

namespace hs::backtest {

namespace {

// splitmix64: a small, portable, seeded generator (the same bytes on every machine).
uint64_t Next(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Cents(int64_t c, char* buf, size_t n) {
  std::snprintf(buf, n, "%lld.%02lld", static_cast<long long>(c / 100), static_cast<long long>(c % 100));
}

}  // namespace

int64_t WriteSyntheticMarket(const SynthParams& p, std::ostream& out) {
  int64_t events = 0;
  for (const std::string& v : p.venues) {
    for (const auto& [asset, amount] : p.balances) {
      out << "{\"t\":" << p.start_t << ",\"type\":\"balance\",\"venue\":\"" << v << "\",\"asset\":\"" << asset
          << "\",\"free\":\"" << amount << "\"}\n";
      ++events;
    }
  }
  uint64_t rng = p.seed;
  // The trend compounds per step in integer arithmetic: price × (1 + drift) at 1e-7 resolution.
  fp_internal::Int128 trend = static_cast<fp_internal::Int128>(p.start_price_cents) * 10'000'000;  // cents × 1e7
  char px[32], qty[32];
  std::snprintf(qty, sizeof qty, "%lld.%08lld", static_cast<long long>(p.level_qty_sats / 100'000'000),
                static_cast<long long>(p.level_qty_sats % 100'000'000));
  std::string line;
  for (int64_t k = 0; k < p.steps; ++k) {
    trend += trend * p.drift_milli_bps / 10'000'000;
    const int64_t base = static_cast<int64_t>(trend / 10'000'000);
    const int64_t t = p.start_t + k * p.step_ms * 1'000'000;
    for (size_t v = 0; v < p.venues.size(); ++v) {
      const int64_t wiggle = p.wiggle_cents > 0 ? static_cast<int64_t>(Next(&rng) % static_cast<uint64_t>(2 * p.wiggle_cents + 1)) - p.wiggle_cents : 0;
      const int64_t mid = base + wiggle;
      line = "{\"t\":" + std::to_string(t) + ",\"type\":\"book\",\"venue\":\"" + p.venues[v] + "\",\"instrument\":\"" +
             p.instrument + "\",\"bids\":[";
      for (int l = 0; l < p.levels; ++l) {
        Cents(mid - p.spread_cents / 2 - l, px, sizeof px);
        line += std::string(l ? "," : "") + "[\"" + px + "\",\"" + qty + "\"]";
      }
      line += "],\"asks\":[";
      for (int l = 0; l < p.levels; ++l) {
        Cents(mid + (p.spread_cents + 1) / 2 + l, px, sizeof px);
        line += std::string(l ? "," : "") + "[\"" + px + "\",\"" + qty + "\"]";
      }
      line += "]}\n";
      out << line;
      ++events;
    }
  }
  return events;
}

}  // namespace hs::backtest
