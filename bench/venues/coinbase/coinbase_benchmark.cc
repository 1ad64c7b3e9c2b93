// Coinbase Advanced Trade parse + apply per message kind, ours (simdjson On-Demand for the
// envelope, a strict scanner for the events, straight to fixed point) side by side with
// nlohmann::json and RapidJSON parsing the same bytes into the same fixed-point values, in the
// same run. Every variant then applies through the same ConnectionBooks code, so the columns
// differ only in parsing. Report: ns/message; compare the ratios, not absolute numbers.
//
//   Update20    an l2_data update of 20 levels (10 bids, 10 offers) to a synced 1000-level book
//   Snapshot2k  an l2_data snapshot of 2000 levels, truncated to depth 1000 (a resync)
//   Heartbeat   a heartbeats envelope (the sequence check only)
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "venues/coinbase/coinbase_book.h"
#include "venues/coinbase/coinbase_parse.h"

namespace hs::coinbase {
namespace {

constexpr int kDepth = 1000;

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

std::string Level(bool bid, int64_t cents, const std::string& qty, const char* event_time) {
  char px[32];
  std::snprintf(px, sizeof px, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return std::string("{\"side\":\"") + (bid ? "bid" : "offer") + "\",\"event_time\":\"" + event_time +
         "\",\"price_level\":\"" + px + "\",\"new_quantity\":\"" + qty + "\"}";
}

std::string Envelope(uint64_t seq, const std::string& events) {
  return "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2023-02-09T20:32:50.714964855Z\",\"sequence_num\":" +
         std::to_string(seq) + ",\"events\":[" + events + "]}";
}

std::string SnapshotEvent(int per_side) {
  std::string s = "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":[";
  for (int i = 0; i < per_side; ++i) {
    s += (i ? "," : "") + Level(true, 2'999'999 - i, "0.15000000", "1970-01-01T00:00:00Z");
    s += "," + Level(false, 3'000'001 + i, "0.25000000", "1970-01-01T00:00:00Z");
  }
  return s + "]}";
}

// Moves the same 20 levels back and forth, so the book keeps its size and every apply does real
// updates, deletes and inserts.
std::string UpdateEvent(bool phase) {
  std::string s = "{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[";
  for (int i = 0; i < 10; ++i) {
    const std::string q = phase ? "2.25000000" : (i % 3 == 0 ? "0" : "1.50000000");
    s += (i ? "," : "") + Level(true, 2'999'999 - 2 * i, q, "2023-02-09T20:32:50.701223Z");
    s += "," + Level(false, 3'000'001 + 2 * i, q, "2023-02-09T20:32:50.701223Z");
  }
  return s + "]}";
}

const std::string& HeartbeatText() {
  static const std::string s =
      R"({"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:56.121961769Z","sequence_num":1,)"
      R"("events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3749}]})";
  return s;
}

// The baselines' output: the same Frame our parser fills, so ConnectionBooks applies it alike.
struct Decoded {
  std::vector<L2Event> events;
  std::vector<L2Level> levels;
  Frame frame;
  void Begin() {
    events.clear();
    levels.clear();
    frame = Frame{};
  }
  void Finish() {
    frame.events = events.data();
    frame.event_count = static_cast<int>(events.size());
    frame.levels = levels.data();
    frame.level_count = static_cast<int>(levels.size());
  }
};

bool DecodeNlohmann(const nlohmann::json& j, Decoded* d) {
  d->Begin();
  d->frame.channel = j["channel"].get_ref<const std::string&>();
  d->frame.kind = d->frame.channel == "l2_data" ? FrameKind::kL2Data : FrameKind::kHeartbeats;
  d->frame.sequence_num = j["sequence_num"].get<uint64_t>();
  d->frame.has_sequence = true;
  if (!ParseRfc3339(j["timestamp"].get_ref<const std::string&>(), &d->frame.timestamp)) return false;
  if (d->frame.kind != FrameKind::kL2Data) return true;
  for (const auto& ev : j["events"]) {
    L2Event e;
    e.type = ev["type"].get_ref<const std::string&>() == "snapshot" ? EventType::kSnapshot : EventType::kUpdate;
    e.product_id = ev["product_id"].get_ref<const std::string&>();
    e.first = static_cast<uint32_t>(d->levels.size());
    for (const auto& u : ev["updates"]) {
      L2Level lv;
      lv.bid = u["side"].get_ref<const std::string&>() == "bid";
      const auto px = ParseDecimal<Price>(u["price_level"].get_ref<const std::string&>());
      const auto q = ParseDecimal<Qty>(u["new_quantity"].get_ref<const std::string&>());
      if (!px.ok() || !q.ok()) return false;
      lv.px = px.value;
      lv.qty = q.value;
      d->levels.push_back(lv);
    }
    e.count = static_cast<uint32_t>(d->levels.size()) - e.first;
    d->events.push_back(e);
  }
  d->Finish();
  return true;
}

std::string_view Sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool DecodeRapid(const rapidjson::Document& j, Decoded* d) {
  d->Begin();
  d->frame.channel = Sv(j["channel"]);
  d->frame.kind = d->frame.channel == "l2_data" ? FrameKind::kL2Data : FrameKind::kHeartbeats;
  d->frame.sequence_num = j["sequence_num"].GetUint64();
  d->frame.has_sequence = true;
  if (!ParseRfc3339(Sv(j["timestamp"]), &d->frame.timestamp)) return false;
  if (d->frame.kind != FrameKind::kL2Data) return true;
  for (const auto& ev : j["events"].GetArray()) {
    L2Event e;
    e.type = Sv(ev["type"]) == "snapshot" ? EventType::kSnapshot : EventType::kUpdate;
    e.product_id = Sv(ev["product_id"]);
    e.first = static_cast<uint32_t>(d->levels.size());
    for (const auto& u : ev["updates"].GetArray()) {
      L2Level lv;
      lv.bid = Sv(u["side"]) == "bid";
      const auto px = ParseDecimal<Price>(Sv(u["price_level"]));
      const auto q = ParseDecimal<Qty>(Sv(u["new_quantity"]));
      if (!px.ok() || !q.ok()) return false;
      lv.px = px.value;
      lv.qty = q.value;
      d->levels.push_back(lv);
    }
    e.count = static_cast<uint32_t>(d->levels.size()) - e.first;
    d->events.push_back(e);
  }
  d->Finish();
  return true;
}

enum class Lib { kOurs, kNlohmann, kRapid };

// Parses `text` (padded; len bytes) with the chosen library and applies it to `books`.
class Pipeline {
 public:
  explicit Pipeline(Lib lib) : lib_(lib), parser_(4u << 20), books_({"BTC-USD"}, kDepth) {
    decoded_.events.reserve(16);
    decoded_.levels.reserve(4096);
  }
  venues::BookEvent Run(const std::string& padded, size_t len) {
    switch (lib_) {
      case Lib::kOurs: {
        Frame f;
        if (parser_.Parse(padded.data(), len, &f) != ParseStatus::kOk) return venues::BookEvent::kParseError;
        return books_.OnFrame(f, 0);
      }
      case Lib::kNlohmann: {
        const auto j = nlohmann::json::parse(padded.data(), padded.data() + len);
        if (!DecodeNlohmann(j, &decoded_)) return venues::BookEvent::kParseError;
        return books_.OnFrame(decoded_.frame, 0);
      }
      case Lib::kRapid: {
        rapidjson::Document d;
        d.Parse(padded.data(), len);
        if (d.HasParseError() || !DecodeRapid(d, &decoded_)) return venues::BookEvent::kParseError;
        return books_.OnFrame(decoded_.frame, 0);
      }
    }
    return venues::BookEvent::kParseError;
  }
  ConnectionBooks& books() { return books_; }

 private:
  Lib lib_;
  Parser parser_;
  ConnectionBooks books_;
  Decoded decoded_;
};

// ---- Update20: parse + apply to a synced 1000-level book ----

void Update20(benchmark::State& st, Lib lib) {
  Pipeline pipe(lib);
  const std::string snap_text = Envelope(0, SnapshotEvent(500));
  const std::string snap = Padded(snap_text);
  // Sequence numbers must chain: a long run of alternating updates, replayed from a new
  // snapshot (outside the timing) when it runs out.
  std::vector<std::string> msgs;
  std::vector<size_t> lens;
  for (uint64_t seq = 1; seq <= 4096; ++seq) {
    const std::string t = Envelope(seq, UpdateEvent(seq % 2 == 0));
    lens.push_back(t.size());
    msgs.push_back(Padded(t));
  }
  auto restart = [&] {
    pipe.books().Reset();
    if (pipe.Run(snap, snap_text.size()) != venues::BookEvent::kSnapshot) st.SkipWithError("snapshot refused");
  };
  restart();
  size_t k = 0;
  for (auto _ : st) {
    if (k == msgs.size()) {
      st.PauseTiming();
      restart();
      k = 0;
      st.ResumeTiming();
    }
    const venues::BookEvent e = pipe.Run(msgs[k], lens[k]);
    if (e != venues::BookEvent::kApplied) {
      st.SkipWithError("update not applied");
      break;
    }
    ++k;
  }
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * lens[0]));
}
BENCHMARK_CAPTURE(Update20, Ours, Lib::kOurs);
BENCHMARK_CAPTURE(Update20, Nlohmann, Lib::kNlohmann);
BENCHMARK_CAPTURE(Update20, RapidJson, Lib::kRapid);

// ---- Update20, parse only (ours): what the scanner costs without the book ----
void Update20_ParseOnly_Ours(benchmark::State& st) {
  Parser p(1 << 20);
  const std::string text = Envelope(1, UpdateEvent(true));
  const std::string buf = Padded(text);
  Frame f;
  for (auto _ : st) {
    auto r = p.Parse(buf.data(), text.size(), &f);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f.levels[19]);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(Update20_ParseOnly_Ours);

// ---- Snapshot2k: 2000 levels → depth 1000 (the resync path) ----

void Snapshot2k(benchmark::State& st, Lib lib) {
  Pipeline pipe(lib);
  const std::string text = Envelope(0, SnapshotEvent(1000));
  const std::string buf = Padded(text);
  for (auto _ : st) {
    pipe.books().Reset();  // a new chain each time: the snapshot is its first envelope
    const venues::BookEvent e = pipe.Run(buf, text.size());
    if (e != venues::BookEvent::kSnapshot) {
      st.SkipWithError("snapshot refused");
      break;
    }
  }
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK_CAPTURE(Snapshot2k, Ours, Lib::kOurs);
BENCHMARK_CAPTURE(Snapshot2k, Nlohmann, Lib::kNlohmann);
BENCHMARK_CAPTURE(Snapshot2k, RapidJson, Lib::kRapid);

// ---- Heartbeat: envelope only ----

void Heartbeat(benchmark::State& st, Lib lib) {
  Pipeline pipe(lib);
  const std::string& text = HeartbeatText();
  const std::string buf = Padded(text);
  for (auto _ : st) {
    pipe.books().Reset();
    benchmark::DoNotOptimize(pipe.Run(buf, text.size()));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK_CAPTURE(Heartbeat, Ours, Lib::kOurs);
BENCHMARK_CAPTURE(Heartbeat, Nlohmann, Lib::kNlohmann);
BENCHMARK_CAPTURE(Heartbeat, RapidJson, Lib::kRapid);

}  // namespace
}  // namespace hs::coinbase

BENCHMARK_MAIN();
