#include "core/app/core_params.h"
#include "core/engine/decision_core.h"

#include <gtest/gtest.h>

#include "core/base/decimal.h"
#include "core/config/config.h"

namespace hs::engine {
namespace {

Price P(const char* s) { return ParseDecimal<Price>(s).value; }
Qty Q(const char* s) { return ParseDecimal<Qty>(s).value; }
Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

// The core with two venues from the demo config, driven directly (no threads).
class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok());
    cfg_ = *c;
    params_ = app::CoreParamsFromConfig(cfg_, 1000);
    params_.cooldown = Nanos::FromMillis(100);
    params_.allocation_enabled = false;  // arbitrage only here (AllocationCoreTest below has the allocator)
    // No price collar: these tests move one venue far from the rest, which leaves the reference
    // without a quorum (the collar's own test, CollarRefusesWithoutAReference, turns it on).
    params_.limits.collar = Rate::Zero();
    Rebuild();
  }

  // A fresh core on params_ (two venues, connected, balances known).
  void Rebuild() {
    intents_.clear();
    out_.clear();
    DecisionCore::Wiring w;
    for (int v = 0; v < 2; ++v) {
      intents_.push_back(std::make_unique<IntentRing>(16));
      w.to_venues.push_back(intents_.back()->TakeProducer());
      out_.push_back(intents_.back()->TakeConsumer());
    }
    core_ = std::make_unique<DecisionCore>(params_, std::move(w));
    for (int v = 0; v < 2; ++v) {
      Connect(v);
      Balance(v, "BTC", "2");
      Balance(v, "ETH", "10");
      Balance(v, "USDT", "100000", true);
    }
  }

  void Send(const VenueMsg& m) { core_->Handle(m); }
  void Connect(int v) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSyncing;
    m.status.usable = true;
    m.status.orders_connected = true;
    Send(m);
  }
  void Balance(int v, const char* asset, const char* amount, bool last = false) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBalance;
    m.balance.venue = VenueId{static_cast<uint8_t>(v)};
    m.balance.asset = cfg_.FindAsset(asset)->id;
    m.balance.free = A(amount);
    m.balance.final_of_snapshot = last;
    Send(m);
  }
  void Top(int v, const char* bid, const char* bid_qty, const char* ask, const char* ask_qty, int64_t t_ms = 1000) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = InstrumentId{0};
    m.top.bid_count = 1;
    m.top.ask_count = 1;
    m.top.bids[0] = {P(bid), Q(bid_qty)};
    m.top.asks[0] = {P(ask), Q(ask_qty)};
    Send(m);
  }
  std::vector<OrderIntent> Drain(int v) {
    std::vector<OrderIntent> out;
    OrderIntent in;
    while (out_[static_cast<size_t>(v)].TryPop(in)) out.push_back(in);
    return out;
  }
  void Fill(const OrderIntent& in, const char* qty, const char* quote, const char* fee, const char* fee_asset) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = ExecKind::kFill;
    m.exec.final = true;
    m.exec.fill_qty = Q(qty);
    m.exec.fill_quote = A(quote);
    m.exec.fee = A(fee);
    m.exec.fee_asset = cfg_.FindAsset(fee_asset)->id;
    Send(m);
  }
  // The venue's last report for `in`: expired with nothing filled (an IOC that missed).
  void Expire(const OrderIntent& in) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = ExecKind::kCanceled;
    m.exec.final = true;
    Send(m);
  }
  // Drains both venues' intents and expires each: every order sent so far has ended.
  void ExpireAll() {
    for (int v = 0; v < 2; ++v)
      for (const OrderIntent& in : Drain(v)) Expire(in);
  }
  Amount Bal(int v, const char* asset) {
    return core_->portfolio().free(VenueId{static_cast<uint8_t>(v)}, cfg_.FindAsset(asset)->id);
  }

  config::Config cfg_;
  EngineParams params_;
  std::vector<std::unique_ptr<IntentRing>> intents_;
  std::vector<IntentRing::Consumer> out_;
  std::unique_ptr<DecisionCore> core_;
};

TEST_F(CoreTest, CrossedMarketEmitsTwoIocLegs) {
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  const auto buys = Drain(0);
  const auto sells = Drain(1);
  ASSERT_EQ(buys.size(), 1u);
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(buys[0].side, Side::kBuy);
  EXPECT_EQ(buys[0].tif, TimeInForce::kIoc);
  EXPECT_EQ(buys[0].limit_px, P("30000"));
  EXPECT_EQ(buys[0].qty, Q("0.05"));
  EXPECT_EQ(sells[0].side, Side::kSell);
  EXPECT_EQ(sells[0].limit_px, P("30200"));
  EXPECT_EQ(sells[0].qty, Q("0.05"));
  EXPECT_EQ(buys[0].group, sells[0].group);
  EXPECT_NE(buys[0].client_id, sells[0].client_id);
  EXPECT_EQ(core_->telemetry().counters.opportunities, 1u);
  EXPECT_EQ(core_->telemetry().counters.orders_sent, 2u);
  EXPECT_EQ(buys[0].purpose, OrderPurpose::kArbitrage);
  EXPECT_EQ(sells[0].purpose, OrderPurpose::kArbitrage);
  EXPECT_FALSE(buys[0].reduce_only);
  EXPECT_EQ(core_->telemetry().counters.orders_by_purpose[static_cast<int>(OrderPurpose::kArbitrage)], 2u);
  EXPECT_EQ(core_->telemetry().counters.orders_by_purpose[static_cast<int>(OrderPurpose::kRebalance)], 0u);
}

// Telemetry is published on journaled timer inputs (every telemetry_every_timers of them), not
// on a clock the core reads.
TEST_F(CoreTest, TelemetryIsPublishedOnTimerInputs) {
  const uint64_t v0 = core_->telemetry().version;
  ControlCommand timer;
  timer.op = ControlOp::kTimer;
  for (int k = 1; k < params_.telemetry_every_timers; ++k) {
    timer.time = Nanos::FromMillis(10 * k);
    core_->Handle(timer);
  }
  EXPECT_EQ(core_->telemetry().version, v0);
  core_->Handle(timer);
  EXPECT_EQ(core_->telemetry().version, v0 + 1);
}

TEST_F(CoreTest, LegSizeRespectsMaxLegNotionalAndBalances) {
  // max_leg_notional 3000 at a 30200 bid → 0.09933 BTC.
  Top(0, "29999", "5", "30000", "5");
  Top(1, "30200", "5", "30201", "5");
  const auto buys = Drain(0);
  ASSERT_EQ(buys.size(), 1u);
  EXPECT_EQ(buys[0].qty, Q("0.09933"));
}

TEST_F(CoreTest, FillsMoveBalancesExactlyAndReleaseReservations) {
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  const auto buy = Drain(0).at(0);
  const auto sell = Drain(1).at(0);
  EXPECT_GT(core_->portfolio().reserved(VenueId{0}, cfg_.FindAsset("USDT")->id), Amount::Zero());
  Fill(buy, "0.05", "1500", "0.00005", "BTC");
  Fill(sell, "0.05", "1510", "1.51", "USDT");
  EXPECT_EQ(Bal(0, "BTC"), A("2.04995"));
  EXPECT_EQ(Bal(0, "USDT"), A("98500"));
  EXPECT_EQ(Bal(1, "BTC"), A("1.95"));
  EXPECT_EQ(Bal(1, "USDT"), A("101508.49"));  // +1510 − 1.51 fee
  EXPECT_EQ(core_->portfolio().reserved(VenueId{0}, cfg_.FindAsset("USDT")->id), Amount::Zero());
  EXPECT_EQ(core_->portfolio().reserved(VenueId{1}, cfg_.FindAsset("BTC")->id), Amount::Zero());
  EXPECT_EQ(core_->telemetry().counters.fill_reports, 2u);
  EXPECT_EQ(core_->telemetry().counters.orders_filled, 2u);
  EXPECT_EQ(core_->telemetry().counters.legs_unbalanced, 0u);
}

TEST_F(CoreTest, CooldownThenNewEpisode) {
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000);
  const std::vector<OrderIntent> first = Drain(0);
  EXPECT_EQ(first.size(), 1u);
  Top(1, "30200", "0.05", "30201", "1", 1050);  // within cooldown: nothing
  EXPECT_TRUE(Drain(0).empty());
  Top(1, "30200", "0.05", "30201", "1", 1200);  // after the cooldown, but the first pair still holds the level
  EXPECT_TRUE(Drain(0).empty()) << "the first group's legs are in flight: their level is taken";
  for (const OrderIntent& in : first) Expire(in);
  for (const OrderIntent& in : Drain(1)) Expire(in);  // both legs missed: the level is there again
  Top(1, "30200", "0.05", "30201", "1", 1300);
  EXPECT_EQ(Drain(0).size(), 1u);
  EXPECT_EQ(core_->telemetry().counters.opportunities, 1u) << "same episode";
}

// Two pairs that want the same dislocated level (venue 2's cheap ask against the bids of venues
// 0 and 1) in the same input: the second sees the level taken by the first and sends nothing,
// so no group comes back one-legged for it. The level counts again once the first group's fill
// has been reported and venue 2's next top shows the book as it is.
TEST_F(CoreTest, TwoPairsDoNotSpendTheSameLevel) {
  DecisionCore::Wiring w;
  std::vector<std::unique_ptr<IntentRing>> rings;
  std::vector<IntentRing::Consumer> outs;
  for (int v = 0; v < 3; ++v) {
    rings.push_back(std::make_unique<IntentRing>(16));
    w.to_venues.push_back(rings.back()->TakeProducer());
    outs.push_back(rings.back()->TakeConsumer());
  }
  core_ = std::make_unique<DecisionCore>(params_, std::move(w));
  for (int v = 0; v < 3; ++v) {
    Connect(v);
    Balance(v, "BTC", "2");
    Balance(v, "USDT", "100000", true);
  }
  auto drain = [&](int v) {
    std::vector<OrderIntent> got;
    OrderIntent in;
    while (outs[static_cast<size_t>(v)].TryPop(in)) got.push_back(in);
    return got;
  };
  Top(0, "30200", "1", "30210", "1", 1000);
  Top(1, "30200", "1", "30210", "1", 1000);
  Top(2, "29990", "1", "30000", "0.05", 1000);  // 0.05 at 30000: worth buying against either bid
  const std::vector<OrderIntent> buys = drain(2);
  ASSERT_EQ(buys.size(), 1u) << "one pair buys the level; the other finds it taken";
  EXPECT_EQ(buys[0].qty, Q("0.05"));
  std::vector<OrderIntent> sells = drain(0);
  for (const OrderIntent& in : drain(1)) sells.push_back(in);
  ASSERT_EQ(sells.size(), 1u);
  const CoreCounters& c = core_->telemetry().counters;
  EXPECT_EQ(c.arb_groups_sent, 1u);
  EXPECT_EQ(c.liquidity_takes, 2u) << "one level on each side";

  // Filled: the take stays until venue 2's next top (the fill may not be in its book yet).
  Fill(buys[0], "0.05", "1500", "1.5", "USDT");
  Fill(sells[0], "0.05", "1510", "1.51", "USDT");
  EXPECT_GE(c.liquidity_netted_reads, 1u) << "the second pair read venue 2's asks netted";
  Top(sells[0].venue.value == 0 ? 1 : 0, "30200", "1", "30210", "1", 1001);  // another book: no release
  EXPECT_TRUE(drain(2).empty());
  // Venue 2 shows a new 0.05 at 30000 (someone posted again): the other pair may now take it.
  Top(2, "29990", "1", "30000", "0.05", 1002);
  EXPECT_EQ(drain(2).size(), 1u);
  EXPECT_EQ(c.arb_groups_sent, 2u);
}

// The price collar through the core (params from [risk]): a leg priced further from the
// reference than collar_bps is refused (counted per check, both legs withheld); no valid
// reference (quorum not met) refuses every order; within the collar the same trade goes out.
TEST_F(CoreTest, CollarRefusesFarFromOrWithoutTheReference) {
  auto run = [&](int64_t collar_raw, int quorum) {
    params_.limits.collar = Rate::FromRaw(collar_raw);
    params_.reference.min_venues[0] = static_cast<uint8_t>(quorum);
    Rebuild();
    Top(0, "29999", "1", "30000", "0.8", 1000);
    Top(1, "30200", "0.05", "30201", "1", 1000);  // mids 29999.5 and 30200.5: reference 30100
    const size_t sent = Drain(0).size() + Drain(1).size();
    return std::make_pair(sent, core_->reject_counts());
  };
  auto [sent, rejects] = run(200'000, 2);  // 20 bps: buying at 30000 is 33 bps under 30100
  EXPECT_EQ(sent, 0u);
  EXPECT_EQ(rejects.by_verdict[static_cast<size_t>(risk::Verdict::kCollar)], 1u);
  std::tie(sent, rejects) = run(1'500'000, 3);  // a quorum of 3 with two venues: no reference
  EXPECT_EQ(sent, 0u);
  EXPECT_EQ(rejects.by_verdict[static_cast<size_t>(risk::Verdict::kNoReference)], 1u);
  std::tie(sent, rejects) = run(500'000, 2);  // 50 bps: both legs within it
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(core_->telemetry().counters.risk_rejects, 0u);
}

// One leg filled, the other expired: the leg tracker hedges the residual with an IOC of purpose
// kHedge on the venue with the best bid, within hedge_slippage of the reference, once there is a
// reference (timers make it), and counts the group hedged when that fills.
TEST_F(CoreTest, AOneLeggedGroupIsHedged) {
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000);
  const OrderIntent buy = Drain(0).at(0);
  const OrderIntent sell = Drain(1).at(0);
  Fill(buy, "0.05", "1500", "0.00005", "BTC");
  Expire(sell);
  EXPECT_TRUE(Drain(0).empty() && Drain(1).empty()) << "no reference yet: nothing to bound a hedge by";
  EXPECT_EQ(core_->telemetry().open_repairs, 1);
  ControlCommand timer;
  timer.op = ControlOp::kTimer;
  timer.time = Nanos::FromMillis(1010);
  core_->Handle(timer);  // reference: median of mids 29999.5 and 30200.5 = 30100
  const std::vector<OrderIntent> hedge = Drain(1);
  ASSERT_EQ(hedge.size(), 1u);
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_EQ(hedge[0].purpose, OrderPurpose::kHedge);
  EXPECT_EQ(hedge[0].side, Side::kSell);
  EXPECT_EQ(hedge[0].qty, sell.qty);
  EXPECT_EQ(hedge[0].limit_px, P("30069.9")) << "30100 less 10 bps, on the tick";
  EXPECT_EQ(hedge[0].tif, TimeInForce::kIoc);
  Fill(hedge[0], "0.05", "1505", "1.505", "USDT");
  const CoreTelemetry& t = core_->telemetry();
  EXPECT_EQ(t.open_repairs, 0);
  EXPECT_EQ(t.legs.hedged, 1u);
  EXPECT_EQ(t.legs.hedge_orders, 1u);
  EXPECT_EQ(t.counters.orders_by_purpose[static_cast<int>(OrderPurpose::kHedge)], 1u);
  EXPECT_EQ(t.residual_notional, Notional::Zero());
}

// Stopping drains: after kDrain no new group starts, but an open group still gets its hedge.
TEST_F(CoreTest, DrainStartsNoNewGroupButStillRepairsOpenOnes) {
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000);
  const OrderIntent buy = Drain(0).at(0);
  const OrderIntent sell = Drain(1).at(0);
  ControlCommand drain;
  drain.op = ControlOp::kDrain;
  drain.time = Nanos::FromMillis(1001);
  core_->Handle(drain);
  EXPECT_TRUE(core_->telemetry().draining);
  Fill(buy, "0.05", "1500", "0.00005", "BTC");
  Expire(sell);
  // A fresh crossed market: no group while draining.
  Top(0, "29999", "1", "30000", "0.8", 1005);
  Top(1, "30300", "0.05", "30301", "1", 1005);
  EXPECT_TRUE(Drain(0).empty());
  ControlCommand timer;
  timer.op = ControlOp::kTimer;
  timer.time = Nanos::FromMillis(1010);
  core_->Handle(timer);
  const std::vector<OrderIntent> hedge = Drain(1);
  ASSERT_EQ(hedge.size(), 1u) << "the open group's hedge still goes out";
  EXPECT_EQ(hedge[0].purpose, OrderPurpose::kHedge);
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_EQ(core_->telemetry().counters.arb_groups_sent, 1u);
}

// A stalled stream leaves a book that validated but stopped moving: a dislocation against it
// is not traded, and is counted. The same quote, refreshed, trades.
TEST_F(CoreTest, StaleQuoteOnTheOtherVenueIsNotTraded) {
  const int64_t max_age_ms = params_.max_quote_age.value / 1'000'000;  // 2000 in the demo config
  ASSERT_GT(max_age_ms, 0);
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000 + max_age_ms + 1);  // venue 0's top is just too old
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
  EXPECT_EQ(core_->telemetry().counters.stale_quotes, 1u);
  Top(0, "29999", "1", "30000", "0.8", 1000 + max_age_ms + 2);  // fresh again: venue 1's top is 1 ms old
  EXPECT_EQ(Drain(0).size(), 1u);
  EXPECT_EQ(Drain(1).size(), 1u);
  EXPECT_EQ(core_->telemetry().counters.stale_quotes, 1u);
}

TEST_F(CoreTest, KillHaltsAndResumeRestores) {
  ControlCommand kill;
  kill.op = ControlOp::kKill;
  core_->Handle(kill);
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
  EXPECT_EQ(core_->telemetry().counters.opportunities, 1u) << "still counted, not traded";
  ControlCommand resume;
  resume.op = ControlOp::kResume;
  core_->Handle(resume);
  Top(1, "30200", "0.05", "30201", "1", 1500);  // past the cooldown, venue 0's top still fresh
  EXPECT_EQ(Drain(0).size(), 1u);
}

// The kill latch: only a global resume clears it. A venue resume (even of a venue that does not
// trade) resumes that venue's own state and nothing else; a global reduce cannot relax it.
TEST_F(CoreTest, KillLatchesUntilAGlobalResume) {
  auto cmd = [&](ControlOp op, int venue = -1) {
    ControlCommand c;
    c.op = op;
    if (venue >= 0) c.venue = VenueId{static_cast<uint8_t>(venue)};
    core_->Handle(c);
  };
  const VenueId okx{1};
  const VenueId kraken = cfg_.FindVenue("kraken")->id;  // market data only
  cmd(ControlOp::kKill);
  EXPECT_TRUE(core_->telemetry().killed);
  cmd(ControlOp::kResume, kraken.value);
  cmd(ControlOp::kResume, okx.value);
  EXPECT_TRUE(core_->telemetry().killed);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kHalted);
  cmd(ControlOp::kReduce);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kHalted) << "reduce cannot relax a kill";
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
  // A kill carrying a venue (the control thread refuses one) still halts everything.
  cmd(ControlOp::kResume);
  EXPECT_FALSE(core_->telemetry().killed);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kActive);
  cmd(ControlOp::kKill, okx.value);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kHalted);
  EXPECT_EQ(core_->states().operator_venue(VenueId{0}), risk::TradingState::kActive);
  cmd(ControlOp::kResume);
  Top(1, "30200", "0.05", "30201", "1", 1500);
  EXPECT_EQ(Drain(0).size(), 1u) << "trading again after the global resume";
}

TEST_F(CoreTest, VenueHaltAndResumeLeaveTheGlobalStateAlone) {
  ControlCommand halt;
  halt.op = ControlOp::kHalt;
  halt.venue = VenueId{1};
  core_->Handle(halt);
  EXPECT_EQ(core_->states().operator_venue(VenueId{1}), risk::TradingState::kHalted);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kActive);
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  EXPECT_TRUE(Drain(0).empty());
  ControlCommand resume;
  resume.op = ControlOp::kResume;
  resume.venue = VenueId{1};
  core_->Handle(resume);
  EXPECT_EQ(core_->states().operator_venue(VenueId{1}), risk::TradingState::kActive);
  Top(1, "30200", "0.05", "30201", "1", 1500);
  EXPECT_EQ(Drain(0).size(), 1u);
}

TEST_F(CoreTest, RefusedOperatorCommandIsCountedAndChangesNothing) {
  ControlCommand refused;
  refused.op = ControlOp::kRefused;
  refused.refused_op = ControlOp::kKill;
  refused.peer_uid = 65534;
  core_->Handle(refused);
  EXPECT_EQ(core_->telemetry().refused_commands, 1u);
  EXPECT_FALSE(core_->telemetry().killed);
  EXPECT_EQ(core_->states().global(), risk::TradingState::kActive);
}

// One episode traded twice (after the cooldown) is one opportunity taken, two groups sent:
// taken never exceeds opportunities.
TEST_F(CoreTest, OpportunitiesTakenNeverExceedOpportunities) {
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000);
  ExpireAll();  // each group's legs miss, so the next one finds the level again
  Top(1, "30200", "0.05", "30201", "1", 1200);  // after the cooldown, same episode
  ExpireAll();
  Top(1, "30200", "0.05", "30201", "1", 1400);
  ExpireAll();
  const CoreCounters& c = core_->telemetry().counters;
  EXPECT_EQ(c.opportunities, 1u);
  EXPECT_EQ(c.opportunities_taken, 1u);
  EXPECT_EQ(c.arb_groups_sent, 3u);
  EXPECT_EQ(c.orders_sent, 6u);
  // The market uncrosses, then crosses again: a second episode.
  Top(1, "29999", "1", "30001", "1", 1500);
  Top(1, "30200", "0.05", "30201", "1", 1700);
  EXPECT_EQ(c.opportunities, 2u);
  EXPECT_EQ(c.opportunities_taken, 2u);
  EXPECT_LE(c.opportunities_taken, c.opportunities);
}

// Each order's outcome is counted once however many reports it gets: a leg filled in two
// reports is one filled order, and the outcomes add up to the orders sent.
TEST_F(CoreTest, OrderOutcomesAddUpToOrdersSent) {
  Top(0, "29999", "1", "30000", "0.8", 1000);
  Top(1, "30200", "0.05", "30201", "1", 1000);
  const auto buy = Drain(0).at(0);
  const auto sell = Drain(1).at(0);
  auto report = [&](const OrderIntent& in, ExecKind kind, const char* qty, const char* quote, bool final) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = kind;
    m.exec.final = final;
    m.exec.fill_qty = Q(qty);
    m.exec.fill_quote = A(quote);
    m.exec.fee_asset = cfg_.FindAsset("USDT")->id;
    Send(m);
  };
  report(buy, ExecKind::kFill, "0.02", "600", false);
  report(buy, ExecKind::kFill, "0.03", "900", true);  // two fill reports, one filled order
  report(sell, ExecKind::kFill, "0.01", "302", false);
  report(sell, ExecKind::kCanceled, "0", "0", true);  // IOC remainder expired: partly filled
  // A second group: one leg rejected, the other expires with nothing.
  Top(1, "30200", "0.05", "30201", "1", 1200);
  const auto buy2 = Drain(0).at(0);
  const auto sell2 = Drain(1).at(0);
  report(buy2, ExecKind::kRejected, "0", "0", true);
  const CoreCounters& c = core_->telemetry().counters;
  EXPECT_EQ(c.fill_reports, 3u);
  EXPECT_EQ(c.orders_sent, 4u);
  EXPECT_EQ(c.orders_filled, 1u);
  EXPECT_EQ(c.orders_partly_filled, 1u);
  EXPECT_EQ(c.orders_rejected, 1u);
  EXPECT_EQ(c.orders_unfilled, 0u);
  core_->PublishTelemetry();
  EXPECT_EQ(core_->telemetry().open_orders, 1u) << "sell2 has no outcome yet";
  report(sell2, ExecKind::kCanceled, "0", "0", true);
  core_->PublishTelemetry();
  EXPECT_EQ(c.orders_unfilled, 1u);
  EXPECT_EQ(core_->telemetry().open_orders, 0u);
  EXPECT_EQ(c.orders_filled + c.orders_partly_filled + c.orders_unfilled + c.orders_rejected +
                core_->telemetry().open_orders,
            c.orders_sent);
}

TEST_F(CoreTest, UnusableBookTakesNoPart) {
  Top(0, "29999", "1", "30000", "0.8");
  VenueMsg st;
  st.kind = VenueMsg::Kind::kStatus;
  st.status.venue = VenueId{0};
  st.status.instrument = InstrumentId{0};
  st.status.state = FeedState::kGap;
  st.status.usable = false;
  Send(st);
  Top(1, "30200", "0.05", "30201", "1");
  EXPECT_TRUE(Drain(0).empty());
  EXPECT_TRUE(Drain(1).empty());
}

TEST_F(CoreTest, VenueHaltBlocksBothLegs) {
  ControlCommand halt;
  halt.op = ControlOp::kHalt;
  halt.venue = VenueId{1};
  core_->Handle(halt);
  EXPECT_EQ(core_->states().venue(VenueId{1}), risk::TradingState::kHalted);
  EXPECT_EQ(core_->states().venue(VenueId{0}), risk::TradingState::kActive);
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  EXPECT_TRUE(Drain(0).empty()) << "one leg alone is a position, not an arbitrage";
  EXPECT_TRUE(Drain(1).empty());
}

TEST_F(CoreTest, FullIntentRingRejectsTheWholePair) {
  // Venue 1's intent ring holds two intents and nobody drains it.
  DecisionCore::Wiring w;
  auto a = std::make_unique<IntentRing>(16);
  auto b = std::make_unique<IntentRing>(2);
  w.to_venues.push_back(a->TakeProducer());
  w.to_venues.push_back(b->TakeProducer());
  auto out_a = a->TakeConsumer();
  [[maybe_unused]] auto out_b = b->TakeConsumer();  // never drained
  core_ = std::make_unique<DecisionCore>(params_, std::move(w));
  for (int v = 0; v < 2; ++v) {
    Connect(v);
    Balance(v, "BTC", "2");
    Balance(v, "USDT", "100000", true);
  }
  // Two pairs fill ring b (capacity 2); the third finds it full.
  // Each pair sells at a new venue-1 bid, so no pair finds its level taken by the one before.
  const char* bids[] = {"30200", "30201", "30202"};
  for (int k = 0; k < 3; ++k) {
    Top(0, "29999", "1", "30000", "0.8", 1000 + 1000 * k);
    Top(1, bids[k], "0.01", "30203", "1", 1000 + 1000 * k);
  }
  EXPECT_EQ(core_->telemetry().counters.orders_sent, 4u);
  EXPECT_EQ(core_->telemetry().counters.intent_ring_full, 1u);
  OrderIntent in;
  int na = 0;
  while (out_a.TryPop(in)) ++na;
  EXPECT_EQ(na, 2) << "the buy leg was not sent without its sell leg";
}

// Exec reports are idempotent: a repeated fill (same cumulative quantity), a late one, a fill
// after the order was marked unknown, and an unknown marker repeated all change the books once.
TEST_F(CoreTest, RepeatedLateAndUnknownReportsApplyOnce) {
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  const auto buy = Drain(0).at(0);
  const auto sell = Drain(1).at(0);
  auto report = [&](const OrderIntent& in, ExecKind kind, const char* qty, const char* cum, const char* quote,
                    bool final) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kExec;
    m.exec.client_id = in.client_id;
    m.exec.venue = in.venue;
    m.exec.instrument = in.instrument;
    m.exec.kind = kind;
    m.exec.final = final;
    m.exec.fill_qty = Q(qty);
    m.exec.cum_qty = Q(cum);
    m.exec.fill_quote = A(quote);
    m.exec.fee_asset = cfg_.FindAsset("USDT")->id;
    Send(m);
  };
  const Amount usdt0 = Bal(0, "USDT");
  report(buy, ExecKind::kFill, "0.02", "0.02", "600", false);
  report(buy, ExecKind::kFill, "0.02", "0.02", "600", false);  // the same push again
  EXPECT_EQ(Bal(0, "USDT"), usdt0 - A("600"));
  EXPECT_EQ(core_->telemetry().counters.duplicate_fills, 1u);
  report(buy, ExecKind::kUnknown, "0", "0.02", "0", false);  // its session dropped
  report(buy, ExecKind::kUnknown, "0", "0.02", "0", false);  // reported twice: still one unknown order
  EXPECT_EQ(core_->telemetry().counters.unknown_orders_seen, 1u);
  EXPECT_EQ(core_->telemetry().open_orders, 2u) << "an unknown order stays open until resolved";
  report(buy, ExecKind::kFill, "0.03", "0.05", "900", true);  // the query's answer: the rest filled
  report(buy, ExecKind::kFill, "0.03", "0.05", "900", true);  // the late push of the same fill
  EXPECT_EQ(Bal(0, "USDT"), usdt0 - A("1500"));
  EXPECT_EQ(Bal(0, "BTC"), A("2.05"));
  EXPECT_EQ(core_->telemetry().counters.unknown_orders_resolved, 1u);
  EXPECT_EQ(core_->telemetry().counters.unknown_exec, 1u) << "the late push came after the order ended";
  report(sell, ExecKind::kFill, "0.05", "0.05", "1510", true);
  EXPECT_EQ(core_->telemetry().counters.orders_filled, 2u);
  EXPECT_EQ(core_->telemetry().counters.orders_by_venue[0], 1u);
  EXPECT_EQ(core_->telemetry().counters.orders_by_venue[1], 1u);
  EXPECT_EQ(core_->telemetry().open_orders, 0u);
}

// Each account snapshot after the first is compared with the core's books before it is adopted;
// one that arrives while orders are open on that venue is neither compared nor adopted.
TEST_F(CoreTest, BalanceSnapshotsAreReconciledThenAdopted) {
  const VenueView& v0 = core_->telemetry().venue[0];
  EXPECT_EQ(v0.reconcile_checks, 0u) << "the first snapshot sets the books";
  Top(0, "29999", "1", "30000", "0.8");
  Top(1, "30200", "0.05", "30201", "1");
  const auto buy = Drain(0).at(0);
  const auto sell = Drain(1).at(0);
  // While the buy is open, venue 0's snapshot may or may not hold its fill: deferred.
  Balance(0, "BTC", "2.05");
  Balance(0, "ETH", "10");
  Balance(0, "USDT", "98500", true);
  EXPECT_EQ(v0.reconcile_deferred, 1u);
  EXPECT_EQ(v0.reconcile_checks, 0u);
  EXPECT_EQ(Bal(0, "BTC"), A("2")) << "a deferred snapshot is not adopted";
  Fill(buy, "0.05", "1500", "0.00005", "BTC");
  Fill(sell, "0.05", "1510", "1.51", "USDT");
  // Now it matches the core's books exactly.
  Balance(0, "BTC", "2.04995");
  Balance(0, "ETH", "10");
  Balance(0, "USDT", "98500", true);
  EXPECT_EQ(v0.reconcile_checks, 1u);
  EXPECT_EQ(v0.reconcile_mismatches, 0u);
  EXPECT_TRUE(v0.reconciled);
  // One off by 0.001 USDT (beyond the 10^-8 tolerance): counted, and the venue's numbers adopted.
  Balance(0, "BTC", "2.04995");
  Balance(0, "ETH", "10");
  Balance(0, "USDT", "98499.999", true);
  EXPECT_EQ(v0.reconcile_checks, 2u);
  EXPECT_EQ(v0.reconcile_mismatches, 1u);
  EXPECT_FALSE(v0.reconciled);
  EXPECT_EQ(v0.reconcile_max_diff, A("0.001"));
  EXPECT_EQ(Bal(0, "USDT"), A("98499.999"));
  // Off by 10^-8 only: inside the tolerance.
  Balance(0, "BTC", "2.04995001");
  Balance(0, "ETH", "10");
  Balance(0, "USDT", "98499.999", true);
  EXPECT_EQ(v0.reconcile_checks, 3u);
  EXPECT_TRUE(v0.reconciled);
}

TEST_F(CoreTest, UnknownExecIsCountedNotApplied) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kExec;
  m.exec.client_id = ClientOrderId{424242};
  m.exec.venue = VenueId{0};
  m.exec.kind = ExecKind::kFill;
  m.exec.fill_qty = Q("1");
  m.exec.fill_quote = A("30000");
  const Amount before = Bal(0, "USDT");
  Send(m);
  EXPECT_EQ(Bal(0, "USDT"), before);
  EXPECT_EQ(core_->telemetry().counters.unknown_exec, 1u);
}

TEST_F(CoreTest, OutOfRangeIdsAreIgnored) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.top.venue = VenueId{9};
  m.top.instrument = InstrumentId{0};
  Send(m);
  m.top.venue = VenueId{0};
  m.top.instrument = InstrumentId{63};
  Send(m);
  EXPECT_EQ(core_->telemetry().counters.book_tops, 0u);
}

}  // namespace
}  // namespace hs::engine

namespace hs::engine {
namespace {

// The core with [allocation]: all cash on two venues, targets 50% BTC / 20% ETH / 30% USDT.
// Rebalance orders go out on timer inputs only, marked as rebalance, and move toward the targets.
class AllocationCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The demo config's [allocation], reshaped: 50% BTC / 20% ETH / 30% USDT, held half on
    // binance and half on okx, no volatility targeting.
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok()) << c.status();
    cfg_ = *c;
    params_ = app::CoreParamsFromConfig(cfg_, 1);
    ASSERT_TRUE(params_.allocation_enabled);
    AllocatorParams& ap = params_.allocator;
    const auto R = [](const char* s) { return ParseDecimal<Rate>(s).value; };
    ap.target[cfg_.FindAsset("BTC")->id.value] = {R("0.5"), R("0.02")};
    ap.target[cfg_.FindAsset("ETH")->id.value] = {R("0.2"), R("0.02")};
    ap.target[cfg_.FindAsset("USDT")->id.value] = {R("0.3"), R("0.03")};
    for (auto& shares : ap.venue_share) {
      shares.fill(Rate::Zero());
      shares[0] = shares[1] = R("0.5");
    }
    ap.venue_band = R("0.05");
    // Two trading venues here: the demo's others take no part (the rebalancer waits for every
    // trading venue's balances).
    for (int v = 2; v < params_.venues; ++v) params_.venue[v].trading = false;
    ap.vol.enabled = false;
    RebalancerParams& rp = params_.rebalancer;
    rp.interval = Nanos::FromMillis(1000);
    rp.min_trade = Notional::FromUnits(20);
    rp.max_trade = Notional::FromUnits(2000);
    rp.max_cost = R("0.003");
    rp.pace_per_min = Notional::FromUnits(20'000);
    DecisionCore::Wiring w;
    for (int v = 0; v < 2; ++v) {
      intents_.push_back(std::make_unique<IntentRing>(64));
      w.to_venues.push_back(intents_.back()->TakeProducer());
      out_.push_back(intents_.back()->TakeConsumer());
    }
    core_ = std::make_unique<DecisionCore>(params_, std::move(w));
    for (int v = 0; v < 2; ++v) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kStatus;
      m.status.venue = VenueId{static_cast<uint8_t>(v)};
      m.status.state = FeedState::kSynced;
      m.status.usable = true;
      m.status.orders_connected = true;
      core_->Handle(m);
      for (const char* asset : {"BTC", "ETH", "USDT"}) {
        VenueMsg b;
        b.kind = VenueMsg::Kind::kBalance;
        b.balance.venue = VenueId{static_cast<uint8_t>(v)};
        b.balance.asset = cfg_.FindAsset(asset)->id;
        b.balance.free = std::string(asset) == "USDT" ? Amount::FromUnits(50'000) : Amount::Zero();
        b.balance.final_of_snapshot = std::string(asset) == "USDT";
        core_->Handle(b);
      }
    }
  }
  void Book(int v, const char* inst, const char* bid, const char* ask, int64_t t_ms) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.recv_time = Nanos::FromMillis(t_ms);
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = cfg_.FindInstrument(inst)->id;
    m.top.bid_count = m.top.ask_count = 1;
    m.top.bids[0] = {P(bid), Q("50")};
    m.top.asks[0] = {P(ask), Q("50")};
    core_->Handle(m);
  }
  void Timer(int64_t t_ms) {
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.time = Nanos::FromMillis(t_ms);
    core_->Handle(c);
  }
  std::vector<OrderIntent> Drain(int v) {
    std::vector<OrderIntent> out;
    OrderIntent in;
    while (out_[static_cast<size_t>(v)].TryPop(in)) out.push_back(in);
    return out;
  }

  config::Config cfg_;
  EngineParams params_;
  std::vector<std::unique_ptr<IntentRing>> intents_;
  std::vector<IntentRing::Consumer> out_;
  std::unique_ptr<DecisionCore> core_;
};

TEST_F(AllocationCoreTest, RebalanceOrdersGoOutOnTimersOnlyAndBuyTowardTheTargets) {
  for (int v = 0; v < 2; ++v) {
    Book(v, "BTC/USDT", "29999", "30001", 1000);
    Book(v, "ETH/USDT", "1999.9", "2000.1", 1000);
  }
  EXPECT_TRUE(Drain(0).empty() && Drain(1).empty()) << "nothing per tick";
  Timer(1010);
  std::vector<OrderIntent> all = Drain(0);
  for (const OrderIntent& in : Drain(1)) all.push_back(in);
  ASSERT_EQ(all.size(), 2u) << "one order per asset out of band";
  for (const OrderIntent& in : all) {
    EXPECT_EQ(in.purpose, OrderPurpose::kRebalance);
    EXPECT_EQ(in.side, Side::kBuy);
    EXPECT_EQ(in.tif, TimeInForce::kIoc);
    EXPECT_EQ(in.decision_time, Nanos::FromMillis(1010));
  }
  const CoreCounters& c = core_->telemetry().counters;
  EXPECT_EQ(c.orders_by_purpose[static_cast<int>(OrderPurpose::kRebalance)], 2u);
  EXPECT_EQ(c.orders_by_purpose[static_cast<int>(OrderPurpose::kArbitrage)], 0u);
  const AllocationView& av = core_->telemetry().allocation;
  EXPECT_TRUE(av.enabled);
  EXPECT_EQ(av.nav, Amount::FromUnits(100'000));
  EXPECT_FALSE(av.in_band[cfg_.FindAsset("BTC")->id.value]);
  // The next run waits for the interval.
  Timer(1500);
  EXPECT_TRUE(Drain(0).empty() && Drain(1).empty());
  EXPECT_EQ(av.rebalance.runs, 1u);
}

// Timers repeat the reference while no book changes; every input that can change it — a top, a
// book's status, a venue's connection status, time ageing a venue out — must be seen at the next
// timer (the quorum here is 2 of the 2 venues, max_age 2000 ms).
TEST_F(AllocationCoreTest, TheReferenceFollowsEveryChangeAcrossRepeatedTimers) {
  const InstrumentId btc = cfg_.FindInstrument("BTC/USDT")->id;
  auto valid = [&] { return core_->telemetry().reference_valid[btc.value]; };
  auto value = [&] { return core_->telemetry().reference[btc.value]; };
  auto status = [&](int v, bool whole_venue, bool usable) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.recv_time = Nanos::FromMillis(1000);
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.instrument = whole_venue ? InstrumentId::Invalid() : btc;
    m.status.state = usable ? FeedState::kSynced : FeedState::kGap;
    m.status.usable = usable;
    m.status.orders_connected = true;
    core_->Handle(m);
  };
  Book(0, "BTC/USDT", "29999", "30001", 1000);
  Book(1, "BTC/USDT", "30001", "30003", 1000);
  Timer(1010);
  ASSERT_TRUE(valid());
  EXPECT_EQ(value(), P("30001"));
  Timer(1020);  // nothing changed: repeated
  EXPECT_TRUE(valid());
  Book(1, "BTC/USDT", "30003", "30005", 1025);  // a top moves the median
  Timer(1030);
  EXPECT_EQ(value(), P("30002"));
  status(1, /*whole_venue=*/false, /*usable=*/false);  // the book's own status
  Timer(1040);
  EXPECT_FALSE(valid()) << "venue 1's book is unusable: no quorum";
  Book(1, "BTC/USDT", "30003", "30005", 1045);
  Timer(1050);
  EXPECT_TRUE(valid());
  status(0, /*whole_venue=*/true, /*usable=*/false);  // venue 0's connection drops
  Timer(1060);
  EXPECT_FALSE(valid()) << "every book of venue 0 is unusable";
  Book(0, "BTC/USDT", "29999", "30001", 1065);
  Timer(1070);
  EXPECT_TRUE(valid());
  Timer(3045);  // venue 1's top (1045) is exactly max_age old: still fresh
  EXPECT_TRUE(valid());
  Timer(3046);  // and now it is not: time alone loses the quorum
  EXPECT_FALSE(valid());
  EXPECT_EQ(value(), P("30002")) << "the last valid value is kept";
}

TEST_F(AllocationCoreTest, NoRebalanceUntilEveryTradingVenuesBalancesAreKnown) {
  // The core again, with a third trading venue that has not reported its balances yet.
  params_.venue[2].trading = true;
  DecisionCore::Wiring w;
  std::vector<std::unique_ptr<IntentRing>> rings;
  std::vector<IntentRing::Consumer> outs;
  for (int v = 0; v < 3; ++v) {
    rings.push_back(std::make_unique<IntentRing>(64));
    w.to_venues.push_back(rings.back()->TakeProducer());
    outs.push_back(rings.back()->TakeConsumer());
  }
  core_ = std::make_unique<DecisionCore>(params_, std::move(w));
  auto fund = [&](int v) {
    for (const char* asset : {"BTC", "ETH", "USDT"}) {
      VenueMsg b;
      b.kind = VenueMsg::Kind::kBalance;
      b.balance.venue = VenueId{static_cast<uint8_t>(v)};
      b.balance.asset = cfg_.FindAsset(asset)->id;
      b.balance.free = std::string(asset) == "USDT" ? Amount::FromUnits(50'000) : Amount::Zero();
      b.balance.final_of_snapshot = std::string(asset) == "USDT";
      core_->Handle(b);
    }
  };
  for (int v = 0; v < 3; ++v) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kStatus;
    m.status.venue = VenueId{static_cast<uint8_t>(v)};
    m.status.state = FeedState::kSynced;
    m.status.usable = true;
    m.status.orders_connected = true;
    core_->Handle(m);
  }
  fund(0);
  fund(1);
  for (int v = 0; v < 2; ++v) {
    Book(v, "BTC/USDT", "29999", "30001", 1000);
    Book(v, "ETH/USDT", "1999.9", "2000.1", 1000);
  }
  Timer(1010);
  int sent = 0;
  OrderIntent in;
  for (auto& o : outs)
    while (o.TryPop(in)) ++sent;
  EXPECT_EQ(sent, 0) << "venue 2 trades but its balances are unknown";
  EXPECT_EQ(core_->telemetry().allocation.waiting_balances_runs, 1u);
  fund(2);
  Timer(2020);
  for (auto& o : outs)
    while (o.TryPop(in)) ++sent;
  EXPECT_GT(sent, 0) << "every trading venue known: the rebalancer runs";
}

TEST_F(AllocationCoreTest, NoRebalanceWithoutAValidReference) {
  Book(0, "BTC/USDT", "29999", "30001", 1000);  // one venue: below the quorum of 2
  Book(0, "ETH/USDT", "1999.9", "2000.1", 1000);
  Timer(1010);
  EXPECT_TRUE(Drain(0).empty() && Drain(1).empty());
  EXPECT_GE(core_->telemetry().allocation.unpriced_runs + core_->telemetry().allocation.rebalance.skipped_no_reference, 1u);
}

}  // namespace
}  // namespace hs::engine
