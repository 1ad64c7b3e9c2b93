#include "core/app/core_params.h"

#include <algorithm>

namespace hs::app {

uint64_t SessionClientIdBase(int64_t wall_ns) noexcept {
  constexpr uint64_t kUnits = 9'000'000'000ull;  // 10 ms units before the wrap
  static_assert((kUnits - 1) * kSessionClientIds + kSessionClientIds <= kClientIdLimit);
  const uint64_t units = static_cast<uint64_t>(wall_ns < 0 ? 0 : wall_ns) / 10'000'000ull;
  // Never 0: id 0 is no id.
  return (units % kUnits) * kSessionClientIds + 1;
}

engine::EngineParams CoreParamsFromConfig(const config::Config& cfg, uint64_t client_id_base) {
  engine::EngineParams p;
  p.venues = static_cast<int>(cfg.venues.size());
  p.instruments = static_cast<int>(cfg.instruments.size());
  p.assets = static_cast<int>(cfg.assets.size());
  for (const auto& ic : cfg.instruments) {
    p.instrument[ic.id.value] = engine::InstrumentParams{ic.base, ic.quote, ic.tick, ic.lot, ic.min_notional};
  }
  for (const auto& vc : cfg.venues) {
    engine::VenueParams& v = p.venue[vc.id.value];
    v.present = true;
    v.trading = vc.trading;
    v.taker_fee = vc.taker_fee;
    for (const auto& s : vc.symbols) {
      v.lists[s.instrument.value] = true;
      v.lot[s.instrument.value] = s.lot;
    }
  }
  // The valuation asset: [allocation] names it; without one, the first instrument's quote.
  p.valuation_asset = cfg.allocation.enabled ? cfg.allocation.valuation_asset : cfg.instruments.front().quote;
  for (const auto& ic : cfg.instruments) {
    if (ic.quote == p.valuation_asset && !p.valuation_instrument[ic.base.value].valid())
      p.valuation_instrument[ic.base.value] = ic.id;
  }
  p.strategy_enabled = cfg.strategy.enabled;
  p.min_edge = cfg.strategy.min_edge;
  p.max_leg_notional = cfg.strategy.max_leg_notional;
  p.cooldown = Nanos::FromMillis(cfg.strategy.cooldown_ms);
  p.max_quote_age = Nanos::FromMillis(cfg.strategy.max_quote_age_ms);
  // The oracle ([reference]; the config resolves each instrument's quorum).
  p.reference.max_age = Nanos::FromMillis(cfg.reference.max_age_ms);
  p.legs.enabled = cfg.execution.repair_legs;
  p.legs.hedge_slippage = cfg.execution.hedge_slippage;
  p.legs.hedge_attempts = static_cast<int>(cfg.execution.hedge_attempts);
  p.legs.hedge_timeout = Nanos::FromMillis(cfg.execution.hedge_timeout_ms);
  p.legs.unwind_slippage = cfg.execution.unwind_slippage;
  p.legs.unwind_attempts = static_cast<int>(cfg.execution.unwind_attempts);
  p.reference.outlier = cfg.reference.outlier;
  for (const auto& ic : cfg.instruments)
    p.reference.min_venues[ic.id.value] = static_cast<uint8_t>(std::max(1, cfg.reference.min_venues[ic.id.value]));
  // Allocation.
  const config::AllocationConfig& al = cfg.allocation;
  p.allocation_enabled = al.enabled;
  if (al.enabled) {
    engine::AllocatorParams& ap = p.allocator;
    ap.assets = p.assets;
    ap.venues = p.venues;
    ap.valuation_asset = al.valuation_asset;
    for (int a = 0; a < p.assets; ++a) {
      ap.target[a] = {al.targets[a].weight, al.targets[a].band};
      ap.venue_share[a] = al.venue_share[a];
      ap.risky[a] = a != al.valuation_asset.value;
    }
    ap.venue_band = al.venue_band;
    ap.trade_to_target = al.trade_to_target;
    ap.vol.enabled = al.vol.enabled;
    ap.vol.annual_vol = al.vol.annual_vol;
    ap.vol.lambda = al.vol.lambda;
    ap.vol.sample_ms = al.vol.sample_ms;
    ap.vol.warmup_samples = al.vol.warmup_samples;
    ap.vol.min_scale = al.vol.min_scale;
    ap.vol.max_scale = al.vol.max_scale;
    engine::RebalancerParams& rp = p.rebalancer;
    rp.interval = Nanos::FromMillis(al.rebalance_interval_ms);
    rp.min_trade = al.min_trade_notional;
    rp.max_trade = al.max_trade_notional;
    rp.max_cost = al.max_cost;
    rp.pace_per_min = al.pace_notional_per_min;
    rp.max_book_age = Nanos::FromMillis(cfg.reference.max_age_ms);
  }
  p.limits.max_order_notional = cfg.risk.max_order_notional;
  p.limits.max_order_qty = cfg.risk.max_order_qty;
  p.client_id_base = client_id_base;
  return p;
}

}  // namespace hs::app
