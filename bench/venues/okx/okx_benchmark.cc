// OKX parse (+ apply) cost per message kind: ours (simdjson On-Demand straight to fixed point,
// L2Book with the CRC32 checksum verified) side by side with nlohmann::json and RapidJSON
// parsing the same bytes into the same fixed-point values (and, for parse+apply, feeding the
// same L2Book), in the same run. Report: ns/message; compare ratios, not absolute numbers.
//
// Kinds: `books` update (20 levels), `books` snapshot (400 levels per side), `bbo-tbt`,
// `books5`, an `orders` push (fill) through the tracker, and encoding an order.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <string>
#include <vector>

#include "core/base/crc32.h"
#include "core/base/decimal.h"
#include "core/book/order_book.h"
#include "core/config/config.h"
#include "venues/okx/okx_book.h"
#include "venues/okx/okx_orders.h"
#include "venues/okx/okx_parse.h"

namespace hs {
namespace {

std::string Padded(const std::string& s) { return s + std::string(64, '\0'); }

std::string PxText(int64_t cents) {
  char b[32];
  std::snprintf(b, sizeof b, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return b;
}

using TextLevels = std::vector<std::pair<std::string, std::string>>;

std::string LevelsJson(const TextLevels& ls) {
  std::string s = "[";
  for (size_t i = 0; i < ls.size(); ++i)
    s += (i ? "," : "") + std::string("[\"") + ls[i].first + "\",\"" + ls[i].second + "\",\"0\",\"2\"]";
  return s + "]";
}

std::string BookMsg(const char* channel, const char* action, int64_t prev, int64_t seq, const TextLevels& bids,
                    const TextLevels& asks, int32_t checksum) {
  std::string m = std::string("{\"arg\":{\"channel\":\"") + channel + "\",\"instId\":\"BTC-USDT\"},";
  if (action != nullptr) m += std::string("\"action\":\"") + action + "\",";
  m += "\"data\":[{\"asks\":" + LevelsJson(asks) + ",\"bids\":" + LevelsJson(bids) + ",\"ts\":\"1700000000123\"";
  if (action != nullptr) m += ",\"checksum\":" + std::to_string(checksum) + ",\"prevSeqId\":" + std::to_string(prev);
  return m + ",\"seqId\":" + std::to_string(seq) + "}]}";
}

// The checksum a book holding these levels (best first) has.
int32_t ChecksumOf(const TextLevels& bids, const TextLevels& asks) {
  book::OrderBook b(400, true);
  for (const auto& [p, q] : bids) b.bids().Set(ParseDecimal<Price>(p).value, ParseDecimal<Qty>(q).value, p, q);
  for (const auto& [p, q] : asks) b.asks().Set(ParseDecimal<Price>(p).value, ParseDecimal<Qty>(q).value, p, q);
  return okx::Checksum(b);
}

// A 400-level book (state A) and two 20-level updates (10 per side) that move it to state B and
// back, each with the checksum of the state it leads to. Every apply does real inserts, size
// changes and deletes near the touch, as the venue's updates do.
struct BooksFixture {
  TextLevels bids_a, asks_a;  // best first
  TextLevels up_bids[2], up_asks[2];
  int32_t checksum_a = 0, checksum_b = 0;
  std::string snapshot;       // state A, seq 100

  BooksFixture() {
    for (int i = 0; i < 400; ++i) {
      bids_a.emplace_back(PxText(3'000'000 - i), "1.5");
      asks_a.emplace_back(PxText(3'000'001 + i), "1.5");
    }
    checksum_a = ChecksumOf(bids_a, asks_a);
    TextLevels bids_b, asks_b;
    // Update 0 (A → B): levels 0..9 per side: change sizes, delete every third.
    for (int i = 0; i < 10; ++i) {
      const bool del = i % 3 == 0;
      up_bids[0].emplace_back(PxText(3'000'000 - i), del ? "0" : "2.25");
      up_asks[0].emplace_back(PxText(3'000'001 + i), del ? "0" : "2.25");
      up_bids[1].emplace_back(PxText(3'000'000 - i), "1.5");  // update 1 (B → A) restores them
      up_asks[1].emplace_back(PxText(3'000'001 + i), "1.5");
    }
    for (int i = 0; i < 400; ++i) {
      if (i < 10 && i % 3 == 0) continue;
      bids_b.emplace_back(PxText(3'000'000 - i), i < 10 ? "2.25" : "1.5");
      asks_b.emplace_back(PxText(3'000'001 + i), i < 10 ? "2.25" : "1.5");
    }
    checksum_b = ChecksumOf(bids_b, asks_b);
    snapshot = BookMsg("books", "snapshot", -1, 100, bids_a, asks_a, checksum_a);
  }
  // The k-th update after the snapshot (seq 100 + k + 1), alternating A → B → A.
  std::string Update(int k) const {
    const int phase = k % 2;
    return BookMsg("books", "update", 100 + k, 101 + k, up_bids[phase], up_asks[phase], phase == 0 ? checksum_b : checksum_a);
  }
};

const BooksFixture& Books() {
  static const BooksFixture f;
  return f;
}

// ---- the baselines: the same bytes into the same MarketFrame (fixed point + wire text) ----

struct BaselineFrame {
  okx::MarketFrame f;
  okx::BookLevel bids[512];
  okx::BookLevel asks[512];
};

template <typename T>
T Dec(std::string_view s) {
  return ParseDecimal<T>(s).value;
}

okx::Channel ChannelOf(std::string_view c) {
  if (c == "books") return okx::Channel::kBooks;
  if (c == "bbo-tbt") return okx::Channel::kBboTbt;
  if (c == "books5") return okx::Channel::kBooks5;
  return okx::Channel::kOther;
}

// nlohmann: the DOM owns its strings, so the frame's views point into the (kept) document.
void NlohmannToFrame(const nlohmann::json& j, BaselineFrame* out) {
  okx::MarketFrame& f = out->f;
  f = okx::MarketFrame{};
  f.channel = ChannelOf(j["arg"]["channel"].get_ref<const std::string&>());
  f.inst_id = j["arg"]["instId"].get_ref<const std::string&>();
  if (j.contains("action"))
    f.action = j["action"].get_ref<const std::string&>() == "snapshot" ? okx::Action::kSnapshot : okx::Action::kUpdate;
  const auto& d = j["data"][0];
  f.seq_id = d["seqId"].get<int64_t>();
  if (d.contains("prevSeqId")) {
    f.prev_seq_id = d["prevSeqId"].get<int64_t>();
    f.has_prev_seq = true;
  }
  if (d.contains("checksum")) {
    f.checksum = d["checksum"].get<int32_t>();
    f.has_checksum = true;
  }
  const std::string& ts = d["ts"].get_ref<const std::string&>();
  f.ts_ms = 0;
  for (char c : ts) f.ts_ms = f.ts_ms * 10 + (c - '0');
  int n = 0;
  for (const auto& l : d["bids"]) {
    const std::string& p = l[0].get_ref<const std::string&>();
    const std::string& q = l[1].get_ref<const std::string&>();
    out->bids[n++] = okx::BookLevel{Dec<Price>(p), Dec<Qty>(q), p, q};
  }
  f.bids = out->bids;
  f.bid_count = n;
  n = 0;
  for (const auto& l : d["asks"]) {
    const std::string& p = l[0].get_ref<const std::string&>();
    const std::string& q = l[1].get_ref<const std::string&>();
    out->asks[n++] = okx::BookLevel{Dec<Price>(p), Dec<Qty>(q), p, q};
  }
  f.asks = out->asks;
  f.ask_count = n;
  f.kind = okx::FrameKind::kBook;
}

std::string_view Sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void RapidToFrame(const rapidjson::Document& j, BaselineFrame* out) {
  okx::MarketFrame& f = out->f;
  f = okx::MarketFrame{};
  f.channel = ChannelOf(Sv(j["arg"]["channel"]));
  f.inst_id = Sv(j["arg"]["instId"]);
  if (j.HasMember("action")) f.action = Sv(j["action"]) == "snapshot" ? okx::Action::kSnapshot : okx::Action::kUpdate;
  const auto& d = j["data"][0];
  f.seq_id = d["seqId"].GetInt64();
  if (d.HasMember("prevSeqId")) {
    f.prev_seq_id = d["prevSeqId"].GetInt64();
    f.has_prev_seq = true;
  }
  if (d.HasMember("checksum")) {
    f.checksum = d["checksum"].GetInt();
    f.has_checksum = true;
  }
  f.ts_ms = 0;
  for (char c : Sv(d["ts"])) f.ts_ms = f.ts_ms * 10 + (c - '0');
  int n = 0;
  for (const auto& l : d["bids"].GetArray()) out->bids[n++] = okx::BookLevel{Dec<Price>(Sv(l[0])), Dec<Qty>(Sv(l[1])), Sv(l[0]), Sv(l[1])};
  f.bids = out->bids;
  f.bid_count = n;
  n = 0;
  for (const auto& l : d["asks"].GetArray()) out->asks[n++] = okx::BookLevel{Dec<Price>(Sv(l[0])), Dec<Qty>(Sv(l[1])), Sv(l[0]), Sv(l[1])};
  f.asks = out->asks;
  f.ask_count = n;
  f.kind = okx::FrameKind::kBook;
}

enum class Impl { kOurs, kNlohmann, kRapid };

// ---- books update, 20 levels: parse only ----

template <Impl kImpl>
void BM_Okx_Update20_Parse(benchmark::State& st) {
  const std::string msg = Books().Update(0);
  const std::string buf = Padded(msg);
  okx::Parser p(1 << 20);
  okx::MarketFrame f;
  static BaselineFrame bf;
  for (auto _ : st) {
    if constexpr (kImpl == Impl::kOurs) {
      benchmark::DoNotOptimize(p.ParseMarket(buf.data(), msg.size(), &f));
      benchmark::DoNotOptimize(f.bids[9]);
    } else if constexpr (kImpl == Impl::kNlohmann) {
      const auto j = nlohmann::json::parse(msg);
      NlohmannToFrame(j, &bf);
      benchmark::DoNotOptimize(bf.bids[9]);
    } else {
      rapidjson::Document d;
      d.Parse(msg.data(), msg.size());
      RapidToFrame(d, &bf);
      benchmark::DoNotOptimize(bf.bids[9]);
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Update20_Parse<Impl::kOurs>)->Name("BM_Okx_Update20_Parse_Ours");
BENCHMARK(BM_Okx_Update20_Parse<Impl::kNlohmann>)->Name("BM_Okx_Update20_Parse_Nlohmann");
BENCHMARK(BM_Okx_Update20_Parse<Impl::kRapid>)->Name("BM_Okx_Update20_Parse_RapidJson");

// Ablation: the same parse with the compact-form level fast path switched off.
void BM_Okx_Update20_Parse_OursGenericLevels(benchmark::State& st) {
  const std::string msg = Books().Update(0);
  const std::string buf = Padded(msg);
  okx::Parser p(1 << 20);
  p.set_compact_levels(false);
  okx::MarketFrame f;
  for (auto _ : st) {
    benchmark::DoNotOptimize(p.ParseMarket(buf.data(), msg.size(), &f));
    benchmark::DoNotOptimize(f.bids[9]);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Update20_Parse_OursGenericLevels);

// ---- books update, 20 levels: parse + apply to a synced 400-level book + checksum ----

template <Impl kImpl>
void BM_Okx_Update20_ParseApply(benchmark::State& st) {
  const BooksFixture& fx = Books();
  std::vector<std::string> msgs;
  for (int k = 0; k < 4096; ++k) msgs.push_back(Padded(fx.Update(k)));
  const std::string snap = Padded(fx.snapshot);
  okx::Parser p(1 << 20);
  okx::L2Book book;
  okx::MarketFrame f;
  static BaselineFrame bf;
  auto reset = [&] {
    book.Reset();
    p.ParseMarket(snap.data(), snap.size() - 64, &f);
    if (book.OnFrame(f) != venues::BookEvent::kSnapshot) st.SkipWithError("snapshot did not validate");
  };
  reset();
  size_t k = 0;
  for (auto _ : st) {
    if (k == msgs.size()) {
      st.PauseTiming();
      reset();
      k = 0;
      st.ResumeTiming();
    }
    const std::string& m = msgs[k++];
    venues::BookEvent e;
    if constexpr (kImpl == Impl::kOurs) {
      p.ParseMarket(m.data(), m.size() - 64, &f);
      e = book.OnFrame(f);
    } else if constexpr (kImpl == Impl::kNlohmann) {
      const auto j = nlohmann::json::parse(std::string_view(m.data(), m.size() - 64));
      NlohmannToFrame(j, &bf);
      e = book.OnFrame(bf.f);
    } else {
      rapidjson::Document d;
      d.Parse(m.data(), m.size() - 64);
      RapidToFrame(d, &bf);
      e = book.OnFrame(bf.f);
    }
    if (e != venues::BookEvent::kApplied) {
      st.SkipWithError(book.detail().c_str());
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Update20_ParseApply<Impl::kOurs>)->Name("BM_Okx_Update20_ParseApply_Ours");
BENCHMARK(BM_Okx_Update20_ParseApply<Impl::kNlohmann>)->Name("BM_Okx_Update20_ParseApply_Nlohmann");
BENCHMARK(BM_Okx_Update20_ParseApply<Impl::kRapid>)->Name("BM_Okx_Update20_ParseApply_RapidJson");

// ---- the checksum alone: top 25 levels per side of a 400-level book (part of every apply) ----

void BM_Okx_Checksum25(benchmark::State& st) {
  const BooksFixture& fx = Books();
  book::OrderBook b(400, true);
  for (const auto& [p, q] : fx.bids_a) b.bids().Set(ParseDecimal<Price>(p).value, ParseDecimal<Qty>(q).value, p, q);
  for (const auto& [p, q] : fx.asks_a) b.asks().Set(ParseDecimal<Price>(p).value, ParseDecimal<Qty>(q).value, p, q);
  for (auto _ : st) benchmark::DoNotOptimize(okx::Checksum(b));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Checksum25);

// Ablation: the CRC over a check string of that size, table-driven vs folded (PCLMULQDQ).
std::string CheckString() {
  std::string s;
  for (size_t i = 0; i < 25; ++i)
    s += Books().bids_a[i].first + ":" + Books().bids_a[i].second + ":" + Books().asks_a[i].first + ":" +
         Books().asks_a[i].second + ":";
  s.pop_back();
  return s;
}
void BM_Okx_Crc32_Table(benchmark::State& st) {
  const std::string s = CheckString();
  for (auto _ : st) benchmark::DoNotOptimize(Crc32IeeeTableUpdate(0, s.data(), s.size()));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * s.size()));
}
BENCHMARK(BM_Okx_Crc32_Table);
void BM_Okx_Crc32_Folded(benchmark::State& st) {
  const std::string s = CheckString();
  if (!Crc32IeeeFolds()) st.SkipWithError("no PCLMULQDQ on this CPU");
  for (auto _ : st) benchmark::DoNotOptimize(Crc32IeeeUpdate(0, s.data(), s.size()));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * s.size()));
}
BENCHMARK(BM_Okx_Crc32_Folded);

// ---- books snapshot, 400 levels per side: parse + load + checksum (what a resync costs) ----

template <Impl kImpl>
void BM_Okx_Snapshot400_ParseApply(benchmark::State& st) {
  const std::string& msg = Books().snapshot;
  const std::string buf = Padded(msg);
  okx::Parser p(1 << 20);
  okx::L2Book book;
  okx::MarketFrame f;
  static BaselineFrame bf;
  for (auto _ : st) {
    venues::BookEvent e;
    if constexpr (kImpl == Impl::kOurs) {
      p.ParseMarket(buf.data(), msg.size(), &f);
      e = book.OnFrame(f);
    } else if constexpr (kImpl == Impl::kNlohmann) {
      const auto j = nlohmann::json::parse(msg);
      NlohmannToFrame(j, &bf);
      e = book.OnFrame(bf.f);
    } else {
      rapidjson::Document d;
      d.Parse(msg.data(), msg.size());
      RapidToFrame(d, &bf);
      e = book.OnFrame(bf.f);
    }
    if (e != venues::BookEvent::kSnapshot) {
      st.SkipWithError(book.detail().c_str());
      break;
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Snapshot400_ParseApply<Impl::kOurs>)->Name("BM_Okx_Snapshot400_ParseApply_Ours");
BENCHMARK(BM_Okx_Snapshot400_ParseApply<Impl::kNlohmann>)->Name("BM_Okx_Snapshot400_ParseApply_Nlohmann");
BENCHMARK(BM_Okx_Snapshot400_ParseApply<Impl::kRapid>)->Name("BM_Okx_Snapshot400_ParseApply_RapidJson");

// ---- bbo-tbt and books5: full pictures each time (seqId grows so none is dropped as stale) ----

template <Impl kImpl, int kLevels>
void BM_Okx_Full_ParseApply(benchmark::State& st) {
  const char* channel = kLevels == 1 ? "bbo-tbt" : "books5";
  std::vector<std::string> msgs;
  for (int k = 0; k < 4096; ++k) {
    TextLevels b, a;
    for (int i = 0; i < kLevels; ++i) {
      b.emplace_back(PxText(3'000'000 - i - k % 3), "0.75");
      a.emplace_back(PxText(3'000'010 + i + k % 5), "1.25");
    }
    msgs.push_back(Padded(BookMsg(channel, nullptr, 0, 1000 + k, b, a, 0)));
  }
  okx::Parser p(1 << 16);
  okx::L2Book book;
  okx::MarketFrame f;
  static BaselineFrame bf;
  size_t k = 0;
  for (auto _ : st) {
    if (k == msgs.size()) {
      st.PauseTiming();
      book.Reset();
      k = 0;
      st.ResumeTiming();
    }
    const std::string& m = msgs[k++];
    venues::BookEvent e;
    if constexpr (kImpl == Impl::kOurs) {
      p.ParseMarket(m.data(), m.size() - 64, &f);
      e = book.OnFrame(f);
    } else if constexpr (kImpl == Impl::kNlohmann) {
      const auto j = nlohmann::json::parse(std::string_view(m.data(), m.size() - 64));
      NlohmannToFrame(j, &bf);
      e = book.OnFrame(bf.f);
    } else {
      rapidjson::Document d;
      d.Parse(m.data(), m.size() - 64);
      RapidToFrame(d, &bf);
      e = book.OnFrame(bf.f);
    }
    if (e != venues::BookEvent::kSnapshot) {
      st.SkipWithError(book.detail().c_str());
      break;
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kOurs, 1>)->Name("BM_Okx_BboTbt_ParseApply_Ours");
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kNlohmann, 1>)->Name("BM_Okx_BboTbt_ParseApply_Nlohmann");
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kRapid, 1>)->Name("BM_Okx_BboTbt_ParseApply_RapidJson");
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kOurs, 5>)->Name("BM_Okx_Books5_ParseApply_Ours");
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kNlohmann, 5>)->Name("BM_Okx_Books5_ParseApply_Nlohmann");
BENCHMARK(BM_Okx_Full_ParseApply<Impl::kRapid, 5>)->Name("BM_Okx_Books5_ParseApply_RapidJson");

// ---- orders push (a fill) → ExecReport ----

const char* kOrdersPush =
    R"({"arg":{"channel":"orders","instType":"SPOT","uid":"44705892343619584"},"data":[{"instType":"SPOT",)"
    R"("instId":"BTC-USDT","ordId":"600000000001","clOrdId":"hs1801234567","px":"30200","sz":"0.5","ordType":"ioc",)"
    R"("side":"sell","tdMode":"cash","state":"filled","fillPx":"30200","fillSz":"0.5","fillTime":"1700000000123",)"
    R"("tradeId":"1001","accFillSz":"0.5","avgPx":"30200","fee":"-15.1","feeCcy":"USDT","fillFee":"-15.1",)"
    R"("fillFeeCcy":"USDT","uTime":"1700000000123","cTime":"1700000000120"}]})";

template <Impl kImpl>
void BM_Okx_OrdersPush(benchmark::State& st) {
  const std::string msg = kOrdersPush;
  const std::string buf = Padded(msg);
  okx::Parser p(1 << 16);
  okx::OrderTracker tracker(VenueId{0}, nullptr);
  OrderIntent in;
  in.client_id = ClientOrderId{1801234567};
  okx::PrivateMsg m;
  ExecReport ex;
  for (auto _ : st) {
    tracker.Add(in, TscStamp{});
    if constexpr (kImpl == Impl::kOurs) {
      p.ParsePrivate(buf.data(), msg.size(), &m);
      benchmark::DoNotOptimize(tracker.OnPush(m.orders[0], TscStamp{}, &ex));
    } else {
      // The baselines parse the same fields into the same item, then the same tracker.
      okx::OrderItem item;
      const auto j = nlohmann::json::parse(msg);
      const auto& d = j["data"][0];
      if constexpr (kImpl == Impl::kNlohmann) {
        item.cl_ord_id = d["clOrdId"].get_ref<const std::string&>();
        item.ord_id = d["ordId"].get_ref<const std::string&>();
        item.state = okx::ParseOrderState(d["state"].get_ref<const std::string&>());
        item.fill_px = Dec<Price>(d["fillPx"].get_ref<const std::string&>());
        item.has_fill_px = true;
        item.fill_sz = Dec<Qty>(d["fillSz"].get_ref<const std::string&>());
        item.acc_fill_sz = Dec<Qty>(d["accFillSz"].get_ref<const std::string&>());
        item.has_acc_fill_sz = true;
        item.fee = ParseDecimal<Amount>(d["fee"].get_ref<const std::string&>(), Sign::kAllowNegative).value;
        item.fee_ccy = d["feeCcy"].get_ref<const std::string&>();
        benchmark::DoNotOptimize(tracker.OnPush(item, TscStamp{}, &ex));
      }
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_OrdersPush<Impl::kOurs>)->Name("BM_Okx_OrdersPush_Ours");
BENCHMARK(BM_Okx_OrdersPush<Impl::kNlohmann>)->Name("BM_Okx_OrdersPush_Nlohmann");

void BM_Okx_OrdersPush_RapidJson(benchmark::State& st) {
  const std::string msg = kOrdersPush;
  okx::OrderTracker tracker(VenueId{0}, nullptr);
  OrderIntent in;
  in.client_id = ClientOrderId{1801234567};
  ExecReport ex;
  for (auto _ : st) {
    tracker.Add(in, TscStamp{});
    rapidjson::Document j;
    j.Parse(msg.data(), msg.size());
    const auto& d = j["data"][0];
    okx::OrderItem item;
    item.cl_ord_id = Sv(d["clOrdId"]);
    item.ord_id = Sv(d["ordId"]);
    item.state = okx::ParseOrderState(Sv(d["state"]));
    item.fill_px = Dec<Price>(Sv(d["fillPx"]));
    item.has_fill_px = true;
    item.fill_sz = Dec<Qty>(Sv(d["fillSz"]));
    item.acc_fill_sz = Dec<Qty>(Sv(d["accFillSz"]));
    item.has_acc_fill_sz = true;
    item.fee = ParseDecimal<Amount>(Sv(d["fee"]), Sign::kAllowNegative).value;
    item.fee_ccy = Sv(d["feeCcy"]);
    benchmark::DoNotOptimize(tracker.OnPush(item, TscStamp{}, &ex));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_OrdersPush_RapidJson);

// ---- op:"order" encode (the last step before the socket) ----

void BM_Okx_EncodeOrder(benchmark::State& st) {
  auto cfg = config::ParseConfig(R"(assets = ["BTC", "USDT"]
[engine]
name = "bench"
[admin]
socket = "/tmp/unused.sock"
[journal]
path = "/tmp/unused.hsj"
[strategy]
min_edge = "0.0005"
max_leg_notional = "1000"
[risk]
max_order_notional = "1000"
[[instruments]]
name = "BTC/USDT"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.00000001"
[[venues]]
name = "okx"
kind = "okx"
market_data_url = "wss://ws.okx.com:8443"
rest_url = "https://www.okx.com"
order_url = "wss://ws.okx.com:8443"
api_key_env = "K"
api_secret_env = "S"
passphrase_env = "P"
taker_fee = "0.001"
symbols = { "BTC/USDT" = "BTC-USDT" }
)",
                                 "bench");
  if (!cfg.ok()) {
    st.SkipWithError("config");
    return;
  }
  venues::SymbolTable symbols(*cfg, cfg->venues[0]);
  okx::OrderEncoder enc(&symbols);
  OrderIntent in;
  in.client_id = ClientOrderId{1'801'234'567'890'123};
  in.instrument = InstrumentId{0};
  in.side = Side::kBuy;
  in.limit_px = ParseDecimal<Price>("30000.1").value;
  in.qty = ParseDecimal<Qty>("0.05").value;
  char buf[1024];
  for (auto _ : st) {
    benchmark::DoNotOptimize(enc.Encode(in, buf, sizeof buf));
    ++in.client_id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_EncodeOrder);

// ---- cancel path and signed REST (cold path, but the kill switch's cancel-all runs it) ----

void BM_Okx_EncodeCancel(benchmark::State& st) {
  char buf[512];
  ClientOrderId id{1'801'234'567'890'123};
  for (auto _ : st) {
    benchmark::DoNotOptimize(okx::EncodeCancel("BTC-USDT", id, buf, sizeof buf));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_EncodeCancel);

void BM_Okx_EncodeBatchCancel20(benchmark::State& st) {
  okx::CancelItem items[okx::kBatchCancelMax];
  for (auto& i : items) i = okx::CancelItem{"BTC-USDT", "hs1801234567890123", ""};
  char buf[4096];
  for (auto _ : st) benchmark::DoNotOptimize(okx::EncodeBatchCancel("ca1-0", items, okx::kBatchCancelMax, buf, sizeof buf));
  st.SetItemsProcessed(st.iterations() * okx::kBatchCancelMax);
}
BENCHMARK(BM_Okx_EncodeBatchCancel20);

// One signed query: timestamp, path and HMAC-SHA256 + base64 (every REST request pays this).
void BM_Okx_QueryPathAndSign(benchmark::State& st) {
  const venues::HmacSha256 key("bench-secret-not-real");
  ClientOrderId id{1'801'234'567'890'123};
  for (auto _ : st) {
    const std::string ts = okx::IsoMillis(1'700'000'000'123);
    const std::string path = okx::QueryPath("BTC-USDT", id);
    benchmark::DoNotOptimize(okx::RestSign(key, ts, "GET", path, ""));
    ++id.value;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Okx_QueryPathAndSign);

}  // namespace
}  // namespace hs

BENCHMARK_MAIN();
