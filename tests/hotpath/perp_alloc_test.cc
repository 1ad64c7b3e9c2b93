// The decision core's perpetual path allocates nothing once started (issue 15): book tops,
// marks and funding, the venues' position and account pushes, perpetual fills on the margin
// book, the rebalancer on perpetual venues, the liquidation distances, the REDUCING layer and
// the deleveraging orders of a crash, all under the allocation counter.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/perp_core.h"

namespace hs {
namespace {

constexpr VenueId kPerpVenues[] = {testing::PerpCoreDriver::kBybitPerp, testing::PerpCoreDriver::kOkxSwap};

Amount A(const char* s) { return ParseDecimal<Amount>(s, Sign::kAllowNegative).value; }

struct PerpCore : testing::PerpCoreDriver {
  std::vector<OrderIntent> sent;  // reserved up front: the drain must not allocate either

  PerpCore() { sent.reserve(4096); }
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
    // Drain without a vector per call (Drain() returns one): straight from the rings.
    for (int v = 0; v < params.venues; ++v) {
      OrderIntent in;
      while (out[static_cast<size_t>(v)].TryPop(in)) {
        sent.push_back(in);
        Fill(in, "0.1", t_ms);
      }
    }
  }
};

TEST(PerpHotPath, MarginFillsDistancesAndDeleveragingAllocateNothing) {
  PerpCore pc;
  int64_t t = 0;
  // Start-up and the first trades (the rebalancer builds the perpetual longs).
  for (int k = 0; k < 20; ++k) pc.Round(t += 260, 30000);
  ASSERT_FALSE(pc.core->margin().position(kPerpVenues[0], testing::PerpCoreDriver::kPerp).size.is_zero());
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
