// Core building blocks: decimal parsing, notional math, ring transfer, HMAC signing.
#include <benchmark/benchmark.h>

#include <thread>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/base/fixed_point.h"
#include "core/messages/messages.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/engine/snapshot.h"
#include "core/journal/journal_writer.h"
#include "core/runtime/spsc_ring.h"

namespace hs {
namespace {

void BM_ParsePrice(benchmark::State& s) {
  const std::string_view texts[] = {"25.35190000", "30000.01", "0.33988000", "8477", "45283.5"};
  size_t i = 0;
  for (auto _ : s) {
    auto r = ParseDecimal<Price>(texts[i++ % 5]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParsePrice);

void BM_FormatFixed(benchmark::State& s) {
  char buf[kMaxDecimalText];
  int64_t raw = 30'000'010'000'000;
  for (auto _ : s) {
    benchmark::DoNotOptimize(FormatDecimalFixed(raw, 9, 2, buf));
    raw += 10'000'000;
  }
}
BENCHMARK(BM_FormatFixed);

void BM_MulNotional(benchmark::State& s) {
  Price p = Price::FromRaw(30'000'010'000'000);
  Qty q = Qty::FromRaw(5'000'000);
  for (auto _ : s) {
    benchmark::DoNotOptimize(MulNotional(p, q, Rounding::kCeil));
    p += Price::FromRaw(1);
  }
}
BENCHMARK(BM_MulNotional);

// One VenueMsg across two threads and back (the cost of a hot edge in each direction).
void BM_RingPingPong(benchmark::State& s) {
  runtime::SpscRing<VenueMsg> there(64), back(64);
  auto tp = there.TakeProducer();
  auto tc = there.TakeConsumer();
  auto bp = back.TakeProducer();
  auto bc = back.TakeConsumer();
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    VenueMsg m;
    while (!stop.load(std::memory_order_relaxed)) {
      if (tc.TryPop(m)) {
        while (!bp.TryPush(m)) {
        }
      }
    }
  });
  VenueMsg m;
  for (auto _ : s) {
    while (!tp.TryPush(m)) {
    }
    while (!bc.TryPop(m)) {
    }
  }
  stop = true;
  echo.join();
}
BENCHMARK(BM_RingPingPong)->UseRealTime();

// The decision core handling one BookTop: (a) no edge, (b) an edge that emits two legs.
struct CoreRig {
  config::Config cfg;
  std::vector<std::unique_ptr<IntentRing>> rings;
  std::vector<IntentRing::Consumer> outs;
  std::unique_ptr<journal::EntryRing> jring;
  journal::EntryRing::Consumer jout;
  std::unique_ptr<engine::DecisionCore> core;
  explicit CoreRig(bool with_journal, bool with_allocation = false) {
    cfg = *config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
    engine::DecisionCore::Wiring w;
    jring = std::make_unique<journal::EntryRing>(1 << 12);
    jout = jring->TakeConsumer();
    if (with_journal) w.journal = journal::JournalSink(jring->TakeProducer());
    for (int v = 0; v < 2; ++v) {
      rings.push_back(std::make_unique<IntentRing>(64));
      w.to_venues.push_back(rings.back()->TakeProducer());
      outs.push_back(rings.back()->TakeConsumer());
    }
    auto params = app::CoreParamsFromConfig(cfg, 1);
    params.cooldown = Nanos{0};
    // Every tick here carries input time 0, so the rate and repeat throttles (windows over input
    // time) would refuse everything after their first few dozen orders and the benchmark would
    // time refusals. They are off; every other pre-trade check (collar, positions, open orders,
    // self-trade, daily cap) runs on each leg. risk_benchmark times the full list alone.
    for (auto& vl : params.limits.venue) vl.order_rate = 0;
    params.limits.repeat_max = 0;
    if (with_allocation) {
      // 40% BTC, 20% ETH, 40% USDT, half on each venue: the allocator evaluates on a timer and
      // every arbitrage pair then consults it (the lean toward the venue shares).
      params.allocation_enabled = true;
      engine::AllocatorParams& ap = params.allocator;
      ap.assets = params.assets;
      ap.venues = params.venues;
      ap.valuation_asset = params.valuation_asset;
      const int64_t w[3] = {40'000'000, 20'000'000, 40'000'000};
      for (int a = 0; a < 3; ++a) {
        ap.target[a] = {Rate::FromRaw(w[a]), Rate::FromRaw(2'000'000)};
        ap.venue_share[a][0] = ap.venue_share[a][1] = Rate::FromRaw(50'000'000);
        ap.risky[a] = AssetId{static_cast<uint16_t>(a)} != params.valuation_asset;
      }
      ap.venue_band = Rate::FromRaw(10'000'000);
      params.rebalancer.interval = Nanos::FromSeconds(3600);  // evaluate once, then only lean
      params.rebalancer.min_trade = Notional::FromUnits(20);
      params.rebalancer.max_trade = Notional::FromUnits(100);
      params.rebalancer.max_cost = Rate::FromRaw(10);  // nothing within it: the run sends nothing
      params.rebalancer.pace_per_min = Notional::FromUnits(1000);
    }
    core = std::make_unique<engine::DecisionCore>(params, std::move(w));
    for (int v = 0; v < 2; ++v) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kStatus;
      m.status.venue = VenueId{static_cast<uint8_t>(v)};
      m.status.usable = true;
      m.status.orders_connected = true;
      core->Handle(m);
      for (const auto& a : cfg.assets) {
        VenueMsg b;
        b.kind = VenueMsg::Kind::kBalance;
        b.balance.venue = VenueId{static_cast<uint8_t>(v)};
        b.balance.asset = a.id;
        b.balance.free = Amount::FromUnits(1'000'000'000);
        b.balance.final_of_snapshot = static_cast<size_t>(a.id.value) + 1 == cfg.assets.size();
        core->Handle(b);
      }
    }
  }
  // Both books, then one timer input: the allocator's view exists from here on.
  void Evaluate() {
    core->Handle(Top(0, 29999, 30001));
    core->Handle(Top(1, 29999, 30001));
    ControlCommand t;
    t.op = ControlOp::kTimer;
    core->Handle(t);
  }
  VenueMsg Top(int v, int64_t bid, int64_t ask) {
    VenueMsg m;
    m.kind = VenueMsg::Kind::kBookTop;
    m.top.venue = VenueId{static_cast<uint8_t>(v)};
    m.top.instrument = InstrumentId{0};
    m.top.bid_count = m.top.ask_count = 1;
    m.top.bids[0] = {Price::FromUnits(bid), Qty::FromUnits(1)};
    m.top.asks[0] = {Price::FromUnits(ask), Qty::FromUnits(1)};
    return m;
  }
  void Drain() {
    OrderIntent in;
    for (auto& o : outs) {
      while (o.TryPop(in)) {
        VenueMsg ex;
        ex.kind = VenueMsg::Kind::kExec;
        ex.exec.client_id = in.client_id;
        ex.exec.kind = ExecKind::kCanceled;
        ex.exec.final = true;
        core->Handle(ex);
      }
    }
    journal::Entry e;
    while (jout.TryPop(e)) {
    }
  }
};

// The core handling one BookTop, arbitrage only (Baseline) and with the allocator configured:
// the ratio is what allocation adds per tick (issue budget: at most 20%).
void BM_Core_BookTop_NoEdge(benchmark::State& s, bool allocation) {
  CoreRig r(false, allocation);
  if (allocation) r.Evaluate();
  r.core->Handle(r.Top(0, 29999, 30000));
  VenueMsg m = r.Top(1, 29999, 30001);
  for (auto _ : s) r.core->Handle(m);
}
BENCHMARK_CAPTURE(BM_Core_BookTop_NoEdge, Baseline_ArbitrageOnly, false);
BENCHMARK_CAPTURE(BM_Core_BookTop_NoEdge, WithAllocator, true);

void BM_Core_BookTop_EmitsTwoLegs(benchmark::State& s, bool allocation) {
  // Each iteration: one crossing top (two legs emitted) and the two final reports that
  // release them; compare with BM_Core_BookTop_NoEdge for the cost of deciding to trade.
  CoreRig r(false, allocation);
  if (allocation) r.Evaluate();
  r.core->Handle(r.Top(0, 29999, 30000));
  VenueMsg m = r.Top(1, 30300, 30301);
  const uint64_t sent_before = r.core->telemetry().counters.orders_sent;
  for (auto _ : s) {
    r.core->Handle(m);
    r.Drain();
  }
  // Two legs per iteration, or the benchmark is not timing what it says.
  s.counters["legs_per_tick"] = static_cast<double>(r.core->telemetry().counters.orders_sent - sent_before) /
                                static_cast<double>(s.iterations());
}
BENCHMARK_CAPTURE(BM_Core_BookTop_EmitsTwoLegs, Baseline_ArbitrageOnly, false);
BENCHMARK_CAPTURE(BM_Core_BookTop_EmitsTwoLegs, WithAllocator, true);

// One rebalance tick (allocator evaluation + planning) over 5 venues × 10 instruments: ten
// risky assets against USDT, every one out of band, every venue's book walked (issue budget:
// 20 µs).
void BM_RebalanceTick_5Venues10Instruments(benchmark::State& s) {
  constexpr int kVenues = 5, kInstruments = 10, kAssets = kInstruments + 1;
  const AssetId usdt{kInstruments};
  engine::EngineParams ep;
  ep.venues = kVenues;
  ep.instruments = kInstruments;
  ep.assets = kAssets;
  ep.valuation_asset = usdt;
  engine::AllocatorParams ap;
  ap.assets = kAssets;
  ap.venues = kVenues;
  ap.valuation_asset = usdt;
  ap.venue_band = Rate::FromRaw(5'000'000);
  for (int i = 0; i < kInstruments; ++i) {
    ep.instrument[i] = {AssetId{static_cast<uint16_t>(i)}, usdt, Price::FromRaw(10'000'000), Qty::FromRaw(1'000), Notional::FromUnits(5)};
    ep.valuation_instrument[i] = InstrumentId{static_cast<uint16_t>(i)};
    ap.target[i] = {Rate::FromRaw(5'000'000), Rate::FromRaw(500'000)};  // 5% each, 0.5% bands
    ap.risky[i] = true;
  }
  ap.target[kInstruments] = {Rate::FromRaw(50'000'000), Rate::FromRaw(2'000'000)};
  for (int a = 0; a < kAssets; ++a)
    for (int v = 0; v < kVenues; ++v) ap.venue_share[a][v] = Rate::FromRaw(20'000'000);
  engine::RebalancerParams rp;
  rp.interval = Nanos::FromMillis(1);
  rp.min_trade = Notional::FromUnits(20);
  rp.max_trade = Notional::FromUnits(2000);
  rp.max_cost = Rate::FromRaw(300'000);
  rp.pace_per_min = Notional::FromUnits(4'000'000'000);  // never the limit here
  engine::ReferenceParams refp;
  refp.min_venues.fill(2);
  engine::ReferencePrice reference(refp);
  engine::BookCache books;
  engine::Portfolio portfolio;
  const Nanos t0 = Nanos::FromSeconds(1000);
  for (int v = 0; v < kVenues; ++v) {
    ep.venue[v].present = ep.venue[v].trading = true;
    ep.venue[v].taker_fee = Rate::FromRaw(100'000);
    for (int i = 0; i < kInstruments; ++i) {
      ep.venue[v].lists[i] = true;
      ep.venue[v].lot[i] = Qty::FromRaw(1'000);
      BookTop top;
      top.venue = VenueId{static_cast<uint8_t>(v)};
      top.instrument = InstrumentId{static_cast<uint16_t>(i)};
      top.bid_count = top.ask_count = kBookTopDepth;
      for (int k = 0; k < kBookTopDepth; ++k) {
        top.bids[k] = {Price::FromUnits(1000 + 10 * i - k), Qty::FromUnits(5)};
        top.asks[k] = {Price::FromUnits(1001 + 10 * i + k), Qty::FromUnits(5)};
      }
      books.OnTop(top, t0);
    }
    for (int a = 0; a < kAssets; ++a) {
      BalanceUpdate b;
      b.venue = VenueId{static_cast<uint8_t>(v)};
      b.asset = AssetId{static_cast<uint16_t>(a)};
      b.free = a == kInstruments ? Amount::FromUnits(100'000) : Amount::FromUnits(v == 0 ? 1 : 0);  // all on venue 0
      b.final_of_snapshot = a + 1 == kAssets;
      portfolio.ApplySnapshot(b);
    }
  }
  for (int i = 0; i < kInstruments; ++i) {
    engine::VenueQuote q[kVenues];
    for (int v = 0; v < kVenues; ++v) {
      const engine::CachedBook& b = books.at(VenueId{static_cast<uint8_t>(v)}, InstrumentId{static_cast<uint16_t>(i)});
      q[v] = {true, b.top.bids[0].px, b.top.asks[0].px, b.recv_time};
    }
    reference.Update(InstrumentId{static_cast<uint16_t>(i)}, q, kVenues, t0);
  }
  engine::Allocator allocator(ap);
  engine::Valuation valuation(
      engine::Valuation::Resolve(usdt, std::span<const engine::InstrumentParams>(ep.instrument.data(), kInstruments)),
      reference);
  engine::Rebalancer rebalancer(rp);
  engine::RebalanceView view;
  view.params = &ep;
  view.allocator = &allocator;
  view.books = &books;
  view.reference = &reference;
  view.portfolio = &portfolio;
  view.can_trade.fill(true);
  engine::PlannedOrder out[engine::Rebalancer::kMaxPlanned];
  int64_t planned = 0;
  for (auto _ : s) {
    const engine::NavReport nav = valuation.Nav(portfolio, kVenues, kAssets);
    engine::Holdings h;
    h.value = nav.venue_value;
    allocator.Evaluate(h);
    planned += rebalancer.Plan(view, t0, out, engine::Rebalancer::kMaxPlanned);
  }
  s.counters["orders_per_tick"] = benchmark::Counter(static_cast<double>(planned), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_RebalanceTick_5Venues10Instruments)->Unit(benchmark::kMicrosecond);

void BM_Core_JournalAppend(benchmark::State& s) {
  CoreRig r(true);
  journal::EntryRing ring(1 << 12);
  auto out = ring.TakeConsumer();
  journal::JournalSink sink(ring.TakeProducer());
  VenueMsg m = r.Top(1, 29999, 30001);
  journal::Entry e;
  for (auto _ : s) {
    sink.Append(journal::RecordType::kVenueMsg, m);
    benchmark::DoNotOptimize(out.TryPop(e));
  }
}
BENCHMARK(BM_Core_JournalAppend);

// SaveState and its zero-run encoding for the largest core: 16 venues × 64 instruments (the
// bench config's first venue and instrument copied into every slot), each venue holding a book
// of every instrument. Counters: raw and encoded bytes, and the journal records one snapshot takes.
void BM_Core_SaveState(benchmark::State& s) {
  const config::Config cfg = *config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  engine::EngineParams params = app::CoreParamsFromConfig(cfg, 1);
  for (int i = 1; i < kMaxInstruments; ++i) params.instrument[i] = params.instrument[0];
  for (int v = 0; v < kMaxVenues; ++v) {
    if (v > 0) params.venue[v] = params.venue[0];
    if (v > 0) params.limits.venue[v] = params.limits.venue[0];
    params.venue[v].lists.fill(true);
    params.venue[v].lot.fill(params.venue[0].lot[0]);
  }
  params.venues = kMaxVenues;
  params.instruments = kMaxInstruments;
  params.strategy_enabled = false;  // books only: the size of the state, not trading, is measured
  params.snapshot_every = 1'000'000;  // reserves the buffers as a running core does
  engine::DecisionCore core(params, engine::DecisionCore::Wiring{});
  for (int v = 0; v < kMaxVenues; ++v) {
    for (int i = 0; i < kMaxInstruments; ++i) {
      VenueMsg m;
      m.kind = VenueMsg::Kind::kBookTop;
      m.recv_time = Nanos::FromMillis(1000 + v);
      m.top.venue = VenueId{static_cast<uint8_t>(v)};
      m.top.instrument = InstrumentId{static_cast<uint16_t>(i)};
      m.top.bid_count = m.top.ask_count = kBookTopDepth;
      for (int k = 0; k < kBookTopDepth; ++k) {
        m.top.bids[k] = {Price::FromUnits(30000 - k - v), Qty::FromUnits(1 + k)};
        m.top.asks[k] = {Price::FromUnits(30001 + k + v), Qty::FromUnits(1 + k)};
      }
      core.Handle(m);
    }
  }
  ControlCommand t;
  t.op = ControlOp::kTimer;
  t.time = Nanos::FromMillis(1100);
  core.Handle(t);
  std::string raw, enc;
  core.SaveState(&raw);
  raw.reserve(raw.size());
  enc.reserve(engine::snapshot::EncodedBound(raw.size()));
  for (auto _ : s) {
    core.SaveState(&raw);
    engine::snapshot::Encode(raw, &enc);
    benchmark::DoNotOptimize(enc.data());
  }
  s.counters["raw_bytes"] = static_cast<double>(raw.size());
  s.counters["encoded_bytes"] = static_cast<double>(enc.size());
  s.counters["chunks"] = static_cast<double>((enc.size() + 215) / 216);
}
BENCHMARK(BM_Core_SaveState)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
