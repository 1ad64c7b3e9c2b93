// Core building blocks: decimal parsing, notional math, ring transfer, HMAC signing.
#include <benchmark/benchmark.h>

#include <thread>

#include "core/app/core_params.h"
#include "core/base/decimal.h"
#include "core/base/fixed_point.h"
#include "core/messages/messages.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
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
  explicit CoreRig(bool with_journal) {
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

void BM_Core_BookTop_NoEdge(benchmark::State& s) {
  CoreRig r(false);
  r.core->Handle(r.Top(0, 29999, 30000));
  VenueMsg m = r.Top(1, 29999, 30001);
  for (auto _ : s) r.core->Handle(m);
}
BENCHMARK(BM_Core_BookTop_NoEdge);

void BM_Core_BookTop_EmitsTwoLegs(benchmark::State& s) {
  // Each iteration: one crossing top (two legs emitted) and the two final reports that
  // release them; compare with BM_Core_BookTop_NoEdge for the cost of deciding to trade.
  CoreRig r(false);
  r.core->Handle(r.Top(0, 29999, 30000));
  VenueMsg m = r.Top(1, 30300, 30301);
  for (auto _ : s) {
    r.core->Handle(m);
    r.Drain();
  }
}
BENCHMARK(BM_Core_BookTop_EmitsTwoLegs);

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

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
