// The gate and the throttles allocate nothing after Configure (STYLE §8): checks that pass and
// checks that refuse, and the Records the core makes after each send, with operator new counted.
#include <gtest/gtest.h>

#include <array>

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

}  // namespace
}  // namespace hs::risk
