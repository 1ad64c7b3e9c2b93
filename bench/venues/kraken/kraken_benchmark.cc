// Kraken WebSocket v2 `book` messages: parse, and parse + apply (with the CRC32 checksum over
// the top 10 levels per side), per message kind (snapshot, update), ours (simdjson On-Demand,
// number text straight to fixed point) side by side with nlohmann::json and
// RapidJSON parsing the same bytes into the same fixed-point values, in the same run. Kraken
// sends prices and sizes as JSON numbers whose text is the value, so the baselines read the
// number text too (nlohmann through its SAX interface, which hands over the text of every
// non-integer number; RapidJSON with kParseNumbersAsStringsFlag): no floating point anywhere.
// The apply step is the same Book for all three. Report: ns/message; compare ratios.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/decimal.h"
#include "venues/kraken/kraken_book.h"
#include "venues/kraken/kraken_parse.h"
#include "tests/support/paths.h"

namespace hs::kraken {
namespace {

constexpr int kPp = 1;  // BTC/USD: price precision 1, qty precision 8 (the docs' book)
constexpr int kQp = 8;

std::string ReadSample(const std::string& rel) {
  std::ifstream f(std::string(HS_VENUE_SAMPLES_DIR) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Whitespace outside strings removed, number text untouched.
std::string OneLine(const std::string& text) {
  std::string o;
  bool in_str = false;
  for (char c : text) {
    if (c == '"') in_str = !in_str;
    if (!in_str && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) continue;
    o += c;
  }
  return o;
}

std::string Num(int64_t units, int decimals) {
  char b[64];
  int64_t p = 1;
  for (int i = 0; i < decimals; ++i) p *= 10;
  std::snprintf(b, sizeof b, "%lld.%0*lld", static_cast<long long>(units / p), decimals,
                static_cast<long long>(units % p));
  return b;
}

struct Lv {
  int64_t px;   // units of 0.1
  int64_t qty;  // units of 1e-8
};

std::string Levels(const std::vector<Lv>& ls) {
  std::string s = "[";
  for (size_t i = 0; i < ls.size(); ++i)
    s += std::string(i ? "," : "") + "{\"price\":" + Num(ls[i].px, kPp) + ",\"qty\":" + Num(ls[i].qty, kQp) + "}";
  return s + "]";
}

std::string BookMessage(const char* type, const std::vector<Lv>& b, const std::vector<Lv>& a, uint32_t checksum) {
  return std::string("{\"channel\":\"book\",\"type\":\"") + type +
         "\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":" + Levels(b) + ",\"asks\":" + Levels(a) +
         ",\"checksum\":" + std::to_string(checksum) + ",\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}";
}

void SetAll(book::OrderBook* ob, const std::vector<Lv>& b, const std::vector<Lv>& a, int depth) {
  for (const Lv& l : b) ob->bids().Set(Price::FromRaw(l.px * 100'000'000), Qty::FromRaw(l.qty));
  for (const Lv& l : a) ob->asks().Set(Price::FromRaw(l.px * 100'000'000), Qty::FromRaw(l.qty));
  ob->Truncate(depth);
}

uint32_t ChecksumOf(const book::OrderBook& ob) {
  uint32_t c = 0;
  ComputeChecksum(ob, kPp, kQp, &c);
  return c;
}

struct Stream {
  std::string snapshot;
  std::string updates[2];
};

// A synced 25-level book and two updates of `per_side` levels per side near the touch that move
// it back and forth between two states, every message with its correct checksum. 10 per side is
// a busy update; 1 per side is what Kraken mostly sends.
Stream MakeStream(int per_side) {
  Stream st;
  std::vector<Lv> b, a;
  for (int i = 0; i < 25; ++i) {
    b.push_back({452830 - i, 150'000'000 + i});
    a.push_back({452840 + i, 150'000'000 + i});
  }
  book::OrderBook ob(1000);
  SetAll(&ob, b, a, 25);
  st.snapshot = BookMessage("snapshot", b, a, ChecksumOf(ob));
  for (int phase = 0; phase < 2; ++phase) {
    std::vector<Lv> ub, ua;
    for (int i = 0; i < per_side; ++i) {
      const int64_t q = phase == 0 ? 225'000'000 : (i % 3 == 2 ? 0 : 150'000'000 + i);
      ub.push_back({452830 - i, q});
      ua.push_back({452840 + i, q});
    }
    SetAll(&ob, ub, ua, 25);
    st.updates[phase] = BookMessage("update", ub, ua, ChecksumOf(ob));
  }
  return st;
}

const Stream& UpdateStream(int per_side = 10) {
  static const Stream s10 = MakeStream(10);
  static const Stream s1 = MakeStream(1);
  return per_side == 1 ? s1 : s10;
}

const std::string& Snapshot10() {
  static const std::string s = OneLine(ReadSample("kraken/book_snapshot.json"));
  return s;
}

const std::string& Snapshot100() {
  static const std::string s = [] {
    std::vector<Lv> b, a;
    for (int i = 0; i < 100; ++i) {
      b.push_back({452830 - i, 12'345'678 + i});
      a.push_back({452840 + i, 87'654'321 + i});
    }
    book::OrderBook ob(1000);
    SetAll(&ob, b, a, 100);
    return BookMessage("snapshot", b, a, ChecksumOf(ob));
  }();
  return s;
}

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

// ---------------------------------------------------------------------------------------------
// Baselines: the same bytes into the same BookEntry (fixed point, checksum, symbol).

struct Decoded {
  BookEntry entry;
  MessageKind kind = MessageKind::kBookUpdate;
  std::vector<BookLevel> bids, asks;
  std::string symbol;
  bool ok = true;
  void Reserve() {
    bids.reserve(1000);
    asks.reserve(1000);
    symbol.reserve(32);
  }
  void Finish() {
    entry.bids = bids.data();
    entry.bid_count = static_cast<int>(bids.size());
    entry.asks = asks.data();
    entry.ask_count = static_cast<int>(asks.size());
    entry.symbol = symbol;
  }
};

template <typename T>
bool FromText(std::string_view t, T* out) {
  int64_t raw = 0;
  if (ParseDecimalRaw(t, T::kDecimals, Sign::kNonNegative, &raw) != DecimalError::kOk) return false;
  *out = T::FromRaw(raw);
  return true;
}

// nlohmann::json's SAX interface: the only way through nlohmann that keeps a number's text.
class NlohmannSax {
 public:
  using json = nlohmann::json;
  explicit NlohmannSax(Decoded* d) : d_(d) {}
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t v) { return Integer(static_cast<uint64_t>(v), v < 0); }
  bool number_unsigned(json::number_unsigned_t v) { return Integer(v, false); }
  bool number_float(json::number_float_t, const json::string_t& s) {
    if (!in_level_) return true;
    BookLevel& lv = Level();
    if (key_ == "price") return FromText<Price>(s, &lv.px) || Fail();
    if (key_ == "qty") return FromText<Qty>(s, &lv.qty) || Fail();
    return true;
  }
  bool string(json::string_t& s) {
    if (depth_ == 1 && key_ == "type")
      d_->kind = s == "snapshot" ? MessageKind::kBookSnapshot : MessageKind::kBookUpdate;
    if (depth_ == 2 && key_ == "symbol") d_->symbol = s;
    return true;
  }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) {
    ++depth_;
    if (depth_ == 3) {  // {"price":..,"qty":..} inside data[i].bids / asks
      in_level_ = true;
      (side_bids_ ? d_->bids : d_->asks).emplace_back();
    }
    return true;
  }
  bool key(json::string_t& k) {
    key_ = k;
    if (depth_ == 2) side_bids_ = k == "bids";
    return true;
  }
  bool end_object() {
    if (depth_ == 3) in_level_ = false;
    --depth_;
    return true;
  }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return Fail(); }

 private:
  bool Integer(uint64_t v, bool negative) {
    if (negative) return Fail();
    if (depth_ == 2 && key_ == "checksum") d_->entry.checksum = static_cast<uint32_t>(v);
    if (!in_level_) return true;
    BookLevel& lv = Level();
    if (key_ == "price") lv.px = Price::FromRaw(static_cast<int64_t>(v) * Price::kScale);
    if (key_ == "qty") lv.qty = Qty::FromRaw(static_cast<int64_t>(v) * Qty::kScale);
    return true;
  }
  BookLevel& Level() { return (side_bids_ ? d_->bids : d_->asks).back(); }
  bool Fail() {
    d_->ok = false;
    return false;
  }
  Decoded* d_;
  std::string key_;
  int depth_ = 0;
  bool in_level_ = false;
  bool side_bids_ = true;
};

bool DecodeNlohmann(const std::string& s, Decoded* d) {
  d->bids.clear();
  d->asks.clear();
  d->ok = true;
  NlohmannSax sax(d);
  if (!nlohmann::json::sax_parse(s, &sax) || !d->ok) return false;
  d->Finish();
  return true;
}

bool DecodeRapidJson(const std::string& s, Decoded* d) {
  d->bids.clear();
  d->asks.clear();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(s.data(), s.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  d->kind = std::string_view(doc["type"].GetString(), doc["type"].GetStringLength()) == "snapshot"
                ? MessageKind::kBookSnapshot
                : MessageKind::kBookUpdate;
  const auto& e = doc["data"][0];
  d->symbol.assign(e["symbol"].GetString(), e["symbol"].GetStringLength());
  const auto& ck = e["checksum"];
  uint32_t c = 0;
  std::from_chars(ck.GetString(), ck.GetString() + ck.GetStringLength(), c);
  d->entry.checksum = c;
  for (int side = 0; side < 2; ++side) {
    std::vector<BookLevel>& out = side == 0 ? d->bids : d->asks;
    for (const auto& l : e[side == 0 ? "bids" : "asks"].GetArray()) {
      BookLevel lv;
      if (!FromText<Price>({l["price"].GetString(), l["price"].GetStringLength()}, &lv.px) ||
          !FromText<Qty>({l["qty"].GetString(), l["qty"].GetStringLength()}, &lv.qty))
        return false;
      out.push_back(lv);
    }
  }
  d->Finish();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parse only.

void ParseOurs(benchmark::State& st, const std::string& msg) {
  Parser p(1 << 20);
  const std::string buf = Padded(msg);
  kraken::Message m;
  for (auto _ : st) {
    benchmark::DoNotOptimize(p.Parse(buf.data(), msg.size(), &m));
    benchmark::DoNotOptimize(m.entries[0].bids[0]);
  }
  st.SetItemsProcessed(st.iterations());
}
void ParseNlohmann(benchmark::State& st, const std::string& msg) {
  Decoded d;
  d.Reserve();
  for (auto _ : st) benchmark::DoNotOptimize(DecodeNlohmann(msg, &d));
  if (d.entry.bid_count == 0) st.SkipWithError("nlohmann decode failed");
  st.SetItemsProcessed(st.iterations());
}
void ParseRapidJson(benchmark::State& st, const std::string& msg) {
  Decoded d;
  d.Reserve();
  for (auto _ : st) benchmark::DoNotOptimize(DecodeRapidJson(msg, &d));
  if (d.entry.bid_count == 0) st.SkipWithError("RapidJSON decode failed");
  st.SetItemsProcessed(st.iterations());
}

void BM_Kraken_Update20_Parse_Ours(benchmark::State& st) { ParseOurs(st, UpdateStream().updates[0]); }
void BM_Kraken_Update20_Parse_Nlohmann(benchmark::State& st) { ParseNlohmann(st, UpdateStream().updates[0]); }
void BM_Kraken_Update20_Parse_RapidJson(benchmark::State& st) { ParseRapidJson(st, UpdateStream().updates[0]); }
BENCHMARK(BM_Kraken_Update20_Parse_Ours);
BENCHMARK(BM_Kraken_Update20_Parse_Nlohmann);
BENCHMARK(BM_Kraken_Update20_Parse_RapidJson);

// The two-level update parsed alone: with the book's apply and checksum (the same cost on every
// side) left out, the parsers' own ratio.
void BM_Kraken_Update2_Parse_Ours(benchmark::State& st) { ParseOurs(st, UpdateStream(1).updates[0]); }
void BM_Kraken_Update2_Parse_Nlohmann(benchmark::State& st) { ParseNlohmann(st, UpdateStream(1).updates[0]); }
void BM_Kraken_Update2_Parse_RapidJson(benchmark::State& st) { ParseRapidJson(st, UpdateStream(1).updates[0]); }
BENCHMARK(BM_Kraken_Update2_Parse_Ours);
BENCHMARK(BM_Kraken_Update2_Parse_Nlohmann);
BENCHMARK(BM_Kraken_Update2_Parse_RapidJson);

void BM_Kraken_Snapshot10_Parse_Ours(benchmark::State& st) { ParseOurs(st, Snapshot10()); }
void BM_Kraken_Snapshot10_Parse_Nlohmann(benchmark::State& st) { ParseNlohmann(st, Snapshot10()); }
void BM_Kraken_Snapshot10_Parse_RapidJson(benchmark::State& st) { ParseRapidJson(st, Snapshot10()); }
BENCHMARK(BM_Kraken_Snapshot10_Parse_Ours);
BENCHMARK(BM_Kraken_Snapshot10_Parse_Nlohmann);
BENCHMARK(BM_Kraken_Snapshot10_Parse_RapidJson);

// ---------------------------------------------------------------------------------------------
// Parse + apply + checksum: the update alternates between two book states, so every apply does
// real updates, deletes, inserts, a truncation and a verified checksum.

enum class Impl { kOurs, kNlohmann, kRapidJson };

void UpdateParseApply(benchmark::State& st, Impl impl, int per_side) {
  const Stream& s = UpdateStream(per_side);
  Parser p(1 << 20);
  Book book(25, kPp, kQp);
  const std::string snap = Padded(s.snapshot);
  const std::string msgs[2] = {Padded(s.updates[0]), Padded(s.updates[1])};
  const size_t lens[2] = {s.updates[0].size(), s.updates[1].size()};
  kraken::Message m;
  if (p.Parse(snap.data(), s.snapshot.size(), &m) != ParseStatus::kOk ||
      book.OnSnapshot(m.entries[0]) != venues::BookEvent::kSnapshot) {
    st.SkipWithError("snapshot did not validate");
    return;
  }
  Decoded d;
  d.Reserve();
  size_t k = 0;
  uint64_t failures = 0;
  for (auto _ : st) {
    const int ph = static_cast<int>(k++ & 1);
    venues::BookEvent e;
    switch (impl) {
      case Impl::kOurs:
        p.Parse(msgs[ph].data(), lens[ph], &m);
        e = book.OnUpdate(m.entries[0]);
        break;
      case Impl::kNlohmann:
        DecodeNlohmann(s.updates[ph], &d);
        e = book.OnUpdate(d.entry);
        break;
      case Impl::kRapidJson:
        DecodeRapidJson(s.updates[ph], &d);
        e = book.OnUpdate(d.entry);
        break;
    }
    failures += e != venues::BookEvent::kApplied;
    benchmark::DoNotOptimize(e);
  }
  if (failures != 0) st.SkipWithError(("updates did not validate: " + book.detail()).c_str());
  st.SetItemsProcessed(st.iterations());
}

void BM_Kraken_Update20_ParseApply_Ours(benchmark::State& st) { UpdateParseApply(st, Impl::kOurs, 10); }
void BM_Kraken_Update20_ParseApply_Nlohmann(benchmark::State& st) { UpdateParseApply(st, Impl::kNlohmann, 10); }
void BM_Kraken_Update20_ParseApply_RapidJson(benchmark::State& st) { UpdateParseApply(st, Impl::kRapidJson, 10); }
void BM_Kraken_Update2_ParseApply_Ours(benchmark::State& st) { UpdateParseApply(st, Impl::kOurs, 1); }
void BM_Kraken_Update2_ParseApply_Nlohmann(benchmark::State& st) { UpdateParseApply(st, Impl::kNlohmann, 1); }
void BM_Kraken_Update2_ParseApply_RapidJson(benchmark::State& st) { UpdateParseApply(st, Impl::kRapidJson, 1); }
BENCHMARK(BM_Kraken_Update20_ParseApply_Ours);
BENCHMARK(BM_Kraken_Update20_ParseApply_Nlohmann);
BENCHMARK(BM_Kraken_Update20_ParseApply_RapidJson);
BENCHMARK(BM_Kraken_Update2_ParseApply_Ours);
BENCHMARK(BM_Kraken_Update2_ParseApply_Nlohmann);
BENCHMARK(BM_Kraken_Update2_ParseApply_RapidJson);

// A snapshot replaces the book and verifies its checksum (what every resync costs).
void SnapshotParseApply(benchmark::State& st, const std::string& msg, int depth, Impl impl) {
  Parser p(1 << 20);
  Book book(depth, kPp, kQp);
  const std::string buf = Padded(msg);
  kraken::Message m;
  Decoded d;
  d.Reserve();
  uint64_t failures = 0;
  for (auto _ : st) {
    venues::BookEvent e;
    if (impl == Impl::kOurs) {
      p.Parse(buf.data(), msg.size(), &m);
      e = book.OnSnapshot(m.entries[0]);
    } else if (impl == Impl::kNlohmann) {
      DecodeNlohmann(msg, &d);
      e = book.OnSnapshot(d.entry);
    } else {
      DecodeRapidJson(msg, &d);
      e = book.OnSnapshot(d.entry);
    }
    failures += e != venues::BookEvent::kSnapshot;
    benchmark::DoNotOptimize(e);
  }
  if (failures != 0) st.SkipWithError(("snapshot did not validate: " + book.detail()).c_str());
  st.SetItemsProcessed(st.iterations());
}

void BM_Kraken_Snapshot10_ParseApply_Ours(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot10(), 10, Impl::kOurs);
}
void BM_Kraken_Snapshot10_ParseApply_Nlohmann(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot10(), 10, Impl::kNlohmann);
}
void BM_Kraken_Snapshot10_ParseApply_RapidJson(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot10(), 10, Impl::kRapidJson);
}
void BM_Kraken_Snapshot100_ParseApply_Ours(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot100(), 100, Impl::kOurs);
}
void BM_Kraken_Snapshot100_ParseApply_Nlohmann(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot100(), 100, Impl::kNlohmann);
}
void BM_Kraken_Snapshot100_ParseApply_RapidJson(benchmark::State& st) {
  SnapshotParseApply(st, Snapshot100(), 100, Impl::kRapidJson);
}
BENCHMARK(BM_Kraken_Snapshot10_ParseApply_Ours);
BENCHMARK(BM_Kraken_Snapshot10_ParseApply_Nlohmann);
BENCHMARK(BM_Kraken_Snapshot10_ParseApply_RapidJson);
BENCHMARK(BM_Kraken_Snapshot100_ParseApply_Ours);
BENCHMARK(BM_Kraken_Snapshot100_ParseApply_Nlohmann);
BENCHMARK(BM_Kraken_Snapshot100_ParseApply_RapidJson);

// The checksum from the values alone (the reference formatting: 20 levels written at the pair's
// precision, CRC32). The Book itself keeps each level's digits and only copies them.
void BM_Kraken_Checksum_Top10(benchmark::State& st) {
  book::OrderBook ob(100);
  for (int i = 0; i < 10; ++i) {
    ob.bids().Set(Price::FromRaw((452830 - i) * 100'000'000LL), Qty::FromRaw(154'582'015 + i));
    ob.asks().Set(Price::FromRaw((452840 + i) * 100'000'000LL), Qty::FromRaw(10'000'000 + i));
  }
  uint32_t c = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(ComputeChecksum(ob, kPp, kQp, &c));
    benchmark::DoNotOptimize(c);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Kraken_Checksum_Top10);

}  // namespace
}  // namespace hs::kraken

BENCHMARK_MAIN();
