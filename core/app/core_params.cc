#include "core/app/core_params.h"

namespace hs::app {

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
  p.valuation_asset = cfg.instruments.front().quote;
  p.strategy_enabled = cfg.strategy.enabled;
  p.min_edge = cfg.strategy.min_edge;
  p.max_leg_notional = cfg.strategy.max_leg_notional;
  p.cooldown = Nanos::FromMillis(cfg.strategy.cooldown_ms);
  p.max_quote_age = Nanos::FromMillis(cfg.strategy.max_quote_age_ms);
  // The oracle's quorum: 2 where the instrument trades on at least two venues, else 1.
  for (const auto& ic : cfg.instruments) {
    int listing = 0;
    for (const auto& vc : cfg.venues)
      for (const auto& s : vc.symbols) listing += s.instrument == ic.id;
    p.reference.min_venues[ic.id.value] = static_cast<uint8_t>(listing >= 2 ? 2 : 1);
  }
  p.reference.max_age = Nanos::FromMillis(cfg.strategy.max_quote_age_ms);
  p.limits = risk::Limits{cfg.risk.max_order_notional, cfg.risk.max_order_qty};
  p.client_id_base = client_id_base;
  return p;
}

}  // namespace hs::app
