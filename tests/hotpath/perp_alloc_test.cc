// The decision core's perpetual path allocates nothing once started (issue 15): book tops,
// marks and funding, the venues' position and account pushes, perpetual fills on the margin
// book, the rebalancer on perpetual venues, the liquidation distances, the REDUCING layer and
// the deleveraging orders of a crash, all under the allocation counter.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

constexpr VenueId kPerpVenues[] = {VenueId{2}, VenueId{3}};
constexpr InstrumentId kSpot{0};
constexpr InstrumentId kPerp{1};

Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

struct PerpCore {
  config::Config cfg;
  engine::EngineParams params;
  std::vector<std::unique_ptr<IntentRing>> rings;
  std::vector<IntentRing::Consumer> out;
  std::unique_ptr<engine::DecisionCore> core;
  std::vector<OrderIntent> sent;  // reserved up front: the drain must not allocate either

  PerpCore() {
    auto c = config::LoadConfig(std::string(HS_SOURCE_DIR) + "/configs/perps-demo.toml");
    EXPECT_TRUE(c.ok()) << c.status();
    cfg = *c;
    params = app::CoreParamsFromConfig(cfg, 1000);
    engine::DecisionCore::Wiring w;
    for (int v = 0; v < params.venues; ++v) {
      rings.push_back(std::make_unique<IntentRing>(256));
      w.to_venues.push_back(rings.back()->TakeProducer());
      out.push_back(rings.back()->TakeConsumer());
    }
    core = std::make_unique<engine::DecisionCore>(params, std::move(w));
    core->Begin(Nanos::FromMillis(1), "config");
    sent.reserve(4096);
    for (int v = 0; v < params.venues; ++v) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kStatus;
      m.status.venue = VenueId{static_cast<uint8_t>(v)};
      m.status.state = FeedState::kSynced;
      m.status.usable = true;
      m.status.orders_connected = true;
      core->Step(m);
    }
    Balance(0, "BTC", "0.2", false);
    Balance(0, "USDT", "20000", true);
    Balance(1, "USDT", "0", true);
    Balance(2, "USDT", "2000", true);
    Balance(3, "USDT", "2000", true);
  }
  void Balance(int v, const char* asset, const char* amount, bool last) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBalance;
    m.balance.venue = VenueId{static_cast<uint8_t>(v)};
    m.balance.asset = cfg.FindAsset(asset)->id;
    m.balance.free = A(amount);
    m.balance.final_of_snapshot = last;
    core->Step(m);
  }
  // One 260 ms round at `px` (whole units): tops, marks with funding, the venues' pushes, a
  // timer; every order sent is filled at its limit.
  void Round(int64_t t_ms, int64_t px) {
    const Nanos t = Nanos::FromMillis(t_ms);
    for (int v = 0; v < params.venues; ++v) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kBookTop;
      m.recv_time = t;
      m.top.venue = VenueId{static_cast<uint8_t>(v)};
      m.top.instrument = v < 2 ? kSpot : kPerp;
      m.top.bid_count = m.top.ask_count = 1;
      m.top.bids[0] = {Price::FromUnits(px), Qty::FromUnits(5)};
      m.top.asks[0] = {Price::FromUnits(px + 1), Qty::FromUnits(5)};
      core->Step(m);
    }
    for (VenueId v : kPerpVenues) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kMark;
      m.recv_time = t;
      m.mark.venue = v;
      m.mark.instrument = kPerp;
      m.mark.fields = MarkUpdate::kMark | MarkUpdate::kFunding;
      m.mark.mark_px = Price::FromUnits(px);
      m.mark.funding_rate = Rate::FromRaw(10'000);
      core->Step(m);
      VenueMsg f;
      f.kind = VenueMsg::Kind::kFunding;
      f.recv_time = t;
      f.funding.venue = v;
      f.funding.instrument = kPerp;
      f.funding.amount = A("-0.01");
      core->Step(f);
      VenueMsg p;
      p.kind = VenueMsg::Kind::kPosition;
      p.recv_time = t;
      p.position.venue = v;
      p.position.instrument = kPerp;
      p.position.size = core->margin().position(v, kPerp).size;
      p.position.liq_px = core->margin().LiquidationPrice(v, kPerp);
      core->Step(p);
      VenueMsg a;
      a.kind = VenueMsg::Kind::kMarginAccount;
      a.recv_time = t;
      a.margin.venue = v;
      a.margin.asset = cfg.FindAsset("USDT")->id;
      a.margin.wallet_balance = core->margin().wallet(v);
      a.margin.equity = core->margin().equity(v);
      core->Step(a);
    }
    ControlCommand c;
    c.op = ControlOp::kTimer;
    c.time = t;
    core->Step(c);
    for (int v = 0; v < params.venues; ++v) {
      OrderIntent in;
      while (out[static_cast<size_t>(v)].TryPop(in)) {
        sent.push_back(in);
        VenueMsg m;
        m.kind = VenueMsg::Kind::kExec;
        m.recv_time = t;
        m.exec.client_id = in.client_id;
        m.exec.venue = in.venue;
        m.exec.instrument = in.instrument;
        m.exec.kind = ExecKind::kFill;
        m.exec.side = in.side;
        m.exec.final = true;
        m.exec.fill_px = in.limit_px;
        m.exec.fill_qty = in.qty;
        m.exec.cum_qty = in.qty;
        m.exec.fill_quote = Amount::FromRaw(MulNotional(in.limit_px, in.qty, Rounding::kFloor).raw());
        m.exec.fee = A("0.1");
        m.exec.fee_asset = cfg.FindAsset("USDT")->id;
        core->Step(m);
      }
    }
  }
};

TEST(PerpHotPath, MarginFillsDistancesAndDeleveragingAllocateNothing) {
  PerpCore pc;
  int64_t t = 0;
  // Start-up and the first trades (the rebalancer builds the perpetual longs).
  for (int k = 0; k < 20; ++k) pc.Round(t += 260, 30000);
  ASSERT_FALSE(pc.core->margin().position(kPerpVenues[0], kPerp).size.is_zero());
  const size_t before = pc.sent.size();
  testing::StartCountingAllocations();
  // A crash: 30% down in 100 rounds, then flat.
  for (int k = 0; k < 120; ++k) pc.Round(t += 260, 30000 - 90 * (k < 100 ? k : 100));
  pc.core->PublishTelemetry();
  const uint64_t allocations = testing::StopCountingAllocations();
  EXPECT_EQ(allocations, 0u);
  // And the path really ran: deleveraging orders went out under the counter.
  int delever = 0;
  for (size_t k = before; k < pc.sent.size(); ++k) delever += pc.sent[k].purpose == OrderPurpose::kDeleverage;
  EXPECT_GT(delever, 0);
  EXPECT_GT(pc.core->telemetry().margin_counters.funding_payments, 0u);
}

}  // namespace
}  // namespace hs
