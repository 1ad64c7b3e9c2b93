#include "core/engine/decision_core.h"

#include <algorithm>
#include <cstring>

#include "core/base/clock.h"
#include "core/journal/journal_format.h"

namespace hs::engine {

DecisionCore::DecisionCore(const EngineParams& params, Wiring wiring)
    : p_(params),
      w_(std::move(wiring)),
      orders_(params.client_id_base),
      legs_(params.legs),
      reference_(params.reference),
      valuation_(Valuation::Resolve(params.valuation_asset,
                                    std::span<const InstrumentParams>(params.instrument.data(),
                                                                      static_cast<size_t>(params.instruments))),
                 reference_),
      ledger_(params.valuation_asset),
      gate_(params.limits),
      breakers_(params.breakers, params.venues, params.instruments),
      feeds_(params.breakers, params.vol_spike, params.limits.day_start) {
  if (p_.allocation_enabled) {
    allocator_.emplace(p_.allocator);
    rebalancer_.emplace(p_.rebalancer);
    bool perp = false;
    for (int v = 0; v < p_.venues; ++v) perp = perp || p_.venue[v].perp;
    if (p_.basis.enabled && perp) carry_.emplace(p_.basis);
  }
  tel_.venues = p_.venues;
  tel_.instruments = p_.instruments;
  tel_.assets = p_.assets;
  // Throttle storage is sized here, once (start-up); nothing on the order path allocates.
  for (int v = 0; v < p_.venues; ++v) {
    const risk::VenueLimits& vl = p_.limits.venue[v];
    rate_[v].Configure(vl.order_rate, vl.order_rate_window);
    for (int i = 0; i < p_.instruments; ++i) lists_[static_cast<size_t>(v * kMaxInstruments + i)] = p_.venue[v].lists[i];
  }
  repeat_.Configure(p_.venues, p_.instruments, p_.limits.repeat_max, p_.limits.repeat_window);
  daily_.Configure(p_.limits.day_start);
  ctx_.states = &states_;
  ctx_.reference = tel_.reference.data();
  ctx_.reference_valid = tel_.reference_valid.data();
  ctx_.position = portfolio_.positions();
  ctx_.venue_position = portfolio_.venue_totals();
  ctx_.open_orders = orders_.open_by_venue();
  ctx_.resting = resting_.data();
  ctx_.rate = rate_.data();
  ctx_.repeat = &repeat_;
  ctx_.daily = &daily_;
  ctx_.drift_sign = allocator_ ? drift_sign_.data() : nullptr;
  ctx_.valuation_asset = p_.valuation_asset;
  ConfigureMargin();
  breakers_.Apply(&states_);
  CopyRisk();
  InitSnapshots();
}

void DecisionCore::Begin(Nanos wall_time, std::string_view config_text) noexcept {
  // The session's config first (DESIGN §8: replay rebuilds each session's core from it), in
  // chunks; then session_start.
  const uint32_t total = static_cast<uint32_t>(config_text.size());
  for (uint32_t off = 0; off < total || off == 0;) {
    journal::ConfigChunk c;
    c.total = total;
    c.offset = off;
    const uint32_t n = std::min<uint32_t>(total - off, static_cast<uint32_t>(sizeof c.bytes));
    c.length = static_cast<uint16_t>(n);
    if (n > 0) std::memcpy(c.bytes, config_text.data() + off, n);
    w_.journal.Append(journal::RecordType::kConfig, c);
    off += n;
    if (n == 0) break;
  }
  journal::SessionStart s;
  s.wall_ns = wall_time.value;
  s.venues = static_cast<uint32_t>(p_.venues);
  s.instruments = static_cast<uint32_t>(p_.instruments);
  s.tsc_ticks_per_ms = 0;  // a measurement: not journaled, so two runs' records agree
  s.client_id_base = p_.client_id_base;
  w_.journal.Append(journal::RecordType::kSessionStart, s);
  StartSession(wall_time);
  MaybeSnapshot();
}

void DecisionCore::StartSession(Nanos wall_time) noexcept {
  last_input_ = wall_time;
  ++sessions_;
  // A client id no earlier session can have used: the session's own prefix (journaled in
  // session_start) or, if the recovered tracker is already past it, its next id.
  orders_.AdvanceClientIds(p_.client_id_base);
  if (sessions_ == 1) {
    phase_ = Phase::kTrading;
    return;
  }
  // A session that continues recovered state. The books and the connections belonged to the
  // old process: nothing of them is usable until this session's venue threads say so.
  phase_ = Phase::kReconciling;
  reconcile_deadline_ = Nanos{wall_time.value + p_.reconcile_timeout.value};
  for (int v = 0; v < p_.venues; ++v) {
    VenueStatus st;
    st.venue = VenueId{static_cast<uint8_t>(v)};
    st.instrument = InstrumentId::Invalid();
    st.state = FeedState::kDisconnected;
    OnStatus(st);
    reconcile_[v] = ReconcileState{};
    // A trading venue reconciles again: its recovered orders resolved, then a balance snapshot.
    recon_pending_[v] = p_.venue[v].trading;
  }
  // Every order the old session left open goes to its venue's session as a query: adopted as
  // unknown and resolved from the venue's answer (OrderIntent.query).
  orders_.ForEachOpenMutable([&](TrackedOrder& o) {
    o.adopted = true;
    orders_.MarkUnknown(o, wall_time);
    OrderIntent q;
    q.client_id = o.id;
    q.venue = o.venue;
    q.instrument = o.instrument;
    q.side = o.side;
    q.tif = o.tif;
    q.purpose = o.purpose;
    q.limit_px = o.limit_px;
    q.qty = o.qty;
    q.group = o.group;
    q.query = true;
    q.decision_time = wall_time;
    const bool wired = o.venue.value < w_.to_venues.size() && w_.to_venues[o.venue.value].valid();
    if (wired && w_.to_venues[o.venue.value].TryPush(q)) {
      if (w_.venue_wakers.size() > o.venue.value && w_.venue_wakers[o.venue.value] != nullptr)
        w_.venue_wakers[o.venue.value]->Wake();
    } else {
      ++tel_.counters.intent_ring_full;
    }
    w_.journal.Append(journal::RecordType::kIntent, q);
    ++tel_.recovered_orders;
  });
  CopyOutcomes();
  CheckReconciled(wall_time);
}

void DecisionCore::CheckReconciled(Nanos now) noexcept {
  if (phase_ != Phase::kReconciling) return;
  bool pending = false;
  for (int v = 0; v < p_.venues; ++v) pending = pending || recon_pending_[v];
  if (!pending) {
    phase_ = Phase::kTrading;
    return;
  }
  if (now >= reconcile_deadline_) {
    // The others trade; a venue still pending stays out until it reconciles (CanTrade).
    phase_ = Phase::kTrading;
    for (int v = 0; v < p_.venues; ++v)
      if (recon_pending_[v]) ++tel_.reconcile_timeouts;
  }
}

void DecisionCore::End(Nanos wall_time) noexcept {
  journal::SessionEnd e;
  e.wall_ns = wall_time.value;
  e.records = w_.journal.last_seq() + 1;
  w_.journal.Append(journal::RecordType::kSessionEnd, e);
  PublishTelemetry();
}

void DecisionCore::Step(const ControlCommand& cmd) noexcept {
  w_.journal.Append(journal::RecordType::kControl, cmd);
  Handle(cmd);
  // An operator's command shows in status at once, not at the next periodic publish. (Part of
  // the step, not of DoWork: publishing marks starting inventory, which is state.)
  if (cmd.op != ControlOp::kTimer) PublishTelemetry();
  MaybeSnapshot();
}

void DecisionCore::Step(const VenueMsg& msg) noexcept {
  w_.journal.Append(journal::RecordType::kVenueMsg, msg);
  Handle(msg);
  MaybeSnapshot();
}

void DecisionCore::SampleQueues() noexcept {
  // Other threads' state enters only here, as journaled inputs (ControlOp docs): the journal
  // writer failing, the journal's spill in use, a venue's intent ring nearly full.
  if (w_.journal_failed != nullptr && !tel_.journal_failed && w_.journal_failed->load(std::memory_order_acquire)) {
    ControlCommand c;
    c.op = ControlOp::kJournalFailed;
    c.time = last_input_;
    Step(c);
  }
  const bool journal_full = w_.journal.backlogged();
  if (journal_full != journal_backlog_) {
    ControlCommand c;
    c.op = ControlOp::kBackpressure;
    c.venue = VenueId::Invalid();
    c.arg = journal_full ? 1 : 0;
    c.time = last_input_;
    Step(c);
  }
  for (size_t v = 0; v < w_.to_venues.size() && v < static_cast<size_t>(p_.venues); ++v) {
    auto& ring = w_.to_venues[v];
    if (!ring.valid()) continue;
    // Full below a margin: one step sends at most a few intents to one venue.
    const bool full = ring.Room(kIntentRingMargin) < kIntentRingMargin;
    if (full != intent_backlog_[v]) {
      ControlCommand c;
      c.op = ControlOp::kBackpressure;
      c.venue = VenueId{static_cast<uint8_t>(v)};
      c.arg = full ? 1 : 0;
      c.time = last_input_;
      Step(c);
    }
  }
}

int DecisionCore::DoWork() noexcept {
  int work = 0;
  w_.journal.Flush();
  SampleQueues();
  if (w_.from_control.valid()) {
    for (int n = 0; n < 16; ++n) {
      // Operator commands (the kill above all) are read while the spill has room for them.
      if (w_.journal.spill_room() < kMaxRecordsPerInput) break;
      const ControlCommand* c = w_.from_control.Front();
      if (c == nullptr) break;
      Step(*c);
      w_.from_control.Pop();
      ++work;
    }
  }
  // Bounded batch per venue so one noisy venue cannot starve the others (STYLE §7). No input is
  // read unless the journal's spill can take everything it may produce: when the writer falls
  // that far behind, inputs wait in their rings (the venue threads' own overflow rules apply).
  for (auto& ring : w_.from_venues) {
    if (!ring.valid()) continue;
    for (int n = 0; n < 64; ++n) {
      if (w_.journal.spill_room() < kMaxRecordsPerInput + kSnapshotReserve) break;
      const VenueMsg* m = ring.Front();
      if (m == nullptr) break;
      Step(*m);
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

void DecisionCore::OnClose() noexcept { End(WallNow()); }

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
  CopyMargin();
  CopyOutcomes();
  CopyLegs(last_timer_);
  CopyRisk();
  tel_.version++;
  tel_.counters.journal_stalls = w_.journal.stalls();
  if (w_.telemetry != nullptr && !w_.telemetry->TryPublish(tel_)) ++tel_.counters.telemetry_drops;
}

void DecisionCore::Handle(const ControlCommand& cmd) noexcept {
  last_input_ = cmd.time;
  feeds_.OnControlTime(cmd.op == ControlOp::kTimer, cmd.time, breakers_, this);
  const bool venue_scoped = cmd.venue.valid() && cmd.venue.value < p_.venues;
  const bool global = !cmd.venue.valid();
  journal::StateChangeResult result = journal::StateChangeResult::kApplied;
  switch (cmd.op) {
    case ControlOp::kKill:
      // Always global (the control thread refuses a venue): latched until a global resume.
      states_.SetKilled(true);
      break;
    case ControlOp::kHalt:
    case ControlOp::kReduce: {
      const risk::TradingState to = cmd.op == ControlOp::kHalt ? risk::TradingState::kHalted : risk::TradingState::kReducing;
      // A global reduce under a kill sets the operator layer below it; the kill still rules
      // (TradingStates reads HALTED while killed) until a global resume clears both.
      if (venue_scoped) {
        states_.SetOperatorVenue(cmd.venue, to);
      } else if (global) {
        states_.SetOperatorGlobal(to);
      } else {
        result = journal::StateChangeResult::kNoEffect;
      }
      break;
    }
    case ControlOp::kResume:
      // Resume clears what operators set; a tripped or latched breaker stays (ctl reset NAME).
      if (venue_scoped) {
        // Only that venue's own operator state: the global state (a kill above all) stays.
        states_.SetOperatorVenue(cmd.venue, risk::TradingState::kActive);
      } else if (global) {
        states_.SetKilled(false);
        states_.SetOperatorGlobal(risk::TradingState::kActive);
      } else {
        result = journal::StateChangeResult::kNoEffect;
      }
      break;
    case ControlOp::kReset: {
      const int n = cmd.arg < risk::kBreakers
                        ? breakers_.Reset(static_cast<risk::BreakerId>(cmd.arg), cmd.time, cmd.peer_uid, this)
                        : -1;
      result = n < 0 ? journal::StateChangeResult::kRefused
                     : (n == 0 ? journal::StateChangeResult::kNoEffect : journal::StateChangeResult::kApplied);
      break;
    }
    case ControlOp::kRefused:
      ++tel_.refused_commands;  // journaled by DoWork for the audit trail; changes nothing
      return;
    case ControlOp::kTimer:
      OnTimer(cmd.time);
      return;
    case ControlOp::kDrain:
      draining_ = true;
      tel_.draining = true;
      return;
    case ControlOp::kJournalFailed:
      // A journal that cannot persist means no trading (DESIGN §8): the journal breaker halts and
      // latches, and no reset clears it.
      if (tel_.journal_failed) return;
      tel_.journal_failed = true;
      breakers_.TripNow(risk::BreakerId::kJournal, VenueId::Invalid(), InstrumentId::Invalid(), 1, 0, cmd.time, this);
      ApplyStates(cmd.time, nullptr, journal::StateChangeResult::kApplied);
      return;
    case ControlOp::kBackpressure:
      if (global) {
        journal_backlog_ = cmd.arg != 0;
        if (journal_backlog_) ++tel_.counters.journal_backlogs;
      } else if (venue_scoped) {
        intent_backlog_[cmd.venue.value] = cmd.arg != 0;
      }
      return;
    default:
      return;
  }
  ApplyStates(cmd.time, &cmd, result);
}

void DecisionCore::OnTimer(Nanos now) noexcept {
  last_timer_ = now;
  // Time-driven work runs here, on journaled input time. Every reference first: tops age out of
  // it with time alone, so each timer input brings them all up to date (recomputing only those
  // whose books changed or whose venues aged out; the rest repeat exactly).
  for (int i = 0; i < p_.instruments; ++i) UpdateReference(InstrumentId{static_cast<uint16_t>(i)}, now);
  // Liquidation distances (and the REDUCING they impose, applied with the breakers' round) and
  // forced deleveraging, then the breakers, so that every decision of this timer sees the
  // states they leave.
  RunLiquidation(now);
  RunBreakers(now);
  CheckReconciled(now);
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
  last_input_ = msg.recv_time;
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
        if (p_.venue[msg.balance.venue.value].perp)
          margin_.SetWallet(msg.balance.venue, portfolio_.free(msg.balance.venue, p_.margin_venue[msg.balance.venue.value].settle));
        VenueView& vv = tel_.venue[msg.balance.venue.value];
        if (msg.balance.asset.valid() && msg.balance.asset.value < p_.assets)
          vv.balances[msg.balance.asset.value] = portfolio_.free(msg.balance.venue, msg.balance.asset);
        vv.balances_known = portfolio_.known(msg.balance.venue);
      }
      break;
    case VenueMsg::Kind::kMark:
      margin_.ApplyMark(msg.mark);
      break;
    case VenueMsg::Kind::kPosition:
      OnPosition(msg.position);
      break;
    case VenueMsg::Kind::kMarginAccount:
      OnMarginAccount(msg.margin);
      break;
    case VenueMsg::Kind::kFunding:
      OnFunding(msg.funding);
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
      // After a restart: the venue's recovered orders are resolved (the snapshot was not
      // deferred) and its balances are adopted from this snapshot: it may trade again.
      if (recon_pending_[v]) {
        recon_pending_[v] = false;
        CheckReconciled(last_input_);
      }
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

bool DecisionCore::CanTrade(VenueId v, InstrumentId i) const noexcept {
  const VenueParams& vp = p_.venue[v.value];
  const VenueView& vv = tel_.venue[v.value];
  return vp.trading && vv.orders_connected && portfolio_.known(v) && phase_ == Phase::kTrading &&
         !recon_pending_[v.value] && states_.Effective(v, i) == risk::TradingState::kActive;
}

bool DecisionCore::CanSend(VenueId v) const noexcept {
  const VenueParams& vp = p_.venue[v.value];
  const VenueView& vv = tel_.venue[v.value];
  return vp.trading && vv.orders_connected && portfolio_.known(v) && phase_ == Phase::kTrading &&
         !recon_pending_[v.value] && states_.venue(v) != risk::TradingState::kHalted;
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
  if (!CanTrade(buy, inst) || !CanTrade(sell, inst)) return;
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
  // The journal's spill in use: no new orders until it drains (JournalSink: the bounded design).
  if (journal_backlog_) {
    ++tel_.counters.journal_backlog_refusals;
    return false;
  }
  // Risk first, every leg: one leg of a pair alone is a position, not what was decided.
  for (int k = 0; k < n; ++k) {
    ctx_.now = legs[k].decision_time;
    // The price collar reads the reference: bring it up to this input when a book of the
    // instrument changed since the last timer (a sort of at most kMaxVenues mids, only when an
    // order is about to go out).
    if (p_.limits.collar.is_positive() && legs[k].instrument.value < p_.instruments &&
        ref_dirty_[legs[k].instrument.value])
      UpdateReference(legs[k].instrument, ctx_.now);
    const risk::Decision d = gate_.Check(legs[k], ctx_);
    if (!d.ok()) {
      ++tel_.counters.risk_rejects;
      rejects_.Count(d.verdict);
      journal::RiskReject rr;
      rr.intent = legs[k];
      rr.verdict = static_cast<uint8_t>(d.verdict);
      rr.asset = d.asset;
      rr.value = d.value;
      rr.limit = d.limit;
      w_.journal.Append(journal::RecordType::kRiskReject, rr);
      return false;
    }
  }
  // Room for every leg in its venue's intent ring and in the order table, or none is sent.
  for (int k = 0; k < n; ++k) {
    auto& ring = w_.to_venues[legs[k].venue.value];
    const bool shared = k > 0 && legs[k - 1].venue == legs[k].venue;  // (legs of a group are on distinct venues)
    if (!ring.valid() || intent_backlog_[legs[k].venue.value] || !ring.HasRoom() || shared) {
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
    if (ip.perp) {
      // A perpetual order holds initial margin in the settle asset, not the notional; a
      // reduce-only one holds nothing (it can only release margin).
      reserved_asset = ip.quote;
      reserved = leg.reduce_only ? Amount::Zero()
                                 : margin::InitialMargin(MulNotional(leg.limit_px, leg.qty, Rounding::kCeil),
                                                         p_.margin_venue[leg.venue.value].leverage);
    } else if (leg.side == Side::kBuy) {
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
    OnSent(leg);
  }
  CopyOutcomes();
  return true;
}

void DecisionCore::OnSent(const OrderIntent& leg) noexcept {
  const Nanos now = leg.decision_time;
  rate_[leg.venue.value].Record(now);
  repeat_.Record(leg.venue, leg.instrument, leg.side, now);
  daily_.Record(MulNotional(leg.limit_px, leg.qty, Rounding::kCeil), now);
  if (leg.tif == TimeInForce::kGtc) UpdateResting(leg.venue, leg.instrument);
}

void DecisionCore::UpdateResting(VenueId v, InstrumentId i) noexcept {
  // Resting (GTC) orders are rare: the self-trade view of (v, i) is rebuilt from the order table
  // whenever one opens or closes there.
  risk::RestingTop r;
  orders_.ForEachOpen([&](const TrackedOrder& o) {
    if (o.venue != v || o.instrument != i || o.tif != TimeInForce::kGtc) return;
    if (o.side == Side::kBuy) {
      if (r.buys++ == 0 || o.limit_px > r.best_buy) r.best_buy = o.limit_px;
    } else {
      if (r.sells++ == 0 || o.limit_px < r.best_sell) r.best_sell = o.limit_px;
    }
  });
  resting_[static_cast<size_t>(v.value * kMaxInstruments + i.value)] = r;
}

void DecisionCore::RunBreakers(Nanos now) noexcept {
  // NAV and PnL at this input time for drawdown and the day's loss (otherwise they are computed
  // at each telemetry publish).
  const bool needs_nav = breakers_.enabled(risk::BreakerId::kDrawdown) || breakers_.enabled(risk::BreakerId::kDailyLoss);
  if (needs_nav) RecomputePnl();
  for (int v = 0; v < p_.venues; ++v) {
    const VenueView& vv = tel_.venue[v];
    integrity_events_[v] = static_cast<uint64_t>(vv.gaps) + vv.checksum_failures + vv.resyncs;
  }
  const bool unknown = orders_.unknown_open() > 0;
  if (unknown) orders_.OldestUnknown(&oldest_unknown_);
  BreakerInputs in;
  in.now = now;
  in.venues = p_.venues;
  in.instruments = p_.instruments;
  in.reference = &reference_;
  in.quorum = p_.reference.min_venues.data();
  in.lists = lists_.data();
  in.integrity_events = integrity_events_.data();
  in.orders_sent = orders_.outcomes().by_venue.data();
  in.venue_rejects = venue_rejects_.data();
  in.oldest_unknown = unknown ? oldest_unknown_.data() : nullptr;
  in.nav = nav_.nav;
  in.nav_complete = needs_nav && nav_.complete;
  in.pnl = tel_.pnl_quote;
  if (breakers_.enabled(risk::BreakerId::kLegImbalance) && !legs_.idle()) {
    in.residual_notional = legs_.ResidualNotional(reference_);
    in.oldest_residual_age = legs_.OldestResidualAge(now);
  }
  feeds_.Evaluate(in, breakers_, this);
  if (states_changed_) ApplyStates(now, nullptr, journal::StateChangeResult::kApplied);
}

void DecisionCore::OnBreakerEvent(const risk::BreakerEvent& e) noexcept {
  journal::BreakerRecord r;
  r.breaker = static_cast<uint8_t>(e.breaker);
  r.scope = static_cast<uint8_t>(e.scope);
  r.kind = static_cast<uint8_t>(e.kind);
  r.action = static_cast<uint8_t>(e.action);
  r.cause = e.cause;
  r.index = e.index;
  r.venue = e.venue;
  r.instrument = e.instrument;
  r.peer_uid = e.peer_uid;
  r.value = e.value;
  r.threshold = e.threshold;
  r.time_ns = e.time.value;
  w_.journal.Append(journal::RecordType::kBreaker, r);
  if (e.kind == risk::BreakerEventKind::kTrip) ++tel_.breaker_trips;
  states_changed_ = true;
}

void DecisionCore::ApplyStates(Nanos now, const ControlCommand* cmd, journal::StateChangeResult result) noexcept {
  states_changed_ = false;
  breakers_.Apply(&states_);
  RaiseMarginStates();
  tel_.killed = states_.killed();
  tel_.global_state = static_cast<uint8_t>(states_.global());
  journal::StateChange sc;
  sc.time_ns = now.value;
  sc.result = static_cast<uint8_t>(result);
  sc.global = tel_.global_state;
  sc.killed = states_.killed() ? 1 : 0;
  if (cmd != nullptr) {
    sc.request_id = cmd->request_id;
    sc.peer_uid = cmd->peer_uid;
    sc.op = static_cast<uint8_t>(cmd->op);
  }
  for (int v = 0; v < p_.venues; ++v) {
    const VenueId vid{static_cast<uint8_t>(v)};
    const risk::TradingState st = states_.venue(vid);
    tel_.venue[v].trading_state = static_cast<uint8_t>(st);
    tel_.venue[v].operator_state = static_cast<uint8_t>(states_.operator_venue(vid));
    tel_.venue[v].breaker_state = static_cast<uint8_t>(states_.breaker_venue(vid));
    sc.venue[v] = static_cast<uint8_t>(st);
    // The order sessions obey the same HALTED the core derives (DESIGN §7).
    const bool halted = st == risk::TradingState::kHalted;
    if (w_.kill != nullptr && halted != venue_halt_mirror_[v]) w_.kill->SetVenueHalted(vid, halted);
    venue_halt_mirror_[v] = halted;
  }
  for (int i = 0; i < p_.instruments; ++i) {
    const risk::TradingState st = states_.breaker_instrument(InstrumentId{static_cast<uint16_t>(i)});
    tel_.instrument_state[i] = static_cast<uint8_t>(st);
    sc.instrument[i] = static_cast<uint8_t>(st);
  }
  w_.journal.Append(journal::RecordType::kStateChange, sc);
}

void DecisionCore::CopyRisk() noexcept {
  tel_.phase = static_cast<uint8_t>(phase_);
  tel_.sessions = sessions_;
  // Breakers: every slot of every enabled breaker, in breaker order.
  int n = 0;
  for (int b = 0; b < risk::kBreakers; ++b) {
    const auto id = static_cast<risk::BreakerId>(b);
    if (!breakers_.enabled(id)) continue;
    const risk::BreakerConfig& c = breakers_.config(id);
    for (int k = 0; k < breakers_.slots(id) && n < kMaxBreakerViews; ++k) {
      const risk::BreakerSlot& sl = breakers_.slot(id, k);
      BreakerView& bv = tel_.breakers[static_cast<size_t>(n++)];
      bv.breaker = static_cast<uint8_t>(b);
      bv.scope = static_cast<uint8_t>(c.scope);
      bv.action = static_cast<uint8_t>(c.action);
      bv.latch = c.latch || id == risk::BreakerId::kJournal;
      bv.state = static_cast<uint8_t>(sl.state);
      bv.index = static_cast<uint16_t>(k);
      bv.cause_venue = sl.last_venue;
      bv.cause_instrument = sl.last_instrument;
      bv.trips = sl.trips;
      bv.tripped_at_ns = sl.tripped_at.value;
      bv.cleared_at_ns = sl.cleared_at.value;
      bv.last_value = sl.last_value;
      bv.last_threshold = sl.last_threshold;
      bv.last_cause = sl.last_cause;
    }
  }
  tel_.breaker_views = n;
  tel_.breakers_tripped = breakers_.tripped();
  // Open orders, oldest first (by client id: ids increase within a session).
  int m = 0;
  orders_.ForEachOpen([&](const TrackedOrder& o) {
    if (m >= kMaxOrderViews) return;
    OpenOrderView& v = tel_.orders[static_cast<size_t>(m++)];
    v.id = o.id;
    v.venue = o.venue;
    v.instrument = o.instrument;
    v.side = o.side;
    v.purpose = o.purpose;
    v.tif = o.tif;
    v.unknown = o.unknown_now;
    v.limit_px = o.limit_px;
    v.qty = o.qty;
    v.filled = o.filled;
    v.opened_at = o.opened_at;
    v.group = o.group;
  });
  std::sort(tel_.orders.begin(), tel_.orders.begin() + m,
            [](const OpenOrderView& a, const OpenOrderView& b) { return a.id.value < b.id.value; });
  tel_.order_views = m;
  // Positions and their cost (the ledger), valued at the references.
  for (int a = 0; a < p_.assets; ++a) {
    const AssetId aid{static_cast<uint16_t>(a)};
    PositionView& pv = tel_.positions[static_cast<size_t>(a)];
    pv.position = portfolio_.position(aid);
    pv.avg_cost = ledger_.avg_cost(aid);
    pv.realized = ledger_.realized(aid);
    pv.fees = ledger_.fees_valuation(aid);
    const bool priced = aid == p_.valuation_asset || valuation_.Priced(aid);
    pv.value = priced ? (aid == p_.valuation_asset ? pv.position : valuation_.Value(aid, pv.position, Rounding::kFloor))
                      : Amount::Zero();
    pv.unrealized = priced && aid != p_.valuation_asset ? pv.value - ledger_.cost(aid) : Amount::Zero();
  }
  // The gate's usage.
  RiskUsageView& ru = tel_.risk;
  ru.rejects_by_check = rejects_.by_verdict;
  const Nanos now = last_input_;
  for (int v = 0; v < p_.venues; ++v) {
    ru.open_orders[v] = orders_.open_on(VenueId{static_cast<uint8_t>(v)});
    ru.rate_in_window[v] = rate_[v].CountInWindow(now);
  }
  ru.daily_notional = daily_.used(now);
  ru.day_start_ns = daily_.DayStart(now).value;
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
  AddPerpHoldings(&nav_);
  if (!nav_.complete) {
    // An asset held but never priced: the weights would be wrong; wait for its reference.
    ++tel_.allocation.unpriced_runs;
    rebalancer_->Skip(now);
    return;
  }
  Holdings h;
  h.value = nav_.venue_value;
  ExcludeCarry(&h);
  allocator_->Evaluate(h);
  // REDUCING admits a rebalance order that moves its asset toward the target: the gate reads the
  // drift's sign from this evaluation, the one the orders below are planned on.
  for (int a = 0; a < p_.assets; ++a) {
    const Rate d = allocator_->drift(AssetId{static_cast<uint16_t>(a)});
    drift_sign_[static_cast<size_t>(a)] = d.is_positive() ? 1 : (d.is_negative() ? -1 : 0);
  }
  tel_.allocation.stats.OnEvaluate(*allocator_, p_.assets, now);
  RebalanceView view;
  view.params = &p_;
  view.allocator = &*allocator_;
  view.books = &books_;
  view.reference = &reference_;
  view.portfolio = &portfolio_;
  view.margin = ctx_.margin;
  for (int v = 0; v < p_.venues; ++v) view.can_trade[v] = CanSend(VenueId{static_cast<uint8_t>(v)});
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
  if (carry_ && carry_->Due(now)) RunCarry(view, now);
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
  const bool resting = o.tif == TimeInForce::kGtc;
  const VenueId venue = o.venue;
  const InstrumentId instrument = o.instrument;
  if (o.purpose == OrderPurpose::kDeleverage) delever_.OnDone(venue, instrument);
  const GroupEnd end = orders_.Close(o, last);
  if (resting) UpdateResting(venue, instrument);
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
  for (int v = 0; v < p_.venues; ++v) view.can_trade[v] = CanSend(VenueId{static_cast<uint8_t>(v)});
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
    orders_.MarkUnknown(*o, now);
    CopyOutcomes();
  }
  // The reject-rate breaker counts what venues (and sessions) refused; refusals of the kill
  // switch's own making are the operator's, not the venue's.
  if (ex.kind == ExecKind::kRejected && ex.reason != RejectReason::kHalted) ++venue_rejects_[o->venue.value];
  // Idempotent: a fill whose cumulative quantity is not ahead of what the core booked is a
  // repeat (a duplicate push, or a late report already covered by a query's answer). It books
  // nothing; a final flag on it still ends the order.
  bool apply = ex.kind == ExecKind::kFill && ex.fill_qty.is_positive();
  ExecReport adj;
  const ExecReport* fx = &ex;
  if (apply && o->adopted) {
    // The first fill report of an order adopted after a restart carries its whole outcome since
    // it was sent (OrderIntent.query): book only what the old session had not booked. Later
    // reports are deltas again.
    o->adopted = false;
    adj = ex;
    adj.fill_qty = ex.fill_qty - o->filled;
    adj.fill_quote = ex.fill_quote - o->filled_quote;
    adj.fee = ex.fee - o->filled_fee;
    if (!adj.fill_qty.is_positive()) {
      ++tel_.counters.duplicate_fills;
      apply = false;
    }
    if (adj.fill_quote.is_negative()) adj.fill_quote = Amount{};
    if (adj.fee.is_negative()) adj.fee = Amount{};
    fx = &adj;
  } else if (apply && ex.cum_qty.is_positive() && ex.cum_qty <= o->filled) {
    ++tel_.counters.duplicate_fills;
    apply = false;
  }
  if (apply) {
    const ExecReport& f = *fx;  // the adjusted report for an adopted order
    const InstrumentParams& ip = p_.instrument[o->instrument.value];
    if (o->purpose == OrderPurpose::kCarry && carry_) carry_->OnFill(ip.base, o->venue, ip.perp, o->side, f.fill_qty);
    if (ip.perp) {
      OnPerpFill(*o, f);
      orders_.AddFill(*o, f.fill_qty, f.fill_quote, f.fee);
    } else {
    portfolio_.ApplyFill(o->venue, ip.base, ip.quote, o->side, f.fill_qty, f.fill_quote, f.fee_asset, f.fee);
    orders_.AddFill(*o, f.fill_qty, f.fill_quote, f.fee);
    VenueView& vv = tel_.venue[o->venue.value];
    vv.balances[ip.base.value] = portfolio_.free(o->venue, ip.base);
    vv.balances[ip.quote.value] = portfolio_.free(o->venue, ip.quote);
    // Cost basis and PnL in the valuation asset (a quote other than it is valued at its reference).
    const Amount value = ip.quote == p_.valuation_asset ? f.fill_quote
                                                        : valuation_.Value(ip.quote, f.fill_quote, Rounding::kFloor);
    ledger_.OnFill(ip.base, o->side, AmountFromQty(f.fill_qty), value);
    ledger_.OnFill(ip.quote, o->side == Side::kBuy ? Side::kSell : Side::kBuy, f.fill_quote, value);  // cash: no-op
    if (f.fee_asset.valid() && f.fee_asset.value < kMaxAssets) {
      vv.balances[f.fee_asset.value] = portfolio_.free(o->venue, f.fee_asset);
      ledger_.OnFee(f.fee_asset, f.fee, valuation_.Value(f.fee_asset, f.fee, Rounding::kCeil));
      tel_.fees_quote = ledger_.fees_valuation();
    }
    }
  }
  // kUnknown keeps the reservation: the order may exist until reconciled.
  if (ex.final && ex.kind != ExecKind::kUnknown) {
    o->adopted = false;
    CloseOrder(*o, ex.kind, now);
  }
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
  AddPerpHoldings(&nav_);
  tel_.nav = nav_.nav;
  tel_.nav_stale = nav_.stale;
  tel_.nav_complete = nav_.complete;
  tel_.realized_pnl = ledger_.realized_total();
  tel_.unrealized_pnl = ledger_.UnrealizedTotal(valuation_, p_.assets);
  tel_.fees_quote = ledger_.fees_valuation();
  // Perpetuals: realized on reductions, funding, and unrealized on mark (their fees are in the
  // ledger's already).
  for (int v = 0; v < p_.venues; ++v) {
    if (!p_.venue[v].perp) continue;
    const VenueId vid{static_cast<uint8_t>(v)};
    for (int i = 0; i < p_.instruments; ++i) {
      const margin::PerpPosition& pp = margin_.position(vid, InstrumentId{static_cast<uint16_t>(i)});
      tel_.realized_pnl += pp.realized + pp.funding;
      if (!pp.size.is_zero() && pp.mark.is_positive())
        tel_.unrealized_pnl += margin::UnrealizedPnl(pp.size, pp.entry, pp.mark);
    }
  }
  tel_.pnl_quote = tel_.realized_pnl + tel_.unrealized_pnl - tel_.fees_quote;
}

}  // namespace hs::engine
