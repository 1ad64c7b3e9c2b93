// hs::engine — the decision core's parameters: plain values, no config types. The app turns the
// configuration into them (core/app/core_params.h), tests and benchmarks build them directly.
#pragma once

#include <array>
#include <cstdint>

#include "core/base/clock.h"
#include "core/base/fixed_point.h"
#include "core/base/ids.h"
#include "core/engine/allocator.h"
#include "core/engine/basis_params.h"
#include "core/engine/breaker_feeds.h"
#include "core/engine/leg_risk_params.h"
#include "core/engine/rebalancer_params.h"
#include "core/engine/reference_price.h"
#include "core/margin/margin_book.h"
#include "risk/breakers.h"
#include "risk/limits.h"

namespace hs::engine {

struct InstrumentParams {
  AssetId base;
  AssetId quote;
  Price tick;
  Qty lot;
  Notional min_notional;
  bool perp = false;  // a linear perpetual: fills move a position on the margin book, not balances
};

struct VenueParams {
  bool present = false;
  bool trading = false;
  Rate taker_fee;
  std::array<bool, kMaxInstruments> lists{};  // venue lists this instrument
  std::array<Qty, kMaxInstruments> lot{};     // venue lot per instrument
  bool perp = false;  // a margin account trading perpetuals (issue 15)
};

struct EngineParams {
  int venues = 0;
  int instruments = 0;
  int assets = 0;
  std::array<InstrumentParams, kMaxInstruments> instrument{};
  std::array<VenueParams, kMaxVenues> venue{};
  AssetId valuation_asset;  // PnL currency: the first instrument's quote
  // Per asset, the instrument that values it in the valuation asset (base = the asset, quote =
  // the valuation asset); Invalid() for the valuation asset and for assets with none.
  std::array<InstrumentId, kMaxAssets> valuation_instrument{};
  bool strategy_enabled = true;
  Rate min_edge;
  Notional max_leg_notional;
  Nanos cooldown;
  // The other side of a pair must have been received within this much of the trigger: a
  // stalled stream (connection alive, no data) leaves a book that validated but is stale.
  Nanos max_quote_age = Nanos::FromMillis(5'000);
  // Balance reconciliation: |venue − core| above this is a mismatch (10^-8: venues report 8
  // decimals, and the core books their fees exactly).
  Amount reconcile_tolerance = Amount::FromRaw(10);
  ReferenceParams reference;  // the oracle: freshness, outliers, quorum per instrument
  // Allocation (targets, bands, volatility targeting, rebalancing); off: arbitrage only.
  bool allocation_enabled = false;
  AllocatorParams allocator;
  RebalancerParams rebalancer;
  BasisParams basis;          // [allocation.basis]: cash and carry (off unless enabled)
  risk::Limits limits;        // the pre-trade gate's ([risk])
  risk::BreakerParams breakers;  // [risk.breakers.*]
  VolSpikeParams vol_spike;      // [risk.breakers.vol_spike] measurement
  LegRiskParams legs;  // repairing groups whose legs filled differently ([execution])
  uint64_t client_id_base = 1;  // first client order id (unique per session)
  // Durability ([journal]): a snapshot of the whole state every this many journal records
  // (0 = never); after a restart, venues that have not reconciled within reconcile_timeout
  // (input time from the session's start) stay out of trading and the rest go on.
  uint64_t snapshot_every = 0;
  Nanos reconcile_timeout = Nanos::FromMillis(30'000);
  // Telemetry is published every this many kTimer inputs (and after each operator command).
  int telemetry_every_timers = 5;
  // Perpetuals (issue 15): the margin book's parameters, per venue and instrument, and how far
  // a venue's pushed liquidation price may be from the engine's own before it is counted.
  std::array<margin::VenueParams, kMaxVenues> margin_venue{};
  std::array<margin::InstrumentParams, kMaxInstruments> margin_instrument{};
  Rate liq_tolerance = Rate::FromRaw(200'000);
  // Per asset, the perpetual whose base it is (Invalid(): none).
  std::array<InstrumentId, kMaxAssets> perp_instrument{};
};

}  // namespace hs::engine
