// The pre-trade gate per intent, every check on, against the first-cut gate it replaces.
//
//   BM_PreTradeGate_AllChecks      an intent that passes all fourteen checks: the full cost
//   BM_PreTradeGate_RejectedAtLast the same intents refused by the last check (daily notional)
//   BM_LegacyGate                  risk_gate.h's RiskGate::Check (state, qty, notional) on the
//                                  same intents: the baseline
//
// The context is what the core would hand over: 5 venues, 4 instruments, positions on every
// venue, full order-rate rings (24 of the 50 orders inside the window, the budget 40), repeat rings holding 2 of 5,
// resting orders on every book that the intents do not cross, and most of the day's notional
// used. Each iteration checks the next of 8 intents (venues, instruments and sides rotating) so
// the branches are not all learnt from one input. Budget: all checks <= 100 ns per intent.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>

#include "risk/pre_trade.h"
#include "risk/risk_gate.h"

namespace hs::risk {
namespace {

constexpr int kVenues = 5;
constexpr int kInstruments = 4;
constexpr int kAssets = 5;  // BTC ETH SOL XRP USDT
constexpr uint16_t kUsdt = 4;
constexpr int kIntents = 8;

struct Setup {
  Limits lim;
  TradingStates states;
  std::array<Price, kMaxInstruments> reference{};
  std::array<bool, kMaxInstruments> reference_valid{};
  std::array<Amount, kMaxAssets> position{};
  std::array<Amount, kMaxVenues * kMaxAssets> venue_position{};
  std::array<int, kMaxVenues> open_orders{};
  std::array<RestingTop, kMaxVenues * kMaxInstruments> resting{};
  std::array<OrderRateWindow, kMaxVenues> rate;
  RepeatThrottle repeat;
  DailyNotional daily;
  std::array<int8_t, kMaxAssets> drift{};
  std::array<OrderIntent, kIntents> intents;
  Nanos now = Nanos::FromSeconds(1'796'000'000);

  explicit Setup(Notional daily_cap) {
    const int64_t px_units[kInstruments] = {30000, 2000, 150, 1};
    lim.venues = kVenues;
    lim.instruments = kInstruments;
    lim.assets = kAssets;
    lim.max_order_notional = Notional::FromUnits(50'000);
    lim.max_order_qty = Qty::FromUnits(1'000'000);
    lim.collar = Rate::FromRaw(2'000'000);  // 2%
    lim.repeat_max = 5;
    lim.repeat_window = Nanos::FromSeconds(1);
    lim.self_trade_prevention = true;
    lim.daily_notional_cap = daily_cap;
    lim.day_start = Nanos::FromSeconds(22 * 3600);
    for (int a = 0; a < kAssets; ++a) lim.max_position[a] = Amount::FromUnits(a == kUsdt ? 10'000'000 : 100'000);
    for (int i = 0; i < kInstruments; ++i) {
      lim.instrument[i] = InstrumentLimits{AssetId{static_cast<uint16_t>(i)}, AssetId{kUsdt}, Qty::FromUnits(100'000),
                                           Notional::FromUnits(40'000), Notional::FromUnits(5)};
      reference[i] = Price::FromUnits(px_units[i]);
      reference_valid[i] = true;
    }
    repeat.Configure(kVenues, kInstruments, lim.repeat_max, lim.repeat_window);
    daily.Configure(lim.day_start);
    daily.Record(Notional::FromUnits(900'000), now - Nanos::FromSeconds(600));
    for (int v = 0; v < kVenues; ++v) {
      VenueLimits& vl = lim.venue[v];
      for (int i = 0; i < kInstruments; ++i) vl.allowed[i] = true;
      vl.max_open_orders = 100;
      vl.order_rate = 50;
      vl.order_rate_window = Nanos::FromSeconds(10);
      vl.cancel_reserve = 10;
      for (int a = 0; a < kAssets; ++a) vl.max_position[a] = Amount::FromUnits(a == kUsdt ? 5'000'000 : 50'000);
      open_orders[v] = 12;
      rate[v].Configure(vl.order_rate, vl.order_rate_window);
      // A full ring: 50 orders 400 ms apart, the newest 24 inside the 10 s window.
      for (int k = 0; k < 50; ++k) rate[v].Record(now - Nanos::FromMillis(400 * (50 - k)));
      for (int a = 0; a < kAssets; ++a)
        venue_position[v * kMaxAssets + a] = Amount::FromUnits(a == kUsdt ? 200'000 : 3);
      for (int i = 0; i < kInstruments; ++i) {
        for (Side s : {Side::kBuy, Side::kSell})
          for (int k = 0; k < 2; ++k)
            repeat.Record(VenueId{static_cast<uint8_t>(v)}, InstrumentId{static_cast<uint16_t>(i)}, s,
                          now - Nanos::FromMillis(300 * (2 - k)));
        // Own resting orders 1% away on both sides: the intents below stay inside them.
        const int64_t ref = reference[i].raw();
        resting[v * kMaxInstruments + i] = RestingTop{1, 1, Price::FromRaw(ref - ref / 100), Price::FromRaw(ref + ref / 100)};
      }
    }
    for (int a = 0; a < kAssets; ++a) position[a] = Amount::FromUnits(a == kUsdt ? 1'000'000 : 15);
    for (int k = 0; k < kIntents; ++k) {
      OrderIntent& in = intents[k];
      const int i = k % kInstruments;
      in.venue = VenueId{static_cast<uint8_t>(k % kVenues)};
      in.instrument = InstrumentId{static_cast<uint16_t>(i)};
      in.side = k % 2 == 0 ? Side::kBuy : Side::kSell;
      // 0.1% through the reference, about 3000 USDT.
      const int64_t ref = reference[i].raw();
      in.limit_px = Price::FromRaw(in.side == Side::kBuy ? ref + ref / 1000 : ref - ref / 1000);
      in.qty = Qty::FromRaw(3000 * Qty::kScale / px_units[i]);
    }
  }

  RiskContext Ctx() const {
    RiskContext c;
    c.now = now;
    c.states = &states;
    c.reference = reference.data();
    c.reference_valid = reference_valid.data();
    c.position = position.data();
    c.venue_position = venue_position.data();
    c.open_orders = open_orders.data();
    c.resting = resting.data();
    c.rate = rate.data();
    c.repeat = &repeat;
    c.daily = &daily;
    c.drift_sign = drift.data();
    c.valuation_asset = AssetId{kUsdt};
    return c;
  }
};

void RunGate(benchmark::State& st, Notional daily_cap, Verdict expected) {
  const auto s = std::make_unique<Setup>(daily_cap);
  const PreTradeGate gate(s->lim);
  const RiskContext ctx = s->Ctx();
  for (const OrderIntent& in : s->intents) {
    if (gate.Check(in, ctx).verdict != expected) {
      st.SkipWithError("the setup does not give the expected verdict");
      return;
    }
  }
  size_t k = 0;
  for (auto _ : st) {
    const OrderIntent& in = s->intents[k++ % kIntents];
    benchmark::DoNotOptimize(&in);
    Decision d = gate.Check(in, ctx);
    benchmark::DoNotOptimize(d);
  }
}

void BM_PreTradeGate_AllChecks(benchmark::State& st) {
  RunGate(st, Notional::FromUnits(5'000'000), Verdict::kAccept);
}
BENCHMARK(BM_PreTradeGate_AllChecks);

void BM_PreTradeGate_RejectedAtLast(benchmark::State& st) {
  // 900 000 used today: no 3000 order fits under 902 000.
  RunGate(st, Notional::FromUnits(902'000), Verdict::kDailyNotional);
}
BENCHMARK(BM_PreTradeGate_RejectedAtLast);

void BM_LegacyGate(benchmark::State& st) {
  const auto s = std::make_unique<Setup>(Notional::FromUnits(5'000'000));
  const RiskGate gate(GateLimits{s->lim.max_order_notional, s->lim.max_order_qty});
  for (const OrderIntent& in : s->intents) {
    if (gate.Check(in) != GateVerdict::kAccept) {
      st.SkipWithError("the legacy gate refuses the intents");
      return;
    }
  }
  size_t k = 0;
  for (auto _ : st) {
    const OrderIntent& in = s->intents[k++ % kIntents];
    benchmark::DoNotOptimize(&in);
    GateVerdict v = gate.Check(in);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_LegacyGate);

}  // namespace
}  // namespace hs::risk

BENCHMARK_MAIN();
