// Parse cost per venue message kind, ours (simdjson On-Demand straight to fixed point) side by
// side with nlohmann::json and RapidJSON parsing the same bytes into the same fixed-point
// values, in the same run. Report: ns/message; compare the ratios, not absolute numbers.
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "core/config/config.h"
#include "venues/binance/binance_orders.h"
#include "venues/binance/binance_book.h"
#include "venues/binance/binance_parse.h"
#include "tests/support/paths.h"

namespace hs {
namespace {

std::string ReadSample(const std::string& rel) {
  std::ifstream f(std::string(HS_VENUE_SAMPLES_DIR) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Minify(const std::string& s) { return nlohmann::json::parse(s).dump(); }

const std::string& BookTicker() {
  static const std::string s = Minify(ReadSample("binance/bookTicker.json"));
  return s;
}

// A 20-level Binance depth update (10 per side), as the venue sends under load.
const std::string& Depth20() {
  static const std::string s = [] {
    std::string b = "[", a = "[";
    for (int i = 0; i < 10; ++i) {
      char lv[96];
      std::snprintf(lv, sizeof lv, "%s[\"30000.%02d000000\",\"%d.%05d000\"]", i ? "," : "", 99 - i, i + 1, 1234 * (i + 1) % 100000);
      b += lv;
      std::snprintf(lv, sizeof lv, "%s[\"30001.%02d000000\",\"%d.%05d000\"]", i ? "," : "", i, i + 2, 4321 * (i + 1) % 100000);
      a += lv;
    }
    return "{\"e\":\"depthUpdate\",\"E\":1672515782136,\"s\":\"BTCUSDT\",\"U\":157,\"u\":176,\"b\":" + b + "],\"a\":" + a + "]}";
  }();
  return s;
}

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

// ---- Binance bookTicker ----

void BM_Binance_BookTicker_Ours(benchmark::State& st) {
  binance::Parser p(1 << 16);
  const std::string buf = Padded(BookTicker());
  const size_t len = BookTicker().size();
  binance::MarketFrame f;
  for (auto _ : st) {
    auto r = p.ParseMarket(buf.data(), len, &f);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f.bid_px);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_BookTicker_Ours);

struct Ticker {
  uint64_t u;
  Price b, a;
  Qty bq, aq;
};

void BM_Binance_BookTicker_Nlohmann(benchmark::State& st) {
  const std::string& s = BookTicker();
  Ticker t{};
  for (auto _ : st) {
    auto j = nlohmann::json::parse(s);
    t.u = j["u"].get<uint64_t>();
    t.b = ParseDecimal<Price>(j["b"].get_ref<const std::string&>()).value;
    t.bq = ParseDecimal<Qty>(j["B"].get_ref<const std::string&>()).value;
    t.a = ParseDecimal<Price>(j["a"].get_ref<const std::string&>()).value;
    t.aq = ParseDecimal<Qty>(j["A"].get_ref<const std::string&>()).value;
    benchmark::DoNotOptimize(t);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_BookTicker_Nlohmann);

void BM_Binance_BookTicker_RapidJson(benchmark::State& st) {
  const std::string& s = BookTicker();
  Ticker t{};
  for (auto _ : st) {
    rapidjson::Document d;
    d.Parse(s.data(), s.size());
    t.u = d["u"].GetUint64();
    t.b = ParseDecimal<Price>({d["b"].GetString(), d["b"].GetStringLength()}).value;
    t.bq = ParseDecimal<Qty>({d["B"].GetString(), d["B"].GetStringLength()}).value;
    t.a = ParseDecimal<Price>({d["a"].GetString(), d["a"].GetStringLength()}).value;
    t.aq = ParseDecimal<Qty>({d["A"].GetString(), d["A"].GetStringLength()}).value;
    benchmark::DoNotOptimize(t);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_BookTicker_RapidJson);

// ---- Binance depthUpdate, 20 levels ----

void BM_Binance_Depth20_Ours(benchmark::State& st) {
  binance::Parser p(1 << 16);
  const std::string buf = Padded(Depth20());
  const size_t len = Depth20().size();
  binance::MarketFrame f;
  for (auto _ : st) {
    auto r = p.ParseMarket(buf.data(), len, &f);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f.bids[9]);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Depth20_Ours);

void BM_Binance_Depth20_Nlohmann(benchmark::State& st) {
  const std::string& s = Depth20();
  binance::DepthLevel lv[40];
  for (auto _ : st) {
    auto j = nlohmann::json::parse(s);
    int n = 0;
    for (const char* side : {"b", "a"})
      for (const auto& l : j[side]) {
        lv[n].px = ParseDecimal<Price>(l[0].get_ref<const std::string&>()).value;
        lv[n].qty = ParseDecimal<Qty>(l[1].get_ref<const std::string&>()).value;
        ++n;
      }
    benchmark::DoNotOptimize(lv);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Depth20_Nlohmann);

void BM_Binance_Depth20_RapidJson(benchmark::State& st) {
  const std::string& s = Depth20();
  binance::DepthLevel lv[40];
  for (auto _ : st) {
    rapidjson::Document d;
    d.Parse(s.data(), s.size());
    int n = 0;
    for (const char* side : {"b", "a"})
      for (const auto& l : d[side].GetArray()) {
        lv[n].px = ParseDecimal<Price>({l[0].GetString(), l[0].GetStringLength()}).value;
        lv[n].qty = ParseDecimal<Qty>({l[1].GetString(), l[1].GetStringLength()}).value;
        ++n;
      }
    benchmark::DoNotOptimize(lv);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Depth20_RapidJson);

// ---- Binance depthUpdate parse + apply to a synced 1000-level book, 20 levels per update ----

// Alternates two updates that move the same 20 levels back and forth, so the book stays the same
// size and every apply does real inserts, updates and deletes.
void BM_Binance_Depth20_ParseApply(benchmark::State& st) {
  binance::Parser p(1 << 20);
  binance::DepthBook book(1000);
  std::string snap = "{\"lastUpdateId\":100,\"bids\":[";
  for (int i = 0; i < 500; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(29000 + i) + ".00\",\"1.5\"]";
  snap += "],\"asks\":[";
  for (int i = 0; i < 500; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(30001 + i) + ".00\",\"1.5\"]";
  snap += "]}";
  const std::string sb = Padded(snap);
  binance::MarketFrame f;
  p.ParseMarket(sb.data(), snap.size(), &f);
  book.OnSnapshot(f, &p);
  auto update = [](uint64_t id, bool phase) {
    std::string b = "[", a = "[";
    for (int i = 0; i < 10; ++i) {
      const char* q = phase ? "2.25" : (i % 3 == 0 ? "0" : "1.5");
      b += (i ? "," : "") + std::string("[\"") + std::to_string(29490 + i) + ".00\",\"" + q + "\"]";
      a += (i ? "," : "") + std::string("[\"") + std::to_string(30001 + i) + ".00\",\"" + q + "\"]";
    }
    return "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":" + std::to_string(id) + ",\"u\":" + std::to_string(id) +
           ",\"b\":" + b + "],\"a\":" + a + "]}";
  };
  // Ids must chain, so prepare a long run of alternating updates.
  std::vector<std::string> msgs;
  for (uint64_t id = 101; id < 101 + 4096; ++id) msgs.push_back(Padded(update(id, id % 2 == 0)));
  size_t k = 0;
  for (auto _ : st) {
    if (k == msgs.size()) {
      st.PauseTiming();
      book.Reset();
      p.ParseMarket(sb.data(), snap.size(), &f);
      book.OnSnapshot(f, &p);
      k = 0;
      st.ResumeTiming();
    }
    const std::string& m = msgs[k++];
    p.ParseMarket(m.data(), m.size() - 64, &f);
    benchmark::DoNotOptimize(book.OnDiff(f, m.data(), m.size() - 64));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Depth20_ParseApply);

// A 100-level REST snapshot (what a resync costs on the venue thread).
void BM_Binance_Snapshot100_ParseApply(benchmark::State& st) {
  binance::Parser p(1 << 20);
  binance::DepthBook book(1000);
  std::string snap = "{\"lastUpdateId\":100,\"bids\":[";
  for (int i = 0; i < 50; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(29000 + i) + ".00\",\"1.50000000\"]";
  snap += "],\"asks\":[";
  for (int i = 0; i < 50; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(30001 + i) + ".00\",\"1.50000000\"]";
  snap += "]}";
  const std::string sb = Padded(snap);
  binance::MarketFrame f;
  for (auto _ : st) {
    book.Reset();
    p.ParseMarket(sb.data(), snap.size(), &f);
    benchmark::DoNotOptimize(book.OnSnapshot(f, &p));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Snapshot100_ParseApply);

void BM_Binance_Snapshot100_Nlohmann(benchmark::State& st) {
  std::string snap = "{\"lastUpdateId\":100,\"bids\":[";
  for (int i = 0; i < 50; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(29000 + i) + ".00\",\"1.50000000\"]";
  snap += "],\"asks\":[";
  for (int i = 0; i < 50; ++i) snap += (i ? "," : "") + std::string("[\"") + std::to_string(30001 + i) + ".00\",\"1.50000000\"]";
  snap += "]}";
  binance::DepthLevel lv[100];
  for (auto _ : st) {
    auto j = nlohmann::json::parse(snap);
    int n = 0;
    for (const char* side : {"bids", "asks"})
      for (const auto& l : j[side]) {
        lv[n].px = ParseDecimal<Price>(l[0].get_ref<const std::string&>()).value;
        lv[n].qty = ParseDecimal<Qty>(l[1].get_ref<const std::string&>()).value;
        ++n;
      }
    benchmark::DoNotOptimize(lv);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_Snapshot100_Nlohmann);

// ---- Binance order.place encode + HMAC-SHA256 sign (the last step before the socket) ----

void BM_Binance_EncodeSignOrder(benchmark::State& st) {
  auto cfg = config::ParseConfig(config::EmbeddedBenchConfig(), "bench");
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  binance::OrderEncoder enc(&symbols, "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  OrderIntent in;
  in.client_id = ClientOrderId{1'801'234'567'890'123};
  in.instrument = InstrumentId{0};
  in.side = Side::kBuy;
  in.limit_px = ParseDecimal<Price>("30000.01").value;
  in.qty = ParseDecimal<Qty>("0.05").value;
  char buf[2048];
  for (auto _ : st) {
    benchmark::DoNotOptimize(enc.Encode(in, 1'700'000'000'000, buf, sizeof buf));
    ++in.client_id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Binance_EncodeSignOrder);

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
