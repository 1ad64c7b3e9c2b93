// The gate and the throttles allocate nothing after Configure (STYLE §8): checks that pass and
// checks that refuse, and the Records the core makes after each send, with operator new counted.
#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "core/margin/margin_book.h"
#include "risk/deleverage.h"
#include "risk/pre_trade.h"
#include "tests/support/alloc_counter.h"

namespace hs::risk {
namespace {

TEST(PreTradeAlloc, CheckAndRecordAllocateNothingAfterConfigure) {
  Limits lim;
  lim.venues = 2;
  lim.instruments = 1;
  lim.assets = 2;
  lim.max_order_notional = Notional::FromUnits(5000);
  lim.collar = Rate::FromRaw(1'000'000);
  lim.max_position[0] = Amount::FromUnits(10);
  lim.repeat_max = 3;
  lim.repeat_window = Nanos::FromSeconds(1);
  lim.daily_notional_cap = Notional::FromUnits(20'000);
  lim.instrument[0] = InstrumentLimits{AssetId{0}, AssetId{1}, Qty{}, Notional{}, Notional::FromUnits(1)};
  for (int v = 0; v < 2; ++v) {
    lim.venue[v].allowed[0] = true;
    lim.venue[v].order_rate = 10;
    lim.venue[v].order_rate_window = Nanos::FromSeconds(1);
    lim.venue[v].cancel_reserve = 2;
  }
  TradingStates states;
  std::array<Price, kMaxInstruments> reference{};
  std::array<bool, kMaxInstruments> valid{};
  reference[0] = Price::FromUnits(30000);
  valid[0] = true;
  std::array<Amount, kMaxAssets> position{};
  std::array<OrderRateWindow, kMaxVenues> rate;
  for (int v = 0; v < 2; ++v) rate[v].Configure(10, Nanos::FromSeconds(1));
  RepeatThrottle repeat;
  repeat.Configure(2, 1, 3, Nanos::FromSeconds(1));
  DailyNotional daily;
  daily.Configure(Nanos{});
  RiskContext ctx;
  ctx.states = &states;
  ctx.reference = reference.data();
  ctx.reference_valid = valid.data();
  ctx.position = position.data();
  ctx.rate = rate.data();
  ctx.repeat = &repeat;
  ctx.daily = &daily;
  const PreTradeGate gate(lim);
  OrderIntent in;
  in.venue = VenueId{0};
  in.instrument = InstrumentId{0};
  in.limit_px = Price::FromUnits(30000);
  in.qty = Qty::FromRaw(10'000'000);

  int accepted = 0;
  int refused = 0;
  testing::StartCountingAllocations();
  for (int k = 0; k < 2000; ++k) {
    ctx.now = Nanos::FromMillis(1'800'000'000'000 + 37 * k);
    in.venue = VenueId{static_cast<uint8_t>(k % 2)};
    in.side = k % 3 == 0 ? Side::kSell : Side::kBuy;
    const Decision d = gate.Check(in, ctx);
    if (d.ok()) {
      ++accepted;
      rate[in.venue.value].Record(ctx.now);
      repeat.Record(in.venue, in.instrument, in.side, ctx.now);
      daily.Record(Notional::FromUnits(3000), ctx.now);
    } else {
      ++refused;
    }
  }
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);  // the daily cap (and the throttles) refuse along the way
}

// The liquidation check (a margin book read per perpetual intent) and the deleverager's Plan /
// OnSent / OnDone on every timer allocate nothing either.
TEST(PreTradeAlloc, LiquidationCheckAndDeleveragingAllocateNothing) {
  margin::Tiers tiers;
  tiers.tier[0] = margin::Tier{Notional::FromUnits(2'000'000), Rate::FromRaw(500'000), Rate::FromRaw(1'000'000),
                               Amount::Zero()};
  tiers.count = 1;
  const margin::VenueParams venues[2] = {
      {true, margin::Rule::kBybit, MarginMode::kIsolated, Rate::FromUnits(10), Rate{}, AssetId{1}},
      {true, margin::Rule::kOkx, MarginMode::kCross, Rate::FromUnits(10), Rate{}, AssetId{1}}};
  const margin::InstrumentParams instruments[1] = {{true, AssetId{0}, AssetId{1}, tiers}};
  auto book = std::make_unique<margin::MarginBook>();  // large: on the heap, before counting
  book->Configure(venues, 2, instruments, 1, Rate::FromRaw(100'000));
  book->SetWallet(VenueId{1}, Amount::FromUnits(2000));
  for (uint8_t v = 0; v < 2; ++v) {
    book->ApplyFill(VenueId{v}, InstrumentId{0}, Side::kBuy, Qty::FromUnits(1), Price::FromUnits(60000), Amount::Zero());
    MarkUpdate m;
    m.venue = VenueId{v};
    m.instrument = InstrumentId{0};
    m.fields = MarkUpdate::kMark;
    m.mark_px = Price::FromUnits(55900);
    book->ApplyMark(m);
  }

  Limits lim;
  lim.venues = 2;
  lim.instruments = 1;
  lim.assets = 2;
  lim.max_order_notional = Notional::FromUnits(1'000'000);
  lim.collar = Rate::FromRaw(1'000'000);
  lim.instrument[0] = InstrumentLimits{AssetId{0}, AssetId{1}, Qty{}, Notional{}, Notional{}};
  for (int v = 0; v < 2; ++v) lim.venue[v].allowed[0] = true;
  lim.liquidation.enabled = true;
  lim.liquidation.min_distance = Rate::FromRaw(6'000'000);
  lim.liquidation.reduce_distance = Rate::FromRaw(5'000'000);
  lim.liquidation.delever_distance = Rate::FromRaw(3'000'000);
  lim.liquidation.max_delever_notional_per_s = Notional::FromUnits(10'000);
  std::array<Price, kMaxInstruments> reference{};
  std::array<bool, kMaxInstruments> valid{};
  reference[0] = Price::FromUnits(55900);
  valid[0] = true;
  TradingStates states;
  RiskContext ctx;
  ctx.states = &states;
  ctx.reference = reference.data();
  ctx.reference_valid = valid.data();
  ctx.margin = book.get();
  const PreTradeGate gate(lim);
  const DeleverInstrument inst[1] = {{Price::FromRaw(100'000'000), Qty::FromRaw(100'000), Notional::FromUnits(5)}};
  Deleverager delever;
  delever.Configure(lim.liquidation, lim.collar, inst, 1, 2);
  std::array<OrderIntent, 4> out{};

  int refused = 0;
  int planned = 0;
  testing::StartCountingAllocations();
  for (int k = 0; k < 2000; ++k) {
    const Nanos now = Nanos::FromMillis(1'800'000'000'000 + 10 * k);
    ctx.now = now;
    OrderIntent in;
    in.venue = VenueId{static_cast<uint8_t>(k % 2)};
    in.instrument = InstrumentId{0};
    in.side = k % 3 == 0 ? Side::kSell : Side::kBuy;
    in.reduce_only = k % 5 == 0;
    in.limit_px = Price::FromUnits(55900);
    in.qty = Qty::FromRaw(1'000'000 * (1 + k % 50));
    refused += gate.Check(in, ctx).verdict == Verdict::kLiquidation ? 1 : 0;
    const int n = delever.Plan(*book, reference.data(), valid.data(), now, out.data(), 4);
    for (int j = 0; j < n; ++j) {
      delever.OnSent(out[j], now);
      delever.OnDone(out[j].venue, out[j].instrument);  // unfilled: the position stays in danger
    }
    planned += n;
  }
  EXPECT_EQ(testing::StopCountingAllocations(), 0u);
  EXPECT_GT(refused, 0);
  EXPECT_GT(planned, 0);
}

}  // namespace
}  // namespace hs::risk
