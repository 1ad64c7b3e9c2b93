// homeostat-bench-e2e: internal tick-to-order latency, end to end through the real code.
//
//   venue thread: bookTicker frame → simdjson parse → BookTop → ring ─┐
//   core thread:  ring → DecisionCore (journal append, arbitrage, risk) → intent ring ─┐
//   venue thread: intent → Binance order.place encode + HMAC-SHA256 sign → "bytes ready"
//
// The two venues share one venue thread (DESIGN §1 allows a group) so the pipeline fits two
// cores: venue thread on one, core on the other, both busy-spinning; the journal writer runs
// as in the engine (io_uring, backoff). Frames are injected at a fixed pace; every 25th frame
// dislocates venue B so the core sends a buy and a sell leg. Tick-to-order = the frame's receive
// stamp → the leg's signed bytes ready. Baselines measured in the same run, same threads:
//   floor:    a message venue→core→venue through the same two rings (two cross-core hops)
//   inline:   the same parse→core→encode work on one thread with no hops
// Report p50/p90/p99/p99.9/max; compare ratios, since the machine is shared and noisy.
#include <getopt.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/app/core_params.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"
#include "core/journal/journal_writer.h"
#include "core/runtime/agent_runner.h"
#include "core/runtime/histogram.h"
#include "core/runtime/log.h"
#include "venues/binance/binance_feed.h"
#include "venues/binance/binance_orders.h"

namespace hs {
namespace {

int kJournalRing = 8192;

struct Options {
  int frames = 200'000;
  int64_t interval_ns = 20'000;
  int cpu_venue = 0;
  int cpu_core = 1;
  bool journal = true;
  std::string json_out;
};

std::string Ticker(uint64_t u, int64_t bid_cents, int64_t ask_cents) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":%llu,\"s\":\"BTCUSDT\",\"b\":\"%lld.%02lld\",\"B\":"
                "\"0.25000000\",\"a\":\"%lld.%02lld\",\"A\":\"0.40000000\"}}",
                static_cast<unsigned long long>(u), static_cast<long long>(bid_cents / 100),
                static_cast<long long>(bid_cents % 100), static_cast<long long>(ask_cents / 100),
                static_cast<long long>(ask_cents % 100));
  return std::string(buf) + std::string(64, '\0');
}

void Print(const char* name, const runtime::LatencyHistogram::Snapshot& h) {
  std::printf("  %-26s n=%-8llu p50 %7.0f  p90 %7.0f  p99 %7.0f  p99.9 %8.0f  max %9.0f ns\n", name,
              static_cast<unsigned long long>(h.count), static_cast<double>(h.Percentile(0.5)),
              static_cast<double>(h.Percentile(0.9)), static_cast<double>(h.Percentile(0.99)),
              static_cast<double>(h.Percentile(0.999)), static_cast<double>(h.max));
}

std::string JsonHist(const runtime::LatencyHistogram::Snapshot& h) {
  char b[200];
  std::snprintf(b, sizeof b, "{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu}",
                static_cast<unsigned long long>(h.count), static_cast<unsigned long long>(h.Percentile(0.5)),
                static_cast<unsigned long long>(h.Percentile(0.9)), static_cast<unsigned long long>(h.Percentile(0.99)),
                static_cast<unsigned long long>(h.Percentile(0.999)), static_cast<unsigned long long>(h.max));
  return b;
}

// Everything one venue thread owns for the two venues, plus the core and the rings.
struct Pipeline {
  config::Config cfg;
  runtime::Logger logger{"/dev/null", false};
  runtime::KillSwitch kill;
  struct Venue {
    std::unique_ptr<VenueRing> ring;
    std::unique_ptr<runtime::VenueCounters> counters;
    std::unique_ptr<venues::VenuePublisher> pub;
    std::unique_ptr<venues::SymbolTable> symbols;
    std::unique_ptr<binance::Feed> feed;
    binance::OrderEncoder encoder;
  };
  std::vector<Venue> v{2};
  std::vector<std::unique_ptr<IntentRing>> intent_rings;
  std::vector<IntentRing::Consumer> intents;
  std::unique_ptr<journal::EntryRing> jring;
  std::unique_ptr<journal::JournalWriter> journal;
  std::unique_ptr<engine::DecisionCore> core;
  engine::TelemetrySlot slot;
  engine::CoreMetrics metrics;

  bool Build(bool with_journal, const std::string& journal_path) {
    auto c = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
    if (!c.ok()) return false;
    cfg = *c;
    engine::DecisionCore::Wiring w;
    jring = std::make_unique<journal::EntryRing>(kJournalRing);
    if (with_journal) {
      journal::WriterOptions o;
      o.path = journal_path;
      o.fsync = true;
      journal = std::make_unique<journal::JournalWriter>(o, jring->TakeConsumer());
      journal::AppendPoint at;  // a fresh directory: the first session's first segment
      at.dir = journal_path;
      if (!journal->Open(at).ok()) return false;
      w.journal = journal::JournalSink(jring->TakeProducer());
    }
    w.telemetry = &slot;
    w.metrics = &metrics;
    for (int i = 0; i < 2; ++i) {
      Venue& p = v[static_cast<size_t>(i)];
      p.ring = std::make_unique<VenueRing>(4096);
      p.counters = std::make_unique<runtime::VenueCounters>();
      p.pub = std::make_unique<venues::VenuePublisher>(p.ring->TakeProducer(), nullptr, p.counters.get());
      p.symbols = std::make_unique<venues::SymbolTable>(cfg, cfg.venues[static_cast<size_t>(i)]);
      venues::VenueContext ctx;
      ctx.id = VenueId{static_cast<uint8_t>(i)};
      ctx.venue = &cfg.venues[static_cast<size_t>(i)];
      ctx.config = &cfg;
      ctx.publisher = p.pub.get();
      ctx.counters = p.counters.get();
      ctx.kill = &kill;
      ctx.log = logger.MakeChannel("v");
      p.feed = std::make_unique<binance::Feed>(ctx, p.symbols.get(), nullptr);
      p.encoder.Reset(p.symbols.get(), "bench-key", "bench-secret-0123456789abcdef0123456789abcdef");
      w.from_venues.push_back(p.ring->TakeConsumer());
      intent_rings.push_back(std::make_unique<IntentRing>(256));
      w.to_venues.push_back(intent_rings.back()->TakeProducer());
      intents.push_back(intent_rings.back()->TakeConsumer());
      VenueStatus st;
      st.venue = ctx.id;
      st.usable = true;
      st.orders_connected = true;
      p.pub->PublishStatus(st, Nanos{});
      for (const auto& a : cfg.assets) {
        BalanceUpdate b;
        b.venue = ctx.id;
        b.asset = a.id;
        b.free = Amount::FromUnits(100'000'000);
        b.final_of_snapshot = static_cast<size_t>(a.id.value) + 1 == cfg.assets.size();
        p.pub->PublishBalance(b, Nanos{});
      }
    }
    auto params = app::CoreParamsFromConfig(cfg, 1);
    params.cooldown = Nanos{0};
    core = std::make_unique<engine::DecisionCore>(params, std::move(w));
    return true;
  }
};

}  // namespace
}  // namespace hs

int main(int argc, char** argv) {
  using namespace hs;
  Options o;
  static option longopts[] = {{"frames", required_argument, nullptr, 'f'},
                              {"interval-ns", required_argument, nullptr, 'i'},
                              {"cpu-venue", required_argument, nullptr, 'v'},
                              {"cpu-core", required_argument, nullptr, 'c'},
                              {"no-journal", no_argument, nullptr, 'n'},
                              {"json", required_argument, nullptr, 'j'},
                              {"journal-ring", required_argument, nullptr, 'r'},
                              {"help", no_argument, nullptr, 'h'},
                              {nullptr, 0, nullptr, 0}};
  for (int ch; (ch = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
    switch (ch) {
      case 'f': o.frames = std::atoi(optarg); break;
      case 'i': o.interval_ns = std::atoll(optarg); break;
      case 'v': o.cpu_venue = std::atoi(optarg); break;
      case 'c': o.cpu_core = std::atoi(optarg); break;
      case 'n': o.journal = false; break;
      case 'j': o.json_out = optarg; break;
      case 'r': kJournalRing = std::atoi(optarg); break;
      default:
        std::printf("usage: homeostat-bench-e2e [--frames N] [--interval-ns NS] [--cpu-venue C] [--cpu-core C] "
                    "[--no-journal] [--json FILE]\n");
        return ch == 'h' ? 0 : 2;
    }
  }
  if (o.frames < 100 || o.interval_ns < 0) {
    std::fprintf(stderr, "homeostat-bench-e2e: --frames must be >= 100 and --interval-ns >= 0\n");
    return 2;
  }
  if (runtime::HardwareCores() < 2) {
    o.cpu_venue = -1;
    o.cpu_core = -1;
  }
  TscClock::Calibrate();

  // Frames prepared up front.
  std::mt19937_64 rng(7);
  std::vector<std::string> frames;
  std::vector<int> venue_of;
  int64_t mid = 3'000'000;
  for (int i = 0; i < o.frames; ++i) {
    mid += static_cast<int64_t>(rng() % 21) - 10;
    const int venue = i % 2;
    const int64_t shift = (venue == 1 && i % 25 == 1) ? 20'000 : 0;
    frames.push_back(Ticker(1'000'000 + static_cast<uint64_t>(i), mid - 5 + shift, mid + 5 + shift));
    venue_of.push_back(venue);
  }
  const size_t warm = frames.size() / 10;

  runtime::LatencyHistogram t2o_all, t2o_first, floor_rt, inline_t2o;

  // ---- 1. Floor: venue → core → venue through the same kind of rings, same CPUs.
  {
    VenueRing to_core(4096);
    IntentRing to_venue(256);
    auto tp = to_core.TakeProducer();
    auto tc = to_core.TakeConsumer();
    auto ip = to_venue.TakeProducer();
    auto ic = to_venue.TakeConsumer();
    std::atomic<bool> stop{false};
    std::thread echo([&] {
      runtime::PinCurrentThread(o.cpu_core);
      VenueMsg m;
      OrderIntent in;
      while (!stop.load(std::memory_order_relaxed)) {
        if (tc.TryPop(m)) {
          in.origin_stamp = m.top.recv_stamp;
          while (!ip.TryPush(in)) {
          }
        }
      }
    });
    runtime::PinCurrentThread(o.cpu_venue);
    VenueMsg m;
    for (int i = 0; i < o.frames / 5; ++i) {
      const uint64_t t0 = TscNow().ticks;
      m.top.recv_stamp = TscStamp{t0};
      while (!tp.TryPush(m)) {
      }
      OrderIntent in;
      while (!ic.TryPop(in)) {
      }
      if (i > 1000) floor_rt.Record(TscClock::Elapsed(in.origin_stamp, TscNow()));
      while (TscNow().ticks - t0 < static_cast<uint64_t>(static_cast<double>(o.interval_ns) * TscClock::ticks_per_ns())) {
      }
    }
    stop = true;
    echo.join();
  }

  // ---- 2. Inline: the same work on one thread, no hops.
  {
    Pipeline p;
    if (!p.Build(false, "")) return 1;
    char buf[2048];
    for (size_t i = 0; i < frames.size(); ++i) {
      auto& v = p.v[static_cast<size_t>(venue_of[i])];
      v.feed->OnFrame(frames[i].data(), frames[i].size() - 64, TscNow(), Nanos{static_cast<int64_t>(i) * 1000});
      v.pub->Flush();
      p.core->DoWork();
      for (int k = 0; k < 2; ++k) {
        OrderIntent in;
        while (p.intents[static_cast<size_t>(k)].TryPop(in)) {
          const size_t n = p.v[static_cast<size_t>(k)].encoder.Encode(in, 1'700'000'000'000, buf, sizeof buf);
          if (n > 0 && i > warm) inline_t2o.Record(TscClock::Elapsed(in.origin_stamp, TscNow()));
          ExecReport ex;
          ex.client_id = in.client_id;
          ex.venue = in.venue;
          ex.kind = ExecKind::kCanceled;
          ex.final = true;
          p.v[static_cast<size_t>(k)].pub->PublishExec(ex, Nanos{});
        }
      }
    }
  }

  // ---- 3. The pipeline: venue thread and core thread, busy-spinning on their own CPUs.
  char journal_path[] = "/tmp/hs-bench-journal-XXXXXX";  // a journal is a directory of segments
  if (mkdtemp(journal_path) == nullptr) {
    std::fprintf(stderr, "homeostat-bench-e2e: cannot create %s\n", journal_path);
    return 1;
  }
  Pipeline p;
  if (!p.Build(o.journal, journal_path)) {
    std::fprintf(stderr, "homeostat-bench-e2e: setup failed\n");
    return 1;
  }
  runtime::AgentRunner core_runner, journal_runner;
  runtime::IdleStrategy::Params spin;
  spin.kind = runtime::IdleKind::kBusySpin;
  runtime::IdleStrategy::Params backoff;
  if (o.journal) journal_runner.Start(p.journal.get(), runtime::ThreadSpec{"bench-journal", -1, backoff});
  core_runner.Start(p.core.get(), runtime::ThreadSpec{"bench-core", o.cpu_core, spin});
  runtime::PinCurrentThread(o.cpu_venue);
  char buf[2048];
  const uint64_t pace = static_cast<uint64_t>(static_cast<double>(o.interval_ns) * TscClock::ticks_per_ns());
  uint64_t next = TscNow().ticks;
  size_t i = 0;
  uint64_t legs = 0;
  while (i < frames.size() || legs < 2 * ((frames.size() + 23) / 25)) {
    const uint64_t now = TscNow().ticks;
    if (i < frames.size() && now >= next) {
      auto& v = p.v[static_cast<size_t>(venue_of[i])];
      v.feed->OnFrame(frames[i].data(), frames[i].size() - 64, TscStamp{now}, Nanos{static_cast<int64_t>(i) * 1000});
      v.pub->Flush();
      ++i;
      next += pace;
    }
    bool first = true;
    for (int k = 0; k < 2; ++k) {
      OrderIntent in;
      while (p.intents[static_cast<size_t>(k)].TryPop(in)) {
        const size_t n = p.v[static_cast<size_t>(k)].encoder.Encode(in, 1'700'000'000'000, buf, sizeof buf);
        const int64_t lat = TscClock::Elapsed(in.origin_stamp, TscNow());
        ++legs;
        if (n > 0 && i > warm) {
          t2o_all.Record(lat);
          if (first) t2o_first.Record(lat);
        }
        first = false;
        ExecReport ex;
        ex.client_id = in.client_id;
        ex.venue = in.venue;
        ex.kind = ExecKind::kCanceled;
        ex.final = true;
        p.v[static_cast<size_t>(k)].pub->PublishExec(ex, Nanos{});
      }
    }
    for (auto& v : p.v) v.pub->Flush();
    if (i >= frames.size() && TscNow().ticks - next > pace * 100000) break;  // nothing more will come
  }
  core_runner.RequestStop();
  core_runner.Join();
  if (o.journal) {
    journal_runner.RequestStop();
    journal_runner.Join();
  }
  p.journal.reset();  // closes the segment before its file goes
  for (uint64_t n = 1;; ++n) {
    if (unlink((std::string(journal_path) + "/" + journal::SegmentFileName(n)).c_str()) != 0) break;
  }
  rmdir(journal_path);

  runtime::LatencyHistogram::Snapshot s_all, s_first, s_floor, s_inline, s_decision;
  t2o_all.SnapshotInto(&s_all);
  t2o_first.SnapshotInto(&s_first);
  floor_rt.SnapshotInto(&s_floor);
  inline_t2o.SnapshotInto(&s_inline);
  p.metrics.decision_ns.SnapshotInto(&s_decision);
  std::printf("homeostat-bench-e2e: %d frames, one every %lld ns, venue thread cpu %d, core cpu %d, journal %s\n",
              o.frames, static_cast<long long>(o.interval_ns), o.cpu_venue, o.cpu_core, o.journal ? "on" : "off");
  Print("tick-to-order, first leg", s_first);
  Print("tick-to-order, all legs", s_all);
  Print("receive→decision (core)", s_decision);
  Print("baseline: 2-hop floor", s_floor);
  Print("baseline: inline 1 thread", s_inline);
  if (s_floor.Percentile(0.5) > 0)
    std::printf("  ratio first-leg p50 / floor p50 = %.2f; first-leg p50 / inline p50 = %.2f\n",
                static_cast<double>(s_first.Percentile(0.5)) / static_cast<double>(s_floor.Percentile(0.5)),
                static_cast<double>(s_first.Percentile(0.5)) / static_cast<double>(std::max<uint64_t>(1, s_inline.Percentile(0.5))));
  if (!o.json_out.empty()) {
    if (FILE* f = std::fopen(o.json_out.c_str(), "w")) {
      std::fprintf(f, "{\"frames\":%d,\"interval_ns\":%lld,\"journal\":%s,\"t2o_first\":%s,\"t2o_all\":%s,\"decision\":%s,"
                   "\"floor\":%s,\"inline\":%s}\n", o.frames, static_cast<long long>(o.interval_ns), o.journal ? "true" : "false",
                   JsonHist(s_first).c_str(), JsonHist(s_all).c_str(), JsonHist(s_decision).c_str(),
                   JsonHist(s_floor).c_str(), JsonHist(s_inline).c_str());
      std::fclose(f);
    }
  }
  return 0;
}
