#include "core/app/core_params.h"

#include <algorithm>

#include "core/engine/decision_core.h"

namespace hs::app {

uint64_t SessionClientIdBase(int64_t wall_ns) noexcept {
  constexpr uint64_t kUnits = 9'000'000'000ull;  // 10 ms units before the wrap
  static_assert((kUnits - 1) * kSessionClientIds + kSessionClientIds <= kClientIdLimit);
  const uint64_t units = static_cast<uint64_t>(wall_ns < 0 ? 0 : wall_ns) / 10'000'000ull;
  // Never 0: id 0 is no id.
  return (units % kUnits) * kSessionClientIds + 1;
}

void RiskParamsFromConfig(const config::Config& cfg, engine::EngineParams* out) {
  const config::RiskConfig& r = cfg.risk;
  risk::Limits& l = out->limits;
  l.venues = static_cast<int>(cfg.venues.size());
  l.instruments = static_cast<int>(cfg.instruments.size());
  l.assets = static_cast<int>(cfg.assets.size());
  l.max_order_notional = r.max_order_notional;
  l.max_order_qty = r.max_order_qty;
  l.collar = r.collar;
  l.max_position = r.max_position;
  l.repeat_max = r.repeat_max;
  l.repeat_window = Nanos::FromMillis(r.repeat_window_ms);
  l.self_trade_prevention = r.self_trade_prevention;
  l.daily_notional_cap = r.daily_notional_cap;
  l.day_start = Nanos::FromMillis(r.day_start_utc_min * 60'000);
  // Liquidation limits apply where a venue trades perpetuals.
  const bool any_perp = std::any_of(cfg.venues.begin(), cfg.venues.end(), [](const config::VenueConfig& v) { return v.perp(); });
  l.liquidation.enabled = any_perp && r.liquidation.enabled;
  l.liquidation.min_distance = r.liquidation.min_distance;
  l.liquidation.reduce_distance = r.liquidation.reduce_distance;
  l.liquidation.delever_distance = r.liquidation.delever_distance;
  l.liquidation.max_delever_notional_per_s = r.liquidation.max_delever_notional_per_s;
  for (const auto& ic : cfg.instruments) {
    risk::InstrumentLimits& il = l.instrument[ic.id.value];
    const config::RiskInstrumentConfig& ri = r.instrument[ic.id.value];
    il.base = ic.base;
    il.quote = ic.quote;
    il.max_order_qty = ri.max_order_qty;
    il.max_order_notional = ri.max_order_notional;
    // The floor is the largest of the instrument's own minimum and the risk minimums.
    il.min_order_notional = Max(ic.min_notional, Max(r.min_order_notional, ri.min_order_notional));
  }
  for (const auto& vc : cfg.venues) {
    risk::VenueLimits& vl = l.venue[vc.id.value];
    const config::RiskVenueConfig& rv = r.venue[vc.id.value];  // resolved by the config
    vl.allowed = rv.allowed;
    vl.max_open_orders = rv.max_open_orders;
    vl.order_rate = rv.order_rate;
    vl.order_rate_window = Nanos::FromMillis(rv.order_rate_window_ms);
    vl.cancel_reserve = rv.cancel_reserve < 0 ? 0 : rv.cancel_reserve;
    vl.max_position = rv.max_position;
  }
  for (int b = 0; b < risk::kBreakers; ++b) {
    const config::BreakerConfigEntry& e = r.breakers[static_cast<size_t>(b)];
    risk::BreakerConfig& c = out->breakers.breaker[static_cast<size_t>(b)];
    c.enabled = e.enabled;
    c.scope = static_cast<risk::BreakerScope>(e.scope);
    c.action = static_cast<risk::BreakerAction>(e.action);
    c.cooldown = Nanos::FromMillis(e.cooldown_ms);
    c.latch = e.latch;
    c.threshold = e.threshold;
    c.threshold2 = e.threshold2;
    c.window = Nanos::FromMillis(e.window_ms);
    c.min_count = e.min_count;
  }
  // The clock breaker compares nanoseconds; the config says milliseconds.
  risk::BreakerConfig& clock = out->breakers.breaker[static_cast<size_t>(risk::BreakerId::kClock)];
  clock.threshold = r.breakers[static_cast<size_t>(risk::BreakerId::kClock)].threshold * 1'000'000;
  const config::BreakerConfigEntry& vs = r.breakers[static_cast<size_t>(risk::BreakerId::kVolSpike)];
  out->vol_spike.short_halflife = vs.short_halflife_s * 1000.0 / static_cast<double>(vs.sample_ms > 0 ? vs.sample_ms : 1000);
  out->vol_spike.long_halflife = vs.long_halflife_s * 1000.0 / static_cast<double>(vs.sample_ms > 0 ? vs.sample_ms : 1000);
  out->vol_spike.sample = Nanos::FromMillis(vs.sample_ms > 0 ? vs.sample_ms : 1000);
  out->vol_spike.warmup = vs.warmup;
}

// An asset's venue shares with its perp_share (issue 15): the perpetual venues hold perp_share of
// the asset's exposure, split by their configured shares (equally among the trading venues that
// list its perpetual when those are all 0), and the spot venues the rest, by theirs. Exact: the
// rounding remainder goes to the venue with the largest share, so the shares still sum to 1.
std::array<Rate, kMaxVenues> PerpAwareShares(const config::Config& cfg, AssetId a) {
  const config::AllocationConfig& al = cfg.allocation;
  const std::array<Rate, kMaxVenues>& given = al.venue_share[a.value];
  const Rate p = al.targets[a.value].perp_share;
  std::array<bool, kMaxVenues> holds_perp{};
  int perp_venues = 0;
  for (const config::VenueConfig& v : cfg.venues) {
    if (!v.perp() || !v.trading) continue;
    for (const config::VenueSymbolConfig& s : v.symbols)
      holds_perp[v.id.value] = holds_perp[v.id.value] || cfg.instruments[s.instrument.value].base == a;
    perp_venues += holds_perp[v.id.value] ? 1 : 0;
  }
  if (perp_venues == 0) return given;  // nothing holds a perpetual of it: the shares as written
  __int128 spot_sum = 0, perp_sum = 0;
  for (const config::VenueConfig& v : cfg.venues) {
    if (v.perp()) {
      if (holds_perp[v.id.value]) perp_sum += given[v.id.value].raw();
    } else {
      spot_sum += given[v.id.value].raw();
    }
  }
  const __int128 one = Rate::kScale;
  const __int128 perp_part = spot_sum == 0 ? one : p.raw();
  const __int128 spot_part = one - perp_part;
  std::array<Rate, kMaxVenues> out{};
  __int128 sum = 0;
  int largest = -1;
  for (const config::VenueConfig& v : cfg.venues) {
    const int id = v.id.value;
    __int128 share = 0;
    if (v.perp()) {
      if (!holds_perp[id]) continue;
      share = perp_sum == 0 ? perp_part / perp_venues : perp_part * given[id].raw() / perp_sum;
    } else if (spot_sum > 0) {
      share = spot_part * given[id].raw() / spot_sum;
    }
    out[id] = Rate::FromRaw(static_cast<int64_t>(share));
    sum += share;
    if (largest < 0 || out[id] > out[largest]) largest = id;
  }
  if (largest >= 0) out[largest] = Rate::FromRaw(out[largest].raw() + static_cast<int64_t>(one - sum));
  return out;
}

static_assert(config::kMinSpillRecords >=
                  engine::DecisionCore::kMaxRecordsPerInput + engine::DecisionCore::kSnapshotReserve,
              "a spill that small would never let the core read an input");

engine::EngineParams CoreParamsFromConfig(const config::Config& cfg, uint64_t client_id_base) {
  engine::EngineParams p;
  p.venues = static_cast<int>(cfg.venues.size());
  p.instruments = static_cast<int>(cfg.instruments.size());
  p.assets = static_cast<int>(cfg.assets.size());
  for (const auto& ic : cfg.instruments) {
    p.instrument[ic.id.value] = engine::InstrumentParams{ic.base, ic.quote, ic.tick, ic.lot, ic.min_notional, ic.perp()};
    margin::InstrumentParams& mi = p.margin_instrument[ic.id.value];
    mi.perp = ic.perp();
    mi.base = ic.base;
    mi.quote = ic.quote;
    mi.tiers = ic.mm_tiers;
    if (ic.perp() && !p.perp_instrument[ic.base.value].valid()) p.perp_instrument[ic.base.value] = ic.id;
  }
  p.liq_tolerance = cfg.risk.liquidation.liq_price_tolerance;
  for (const auto& vc : cfg.venues) {
    engine::VenueParams& v = p.venue[vc.id.value];
    v.present = true;
    v.trading = vc.trading;
    v.taker_fee = vc.taker_fee;
    for (const auto& s : vc.symbols) {
      v.lists[s.instrument.value] = true;
      v.lot[s.instrument.value] = s.lot;
    }
    v.perp = vc.perp();
    margin::VenueParams& mv = p.margin_venue[vc.id.value];
    mv.perp = vc.perp();
    mv.rule = vc.kind == config::VenueKind::kOkx ? margin::Rule::kOkx : margin::Rule::kBybit;
    mv.mode = vc.margin_mode;
    mv.leverage = vc.leverage;
    mv.taker_fee = vc.taker_fee;
    if (vc.perp()) mv.settle = cfg.instruments[vc.symbols.front().instrument.value].quote;
  }
  // The valuation asset: [allocation] names it; without one, the first instrument's quote.
  p.valuation_asset = cfg.allocation.enabled ? cfg.allocation.valuation_asset : cfg.instruments.front().quote;
  for (const auto& ic : cfg.instruments) {
    if (!ic.perp() && ic.quote == p.valuation_asset && !p.valuation_instrument[ic.base.value].valid())
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
      ap.venue_share[a] = PerpAwareShares(cfg, AssetId{static_cast<uint16_t>(a)});
      ap.risky[a] = a != al.valuation_asset.value;
    }
    ap.venue_band = al.venue_band;
    p.basis.enabled = al.basis.enabled;
    p.basis.min_funding_rate = al.basis.min_funding_rate;
    p.basis.exit_funding_rate = al.basis.exit_funding_rate;
    p.basis.max_notional = al.basis.max_notional;
    p.basis.interval = Nanos::FromMillis(al.rebalance_interval_ms);
    p.basis.min_trade = al.min_trade_notional;
    p.basis.max_trade = al.max_trade_notional;
    p.basis.max_cost = al.max_cost;
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
  RiskParamsFromConfig(cfg, &p);
  p.client_id_base = client_id_base;
  p.snapshot_every = static_cast<uint64_t>(cfg.journal.snapshot_every);
  p.reconcile_timeout = Nanos::FromMillis(cfg.journal.reconcile_timeout_ms);
  return p;
}

}  // namespace hs::app
