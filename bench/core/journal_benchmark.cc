// The journal: what the decision core pays per record (JournalSink::Append into a ring another
// thread drains), and what durability costs (a real JournalWriter with fdatasync, group commit
// latency from submission to durable, and sustained records per second).
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/base/clock.h"
#include "core/journal/journal_writer.h"

namespace hs {
namespace {

VenueMsg SampleTop(uint64_t i) {
  VenueMsg m;
  m.kind = VenueMsg::Kind::kBookTop;
  m.top.venue = VenueId{1};
  m.top.instrument = InstrumentId{0};
  m.top.venue_seq = i;
  m.top.bids[0].px = Price::FromRaw(29'999'000'000'000);
  m.top.asks[0].px = Price::FromRaw(30'001'000'000'000);
  return m;
}

// (a) The core's side: one VenueMsg appended into a ring that never fills (the writer keeps up,
// as it does in the engine). The ring is drained in batches on this thread, so the figure is
// Append's own cost plus an amortized Front/Pop (no copy) per record; the budget is 50 ns.
void BM_JournalSink_AppendVenueMsg(benchmark::State& s) {
  journal::EntryRing ring(1 << 12);
  auto out = ring.TakeConsumer();
  journal::JournalSink sink(ring.TakeProducer(), 1, 4096);
  const VenueMsg m = SampleTop(1);
  uint64_t k = 0;
  for (auto _ : s) {
    sink.Append(journal::RecordType::kVenueMsg, m);
    sink.Flush();
    if ((++k & 1023) == 0) {
      while (out.Front() != nullptr) out.Pop();
    }
  }
  s.counters["spilled"] = static_cast<double>(sink.stalls());
}
BENCHMARK(BM_JournalSink_AppendVenueMsg);

// The same with the ring drained by another thread, flat out: the producer outruns a consumer
// that shares this 2-core host with others, so the ring fills and the spill (and, when that is
// full, waiting) shows up. An upper bound, not the engine's steady state.
void BM_JournalSink_AppendVenueMsg_DrainedByAnotherThread(benchmark::State& s) {
  journal::EntryRing ring(1 << 14);
  auto out = ring.TakeConsumer();
  journal::JournalSink sink(ring.TakeProducer(), 1, 4096);
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (out.Front() != nullptr) out.Pop();
    }
  });
  const VenueMsg m = SampleTop(1);
  for (auto _ : s) {
    sink.Append(journal::RecordType::kVenueMsg, m);
    sink.Flush();
  }
  while (sink.backlogged()) sink.Flush();
  stop = true;
  drain.join();
  s.counters["spilled"] = static_cast<double>(sink.stalls());
  s.counters["overflow_waits"] = static_cast<double>(sink.overflow_waits());
}
BENCHMARK(BM_JournalSink_AppendVenueMsg_DrainedByAnotherThread);

// A temp journal directory, removed with its segments.
class TempJournalDir {
 public:
  TempJournalDir() {
    char tmpl[] = "/tmp/hs-journal-bench-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempJournalDir() {
    if (path_.empty()) return;
    if (DIR* d = opendir(path_.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") unlink((path_ + "/" + name).c_str());
      }
      closedir(d);
    }
    rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CommitSamples {
  std::vector<int64_t> latency_ns;  // reserved up front: the writer thread only appends
  uint64_t records = 0;
};

void OnDurable(void* ctx, uint64_t /*last_seq*/, uint32_t records, int64_t latency_ns) {
  auto* c = static_cast<CommitSamples*>(ctx);
  if (c->latency_ns.size() < c->latency_ns.capacity()) c->latency_ns.push_back(latency_ns);
  c->records += records;
}

double Percentile(std::vector<int64_t> v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

// (b) Durable group commit: a producer appends VenueMsg records (flat out, or one every
// `range(0)` ns), a real writer with fsync on commits them to a segment on this machine's disk.
// Per-group latency is from submission (write + linked fdatasync) to the completion that made
// the group durable; records/s counts records made durable over the wall time to the last one.
void BM_JournalWriter_DurableGroupCommit(benchmark::State& s) {
  const int64_t pace_ns = s.range(0);
  for (auto _ : s) {
    s.PauseTiming();
    TempJournalDir dir;
    CommitSamples samples;
    samples.latency_ns.reserve(1 << 20);
    journal::WriterOptions o;
    o.path = dir.path();
    o.engine_name = "bench";
    o.fsync = true;
    o.on_durable = &OnDurable;
    o.on_durable_ctx = &samples;
    journal::EntryRing ring(1 << 14);
    journal::JournalWriter w(o, ring.TakeConsumer());
    journal::AppendPoint at;
    at.dir = dir.path();
    if (!w.Open(at).ok()) {
      s.SkipWithError("cannot open the journal");
      return;
    }
    journal::JournalSink sink(ring.TakeProducer(), 1, 4096);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (w.DoWork() == 0) w.Park(100'000);
      }
      w.OnClose();
    });
    const uint64_t n = pace_ns > 0 ? 20'000 : 500'000;
    s.ResumeTiming();
    const int64_t t0 = MonoNow().value;
    int64_t next = t0;
    for (uint64_t i = 0; i < n; ++i) {
      if (pace_ns > 0) {
        while (MonoNow().value < next) {
        }
        next += pace_ns;
      }
      sink.Append(journal::RecordType::kVenueMsg, SampleTop(i));
      sink.Flush();
    }
    while (sink.backlogged()) sink.Flush();
    while (w.durable_seq() < n && !w.failed()) std::this_thread::yield();
    const int64_t elapsed = MonoNow().value - t0;
    s.PauseTiming();
    stop = true;
    writer.join();
    if (w.failed()) {
      s.SkipWithError(w.failure().c_str());
      return;
    }
    s.counters["records_per_s"] = static_cast<double>(n) * 1e9 / static_cast<double>(elapsed);
    s.counters["groups"] = static_cast<double>(samples.latency_ns.size());
    s.counters["records_per_group"] =
        static_cast<double>(samples.records) / static_cast<double>(std::max<size_t>(1, samples.latency_ns.size()));
    s.counters["commit_p50_us"] = Percentile(samples.latency_ns, 0.50) / 1e3;
    s.counters["commit_p99_us"] = Percentile(samples.latency_ns, 0.99) / 1e3;
    s.counters["commit_max_us"] = Percentile(samples.latency_ns, 1.0) / 1e3;
    s.counters["spilled"] = static_cast<double>(sink.stalls());
    s.counters["overflow_waits"] = static_cast<double>(sink.overflow_waits());
    s.ResumeTiming();
  }
}
// 0: flat out; 50'000 ns: 20k records/s, a busy engine's pace.
BENCHMARK(BM_JournalWriter_DurableGroupCommit)->Arg(0)->Arg(50'000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
