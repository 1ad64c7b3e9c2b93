// Backtest input throughput: EventReader over 10-level book lines (10 bids + 10 asks, prices and
// sizes as venues write them), the line shape a recorded top-10 feed turns into. Target: at
// least 1M events/s. Reported as items_per_second (= events/s) and bytes_per_second.
//   BM_EventReader_File: the real path, read(2) from a file in the page cache + parse.
//   BM_EventReader_Text/1/1: parse only (the text is already in the reader's buffer);
//   BM_EventReader_Text/1/0: the same with the compact-level quote masks switched off (ablation);
//   BM_EventReader_Text/0/0: the same with the in-place level read switched off as well.
//   BM_SimulatedMarket_OnBookAndTop: what the runner adds per book event (OnBook + Top).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/app/backtest_events.h"
#include "core/app/backtest_market.h"
#include "core/config/config.h"

namespace hs::backtest {
namespace {

constexpr int kLines = 100'000;

const config::Config& Demo() {
  static const config::Config c = [] {
    auto r = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    if (!r.ok()) std::abort();
    return *r;
  }();
  return c;
}

// kLines book lines, alternating two venues and two instruments, with a drifting mid.
const std::string& BookLines() {
  static const std::string s = [] {
    std::string out;
    out.reserve(static_cast<size_t>(kLines) * 700);
    const char* venues[] = {"binance", "okx"};
    const char* instruments[] = {"BTC/USDT", "ETH/USDT"};
    char lv[96];
    for (int n = 0; n < kLines; ++n) {
      const int mid = 3000000 + (n * 7919) % 20000;  // cents
      out += "{\"t\":" + std::to_string(1'700'000'000'000'000'000 + int64_t{n} * 1'000'000) +
             ",\"type\":\"book\",\"venue\":\"" + venues[n % 2] + "\",\"instrument\":\"" + instruments[(n / 2) % 2] +
             "\",\"bids\":[";
      for (int i = 0; i < 10; ++i) {
        const int px = mid - 1 - i;
        std::snprintf(lv, sizeof lv, "%s[\"%d.%02d\",\"%d.%05d\"]", i ? "," : "", px / 100, px % 100, i % 3,
                      (n * 31 + i * 977) % 100000);
        out += lv;
      }
      out += "],\"asks\":[";
      for (int i = 0; i < 10; ++i) {
        const int px = mid + 1 + i;
        std::snprintf(lv, sizeof lv, "%s[\"%d.%02d\",\"%d.%05d\"]", i ? "," : "", px / 100, px % 100, i % 4,
                      (n * 17 + i * 313) % 100000);
        out += lv;
      }
      out += "]}\n";
    }
    return out;
  }();
  return s;
}

// BookLines() in a temporary file, removed at exit.
struct BookFile {
  BookFile() {
    char tmpl[] = "/tmp/hs_backtest_bench_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << BookLines();
  }
  ~BookFile() { std::remove(path.c_str()); }
  std::string path;
};

void ReadAll(EventReader& r, Event* e, benchmark::State& st) {
  for (;;) {
    absl::StatusOr<bool> got = r.Next(e);
    if (!got.ok()) {
      st.SkipWithError(std::string(got.status().message()).c_str());
      return;
    }
    if (!*got) return;
    benchmark::DoNotOptimize(e->bids[0].px);
  }
}

void BM_EventReader_File(benchmark::State& st) {
  static const BookFile file;
  const std::string& path = file.path;
  Event e;
  for (auto _ : st) {
    absl::StatusOr<EventReader> r = EventReader::Open(path, Demo());
    if (!r.ok()) std::abort();
    ReadAll(*r, &e, st);
  }
  st.SetItemsProcessed(st.iterations() * kLines);
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(BookLines().size()));
}
BENCHMARK(BM_EventReader_File)->Unit(benchmark::kMillisecond);

// range(0): 1 = levels read in place (the default), 0 = ablated (On-Demand delimits each array).
// range(1): 1 = compact levels located by quote masks (the default), 0 = ablated (the byte scan).
void BM_EventReader_Text(benchmark::State& st) {
  Event e;
  for (auto _ : st) {
    st.PauseTiming();
    EventReader r = EventReader::FromText(BookLines(), Demo());
    r.set_in_place_levels(st.range(0) != 0);
    r.set_compact_levels(st.range(1) != 0);
    st.ResumeTiming();
    ReadAll(r, &e, st);
  }
  st.SetItemsProcessed(st.iterations() * kLines);
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(BookLines().size()));
}
BENCHMARK(BM_EventReader_Text)->Args({1, 1})->Args({1, 0})->Args({0, 0})->Unit(benchmark::kMillisecond);

void BM_SimulatedMarket_OnBookAndTop(benchmark::State& st) {
  EventReader r = EventReader::FromText(BookLines().substr(0, BookLines().find('\n') + 1), Demo());
  Event e;
  if (!r.Next(&e).ok()) std::abort();
  SimulatedMarket m;
  for (auto _ : st) {
    m.OnBook(e);
    BookTop top = m.Top(e.venue, e.instrument);
    benchmark::DoNotOptimize(top);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_SimulatedMarket_OnBookAndTop);

}  // namespace
}  // namespace hs::backtest

BENCHMARK_MAIN();
