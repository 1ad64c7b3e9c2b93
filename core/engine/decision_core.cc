#include "core/engine/decision_core.h"

#include <algorithm>

#include "core/base/clock.h"
#include "core/journal/journal_format.h"

namespace hs::engine {

DecisionCore::DecisionCore(const EngineParams& params, Wiring wiring)
    : p_(params),
      w_(std::move(wiring)),
      risk_(risk::GateLimits{params.limits.max_order_notional, params.limits.max_order_qty}),
      orders_(params.client_id_base),
      legs_(params.legs),
      reference_(params.reference),
      valuation_(Valuation::Resolve(params.valuation_asset,
                                    std::span<const InstrumentParams>(params.instrument.data(),
                                                                      static_cast<size_t>(params.instruments))),
                 reference_),
      ledger_(params.valuation_asset) {
  if (p_.allocation_enabled) {
    allocator_.emplace(p_.allocator);
    rebalancer_.emplace(p_.rebalancer);
  }
  tel_.venues = p_.venues;
  tel_.instruments = p_.instruments;
  tel_.assets = p_.assets;
}

void DecisionCore::Begin(Nanos wall_time) noexcept {
  journal::SessionStart s;
  s.wall_ns = wall_time.value;
  s.venues = static_cast<uint32_t>(p_.venues);
  s.instruments = static_cast<uint32_t>(p_.instruments);
  s.tsc_ticks_per_ms = static_cast<uint64_t>(TscClock::ticks_per_ns() * 1e6);
  s.client_id_base = p_.client_id_base;
  w_.journal.Append(journal::RecordType::kSessionStart, s);
}

int DecisionCore::DoWork() noexcept {
  int work = 0;
  if (w_.journal_failed != nullptr && !journal_halted_ && w_.journal_failed->load(std::memory_order_acquire)) {
    // A journal that cannot persist means no trading (DESIGN §8); latched like a kill.
    journal_halted_ = true;
    risk_.SetGlobal(risk::TradingState::kHalted);
    tel_.journal_failed = true;
    tel_.global_state = static_cast<uint8_t>(risk::TradingState::kHalted);
  }
  if (w_.from_control.valid()) {
    bool operator_cmd = false;
    for (int n = 0; n < 16; ++n) {
      const ControlCommand* c = w_.from_control.Front();
      if (c == nullptr) break;
      w_.journal.Append(journal::RecordType::kControl, *c);
      Handle(*c);
      operator_cmd = operator_cmd || c->op != ControlOp::kTimer;
      w_.from_control.Pop();
      ++work;
    }
    // An operator's command shows in status at once, not at the next periodic publish.
    if (operator_cmd) PublishTelemetry();
  }
  // Bounded batch per venue so one noisy venue cannot starve the others (STYLE §7).
  for (auto& ring : w_.from_venues) {
    if (!ring.valid()) continue;
    for (int n = 0; n < 64; ++n) {
      const VenueMsg* m = ring.Front();
      if (m == nullptr) break;
      w_.journal.Append(journal::RecordType::kVenueMsg, *m);
      Handle(*m);
      ring.Pop();
      ++work;
    }
  }
  return work;
}

void DecisionCore::Park(int64_t max_ns) noexcept {
  if (w_.waker == nullptr) {
    timespec ts{0, static_cast<long>(max_ns < 1'000'000 ? max_ns : 1'000'000)};
    nanosleep(&ts, nullptr);
    return;
  }
  w_.waker->BeginPark();
  bool pending = w_.from_control.valid() && !w_.from_control.Empty();
  for (auto& ring : w_.from_venues) pending = pending || (ring.valid() && !ring.Empty());
  if (!pending) w_.waker->Block(std::min<int64_t>(max_ns, 50'000'000));
  w_.waker->EndPark();
}

void DecisionCore::OnClose() noexcept {
  journal::SessionEnd e;
  e.wall_ns = WallNow().value;
  e.records = w_.journal.last_seq() + 1;
  w_.journal.Append(journal::RecordType::kSessionEnd, e);
  PublishTelemetry();
}

void DecisionCore::CopyOutcomes() noexcept {
  const OrderOutcomes& o = orders_.outcomes();
  CoreCounters& c = tel_.counters;
  c.orders_filled = o.filled;
  c.orders_partly_filled = o.partly_filled;
  c.orders_unfilled = o.unfilled;
  c.orders_rejected = o.rejected;
  c.legs_unbalanced = o.legs_unbalanced;
  c.orders_by_purpose = o.by_purpose;
  c.orders_by_venue = o.by_venue;
  c.unknown_orders_seen = o.unknown_seen;
  c.unknown_orders_resolved = o.unknown_resolved;
  const LiquidityCounters& lc = liquidity_.counters();
  c.liquidity_takes = lc.takes;
  c.liquidity_netted_reads = lc.netted_reads;
  c.liquidity_table_full = lc.full;
  tel_.open_orders = static_cast<uint64_t>(orders_.open());
}

void DecisionCore::PublishTelemetry() noexcept {
  RecomputePnl();
  CopyOutcomes();
  CopyLegs(last_timer_);
  tel_.version++;
  tel_.counters.journal_stalls = w_.journal.stalls();
  if (w_.telemetry != nullptr && !w_.telemetry->TryPublish(tel_)) ++tel_.counters.telemetry_drops;
}

void DecisionCore::Handle(const ControlCommand& cmd) noexcept {
  const bool venue_scoped = cmd.venue.valid() && cmd.venue.value < p_.venues;
  switch (cmd.op) {
    case ControlOp::kKill:
      // Always global (the control thread refuses a venue): latched until a global resume.
      killed_ = true;
      risk_.SetGlobal(risk::TradingState::kHalted);
      break;
    case ControlOp::kHalt:
      if (venue_scoped) {
        risk_.SetVenue(cmd.venue, risk::TradingState::kHalted);
      } else if (!cmd.venue.valid()) {
        risk_.SetGlobal(risk::TradingState::kHalted);
      }
      break;
    case ControlOp::kReduce:
      if (venue_scoped) {
        risk_.SetVenue(cmd.venue, risk::TradingState::kReducing);
      } else if (!cmd.venue.valid() && !killed_ && !journal_halted_) {
        // A latched kill or a failed journal keeps the engine HALTED: reduce cannot relax it.
        risk_.SetGlobal(risk::TradingState::kReducing);
      }
      break;
    case ControlOp::kResume:
      if (journal_halted_) break;  // a failed journal is not something an operator resumes
      if (venue_scoped) {
        // Only that venue's own state: the global state (a kill above all) stays as it is.
        risk_.SetVenue(cmd.venue, risk::TradingState::kActive);
      } else if (!cmd.venue.valid()) {
        killed_ = false;
        risk_.SetGlobal(risk::TradingState::kActive);
      }
      break;
    case ControlOp::kRefused:
      ++tel_.refused_commands;  // journaled by DoWork for the audit trail; changes nothing
      break;
    case ControlOp::kTimer:
      OnTimer(cmd.time);
      return;
    case ControlOp::kDrain:
      draining_ = true;
      tel_.draining = true;
      break;
    default:
      break;
  }
  tel_.killed = killed_;
  tel_.global_state = static_cast<uint8_t>(risk_.global_state());
  for (int v = 0; v < p_.venues; ++v)
    tel_.venue[v].trading_state = static_cast<uint8_t>(risk_.venue_state(VenueId{static_cast<uint8_t>(v)}));
}

void DecisionCore::OnTimer(Nanos now) noexcept {
  last_timer_ = now;
  // Time-driven work runs here, on journaled input time. Every reference first: tops age out of
  // it with time alone, so each timer input brings them all up to date (recomputing only those
  // whose books changed or whose venues aged out; the rest repeat exactly).
  for (int i = 0; i < p_.instruments; ++i) UpdateReference(InstrumentId{static_cast<uint16_t>(i)}, now);
  if (rebalancer_ && !draining_ && rebalancer_->Due(now)) RunRebalancer(now);
  // Repairs retry, time out into unwinds, and sweep dust on timer inputs too.
  if (!legs_.idle()) RunRepairs(now);
  if (++timers_since_publish_ >= p_.telemetry_every_timers) {
    timers_since_publish_ = 0;
    PublishTelemetry();
  }
}

void DecisionCore::Handle(const VenueMsg& msg) noexcept {
  ++tel_.counters.messages;
  switch (msg.kind) {
    case VenueMsg::Kind::kBookTop:
      OnBookTop(msg.top, msg.recv_time);
      break;
    case VenueMsg::Kind::kStatus:
      OnStatus(msg.status);
      break;
    case VenueMsg::Kind::kExec:
      OnExec(msg.exec, msg.recv_time);
      break;
    case VenueMsg::Kind::kBalance:
      if (msg.balance.venue.valid() && msg.balance.venue.value < p_.venues) {
        if (!Reconcile(msg.balance)) break;
        portfolio_.ApplySnapshot(msg.balance);
        VenueView& vv = tel_.venue[msg.balance.venue.value];
        if (msg.balance.asset.valid() && msg.balance.asset.value < p_.assets)
          vv.balances[msg.balance.asset.value] = portfolio_.free(msg.balance.venue, msg.balance.asset);
        vv.balances_known = portfolio_.known(msg.balance.venue);
      }
      break;
  }
}

bool DecisionCore::Reconcile(const BalanceUpdate& b) noexcept {
  const int v = b.venue.value;
  if (!portfolio_.known(b.venue)) return true;  // the first snapshot sets the books
  VenueView& vv = tel_.venue[v];
  ReconcileState& rs = reconcile_[v];
  if (!rs.in_snapshot) {
    // A snapshot taken while orders are open there may or may not include their fills: neither
    // compare nor adopt it (the venue thread asks again later).
    rs.in_snapshot = true;
    rs.defer = orders_.open_on(b.venue) > 0;
    rs.mismatch = false;
  }
  if (!rs.defer && b.asset.valid() && b.asset.value < p_.assets) {
    const Amount core = portfolio_.total(b.venue, b.asset);
    Amount diff = b.free + b.locked - core;
    if (diff.is_negative()) diff = -diff;
    if (diff > p_.reconcile_tolerance) {
      rs.mismatch = true;
      if (diff > vv.reconcile_max_diff) vv.reconcile_max_diff = diff;
    }
  }
  if (b.final_of_snapshot) {
    rs.in_snapshot = false;
    if (rs.defer) {
      ++vv.reconcile_deferred;
    } else {
      ++vv.reconcile_checks;
      if (rs.mismatch) ++vv.reconcile_mismatches;
      vv.reconciled = !rs.mismatch;
    }
  }
  return !rs.defer;
}

void DecisionCore::OnStatus(const VenueStatus& st) noexcept {
  if (!st.venue.valid() || st.venue.value >= p_.venues) return;
  VenueView& vv = tel_.venue[st.venue.value];
  if (!st.instrument.valid()) {
    // Connection-level status: applies to every book of the venue.
    vv.state = st.state;
    vv.connected = st.state != FeedState::kDisconnected && st.state != FeedState::kConnecting;
    vv.orders_connected = st.orders_connected;
    vv.gaps = st.gaps;
    vv.checksum_failures = st.checksum_failures;
    vv.crossed = st.crossed;
    vv.resyncs = st.resyncs;
    vv.parse_errors = st.parse_errors;
    books_.OnStatus(st, p_.instruments);
    ref_dirty_.fill(true);  // usability may have changed for every book of the venue
    if (!st.usable) {
      for (int i = 0; i < p_.instruments; ++i) {
        vv.books[i].usable = false;
        vv.books[i].state = st.state;
      }
    }
    return;
  }
  if (st.instrument.value >= p_.instruments) return;
  // A status never makes a book usable by itself: only a BookTop from a validated book does.
  books_.OnStatus(st, p_.instruments);
  ref_dirty_[st.instrument.value] = true;
  vv.books[st.instrument.value].usable = books_.usable(st.venue, st.instrument);
  vv.books[st.instrument.value].state = st.state;
  vv.gaps = std::max(vv.gaps, st.gaps);
  vv.checksum_failures = std::max(vv.checksum_failures, st.checksum_failures);
  vv.crossed = std::max(vv.crossed, st.crossed);
  vv.resyncs = std::max(vv.resyncs, st.resyncs);
  vv.parse_errors = std::max(vv.parse_errors, st.parse_errors);
}

bool DecisionCore::CanTrade(VenueId v) const noexcept {
  const VenueParams& vp = p_.venue[v.value];
  const VenueView& vv = tel_.venue[v.value];
  return vp.trading && vv.orders_connected && portfolio_.known(v) &&
         risk_.effective_state(v) == risk::TradingState::kActive;
}

void DecisionCore::OnBookTop(const BookTop& top, Nanos now) noexcept {
  if (!top.venue.valid() || top.venue.value >= p_.venues || !top.instrument.valid() ||
      top.instrument.value >= p_.instruments)
    return;
  ++tel_.counters.book_tops;
  books_.OnTop(top, now);
  liquidity_.OnTop(top.venue, top.instrument);  // takes of finished orders: this top shows them
  // The reference is recomputed on timer inputs, not on every top: arbitrage itself never reads
  // it, and the allocator, the rebalancer and valuation run on timers.
  ref_dirty_[top.instrument.value] = true;
  const CachedBook& b = books_.at(top.venue, top.instrument);
  BookView& bv = tel_.venue[top.venue.value].books[top.instrument.value];
  bv.has_top = b.has_top;
  bv.usable = b.usable;
  bv.state = FeedState::kSynced;
  bv.updates++;
  if (top.bid_count > 0) {
    bv.bid = top.bids[0].px;
    bv.bid_qty = top.bids[0].qty;
  }
  if (top.ask_count > 0) {
    bv.ask = top.asks[0].px;
    bv.ask_qty = top.asks[0].qty;
  }
  if (!p_.strategy_enabled || !b.usable) return;
  for (int w = 0; w < p_.venues; ++w) {
    if (w == top.venue.value) continue;
    const CachedBook& other = books_.at(VenueId{static_cast<uint8_t>(w)}, top.instrument);
    if (!other.usable) continue;
    if (now.value - other.recv_time.value > p_.max_quote_age.value) {
      ++tel_.counters.stale_quotes;
      continue;
    }
    const VenueId vw{static_cast<uint8_t>(w)};
    EvaluatePair(top.instrument, top.venue, vw, top, now);  // buy here, sell there
    EvaluatePair(top.instrument, vw, top.venue, top, now);  // buy there, sell here
  }
}

void DecisionCore::EvaluatePair(InstrumentId inst, VenueId buy, VenueId sell, const BookTop& trigger,
                                Nanos now) noexcept {
  const BookTop& a = books_.at(buy, inst).top;
  const BookTop& b = books_.at(sell, inst).top;
  const VenueParams& va = p_.venue[buy.value];
  const VenueParams& vb = p_.venue[sell.value];
  const InstrumentParams& ip = p_.instrument[inst.value];
  if (!va.lists[inst.value] || !vb.lists[inst.value]) return;
  if (draining_) return;  // stopping: no new group

  // With an allocator, legs lean toward the venue shares (a lower edge when they help, a size
  // that keeps both venues inside their bands).
  const bool leans = allocator_ && ip.quote == p_.valuation_asset;
  const Rate min_edge = leans ? LeanMinEdge(*allocator_, ip.base, buy, sell, p_.min_edge) : p_.min_edge;
  // The books as our own in-flight orders leave them: levels they are taking are not there twice.
  ArbInputs in{a.asks, a.ask_count, b.bids, b.bid_count, va.taker_fee, vb.taker_fee, min_edge};
  bool netted = false;
  if (liquidity_.Any(buy, inst, Side::kBuy)) {
    in.ask_count = liquidity_.Net(buy, inst, Side::kBuy, a.asks, a.ask_count, asks_left_.data());
    in.asks = asks_left_.data();
    netted = true;
  }
  if (liquidity_.Any(sell, inst, Side::kSell)) {
    in.bid_count = liquidity_.Net(sell, inst, Side::kSell, b.bids, b.bid_count, bids_left_.data());
    in.bids = bids_left_.data();
    netted = true;
  }
  uint8_t& episode = episode_[inst.value][buy.value][sell.value];
  // Most ticks show no edge: decide that from the two top levels before computing any caps.
  if (!TopOfBookPays(in)) {
    // Only the market ends an episode: with our own takes netted out, the edge may just be
    // what our in-flight orders are already taking.
    if (!netted) episode = 0;
    return;
  }
  // Caps: what the buy venue's quote and the sell venue's base allow, and the per-leg limits.
  ArbCaps caps;
  caps.max_qty = QtyFromAmount(portfolio_.available(sell, ip.base), Rounding::kFloor);
  if (p_.limits.max_order_qty.is_positive()) caps.max_qty = Min(caps.max_qty, p_.limits.max_order_qty);
  ArbLean lean;
  // The reference as of the last timer input (at most timer_ms old) sizes the lean: recomputing
  // it here would cost every opportunity a sort for a value that only caps the size.
  if (leans && reference_.valid(inst)) {
    lean = LeanArbitrage(*allocator_, ip.base, buy, sell, reference_.value(inst), p_.min_edge,
                         Max(va.lot[inst.value], vb.lot[inst.value]));
    caps.max_qty = Min(caps.max_qty, lean.max_qty);
  }
  const Notional leg_cap = Min(p_.max_leg_notional, p_.limits.max_order_notional);
  caps.max_buy_notional = Min(NotionalFromAmount(portfolio_.available(buy, ip.quote)), leg_cap);
  caps.max_sell_notional = leg_cap;
  const Qty lot_a = va.lot[inst.value];
  const Qty lot_b = vb.lot[inst.value];
  caps.lot = Max(lot_a, lot_b);
  if (!IsMultipleOf(caps.lot.raw(), Min(lot_a, lot_b).raw())) return;  // no common lot
  caps.min_notional = ip.min_notional;

  const ArbPlan plan = FindArbitrage(in, caps);
  if (!plan.crossed) {
    if (!netted) episode = 0;
    return;
  }
  if (episode == 0) {
    episode = kEpisodeOpen;
    ++tel_.counters.opportunities;
  }
  if (!CanTrade(buy) || !CanTrade(sell)) return;
  if (now < cooldown_until_[inst.value][buy.value][sell.value]) return;
  if (!plan.qty.is_positive()) {
    if ((episode & kEpisodeCapped) == 0) ++tel_.counters.opportunities_capped;
    episode |= kEpisodeCapped;
    cooldown_until_[inst.value][buy.value][sell.value] = now + p_.cooldown;
    return;
  }

  const TscStamp decided = TscNow();
  OrderIntent legs[2];
  legs[0].venue = buy;
  legs[0].side = Side::kBuy;
  legs[0].limit_px = plan.buy_limit;
  legs[1].venue = sell;
  legs[1].side = Side::kSell;
  legs[1].limit_px = plan.sell_limit;
  for (OrderIntent& leg : legs) {
    leg.instrument = inst;
    leg.tif = TimeInForce::kIoc;
    leg.purpose = OrderPurpose::kArbitrage;
    leg.qty = plan.qty;
    leg.origin_stamp = trigger.recv_stamp;
    leg.decision_stamp = decided;
    leg.decision_time = now;
  }
  cooldown_until_[inst.value][buy.value][sell.value] = now + p_.cooldown;

  if (!SendGroup(legs, 2)) return;
  ++tel_.counters.arb_groups_sent;
  if (lean.toward) ++tel_.counters.arb_groups_leaned;
  if ((episode & kEpisodeTaken) == 0) ++tel_.counters.opportunities_taken;
  episode |= kEpisodeTaken;
  if (w_.metrics != nullptr) w_.metrics->decision_ns.Record(TscClock::Elapsed(trigger.recv_stamp, decided));
}

bool DecisionCore::SendGroup(OrderIntent* legs, int n) noexcept {
  // Risk first, every leg: one leg of a pair alone is a position, not what was decided.
  for (int k = 0; k < n; ++k) {
    const risk::GateVerdict v = risk_.Check(legs[k]);
    if (v != risk::GateVerdict::kAccept) {
      ++tel_.counters.risk_rejects;
      journal::RiskReject rr{legs[k], static_cast<uint8_t>(v)};
      w_.journal.Append(journal::RecordType::kRiskReject, rr);
      return false;
    }
  }
  // Room for every leg in its venue's intent ring and in the order table, or none is sent.
  for (int k = 0; k < n; ++k) {
    auto& ring = w_.to_venues[legs[k].venue.value];
    const bool shared = k > 0 && legs[k - 1].venue == legs[k].venue;  // (legs of a group are on distinct venues)
    if (!ring.valid() || !ring.HasRoom() || shared) {
      ++tel_.counters.intent_ring_full;
      return false;
    }
  }
  if (!orders_.HasRoom(n)) {
    ++tel_.counters.intent_ring_full;  // order table full: same treatment as a full ring
    return false;
  }
  const uint32_t group = orders_.NewGroup(n);
  for (int k = 0; k < n; ++k) {
    OrderIntent& leg = legs[k];
    leg.group = group;
    const InstrumentParams& ip = p_.instrument[leg.instrument.value];
    AssetId reserved_asset;
    Amount reserved;
    if (leg.side == Side::kBuy) {
      reserved_asset = ip.quote;
      reserved = AmountFromNotional(
          MulNotional(NetBuyCost(leg.limit_px, p_.venue[leg.venue.value].taker_fee), leg.qty, Rounding::kCeil));
    } else {
      reserved_asset = ip.base;
      reserved = AmountFromQty(leg.qty);
    }
    orders_.Open(leg, reserved_asset, reserved);
    portfolio_.Reserve(leg.venue, reserved_asset, reserved);
    RecordTake(leg);
    const bool pushed = w_.to_venues[leg.venue.value].TryPush(leg);
    HS_DCHECK(pushed, "ring room was checked");
    (void)pushed;
    if (w_.venue_wakers.size() > leg.venue.value && w_.venue_wakers[leg.venue.value] != nullptr)
      w_.venue_wakers[leg.venue.value]->Wake();
    w_.journal.Append(journal::RecordType::kIntent, leg);
    ++tel_.counters.orders_sent;
  }
  CopyOutcomes();
  return true;
}

void DecisionCore::RunRebalancer(Nanos now) noexcept {
  // Weights over part of the portfolio would be wrong: wait until every trading venue has
  // reported its balances once (they stay known across reconnects).
  for (int v = 0; v < p_.venues; ++v) {
    if (p_.venue[v].trading && !portfolio_.known(VenueId{static_cast<uint8_t>(v)})) {
      ++tel_.allocation.waiting_balances_runs;
      rebalancer_->Skip(now);
      return;
    }
  }
  // Holdings valued in the valuation asset (the last valid reference: a stale one still values,
  // but the rebalancer sends nothing on an instrument whose reference is not valid now).
  valuation_.NavInto(portfolio_, p_.venues, p_.assets, &nav_);
  if (!nav_.complete) {
    // An asset held but never priced: the weights would be wrong; wait for its reference.
    ++tel_.allocation.unpriced_runs;
    rebalancer_->Skip(now);
    return;
  }
  Holdings h;
  h.value = nav_.venue_value;
  allocator_->Evaluate(h);
  tel_.allocation.stats.OnEvaluate(*allocator_, p_.assets, now);
  RebalanceView view;
  view.params = &p_;
  view.allocator = &*allocator_;
  view.books = &books_;
  view.reference = &reference_;
  view.portfolio = &portfolio_;
  for (int v = 0; v < p_.venues; ++v) view.can_trade[v] = CanTrade(VenueId{static_cast<uint8_t>(v)});
  PlannedOrder planned[Rebalancer::kMaxPlanned];
  const int n = rebalancer_->Plan(view, now, planned, Rebalancer::kMaxPlanned);
  for (int k = 0; k < n;) {
    const int legs_n = planned[k].paired_with_next && k + 1 < n ? 2 : 1;
    OrderIntent legs[2];
    for (int j = 0; j < legs_n; ++j) {
      const PlannedOrder& po = planned[k + j];
      OrderIntent& in = legs[j];
      in.venue = po.venue;
      in.instrument = po.instrument;
      in.side = po.side;
      in.tif = TimeInForce::kIoc;
      in.purpose = OrderPurpose::kRebalance;
      in.limit_px = po.limit;
      in.qty = po.qty;
      in.decision_time = now;
    }
    if (SendGroup(legs, legs_n)) {
      for (int j = 0; j < legs_n; ++j) {
        const PlannedOrder& po = planned[k + j];
        tel_.allocation.rebalance_notional += po.notional;
        ++tel_.allocation.rebalance_orders;
        tel_.allocation.rebalance_cost_weighted += po.cost.ToDoubleForStats() * po.notional.ToDoubleForStats();
      }
    }
    k += legs_n;
  }
  CopyAllocation();
}

void DecisionCore::CopyAllocation() noexcept {
  AllocationView& av = tel_.allocation;
  const Allocator& al = *allocator_;
  av.enabled = true;
  av.nav = al.nav();
  av.max_abs_drift = al.max_abs_drift();
  av.out_of_band = al.out_of_band();
  for (int a = 0; a < p_.assets; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    av.weight[a] = al.weight(aid);
    av.target[a] = al.target(aid);
    av.band[a] = al.band(aid);
    av.effective_target[a] = al.effective_target(aid);
    av.drift[a] = al.drift(aid);
    av.in_band[a] = al.in_band(aid);
  }
  av.rebalance = rebalancer_->counters();
}

void DecisionCore::RecordTake(const OrderIntent& leg) noexcept {
  const BookTop& top = books_.at(leg.venue, leg.instrument).top;
  const bool buy = leg.side == Side::kBuy;
  const Level* levels = buy ? top.asks : top.bids;
  int n = buy ? top.ask_count : top.bid_count;
  if (liquidity_.Any(leg.venue, leg.instrument, leg.side)) {
    n = liquidity_.Net(leg.venue, leg.instrument, leg.side, levels, n, take_left_.data());
    levels = take_left_.data();
  }
  liquidity_.Take(leg.client_id, leg.venue, leg.instrument, leg.side, leg.limit_px, leg.qty, levels, n);
}

void DecisionCore::CloseOrder(TrackedOrder& o, ExecKind last, Nanos now) noexcept {
  liquidity_.OnOrderDone(o.id, o.filled.is_positive());
  portfolio_.Release(o.venue, o.reserved_asset, o.reserved);
  const ClientOrderId id = o.id;
  const Qty filled = o.filled;
  const bool repair = legs_.IsRepairOrder(id);
  const GroupEnd end = orders_.Close(o, last);
  if (repair) {
    legs_.OnRepairDone(id, filled);
    RunRepairs(now);  // the next attempt at once, not a timer later
  } else if (end.ended) {
    legs_.OnGroupEnded(end.instrument, end.buy_venue, end.sell_venue, end.bought, end.sold, now);
    if (end.bought != end.sold) RunRepairs(now);
  }
  CopyOutcomes();
}

void DecisionCore::RunRepairs(Nanos now) noexcept {
  RepairView view;
  view.params = &p_;
  view.books = &books_;
  view.reference = &reference_;
  view.portfolio = &portfolio_;
  for (int v = 0; v < p_.venues; ++v) view.can_trade[v] = CanTrade(VenueId{static_cast<uint8_t>(v)});
  RepairOrder planned[LegTracker::kMaxRepairs];
  const int n = legs_.Plan(view, now, planned, LegTracker::kMaxRepairs);
  for (int k = 0; k < n; ++k) {
    const RepairOrder& ro = planned[k];
    OrderIntent in;
    in.venue = ro.venue;
    in.instrument = ro.instrument;
    in.side = ro.side;
    in.tif = TimeInForce::kIoc;
    in.purpose = ro.purpose;
    in.limit_px = ro.limit;
    in.qty = ro.qty;
    in.decision_time = now;
    in.decision_stamp = TscNow();
    if (SendGroup(&in, 1)) legs_.OnSent(ro, in.client_id);
  }
  CopyLegs(now);
}

void DecisionCore::CopyLegs(Nanos now) noexcept {
  tel_.open_repairs = legs_.open();
  tel_.residual_notional = legs_.ResidualNotional(reference_);
  tel_.oldest_residual_age = legs_.OldestResidualAge(now);
  tel_.dust_entries = legs_.dust_entries();
  tel_.dust_notional = legs_.DustNotional(reference_, p_.venues, p_.instruments);
  tel_.legs = legs_.counters();
}

void DecisionCore::OnExec(const ExecReport& ex, Nanos now) noexcept {
  TrackedOrder* o = orders_.Find(ex.client_id);
  switch (ex.kind) {
    case ExecKind::kAck:
      ++tel_.counters.ack_reports;
      break;
    case ExecKind::kFill:
      ++tel_.counters.fill_reports;
      break;
    case ExecKind::kCanceled:
      ++tel_.counters.cancel_reports;
      break;
    case ExecKind::kRejected:
      ++tel_.counters.reject_reports;
      break;
    case ExecKind::kUnknown:
      ++tel_.counters.unknown_reports;
      break;
  }
  if (o == nullptr) {
    ++tel_.counters.unknown_exec;
    return;
  }
  if (ex.kind == ExecKind::kUnknown) {
    orders_.MarkUnknown(*o);
    CopyOutcomes();
  }
  // Idempotent: a fill whose cumulative quantity is not ahead of what the core booked is a
  // repeat (a duplicate push, or a late report already covered by a query's answer). It books
  // nothing; a final flag on it still ends the order.
  bool apply = ex.kind == ExecKind::kFill && ex.fill_qty.is_positive();
  if (apply && ex.cum_qty.is_positive() && ex.cum_qty <= o->filled) {
    ++tel_.counters.duplicate_fills;
    apply = false;
  }
  if (apply) {
    const InstrumentParams& ip = p_.instrument[o->instrument.value];
    portfolio_.ApplyFill(o->venue, ip.base, ip.quote, o->side, ex.fill_qty, ex.fill_quote, ex.fee_asset, ex.fee);
    orders_.AddFill(*o, ex.fill_qty);
    VenueView& vv = tel_.venue[o->venue.value];
    vv.balances[ip.base.value] = portfolio_.free(o->venue, ip.base);
    vv.balances[ip.quote.value] = portfolio_.free(o->venue, ip.quote);
    // Cost basis and PnL in the valuation asset (a quote other than it is valued at its reference).
    const Amount value = ip.quote == p_.valuation_asset ? ex.fill_quote
                                                        : valuation_.Value(ip.quote, ex.fill_quote, Rounding::kFloor);
    ledger_.OnFill(ip.base, o->side, AmountFromQty(ex.fill_qty), value);
    ledger_.OnFill(ip.quote, o->side == Side::kBuy ? Side::kSell : Side::kBuy, ex.fill_quote, value);  // cash: no-op
    if (ex.fee_asset.valid() && ex.fee_asset.value < kMaxAssets) {
      vv.balances[ex.fee_asset.value] = portfolio_.free(o->venue, ex.fee_asset);
      ledger_.OnFee(ex.fee_asset, ex.fee, valuation_.Value(ex.fee_asset, ex.fee, Rounding::kCeil));
      tel_.fees_quote = ledger_.fees_valuation();
    }
  }
  // kUnknown keeps the reservation: the order may exist until reconciled.
  if (ex.final && ex.kind != ExecKind::kUnknown) CloseOrder(*o, ex.kind, now);
}

void DecisionCore::UpdateReference(InstrumentId inst, Nanos now) noexcept {
  // No book of the instrument changed since the last recompute (ref_dirty_ is set by every top
  // and status): the reference repeats it exactly unless time aged a venue out.
  if (ref_dirty_[inst.value] || !reference_.TryRepeat(inst, now)) {
    VenueQuote q[kMaxVenues];
    for (int v = 0; v < p_.venues; ++v) {
      const CachedBook& b = books_.at(VenueId{static_cast<uint8_t>(v)}, inst);
      q[v].usable = b.usable && b.has_top && p_.venue[v].lists[inst.value];
      q[v].bid = b.top.bids[0].px;
      q[v].ask = b.top.asks[0].px;
      q[v].recv_time = b.recv_time;
    }
    reference_.Update(inst, q, p_.venues, now);
    ref_dirty_[inst.value] = false;
    tel_.reference[inst.value] = reference_.value(inst);
    tel_.reference_valid[inst.value] = reference_.valid(inst);
  }
  // Volatility targeting samples the reference of each asset valued through this instrument.
  const InstrumentParams& ip = p_.instrument[inst.value];
  if (allocator_ && reference_.valid(inst) && ip.quote == p_.valuation_asset &&
      p_.valuation_instrument[ip.base.value] == inst)
    allocator_->OnReference(ip.base, reference_.value(inst), now);
}

void DecisionCore::RecomputePnl() noexcept {
  // Starting inventory (and a venue that reports late, or a deposit) is marked to market at the
  // first valid price of its asset; from then on fills move the cost basis.
  for (int a = 0; a < p_.assets; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    if (aid == p_.valuation_asset || !valuation_.Priced(aid) || valuation_.Stale(aid)) continue;
    const Amount gap = portfolio_.position(aid) - ledger_.held(aid);
    if (!gap.is_zero()) ledger_.MarkStart(aid, gap, valuation_.PriceOf(aid));
  }
  valuation_.NavInto(portfolio_, p_.venues, p_.assets, &nav_);
  tel_.nav = nav_.nav;
  tel_.nav_stale = nav_.stale;
  tel_.nav_complete = nav_.complete;
  tel_.realized_pnl = ledger_.realized_total();
  tel_.unrealized_pnl = ledger_.UnrealizedTotal(valuation_, p_.assets);
  tel_.fees_quote = ledger_.fees_valuation();
  tel_.pnl_quote = tel_.realized_pnl + tel_.unrealized_pnl - tel_.fees_quote;
}

}  // namespace hs::engine
